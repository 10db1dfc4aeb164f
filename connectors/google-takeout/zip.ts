// Reading a zip archive where it lies, through range reads: Takeout parts are up to 50 GB and sit
// in the user's cloud, so we read the end records and the central directory (a few hundred bytes
// per file), then stream just the entries we want. Written from PKWARE's APPNOTE 6.3.x.
import { Readable, Transform } from 'node:stream';
import zlib from 'node:zlib';
import { yielder } from './yield-point.ts';

export interface ZipEntry {
  name: string;
  compressedSize: number;
  size: number;
  crc32: number;
  method: 0 | 8;
  localHeaderOffset: number;
  /**
   * The Extended Timestamp extra field's UTC time when present; otherwise the DOS date and time,
   * which are local time of the machine that wrote the zip with no zone, taken as UTC here.
   */
  modifiedAt: Date;
  isDirectory: boolean;
}

/** Reads `length` bytes at `offset` of the archive. */
export type ReadAt = (offset: number, length: number, signal?: AbortSignal) => Promise<Buffer>;
/** The archive's bytes from `offset` to its end (a ranged GET), as a stream. */
export type StreamFrom = (offset: number, signal?: AbortSignal) => Promise<Readable>;

export type ArchiveErrorReason = 'not_archive' | 'truncated' | 'damaged' | 'unsupported';

/** Why an archive cannot be read, in words a user can act on; `reason` is for callers. */
export class ArchiveError extends Error {
  readonly reason: ArchiveErrorReason;
  constructor(reason: ArchiveErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArchiveError';
    this.reason = reason;
  }
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const EOCD64_SIZE = 56;
const LOCATOR_SIZE = 20;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;

/**
 * Entries Ferry reads from one archive part. A 50 GB Takeout part (the largest Google makes) holds
 * tens of thousands of photos and their sidecars; a part listing more was not written by Takeout,
 * and indexing it would only cost time (a 5 MB zip can list a million empty entries).
 */
export const MAX_ENTRIES = 500_000;
/** MAX_ENTRIES entries with long names fit in this: a bigger directory is refused unread. */
const MAX_DIRECTORY_BYTES = 128 * 1024 * 1024;
/**
 * Deflate gives at most 1032 bytes per compressed byte (a 258-byte match in 2 bits); a directory
 * entry claiming more is damaged or crafted. The slack covers the stream's first literals.
 */
const MAX_DEFLATE_RATIO = 1032;
const DEFLATE_SLACK = 1024;

const FLAG_ENCRYPTED = 0x0001;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const FLAG_UTF8 = 0x0800;

const REDOWNLOAD = 'Download this part again from Google Takeout and replace the copy in your cloud.';

const truncatedOrNotZip = (detail: string) =>
  new ArchiveError(
    'not_archive',
    `This file is not a zip archive, or it is truncated (a part still being uploaded?): ${detail}. ` +
      'If the upload is still running, wait for it to finish; otherwise download this part again from Google Takeout.',
  );
const damaged = (detail: string, cause?: unknown) =>
  new ArchiveError('damaged', `The zip archive is damaged: ${detail}. ${REDOWNLOAD}`, { cause });

/** Exactly `length` bytes at `offset`, or a clear error when the archive ends first. */
async function readExact(
  readAt: ReadAt,
  offset: number,
  length: number,
  signal: AbortSignal | undefined,
  what: string,
): Promise<Buffer> {
  if (length === 0) return Buffer.alloc(0);
  const buf = await readAt(offset, length, signal);
  if (buf.length < length) {
    throw new ArchiveError(
      'truncated',
      `The zip archive ends before its ${what} (${length} bytes wanted at offset ${offset}, ${buf.length} read): ` +
        `it is truncated (a part still being uploaded?). ${REDOWNLOAD}`,
    );
  }
  return buf.length === length ? buf : buf.subarray(0, length);
}

/** A 64-bit field as a number: zips past 2^53 bytes do not exist, so a bigger value is damage. */
function u64(buf: Buffer, at: number, what: string): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw damaged(`its ${what} is impossibly large (${v})`);
  return Number(v);
}

/**
 * Where the End of Central Directory record starts in `tail`, or -1. Searched backwards because
 * a comment (up to 64 KiB) may follow it; a candidate whose comment length reaches exactly the end
 * is preferred, so a signature inside the comment itself is not mistaken for the record.
 */
