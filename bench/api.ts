// The API under load (issue 19, point 5): with 10,000 users, 100,000 tasks and 1,000,000 runs in the
// database, each endpoint below is driven by autocannon at a fixed 1,000 requests a second over many
// users' access tokens, while a real transfer (local folder → s3rver, round after round) runs in the
// same Ferry process (--split: in a worker process beside it). The goal: p99 under 50 ms. It also
// prints the query plans behind the lists (EXPLAIN ANALYZE of the exact SQL Ferry sends, caught on its
// way to the database) and the indexes they use.
// Usage: npm run bench -- api [--quick] [--only=me,tasks,...] [--profile] [--no-transfer] [--split] [--burst]
//   --quick: 1,000 users / 10,000 tasks / 100,000 runs, 5 s per endpoint;
//   --only: some of the endpoints (the last segment of their path: me, tasks, runs, :id);
//   --profile: Ferry runs with --cpu-prof, its profile is left in the printed folder;
//   --no-transfer: the API alone (to tell its own cost from the transfer's);
//   --split: the API in one process, the transfer in a worker process (FERRY_ROLE) and s3rver at nice 10;
//   --burst: each second's requests sent at once, as one autocannon instance paces them (see load).
// Writes bench/results/api.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hashPassword, digest, newSecret } from '../services/core/crypto.ts';
import { createPool, migrate, type Db } from '../services/core/db.ts';
import { createRuns } from '../services/core/runs.ts';
import { createTasks } from '../services/core/tasks.ts';
import { localFolder } from '../test/support/local-space.ts';
import { startS3 } from '../test/support/s3.ts';
import {
  START_ENV,
  nodeFlags,
  procStats,
  randomFile,
  repo,
  startFerry,
  startPostgres,
  tempDir,
  writeResults,
  type FerryProcess,
} from './support.ts';

