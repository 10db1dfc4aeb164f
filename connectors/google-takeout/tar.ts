// Reading a .tgz Takeout part as it streams by: tar has no index, so the whole part is read once,
// front to back, and each entry is handed out as a stream of its own. Memory stays at a few
// 64 KiB chunks whatever the archive's size. Written from POSIX ustar and pax (IEEE 1003.1) and
// GNU tar's documented extensions (base-256 numbers, 'L' long names, 'K' long link names).
import { Readable } from 'node:stream';
import { types } from 'node:util';
import zlib from 'node:zlib';
import { ByteReader } from '../lib/bytes.ts';
import { ArchiveError } from './zip.ts';

export interface TarEntry {
  name: string;
  size: number;
  modifiedAt: Date;
  type: 'file' | 'directory' | 'other';
  body: Readable;
}

const BLOCK = 512;
const CHUNK = 64 * 1024;
/** Pax and GNU long-name records are read whole: real ones are a few hundred bytes. */
const MAX_META = 1024 * 1024;
/**
 * What is read after the end-of-archive blocks: writers pad the archive to a whole record (GNU tar:
 * 10 KiB), and reading that lets gzip check its trailer. Anything further is no part of the
 * archive and is left unread (a crafted part can hide gigabytes of zeros there).
 */
const MAX_PADDING = 1024 * 1024;
/**
 * Photos and videos are compressed already: a Takeout .tgz inflates to little more than its size.
 * A part that inflates past this many times what was read of it (once past INFLATE_FLOOR) is a
 * decompression bomb; reading it would cost minutes of work for a few megabytes.
 */
const MAX_RATIO = 100;
const INFLATE_FLOOR = 64 * 1024 * 1024;

const REDOWNLOAD = 'Download this part again from Google Takeout and replace the copy in your cloud.';
const damaged = (detail: string, cause?: unknown) =>
  new ArchiveError('damaged', `The tar archive is damaged: ${detail}. ${REDOWNLOAD}`, { cause });
const bomb = () =>
  new ArchiveError(
    'unsupported',
    `This .tgz inflates to more than ${MAX_RATIO} times its compressed size, which no Google Takeout export ` +
      `of photos and videos does: it is not a Google Takeout export, and Ferry stopped reading it. ` +
      'Check that it is a Takeout export, and download this part again from Google Takeout.',
  );
const truncated = (detail: string, cause?: unknown) =>
  new ArchiveError(
    'truncated',
    `The .tgz archive is truncated (a part still being uploaded?): ${detail}. If the upload is still ` +
      `running, wait for it to finish; otherwise download this part again from Google Takeout.`,
    { cause },
  );

/** Exactly `n` bytes; null when the data ends cleanly before the first byte. */
async function exact(src: ByteReader, n: number, what: string): Promise<Buffer | null> {
  const buf = Buffer.allocUnsafe(n);
  const got = await src.fill(buf, 0, n);
  if (got === n) return buf;
  if (got === 0) return null;
  throw truncated(`it ends inside ${what}`);
}

async function skip(src: ByteReader, n: number, what: string): Promise<void> {
  if ((await src.skip(n)) < n) throw truncated(`it ends inside ${what}`);
}

/** A NUL-terminated text field (names are UTF-8 in practice, as in Takeout's archives). */
function text(block: Buffer, at: number, length: number): string {
  const field = block.subarray(at, at + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? length : nul).toString('utf8');
}

/** A numeric field: octal digits (space or NUL padded), or GNU base-256 when the top bit is set. */
function number(block: Buffer, at: number, length: number, what: string): number {
  const field = block.subarray(at, at + length);
  if (field[0] & 0x80) {
    // Big-endian two's complement over the whole field, with the marker bit (0x80) cleared for
    // positive values; 0xff starts a negative one (times before 1970).
    let v = BigInt(field[0] & 0x7f);
    for (let i = 1; i < length; i++) v = (v << 8n) | BigInt(field[i]);
    if (field[0] === 0xff) v = BigInt.asIntN(length * 8, v | (0x80n << BigInt((length - 1) * 8)));
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
      throw damaged(`a header's ${what} is impossibly large`);
    return Number(v);
  }
  const s = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw damaged(`a header's ${what} is not a number ("${s}")`);
  return parseInt(s, 8);
}

