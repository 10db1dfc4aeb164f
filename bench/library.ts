// A plain source of many small files (a NAS folder of documents), local folder → local folder:
// the plan must stream, the run's item list must never sit in memory whole, and a run that finds
// nothing new must take seconds, not minutes.
//   1. first run: plan time (from the run's start to its totals written), the copy to the end,
//      files/s, Ferry's peak RSS, and what the backup costs PostgreSQL (bytes per file, the biggest
//      tables);
//   2. second run, nothing new: its time, plan time and peak RSS, and that it plans nothing;
//   3. ten new files: its time, and that exactly those ten are copied;
//   4. a restore of the whole backup to another folder, planned (its copy held by a zero traffic
//      quota): plan time and peak RSS, the backup's listing and history read a page at a time;
//   5. a restore of one folder (1,000 files), planned: it lists that folder, not the backup;
//   6. the same into the library it came from: there too it lists that folder, not the library;
//   7. what the web app's history page asks of the API: the backup's points in time, and its folders.
// Ferry is started afresh for each case (same database), so each case's peak RSS is its own.
// Usage: npm run bench -- library [--files N] [--quick] [--seed | --copy]   (writes bench/results/library.json)
//   --files N: N files (default 100,000; 1,000,000 works); --quick: 20,000 files.
//   --seed: the first run plans for real, then its copy is seeded instead of made: its run is held at
//   the plan by a zero traffic quota, then its items are marked done, the manifest and `copies` rows a
//   finished copy writes (run-state.ts: record) inserted from them in SQL, and the destination files
//   written with the same bytes. The default above 100,000 files, where a real copy takes too long;
//   --copy copies whatever the count. A seeded database is larger than a copied one (at 100,000
//   files 198 MiB against 155): its run_items hold every row twice, not yet vacuumed.
// The files (64–200 bytes each, 1,000 per folder) are generated once per count and kept in
// <tmp>/ferry-bench-library/, reused by the next run of the same count.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { keepTotals } from '../services/core/run-state.ts';
import { localFolder } from '../test/support/local-space.ts';
import {
  type FerryProcess,
  procStats,
  runToEnd,
  type StatementCount,
  statementsOf,
  startFerry,
  startPostgres,
  tempDir,
  writeResults,
} from './support.ts';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const filesArg = argv.indexOf('--files');
const N = filesArg >= 0 ? Number(argv[filesArg + 1]) : quick ? 20_000 : 100_000;
if (!Number.isInteger(N) || N < 1) throw new Error(`--files wants a whole number of files, not ${argv[filesArg + 1]}`);
const seed = argv.includes('--seed') || (!argv.includes('--copy') && N > 100_000);
const NEW_FILES = 10;
const PER_FOLDER = 1000;
const WRITERS = 64;

// ---- The files ------------------------------------------------------------------------------------

const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** File i's path: 1,000 files per folder, 100 folders per top folder (000/00/f0000000.txt). */
const relPath = (i: number) => {
  const folder = Math.floor(i / PER_FOLDER);
  return `${pad(Math.floor(folder / 100), 3)}/${pad(folder % 100, 2)}/f${pad(i, 7)}.txt`;
};
const newPath = (i: number) => `new/f${pad(N + i, 7)}.txt`;
/** 64 to 200 bytes, spread. */
const sizeOf = (i: number) => 64 + ((i * 7919) % 137);
/**
 * A file's bytes: its own path and a newline, repeated to its size. Distinct for every file, and
 * computable in SQL from the run's items (CONTENT_SQL), so seeding can write each copy's hash.
 */
const contentOf = (rel: string, size: number) =>
  Buffer.from(`${rel}\n`.repeat(Math.ceil(size / (rel.length + 1))).slice(0, size));
/** contentOf in SQL, over a run_items row. */
const CONTENT_SQL =
  `convert_to(substr(repeat(path || E'\\n', ceil(size / (length(path) + 1.0))::int), ` + `1, size::int), 'UTF8')`;

/** Runs fn(0 … n-1), `limit` at a time. */
async function forEach(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
}

