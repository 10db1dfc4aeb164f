// Archive writers for tests, written from the specifications (PKWARE APPNOTE 6.3.x for zip; POSIX
// ustar and pax, and GNU tar's documented 'L'/'K' records and base-256 numbers, for tar) so the
// readers are checked against the formats, not against another project's reading of them.
// Archives are "virtual files" (a size and a read function) so a test can serve a 200 MiB entry
// generated on the fly, through range reads, without holding it in memory.
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { openCentralDirectory, type ReadAt, type ZipEntry } from '../../connectors/google-takeout/zip.ts';

/** A file's bytes, produced on demand. */
export interface VirtualFile {
  size: number;
  read(offset: number, length: number): Buffer;
}

export function fromBuffer(buf: Buffer): VirtualFile {
  return { size: buf.length, read: (offset, length) => buf.subarray(offset, offset + length) };
}

/** `chunk` repeated `times` times, then `tail`. */
export function repeated(chunk: Buffer, times: number, tail: Buffer = Buffer.alloc(0)): VirtualFile {
  const body = chunk.length * times;
  return {
    size: body + tail.length,
    read(offset, length) {
      const out = Buffer.allocUnsafe(Math.max(0, Math.min(length, body + tail.length - offset)));
      for (let o = 0; o < out.length; ) {
        const at = offset + o;
        const n =
          at < body
            ? chunk.copy(out, o, at % chunk.length, Math.min(chunk.length, (at % chunk.length) + out.length - o))
            : tail.copy(out, o, at - body, at - body + out.length - o);
        o += n;
      }
      return out;
    },
  };
}

/** Files one after another. */
export function concat(parts: (Buffer | VirtualFile)[]): VirtualFile {
  const files = parts.map((p) => (Buffer.isBuffer(p) ? fromBuffer(p) : p));
  const starts: number[] = [];
  let size = 0;
  for (const f of files) {
    starts.push(size);
    size += f.size;
  }
  return {
    size,
    read(offset, length) {
      const out: Buffer[] = [];
      let want = Math.max(0, Math.min(length, size - offset));
      // The first file holding `offset`, by binary search: archives of many entries are many files.
      let lo = 0;
      for (let hi = files.length - 1; lo < hi; ) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= offset) lo = mid;
        else hi = mid - 1;
      }
      for (let i = lo; i < files.length && want > 0; i++) {
        const f = files[i];
        const end = starts[i] + f.size;
        if (offset >= end) continue;
        const n = Math.min(want, end - offset);
        out.push(f.read(offset - starts[i], n));
        offset += n;
        want -= n;
      }
      return out.length === 1 ? out[0] : Buffer.concat(out);
    },
  };
}

export function materialize(file: VirtualFile): Buffer {
  return Buffer.from(file.read(0, file.size));
}

/** The file's bytes from `offset` to its end, as a stream of 64 KiB chunks made when read. */
export function streamOf(file: VirtualFile, offset = 0, onChunk?: (n: number) => void): Readable {
  let pos = offset;
  return new Readable({
    read() {
      if (pos >= file.size) return void this.push(null);
      const n = Math.min(64 * 1024, file.size - pos);
      const chunk = file.read(pos, n);
      pos += n;
      onChunk?.(n);
      this.push(chunk);
    },
  });
}

/** ReadAt and StreamFrom over a virtual file, counting what callers fetch. */
export function rangeAccess(file: VirtualFile) {
  const stats = { reads: 0, bytesRead: 0, largestRead: 0, streams: 0, bytesStreamed: 0 };
  return {
    stats,
    readAt: async (offset: number, length: number): Promise<Buffer> => {
      stats.reads++;
      const b = Buffer.from(file.read(offset, length));
      stats.bytesRead += b.length;
      stats.largestRead = Math.max(stats.largestRead, b.length);
      return b;
    },
    streamFrom: async (offset: number): Promise<Readable> => {
      stats.streams++;
      return streamOf(file, offset, (n) => (stats.bytesStreamed += n));
    },
  };
}

/** Every entry a zip's central directory lists, how many it counted, and the bytes read for them. */
export async function listZip(readAt: ReadAt, size: number) {
  const directory = await openCentralDirectory(readAt, size);
  const entries: ZipEntry[] = [];
  for await (const entry of directory.entries()) entries.push(entry);
  return { entries, count: directory.count, bytesRead: directory.bytesRead };
}

