// Google Photos through Takeout at library scale: one export set of N media (default 100,000), each
// a small body (64–512 bytes) with its sidecar, in zip parts of at most 50,000 media (ZIP64, as
// Takeout writes parts of more than 65,535 entries), in a local folder. The copy of N small files is
// the library benchmark's business: here every run is held at its plan by a zero traffic quota, and
// what is measured is what the Takeout source costs before the first byte is copied:
//   1. the first run: indexing every part (zip directories and sidecars), then the catalogue and the
//      run's items: seconds, Ferry's peak RSS while planning, PostgreSQL bytes per medium;
//   2. a second run (nothing new to index), by a Ferry started anew (as another worker of a cluster,
//      or after a restart, would plan it): the stored catalogue, and the items again.
// Usage: npm run bench -- takeout-library [--media N]   (writes bench/results/takeout-library.json)
import crypto from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { streamOf, zipFile, type ZipInput } from '../test/support/archives.ts';
import { localFolder } from '../test/support/local-space.ts';
import { sidecarName } from '../test/support/takeout-export.ts';
import { procStats, runToEnd, startFerry, startPostgres, statementsOf, tempDir, writeResults } from './support.ts';

const argv = process.argv.slice(2);
const mediaArg = argv.indexOf('--media');
const N = mediaArg >= 0 ? Number(argv[mediaArg + 1]) : 100_000;
if (!Number.isInteger(N) || N < 1) throw new Error(`--media wants a whole number, not ${argv[mediaArg + 1]}`);
const PER_PART = 50_000;
const STAMP = '20260501T101500Z';
const EXPORTED_AT = new Date(Date.UTC(2026, 4, 1, 10, 15, 0));
const ROOT = 'Takeout/Google Photos';
const MiB = 1024 * 1024;

// ---- The export ----------------------------------------------------------------------------------

/** Medium i: taken in 2010–2025, named by its time (unique: one a second from its year's start). */
function medium(i: number): { folder: string; name: string; takenAt: Date } {
  const year = 2010 + (i % 16);
  const takenAt = new Date(Date.UTC(year, 0, 1) + Math.floor(i / 16) * 1000);
  const s = takenAt.toISOString();
  const name = `IMG_${s.slice(0, 10).replace(/-/g, '')}_${s.slice(11, 19).replace(/:/g, '')}.jpg`;
  return { folder: `${ROOT}/Photos from ${year}`, name, takenAt };
}

function sidecar(title: string, takenAt: Date): Buffer {
  const time = (d: Date) => ({ timestamp: String(Math.floor(d.getTime() / 1000)), formatted: d.toUTCString() });
  return Buffer.from(
    JSON.stringify(
      {
        title,
        description: '',
        imageViews: '3',
        creationTime: time(new Date(takenAt.getTime() + 3_600_000)),
        photoTakenTime: time(takenAt),
        geoData: { latitude: 38.7, longitude: -9.1, altitude: 0, latitudeSpan: 0, longitudeSpan: 0 },
        url: `https://photos.google.com/photo/AF1QipN${crypto.createHash('md5').update(title).digest('hex')}`,
        googlePhotosOrigin: { mobileUpload: { deviceType: 'ANDROID_PHONE' } },
      },
      null,
      2,
    ),
  );
}

/** Part `p`'s entries: its media, each followed by its sidecar, year folder after year folder. */
function partEntries(p: number): ZipInput[] {
  const out: ZipInput[] = [];
  const list = [];
  for (let i = p * PER_PART; i < Math.min(N, (p + 1) * PER_PART); i++) list.push(medium(i));
  list.sort((a, b) => a.folder.localeCompare(b.folder) || a.name.localeCompare(b.name));
  for (const m of list) {
    // Distinct bodies: size and CRC-32 differ from medium to medium.
    const body = crypto.randomBytes(64 + crypto.randomInt(449));
    out.push(
      { name: `${m.folder}/${m.name}`, data: body, method: 0, modifiedAt: EXPORTED_AT },
      {
        name: `${m.folder}/${sidecarName(m.name, 'new')}`,
        data: sidecar(m.name, m.takenAt),
        method: 8,
        modifiedAt: EXPORTED_AT,
      },
    );
  }
  return out;
}

// ---- The runs -------------------------------------------------------------------------------------

/** Ferry's resident memory every 100 ms while `fn` runs: the highest, in MiB. */
async function peakWhile<T>(pid: number, fn: () => Promise<T>): Promise<[T, number]> {
  let peak = 0;
  const timer = setInterval(() => {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    peak = Math.max(peak, Number(kb ?? 0) / 1024);
  }, 100);
  try {
    return [await fn(), Math.round(peak)];
  } finally {
    clearInterval(timer);
  }
}