/** Writes files 0 … n-1 under `root` (folders first, then the files WRITERS at a time). */
async function writeFiles(root: string, n: number): Promise<void> {
  for (let f = 0; f * PER_FOLDER < n; f++)
    await fs.mkdir(path.join(root, path.dirname(relPath(f * PER_FOLDER))), { recursive: true });
  const t0 = performance.now();
  await forEach(n, WRITERS, async (i) => {
    const rel = relPath(i);
    await fs.writeFile(path.join(root, rel), contentOf(rel, sizeOf(i)));
    if ((i + 1) % 100_000 === 0) console.log(`  ${i + 1} files written, ${seconds(t0)} s`);
  });
}

/** The generated tree of N files, reused when a completed one is cached; its time to make (0: reused). */
async function cachedTree(): Promise<{ tree: string; marker: string; generateSeconds: number }> {
  const cache = path.join(os.tmpdir(), 'ferry-bench-library');
  const tree = path.join(cache, `files-${N}`);
  const marker = `${tree}.complete`;
  const done = await fs.readFile(marker, 'utf8').catch(() => '');
  if (done.trim() === String(N)) {
    console.log(`reusing the ${N} files in ${tree}`);
    return { tree, marker, generateSeconds: 0 };
  }
  await fs.rm(tree, { recursive: true, force: true });
  console.log(`writing ${N} files to ${tree}`);
  const t0 = performance.now();
  await writeFiles(tree, N);
  await fs.writeFile(marker, `${N}\n`);
  const generateSeconds = seconds(t0);
  console.log(`  written in ${generateSeconds} s`);
  return { tree, marker, generateSeconds };
}

/** Regular files below `dir`, counted folder by folder (no list of them all). */
async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for await (const d of await fs.opendir(dir)) {
    if (d.isFile()) n++;
    else if (d.isDirectory()) n += await countFiles(path.join(dir, d.name));
  }
  return n;
}

/** Throws unless each of `rels` has the same bytes in `dst` as in `src`. */
async function sameFiles(src: string, dst: string, rels: string[]): Promise<void> {
  for (const rel of rels) {
    const [a, b] = await Promise.all([
      fs.readFile(path.join(src, rel)),
      fs.readFile(path.join(dst, rel)).catch(() => null),
    ]);
    if (!b || !a.equals(b))
      throw new Error(`${rel} at the destination ${b ? 'differs from the source' : 'is missing'}`);
  }
}

// ---- Measuring ------------------------------------------------------------------------------------

const seconds = (t0: number) => +((performance.now() - t0) / 1000).toFixed(2);
const mib = (bytes: number) => +(bytes / 1024 / 1024).toFixed(1);

/** Samples the process's resident memory every 100 ms, with the wall-clock time of each sample. */
function sampleRss(pid: number) {
  const samples: Array<[number, number]> = [];
  const timer = setInterval(() => {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (kb) samples.push([Date.now(), Number(kb) / 1024]);
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      /** The highest sample between two times, in MiB. */
      return (from: number, to: number) =>
        Math.round(samples.reduce((m, [t, v]) => (t >= from && t <= to ? Math.max(m, v) : m), 0));
    },
  };
}

/** The run's phases as the database has them: queued, planning (to its totals written), copying. */
async function phases(runId: string) {
  const { rows } = await db.query(
    `SELECT created_at, started_at, planned_at, finished_at, total_items, total_bytes, status FROM runs WHERE id = $1`,
    [runId],
  );
  const r = rows[0];
  const between = (a: Date | null, b: Date | null) =>
    a && b ? +((b.getTime() - a.getTime()) / 1000).toFixed(2) : null;
  return {
    r,
    queuedSeconds: between(r.created_at, r.started_at),
    planSeconds: between(r.started_at, r.planned_at),
    copySeconds: between(r.planned_at, r.finished_at),
  };
}

/** PostgreSQL's share of the backup: the database, and the tables that grow with the files. */
async function databaseSize(files: number) {
  const size = async (sql: string) => Number((await db.query(sql)).rows[0].n);
  const database = await size('SELECT pg_database_size(current_database()) AS n');
  const table = async (name: string) => mib(await size(`SELECT pg_total_relation_size('${name}') AS n`));
  return {
    databaseMiB: mib(database),
    bytesPerFile: Math.round(database / files),
    runItemsMiB: await table('run_items'),
    manifestMiB: await table('manifest'),
    copiesMiB: await table('copies'),
  };
}

/**
 * Fails when the task's newest run is still queued two minutes after it was made: its plan job
 * keeps failing (pg-boss retries it, and the run waits for ever) rather than a slow plan.
 */
