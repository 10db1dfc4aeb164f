// The Takeout zip reader: entries listed from the end records and central directory only, and
// streamed with range reads; against archives written from APPNOTE by test/support/archives.ts.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { expect, test } from '@jest/globals';
import v8 from 'node:v8';
import vm from 'node:vm';
import zlib from 'node:zlib';
import { readZipEntry } from '../../connectors/google-takeout/read.ts';
import type { Source } from '../../connectors/types.ts';
import {
  type ArchiveError,
  decodeCp437,
  entryFrom,
  openEntry,
  openCentralDirectory,
  type ZipEntry,
} from '../../connectors/google-takeout/zip.ts';
import {
  concat,
  deflatedRepeat,
  extraField,
  fromBuffer,
  listZip,
  rangeAccess,
  repeated,
  storedRepeat,
  writeZip,
  zipFile,
  type VirtualFile,
  type ZipInput,
  type ZipOptions,
} from '../support/archives.ts';

const MiB = 1024 * 1024;

// A collector to call while streaming, so RSS measures what is kept, not what awaits collection.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

async function list(file: VirtualFile) {
  const access = rangeAccess(file);
  const { entries, count, bytesRead } = await listZip(access.readAt, file.size);
  expect(entries).toHaveLength(count);
  return { entries, bytesRead, access, byName: new Map(entries.map((e) => [e.name, e])) };
}

async function contentOf(file: VirtualFile, entry: ZipEntry): Promise<Buffer> {
  const access = rangeAccess(file);
  return readAll(await openEntry(entry, access.readAt, access.streamFrom));
}

/** Lists the archive and checks every entry's metadata and content against what was written. */
async function roundTrip(inputs: ZipInput[], opts: ZipOptions = {}) {
  const file = fromBuffer(writeZip(inputs, opts));
  const { entries, bytesRead } = await list(file);
  expect(entries.length).toBe(inputs.length);
  for (const [i, input] of inputs.entries()) {
    const e = entries[i];
    const data = input.data ?? Buffer.alloc(0);
    if (typeof input.name === 'string') expect(e.name).toBe(input.name);
    expect(e.size).toBe(data.length);
    expect(e.method).toBe(input.method ?? 8);
    expect(e.crc32).toBe(zlib.crc32(data));
    expect(e.isDirectory).toBe(e.name.endsWith('/'));
    const when = input.modifiedAt ?? new Date(Date.UTC(2024, 4, 6, 7, 8, 10));
    // DOS times have 2-second steps, read as UTC
    expect(e.modifiedAt.getTime()).toBe(Math.floor(when.getTime() / 2000) * 2000);
    expect(await contentOf(file, e)).toEqualBytes(data);
  }
  return { file, entries, bytesRead };
}