function findEocd(tail: Buffer): number {
  let loose = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail[i] !== 0x50 || tail.readUInt32LE(i) !== SIG_EOCD) continue;
    const end = i + EOCD_SIZE + tail.readUInt16LE(i + 20);
    if (end === tail.length) return i;
    if (end < tail.length && loose < 0) loose = i; // bytes after the comment: tolerated, as unzip does
  }
  return loose;
}

// Code page 437, the zip default for names without the UTF-8 flag: the upper half as IBM drew it.
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±' +
  '≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export function decodeCp437(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return s;
}

const METHOD_NAMES: Record<number, string> = {
  1: 'Shrink',
  6: 'Implode',
  9: 'Deflate64',
  12: 'bzip2',
  14: 'LZMA',
  93: 'Zstandard',
  95: 'XZ',
  98: 'PPMd',
  99: 'AES encryption',
};

function dosDateTime(date: number, time: number): Date {
  const year = 1980 + (date >> 9);
  const month = Math.max(1, (date >> 5) & 0x0f); // zeros (no date recorded) read as 1 January 1980
  const day = Math.max(1, date & 0x1f);
  return new Date(Date.UTC(year, month - 1, day, time >> 11, (time >> 5) & 0x3f, (time & 0x1f) * 2));
}

interface Directory {
  entries: number;
  size: number;
  offset: number;
  /** Where the records after the central directory start: it must end there. */
  end: number;
  zip64: boolean;
}

/** Finds and reads the end records: the classic one, and the ZIP64 pair when present. */
async function readEnd(
  readAt: ReadAt,
  archiveSize: number,
  signal: AbortSignal | undefined,
): Promise<{ dir: Directory; tail: Buffer; tailStart: number; bytesRead: number }> {
  if (archiveSize < EOCD_SIZE) throw truncatedOrNotZip(`it is only ${archiveSize} bytes long`);
  const tailLength = Math.min(archiveSize, EOCD_SIZE + MAX_COMMENT);
  const tailStart = archiveSize - tailLength;
  const tail = await readExact(readAt, tailStart, tailLength, signal, 'end records');
  let bytesRead = tailLength;
  const at = findEocd(tail);
  if (at < 0) throw truncatedOrNotZip(`no end-of-central-directory record in its last ${tailLength} bytes`);
  const eocd = tail.subarray(at, at + EOCD_SIZE);
  const eocdOffset = tailStart + at;
  const disk = eocd.readUInt16LE(4);
  const cdDisk = eocd.readUInt16LE(6);
  let dir: Directory = {
    entries: eocd.readUInt16LE(10),
    size: eocd.readUInt32LE(12),
    offset: eocd.readUInt32LE(16),
    end: eocdOffset,
    zip64: false,
  };

  // The ZIP64 locator sits right before the classic record, when there is one.
  let locator: Buffer | undefined;
  if (at >= LOCATOR_SIZE) locator = tail.subarray(at - LOCATOR_SIZE, at);
  else if (eocdOffset >= LOCATOR_SIZE) {
    locator = await readExact(readAt, eocdOffset - LOCATOR_SIZE, LOCATOR_SIZE, signal, 'ZIP64 locator');
    bytesRead += LOCATOR_SIZE;
  }
  if (locator && locator.readUInt32LE(0) === SIG_EOCD64_LOCATOR) {
    const eocd64Offset = u64(locator, 8, 'ZIP64 end record offset');
    if (eocd64Offset + EOCD64_SIZE > eocdOffset - LOCATOR_SIZE)
      throw damaged('its ZIP64 end record would lie past the end of the archive');
    let rec: Buffer;
    if (eocd64Offset >= tailStart)
      rec = tail.subarray(eocd64Offset - tailStart, eocd64Offset - tailStart + EOCD64_SIZE);
    else {
      rec = await readExact(readAt, eocd64Offset, EOCD64_SIZE, signal, 'ZIP64 end record');
      bytesRead += EOCD64_SIZE;
    }
    if (rec.readUInt32LE(0) !== SIG_EOCD64)
      throw damaged(`no ZIP64 end record where its locator points (offset ${eocd64Offset})`);
    if (rec.readUInt32LE(16) !== 0 || rec.readUInt32LE(20) !== 0) throw splitArchive();
    dir = {
      entries: u64(rec, 32, 'entry count'),
      size: u64(rec, 40, 'central directory size'),
      offset: u64(rec, 48, 'central directory offset'),
      end: eocd64Offset,
      zip64: true,
    };
  } else {
    if (disk !== 0 || cdDisk !== 0) throw splitArchive();
    if (dir.entries === 0xffff || dir.size === 0xffffffff || dir.offset === 0xffffffff) {
      throw damaged('its end record says the sizes are in a ZIP64 record, but there is none');
    }
  }
  if (dir.offset + dir.size > dir.end) {
    throw truncatedOrNotZip(
      `its central directory (${dir.size} bytes at offset ${dir.offset}) runs past the end records at ${dir.end}`,
    );
  }
  // Refused before the directory is read: no memory or time goes to a crafted one.
  if (dir.entries > MAX_ENTRIES) throw tooManyEntries(dir.entries);
  if (dir.size > MAX_DIRECTORY_BYTES) throw tooManyEntries(Math.floor(dir.size / CENTRAL_SIZE));
  return { dir, tail, tailStart, bytesRead };
}

