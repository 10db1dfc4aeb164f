// The Takeout .tgz reader: ustar, pax and GNU headers, bodies streamed one at a time (unread ones
// skipped), memory bounded, damage and truncation reported clearly; against archives written from
// the POSIX and GNU specifications by test/support/archives.ts.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { expect, test } from '@jest/globals';
import v8 from 'node:v8';
import vm from 'node:vm';
import zlib from 'node:zlib';
import { readTarGz } from '../../connectors/google-takeout/tar.ts';
import type { ArchiveError } from '../../connectors/google-takeout/zip.ts';
import {
  repeated,
  streamOf,
  tarFile,
  tarGzStream,
  writeTar,
  writeTarGz,
  type TarInput,
  type TarOptions,
} from '../support/archives.ts';

const MiB = 1024 * 1024;
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

/** Input split into small uneven chunks, as a network stream gives it. */
function chunked(buf: Buffer, size = 1000): Readable {
  let pos = 0;
  return new Readable({
    read() {
      if (pos >= buf.length) return void this.push(null);
      const n = Math.min(size + (pos % 7), buf.length - pos);
      this.push(buf.subarray(pos, pos + n));
      pos += n;
    },
  });
}

interface Seen {
  name: string;
  size: number;
  type: string;
  modifiedAt: Date;
  data: Buffer;
}

async function readEverything(tgz: Buffer | Readable): Promise<Seen[]> {
  const out: Seen[] = [];
  for await (const e of readTarGz(Buffer.isBuffer(tgz) ? chunked(tgz) : tgz)) {
    out.push({ name: e.name, size: e.size, type: e.type, modifiedAt: e.modifiedAt, data: await readAll(e.body) });
  }
  return out;
}

const when = new Date(Date.UTC(2023, 6, 14, 12, 30, 45));

function sample(): TarInput[] {
  return [
    { name: 'Takeout/', type: 'directory' },
    { name: 'Takeout/Google Photos/', type: 'directory' },
    { name: 'Takeout/Google Photos/empty.txt', data: Buffer.alloc(0) },
    { name: 'Takeout/Google Photos/one-block.bin', data: crypto.randomBytes(512) },
    { name: 'Takeout/Google Photos/IMG_0001.jpg', data: crypto.randomBytes(123_457), modifiedAt: when },
    { name: 'Takeout/Google Photos/IMG_0001.jpg.json', data: Buffer.from('{"title":"IMG_0001.jpg"}') },
    { name: 'Takeout/Google Photos/latest.jpg', type: 'symlink', linkName: 'IMG_0001.jpg' },
    { name: 'Takeout/Google Photos/same.jpg', type: 'hardlink', linkName: 'Takeout/Google Photos/IMG_0001.jpg' },
    { name: 'Takeout/archive_browser.html', data: crypto.randomBytes(70_000) },
  ];
}

function check(seen: Seen[], inputs: TarInput[]) {
  expect(seen.map((s) => s.name)).toEqual(inputs.map((i) => i.name));
  for (const [k, input] of inputs.entries()) {
    const s = seen[k];
    const type = input.type ?? 'file';
    const data = type === 'file' ? ((input.data as Buffer | undefined) ?? Buffer.alloc(0)) : Buffer.alloc(0);
    expect(s.type).toBe(type === 'file' ? 'file' : type === 'directory' ? 'directory' : 'other');
    expect(s.size).toBe(data.length);
    expect(s.data).toEqualBytes(data);
    const t = input.modifiedAt ?? new Date(Date.UTC(2024, 4, 6, 7, 8, 10));
    expect(s.modifiedAt.getTime()).toBe(Math.floor(t.getTime() / 1000) * 1000);
  }
}

async function rejectsWith(p: Promise<unknown>, re: RegExp, reason?: ArchiveError['reason']) {
  await expect(p).rejects.toSatisfy((err: Error) => {
    expect(err.message).toMatch(re);
    if (reason) expect((err as ArchiveError).reason).toBe(reason);
    return true;
  });
}

test('ustar: files, directories, links, empty files; names over 100 bytes through the prefix field', async () => {
  const inputs = sample();
  check(await readEverything(writeTarGz(inputs)), inputs);

  const deep =
    'Takeout/Google Photos/Photos from 2021/' +
    'a-rather-long-album-name/'.repeat(4) +
    'IMG_20210704_101112_with_a_long_name.jpg';
  expect(Buffer.byteLength(deep)).toBeGreaterThan(100);
  const withPrefix = [{ name: deep, data: Buffer.from('deep') }, ...inputs];
  const tar = writeTar(withPrefix);
  // the writer used the prefix field
  expect(tar.toString('latin1', 345, 346)).not.toBe('\0');
  check(await readEverything(zlib.gzipSync(tar)), withPrefix);
});