const text = (n: number) => {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < n; i++) {
    const line = `line ${i}: ${(i * 2654435761) % 1000003} photos/IMG_${i % 997}.jpg\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, n);
};

const mixed = (): ZipInput[] => [
  { name: 'Takeout/', method: 0 },
  { name: 'Takeout/Google Photos/', method: 0 },
  { name: 'Takeout/Google Photos/empty.txt', data: Buffer.alloc(0), method: 0 },
  { name: 'Takeout/Google Photos/empty-deflated.txt', data: Buffer.alloc(0), method: 8 },
  { name: 'Takeout/Google Photos/one.bin', data: Buffer.from([42]), method: 0 },
  {
    name: 'Takeout/Google Photos/IMG_0001.jpg',
    data: crypto.randomBytes(300_000),
    method: 0,
    modifiedAt: new Date(Date.UTC(2019, 11, 31, 23, 59, 59)),
  },
  { name: 'Takeout/Google Photos/IMG_0001.jpg.json', data: text(5_000), method: 8 },
  { name: 'Takeout/Google Photos/random-deflated.bin', data: crypto.randomBytes(200_000), method: 8 },
  {
    name: 'Takeout/Google Photos/text-deflated.txt',
    data: text(3 * MiB),
    method: 8,
    modifiedAt: new Date(Date.UTC(2107, 11, 31, 23, 59, 58)),
  },
];

test('stored and deflated entries round trip (files, directories, empty entries)', async () => {
  const { entries } = await roundTrip(mixed());
  expect(entries.filter((e) => e.isDirectory).map((e) => e.name)).toEqual(['Takeout/', 'Takeout/Google Photos/']);
});

test('data descriptors are fine: sizes and CRCs come from the central directory', async () => {
  await roundTrip(mixed(), { dataDescriptor: true });
  await roundTrip(mixed(), { dataDescriptor: true, zip64: true });
});

test('UTF-8 names (flag bit 11) and CP437 names (no flag)', async () => {
  await roundTrip(
    [
      { name: 'Takeout/Google Fotos/Été à Kraków/Ωmega – 東京 😀.jpg', data: Buffer.from('utf8'), method: 0 },
      { name: 'Takeout/Фото/снимок.heic', data: Buffer.from('cyrillic') },
    ],
    { utf8: true },
  );

  // "Ünïcödé ßtraße ╔═╗ ñ ½.txt" in code page 437, as DOS-era tools wrote it.
  const cp437 = Buffer.from([
    0x9a, 0x6e, 0x8b, 0x63, 0x94, 0x64, 0x82, 0x20, 0xe1, 0x74, 0x72, 0x61, 0xe1, 0x65, 0x20, 0xc9, 0xcd, 0xbb, 0x20,
    0xa4, 0x20, 0xab, 0x2e, 0x74, 0x78, 0x74,
  ]);
  const file = fromBuffer(
    writeZip(
      [
        { name: cp437, data: Buffer.from('dos') },
        { name: 'plain-ascii.txt', data: Buffer.from('ascii') },
      ],
      { utf8: false },
    ),
  );
  const { entries } = await list(file);
  expect(entries[0].name).toBe('Ünïcödé ßtraße ╔═╗ ñ ½.txt');
  expect(entries[1].name).toBe('plain-ascii.txt');
  expect(await contentOf(file, entries[0])).toEqualBytes(Buffer.from('dos'));

  // The table: 256 distinct characters, ASCII in the lower half, the usual landmarks in the upper.
  const all = decodeCp437(Uint8Array.from({ length: 256 }, (_, i) => i));
  expect([...all].length).toBe(256);
  expect(new Set(all).size).toBe(256);
  expect(all.slice(0x20, 0x7f)).toBe(String.fromCharCode(...Array.from({ length: 0x5f }, (_, i) => 0x20 + i)));
  expect(all[0x80]).toBe('Ç');
  expect(all[0x9e]).toBe('₧');
  expect(all[0xb0]).toBe('░');
  expect(all[0xe3]).toBe('π');
  expect(all[0xfe]).toBe('■');
  expect(all[0xff]).toBe('\u00a0');
});

test('extra fields: Extended Timestamp (UTC) and Info-ZIP Unicode Path', async () => {
  const ut = Buffer.alloc(5);
  ut[0] = 1; // modification time present
  ut.writeInt32LE(1_700_000_001, 1);
  const dosName = Buffer.from('caf\x82.jpg', 'latin1'); // "café.jpg" in CP437
  const up = (forName: Buffer, name: string) =>
    Buffer.concat([
      Buffer.from([1]),
      (() => {
        const b = Buffer.alloc(4);
        b.writeUInt32LE(zlib.crc32(forName));
        return b;
      })(),
      Buffer.from(name),
    ]);
  const file = fromBuffer(
    writeZip(
      [
        { name: 'ut.jpg', data: Buffer.from('a'), centralExtra: extraField(0x5455, ut) },
        { name: dosName, data: Buffer.from('b'), centralExtra: extraField(0x7075, up(dosName, 'café ☕.jpg')) },
        // A Unicode Path made for another header name is stale: ignored.
        {
          name: Buffer.from('old.jpg'),
          data: Buffer.from('c'),
          centralExtra: extraField(0x7075, up(Buffer.from('older.jpg'), 'stale.jpg')),
        },
      ],
      { utf8: false, zip64: true },
    ),
  );
  const { entries } = await list(file);
  expect(entries[0].modifiedAt.toISOString()).toBe(new Date(1_700_000_001_000).toISOString());
  expect(entries[1].name).toBe('café ☕.jpg');
  expect(entries[2].name).toBe('old.jpg');
  expect(await contentOf(file, entries[1])).toEqualBytes(Buffer.from('b'));
});

test('an archive comment, including one that contains the end-record signature', async () => {
  await roundTrip(mixed(), { comment: 'Google Takeout 2024 — part 001' });
  // A signature inside the comment must not be taken for the record.
  // (Its comment length of 0 makes it a plausible record that would end before the file does.)
  const tricky = `PK\x05\x06${'\0'.repeat(18)} and more text after a fake record`;
  await roundTrip(mixed(), { comment: tricky });
  // The longest comment puts the end record at the very start of the 64 KiB tail read.
  await roundTrip(mixed(), { comment: 'c'.repeat(0xffff) });
});

test('ZIP64 (forced for small data): end records, locator, extra fields', async () => {
  const { bytesRead } = await roundTrip(mixed(), { zip64: true });
  expect(bytesRead).toBeGreaterThan(0);
  // With the longest comment the ZIP64 locator lies before the tail read: one more small read.
  await roundTrip(mixed(), { zip64: true, comment: 'z'.repeat(0xffff) });
  await roundTrip(mixed(), { zip64: true, utf8: true, comment: 'ZIP64 ✓' });
});

test('ZIP64 for real: a 5 GiB entry (generated) past the 32-bit limits, listed and partly read', async () => {
  const block = crypto.randomBytes(MiB);
  const big = storedRepeat(block, 5 * 1024);
  const file = zipFile([
    { name: 'Takeout/Google Photos/small-before.txt', data: Buffer.from('before') },
    { name: 'Takeout/Google Photos/VID_5GB.mp4', raw: big },
    { name: 'Takeout/Google Photos/small-after.txt', data: Buffer.from('after') },
  ]);
  expect(file.size).toBeGreaterThan(5 * 1024 * MiB);
  const { entries, bytesRead, access } = await list(file);
  expect(entries[1].size).toBe(5 * 1024 * MiB);
  // the last entry starts past 4 GiB
  expect(entries[2].localHeaderOffset).toBeGreaterThan(0xffffffff);
  expect(bytesRead).toBeLessThan(70_000);
  expect(access.stats.bytesRead).toBe(bytesRead);
  expect(await contentOf(file, entries[2])).toEqualBytes(Buffer.from('after'));

  // Reading the start of the big entry and stopping ends the ranged read.
  const a = rangeAccess(file);
  const stream = await openEntry(entries[1], a.readAt, a.streamFrom);
  let got = 0;
  for await (const chunk of stream) {
    got += chunk.length;
    if (got >= 3 * MiB) break;
  }
  expect(a.stats.bytesStreamed).toBeLessThan(4 * MiB);
});

/**
 * Streams the entry, checking its CRC on the way; reports the peak RSS growth and how far the
 * ranged read ever ran ahead of the consumer (in stored bytes).
 */
async function streamBig(file: VirtualFile, entry: ZipEntry) {
  const a = rangeAccess(file);
  gc();
  const before = process.memoryUsage.rss();
  let peak = before;
  let size = 0;
  let crc = 0;
  let n = 0;
  let ahead = 0;
  for await (const chunk of await openEntry(entry, a.readAt, a.streamFrom)) {
    size += chunk.length;
    crc = zlib.crc32(chunk, crc);
    ahead = Math.max(ahead, a.stats.bytesStreamed - (size / entry.size) * entry.compressedSize);
    if (++n % 64 === 0) {
      peak = Math.max(peak, process.memoryUsage.rss());
      gc();
    }
  }
  return { size, crc, growth: peak - before, streamed: a.stats.bytesStreamed, ahead };
}

test('a 200 MiB entry streams with bounded memory (stored and deflated)', async () => {
  const block = text(MiB);
  const stored = storedRepeat(block, 200);
  const deflated = deflatedRepeat(block, 200);
  const file = zipFile([
    { name: 'stored.mp4', raw: stored },
    { name: 'deflated.txt', raw: deflated },
  ]);
  const { entries } = await list(file);
  for (const e of entries) {
    const r = await streamBig(file, e);
    expect(r.size).toBe(200 * MiB);
    expect(r.crc).toBe(e.crc32);
    // Only the entry's stored bytes are fetched (plus read-ahead of a few chunks)...
    expect(r.streamed >= e.compressedSize && r.streamed <= e.compressedSize + 512 * 1024).toBeTruthy();
    // ...never far ahead of what the consumer has taken...
    expect(r.ahead).toBeLessThan(2 * MiB);
    // ...and memory does not grow by anything like the entry's size.
    if (process.env.SHOW_RSS) console.log(e.name, (r.growth / MiB).toFixed(1), 'MiB');
    expect(r.growth).toBeLessThan(32 * MiB);
  }
  // the deflated entry really is compressed
  expect(entries[1].compressedSize).toBeLessThan(100 * MiB);
});

test('bytes read to list a 50 MB archive of 100 files stay under 1%', async () => {
  const inputs: ZipInput[] = [];
  for (let i = 0; i < 100; i++) {
    inputs.push({
      name: `Takeout/Google Photos/Photos from 2023/IMG_2023${String(i).padStart(4, '0')}.jpg`,
      data: crypto.randomBytes(500_000),
      method: 0,
    });
  }
  const file = fromBuffer(writeZip(inputs));
  expect(file.size).toBeGreaterThan(50_000_000);
  const { entries, bytesRead, access } = await list(file);
  expect(entries.length).toBe(100);
  // bytesRead counts every byte fetched
  expect(access.stats.bytesRead).toBe(bytesRead);
  expect(bytesRead).toBeLessThan(file.size / 100);
  expect(access.stats.reads).toBeLessThanOrEqual(2);
  expect(await contentOf(file, entries[57])).toEqualBytes(inputs[57].data);
});

test('a directory of megabytes is read a window at a time, headers across window edges included', async () => {
  // 20,000 names of 120 bytes (a directory of 3.3 MB), a few with an extra field of 60 KB, so that
  // headers cross the edges of 1 MiB windows, and some are longer than what is left of one.
  const inputs: ZipInput[] = Array.from({ length: 20_000 }, (_, i) => ({
    name: `Takeout/Google Photos/Photos from 2023/${String(i).padStart(6, '0')}-${'x'.repeat(72)}.jpg`,
    data: Buffer.from(String(i)),
    method: 0,
    ...(i % 3000 === 2999 ? { centralExtra: extraField(0x6666, Buffer.alloc(60_000, i % 251)) } : {}),
  }));
  const buf = writeZip(inputs);
  const directoryBytes = buf.length - centralAt(buf) - 22;
  expect(directoryBytes).toBeGreaterThan(3 * MiB);
  const { entries, bytesRead, access } = await list(fromBuffer(buf));
  expect(entries.map((e) => e.name)).toEqual(inputs.map((x) => x.name));
  expect(entries.map((e) => e.size)).toEqual(inputs.map((x) => x.data!.length));
  // No read holds more than a window; the directory was read twice (checked, then listed), the end records once.
  expect(access.stats.largestRead).toBeLessThanOrEqual(MiB);
  expect(access.stats.bytesRead).toBe(bytesRead);
  expect(bytesRead).toBeGreaterThanOrEqual(2 * directoryBytes);
  expect(bytesRead).toBeLessThan(2 * directoryBytes + 70_000);
  expect(await contentOf(fromBuffer(buf), entries[17_999])).toEqualBytes(Buffer.from('17999'));
});

/** Finds the first central directory header, to damage it. */
const centralAt = (buf: Buffer) => buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));

async function rejectsWith(p: Promise<unknown>, re: RegExp, reason?: ArchiveError['reason']) {
  await expect(p).rejects.toSatisfy((err: Error) => {
    expect(err.message).toMatch(re);
    if (reason) expect((err as ArchiveError).reason).toBe(reason);
    return true;
  });
}

test('a CRC or size that does not match fails the stream at its end', async () => {
  const data = text(300_000);
  for (const method of [0, 8] as const) {
    const good = method === 8 ? zlib.deflateRawSync(data) : data;
    const bad = zipFile([
      { name: 'bad-crc.txt', raw: { method, size: data.length, crc32: zlib.crc32(data) ^ 1, bytes: fromBuffer(good) } },
      {
        name: 'too-small.txt',
        raw: { method, size: data.length - 1, crc32: zlib.crc32(data), bytes: fromBuffer(good) },
      },
      { name: 'too-big.txt', raw: { method, size: data.length + 1, crc32: zlib.crc32(data), bytes: fromBuffer(good) } },
    ]);
    const { entries } = await list(bad);
    await rejectsWith(
      contentOf(bad, entries[0]),
      /damaged: the CRC-32 of "bad-crc.txt" is [0-9a-f]{8} where its directory entry says/,
      'damaged',
    );
    await rejectsWith(contentOf(bad, entries[1]), /"too-small.txt" holds more than the 299999 bytes/, 'damaged');
    await rejectsWith(
      contentOf(bad, entries[2]),
      /"too-big.txt" holds 300000 bytes where its directory entry says 300001/,
      'damaged',
    );
  }

  // Corrupted deflate data.
  const buf = writeZip([{ name: 'x.txt', data: text(100_000) }]);
  buf[30 + 'x.txt'.length + 500] ^= 0xff;
  buf[30 + 'x.txt'.length + 501] ^= 0xff;
  const file = fromBuffer(buf);
  const { entries } = await list(file);
  await rejectsWith(contentOf(file, entries[0]), /zip archive is damaged.*Download this part again/, 'damaged');
});

test('a small entry read whole gives what the stream gives, and is refused for the same faults', async () => {
  // The bytes one request gets for an entry: its local header, name, room for an extra field, its data.
  const from = (buf: Buffer, e: ZipEntry) =>
    buf.subarray(e.localHeaderOffset, e.localHeaderOffset + 30 + e.name.length + 1024 + e.compressedSize);
  const whole = writeZip(mixed());
  const { entries } = await list(fromBuffer(whole));
  for (const e of entries.filter((x) => !x.isDirectory))
    expect(entryFrom(e, from(whole, e))).toEqualBytes(await contentOf(fromBuffer(whole), e));

  const data = text(3_000);
  for (const method of [0, 8] as const) {
    const good = method === 8 ? zlib.deflateRawSync(data) : data;
    const raw = (size: number, crc32: number) => ({ method, size, crc32, bytes: fromBuffer(good) });
    const buf = writeZip([
      { name: 'bad-crc.json', raw: raw(data.length, (zlib.crc32(data) ^ 1) >>> 0) },
      { name: 'too-small.json', raw: raw(data.length - 1, zlib.crc32(data)) },
      { name: 'too-big.json', raw: raw(data.length + 1, zlib.crc32(data)) },
    ]);
    const bad = (await list(fromBuffer(buf))).entries;
    const read = async (e: ZipEntry) => entryFrom(e, from(buf, e));
    await rejectsWith(
      read(bad[0]),
      /damaged: the CRC-32 of "bad-crc.json" is [0-9a-f]{8} where its directory entry says/,
      'damaged',
    );
    await rejectsWith(read(bad[1]), /"too-small.json" holds more than the 2999 bytes/, 'damaged');
    await rejectsWith(read(bad[2]), /"too-big.json" holds 3000 bytes where its directory entry says 3001/, 'damaged');
  }
  // Corrupted deflate data, and a local header that is not one.
  const broken = writeZip([{ name: 'x.json', data: text(3_000) }]);
  broken[30 + 'x.json'.length + 100] ^= 0xff;
  broken[30 + 'x.json'.length + 101] ^= 0xff;
  const [x] = (await list(fromBuffer(broken))).entries;
  const readX = async () => entryFrom(x, from(broken, x));
  await rejectsWith(readX(), /zip archive is damaged/, 'damaged');
  broken[1] = 0;
  await rejectsWith(readX(), /no local header for "x.json"/, 'damaged');

  // A local extra field larger than the room asked for: the bytes end first, and the reader reads
  // the entry again as the stream does (more requests: rare, Takeout's extra fields are small).
  const extra = Buffer.alloc(4 + 2000);
  extra.writeUInt16LE(0xcafe, 0);
  extra.writeUInt16LE(2000, 2);
  const plain = writeZip([{ name: 'v.json', data, method: 0 }]);
  const local = Buffer.from(plain.subarray(0, 30));
  local.writeUInt16LE(extra.length, 28);
  const shifted = Buffer.concat([local, Buffer.from('v.json'), extra, plain.subarray(30 + 6)]);
  shifted.writeUInt32LE(shifted.readUInt32LE(shifted.length - 22 + 16) + extra.length, shifted.length - 22 + 16);
  const [v] = (await list(fromBuffer(shifted))).entries;
  expect(entryFrom(v, from(shifted, v))).toBeUndefined();
  const requests: Array<[number, number]> = [];
  const storage = {
    async open(_item: unknown, o: { offset: number; length: number }) {
      requests.push([o.offset, o.length]);
      return Readable.from([shifted.subarray(o.offset, o.offset + o.length)]);
    },
  } as unknown as Source;
  const ref = { ...v, modifiedAt: v.modifiedAt.toISOString() };
  expect(await readZipEntry(storage, { sourceId: 'part', size: shifted.length }, ref)).toEqualBytes(data);
  expect(requests.length).toBeGreaterThan(1);
});

test('a JSON entry stored in a crafted 192 MiB (empty deflate blocks) is read with bounded memory', async () => {
  const json = Buffer.from(JSON.stringify({ title: 'IMG_1.jpg' }));
  // Empty stored blocks (BFINAL 0, LEN 0, NLEN 0xffff) fill 64 KiB at a time, then the JSON as the final block.
  const empties = Buffer.concat(Array.from({ length: 13_107 }, () => Buffer.from([0, 0, 0, 0xff, 0xff])));
  const last = Buffer.concat([Buffer.from([1, json.length & 0xff, json.length >> 8]), Buffer.alloc(2), json]);
  last.writeUInt16LE(~json.length & 0xffff, 3);
  const bytes = repeated(empties, 192 * 16, last);
  const file = zipFile([{ name: 'x.jpg.json', raw: { method: 8, size: json.length, crc32: zlib.crc32(json), bytes } }]);
  const [e] = (await list(file)).entries;
  expect(e.compressedSize).toBeGreaterThan(191 * MiB);
  const storage = {
    // The range asked for, 64 KiB at a time, as a cloud's body comes.
    async open(_item: unknown, o: { offset: number; length: number }) {
      let at = o.offset;
      const end = o.offset + o.length;
      return new Readable({
        read() {
          const n = Math.min(64 * 1024, end - at);
          this.push(n > 0 ? file.read(at, n) : null);
          at += n;
        },
      });
    },
  } as unknown as Source;
  // The process's peak RSS from here (the kernel's high-water mark, reset): a buffer held for a moment counts too.
  gc();
  await fs.writeFile('/proc/self/clear_refs', '5');
  const before = process.memoryUsage().rss;
  const ref = { ...e, modifiedAt: e.modifiedAt.toISOString() };
  expect(await readZipEntry(storage, { sourceId: 'part', size: file.size }, ref)).toEqualBytes(json);
  const peak = Number(/VmHWM:\s+(\d+) kB/.exec(await fs.readFile('/proc/self/status', 'utf8'))![1]) * 1024;
  // Streamed: 62-68 MiB here, the same at 96 MiB (the inflater's chunks awaiting collection); held whole: 390.
  expect(peak - before).toBeLessThan(128 * MiB);
});

test('truncated archives are refused clearly', async () => {
  const whole = writeZip(mixed(), { comment: 'part 2' });
  // A part still being uploaded: its end records are not there yet.
  for (const keep of [whole.length - 1, whole.length - 30, Math.floor(whole.length / 2), 100, 21, 0]) {
    const cut = fromBuffer(whole.subarray(0, keep));
    await rejectsWith(
      list(cut),
      /not a zip archive, or it is truncated \(a part still being uploaded\?\)/,
      'not_archive',
    );
  }
  // The end records are there but the directory is not all there (bytes lost in the middle).
  const holed = fromBuffer(Buffer.concat([whole.subarray(0, 1000), whole.subarray(whole.length - 200)]));
  await rejectsWith(list(holed), /truncated|damaged/);

  // Listed from the whole archive, then the data stops short (a ranged read cut off).
  const file = fromBuffer(whole);
  const { byName } = await list(file);
  const e = byName.get('Takeout/Google Photos/IMG_0001.jpg')!;
  const short = fromBuffer(whole.subarray(0, e.localHeaderOffset + 30 + 40 + 1000));
  const a = rangeAccess(short);
  await rejectsWith(
    readAll(await openEntry(e, a.readAt, a.streamFrom)),
    new RegExp(
      'The zip archive ends inside "Takeout/Google Photos/IMG_0001.jpg" ' +
        String.raw`\(\d+ of its 300000 stored bytes missing\): it is truncated`,
    ),
    'truncated',
  );
  // Even the local header is gone.
  const b = rangeAccess(fromBuffer(whole.subarray(0, e.localHeaderOffset + 10)));
  await rejectsWith(openEntry(e, b.readAt, b.streamFrom), /ends before its local header/, 'truncated');
});

test('not a zip, encrypted entries, unsupported methods, split archives, bad headers', async () => {
  await rejectsWith(list(fromBuffer(crypto.randomBytes(100_000))), /not a zip archive/, 'not_archive');
  await rejectsWith(list(fromBuffer(Buffer.from('%PDF-1.7 not a zip at all, not even close'))), /not a zip archive/);

  const good = writeZip([{ name: 'a.jpg', data: Buffer.from('photo') }]);
  const cd = centralAt(good);

  const encrypted = Buffer.from(good);
  encrypted.writeUInt16LE(encrypted.readUInt16LE(cd + 8) | 1, cd + 8);
  await rejectsWith(list(fromBuffer(encrypted)), /"a.jpg" in this zip is encrypted/, 'unsupported');

  const bzip2 = Buffer.from(good);
  bzip2.writeUInt16LE(12, cd + 10);
  await rejectsWith(
    list(fromBuffer(bzip2)),
    /"a.jpg" in this zip is compressed with method 12 \(bzip2\).*only stored and deflated/,
    'unsupported',
  );

  const split = Buffer.from(good);
  split.writeUInt16LE(1, split.length - 22 + 4);
  split.writeUInt16LE(1, split.length - 22 + 6);
  await rejectsWith(list(fromBuffer(split)), /split \(multi-disk\) archive/, 'unsupported');

  const badCentral = Buffer.from(good);
  badCentral[cd + 2] = 0;
  await rejectsWith(list(fromBuffer(badCentral)), /damaged: no central directory header/, 'damaged');

  const badCount = Buffer.from(good);
  badCount.writeUInt16LE(2, badCount.length - 22 + 10);
  await rejectsWith(list(fromBuffer(badCount)), /lists 1 entries where its end record says 2/, 'damaged');

  const badLocal = Buffer.from(good);
  badLocal[1] = 0;
  const file = fromBuffer(badLocal);
  const { entries } = await list(file);
  await rejectsWith(contentOf(file, entries[0]), /damaged: no local header for "a.jpg"/, 'damaged');

  // A ZIP64 sentinel with no ZIP64 record.
  const noZip64 = Buffer.from(good);
  noZip64.writeUInt32LE(0xffffffff, noZip64.length - 22 + 16);
  await rejectsWith(list(fromBuffer(noZip64)), /ZIP64 record, but there is none/, 'damaged');
});

test('the local header may have its own extra field; reading can be aborted', async () => {
  // Rewrite the local header with an extra field the central directory does not have.
  const data = text(2 * MiB);
  const good = writeZip([{ name: 'v.mp4', data, method: 0 }]);
  const extra = Buffer.alloc(4 + 12);
  extra.writeUInt16LE(0xcafe, 0);
  extra.writeUInt16LE(12, 2);
  const local = Buffer.from(good.subarray(0, 30));
  local.writeUInt16LE(extra.length, 28);
  const rest = good.subarray(30 + 5);
  const shifted = Buffer.concat([local, Buffer.from('v.mp4'), extra, rest]);
  // The central directory's offset moves by the extra field's length.
  const eocd = shifted.length - 22;
  shifted.writeUInt32LE(shifted.readUInt32LE(eocd + 16) + extra.length, eocd + 16);
  const file = fromBuffer(shifted);
  const { entries } = await list(file);
  expect(await contentOf(file, entries[0])).toEqualBytes(data);

  const controller = new AbortController();
  const a = rangeAccess(file);
  const stream = await openEntry(entries[0], a.readAt, a.streamFrom, controller.signal);
  await expect(
    (async () => {
      for await (const _ of stream) controller.abort();
    })(),
  ).rejects.toMatchObject({ name: 'AbortError' });
  await expect(openEntry(entries[0], a.readAt, a.streamFrom, controller.signal)).rejects.toMatchObject({
    name: 'AbortError',
  });
  await expect(openCentralDirectory(a.readAt, file.size, controller.signal)).rejects.toMatchObject({
    name: 'AbortError',
  });
});

test('virtual files: concat and repeated read across their seams', () => {
  const f = concat([Buffer.from('abc'), repeated(Buffer.from('xy'), 3, Buffer.from('!')), Buffer.from('end')]);
  expect(f.read(0, f.size).toString()).toBe('abcxyxyxy!end');
  expect(f.read(4, 6).toString()).toBe('yxyxy!');
});

test('entries that share their data are refused before anything is inflated (the overlap zip bomb)', async () => {
  // One deflated MiB of zeros under 500 names: each name would inflate and hash the same MiB again.
  const name = (i: number) => `Takeout/Google Photos/Photos from 2019/${String(i).padStart(3, '0')}.jpg`;
  const bomb = zipFile([
    { name: name(0), data: Buffer.alloc(MiB) },
    ...Array.from({ length: 499 }, (_, i) => ({ name: name(i + 1), sharesDataOf: 0 })),
  ]);
  expect(bomb.size).toBeLessThan(64 * 1024);
  const a = rangeAccess(bomb);
  await rejectsWith(
    openCentralDirectory(a.readAt, bomb.size),
    new RegExp(
      String.raw`zip archive is damaged: ".*\d{3}\.jpg" overlaps ".*\d{3}\.jpg"` +
        '.*must not share their data.*Download this part again',
    ),
    'damaged',
  );
  // no entry was opened
  expect(a.stats.streams).toBe(0);

  // An entry whose local header lies inside another's data.
  const buf = writeZip([
    { name: 'a.jpg', data: crypto.randomBytes(5000), method: 0 },
    { name: 'b.jpg', data: crypto.randomBytes(5000), method: 0 },
  ]);
  const second = buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), centralAt(buf) + 1);
  buf.writeUInt32LE(30 + 5 + 1000, second + 42); // b.jpg's header offset: 1000 bytes into a.jpg's data
  await rejectsWith(list(fromBuffer(buf)), /"b\.jpg" overlaps "a\.jpg"/, 'damaged');
});

test(
  'a deflated entry declaring more than deflate can hold is refused; ' +
    'one that inflates past its declared size stops there',
  async () => {
    // 2 KiB of compressed data cannot hold 100 MiB (deflate tops out at 1032:1).
    const small = zlib.deflateRawSync(crypto.randomBytes(2048));
    const claims = zipFile([
      { name: 'claims.jpg', raw: { method: 8, size: 100 * MiB, crc32: 0, bytes: fromBuffer(small) } },
    ]);
    await rejectsWith(
      list(claims),
      /"claims\.jpg" claims 104857600 bytes from \d+ compressed ones, more than deflate can hold/,
      'damaged',
    );

    // 1 GiB of zeros (deflated on the fly) declared as 1 MiB: the stream fails once past 1 MiB,
    // having pulled a few compressed chunks, not the gigabyte.
    const zeros = deflatedRepeat(Buffer.alloc(64 * 1024), 16 * 1024);
    const file = zipFile([{ name: 'liar.mp4', raw: { ...zeros, size: MiB } }]);
    const { entries } = await list(file);
    const a = rangeAccess(file);
    await rejectsWith(
      readAll(await openEntry(entries[0], a.readAt, a.streamFrom)),
      /"liar\.mp4" holds more than the 1048576 bytes its directory entry says/,
      'damaged',
    );
    expect(a.stats.bytesStreamed).toBeLessThan(2 * MiB);
  },
);

test('a directory listing more entries than a Takeout part can hold is refused before it is read', async () => {
  const buf = writeZip([{ name: 'a.jpg', data: Buffer.from('a') }], { zip64: true });
  const rec = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
  buf.writeBigUInt64LE(600_000n, rec + 24);
  buf.writeBigUInt64LE(600_000n, rec + 32);
  const a = rangeAccess(fromBuffer(buf));
  await rejectsWith(
    openCentralDirectory(a.readAt, buf.length),
    new RegExp(
      'This zip lists 600000 entries, more than the 500000 Ferry reads from one archive part' +
        '.*export again from Google Takeout',
    ),
    'unsupported',
  );
});
