// The date a photo or video was taken, from the first bytes of the file: for Takeout media that
// came without a JSON sidecar (else the archive entry's date is all there is). Ferry reads only a
// head of the file (a range read of 128 KiB), so everything here works on a buffer that may end
// anywhere, and on files that may be damaged or hostile: every offset is checked against the bytes
// at hand, nothing is followed twice, and the answer is "no date", never an exception.
//
// Formats (HEIC is not read: its Exif sits in a 'meta' item found through 'iinf'/'iloc', often past
// the head, and Takeout exports of HEIC come with sidecars in practice):
//   * JPEG: segments from SOI up to SOS; the APP1 starting "Exif\0\0" holds a TIFF structure (TIFF 6.0,
//     Exif 2.32): IFD0, and through its ExifIFDPointer (0x8769) the Exif IFD with DateTimeOriginal
//     (0x9003), DateTimeDigitized (0x9004) and their offsets OffsetTimeOriginal (0x9011) and
//     OffsetTimeDigitized (0x9012); IFD0's DateTime (0x0132) with OffsetTime (0x9010) is the last resort.
//   * QuickTime / ISO BMFF (MP4, MOV): the movie header 'moov'/'mvhd', whose creation_time counts
//     seconds since 1904-01-01 UTC (0: unknown). Only found when 'moov' lies within the head, which
//     is the case for files written for streaming ("fast start"), not for those with 'moov' last.

export interface ExifDate {
  date: Date;
  /** minutes east of UTC when the file says (OffsetTimeOriginal, or OffsetTime), else undefined */
  offsetMinutes?: number;
}

/**
 * The time the picture was taken, from the head of a JPEG (APP1 Exif: DateTimeOriginal 0x9003 in
 * the Exif sub-IFD, else DateTimeDigitized 0x9004, else IFD0 DateTime 0x0132; with
 * OffsetTimeOriginal 0x9011 / OffsetTime 0x9010), or a QuickTime/MP4 ('moov'/'mvhd' creation_time,
 * seconds since 1904-01-01 UTC; 0 = unknown) when the box is within `head`. Undefined when there is
 * none, it is malformed, cut off, or all zeros/blank ("0000:00:00 00:00:00"). Never throws.
 */
export function exifDate(head: Buffer): ExifDate | undefined {
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8) return jpegDate(head);
  if (head.length >= 8 && MOVIE_TOP_BOXES.has(head.toString('latin1', 4, 8))) return movieDate(head);
  return undefined;
}

// ---- JPEG --------------------------------------------------------------------------------------

const SOS = 0xda;
const EOI = 0xd9;
const APP1 = 0xe1;
const EXIF_HEADER = 'Exif\0\0';

function jpegDate(head: Buffer): ExifDate | undefined {
  let at = 2;
  // Each step moves on by at least one byte, and the head is finite: the walk ends.
  while (at + 2 <= head.length) {
    if (head[at] !== 0xff) return undefined; // not a marker where one must be: damaged
    const marker = head[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte before a marker (ITU T.81 B.1.1.2)
      continue;
    }
    if (marker === SOS || marker === EOI) return undefined; // metadata comes before the image data
    // Markers without a length: TEM and RST0–7 (none is expected here, but they are valid).
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0x00 || at + 4 > head.length) return undefined;
    const length = head.readUInt16BE(at + 2); // counts itself, not the marker
    if (length < 2) return undefined;
    const end = at + 2 + length;
    // A segment that does not fit in the head ends the search. An Exif segment cut off is not read
    // at all: a partial view could miss DateTimeOriginal or its offset and settle on another date,
    // or on one hours off.
    if (end > head.length) return undefined;
    if (
      marker === APP1 &&
      length >= 2 + EXIF_HEADER.length &&
      head.toString('latin1', at + 4, at + 10) === EXIF_HEADER
    ) {
      const found = tiffDate(head.subarray(at + 10, end));
      if (found) return found; // else another Exif segment may follow (rare, but valid to look)
    }
    at = end;
  }
  return undefined;
}

// TIFF field types read here: ASCII for the strings (BYTE and UNDEFINED too, which some writers use
// for them), LONG or IFD for the Exif IFD's offset (SHORT tolerated).
const BYTE = 1;
const ASCII = 2;
const SHORT = 3;
const LONG = 4;
const UNDEFINED = 7;
const IFD = 13;

const DATE_TIME = 0x0132;
const EXIF_IFD_POINTER = 0x8769;
const DATE_TIME_ORIGINAL = 0x9003;
const DATE_TIME_DIGITIZED = 0x9004;
const OFFSET_TIME = 0x9010;
const OFFSET_TIME_ORIGINAL = 0x9011;
const OFFSET_TIME_DIGITIZED = 0x9012;