test('pax: long Unicode paths, sizes and times from the extended header; global headers ignored', async () => {
  const long = `Takeout/Google Фото/Été à Kraków — 東京 😀/${'ñ'.repeat(120)}/IMG_0001 (1).jpg`;
  // longer than ustar can hold even with its prefix
  expect(Buffer.byteLength(long)).toBeGreaterThan(255);
  const inputs: TarInput[] = [
    { name: long, data: crypto.randomBytes(5000), modifiedAt: when },
    { name: `Takeout/${'d'.repeat(150)}/`, type: 'directory' },
    { name: 'Takeout/short.txt', data: Buffer.from('short') },
    { name: 'Takeout/link', type: 'symlink', linkName: 'x'.repeat(200) },
    ...sample(),
  ];
  check(await readEverything(writeTarGz(inputs, { pax: true, globalHeader: true })), inputs);

  // Pax times may have a fraction; a later record for the same key wins.
  const tar = writeTar(
    [
      {
        name: 'f.txt',
        data: Buffer.from('0123456789'),
        paxRecords: [
          ['mtime', '1714979290.75'],
          ['path', 'renamed/é.txt'],
        ],
      },
    ],
    { pax: true },
  );
  const seen = await readEverything(zlib.gzipSync(tar));
  expect(seen[0].modifiedAt.getTime()).toBe(1714979290750);
  expect(seen[0].name).toBe('renamed/é.txt');
  expect(seen[0].data).toEqualBytes(Buffer.from('0123456789'));
});

test('GNU long names (L) and long link names (K); GNU base-256 numbers', async () => {
  const long = `Takeout/Google Photos/${'Ünïcödé album '.repeat(12)}/IMG_0002.jpg`;
  const inputs: TarInput[] = [
    { name: long, data: crypto.randomBytes(10_000) },
    { name: 'Takeout/ln', type: 'symlink', linkName: 'target/'.repeat(30) },
    { name: `${long}.json`, data: Buffer.from('{}') },
    ...sample(),
  ];
  const tar = writeTar(inputs, { gnuLongNames: true });
  expect(tar.includes(Buffer.from('././@LongLink'))).toBe(true);
  // GNU magic
  expect(tar.toString('latin1', 257, 265)).toBe('ustar  \0');
  check(await readEverything(zlib.gzipSync(tar)), inputs);

  // Base-256 sizes and times (GNU writes them past 8 GiB and before 1970).
  const old = [
    {
      name: 'Takeout/1969.jpg',
      data: crypto.randomBytes(3000),
      modifiedAt: new Date(Date.UTC(1969, 6, 20, 20, 17, 40)),
    },
    ...sample(),
  ];
  const b256 = writeTar(old, { base256: true, gnuLongNames: true });
  // the size field is base-256
  expect(b256[124] & 0x80).toBe(0x80);
  check(await readEverything(zlib.gzipSync(b256)), old);
});

test('a size past 8 GiB in base-256 is read exactly (and its missing data is truncation)', async () => {
  // The header of a 9 GiB entry, and then the archive stops: its size is read right, its body fails.
  const huge = 9 * 1024 * MiB + 5;
  const head = tarFile([
    { name: 'Takeout/huge.mp4', data: repeated(Buffer.alloc(MiB), 9 * 1024, Buffer.alloc(5)) },
  ]).read(0, 512 + 4096);
  const it = readTarGz(chunked(zlib.gzipSync(head)));
  const first = await it.next();
  expect(!first.done).toBeTruthy();
  expect(first.value.size).toBe(huge);
  await rejectsWith(readAll(first.value.body), /truncated.*it ends inside "Takeout\/huge.mp4"/, 'truncated');
  await rejectsWith(it.next(), /truncated/, 'truncated');
});