function checksumOk(block: Buffer): boolean {
  let stored: number;
  try {
    stored = number(block, 148, 8, 'checksum');
  } catch {
    return false;
  }
  let unsigned = 8 * 0x20; // the checksum field itself counts as eight spaces
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    unsigned += block[i];
    signed += (block[i] << 24) >> 24; // some old tars summed signed chars
  }
  return stored === unsigned || stored === signed;
}

/** Pax extended header records: "<length> <key>=<value>\n", the length counting the whole record. */
function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < body.length && body[pos] !== 0) {
    const space = body.indexOf(0x20, pos);
    const length = space < 0 ? NaN : Number(body.toString('latin1', pos, space));
    if (
      !Number.isSafeInteger(length) ||
      length <= space - pos ||
      pos + length > body.length ||
      body[pos + length - 1] !== 0x0a
    ) {
      throw damaged('a pax extended header is malformed');
    }
    const record = body.subarray(space + 1, pos + length - 1);
    const eq = record.indexOf(0x3d);
    if (eq < 0) throw damaged('a pax extended header record has no "="');
    out[record.subarray(0, eq).toString('utf8')] = record.subarray(eq + 1).toString('utf8');
    pos += length;
  }
  return out;
}

const FILE_TYPES = new Set(['0', '\0', '7']);
/** Types whose size field does not announce data blocks (links, devices, FIFOs, directories). */
const NO_DATA_TYPES = new Set(['1', '2', '3', '4', '5', '6']);

/**
 * The entries of a gzip-compressed tar archive, in order. Each entry's body must be read (or
 * left alone) before asking for the next: an unread or half-read body is skipped then and can no
 * longer be read. Ending the iteration early destroys `stream`.
 */
export async function* readTarGz(stream: Readable, signal?: AbortSignal): AsyncGenerator<TarEntry> {
  signal?.throwIfAborted();
  const gunzip = zlib.createGunzip({ chunkSize: CHUNK });
  let compressed = 0;
  stream.on('data', (chunk: Buffer) => (compressed += chunk.length));
  stream.on('error', (err) => gunzip.destroy(err)); // pipe() does not pass errors along
  stream.pipe(gunzip);
  const onAbort = () => gunzip.destroy(signal?.reason ?? new DOMException('The operation was aborted', 'AbortError'));
  signal?.addEventListener('abort', onAbort, { once: true });
  // Every inflated chunk is held against what was read of the archive: a bomb stops at once.
  let inflated = 0;
  const src = new ByteReader(gunzip, (chunk) => {
    inflated += chunk.length;
    if (inflated > INFLATE_FLOOR && inflated > MAX_RATIO * compressed) throw bomb();
  });

  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let first = true;
  let current: EntryBody | undefined;
  try {
    for (;;) {
      const header = await exact(src, BLOCK, 'a header');
      if (!header) break; // no end-of-archive blocks, but the gzip stream ended whole: nothing is missing
      if (isZero(header)) {
        // End of archive. Read the record's padding, so the gzip trailer's CRC is checked too, but
        // stop there: what may follow is not the archive's.
        for (let padding = 0, b; padding < MAX_PADDING && (b = await src.take(CHUNK)); ) padding += b.length;
        break;
      }
      if (!checksumOk(header)) {
        if (first)
          throw new ArchiveError(
            'not_archive',
            'This .tgz file does not hold a tar archive (its first header is not a tar header). ' +
              'Check that it is a Google Takeout export.',
          );
        throw damaged('a header fails its checksum');
      }
      first = false;
      const type = String.fromCharCode(header[156]);
      const headerSize = number(header, 124, 12, 'size');

      // Records that describe the next entry.
      if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
        if (type === 'g') {
          await skip(src, padded(headerSize), 'a pax global header'); // defaults for all entries: nothing Ferry uses
          continue;
        }
        if (headerSize > MAX_META)
          throw damaged(`a ${type === 'x' ? 'pax' : 'long name'} header claims ${headerSize} bytes`);
        const body = (await exact(src, headerSize, 'an extended header')) ?? Buffer.alloc(0);
        await skip(src, padded(headerSize) - headerSize, 'an extended header');
        if (type === 'x')
          Object.assign(pax, parsePax(body)); // not a copy per record: a run of them stays linear
        else {
          const nul = body.indexOf(0);
          const value = body.subarray(0, nul < 0 ? body.length : nul).toString('utf8');
          if (type === 'L') longName = value;
          else longLink = value;
        }
        continue;
      }

      const ustar = header.toString('latin1', 257, 263) === 'ustar\0'; // POSIX; GNU's "ustar  " has no prefix field
      let name = text(header, 0, 100);
      if (ustar) {
        const prefix = text(header, 345, 155);
        if (prefix) name = `${prefix}/${name}`;
      }
      if (longName !== undefined) name = longName;
      if (pax.path) name = pax.path;
      let size = headerSize;
      if (pax.size) {
        if (!/^\d+$/.test(pax.size)) throw damaged(`a pax size is not a number ("${pax.size}")`);
        size = Number(pax.size);
      }
      let mtime = number(header, 136, 12, 'modification time');
      if (pax.mtime) {
        const m = Number(pax.mtime); // decimal seconds, possibly with a fraction
        if (Number.isFinite(m)) mtime = m;
      }
      void longLink; // link targets are not part of the entry Ferry needs; read so they do not leak to the next entry
      pax = {};
      longName = undefined;
      longLink = undefined;
      if (!name) throw damaged('an entry has no name');
      if (size < 0) throw damaged(`"${name}" has a negative size`);

      const dataSize = NO_DATA_TYPES.has(type) ? 0 : size;
      const kind: TarEntry['type'] =
        type === '5' || (FILE_TYPES.has(type) && name.endsWith('/'))
          ? 'directory'
          : FILE_TYPES.has(type)
            ? 'file'
            : 'other';
      const body = (current = new EntryBody(src, dataSize, name));
      yield { name, size: dataSize, modifiedAt: new Date(Math.round(mtime * 1000)), type: kind, body: body.stream };
      // The consumer asked for the next entry: whatever of this body it left is skipped.
      const left = await body.abandon();
      await skip(src, left + padded(dataSize) - dataSize, `"${name}"`);
    }
  } catch (err) {
    throw explain(err);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    current?.stream.destroy();
    gunzip.destroy();
    stream.unpipe(gunzip);
    stream.destroy();
  }
}

