// Google Photos through Takeout: one export set of two zip parts (2 GiB, as Takeout writes them) in
// a local folder, ingested into s3rver by Ferry as `npm start` runs it. Measures MiB/s of media
// copied, what Ferry read to do it (from /proc/<pid>/io, beside the archive size, the media copied
// and the least any reader must read), its memory, and a second run that finds nothing new.
// Usage: node bench/takeout.ts [--quick] [--baseline]   (~256 MiB with --quick; writes bench/results/takeout.json)
//   --baseline: also copies the same distinct media as plain files (local → S3) in a fresh Ferry
//   process, to tell what the Takeout path costs from what any copy of those files costs.
//
// The export: `Takeout/Google Photos/Photos from <year>/` folders of photos (2–6 MiB, stored; one
// in eight deflated) and videos (50–150 MiB, stored), each with its `.supplemental-metadata.json`
// beside it; part 002 is written with ZIP64 records and also holds an album folder with copies
// (same bytes, own sidecars) of a tenth of part 001's photos and the album's metadata.json. Every
// medium is a distinct random 64 KiB block repeated (plus a random tail), so sizes and CRC-32s
// differ; the archives are generated on the fly and streamed to disk, never held in memory.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import pg from 'pg';
import {
  deflatedRepeat,
  repeated,
  streamOf,
  zipFile,
  type VirtualFile,
  type ZipInput,
} from '../test/support/archives.ts';
import { startS3 } from '../test/support/s3.ts';
import { localFolder } from '../test/support/local-space.ts';
import { sidecarName } from '../test/support/takeout-export.ts';
import { MiB, procStats, runToEnd, startFerry, startPostgres, tempDir, writeResults } from './support.ts';

const quick = process.argv.includes('--quick');
const baseline = process.argv.includes('--baseline');
const TOTAL = (quick ? 256 : 2048) * MiB; // archive bytes, about
const STAMP = '20260501T101500Z';
const EXPORTED_AT = new Date(Date.UTC(2026, 4, 1, 10, 15, 0));
const ROOT = 'Takeout/Google Photos';
const ALBUM = 'Summer in Lisbon';
const BLOCK = 64 * 1024;

type Raw = NonNullable<ZipInput['raw']>;

// ---- The export ----------------------------------------------------------------------------------

/** A small seeded generator (mulberry32): the same layout and sizes on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(20260501);

/**
 * `size` bytes of their own: a random 64 KiB block repeated, then a random tail (deflated: whole
 * blocks). `raw` as the zip stores it, `plain` the content itself.
 */
function content(size: number, deflated: boolean): { raw: Raw; plain: VirtualFile } {
  const block = crypto.randomBytes(BLOCK);
  if (deflated) {
    const times = Math.max(1, Math.round(size / BLOCK));
    return { raw: deflatedRepeat(block, times), plain: repeated(block, times) };
  }
  const times = Math.floor(size / BLOCK);
  const tail = crypto.randomBytes(size % BLOCK);
  let crc = 0;
  for (let i = 0; i < times; i++) crc = zlib.crc32(block, crc);
  crc = zlib.crc32(tail, crc);
  const plain = repeated(block, times, tail);
  return { raw: { method: 0, size, crc32: crc >>> 0, bytes: plain }, plain };
}