test('a 200 MiB entry streams through with bounded memory', async () => {
  const block = Buffer.from(
    Array.from({ length: 70_000 }, (_, i) => `${i} IMG_${(i * 7919) % 10007}.jpg\n`).join(''),
  ).subarray(0, MiB);
  expect(block.length).toBe(MiB);
  const big = repeated(block, 200);
  let fed = 0;
  const source = tarGzStream([
    { name: 'Takeout/small.txt', data: Buffer.from('small') },
    { name: 'Takeout/VID_big.mp4', data: big },
    { name: 'Takeout/after.txt', data: Buffer.from('after') },
  ]);
  source.on('data', (c: Buffer) => (fed += c.length));
  let expectedCrc = 0;
  for (let i = 0; i < 200; i++) expectedCrc = zlib.crc32(block, expectedCrc);

  const names: string[] = [];
  gc();
  const before = process.memoryUsage.rss();
  let peak = before;
  for await (const e of readTarGz(source)) {
    names.push(e.name);
    if (e.name !== 'Takeout/VID_big.mp4') {
      await readAll(e.body);
      continue;
    }
    expect(e.size).toBe(200 * MiB);
    let size = 0;
    let crc = 0;
    let n = 0;
    for await (const chunk of e.body) {
      size += chunk.length;
      crc = zlib.crc32(chunk, crc);
      if (++n % 64 === 0) {
        peak = Math.max(peak, process.memoryUsage.rss());
        gc();
      }
    }
    expect(size).toBe(200 * MiB);
    expect(crc).toBe(expectedCrc);
  }
  expect(names).toEqual(['Takeout/small.txt', 'Takeout/VID_big.mp4', 'Takeout/after.txt']);
  expect(peak - before).toBeLessThan(32 * MiB);
  expect(fed).toBeGreaterThan(0);
});

test('unread and half-read bodies are skipped; the next entry is right', async () => {
  const inputs = sample();
  const tgz = writeTarGz(inputs);
  const files = inputs.filter((i) => (i.type ?? 'file') === 'file');
  // Read only every other body; leave the others alone.
  let k = 0;
  const read: string[] = [];
  for await (const e of readTarGz(chunked(tgz, 333))) {
    if (e.type !== 'file') continue;
    if (k++ % 2 === 0) continue;
    expect(await readAll(e.body)).toEqualBytes(files.find((f) => f.name === e.name)!.data);
    read.push(e.name);
  }
  expect(read).toEqual([files[1].name, files[3].name]);

  // Read part of each body (one chunk), then move on; the skipped body can no longer be read.
  const big = crypto.randomBytes(3 * MiB);
  const tgz2 = writeTarGz([
    { name: 'a.bin', data: big },
    { name: 'b.txt', data: Buffer.from('b') },
    { name: 'c.bin', data: big },
  ]);
  const it = readTarGz(chunked(tgz2, 100_000));
  const a = (await it.next()).value!;
  const firstChunk: Buffer = await new Promise((resolve) => a.body.once('data', resolve));
  expect(firstChunk).toEqualBytes(big.subarray(0, firstChunk.length));
  a.body.pause();
  const b = (await it.next()).value!;
  expect(b.name).toBe('b.txt');
  // the skipped body is closed
  expect(a.body.destroyed).toBeTruthy();
  const c = (await it.next()).value!;
  expect(c.name).toBe('c.bin');
  expect(await readAll(c.body)).toEqualBytes(big);
  expect((await it.next()).done).toBe(true);

  // Destroying a body is a way to skip it, too.
  const names: string[] = [];
  for await (const e of readTarGz(chunked(tgz2))) {
    names.push(e.name);
    e.body.destroy();
  }
  expect(names).toEqual(['a.bin', 'b.txt', 'c.bin']);
});

test('stopping early destroys the input; an abort signal stops the reading', async () => {
  const tgz = writeTarGz(sample());
  const input = chunked(tgz);
  for await (const e of readTarGz(input)) {
    expect(e.name).toBe('Takeout/');
    break;
  }
  expect(input.destroyed).toBeTruthy();

  const controller = new AbortController();
  await expect(
    (async () => {
      for await (const e of readTarGz(chunked(tgz), controller.signal)) {
        controller.abort();
        await readAll(e.body);
      }
    })(),
  ).rejects.toMatchObject({ name: 'AbortError' });
});

