// How long the scheduler takes to start 100,000 runs that fell due at the same minute: each gets
// its run row, its plan job and its next time. The design target is well under a minute. Two
// workers tick at the same moment, each with its own pool and pg-boss, as two processes would: each
// task must get exactly one run between them.
// Usage: node bench/schedule.ts [count] [workers]   (default 100000 2; writes bench/results/schedule.json)
import fs from 'node:fs/promises';
import { PgBoss } from 'pg-boss';
import { createPool, migrate } from '../services/core/db.ts';
import { BOSS_SCHEMA, ensureQueues } from '../services/core/queues.ts';
import { startDueRuns } from '../services/worker/runs/schedule.ts';
import { startPostgres, tempDir, writeResults } from './support.ts';

const count = Number(process.argv[2] ?? 100_000);
const workers = Number(process.argv[3] ?? 2);
const dir = await tempDir('schedule');
const postgres = await startPostgres(dir);
const url = await postgres.newDatabase();
const db = createPool(url, 4);
await migrate(db);
const boss = new PgBoss({ connectionString: url, schema: BOSS_SCHEMA, supervise: false, schedule: false });
await boss.start();
await ensureQueues(boss);

const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC', 'Australia/Sydney'];
const user = (await db.query(`INSERT INTO users (email, password_hash) VALUES ('bench@example.com', 'x') RETURNING id`))
  .rows[0].id;
const cloud = (
  await db.query(
    `INSERT INTO clouds (user_id, kind, name, options) VALUES ($1, 'local', 'c', '{"root":"/tmp"}') RETURNING id`,
    [user],
  )
).rows[0].id;
await db.query(
  `INSERT INTO tasks (user_id, name, source_cloud_id, source, destination_cloud_id, destination, schedule, next_run_at)
   SELECT $1, 'task ' || i, $2::uuid, jsonb_build_object('cloudId', $2::uuid::text), $2::uuid,
     jsonb_build_object('cloudId', $2::uuid::text, 'path', 'd' || i),
          jsonb_build_object('frequency', 'daily', 'time', '03:00', 'timezone', ($4::text[])[1 + i % 5]), now() -
            interval '30 seconds'
     FROM generate_series(1, $3) AS i`,
  [user, cloud, count, zones],
);

const ticks = await Promise.all(
  Array.from({ length: workers }, async () => {
    const pool = createPool(url, 4);
    const b = new PgBoss({ connectionString: url, schema: BOSS_SCHEMA, supervise: false, schedule: false });
    await b.start();
    return { pool, boss: b };
  }),
);
const t0 = performance.now();
const byWorker = await Promise.all(ticks.map((w) => startDueRuns(w.pool, w.boss)));
const seconds = (performance.now() - t0) / 1000;
const started = byWorker.reduce((a, b) => a + b, 0);
for (const w of ticks) {
  await w.boss.stop({ graceful: false });
  await w.pool.end();
}
const twice = (
  await db.query(`SELECT count(*)::int AS n FROM (SELECT task_id FROM runs GROUP BY task_id HAVING count(*) > 1) x`)
).rows[0].n;
const jobs = (await db.query(`SELECT count(*)::int AS n FROM ${BOSS_SCHEMA}.job WHERE name = 'run-plan'`)).rows[0].n;
const stillDue = (await db.query(`SELECT count(*)::int AS n FROM tasks WHERE next_run_at <= now()`)).rows[0].n;
const result = {
  dueTasks: count,
  workers,
  runsStarted: started,
  runsStartedByWorker: byWorker,
  tasksWithTwoRuns: twice,
  planJobs: jobs,
  stillDue,
  seconds: +seconds.toFixed(2),
  runsPerSecond: Math.round(started / seconds),
};
console.log(result);
console.log(`results: ${await writeResults('schedule', result)}`);

await boss.stop({ graceful: false });
await db.end();
await postgres.server.stop();
await fs.rm(dir, { recursive: true, force: true });