// What this benchmark uses of autocannon (it ships no types).
interface CannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
}
interface CannonResult {
  requests: { total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  overallRate: number;
  duration: number;
  ignoreCoordinatedOmission: boolean;
  requests: { setupRequest: (req: CannonRequest) => CannonRequest }[];
}) => Promise<CannonResult> & {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const profile = args.includes('--profile');
const burst = args.includes('--burst');
const split = args.includes('--split');
const withTransfer = !args.includes('--no-transfer');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const size = quick ? { users: 1_000, seconds: 5 } : { users: 10_000, seconds: 20 };
const TASKS_PER_USER = 10;
const RUNS_PER_TASK = 10;
/** Items written for the newest run of each task (a run's page of items, its in-flight sums). */
const ITEMS_PER_NEWEST_RUN = 5;
/** Users whose tokens the requests are spread over, and runs of each that GET /runs/:id asks for. */
const SAMPLE_USERS = quick ? 200 : 1_000;
const RUNS_PER_SAMPLE_USER = 5;
const RATE = 1_000;
const CONNECTIONS = 100;
/** autocannon instances the rate and connections are shared by, started evenly across a second (see load). */
const GENERATORS = 10;
/** --split: the worker's and s3rver's CPU priority. */
const NICE = 10;
const TARGET_P99_MS = 50;
/** The transfer's round: this many small files, copied again to a new folder each round. */
const TRANSFER_FILES = 300;
const TRANSFER_FILE_BYTES = 32 * 1024;

const dir = await tempDir('api');
const postgres = await startPostgres(dir);
const dbUrl = await postgres.newDatabase();
const db = createPool(dbUrl, 4);
await migrate(db);

/** Times one step of the setup, for the log: seeding a million rows is not instant. */
async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await fn();
  console.log(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return result;
}

// ---- The seed: rows shaped as Ferry writes them (accounts.ts, clouds.ts, tasks.ts, run-state.ts,
// notifications.ts), interleaved in time across users as a live service accumulates them, so one
// user's rows are spread over the tables rather than packed together.

async function seed(users: number): Promise<void> {
  const hash = await hashPassword('bench password');
  await step(`${users} users`, () =>
    db.query(
      `INSERT INTO users (email, password_hash, email_verified_at, created_at)
       SELECT 'user' || i || '@bench.example', $2, t + interval '10 minutes', t
         FROM generate_series(1, $1) i, LATERAL (SELECT now() - interval '400 days' + i * interval '30 seconds') x(t)`,
      [users, hash],
    ),
  );
  await step('usage of this month', () =>
    db.query(
      `INSERT INTO usage (user_id, period_start, used_bytes)
       SELECT id, date_trunc('month', now() AT TIME ZONE 'UTC')::date, (random() * 4e9)::bigint FROM users`,
    ),
  );
  // Two clouds each: the photos folder read and the bucket written (its secrets are not read by any
  // endpoint measured here, so none are sealed).
  await step(`${users * 2} clouds`, () =>
    db.query(
      `INSERT INTO clouds (user_id, kind, name, options, created_at, updated_at, checked_at)
       SELECT id, 'local', 'Photos', '{"root": "photos"}', created_at + interval '1 hour',
              created_at + interval '1 hour', created_at + interval '1 hour' FROM users
       UNION ALL
       SELECT id, 's3', 'Backup bucket',
              jsonb_build_object('endpoint', 'https://s3.eu-central-1.amazonaws.com', 'region', 'eu-central-1',
                'bucket', 'backup-' || substr(id::text, 1, 8),
                'accessKeyId', 'AKIA' || upper(substr(md5(id::text), 1, 16)), 'forcePathStyle', false),
              created_at + interval '2 hours', created_at + interval '2 hours', created_at + interval '2 hours'
         FROM users`,
    ),
  );
  // Ten tasks each, created one a day; two in three scheduled (next time tomorrow: the scheduler
  // starts none during the benchmark), one in five mailing an address of its own.
  await step(`${users * TASKS_PER_USER} tasks`, () =>
    db.query(
      `INSERT INTO tasks (user_id, name, source_cloud_id, source, destination_cloud_id, destination, schedule,
                          next_run_at, filter, options, notify, created_at, updated_at)
       SELECT u.id, 'Album ' || k, src.id, jsonb_build_object('cloudId', src.id, 'path', 'album-' || k),
              dst.id, jsonb_build_object('cloudId', dst.id, 'path', 'ferry/album-' || k),
              CASE WHEN k % 3 <> 0
                THEN '{"frequency": "daily", "time": "03:00", "timezone": "Europe/Berlin"}'::jsonb END,
              CASE WHEN k % 3 <> 0 THEN now() + interval '1 day' END,
              CASE WHEN k % 4 = 0 THEN '{"include": ["**/*.jpg", "**/*.mp4"]}'::jsonb ELSE '{}' END,
              '{"conflict": "skip", "verify": true}',
              CASE WHEN k % 5 = 0 THEN jsonb_build_object('on', 'always', 'email', 'other-' || u.email)
                   ELSE '{"on": "failure"}' END,
              u.created_at + k * interval '1 day', u.created_at + k * interval '1 day'
         FROM generate_series(1, $1) k CROSS JOIN users u
         JOIN clouds src ON src.user_id = u.id AND src.kind = 'local'
         JOIN clouds dst ON dst.user_id = u.id AND dst.kind = 's3'
        ORDER BY k, u.created_at`,
      [TASKS_PER_USER],
    ),
  );
  // Ten finished runs a task, one a day over the last ten days, in the order they happened.
  await step(`${users * TASKS_PER_USER * RUNS_PER_TASK} runs`, () =>
    db.query(
      `INSERT INTO runs (task_id, user_id, status, trigger, kind, created_at, started_at, planned_at, finished_at,
                         total_items, total_bytes, done_items, done_bytes, skipped_items, skipped_bytes,
                         failed_items, error)
       SELECT task_id, user_id,
              CASE WHEN r < 0.90 THEN 'succeeded' WHEN r < 0.96 THEN 'partial' WHEN r < 0.99 THEN 'failed'
                   ELSE 'cancelled' END,
              trigger, 'backup', at, at + interval '2 seconds', at + interval '20 seconds',
              at + interval '20 seconds' + (n * interval '1 second'), n, n * 2500000::bigint,
              CASE WHEN r < 0.99 THEN n / 10 ELSE 0 END, CASE WHEN r < 0.99 THEN n / 10 * 2500000::bigint ELSE 0 END,
              CASE WHEN r < 0.99 THEN n - n / 10 - (r >= 0.90)::int ELSE 0 END,
              CASE WHEN r < 0.99 THEN (n - n / 10 - (r >= 0.90)::int) * 2500000::bigint ELSE 0 END,
              (r >= 0.90 AND r < 0.96)::int,
              CASE WHEN r >= 0.96 AND r < 0.99 THEN 'The destination refused the credentials (403).' END
         FROM (SELECT t.id AS task_id, t.user_id,
                      CASE WHEN t.schedule IS NULL THEN 'manual' ELSE 'schedule' END AS trigger,
                      now() - j * interval '1 day' - random() * interval '1 day' AS at,
                      random() AS r, 20 + (random() * 980)::int AS n
                 FROM tasks t CROSS JOIN generate_series(1, $1) j) x
        ORDER BY at`,
      [RUNS_PER_TASK],
    ),
  );
  // Items of each task's newest run (those of older runs are what a retention would drop).
  await step('run items of the newest runs', () =>
    db.query(
      `INSERT INTO run_items (run_id, source_id, path, size, modified_at, media_type, version, hashes, status,
                              attempts, dest_path, dest_exists, updated_at)
       SELECT r.id, 'album/IMG_' || n || '.jpg', 'album/IMG_' || n || '.jpg', 2500000,
              r.created_at - interval '30 days',
              'photo', 'v1', jsonb_build_object('md5', md5(r.id::text || n)),
              CASE WHEN n = 1 THEN 'skipped' ELSE 'done' END, 1, 'ferry/album/IMG_' || n || '.jpg', n = 1,
              r.finished_at
         FROM runs r CROSS JOIN generate_series(1, $1) n
        WHERE r.created_at > now() - interval '2 days'
        ORDER BY r.created_at, n`,
      [ITEMS_PER_NEWEST_RUN],
    ),
  );
  // The mail each failed or partial run sent (notify.on = failure), already delivered.
  await step('run mails', () =>
    db.query(
      `INSERT INTO mail_outbox (user_id, run_id, kind, recipient, subject, text_body, message_id, dedupe_key,
                                created_at, attempts, last_attempt_at, sent_at)
       SELECT r.user_id, r.id, 'run_ended', u.email, 'Backup ended with problems', 'Some items were not copied.',
              '<' || r.id || '@bench.example>', 'run:' || r.id, r.finished_at, 1, r.finished_at, r.finished_at
         FROM runs r JOIN users u ON u.id = r.user_id WHERE r.status IN ('partial', 'failed')`,
    ),
  );
  await step('ANALYZE', () => db.query('VACUUM ANALYZE'));
}

interface Caller {
  userId: string;
  token: string;
  taskIds: string[];
  runIds: string[];
}

/** Access tokens for a sample of the users (only their digests are stored, as createToken does). */
async function callers(n: number): Promise<Caller[]> {
  const { rows } = await db.query<{ id: string; tasks: string[]; runs: string[] }>(
    `SELECT u.id,
            (SELECT array_agg(t.id) FROM tasks t WHERE t.user_id = u.id) AS tasks,
            (SELECT array_agg(id) FROM (SELECT r.id FROM runs r WHERE r.user_id = u.id ORDER BY random() LIMIT $2) x)
              AS runs
       FROM (SELECT id FROM users ORDER BY random() LIMIT $1) u`,
    [n, RUNS_PER_SAMPLE_USER],
  );
  const sample = rows.map((r) => ({ userId: r.id, token: newSecret('fy_'), taskIds: r.tasks, runIds: r.runs }));
  await db.query(
    `INSERT INTO api_tokens (user_id, name, token_digest)
     SELECT u, 'bench', d FROM unnest($1::uuid[], $2::text[]) AS x(u, d)`,
    [sample.map((c) => c.userId), sample.map((c) => digest(c.token))],
  );
  return sample;
}

// ---- The transfer beside the load: a local folder of small files to s3rver, a new task each round
// (a task's second run would find everything copied already and move no bytes).

interface Transfer {
  /** The S3 server's process: its CPU counts against the machine's two cores as well. */
  s3Pid: number;
  stop(): Promise<{ rounds: number; files: number; failedRuns: number }>;
}

async function startTransfer(ferry: FerryProcess, root: string): Promise<Transfer> {
  const s3 = await startS3('bench');
  // s3rver stands for a cloud elsewhere: with --split, its CPU here comes after the API's too.
  if (split) await renice(s3.pid);
  const me = await ferry.api('GET', '/me');
  // The traffic quota would end the rounds of a long benchmark: the bench account has none to speak of.
  await db.query('UPDATE users SET traffic_limit_bytes = $2 WHERE id = $1', [me.id, 2 ** 50]);
  const src = await localFolder(root, me, 'src');
  for (let i = 0; i < TRANSFER_FILES; i++)
    await randomFile(path.join(src, `d${i % 10}`, `f${i}.jpg`), TRANSFER_FILE_BYTES);
  const local = await ferry.api('POST', '/clouds', { kind: 'local', name: 'src', options: { root: 'src' } });
  const bucket = await ferry.api('POST', '/clouds', { kind: 's3', name: 's3', options: s3.options() });
  let stopping = false;
  let rounds = 0;
  let failedRuns = 0;
  let error: unknown;
  const loop = (async () => {
    while (!stopping) {
      const task = await ferry.api('POST', '/tasks', {
        name: `round ${rounds}`,
        source: { cloudId: local.id },
        destination: { cloudId: bucket.id, path: `round-${rounds}` },
      });
      let { run } = await ferry.api('POST', `/tasks/${task.id}/runs`);
      while (run.status === 'queued' || run.status === 'running') {
        await new Promise((r) => setTimeout(r, 250));
        run = await ferry.api('GET', `/runs/${run.id}`);
      }
      if (run.status !== 'succeeded') failedRuns++;
      rounds++;
    }
  })().catch((err) => {
    error = err; // reported at the end: the load goes on without the transfer
  });
  return {
    s3Pid: s3.pid,
    async stop() {
      stopping = true;
      await loop;
      await s3.close();
      if (error) console.error('the transfer stopped early:', error);
      return { rounds, files: rounds * TRANSFER_FILES, failedRuns };
    },
  };
}

// ---- The plans: the SQL the repositories send, caught by a stand-in pool, then explained.

/** The queries a repository call sends, with their parameters (it gets no rows back). */
async function sqlOf(call: (db: Db) => Promise<unknown>): Promise<{ text: string; values: unknown[] }[]> {
  const sent: { text: string; values: unknown[] }[] = [];
  const recorder = {
    async query(q: string | { text: string; values: unknown[] }, values: unknown[] = []) {
      sent.push(typeof q === 'string' ? { text: q, values } : { text: q.text, values: q.values });
      // A row, so that a check before the list (is the task the caller's?) lets the list be sent.
      return { rows: [{}], rowCount: 1 };
    },
  };
  await call(recorder as unknown as Db).catch(() => {}); // the empty row may not make a page: the SQL is caught
  return sent;
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}
const nodesOf = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodesOf)];

