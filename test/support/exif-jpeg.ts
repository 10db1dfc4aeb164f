// JPEGs carrying an Exif date, for the Takeout date reader and the tests that date media without a
// JSON sidecar. The Exif is written from the TIFF 6.0 and Exif 2.32 structure, not by another
// library, so the reader is checked against the format:
//   APP1 = "Exif\0\0" + TIFF header ("II" 2A 00 / "MM" 00 2A, offset of IFD0 = 8)
//   IFD0 = count, 12-byte entries sorted by tag (tag, type, count, value or offset), next-IFD offset
//          (0: no IFD1), then the values longer than 4 bytes, each starting on a word boundary;
//          ExifIFDPointer (0x8769, LONG) gives the offset of the Exif IFD, laid out the same way.
// Offsets count from the TIFF header; ASCII counts include the terminating NUL.
// The rest of the file (JFIF APP0, DQT, SOF0, DHT, SOS, scan, EOI and seeded COM padding) is
// makeJpeg's, with its own Exif segment swapped for this one.
import { makeJpeg } from '../fakes/google/media.ts';

const ASCII = 2;
const SHORT = 3;
const LONG = 4;
const UNDEFINED = 7;

/** One IFD entry, by value type; the writer encodes it in the file's byte order. */
export type ExifTag = { tag: number } & (
  | { ascii: string }
  | { short: number }
  | { long: number }
  | { undefined: Buffer }
);

export const TAG = {
  Make: 0x010f,
  Model: 0x0110,
  DateTime: 0x0132,
  ExifIFDPointer: 0x8769,
  ExifVersion: 0x9000,
  DateTimeOriginal: 0x9003,
  DateTimeDigitized: 0x9004,
  OffsetTime: 0x9010,
  OffsetTimeOriginal: 0x9011,
  OffsetTimeDigitized: 0x9012,
} as const;

interface Encoded {
  tag: number;
  type: number;
  count: number;
  value: Buffer;
}

function encode(t: ExifTag, be: boolean): Encoded {
  if ('ascii' in t) {
    const value = Buffer.from(`${t.ascii}\0`, 'latin1');
    return { tag: t.tag, type: ASCII, count: value.length, value };
  }
  if ('short' in t) {
    const value = Buffer.alloc(2);
    if (be) value.writeUInt16BE(t.short);
    else value.writeUInt16LE(t.short);
    return { tag: t.tag, type: SHORT, count: 1, value };
  }
  if ('long' in t) {
    const value = Buffer.alloc(4);
    if (be) value.writeUInt32BE(t.long >>> 0);
    else value.writeUInt32LE(t.long >>> 0);
    return { tag: t.tag, type: LONG, count: 1, value };
  }
  return { tag: t.tag, type: UNDEFINED, count: t.undefined.length, value: t.undefined };
}

const ifdSize = (n: number) => 2 + n * 12 + 4;
const even = (n: number) => n + (n % 2);

/** Lays out one IFD at `offset` from the TIFF header: entries, next-IFD 0, then the long values. */
function layIfd(tags: Encoded[], offset: number, be: boolean): Buffer {
  const sorted = [...tags].sort((a, b) => a.tag - b.tag); // TIFF 6.0: entries in ascending tag order
  const head = Buffer.alloc(ifdSize(sorted.length));
  const w16 = (v: number, at: number) => (be ? head.writeUInt16BE(v, at) : head.writeUInt16LE(v, at));
  const w32 = (v: number, at: number) => (be ? head.writeUInt32BE(v >>> 0, at) : head.writeUInt32LE(v >>> 0, at));
  w16(sorted.length, 0);
  let dataAt = offset + head.length;
  const data: Buffer[] = [];
  sorted.forEach((e, i) => {
    const at = 2 + i * 12;
    w16(e.tag, at);
    w16(e.type, at + 2);
    w32(e.count, at + 4);
    if (e.value.length <= 4)
      e.value.copy(head, at + 8); // left-justified in the value field
    else {
      w32(dataAt, at + 8);
      const padded = Buffer.concat([e.value, Buffer.alloc(even(e.value.length) - e.value.length)]);
      data.push(padded);
      dataAt += padded.length;
    }
  });
  // next-IFD offset stays 0: no IFD1 (thumbnail) is written.
  return Buffer.concat([head, ...data]);
}