test('truncated, damaged and foreign input fail clearly', async () => {
  const inputs = [{ name: 'Takeout/a.jpg', data: crypto.randomBytes(200_000) }, ...sample()];
  const tgz = writeTarGz(inputs);

  // A part still being uploaded: cut anywhere, the reading fails as truncation, never quietly.
  for (const keep of [10, 100, 5000, Math.floor(tgz.length / 2), tgz.length - 9, tgz.length - 1]) {
    await rejectsWith(
      readEverything(tgz.subarray(0, keep)),
      /The \.tgz archive is truncated \(a part still being uploaded\?\)/,
      'truncated',
    );
  }

  // The gzip stream is whole but the tar inside stops in the middle of an entry.
  const tar = writeTar(inputs);
  await rejectsWith(
    readEverything(zlib.gzipSync(tar.subarray(0, 512 + 100_000))),
    /truncated.*it ends inside "Takeout\/a.jpg"/,
    'truncated',
  );
  await rejectsWith(
    readEverything(zlib.gzipSync(tar.subarray(0, 512 + 200_000 + 300))),
    /truncated.*it ends inside/,
    'truncated',
  );
  // Whole entries but no end-of-archive blocks: nothing is missing, so it reads.
  check(await readEverything(zlib.gzipSync(writeTar(inputs, { noTrailer: true }))), inputs);

  // A damaged header.
  const bad = Buffer.from(tar);
  bad[512 + 200_192 + 3] ^= 0x20; // the second header's name
  await rejectsWith(
    readEverything(zlib.gzipSync(bad)),
    /tar archive is damaged: a header fails its checksum/,
    'damaged',
  );
  // Damaged compressed data.
  const flipped = Buffer.from(tgz);
  for (let i = 2000; i < 2010; i++) flipped[i] ^= 0x55;
  await rejectsWith(readEverything(flipped), /damaged|truncated/);

  // Not gzip; gzip but not tar.
  await rejectsWith(readEverything(Buffer.from('PK\x03\x04 a zip, not a tgz')), /not a \.tgz archive/, 'not_archive');
  await rejectsWith(
    readEverything(zlib.gzipSync(crypto.randomBytes(4096))),
    /does not hold a tar archive/,
    'not_archive',
  );
  // An empty archive (just the end blocks) has no entries.
  expect(await readEverything(writeTarGz([]))).toEqual([]);
  // The input stream's own error comes through.
  const failing = new Readable({
    read() {
      this.destroy(new Error('connection reset by the cloud'));
    },
  });
  await rejectsWith(readEverything(failing), /connection reset by the cloud/);
});

test('streaming input of any chunking gives the same entries', async () => {
  const small: TarInput[] = [
    { name: 'Takeout/', type: 'directory' },
    { name: 'Takeout/a.txt', data: crypto.randomBytes(1500) },
    { name: `Takeout/${'long/'.repeat(30)}b.txt`, data: Buffer.from('b') },
  ];
  for (const opts of [{ pax: true }, { gnuLongNames: true }] as TarOptions[]) {
    const tgz = writeTarGz(small, opts);
    for (const size of [1, 2, 511, 512, 513]) check(await readEverything(chunked(tgz, size)), small);
  }
  const inputs = sample();
  const tgz = writeTarGz(inputs);
  for (const size of [511, 512, 513, 65_536]) check(await readEverything(chunked(tgz, size)), inputs);
  check(await readEverything(streamOf({ size: tgz.length, read: (o, n) => tgz.subarray(o, o + n) })), inputs);
});

test('reading stops at the end-of-archive blocks: gigabytes of zeros after them are not inflated', async () => {
  const inputs = sample();
  // 1 GiB of zeros after the end blocks, compressed as they are read (about 1 MB of gzip).
  const source = tarGzStream(inputs, { trailingZeros: 1024 * MiB }, 9);
  let fed = 0;
  source.on('data', (c: Buffer) => (fed += c.length));
  check(await readEverything(source), inputs);
  const archive = zlib.gzipSync(writeTar(inputs), { level: 9 }).length;
  expect(fed).toBeLessThan(archive + 256 * 1024);
});

test('a .tgz that inflates far more than photos and videos do is refused as a decompression bomb', async () => {
  // A 1 GiB entry of zeros: its header says so, and gzip makes it about 1 MB.
  const source = tarGzStream(
    [{ name: 'Takeout/Google Photos/Photos from 2019/zeros.mp4', data: repeated(Buffer.alloc(MiB), 1024) }],
    {},
    9,
  );
  let fed = 0;
  source.on('data', (c: Buffer) => (fed += c.length));
  await rejectsWith(
    readEverything(source),
    /This \.tgz inflates to more than 100 times its compressed size.*not a Google Takeout export/,
    'unsupported',
  );
  expect(fed).toBeLessThan(2 * MiB);
});