/** One entry's data as a stream, pulled from the archive only as fast as the consumer reads. */
class EntryBody {
  readonly stream: Readable;
  private remaining: number;
  private wanted = false;
  private closed = false;
  private pumping: Promise<void> | null = null;
  private readonly src: ByteReader;
  private readonly name: string;
  constructor(src: ByteReader, size: number, name: string) {
    this.src = src;
    this.remaining = size;
    this.name = name;
    this.stream = new Readable({
      highWaterMark: CHUNK,
      read: () => {
        this.wanted = true;
        if (!this.pumping && !this.closed) this.pumping = this.pump().finally(() => (this.pumping = null));
      },
    });
    this.stream.on('error', () => {}); // the consumer's, if it listens; an unread body's error also fails the iteration
  }
  private async pump(): Promise<void> {
    try {
      while (this.wanted && this.remaining > 0 && !this.closed) {
        const chunk = await this.src.take(Math.min(this.remaining, CHUNK));
        if (!chunk) throw truncated(`it ends inside "${this.name}"`);
        this.remaining -= chunk.length;
        this.wanted = this.stream.push(chunk);
      }
      if (this.remaining === 0 && !this.closed) {
        this.closed = true;
        this.stream.push(null);
      }
    } catch (err) {
      this.closed = true;
      this.stream.destroy(explain(err) as Error);
    }
  }
  /** Stops the stream; resolves to how many of its bytes are still in the archive, to skip. */
  async abandon(): Promise<number> {
    if (this.pumping) await this.pumping;
    if (!this.closed) {
      this.closed = true;
      this.stream.destroy();
    }
    return this.remaining;
  }
}

const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

function isZero(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/** zlib's terse errors, said for a person. */
function explain(err: unknown): unknown {
  // isNativeError, not instanceof Error: zlib's errors are made in Node's realm, which under Jest is
  // not the code's.
  if (err instanceof ArchiveError || !types.isNativeError(err)) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(err.message))
    return truncated('the compressed data stops before its end', err);
  if (code === 'Z_DATA_ERROR' && /header check/i.test(err.message)) {
    return new ArchiveError(
      'not_archive',
      'This file is not a .tgz archive (it is not gzip-compressed). Check that it is a Google Takeout export.',
      { cause: err },
    );
  }
  if (code === 'Z_DATA_ERROR') return damaged(`the compressed data is invalid (${err.message})`, err);
  return err;
}