const tooManyEntries = (n: number) =>
  new ArchiveError(
    'unsupported',
    `This zip lists ${n} entries, more than the ${MAX_ENTRIES} Ferry reads ` +
      `from one archive part (a 50 GB Google Takeout part holds far fewer): ` +
      'it was not written by Google Takeout. Check that it is a Takeout export; ' +
      'if it is, export again from Google Takeout with a smaller archive size.',
  );

const splitArchive = () =>
  new ArchiveError(
    'unsupported',
    'This zip is one volume of a split (multi-disk) archive, which Ferry cannot read. ' +
      'Google Takeout parts are complete archives each: export again from Takeout.',
  );

/**
 * The central directory is read a window at a time, once to check it and again for each pass over
 * its entries: a part of 100,000 files has a directory of about 19 MB (a crafted one up to
 * MAX_DIRECTORY_BYTES), and its entries as objects would take as much again.
 */
const WINDOW_BYTES = 1024 * 1024;

export interface CentralDirectory {
  /** How many entries it lists. */
  count: number;
  /** Every byte read from the archive so far: the end records, and the directory once per pass. */
  readonly bytesRead: number;
  /** Its entries in order. */
  entries(signal?: AbortSignal): AsyncGenerator<ZipEntry>;
}

/**
 * The archive's central directory, every entry checked before any is given: a damaged or crafted
 * directory is refused whole. Holds the end records and 16 bytes per entry (where each lies).
 */
export async function openCentralDirectory(
  readAt: ReadAt,
  archiveSize: number,
  signal?: AbortSignal,
): Promise<CentralDirectory> {
  if (!Number.isSafeInteger(archiveSize) || archiveSize < 0)
    throw new TypeError(`archive size must be a byte count, not ${archiveSize}`);
  signal?.throwIfAborted();
  const records = await readEnd(readAt, archiveSize, signal);
  const { dir } = records;
  let bytesRead = records.bytesRead;
  const headers = (s?: AbortSignal) => readHeaders(readAt, records, s, (n) => (bytesRead += n));
  const spans = new Spans();
  for await (const { entry, end } of headers(signal)) spans.add(entry.localHeaderOffset, end);
  const overlap = spans.overlap();
  if (overlap) {
    const names = new Map<number, string>();
    let i = 0;
    for await (const { entry } of headers(signal)) {
      if (overlap.includes(i)) names.set(i, entry.name);
      i++;
    }
    const [prev, next] = overlap;
    throw damaged(
      `"${names.get(next)}" overlaps "${names.get(prev)}" (its local header at offset ${spans.start(next)} ` +
        `lies inside that entry): entries must not share their data`,
    );
  }
  const count = spans.length;
  // The classic record counts in 16 bits; some writers let it wrap instead of writing ZIP64.
  if (count !== dir.entries && (dir.zip64 || (count & 0xffff) !== dir.entries)) {
    throw damaged(`its central directory lists ${count} entries where its end record says ${dir.entries}`);
  }
  return {
    count,
    get bytesRead() {
      return bytesRead;
    },
    async *entries(s = signal) {
      for await (const { entry } of headers(s)) yield entry;
    },
  };
}

/**
 * Where each entry lies at least (its local header and stored data), by its place in the directory.
 * Each entry's must lie apart from every other's (and before the central directory, checked as each
 * is read): entries that share their data (a "zip bomb" of many names for one deflated stream) would
 * each be inflated in full.
 */
class Spans {
  length = 0;
  private starts = new Float64Array(1024);
  private ends = new Float64Array(1024);

  add(start: number, end: number) {
    if (this.length === this.starts.length) {
      const [starts, ends] = [new Float64Array(this.length * 2), new Float64Array(this.length * 2)];
      starts.set(this.starts);
      ends.set(this.ends);
      [this.starts, this.ends] = [starts, ends];
    }
    this.starts[this.length] = start;
    this.ends[this.length++] = end;
  }