function notStarting() {
  let timer: NodeJS.Timeout;
  const failed = new Promise<never>((_, reject) => {
    timer = setInterval(async () => {
      const { rows } = await db.query(
        `SELECT status, now() - created_at > interval '2 minutes' AS late FROM runs
          WHERE task_id = $1 ORDER BY created_at DESC LIMIT 1`,
        [task.id],
      );
      if (rows[0]?.status === 'queued' && rows[0].late)
        reject(new Error('the run is still queued after 2 minutes: its plan job fails (see pgboss.job)'));
    }, 5000);
  });
  return { failed, stop: () => clearInterval(timer!) };
}

/** Ferry started afresh on the bench database, acting as the bench's user. */
async function freshFerry(): Promise<FerryProcess> {
  // Its own data folder: the mails a run sends (written as files without SMTP) stay out of ./.ferry.
  const f = await startFerry(databaseUrl, { FERRY_LOCAL_ROOTS: dir, FERRY_DATA_DIR: path.join(dir, 'ferry') });
  if (token) f.token = token; // the bench's user, not the one this start signed up
  return f;
}

/**
 * One case: Ferry started for it, a run of the task to its end, and what it cost. `check` sees the
 * run before Ferry stops.
 */
async function runCase(
  what: string,
  check: (run: any) => Promise<void>,
  start?: { path: string; body?: object },
): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const ferry = await freshFerry();
  try {
    const pid = ferry.child.pid!;
    const idle = await procStats(pid);
    // Starting Ferry peaks higher than an idle Ferry stays: the peak is reset (clear_refs 5), so the
    // run's own shows.
    const reset = await fs.writeFile(`/proc/${pid}/clear_refs`, '5').then(
      () => true,
      () => false,
    );
    // What the planner believes of `copies` when the run starts: stale statistics (a run right after
    // a large first copy, before autovacuum analyzed it) can turn a plan's look-ups into nested loops.
    const copiesStats = (
      await db.query(`SELECT reltuples::bigint AS n FROM pg_class WHERE relname = 'copies' AND relkind = 'r'`)
    ).rows[0].n;
    const pgBefore = await postgres.cpuSeconds();
    await statementsOf(databaseUrl);
    const rss = sampleRss(pid);
    const stuck = notStarting();
    const { run, seconds: runSeconds } = await Promise.race([runToEnd(ferry, task.id, start), stuck.failed]).finally(
      stuck.stop,
    );
    const peakIn = rss.stop();
    const after = await procStats(pid);
    const pgCpuSeconds = +((await postgres.cpuSeconds()) - pgBefore).toFixed(2);
    const statements = await statementsOf(databaseUrl);
    await check(run);
    const p = await phases(run.id);
    const plannedAt = p.r.planned_at?.getTime() ?? Date.now();
    return {
      case: what,
      status: run.status,
      seconds: +runSeconds.toFixed(2),
      queuedSeconds: p.queuedSeconds,
      planSeconds: p.planSeconds,
      copySeconds: p.copySeconds,
      planned: p.r.total_items,
      copied: run.done.items,
      startupPeakRssMiB: idle.peakRssMiB,
      peakRssMiB: reset ? after.peakRssMiB : null,
      // Sampled every 100 ms: the highest while planning (from the run's start), and after.
      planPeakRssMiB: p.r.started_at ? peakIn(p.r.started_at.getTime(), plannedAt) : null,
      copyPeakRssMiB: peakIn(plannedAt, Date.now()),
      cpuSeconds: +(after.cpuSeconds - idle.cpuSeconds).toFixed(2),
      pgCpuSeconds,
      copiesRowsEstimated: Number(copiesStats),
      // Per file of the source, whatever the run copies; the statements that took PostgreSQL longest.
      statementsPerFile: +(statements.reduce((n, st) => n + st.calls, 0) / N).toFixed(1),
      pgStatementSeconds: +(statements.reduce((n, st) => n + st.ms, 0) / 1000).toFixed(2),
      statements: statements.sort((a, b) => b.ms - a.ms).slice(0, 10),
      caseSeconds: seconds(t0),
    };
  } finally {
    await ferry.stop();
  }
}

/**
 * Turns the first run, held at its plan by a zero quota, into what its copy would have left: every
 * item done, a manifest row and a `copies` row per file (as run-state.ts's record writes them, with
 * the sha256 of the bytes contentOf gives), the run's counters and the traffic used; then writes the
 * destination files with those bytes.
 */