/**
 * The plan of a query as Ferry runs it: its statements are prepared (named), and after a few runs a
 * prepared statement keeps one generic plan, made without the values; that plan is the one shown.
 */
async function explain(what: string, query: { text: string; values: unknown[] }) {
  const c = await db.connect();
  // EXPLAIN takes no parameters: the values go into EXECUTE as literals.
  const literal = (v: unknown) =>
    v === null ? 'NULL' : typeof v === 'number' ? String(v) : c.escapeLiteral(String(v));
  const execute = `EXECUTE bench_plan(${query.values.map(literal).join(', ')})`;
  try {
    await c.query('SET plan_cache_mode = force_generic_plan');
    await c.query(`PREPARE bench_plan AS ${query.text}`);
    const text = (await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${execute}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
    const json = (await c.query(`EXPLAIN (FORMAT JSON) ${execute}`)).rows[0]['QUERY PLAN'][0];
    const nodes = nodesOf(json.Plan as PlanNode);
    const indexes = [...new Set(nodes.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])))];
    const seqScans = [...new Set(nodes.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name']!))];
    console.log(`\n${what}\n${query.text.replace(/\s+/g, ' ')}\n${text}\nindexes: ${indexes.join(', ')}`);
    if (seqScans.length) console.log(`sequential scans: ${seqScans.join(', ')}`);
    const ms = (label: string) => Number(new RegExp(`${label} Time: ([\\d.]+) ms`).exec(text)?.[1] ?? NaN);
    return { query: what, indexes, seqScans, planningMs: ms('Planning'), executionMs: ms('Execution') };
  } finally {
    await c.query('DEALLOCATE ALL; RESET plan_cache_mode');
    c.release();
  }
}