  start(i: number): number {
    return this.starts[i];
  }

  /**
   * Two entries that overlap (the one that starts first, then the other), if any: sorted by where
   * they start, each must end before the next begins.
   */
  overlap(): [number, number] | undefined {
    const order = new Uint32Array(this.length).map((_, i) => i).sort((a, b) => this.starts[a] - this.starts[b]);
    for (let k = 1; k < order.length; k++)
      if (this.ends[order[k - 1]] > this.starts[order[k]]) return [order[k - 1], order[k]];
    return undefined;
  }
}

/** The directory's headers in order, each parsed and checked, read a window at a time. */
async function* readHeaders(
  readAt: ReadAt,
  { dir, tail, tailStart }: { dir: Directory; tail: Buffer; tailStart: number },
  signal: AbortSignal | undefined,
  counted: (bytes: number) => void,
): AsyncGenerator<{ entry: ZipEntry; end: number }> {
  const y = yielder();
  const dirEnd = dir.offset + dir.size;
  let buf: Buffer = Buffer.alloc(0);
  let bufAt = dir.offset;
  // The directory from `from` on: a window, or more for a header longer than what is left of one.
  // Small archives have it within the tail already.
  const load = async (from: number, length: number) => {
    const n = Math.min(Math.max(length, WINDOW_BYTES), dirEnd - from);
    if (from >= tailStart) buf = tail.subarray(from - tailStart, from - tailStart + n);
    else {
      buf = await readExact(readAt, from, n, signal, 'central directory');
      counted(n);
    }
    bufAt = from;
  };
  let n = 0;
  for (let pos = dir.offset; pos < dirEnd; ) {
    await y.tick();
    signal?.throwIfAborted();
    // The 16-bit count of a classic end record may have wrapped: count again here.
    if (n++ === MAX_ENTRIES) throw tooManyEntries(MAX_ENTRIES + 1);
    if (pos + CENTRAL_SIZE > dirEnd) throw damaged(`no central directory header at offset ${pos}`);
    if (pos + CENTRAL_SIZE > bufAt + buf.length) await load(pos, CENTRAL_SIZE);
    let at = pos - bufAt;
    if (buf.readUInt32LE(at) !== SIG_CENTRAL) throw damaged(`no central directory header at offset ${pos}`);
    const length = CENTRAL_SIZE + buf.readUInt16LE(at + 28) + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
    if (pos + length > dirEnd)
      throw damaged(`the central directory header at offset ${pos} runs past the directory's end`);
    if (pos + length > bufAt + buf.length) {
      await load(pos, length);
      at = 0;
    }
    yield parseHeader(buf.subarray(at, at + length), dir);
    pos += length;
  }
}