// ---------------------------------------------------------------------------------------------
// Zip

export interface ZipInput {
  /** A Buffer is written as is (for CP437 names), a string as UTF-8. */
  name: string | Buffer;
  data?: Buffer;
  method?: 0 | 8;
  modifiedAt?: Date;
  /** Extra fields (id, length, data) for the central header, after any ZIP64 field. */
  centralExtra?: Buffer;
  /** Content already in its stored form (for big generated entries) instead of `data`. */
  raw?: { method: 0 | 8; size: number; crc32: number; bytes: VirtualFile };
  /**
   * A crafted entry: no local record of its own, its central header points at the local header and
   * data of the earlier entry of this index (the "many names, one deflated stream" zip bomb).
   */
  sharesDataOf?: number;
}

export interface ZipOptions {
  /** ZIP64 end records and extra fields even where the values fit in 32 bits. */
  zip64?: boolean;
  /** Sets general-purpose bit 11 on every entry (default true). */
  utf8?: boolean;
  comment?: string;
  /** Flag bit 3 with zeros in the local headers and a signed data descriptor after each entry's data. */
  dataDescriptor?: boolean;
}

const DEFAULT_TIME = new Date(Date.UTC(2024, 4, 6, 7, 8, 10));
const U32_MAX = 0xffffffff;