async function seedFirstRun(runId: string, dst: string): Promise<number> {
  const t0 = performance.now();
  const c = await db.connect();
  try {
    await c.query('BEGIN');
    const hash = `'sha256:' || encode(sha256(${CONTENT_SQL}), 'hex')`;
    await c.query(
      `INSERT INTO manifest (task_id, source_id, source_size, source_mtime, source_version, dest_path, dest_key,
                             dest_hash, fidelity, identity)
       SELECT $2, source_id, size, modified_at, version, dest_path, dest_key, ${hash}, fidelity, identity
         FROM run_items WHERE run_id = $1`,
      [runId, task.id],
    );
    // The task's destination folder is the cloud's root: a copy's path in the backup is its dest_path.
    await c.query(
      `INSERT INTO copies (task_id, source_id, run_id, path, dest_path, source_path, size, source_mtime,
                           source_version, dest_hash)
       SELECT $2, source_id, $1, dest_path, dest_path, path, size, modified_at, version, ${hash}
         FROM run_items WHERE run_id = $1`,
      [runId, task.id],
    );
    await c.query(
      `UPDATE run_items SET status = 'done', progress_bytes = size, attempts = 1, lease_until = NULL,
              updated_at = now() WHERE run_id = $1`,
      [runId],
    );
    await c.query(
      `UPDATE runs SET status = 'succeeded', done_items = total_items, done_bytes = total_bytes, quota_hit_at = NULL,
              error = NULL, finished_at = now() WHERE id = $1`,
      [runId],
    );
    // What a run's end records with it (run-state.ts, finalize).
    await keepTotals(c, runId);
    await c.query(
      `UPDATE usage SET used_bytes = used_bytes + (SELECT total_bytes FROM runs WHERE id = $2), reserved_bytes = 0
        WHERE user_id = $1`,
      [user.id, runId],
    );
    await c.query('UPDATE users SET traffic_limit_bytes = NULL WHERE id = $1', [user.id]);
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  } finally {
    c.release();
  }
  // A copy that took hours would have let autovacuum analyze what it wrote; the seeded rows get the same.
  await db.query('ANALYZE manifest, copies, run_items');
  console.log(`  rows seeded in ${seconds(t0)} s; writing the destination files`);
  await writeFiles(dst, N);
  return seconds(t0);
}

/** Each copy's hash in the manifest, for a sample of files, against the sha256 of the file at the destination. */
async function checkHashes(dst: string, rels: string[]): Promise<void> {
  const { rows } = await db.query<{ source_id: string; dest_hash: string }>(
    'SELECT source_id, dest_hash FROM manifest WHERE task_id = $1 AND source_id = ANY($2::text[])',
    [task.id, rels],
  );
  if (rows.length !== rels.length) throw new Error(`${rels.length - rows.length} sampled files have no manifest row`);
  for (const r of rows) {
    const sha = createHash('sha256')
      .update(await fs.readFile(path.join(dst, r.source_id)))
      .digest('hex');
    if (r.dest_hash !== `sha256:${sha}`)
      throw new Error(`${r.source_id}: manifest says ${r.dest_hash}, file is ${sha}`);
  }
}

// ---- The run -------------------------------------------------------------------------------------