async function plans(ferry: FerryProcess, c: Caller) {
  const runs = (q: Db) => createRuns(q, undefined as never);
  const tasks = (q: Db) => createTasks(q, { keyring: undefined as never, allowPrivateEndpoints: false });
  // The second page: a cursor Ferry itself gave the caller.
  const asCaller = async (p: string) => {
    const res = await fetch(`${ferry.url}/api/v1${p}`, { headers: { authorization: `Bearer ${c.token}` } });
    if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { nextCursor: string };
  };
  const runsPage = await asCaller('/runs');
  const taskRunsPage = await asCaller(`/tasks/${c.taskIds[0]}/runs?limit=5`);
  const cases: [string, (q: Db) => Promise<unknown>][] = [
    ['GET /tasks', (q) => tasks(q).list(c.userId)],
    ['GET /runs', (q) => runs(q).listForUser(c.userId)],
    ['GET /runs (second page)', (q) => runs(q).listForUser(c.userId, { cursor: runsPage.nextCursor })],
    ['GET /runs?active=true', (q) => runs(q).listForUser(c.userId, { active: true })],
    ['GET /tasks/:id/runs', (q) => runs(q).listForTask(c.userId, c.taskIds[0])],
    [
      'GET /tasks/:id/runs (second page)',
      (q) => runs(q).listForTask(c.userId, c.taskIds[0], taskRunsPage.nextCursor, 5),
    ],
    ['GET /runs/:id', (q) => runs(q).get(c.userId, c.runIds[0])],
  ];
  const out = [];
  for (const [what, call] of cases) {
    const queries = await sqlOf(call);
    // A task's runs: the list is the last query (the task is looked up after it only for an empty page).
    out.push(await explain(what, queries.at(-1)!));
  }
  return out;
}