/** One central directory header (its name, extra field and comment included), checked. */
function parseHeader(h: Buffer, dir: Directory): { entry: ZipEntry; end: number } {
  const flags = h.readUInt16LE(8);
  const method = h.readUInt16LE(10);
  const time = h.readUInt16LE(12);
  const date = h.readUInt16LE(14);
  const crc32 = h.readUInt32LE(16);
  let compressedSize = h.readUInt32LE(20);
  let size = h.readUInt32LE(24);
  const nameLength = h.readUInt16LE(28);
  const extraLength = h.readUInt16LE(30);
  let diskStart = h.readUInt16LE(34);
  let localHeaderOffset = h.readUInt32LE(42);
  const extraAt = CENTRAL_SIZE + nameLength;
  const rawName = h.subarray(CENTRAL_SIZE, extraAt);
  let name = flags & FLAG_UTF8 ? rawName.toString('utf8') : decodeCp437(rawName);
  let modifiedAt = dosDateTime(date, time);

  for (let x = extraAt; x + 4 <= extraAt + extraLength; ) {
    const id = h.readUInt16LE(x);
    const len = h.readUInt16LE(x + 2);
    const body = h.subarray(x + 4, x + 4 + len);
    if (x + 4 + len > extraAt + extraLength) throw damaged(`an extra field of "${name}" runs past its header`);
    if (id === 0x0001) {
      // ZIP64 extended information: only the fields whose header value is the sentinel, in this order.
      let p = 0;
      const take = (what: string) => {
        if (p + 8 > body.length) throw damaged(`the ZIP64 field of "${name}" lacks its ${what}`);
        const v = u64(body, p, what);
        p += 8;
        return v;
      };
      if (size === 0xffffffff) size = take('size');
      if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
      if (localHeaderOffset === 0xffffffff) localHeaderOffset = take('header offset');
      if (diskStart === 0xffff) {
        if (p + 4 > body.length) throw damaged(`the ZIP64 field of "${name}" lacks its disk number`);
        diskStart = body.readUInt32LE(p);
      }
    } else if (id === 0x7075 && len >= 5 && body[0] === 1 && body.readUInt32LE(1) === zlib.crc32(rawName)) {
      // Info-ZIP Unicode Path: the UTF-8 name, valid while the header name it was made for is unchanged.
      name = body.subarray(5).toString('utf8');
    } else if (id === 0x5455 && len >= 5 && body[0] & 1) {
      // Extended Timestamp: the modification time in UTC seconds, better than the zoneless DOS time.
      modifiedAt = new Date(body.readInt32LE(1) * 1000);
    }
    x += 4 + len;
  }

  if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION) || method === 99) {
    throw new ArchiveError(
      'unsupported',
      `"${name}" in this zip is encrypted, which Ferry cannot read. ` +
        `Export again from Google Takeout (its archives are not encrypted).`,
    );
  }
  if (method !== 0 && method !== 8) {
    const known = METHOD_NAMES[method] ? ` (${METHOD_NAMES[method]})` : '';
    throw new ArchiveError(
      'unsupported',
      `"${name}" in this zip is compressed with method ${method}${known}, which Ferry cannot read: ` +
        `only stored and deflated entries are supported, as Google Takeout writes them.`,
    );
  }
  if (diskStart !== 0) throw splitArchive();
  const end = localHeaderOffset + LOCAL_SIZE + nameLength + compressedSize;
  if (end > dir.offset) {
    throw damaged(
      `"${name}" would lie past the start of the central directory ` +
        `(offset ${localHeaderOffset}, ${compressedSize} bytes)`,
    );
  }
  if (method === 8 && size > compressedSize * MAX_DEFLATE_RATIO + DEFLATE_SLACK) {
    throw damaged(`"${name}" claims ${size} bytes from ${compressedSize} compressed ones, more than deflate can hold`);
  }
  const entry: ZipEntry = {
    name,
    compressedSize,
    size,
    crc32,
    method,
    localHeaderOffset,
    modifiedAt,
    isDirectory: name.endsWith('/'),
  };
  return { entry, end };
}

/**
 * Exactly `length` bytes from `source`, then `source` is destroyed: it is a ranged read to the end
 * of a possibly 50 GB archive, and the rest is not ours. Ending early is truncation.
 */
function slice(source: Readable, length: number, name: string): Readable {
  let remaining = length;
  const out = new Readable({
    read() {
      source.resume();
    },
    destroy(err, cb) {
      source.destroy();
      cb(err);
    },
  });
  const cutShort = () =>
    out.destroy(
      new ArchiveError(
        'truncated',
        `The zip archive ends inside "${name}" (${remaining} of its ${length} stored bytes missing): ` +
          `it is truncated (a part still being uploaded?). ${REDOWNLOAD}`,
      ),
    );
  source.on('data', (chunk: Buffer) => {
    if (remaining === 0) return;
    if (!Buffer.isBuffer(chunk)) chunk = Buffer.from(chunk);
    const part = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
    remaining -= part.length;
    const more = out.push(part);
    if (remaining === 0) {
      out.push(null);
      source.destroy();
    } else if (!more) source.pause();
  });
  source.on('end', () => {
    if (remaining > 0) cutShort();
  });
  source.on('close', () => {
    if (remaining > 0 && !out.destroyed) cutShort();
  });
  source.on('error', (err) => {
    if (remaining > 0) out.destroy(err);
  });
  source.pause();
  return out;
}

/**
 * The entry's content as a stream: reads its local header (whose name and extra field lengths
 * may differ from the central directory's), then streams exactly its stored bytes, inflated when
 * deflated. The size and CRC-32 are checked as the data passes; a difference fails the stream at
 * the end (or as soon as there is too much data), so a damaged part is never taken as good.
 */