/** A TIFF structure's readers, each answering undefined rather than reading outside `tiff`. */
class Tiff {
  readonly tiff: Buffer;
  readonly le: boolean;
  constructor(tiff: Buffer, le: boolean) {
    this.tiff = tiff;
    this.le = le;
  }
  u16(at: number): number | undefined {
    if (at < 0 || at + 2 > this.tiff.length) return undefined;
    return this.le ? this.tiff.readUInt16LE(at) : this.tiff.readUInt16BE(at);
  }
  u32(at: number): number | undefined {
    if (at < 0 || at + 4 > this.tiff.length) return undefined;
    return this.le ? this.tiff.readUInt32LE(at) : this.tiff.readUInt32BE(at);
  }

  /** The entries of the IFD at `offset`, by tag: where each entry starts. Only whole entries. */
  ifd(offset: number): Map<number, number> {
    const entries = new Map<number, number>();
    const count = this.u16(offset);
    if (count === undefined) return entries;
    for (let i = 0; i < count; i++) {
      const entry = offset + 2 + i * 12;
      if (entry + 12 > this.tiff.length) break; // a count larger than the segment: keep what is there
      const tag = this.u16(entry)!;
      if (!entries.has(tag)) entries.set(tag, entry); // the first of duplicated tags wins
    }
    return entries;
  }

  /** A string-valued entry (ASCII, or bytes), up to its first NUL; undefined when it lies outside. */
  text(entry: number | undefined): string | undefined {
    if (entry === undefined) return undefined;
    const type = this.u16(entry + 2);
    const count = this.u32(entry + 4);
    if (count === undefined || (type !== ASCII && type !== BYTE && type !== UNDEFINED)) return undefined;
    // Values of up to 4 bytes sit in the entry itself; longer ones at the offset it gives.
    const start = count <= 4 ? entry + 8 : this.u32(entry + 8);
    if (start === undefined || start + count > this.tiff.length) return undefined;
    const bytes = this.tiff.subarray(start, start + count);
    const nul = bytes.indexOf(0);
    return bytes.toString('latin1', 0, nul === -1 ? bytes.length : nul);
  }

  /** An offset-valued entry (LONG or IFD, one value; SHORT tolerated). */
  offset(entry: number | undefined): number | undefined {
    if (entry === undefined) return undefined;
    const type = this.u16(entry + 2);
    if (this.u32(entry + 4) !== 1) return undefined;
    if (type === LONG || type === IFD) return this.u32(entry + 8);
    if (type === SHORT) return this.u16(entry + 8);
    return undefined;
  }
}

/** The date from a TIFF structure (the Exif segment after "Exif\0\0"). */
function tiffDate(tiff: Buffer): ExifDate | undefined {
  if (tiff.length < 8) return undefined;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const t = new Tiff(tiff, order === 'II');
  if (t.u16(2) !== 42) return undefined;
  const ifd0At = t.u32(4)!;
  if (ifd0At < 8) return undefined; // would point into the header
  const ifd0 = t.ifd(ifd0At);
  // Only IFD0 and the Exif IFD it points to are read: one step, no chain, so no loops. IFD1 (the
  // thumbnail's) is never followed.
  const exifAt = t.offset(ifd0.get(EXIF_IFD_POINTER));
  const exif = exifAt !== undefined && exifAt >= 8 ? t.ifd(exifAt) : new Map<number, number>();

  // Each date with its own offset tag, else OffsetTime (cameras write the three offsets alike, and
  // some write OffsetTime alone). A placeholder date ("0000:00:00 00:00:00", blanks) means
  // "unknown", so the next candidate is tried.
  const candidates: [date: number | undefined, offset: number | undefined][] = [
    [exif.get(DATE_TIME_ORIGINAL), exif.get(OFFSET_TIME_ORIGINAL)],
    [exif.get(DATE_TIME_DIGITIZED), exif.get(OFFSET_TIME_DIGITIZED)],
    [ifd0.get(DATE_TIME), undefined],
  ];
  const fallbackOffset = parseOffset(t.text(exif.get(OFFSET_TIME)));
  for (const [dateEntry, offsetEntry] of candidates) {
    const local = parseExifDateTime(t.text(dateEntry));
    if (local === undefined) continue;
    const offsetMinutes = parseOffset(t.text(offsetEntry)) ?? fallbackOffset;
    // Exif date strings carry no zone. With an offset, the instant is the local time minus the
    // offset; without one the zone is unknown, and the local time is taken as if it were UTC (the
    // wall-clock reading is kept, the instant may be off by the photo's zone offset).
    if (offsetMinutes === undefined) return { date: new Date(local) };
    return { date: new Date(local - offsetMinutes * 60_000), offsetMinutes };
  }
  return undefined;
}