const dir = await tempDir('takeout-library');
const t0 = performance.now();
const drop = path.join(dir, 'drop');
await fs.mkdir(drop);
let archiveBytes = 0;
const parts = Math.ceil(N / PER_PART);
for (let p = 0; p < parts; p++) {
  const zip = zipFile(partEntries(p), { zip64: true });
  const file = path.join(drop, `takeout-${STAMP}-${String(p + 1).padStart(3, '0')}.zip`);
  await pipeline(streamOf(zip), createWriteStream(file));
  await fs.utimes(file, EXPORTED_AT, EXPORTED_AT);
  archiveBytes += zip.size;
}
console.log(
  `export: ${N} media in ${parts} parts, ${(archiveBytes / MiB).toFixed(1)} MiB, ` +
    `written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const postgres = await startPostgres(dir);
const databaseUrl = await postgres.newDatabase();
const ferryEnv = { FERRY_LOCAL_ROOTS: dir };
let ferry = await startFerry(databaseUrl, ferryEnv);
const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();
const results: Array<Record<string, unknown>> = [];
try {
  const me = await ferry.api('GET', '/me');
  await fs.rename(drop, path.join(await localFolder(dir, me), 'drop'));
  const storage = await ferry.api('POST', '/clouds', { kind: 'local', name: 'NAS', options: { root: 'drop' } });
  const takeout = await ferry.api('POST', '/clouds', {
    kind: 'google-takeout',
    name: 'Google Photos (Takeout)',
    options: { cloudId: storage.id, path: '', settleMinutes: 0 },
  });
  await fs.mkdir(path.join(await localFolder(dir, me), 'backup'));
  const backup = await ferry.api('POST', '/clouds', { kind: 'local', name: 'Backup', options: { root: 'backup' } });
  const task = await ferry.api('POST', '/tasks', {
    name: 'Takeout → folder',
    source: { cloudId: takeout.id },
    destination: { cloudId: backup.id, path: '' },
  });
  await db.query('UPDATE users SET traffic_limit_bytes = 0 WHERE id = $1', [me.id]);

  for (const what of ['first run: index and plan', 'second run: plan from the stored catalogue']) {
    if (what.startsWith('second')) {
      // Another process: what the first run left in memory does not count.
      const token = ferry.token;
      await ferry.stop();
      ferry = await startFerry(databaseUrl, ferryEnv);
      ferry.token = token;
    }
    const pid = ferry.child.pid!;
    const before = await procStats(pid);
    const pgBefore = await postgres.cpuSeconds();
    await statementsOf(databaseUrl);
    const [{ run, seconds }, planPeakRssMiB] = await peakWhile(pid, () => runToEnd(ferry, task.id));
    // Each medium and its XMP (the export has no albums).
    if (run.status !== 'quota_exceeded' || run.totals.items !== 2 * N)
      throw new Error(`${what} ended ${run.status} with ${run.totals?.items} items: ${JSON.stringify(run)}`);
    const after = await procStats(pid);
    const statements = await statementsOf(databaseUrl);
    const sizes = (
      await db.query(
        `SELECT coalesce(sum(pg_column_size(value)), 0)::bigint AS parts,
                (SELECT pg_total_relation_size('cloud_state'))::bigint AS state,
                (SELECT pg_total_relation_size('cloud_rows'))::bigint AS catalogue,
                (SELECT pg_total_relation_size('run_items'))::bigint AS items,
                (SELECT pg_database_size(current_database()))::bigint AS db
           FROM cloud_state WHERE cloud_id = $1 AND (key LIKE 'part:%' OR key LIKE 'page:%')`,
        [takeout.id],
      )
    ).rows[0];
    results.push({
      case: what,
      media: N,
      seconds: +seconds.toFixed(2),
      cpuSeconds: +(after.cpuSeconds - before.cpuSeconds).toFixed(2),
      pgCpuSeconds: +((await postgres.cpuSeconds()) - pgBefore).toFixed(2),
      planPeakRssMiB,
      partRecordBytesPerMedium: Math.round(Number(sizes.parts) / N),
      stateTableBytesPerMedium: Math.round(Number(sizes.state) / N),
      catalogueBytesPerMedium: Math.round(Number(sizes.catalogue) / N),
      runItemsBytesPerMedium: Math.round(Number(sizes.items) / N),
      databaseMiB: Math.round(Number(sizes.db) / MiB),
      // The statements that took PostgreSQL longest.
      statements: statements.sort((a, b) => b.ms - a.ms).slice(0, 6),
    });
    const { statements: top, ...figures } = results.at(-1)!;
    console.log(JSON.stringify(figures));
    for (const st of top as typeof statements)
      console.log(`  ${String(st.calls).padStart(8)} ${st.ms.toFixed(0).padStart(8)} ms  ${st.query.slice(0, 110)}`);
  }
} finally {
  await db.end();
  await ferry.stop();
  await postgres.server.stop();
  await fs.rm(dir, { recursive: true, force: true });
}
console.table(results.map(({ statements, ...figures }) => figures));
console.log(`results: ${await writeResults('takeout-library', { media: N, perPart: PER_PART, results })}`);