export async function openEntry(
  entry: ZipEntry,
  readAt: ReadAt,
  streamFrom: StreamFrom,
  signal?: AbortSignal,
): Promise<Readable> {
  signal?.throwIfAborted();
  const head = await readExact(readAt, entry.localHeaderOffset, LOCAL_SIZE, signal, `local header of "${entry.name}"`);
  const dataStart = entry.localHeaderOffset + dataOffset(entry, head);

  let crc = 0;
  let produced = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      produced += chunk.length;
      if (produced > entry.size) return cb(tooLong(entry));
      crc = zlib.crc32(chunk, crc);
      cb(null, chunk);
    },
    flush(cb) {
      cb(misfit(entry, produced, crc));
    },
  });

  // An empty entry needs no request. (An empty deflated entry still has its 2-byte end block.)
  if (entry.compressedSize === 0) {
    Readable.from([], { objectMode: false }).pipe(check);
    return watch(check, signal);
  }
  const source = slice(await streamFrom(dataStart, signal), entry.compressedSize, entry.name);
  const fail = (err: Error) => check.destroy(err);
  source.on('error', fail);
  if (entry.method === 8) {
    const inflate = zlib.createInflateRaw({ chunkSize: 64 * 1024 });
    inflate.on('error', (err) => fail(damaged(`"${entry.name}" cannot be decompressed (${err.message})`, err)));
    check.on('close', () => {
      source.destroy();
      inflate.destroy();
    });
    source.pipe(inflate).pipe(check);
  } else {
    check.on('close', () => source.destroy());
    source.pipe(check);
  }
  return watch(check, signal);
}

/**
 * A small entry's content whole, from `bytes`, the archive's bytes from the entry's local header on
 * (as one bounded request gave them), with openEntry's checks; undefined when `bytes` end before
 * the entry's data does (a local extra field larger than was asked for). For a library's hundreds
 * of thousands of JSON files: no stream, inflater or check per file (with them, collecting their
 * garbage took a sixth of the indexing's time).
 */
export function entryFrom(entry: ZipEntry, bytes: Buffer): Buffer | undefined {
  if (bytes.length < LOCAL_SIZE) return undefined;
  const start = dataOffset(entry, bytes);
  if (start + entry.compressedSize > bytes.length) return undefined;
  const stored = bytes.subarray(start, start + entry.compressedSize);
  let content = stored;
  if (entry.method === 8 && stored.length) {
    try {
      // One byte more than the entry's size tells "too long" from "just right".
      content = zlib.inflateRawSync(stored, { maxOutputLength: entry.size + 1 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLong(entry);
      throw damaged(`"${entry.name}" cannot be decompressed (${(err as Error).message})`, err);
    }
  }
  if (content.length > entry.size) throw tooLong(entry);
  const wrong = misfit(entry, content.length, zlib.crc32(content));
  if (wrong) throw wrong;
  return content;
}

/** Where an entry's data starts, from its local header (`head`, its first LOCAL_SIZE bytes at least). */
function dataOffset(entry: ZipEntry, head: Buffer): number {
  if (head.readUInt32LE(0) !== SIG_LOCAL)
    throw damaged(`no local header for "${entry.name}" at offset ${entry.localHeaderOffset}`);
  const flags = head.readUInt16LE(6);
  if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) {
    throw new ArchiveError('unsupported', `"${entry.name}" in this zip is encrypted, which Ferry cannot read.`);
  }
  if (head.readUInt16LE(8) !== entry.method)
    throw damaged(`the local header of "${entry.name}" gives another compression method than the central directory`);
  return LOCAL_SIZE + head.readUInt16LE(26) + head.readUInt16LE(28);
}

const tooLong = (entry: ZipEntry) =>
  damaged(`"${entry.name}" holds more than the ${entry.size} bytes its directory entry says`);

/** What is wrong with an entry's content of `length` bytes and CRC-32 `crc`, if anything. */
function misfit(entry: ZipEntry, length: number, crc: number): ArchiveError | null {
  if (length !== entry.size)
    return damaged(`"${entry.name}" holds ${length} bytes where its directory entry says ${entry.size}`);
  if (crc >>> 0 !== entry.crc32 >>> 0)
    return damaged(`the CRC-32 of "${entry.name}" is ${hex(crc)} where its directory entry says ${hex(entry.crc32)}`);
  return null;
}

function watch(stream: Readable, signal: AbortSignal | undefined): Readable {
  if (!signal) return stream;
  // The signal's own reason, whatever realm made it (not instanceof Error: under Jest, Node's is not ours).
  const onAbort = () => stream.destroy(signal.reason ?? new DOMException('The operation was aborted', 'AbortError'));
  signal.addEventListener('abort', onAbort, { once: true });
  stream.once('close', () => signal.removeEventListener('abort', onAbort));
  return stream;
}

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