// ---- --split: the transfer in a worker process of its own, at a lower CPU priority.

/**
 * Ferry's worker role as an operator runs it beside the API: a process of its own (no HTTP server),
 * started at nice 10 so that the API and PostgreSQL on the same cores answer first (threads inherit it).
 */
function startWorker(databaseUrl: string, env: Record<string, string>): ChildProcess {
  return spawn(
    'nice',
    ['-n', String(NICE), process.execPath, ...nodeFlags('worker'), path.join(repo, 'services/main.ts')],
    {
      env: {
        ...process.env,
        ...START_ENV,
        ...env,
        DATABASE_URL: databaseUrl,
        FERRY_ROLE: 'worker',
        FERRY_LOG_LEVEL: 'warn',
        FERRY_ALLOW_PRIVATE_ENDPOINTS: '1',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
}

/** Every thread of a process at nice NICE (setpriority on Linux reaches one thread, the one named). */
async function renice(pid: number) {
  for (const tid of await fs.readdir(`/proc/${pid}/task`)) os.setPriority(Number(tid), NICE);
}

// ---- The load.

/** Rows of api_tokens updated so far, and WAL written (statistics the backends report about every second). */
async function writes(): Promise<{ tokenUpdates: number; walBytes: number }> {
  const { rows } = await db.query(
    `SELECT (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'api_tokens')::bigint AS "tokenUpdates",
            (SELECT wal_bytes FROM pg_stat_wal)::bigint AS "walBytes"`,
  );
  return rows[0];
}

const pick = <T>(a: T[]): T => a[Math.floor(Math.random() * a.length)];
const endpoints: { name: string; path: (c: Caller) => string }[] = [
  { name: 'GET /api/v1/me', path: () => '/api/v1/me' },
  { name: 'GET /api/v1/tasks', path: () => '/api/v1/tasks' },
  { name: 'GET /api/v1/runs', path: () => '/api/v1/runs' },
  { name: 'GET /api/v1/runs/:id', path: (c) => `/api/v1/runs/${pick(c.runIds)}` },
  { name: 'GET /api/v1/tasks/:id/runs', path: (c) => `/api/v1/tasks/${pick(c.taskIds)}/runs` },
];

/**
 * RATE requests a second for `seconds`, each as a random caller of the sample, from autocannon.
 * autocannon paces a connection by letting it send its share of a second back to back and then wait
 * for the next second, every connection on the same tick: one instance fires each second's requests
 * at once, a burst of CONNECTIONS in flight. Steady: GENERATORS instances, started evenly across the
 * second, each with its share of the connections and the rate (`--burst`: one instance, as before).
 * Latencies are taken as measured from each answer: autocannon's correction for coordinated omission
 * takes ceil(1 / rate per connection) as the interval between requests, a rate per second read as ms
 * (1 ms for 10 a second, not 100), and so records up to a hundred made-up values below a slow answer.
 */
async function load(url: string, sample: Caller[], endpoint: (typeof endpoints)[number], seconds: number) {
  const generators = burst ? 1 : GENERATORS;
  const latencies: number[] = [];
  const results = await Promise.all(
    Array.from({ length: generators }, async (_, i) => {
      await new Promise((r) => setTimeout(r, (i * 1000) / generators));
      const instance = autocannon({
        url,
        connections: CONNECTIONS / generators,
        overallRate: RATE / generators,
        duration: seconds,
        ignoreCoordinatedOmission: true,
        requests: [
          {
            setupRequest: (req) => {
              const c = pick(sample);
              const headers = { authorization: `Bearer ${c.token}` };
              return { ...req, method: 'GET', path: endpoint.path(c), headers };
            },
          },
        ],
      });
      instance.on('response', (_client, status, _bytes, ms) => {
        if (status >= 200 && status < 300) latencies.push(ms);
      });
      return instance;
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    +(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(1);
  return {
    requests: results.reduce((n, r) => n + r.requests.total, 0),
    rps: Math.round(results.reduce((n, r) => n + r.requests.total, 0) / seconds), // each generator ran `seconds`
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: +(latencies.at(-1) ?? 0).toFixed(1),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
  };
}

/**
 * The machine's CPU per request, everything on it counted; and the requests a second its cores could
 * serve at the request's own cost: the API's, PostgreSQL's and the load generator's CPU. The transfer's
 * worker and S3 server are left out of that (nice 10 with --split, they give way under load), while its
 * statements stay in PostgreSQL's share, so the ceiling errs low, and is exact with --no-transfer.
 */
function machine(ms: {
  ferryCpuMs: number;
  pgCpuMs: number;
  loadCpuMs: number;
  workerCpuMs?: number;
  s3CpuMs?: number;
}) {
  const own = ms.ferryCpuMs + ms.pgCpuMs + ms.loadCpuMs;
  return {
    machineCpuMs: +(own + (ms.workerCpuMs ?? 0) + (ms.s3CpuMs ?? 0)).toFixed(2),
    ceilingRps: Math.round((os.availableParallelism() * 1000) / own),
  };
}

/** Each endpoint under load in turn, with the transfer going on; a row of figures each. */
async function measure(ferry: FerryProcess, sample: Caller[]) {
  const rows = [];
  for (const endpoint of endpoints.filter((e) => !only || only.some((o) => e.name.endsWith(`/${o}`)))) {
    await load(ferry.url, sample, endpoint, quick ? 1 : 3); // warm-up: JIT, pool, caches, prepared statements
    const before = await procStats(ferry.child.pid!);
    const workerBefore = worker ? await procStats(worker.pid!) : undefined;
    const pgBefore = await postgres.cpuSeconds();
    const s3Before = transfer ? (await procStats(transfer.s3Pid)).cpuSeconds : 0;
    const ownBefore = process.cpuUsage();
    const writesBefore = await writes();
    const r = await load(ferry.url, sample, endpoint, size.seconds);
    const own = process.cpuUsage(ownBefore);
    const after = await procStats(ferry.child.pid!);
    const workerAfter = worker ? await procStats(worker.pid!) : undefined;
    const pgAfter = await postgres.cpuSeconds();
    const s3After = transfer ? (await procStats(transfer.s3Pid)).cpuSeconds : 0;
    const writesAfter = await writes();
    const perRequest = (a: number, b: number, scale = 1) => +(((b - a) * scale) / r.requests).toFixed(2);
    const cpuMs = {
      ferryCpuMs: perRequest(before.cpuSeconds, after.cpuSeconds, 1000),
      ...(workerBefore && workerAfter
        ? { workerCpuMs: perRequest(workerBefore.cpuSeconds, workerAfter.cpuSeconds, 1000) }
        : {}),
      pgCpuMs: perRequest(pgBefore, pgAfter, 1000),
      // This process: autocannon sending the requests and reading the answers, and the transfer's driver.
      loadCpuMs: perRequest(0, (own.user + own.system) / 1e6, 1000),
      ...(transfer ? { s3CpuMs: perRequest(s3Before, s3After, 1000) } : {}),
    };
    rows.push({
      endpoint: endpoint.name,
      rps: r.rps,
      p50: r.p50,
      p90: r.p90,
      p99: r.p99,
      max: r.max,
      non2xx: r.non2xx,
      errors: r.errors,
      // Where the work goes: CPU time per request of the Ferry process (API, and the transfer beside it
      // unless --split put that in a worker process of its own), of PostgreSQL (its backends, those
      // that ended meanwhile included), of the load generator and of the transfer's S3 server; their
      // sum, and the ceiling the request's own cost sets on this machine's cores.
      ...cpuMs,
      ...machine(cpuMs),
      // Writes a read causes: rows of api_tokens updated, and WAL (the transfer's writes included).
      tokenWrites: perRequest(writesBefore.tokenUpdates, writesAfter.tokenUpdates),
      walBytes: Math.round(perRequest(writesBefore.walBytes, writesAfter.walBytes)),
      // The machine's load average as the window ends: the figures above are only as good as the CPU left.
      load: +os.loadavg()[0].toFixed(1),
    });
    console.table(rows.slice(-1));
  }
  return rows;
}

const users = size.users;
console.log(
  `Seeding ${users} users, ${users * TASKS_PER_USER} tasks, ${users * TASKS_PER_USER * RUNS_PER_TASK} runs ` +
    `(PostgreSQL in ${dir})`,
);
await seed(users);
const sample = await callers(SAMPLE_USERS);
const profDir = path.join(dir, 'profile');
const ferryEnv = { FERRY_DATA_DIR: path.join(dir, 'ferry'), FERRY_LOCAL_ROOTS: dir };
const ferry = await startFerry(dbUrl, {
  ...ferryEnv,
  ...(split ? { FERRY_ROLE: 'api' } : {}),
  ...(profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profDir}` } : {}),
});
const worker = split ? startWorker(dbUrl, ferryEnv) : undefined;
let transfer: Transfer | undefined;
let planResults: Awaited<ReturnType<typeof plans>>;
let rows: Awaited<ReturnType<typeof measure>>;
let transferred = { rounds: 0, files: 0, failedRuns: 0 };
try {
  planResults = await plans(ferry, sample[0]);
  transfer = withTransfer ? await startTransfer(ferry, dir) : undefined;
  rows = await measure(ferry, sample);
  transferred = (await transfer?.stop()) ?? transferred;
  transfer = undefined;
} finally {
  // Nothing left running, whatever failed.
  await transfer?.stop().catch(() => {});
  await ferry.stop();
  if (worker) {
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGTERM');
    await exited;
  }
}

const pacing = burst ? 'one burst a second' : `${GENERATORS} generators`;
console.log(
  `\n${users} users, ${users * TASKS_PER_USER} tasks, ${users * TASKS_PER_USER * RUNS_PER_TASK} runs; ` +
    `${RATE} requests/s over ${CONNECTIONS} connections (${pacing}) ` +
    `and ${sample.length} users' tokens, ${size.seconds} s each, ` +
    `latencies in ms; meanwhile ${transferred.rounds} transfer rounds of ${TRANSFER_FILES} files`,
);
console.table(rows);
for (const p of planResults) console.log(`${p.query}: ${p.indexes.join(', ') || 'no index!'}`);
const over = rows.filter((r) => r.p99 > TARGET_P99_MS || r.non2xx || r.errors);
if (over.length) console.log(`over the goal (p99 ≤ ${TARGET_P99_MS} ms, no errors): ${over.map((r) => r.endpoint)}`);

if (profile) {
  const kept = await tempDir('api-profile');
  for (const f of await fs.readdir(profDir)) await fs.rename(path.join(profDir, f), path.join(kept, f));
  console.log(`CPU profile of Ferry: ${kept}`);
}
console.log(
  `results: ${await writeResults('api', {
    seed: {
      users,
      tasks: users * TASKS_PER_USER,
      runs: users * TASKS_PER_USER * RUNS_PER_TASK,
      runItems: users * TASKS_PER_USER * ITEMS_PER_NEWEST_RUN,
    },
    load: {
      rate: RATE,
      connections: CONNECTIONS,
      generators: burst ? 1 : GENERATORS,
      split,
      seconds: size.seconds,
      callers: sample.length,
    },
    transfer: { filesPerRound: TRANSFER_FILES, fileBytes: TRANSFER_FILE_BYTES, ...transferred },
    targetP99Ms: TARGET_P99_MS,
    endpoints: rows,
    plans: planResults,
  })}`,
);
await db.end();
await postgres.server.stop();
await fs.rm(dir, { recursive: true, force: true });