const laidSize = (tags: Encoded[]) =>
  ifdSize(tags.length) + tags.reduce((n, t) => n + (t.value.length > 4 ? even(t.value.length) : 0), 0);

/**
 * A TIFF structure: IFD0 with `ifd0`, and when `exif` is given an ExifIFDPointer to an Exif IFD
 * holding those tags (placed right after IFD0 and its values).
 */
export function exifTiff(opts: { bigEndian?: boolean; ifd0: ExifTag[]; exif?: ExifTag[] }): Buffer {
  const be = opts.bigEndian ?? false;
  const header = Buffer.from(be ? [0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8] : [0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]);
  const ifd0 = opts.ifd0.map((t) => encode(t, be));
  if (!opts.exif) return Buffer.concat([header, layIfd(ifd0, 8, be)]);
  const pointer = encode({ tag: TAG.ExifIFDPointer, long: 0 }, be);
  ifd0.push(pointer);
  const exifAt = 8 + laidSize(ifd0);
  pointer.value = encode({ tag: TAG.ExifIFDPointer, long: exifAt }, be).value;
  return Buffer.concat([
    header,
    layIfd(ifd0, 8, be),
    layIfd(
      opts.exif.map((t) => encode(t, be)),
      exifAt,
      be,
    ),
  ]);
}

/** An APP1 segment (marker, length, payload) holding "Exif\0\0" and `tiff`. */
export function exifApp1(tiff: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  if (payload.length + 2 > 0xffff)
    throw new Error(`Exif segment too long: ${payload.length} bytes (a JPEG segment holds at most 65533)`);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(payload.length + 2);
  return Buffer.concat([Buffer.from([0xff, 0xe1]), len, payload]);
}

/** Where makeJpeg's Exif APP1 lies: right after SOI and the JFIF APP0. */
function app1Range(jpeg: Buffer): [start: number, end: number] {
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const len = jpeg.readUInt16BE(at + 2);
    if (jpeg[at + 1] === 0xe1) return [at, at + 2 + len];
    at += 2 + len;
  }
  throw new Error('makeJpeg wrote no APP1 segment');
}

/** makeJpeg's photo for `seed`, about `size` bytes, with `app1` in place of its own Exif segment. */
export function jpegWithApp1(seed: number, app1: Buffer, size = 2048): Buffer {
  const [start, end] = app1Range(makeJpeg(seed, 0));
  const grow = app1.length - (end - start);
  const base = makeJpeg(seed, Math.max(0, size - grow));
  const [s, e] = app1Range(base);
  return Buffer.concat([base.subarray(0, s), app1, base.subarray(e)]);
}

/**
 * A valid baseline JPEG of about `size` bytes, distinct per `seed`, with an APP1 Exif holding
 * DateTimeOriginal (and OffsetTimeOriginal when given) in the Exif sub-IFD. Without
 * `dateTimeOriginal`, no Exif date at all (no DateTime tags).
 */
export function jpegWithExif(opts: {
  seed: number;
  size?: number;
  dateTimeOriginal?: string /* 'YYYY:MM:DD HH:MM:SS' */;
  offsetTimeOriginal?: string /* '+02:00' */;
  bigEndian?: boolean;
}): Buffer {
  const exif: ExifTag[] = [{ tag: TAG.ExifVersion, undefined: Buffer.from('0232', 'latin1') }];
  if (opts.dateTimeOriginal !== undefined) exif.push({ tag: TAG.DateTimeOriginal, ascii: opts.dateTimeOriginal });
  if (opts.offsetTimeOriginal !== undefined) exif.push({ tag: TAG.OffsetTimeOriginal, ascii: opts.offsetTimeOriginal });
  const tiff = exifTiff({
    bigEndian: opts.bigEndian,
    ifd0: [
      { tag: TAG.Make, ascii: 'FerryCam' },
      { tag: TAG.Model, ascii: `Model ${opts.seed % 97}` },
    ],
    exif,
  });
  return jpegWithApp1(opts.seed, exifApp1(tiff), opts.size ?? 2048);
}