interface Medium {
  name: string;
  year: number;
  takenAt: Date;
  raw: Raw;
  plain: VirtualFile;
  sidecar: Buffer;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');
const formatted = (d: Date) => {
  const h = d.getUTCHours();
  return (
    `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 || 12}:` +
    `${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'} UTC`
  );
};
const time = (d: Date) => ({ timestamp: String(Math.floor(d.getTime() / 1000)), formatted: formatted(d) });

/** The sidecar as Google writes it (key order and shapes of a 2025 export). */
function sidecarJson(title: string, takenAt: Date, n: number): Buffer {
  const place = {
    latitude: 38.7 + rnd() / 10,
    longitude: -9.1 - rnd() / 10,
    altitude: Math.round(rnd() * 900) / 10,
    latitudeSpan: 0,
    longitudeSpan: 0,
  };
  const json = {
    title,
    description: '',
    imageViews: String(n % 23),
    creationTime: time(new Date(takenAt.getTime() + 3 * 3600_000)),
    photoTakenTime: time(takenAt),
    geoData: place,
    geoDataExif: place,
    url: `https://photos.google.com/photo/AF1QipN${crypto.createHash('md5').update(title).digest('hex').slice(0, 24)}`,
    googlePhotosOrigin: { mobileUpload: { deviceType: 'ANDROID_PHONE' } },
  };
  return Buffer.from(JSON.stringify(json, null, 2));
}

const names = new Set<string>();
/** IMG_20190714_123000.jpg / VID_….mp4 from the taken time, a second later when taken already. */
function mediumName(video: boolean, at: Date): [string, Date] {
  for (;;) {
    const s = at.toISOString();
    const name =
      `${video ? 'VID' : 'IMG'}_${s.slice(0, 10).replace(/-/g, '')}_${s.slice(11, 19).replace(/:/g, '')}.` +
      `${video ? 'mp4' : 'jpg'}`;
    if (!names.has(name)) {
      names.add(name);
      return [name, at];
    }
    at = new Date(at.getTime() + 1000);
  }
}

/** Media of `budget` bytes about, spread over `years`: `videos` videos, photos for the rest. */
function media(budget: number, years: number[], videos: number): Medium[] {
  const sizes: Array<{ size: number; video: boolean }> = [];
  let used = 0;
  for (let i = 0; i < videos; i++) {
    const size = Math.round((quick ? 50 + rnd() * 20 : 50 + rnd() * 100) * MiB);
    sizes.push({ size, video: true });
    used += size;
  }
  for (;;) {
    const size = Math.round((2 + rnd() * 4) * MiB);
    if (used + size > budget) break;
    sizes.push({ size, video: false });
    used += size;
  }
  // Videos among the photos, not all at the end.
  for (let i = sizes.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [sizes[i], sizes[j]] = [sizes[j], sizes[i]];
  }
  return sizes.map(({ size, video }, i) => {
    const year = years[Math.floor((i * years.length) / sizes.length)];
    const start = Date.UTC(year, 0, 1);
    const [name, takenAt] = mediumName(video, new Date(start + Math.floor(rnd() * (Date.UTC(year + 1, 0, 1) - start))));
    return { name, year, takenAt, ...content(size, !video && i % 8 === 7), sidecar: sidecarJson(name, takenAt, i) };
  });
}

/** One zip entry and what a reader of it must fetch: its local header and stored bytes. */
interface Planned {
  input: ZipInput;
  kind: 'media' | 'json' | 'other';
  /** Stored (compressed) bytes. */
  csize: number;
  /** The medium it holds (album copies share their original's). */
  medium?: Medium;
}

function entry(name: string, kind: Planned['kind'], data: Buffer | Medium): Planned {
  if (Buffer.isBuffer(data)) {
    const method = kind === 'json' || name.endsWith('.html') ? 8 : 0;
    return {
      input: { name, data, method, modifiedAt: EXPORTED_AT },
      kind,
      csize: method === 8 ? zlib.deflateRawSync(data).length : data.length,
    };
  }
  return { input: { name, raw: data.raw, modifiedAt: EXPORTED_AT }, kind, csize: data.raw.bytes.size, medium: data };
}

/** A year folder after another, each medium followed by its sidecar, as Takeout lays them out. */
function yearFolders(list: Medium[]): Planned[] {
  const out: Planned[] = [];
  for (const m of [...list].sort((a, b) => a.year - b.year || a.name.localeCompare(b.name))) {
    const folder = `${ROOT}/Photos from ${m.year}`;
    out.push(
      entry(`${folder}/${m.name}`, 'media', m),
      entry(`${folder}/${sidecarName(m.name, 'new')}`, 'json', m.sidecar),
    );
  }
  return out;
}

interface Part {
  name: string;
  zip64: boolean;
  entries: Planned[];
  file: VirtualFile;
}

function buildExport(): { parts: Part[]; distinct: Medium[]; albumCopies: Medium[] } {
  const half = TOTAL / 2;
  const first = media(half, [2019, 2020, 2021], quick ? 1 : 3);
  const albumCopies = first.filter((m, i) => i % 10 === 4 && m.name.startsWith('IMG_'));
  const albumBytes = albumCopies.reduce((n, m) => n + m.raw.bytes.size, 0);
  const second = media(half - albumBytes, [2022, 2023, 2024], quick ? 1 : 3);

  const partOne: Planned[] = [
    entry(
      'Takeout/archive_browser.html',
      'other',
      Buffer.from('<!doctype html><html lang="en"><title>Takeout</title></html>\n'),
    ),
    ...yearFolders(first),
  ];
  const partTwo: Planned[] = [...yearFolders(second)];
  const album = `${ROOT}/${ALBUM}`;
  for (const m of albumCopies)
    partTwo.push(
      entry(`${album}/${m.name}`, 'media', m),
      entry(`${album}/${sidecarName(m.name, 'new')}`, 'json', m.sidecar),
    );
  const made = new Date(Date.UTC(2021, 6, 20, 18, 0, 0));
  partTwo.push(
    entry(
      `${album}/metadata.json`,
      'json',
      Buffer.from(
        JSON.stringify(
          { title: ALBUM, description: 'Two weeks by the sea', access: 'protected', date: time(made) },
          null,
          2,
        ),
      ),
    ),
  );

  const parts = [
    { entries: partOne, zip64: false },
    { entries: partTwo, zip64: true },
  ].map(({ entries, zip64 }, i) => ({
    name: `takeout-${STAMP}-${String(i + 1).padStart(3, '0')}.zip`,
    zip64,
    entries,
    file: zipFile(
      entries.map((e) => e.input),
      { zip64 },
    ),
  }));

  // Distinct media must differ in size or CRC-32, or Ferry would read them to tell them apart.
  const seen = new Set<string>();
  const distinct = [...first, ...second];
  for (const m of distinct) {
    const id = `${m.raw.size}-${m.raw.crc32}`;
    if (seen.has(id)) throw new Error(`two media share size and CRC-32 (${id}); run again`);
    seen.add(id);
  }
  return { parts, distinct, albumCopies };
}

/**
 * The least any reader must fetch to ingest the set: each part's central directory and end records,
 * every JSON entry (local header and stored bytes), and each distinct medium once.
 */
function necessaryBytes(parts: Part[]): { directories: number; json: number; media: number } {
  const out = { directories: 0, json: 0, media: 0 };
  const read = new Set<Medium>();
  for (const p of parts) {
    out.directories += 22 + (p.zip64 ? 56 + 20 : 0);
    for (const e of p.entries) {
      const name = Buffer.byteLength(e.input.name as string);
      out.directories += 46 + name + (p.zip64 ? 4 + 24 : 0);
      const local = 30 + name + (p.zip64 ? 20 : 0) + e.csize;
      if (e.kind === 'json') out.json += local;
      if (e.kind === 'media' && !read.has(e.medium!)) {
        read.add(e.medium!);
        out.media += local;
      }
    }
  }
  return out;
}

/** Writes a part to disk as a stream, synced, dated to the export, and out of the page cache. */
async function writePart(file: string, zip: VirtualFile): Promise<void> {
  await pipeline(streamOf(zip), createWriteStream(file));
  const h = await fs.open(file, 'r+');
  await h.sync();
  await h.close();
  await fs.utimes(file, EXPORTED_AT, EXPORTED_AT);
  dropCache(file);
}

/**
 * Evicts the file from the page cache (posix_fadvise DONTNEED, through GNU dd), so the run's
 * read_bytes counts what Ferry had to fetch from the disk rather than nothing.
 */
function dropCache(file: string): void {
  const r = spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
  if (r.status !== 0) console.warn(`could not drop ${file} from the page cache: ${r.stderr}`);
}

// ---- Measuring -----------------------------------------------------------------------------------

interface Io {
  rchar: number;
  readBytes: number;
  syscr: number;
}

/** The process's read counters (all its threads): every read() it made, and what the disk delivered. */
async function io(pid: number): Promise<Io> {
  const text = await fs.readFile(`/proc/${pid}/io`, 'utf8');
  const field = (k: string) => Number(new RegExp(`^${k}: (\\d+)$`, 'm').exec(text)![1]);
  return { rchar: field('rchar'), readBytes: field('read_bytes'), syscr: field('syscr') };
}

const ioDelta = (a: Io, b: Io): Io => ({
  rchar: b.rchar - a.rchar,
  readBytes: b.readBytes - a.readBytes,
  syscr: b.syscr - a.syscr,
});

/**
 * Bytes the process received on its TCP sockets (kernel tcp_info bytes_received, through ss), by
 * the peer's role. Subtracted from rchar this estimates its file reads; sockets that closed during
 * the run are missed, so the estimate is itself an upper bound.
 */
function socketBytes(pid: number, ports: Record<string, number>): Map<string, number> {
  const r = spawnSync('ss', ['-tinpH', 'state', 'established'], { encoding: 'utf8' });
  const out = new Map<string, number>();
  if (r.status !== 0) return out;
  const lines = r.stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].includes(`pid=${pid},`)) continue;
    const [local, peer] = lines[i].trim().split(/\s+/).slice(2, 4);
    const received = Number(/bytes_received:(\d+)/.exec(lines[i + 1] ?? '')?.[1] ?? 0);
    const port = (hostPort: string) => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
    const role = Object.entries(ports).find(([, p]) => p === port(peer) || p === port(local))?.[0] ?? 'other';
    out.set(`${role} ${local} ${peer}`, received);
  }
  return out;
}