/**
 * "YYYY:MM:DD HH:MM:SS" as milliseconds of that wall-clock time read as UTC; undefined for a placeholder or nonsense.
 */
export function parseExifDateTime(s: string | undefined): number | undefined {
  // The standard form uses colons throughout; some writers put '-' or '/' in the date, or a 'T'.
  const m = s?.trim().match(/^(\d{4})[:\-/](\d{2})[:\-/](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  if (year === 0 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0–99 as 1900–1999
  d.setUTCHours(hour, minute, second, 0);
  if (d.getUTCDate() !== day) return undefined; // 31 April, 29 February of a common year
  return d.getTime();
}

/** "+HH:MM" / "-HH:MM" as minutes east of UTC; undefined when absent, blank or out of range. */
export function parseOffset(s: string | undefined): number | undefined {
  const m = s?.trim().match(/^([+-])(\d{2}):(\d{2})$/);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = Number(m[3]);
  if (hours > 14 || minutes > 59) return undefined; // UTC−12:00 to UTC+14:00 are the zones in use
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

// ---- QuickTime / ISO BMFF ----------------------------------------------------------------------

/** Box types a QuickTime or MP4 file may start with ('ftyp' in ISO BMFF; older QuickTime files start with others). */
const MOVIE_TOP_BOXES = new Set(['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

/** Seconds from 1904-01-01T00:00:00Z (the QuickTime epoch) to the Unix epoch. */
const EPOCH_1904 = 2_082_844_800;

/** A box's header within [at, limit): its type, where its payload starts and where it ends (clipped to limit). */
function box(
  head: Buffer,
  at: number,
  limit: number,
): { type: string; start: number; end: number; whole: boolean } | undefined {
  if (at + 8 > limit) return undefined;
  let size = head.readUInt32BE(at);
  const type = head.toString('latin1', at + 4, at + 8);
  let start = at + 8;
  if (size === 1) {
    // 64-bit size follows the type
    if (at + 16 > limit) return undefined;
    const large = head.readBigUInt64BE(at + 8);
    size = large > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(large);
    start = at + 16;
  } else if (size === 0) {
    size = limit - at; // extends to the end of the file (or of its parent): at least to the limit
  }
  if (size < start - at) return undefined;
  const end = at + size;
  return { type, start, end: Math.min(end, limit), whole: end <= limit };
}

function movieDate(head: Buffer): ExifDate | undefined {
  // Top level: find 'moov' (its end may lie past the head; 'mvhd' is normally its first child).
  let moov: { start: number; end: number } | undefined;
  for (let at = 0; at < head.length; ) {
    const b = box(head, at, head.length);
    if (!b) return undefined;
    if (b.type === 'moov') {
      moov = b;
      break;
    }
    if (!b.whole) return undefined; // the next box starts past the head
    at = b.end; // every box is at least 8 bytes long: the walk moves on
  }
  if (!moov) return undefined;
  for (let at = moov.start; at < moov.end; ) {
    const b = box(head, at, moov.end);
    if (!b) return undefined;
    if (b.type === 'mvhd') return b.whole ? mvhdDate(head.subarray(b.start, b.end)) : undefined;
    if (!b.whole) return undefined;
    at = b.end;
  }
  return undefined;
}

/** creation_time of a movie header (ISO/IEC 14496-12 §8.2.2; QuickTime File Format, "Movie header atom"). */
function mvhdDate(mvhd: Buffer): ExifDate | undefined {
  const version = mvhd[0];
  let seconds: number;
  if (version === 0 && mvhd.length >= 8) seconds = mvhd.readUInt32BE(4);
  else if (version === 1 && mvhd.length >= 12) {
    const v = mvhd.readBigUInt64BE(4);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    seconds = Number(v);
  } else return undefined;
  if (seconds === 0) return undefined; // "unknown", as many encoders leave it
  const date = new Date((seconds - EPOCH_1904) * 1000);
  // Beyond the year 9999 is a damaged field, not a date (and would not print as an ISO date).
  if (!(date.getTime() <= Date.UTC(9999, 11, 31, 23, 59, 59))) return undefined;
  // The field is UTC by definition, so there is an instant but no local offset to report.
  return { date };
}