function dosTime(d: Date): { date: number; time: number } {
  return {
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}

function u64le(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/** A zip archive as a virtual file (see ZipInput.raw for entries generated on the fly). */
export function zipFile(entries: ZipInput[], opts: ZipOptions = {}): VirtualFile {
  const utf8 = opts.utf8 ?? true;
  const parts: (Buffer | VirtualFile)[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const push = (p: Buffer | VirtualFile) => {
    parts.push(p);
    offset += Buffer.isBuffer(p) ? p.length : p.size;
  };

  const written: Array<{ headerOffset: number; method: 0 | 8; size: number; crc: number; csize: number }> = [];
  for (const e of entries) {
    let name: Buffer;
    if (Buffer.isBuffer(e.name)) name = e.name;
    else {
      if (!utf8 && /[^\x00-\x7f]/.test(e.name))
        throw new Error(`writeZip: give "${e.name}" as CP437 bytes when utf8 is false`);
      name = Buffer.from(e.name, 'utf8');
    }
    let method: 0 | 8;
    let size: number;
    let crc: number;
    let stored: Buffer | VirtualFile;
    if (e.raw) {
      ({ method, size, crc32: crc } = e.raw);
      stored = e.raw.bytes;
    } else {
      const data = e.data ?? Buffer.alloc(0);
      method = e.method ?? 8;
      size = data.length;
      crc = zlib.crc32(data);
      stored = method === 8 ? zlib.deflateRawSync(data) : data;
    }
    let csize = Buffer.isBuffer(stored) ? stored.length : stored.size;
    const { date, time } = dosTime(e.modifiedAt ?? DEFAULT_TIME);
    const flags = (utf8 ? 0x0800 : 0) | (opts.dataDescriptor ? 0x0008 : 0);
    let headerOffset = offset;
    const shared = e.sharesDataOf !== undefined ? written[e.sharesDataOf] : undefined;
    if (shared) ({ headerOffset, method, size, crc, csize } = shared);
    written.push({ headerOffset, method, size, crc, csize });

    // Local header. With ZIP64 both sizes go in the extra field (APPNOTE 4.5.3: the local header
    // must hold both when either is there).
    const localZip64 = opts.zip64 || size >= U32_MAX || csize >= U32_MAX;
    const localExtra = localZip64
      ? Buffer.concat([
          le16(0x0001),
          le16(16),
          u64le(opts.dataDescriptor ? 0 : size),
          u64le(opts.dataDescriptor ? 0 : csize),
        ])
      : Buffer.alloc(0);
    if (!shared) {
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(localZip64 ? 45 : 20, 4);
      local.writeUInt16LE(flags, 6);
      local.writeUInt16LE(method, 8);
      local.writeUInt16LE(time, 10);
      local.writeUInt16LE(date, 12);
      local.writeUInt32LE(opts.dataDescriptor ? 0 : crc, 14);
      local.writeUInt32LE(localZip64 ? U32_MAX : opts.dataDescriptor ? 0 : csize, 18);
      local.writeUInt32LE(localZip64 ? U32_MAX : opts.dataDescriptor ? 0 : size, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(localExtra.length, 28);
      push(Buffer.concat([local, name, localExtra]));
      push(stored);
      if (opts.dataDescriptor) {
        const dd = localZip64
          ? Buffer.concat([le32(0x08074b50), le32(crc), u64le(csize), u64le(size)])
          : Buffer.concat([le32(0x08074b50), le32(crc), le32(csize), le32(size)]);
        push(dd);
      }
    }

    // Central header: the ZIP64 field holds only the values whose 32-bit field is the sentinel, in
    // the order size, compressed size, offset.
    const big = (n: number) => opts.zip64 || n >= U32_MAX;
    const z64: Buffer[] = [];
    if (big(size)) z64.push(u64le(size));
    if (big(csize)) z64.push(u64le(csize));
    if (big(headerOffset)) z64.push(u64le(headerOffset));
    const extra = Buffer.concat([
      z64.length ? Buffer.concat([le16(0x0001), le16(z64.length * 8), ...z64]) : Buffer.alloc(0),
      e.centralExtra ?? Buffer.alloc(0),
    ]);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(z64.length ? 45 : 20, 4); // made by: MS-DOS host, spec version
    c.writeUInt16LE(z64.length ? 45 : 20, 6);
    c.writeUInt16LE(flags, 8);
    c.writeUInt16LE(method, 10);
    c.writeUInt16LE(time, 12);
    c.writeUInt16LE(date, 14);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(big(csize) ? U32_MAX : csize, 20);
    c.writeUInt32LE(big(size) ? U32_MAX : size, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt16LE(extra.length, 30);
    c.writeUInt16LE(0, 32); // comment
    c.writeUInt16LE(0, 34); // disk
    c.writeUInt16LE(0, 36); // internal attributes
    c.writeUInt32LE(name[name.length - 1] === 0x2f ? 0x10 : 0x20, 38); // MS-DOS directory / archive bit
    c.writeUInt32LE(big(headerOffset) ? U32_MAX : headerOffset, 42);
    central.push(Buffer.concat([c, name, extra]));
  }

  const cdOffset = offset;
  const cd = Buffer.concat(central);
  push(cd);
  const count = entries.length;
  const zip64 = opts.zip64 || count >= 0xffff || cd.length >= U32_MAX || cdOffset >= U32_MAX;
  if (zip64) {
    const eocd64Offset = offset;
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4); // size of the rest of the record
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeUInt32LE(0, 16);
    rec.writeUInt32LE(0, 20);
    rec.writeBigUInt64LE(BigInt(count), 24);
    rec.writeBigUInt64LE(BigInt(count), 32);
    rec.writeBigUInt64LE(BigInt(cd.length), 40);
    rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    push(rec);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeUInt32LE(0, 4);
    loc.writeBigUInt64LE(BigInt(eocd64Offset), 8);
    loc.writeUInt32LE(1, 16);
    push(loc);
  }
  const comment = Buffer.from(opts.comment ?? '', 'utf8');
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(0, 4);
  eocd.writeUInt16LE(0, 6);
  eocd.writeUInt16LE(zip64 ? 0xffff : count, 8);
  eocd.writeUInt16LE(zip64 ? 0xffff : count, 10);
  eocd.writeUInt32LE(zip64 ? U32_MAX : cd.length, 12);
  eocd.writeUInt32LE(zip64 ? U32_MAX : cdOffset, 16);
  eocd.writeUInt16LE(comment.length, 20);
  push(Buffer.concat([eocd, comment]));
  return concat(parts);
}

export function writeZip(entries: ZipInput[], opts: ZipOptions = {}): Buffer {
  return materialize(zipFile(entries, opts));
}

/**
 * A deflated entry of `block` repeated `times` times, made on the fly: the block is deflated once
 * with a full flush (which ends byte-aligned and resets the dictionary, so the same bytes can
 * follow themselves), and the stream closes with an empty final fixed-Huffman block (03 00).
 */
export function deflatedRepeat(block: Buffer, times: number): NonNullable<ZipInput['raw']> {
  const piece = zlib.deflateRawSync(block, { level: 1, finishFlush: zlib.constants.Z_FULL_FLUSH });
  let crc = 0;
  for (let i = 0; i < times; i++) crc = zlib.crc32(block, crc);
  return {
    method: 8,
    size: block.length * times,
    crc32: crc,
    bytes: repeated(piece, times, Buffer.from([0x03, 0x00])),
  };
}

/** A stored entry of `block` repeated `times` times. */
export function storedRepeat(block: Buffer, times: number): NonNullable<ZipInput['raw']> {
  let crc = 0;
  for (let i = 0; i < times; i++) crc = zlib.crc32(block, crc);
  return { method: 0, size: block.length * times, crc32: crc, bytes: repeated(block, times) };
}

/** An extra field: id, length, data. */
export function extraField(id: number, data: Buffer): Buffer {
  return Buffer.concat([le16(id), le16(data.length), data]);
}

const le16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const le32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

// ---------------------------------------------------------------------------------------------
// Tar

export interface TarInput {
  name: string;
  data?: Buffer | VirtualFile;
  type?: 'file' | 'directory' | 'symlink' | 'hardlink';
  linkName?: string;
  modifiedAt?: Date;
  /** More pax records for this entry, after the usual ones (with `pax: true`). */
  paxRecords?: [string, string][];
}

export interface TarOptions {
  /** A pax extended header ('x': path, size, mtime, linkpath) before every entry. */
  pax?: boolean;
  /** GNU 'L' / 'K' records for names and link names over 100 bytes (GNU magic "ustar  "). */
  gnuLongNames?: boolean;
  /** Size and mtime in GNU base-256, even where octal would do. */
  base256?: boolean;
  /** A pax global header ('g') first, which readers ignore. */
  globalHeader?: boolean;
  /** Leave out the two zero blocks that end the archive. */
  noTrailer?: boolean;
  /** Bytes of zeros after the end of the archive (padding gone wild: a crafted part's gigabytes). */
  trailingZeros?: number;
}

const OCTAL_MAX_11 = 0o77777777777;

function writeText(block: Buffer, at: number, length: number, value: Buffer): void {
  if (value.length > length) throw new Error(`tar writer: field of ${length} bytes cannot hold ${value.length}`);
  value.copy(block, at);
}

function writeNumber(block: Buffer, at: number, length: number, n: number, base256: boolean): void {
  if (!base256 && n >= 0 && n < 8 ** (length - 1)) {
    block.write(`${n.toString(8).padStart(length - 1, '0')}\0`, at, 'latin1');
    return;
  }
  // GNU base-256: big-endian two's complement with the top bit of the first byte set.
  let v = BigInt.asUintN(length * 8, BigInt(n));
  for (let i = length - 1; i >= 0; i--) {
    block[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (n >= 0) block[at] |= 0x80;
}

function header(fields: {
  name: Buffer;
  prefix?: Buffer;
  size: number;
  mtime: number;
  type: string;
  linkName?: Buffer;
  gnu: boolean;
  base256: boolean;
  mode: number;
}): Buffer {
  const b = Buffer.alloc(512);
  writeText(b, 0, 100, fields.name);
  writeNumber(b, 100, 8, fields.mode, false);
  writeNumber(b, 108, 8, 1000, false);
  writeNumber(b, 116, 8, 1000, false);
  writeNumber(b, 124, 12, fields.size, fields.base256 || fields.size > OCTAL_MAX_11);
  writeNumber(b, 136, 12, fields.mtime, fields.base256 || fields.mtime < 0);
  b.write('        ', 148, 'latin1');
  b.write(fields.type, 156, 'latin1');
  if (fields.linkName) writeText(b, 157, 100, fields.linkName);
  b.write(fields.gnu ? 'ustar  \0' : 'ustar\x0000', 257, 'latin1');
  b.write('ferry', 265, 'latin1');
  b.write('ferry', 297, 'latin1');
  if (fields.prefix) writeText(b, 345, 155, fields.prefix);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

/** Pax records; each one's length counts its own digits, so it is found by trying. */
function paxBody(records: [string, string][]): Buffer {
  const out: Buffer[] = [];
  for (const [k, v] of records) {
    const rest = Buffer.byteLength(` ${k}=${v}\n`);
    let len = rest + 1;
    while (String(len).length + rest !== len) len = String(len).length + rest;
    out.push(Buffer.from(`${len} ${k}=${v}\n`, 'utf8'));
  }
  return Buffer.concat(out);
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

/** Cuts to at most `max` bytes without splitting a UTF-8 sequence. */
function cut(s: string, max: number): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= max) return b;
  let end = max;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

/** An uncompressed tar archive as a virtual file. */
export function tarFile(entries: TarInput[], opts: TarOptions = {}): VirtualFile {
  const parts: (Buffer | VirtualFile)[] = [];
  const gnu = !!opts.gnuLongNames;
  const base256 = !!opts.base256;
  if (opts.globalHeader) {
    const body = paxBody([['comment', 'written by Ferry tests']]);
    parts.push(
      header({
        name: Buffer.from('pax_global_header'),
        size: body.length,
        mtime: 0,
        type: 'g',
        gnu,
        base256,
        mode: 0o644,
      }),
      body,
      pad(body.length),
    );
  }
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = type === 'file' ? (e.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    const size = Buffer.isBuffer(data) ? data.length : data.size;
    const mtime = Math.floor((e.modifiedAt ?? DEFAULT_TIME).getTime() / 1000);
    const typeflag = { file: '0', directory: '5', symlink: '2', hardlink: '1' }[type];
    const fullName = Buffer.from(e.name, 'utf8');
    const linkName = e.linkName !== undefined ? Buffer.from(e.linkName, 'utf8') : undefined;
    let name: Buffer = fullName;
    let prefix: Buffer | undefined;
    let link = linkName;

    if (opts.pax) {
      const records: [string, string][] = [
        ['path', e.name],
        ['size', String(size)],
        ['mtime', String(mtime)],
      ];
      if (e.linkName !== undefined) records.push(['linkpath', e.linkName]);
      records.push(...(e.paxRecords ?? []));
      const body = paxBody(records);
      parts.push(
        header({
          name: cut(`PaxHeaders/${e.name.split('/').pop()}`, 100),
          size: body.length,
          mtime,
          type: 'x',
          gnu,
          base256,
          mode: 0o644,
        }),
        body,
        pad(body.length),
      );
      name = cut(e.name, 100);
      link = linkName?.subarray(0, 100);
    } else if (gnu) {
      for (const [value, flag] of [
        [fullName, 'L'],
        [linkName, 'K'],
      ] as const) {
        if (!value || value.length <= 100) continue;
        const body = Buffer.concat([value, Buffer.alloc(1)]);
        parts.push(
          header({
            name: Buffer.from('././@LongLink'),
            size: body.length,
            mtime: 0,
            type: flag,
            gnu,
            base256,
            mode: 0o644,
          }),
          body,
          pad(body.length),
        );
      }
      name = fullName.subarray(0, 100);
      link = linkName?.subarray(0, 100);
    } else if (fullName.length > 100) {
      // ustar: split at a slash into prefix (155) and name (100).
      let split = -1;
      for (let i = fullName.length - 1; i >= 0; i--) {
        if (fullName[i] === 0x2f && i <= 155 && fullName.length - i - 1 <= 100 && fullName.length - i - 1 > 0) {
          split = i;
          break;
        }
      }
      if (split < 0) throw new Error(`tar writer: "${e.name}" does not fit ustar; use pax or gnuLongNames`);
      prefix = fullName.subarray(0, split);
      name = fullName.subarray(split + 1);
    }
    parts.push(
      header({
        name,
        prefix,
        size,
        mtime,
        type: typeflag,
        linkName: link,
        gnu,
        base256,
        mode: type === 'directory' ? 0o755 : 0o644,
      }),
    );
    if (size) parts.push(data, pad(size));
  }
  if (!opts.noTrailer) parts.push(Buffer.alloc(1024));
  if (opts.trailingZeros) {
    const block = Buffer.alloc(64 * 1024);
    parts.push(
      repeated(block, Math.floor(opts.trailingZeros / block.length), Buffer.alloc(opts.trailingZeros % block.length)),
    );
  }
  return concat(parts);
}

export function writeTar(entries: TarInput[], opts: TarOptions = {}): Buffer {
  return materialize(tarFile(entries, opts));
}

export function writeTarGz(entries: TarInput[], opts: TarOptions = {}): Buffer {
  return zlib.gzipSync(writeTar(entries, opts));
}

/** A .tgz made as it is read (level 1 unless told), for entries too big to hold. */
export function tarGzStream(entries: TarInput[], opts: TarOptions = {}, level = 1): Readable {
  const gzip = zlib.createGzip({ level });
  const src = streamOf(tarFile(entries, opts));
  src.on('error', (err) => gzip.destroy(err));
  return src.pipe(gzip);
}