/** What the sockets received between two snapshots, by role (sockets opened since count whole). */
function socketDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of after) {
    const role = key.split(' ')[0];
    out[role] = (out[role] ?? 0) + n - (before.get(key) ?? 0);
  }
  return out;
}

/**
 * The process's resident memory, sampled every 100 ms: the highest sample, when it was (seconds
 * from the start), and the highest of each second (to see which phase of the run holds memory).
 */
function sampleRss(pid: number) {
  const t0 = performance.now();
  const perSecond: number[] = [];
  let peak = { MiB: 0, atSeconds: 0 };
  const timer = setInterval(() => {
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    const MiBs = Math.round(kb / 1024);
    const at = (performance.now() - t0) / 1000;
    const s = Math.floor(at);
    perSecond[s] = Math.max(perSecond[s] ?? 0, MiBs);
    if (MiBs > peak.MiB) peak = { MiB: MiBs, atSeconds: +at.toFixed(1) };
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return { peak, perSecondMiB: Array.from(perSecond, (v) => v ?? 0) };
    },
  };
}

const mib = (n: number) => +(n / MiB).toFixed(1);
const ratio = (a: number, b: number) => +(a / b).toFixed(4);

/**
 * The same distinct media as plain files in a local folder, copied into S3 by a fresh Ferry process:
 * what a copy of these files costs without Takeout (same sizes, same destination, same concurrency).
 */