const { tree, marker, generateSeconds } = await cachedTree();
const dir = await tempDir('library');
const postgres = await startPostgres(dir);
const databaseUrl = await postgres.newDatabase();
const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
let token = '';
const first = await freshFerry();
token = first.token;
const user = await first.api('GET', '/me');
const space = await localFolder(dir, user);
const src = path.join(space, 'src');
const dst = path.join(space, 'dst');
// The cached tree is lent to the user's space for the bench, and given back (with its marker) at the end.
await fs.rm(marker);
await fs.rename(tree, src);
let task: { id: string };
const results: Record<string, unknown>[] = [];
const sample = Array.from({ length: 100 }, (_, k) => relPath(Math.floor((k * N) / 100 + ((k * 7) % 97)) % N));
try {
  await fs.mkdir(dst);
  try {
    const source = await first.api('POST', '/clouds', { kind: 'local', name: 'library', options: { root: 'src' } });
    const destination = await first.api('POST', '/clouds', {
      kind: 'local',
      name: 'backup',
      options: { root: 'dst' },
    });
    task = await first.api('POST', '/tasks', {
      name: 'library',
      source: { cloudId: source.id },
      destination: { cloudId: destination.id, path: '' },
    });
  } finally {
    await first.stop();
  }

  console.log(`case 1: first run of ${N} files (${seed ? 'plan, then the copy seeded' : 'copied'})`);
  if (seed) await db.query('UPDATE users SET traffic_limit_bytes = 0 WHERE id = $1', [user.id]);
  let seedSeconds: number | null = null;
  const one = await runCase(`first run, ${N} files`, async (run) => {
    const expected = seed ? 'quota_exceeded' : 'succeeded';
    if (run.status !== expected || run.totals.items !== N)
      throw new Error(`run 1 ended ${run.status} with ${run.totals.items} items; expected ${expected} with ${N}`);
    if (!seed && run.done.items !== N) throw new Error(`run 1 copied ${run.done.items} of ${N} files`);
  });
  if (seed) {
    seedSeconds = await seedFirstRun(
      (await db.query('SELECT id FROM runs WHERE task_id = $1', [task.id])).rows[0].id,
      dst,
    );
    console.log(`  seeded in ${seedSeconds} s`);
  }
  const onDestination = await countFiles(dst);
  if (onDestination !== N) throw new Error(`the destination holds ${onDestination} files, not ${N}`);
  await sameFiles(src, dst, sample);
  await checkHashes(dst, sample);
  const size = await databaseSize(N);
  results.push({
    ...one,
    mode: seed ? 'seeded' : 'copied',
    ...(seed
      ? { seconds: null, copySeconds: null, filesPerSecond: null, seedSeconds }
      : { filesPerSecond: Math.round(N / (one.seconds as number)) }),
    ...size,
  });

  console.log('case 2: second run, nothing new');
  results.push(
    await runCase('second run, nothing new', async (run) => {
      if (run.status !== 'succeeded' || run.totals.items !== 0 || run.done.items !== 0)
        throw new Error(`run 2 ended ${run.status}, planned ${run.totals.items}, copied ${run.done.items}; expected 0`);
    }),
  );

  console.log(`case 3: ${NEW_FILES} new files`);
  const added = Array.from({ length: NEW_FILES }, (_, i) => newPath(i));
  await fs.mkdir(path.join(src, 'new'));
  for (const [i, rel] of added.entries()) await fs.writeFile(path.join(src, rel), contentOf(rel, sizeOf(N + i)));
  results.push(
    await runCase(`${NEW_FILES} new files`, async (run) => {
      if (run.status !== 'succeeded' || run.totals.items !== NEW_FILES || run.done.items !== NEW_FILES)
        throw new Error(
          `run 3 ended ${run.status}, copied ${run.done.items} of ${run.totals.items}; expected ${NEW_FILES}`,
        );
    }),
  );
  await sameFiles(src, dst, added);
  results.at(-1)!.databaseMiB = (await databaseSize(N + NEW_FILES)).databaseMiB;

  console.log(`case 4: a restore of the ${N + NEW_FILES} files, planned`);
  await fs.mkdir(path.join(space, 'restored'));
  const third = await freshFerry();
  const restored = await third
    .api('POST', '/clouds', { kind: 'local', name: 'restored', options: { root: 'restored' } })
    .finally(() => third.stop());
  const newest = (await db.query('SELECT id FROM runs WHERE task_id = $1 ORDER BY created_at DESC LIMIT 1', [task.id]))
    .rows[0].id;
  await db.query('UPDATE users SET traffic_limit_bytes = 0 WHERE id = $1', [user.id]);
  results.push(
    await runCase(
      `restore plan, ${N + NEW_FILES} files`,
      async (run) => {
        if (run.status !== 'quota_exceeded' || run.totals.items !== N + NEW_FILES)
          throw new Error(`the restore ended ${run.status} with ${run.totals.items} items; expected ${N + NEW_FILES}`);
      },
      {
        path: `/tasks/${task.id}/restore`,
        body: { runId: newest, destination: { cloudId: restored.id, path: '' } },
      },
    ),
  );
  // One folder of the backup (PER_FOLDER files): a restore of part of it lists that part only.
  const folder = path.posix.dirname(relPath(0));
  const inFolder = Math.min(N, PER_FOLDER);
  console.log(`case 5: a restore of the folder ${folder} (${inFolder} files), planned`);
  results.push(
    await runCase(
      `restore plan, one folder of ${inFolder} files`,
      async (run) => {
        if (run.status !== 'quota_exceeded' || run.totals.items !== inFolder)
          throw new Error(`the restore ended ${run.status} with ${run.totals.items} items; expected ${inFolder}`);
      },
      {
        path: `/tasks/${task.id}/restore`,
        body: { runId: newest, paths: [folder], destination: { cloudId: restored.id, path: 'folder' } },
      },
    ),
  );
  // The same folder back into the library it came from (N files there): only that folder is listed
  // there too, not the library.
  const library = (await db.query('SELECT source_cloud_id FROM tasks WHERE id = $1', [task.id])).rows[0]
    .source_cloud_id;
  console.log(`case 6: a restore of the folder ${folder} into the library it came from, planned`);
  results.push(
    await runCase(
      `restore plan, one folder of ${inFolder} files, into the library`,
      async (run) => {
        if (run.status !== 'quota_exceeded' || run.totals.items !== inFolder)
          throw new Error(`the restore ended ${run.status} with ${run.totals.items} items; expected ${inFolder}`);
      },
      {
        path: `/tasks/${task.id}/restore`,
        body: { runId: newest, paths: [folder], destination: { cloudId: library, path: '' }, conflict: 'skip' },
      },
    ),
  );
  await db.query('UPDATE users SET traffic_limit_bytes = NULL WHERE id = $1', [user.id]);

  // What the web app's history page asks of a backup this size: its points in time, and its folders.
  console.log('case 7: the backup in the API (ms a request, median of 5 after one)');
  const history: Record<string, number> = {};
  const browse = await freshFerry();
  try {
    const top = folder.split('/')[0];
    for (const [label, url] of [
      ['GET /tasks/:id/snapshots', `/tasks/${task.id}/snapshots`],
      ['GET /tasks/:id/tree (the top)', `/tasks/${task.id}/tree`],
      [`GET /tasks/:id/tree?path=${top}`, `/tasks/${task.id}/tree?path=${top}`],
      [`GET /tasks/:id/tree?path=${folder}`, `/tasks/${task.id}/tree?path=${encodeURIComponent(folder)}`],
    ]) {
      await browse.api('GET', url);
      const ms: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        await browse.api('GET', url);
        ms.push(performance.now() - t0);
      }
      history[label] = +ms.sort((a, b) => a - b)[2].toFixed(1);
    }
  } finally {
    await browse.stop();
  }
  console.table(history);

  console.log(`${N} small files, local folder → local folder (${seed ? 'first copy seeded' : 'copied'})`);
  console.table(
    results.map((r) => ({
      case: r.case,
      seconds: r.seconds,
      planSeconds: r.planSeconds,
      copySeconds: r.copySeconds,
      planned: r.planned,
      copied: r.copied,
      filesPerSecond: r.filesPerSecond ?? null,
      peakRssMiB: r.peakRssMiB,
      planPeakRssMiB: r.planPeakRssMiB,
      cpuSeconds: r.cpuSeconds,
      statementsPerFile: r.statementsPerFile,
      pgCpuSeconds: r.pgCpuSeconds,
    })),
  );
  for (const r of results) {
    console.log(`${r.case}: the longest statements (calls, ms in PostgreSQL)`);
    for (const st of (r.statements as StatementCount[]).slice(0, 5))
      console.log(`  ${String(st.calls).padStart(8)} ${String(st.ms).padStart(9)}  ${st.query.slice(0, 100)}`);
  }
  console.log(
    `PostgreSQL after the first run: ${size.databaseMiB} MiB, ${size.bytesPerFile} bytes per file ` +
      `(run_items ${size.runItemsMiB} MiB, manifest ${size.manifestMiB} MiB, copies ${size.copiesMiB} MiB)`,
  );
  const mode = seed ? 'seeded' : 'copied';
  console.log(
    `results: ${await writeResults('library', { files: N, mode, generateSeconds, cases: results, history })}`,
  );
} finally {
  await db.end();
  await postgres.server.stop();
  // The tree goes back to the cache as it was generated.
  await fs.rm(path.join(src, 'new'), { recursive: true, force: true });
  await fs.rename(src, tree);
  await fs.writeFile(marker, `${N}\n`);
  await fs.rm(dir, { recursive: true, force: true });
}
process.exit(0);