async function plainCopy(): Promise<Record<string, unknown>> {
  const plain = path.join(dir, 'plain');
  for (const m of distinct) {
    const file = path.join(plain, String(m.year), m.name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await pipeline(streamOf(m.plain), createWriteStream(file));
    const h = await fs.open(file, 'r+');
    await h.sync();
    await h.close();
    dropCache(file);
  }
  const f = await startFerry(await postgres.newDatabase(), { FERRY_LOCAL_ROOTS: dir });
  try {
    // Into the user's space, where a local cloud of theirs can name it.
    await fs.rename(plain, path.join(await localFolder(dir, await f.api('GET', '/me')), 'plain'));
    const src = await f.api('POST', '/clouds', { kind: 'local', name: 'plain', options: { root: 'plain' } });
    const dst = await f.api('POST', '/clouds', { kind: 's3', name: 's3', options: s3.options({ prefix: 'plain/' }) });
    const task = await f.api('POST', '/tasks', {
      name: 'plain → S3',
      source: { cloudId: src.id },
      destination: { cloudId: dst.id, path: '' },
    });
    const before = await procStats(f.child.pid!);
    const rssBefore = Math.round(
      Number(/VmRSS:\s+(\d+) kB/.exec(await fs.readFile(`/proc/${f.child.pid}/status`, 'utf8'))![1]) / 1024,
    );
    const io0 = await io(f.child.pid!);
    const sampler = sampleRss(f.child.pid!);
    const { run, seconds } = await runToEnd(f, task.id);
    const rss = sampler.stop();
    const d = ioDelta(io0, await io(f.child.pid!));
    const after = await procStats(f.child.pid!);
    if (run.status !== 'succeeded' || run.done.items !== distinct.length)
      throw new Error(`the plain copy ended ${run.status}: ${JSON.stringify(run)}`);
    const row = {
      case: `baseline: the same ${distinct.length} media as plain files, local → S3`,
      MiBps: +(distinctBytes / MiB / seconds).toFixed(1),
      seconds: +seconds.toFixed(2),
      cpuSeconds: +(after.cpuSeconds - before.cpuSeconds).toFixed(2),
      rcharBytes: d.rchar,
      readBytes: d.readBytes,
      rssBeforeRunMiB: rssBefore,
      peakRssMiB: after.peakRssMiB,
      rssSampled: rss,
    };
    console.log(JSON.stringify(row, null, 2));
    return row;
  } finally {
    await f.stop();
  }
}

// ---- The run -------------------------------------------------------------------------------------

const dir = await tempDir('takeout');
const need = (quick ? 1 : 5) * (baseline ? 1.5 : 1) * 1024 * MiB;
const free = await fs.statfs(dir).then((s) => s.bavail * s.bsize);
if (free < need)
  throw new Error(
    `${dir} has ${mib(free)} MiB free; this benchmark needs ` +
      `about ${mib(need)} MiB (the export and its copy in s3rver).`,
  );

const t0 = performance.now();
const { parts, distinct, albumCopies } = buildExport();
const drop = path.join(dir, 'drop');
await fs.mkdir(drop);
for (const p of parts) await writePart(path.join(drop, p.name), p.file);
const archiveBytes = parts.reduce((n, p) => n + p.file.size, 0);
const distinctBytes = distinct.reduce((n, m) => n + m.raw.size, 0);
const necessary = necessaryBytes(parts);
const necessaryTotal = necessary.directories + necessary.json + necessary.media;
console.log(
  `export: ${parts.map((p) => `${p.name} ${mib(p.file.size)} MiB, ${p.entries.length} entries`).join('; ')}; ` +
    `${distinct.length} distinct media (${distinct.filter((m) => m.name.startsWith('VID_')).length} videos) ` +
    `of ${mib(distinctBytes)} MiB, ${albumCopies.length} album copies; ` +
    `written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const postgres = await startPostgres(dir);
const databaseUrl = await postgres.newDatabase();
const s3 = await startS3('bench');
const ferry = await startFerry(databaseUrl, { FERRY_LOCAL_ROOTS: dir });
const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();
const pid = ferry.child.pid!;
const ports = {
  postgres: Number(new URL(postgres.server.url).port),
  s3rver: s3.port,
  api: Number(new URL(ferry.url).port),
};

try {
  // The export goes into the user's space, where a local cloud of theirs can name it.
  await fs.rename(drop, path.join(await localFolder(dir, await ferry.api('GET', '/me')), 'drop'));
  const storage = await ferry.api('POST', '/clouds', { kind: 'local', name: 'NAS', options: { root: 'drop' } });
  const takeout = await ferry.api('POST', '/clouds', {
    kind: 'google-takeout',
    name: 'Google Photos (Takeout)',
    options: { cloudId: storage.id, path: '' },
  });
  const bucket = await ferry.api('POST', '/clouds', {
    kind: 's3',
    name: 's3',
    options: s3.options({ prefix: 'photos/' }),
  });
  const task = await ferry.api('POST', '/tasks', {
    name: 'Takeout → S3',
    source: { cloudId: takeout.id },
    destination: { cloudId: bucket.id, path: '' },
  });
  const view = await ferry.api('GET', `/clouds/${takeout.id}/takeout`);
  if (view.sets.length !== 1 || view.sets[0].state !== 'ready')
    throw new Error(`the export set is not ready: ${JSON.stringify(view.sets)}`);

  const status = async () => (await fs.readFile(`/proc/${pid}/status`, 'utf8')).match(/VmRSS:\s+(\d+) kB/)![1];
  const rssBefore = Math.round(Number(await status()) / 1024);
  const statsBefore = await procStats(pid);
  const [io0, sock0] = [await io(pid), socketBytes(pid, ports)];
  const sampler = sampleRss(pid);
  const first = await runToEnd(ferry, task.id);
  const rss = sampler.stop();
  const [io1, sock1] = [await io(pid), socketBytes(pid, ports)];
  const statsAfter = await procStats(pid);
  if (first.run.status !== 'succeeded')
    throw new Error(`run 1 ended ${first.run.status}: ${JSON.stringify(first.run)}`);

  const copied = (
    await db.query(
      `SELECT count(*)::int AS n, coalesce(sum(size), 0)::bigint AS bytes ` +
        `FROM run_items WHERE run_id = $1 AND status = 'done' AND source_id LIKE 'm:%'`,
      [first.run.id],
    )
  ).rows[0];
  const mediaCopied = Number(copied.bytes);
  // Planning (scan, indexing, listing the catalogue) against copying.
  const phases = (
    await db.query(
      `SELECT extract(epoch FROM planned_at - started_at)::float AS plan, ` +
        `extract(epoch FROM finished_at - planned_at)::float AS copy FROM runs WHERE id = $1`,
      [first.run.id],
    )
  ).rows[0];
  const indexRead = Number(
    (
      await db.query(
        `SELECT coalesce(sum((value->>'bytesRead')::bigint), 0)::bigint AS n ` +
          `FROM cloud_state WHERE cloud_id = $1 AND key LIKE 'part:%'`,
        [takeout.id],
      )
    ).rows[0].n,
  );
  // What landed: each distinct medium once, with its size.
  const landed = { media: 0, bytes: 0, xmp: 0, albums: 0 };
  let token: string | undefined;
  do {
    const page = await s3
      .client()
      .send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'photos/', ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (o.Key!.endsWith('.xmp')) landed.xmp++;
      else if (o.Key!.startsWith('photos/Albums/')) landed.albums++;
      else {
        landed.media++;
        landed.bytes += o.Size!;
      }
    }
    token = page.NextContinuationToken;
  } while (token);
  if (
    copied.n !== distinct.length ||
    mediaCopied !== distinctBytes ||
    landed.media !== distinct.length ||
    landed.bytes !== distinctBytes ||
    landed.albums !== 1
  ) {
    throw new Error(
      `the backup is not the export: copied ${copied.n} media (${mediaCopied} bytes), ` +
        `S3 holds ${JSON.stringify(landed)}; expected ${distinct.length} (${distinctBytes} bytes) and 1 album`,
    );
  }

  const d1 = ioDelta(io0, io1);
  const socket1 = socketDelta(sock0, sock1);
  const socketTotal1 = Object.values(socket1).reduce((a, b) => a + b, 0);

  // Run 2, right after: nothing new, so it must read (almost) nothing.
  const [io2, sock2] = [await io(pid), socketBytes(pid, ports)];
  const second = await runToEnd(ferry, task.id);
  const [io3, sock3] = [await io(pid), socketBytes(pid, ports)];
  if (second.run.status !== 'succeeded')
    throw new Error(`run 2 ended ${second.run.status}: ${JSON.stringify(second.run)}`);
  const d2 = ioDelta(io2, io3);
  const socket2 = socketDelta(sock2, sock3);

  const row = {
    case: `Takeout export set of ${parts.length} zip parts (${mib(archiveBytes)} MiB) in a local folder → S3 (s3rver)`,
    archive: {
      bytes: archiveBytes,
      parts: parts.map((p) => ({ name: p.name, bytes: p.file.size, entries: p.entries.length, zip64: p.zip64 })),
    },
    media: {
      distinct: distinct.length,
      videos: distinct.filter((m) => m.name.startsWith('VID_')).length,
      albumCopies: albumCopies.length,
      copiedBytes: mediaCopied,
      copiedMiB: mib(mediaCopied),
    },
    MiBps: +(mediaCopied / MiB / first.seconds).toFixed(1),
    seconds: +first.seconds.toFixed(2),
    cpuSeconds: +(statsAfter.cpuSeconds - statsBefore.cpuSeconds).toFixed(2),
    planSeconds: +Number(phases.plan).toFixed(2),
    copySeconds: +Number(phases.copy).toFixed(2),
    items: { done: first.run.done.items, skipped: first.run.skipped.items, failed: first.run.failed.items },
    reads: {
      // Every read() of the process (files, PostgreSQL, s3rver and API sockets): an upper bound.
      rcharBytes: d1.rchar,
      rcharMiB: mib(d1.rchar),
      readSyscalls: d1.syscr,
      // What the block layer delivered (the parts were evicted from the page cache; includes readahead).
      readBytes: d1.readBytes,
      readBytesMiB: mib(d1.readBytes),
      // Ferry's own count of what indexing read (the parts' bytesRead).
      indexBytesRead: indexRead,
      indexMiB: mib(indexRead),
      // The least any reader must read: directories + JSON entries + each distinct medium once.
      necessaryBytes: necessaryTotal,
      necessary: necessary,
      socketReceivedBytes: socket1,
      rcharMinusSocketsBytes: d1.rchar - socketTotal1,
      rcharOverArchive: ratio(d1.rchar, archiveBytes),
      rcharOverMediaCopied: ratio(d1.rchar, mediaCopied),
      rcharOverNecessary: ratio(d1.rchar, necessaryTotal),
      filesOverNecessary: ratio(d1.rchar - socketTotal1, necessaryTotal),
      readBytesOverNecessary: ratio(d1.readBytes, necessaryTotal),
      indexOverDirectoriesAndJson: ratio(indexRead, necessary.directories + necessary.json),
    },
    rssBeforeRunMiB: rssBefore,
    peakRssBeforeRunMiB: statsBefore.peakRssMiB,
    peakRssMiB: statsAfter.peakRssMiB,
    rssSampled: rss,
    secondRun: {
      seconds: +second.seconds.toFixed(2),
      items: { done: second.run.done.items, skipped: second.run.skipped.items, failed: second.run.failed.items },
      rcharBytes: d2.rchar,
      readBytes: d2.readBytes,
      socketReceivedBytes: socket2,
    },
  };
  console.log(JSON.stringify(row, null, 2));
  console.log(
    `run 1: ${row.media.copiedMiB} MiB of media in ${row.seconds} s = ${row.MiBps} MiB/s; ` +
      `read (rchar) ${row.reads.rcharMiB} MiB = ` +
      `${row.reads.rcharOverArchive}× the archive, ${row.reads.rcharOverMediaCopied}× the ` +
      `media, ${row.reads.rcharOverNecessary}× the necessary ${mib(necessaryTotal)} MiB; ` +
      `read_bytes ${row.reads.readBytesMiB} MiB; indexing ${row.reads.indexMiB} MiB; ` +
      `RSS ${rssBefore} MiB before, peak ${statsAfter.peakRssMiB} MiB`,
  );
  console.log(
    `run 2: ${row.secondRun.seconds} s, ${second.run.done.items} copied, ` +
      `rchar ${d2.rchar} bytes, read_bytes ${d2.readBytes} bytes`,
  );
  const rows: Record<string, unknown>[] = [row];
  if (baseline) rows.push(await plainCopy());
  console.log(`results: ${await writeResults('takeout', rows)}`);
} finally {
  await db.end();
  await ferry.stop();
  await s3.close();
  await postgres.server.stop();
  await fs.rm(dir, { recursive: true, force: true });
}
process.exit(0);
