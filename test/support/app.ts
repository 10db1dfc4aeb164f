// A Ferry API on its own database, driven through app.inject, plus helpers to act as a user.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PgBoss } from 'pg-boss';
import { buildApp, type App } from '../../services/api/app.ts';
import { loadConfig, type Config } from '../../services/core/config.ts';
import { createKeyring, type Keyring } from '../../services/core/crypto.ts';
import { createPool, type Db } from '../../services/core/db.ts';
import { createLogger } from '../../services/core/logger.ts';
import { defaultTiming, type Timing } from '../../services/core/timing.ts';
import { BOSS_SCHEMA, ensureQueues } from '../../services/core/queues.ts';
import { buildWorker } from '../../services/worker/worker.ts';
import { createTestDatabase } from './db.ts';

export interface TestApp {
  app: App;
  db: Db;
  boss: PgBoss;
  config: Readonly<Config>;
  keyring: Keyring;
  /** The clock and durations the app's workers keep to: a test may change them to drive time. */
  timing: Timing;
  close(): Promise<void>;
}

/**
 * The API on a database of its own; with `worker: true` a worker in the same process works the
 * queues, as `FERRY_ROLE=all` does.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  opts: { worker?: boolean; timing?: Partial<Timing>; log?: NodeJS.WritableStream } = {},
): Promise<TestApp & { url: string }> {
  const database = await createTestDatabase();
  // Its own data folder: mail without SMTP_URL is written there as .eml files.
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-data-'));
  const config = loadConfig({ FERRY_DATA_DIR: dataDir, FERRY_AUTH_RATE_LIMIT: '1000', ...env });
  const db = createPool(database.url, 10);
  const boss = new PgBoss({
    connectionString: database.url,
    schema: BOSS_SCHEMA,
    supervise: Boolean(opts.worker),
    schedule: false,
    superviseIntervalSeconds: 10,
    monitorIntervalSeconds: 10,
    useListenNotify: Boolean(opts.worker),
    max: 4,
  });
  await boss.start();
  await ensureQueues(boss);
  const keyring = createKeyring([
    env.FERRY_SECRET_KEY ? Buffer.from(env.FERRY_SECRET_KEY, 'base64') : crypto.randomBytes(32),
  ]);
  // `log`: every line the API and the worker write, at debug level (the secrets test reads them).
  const logger = opts.log ? createLogger('debug', opts.log) : undefined;
  const app = await buildApp({ config, db, boss, keyring, logger: logger ?? false });
  await app.ready();
  // One object the workers read at every use: a test that sets its clock ahead moves theirs too.
  const timing: Timing = { ...defaultTiming, ...opts.timing };
  if (opts.worker)
    await buildWorker({
      config,
      db,
      boss,
      keyring,
      timing,
      log: logger ?? createLogger(process.env.FERRY_TEST_LOG ?? 'silent'),
    });
  return {
    url: database.url,
    app,
    db,
    boss,
    config,
    keyring,
    timing,
    async close() {
      await app.close();
      // Graceful: jobs still at work (a retried mail, a webhook) finish before the database goes.
      await boss.stop({ graceful: true, timeout: 10_000 });
      await db.end();
      // pg-boss may still be closing connections of its own; dropping the database under them would
      // end them with an error nobody handles.
      await database.drop({ waitForConnections: 5000 });
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits for a run to end and returns it as the API shows it. */
export async function waitForRun(
  t: TestApp,
  actor: Actor,
  runId: string,
  timeoutMs = 60_000,
): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: actor.bearer });
    const run = res.json();
    if (!['queued', 'running'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms: ${res.body}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until the workers have nothing left to do now: no job is at work, and none is due (a job
 * due later, such as a retry after a backoff or a run's delayed look again, is not waited for; nor
 * are dead letters). Whatever the work queued so far sends (a mail, a webhook, an upload, its
 * abort) is sent once this returns, so a test can then check that nothing more was: it cannot
 * check too early, as it could after a fixed sleep.
 */
export async function settled(t: Pick<TestApp, 'db'>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await t.db.query<{ name: string; state: string; data: unknown; started_on: Date | null }>(
      `SELECT name, state, data, started_on FROM ${BOSS_SCHEMA}.job
        WHERE name NOT LIKE '%-dead'
          AND (state = 'active' OR (state IN ('created', 'retry') AND start_after <= now()))`,
    );
    if (!rows.length) return;
    if (Date.now() > deadline) throw new Error(`jobs still at work after ${timeoutMs} ms: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Actor {
  id: string;
  email: string;
  /** Headers for a cookie session, with the CSRF token. */
  headers: Record<string, string>;
  /** Headers for a personal access token. */
  bearer: Record<string, string>;
}

let counter = 0;
export async function signup(
  t: TestApp,
  email = `user${++counter}-${crypto.randomBytes(3).toString('hex')}@example.com`,
): Promise<Actor> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: { email, password: 'correct horse battery' },
  });
  if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  const cookie = res.cookies.find((c) => c.name === 'ferry_session')!;
  const headers = { cookie: `ferry_session=${cookie.value}`, 'x-csrf-token': body.csrfToken };
  const tok = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers, payload: { name: 'tests' } });
  return { id: body.user.id, email, headers, bearer: { authorization: `Bearer ${tok.json().token}` } };
}

/**
 * An OAuth cloud of `kind` as a completed sign-in leaves it, with tokens from the provider's
 * emulator (the sign-in itself is tested in oauth-clouds.test.ts).
 */
export async function connectedCloud(
  t: TestApp,
  actor: Actor,
  kind: string,
  fake: {
    oauth: { issueTokens(): { accessToken: string; refreshToken: string; expiresIn: number } };
    account: { id: string; email: string };
  },
): Promise<string> {
  const tokens = fake.oauth.issueTokens();
  const sealed = t.keyring.seal(
    JSON.stringify({
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: Date.now() + tokens.expiresIn * 1000,
    }),
  );
  const { rows } = await t.db.query(
    `INSERT INTO clouds (user_id, kind, name, options, secrets, key_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [
      actor.id,
      kind,
      fake.account.email,
      { accountId: fake.account.id, account: fake.account.email },
      sealed,
      t.keyring.currentId,
    ],
  );
  return rows[0].id;
}

/** A snapshot of every row of Ferry's tables, to prove that a refused request changed nothing. */
export async function snapshot(db: Db): Promise<string> {
  const tables = [
    'users',
    'sessions',
    'api_tokens',
    'usage',
    'clouds',
    'tasks',
    'runs',
    'run_items',
    'manifest',
    'copies',
    'mail_outbox',
    'webhook_deliveries',
    'email_verifications',
    'account_tokens',
    'recovery_codes',
    'plans',
  ];
  // One round trip: the fuzzing tests take a snapshot around each of thousands of requests.
  // last_used_at and last_used_ip move whenever a token is used, which is not a change a request made.
  const rows = (t: string) =>
    `'${t}', (SELECT coalesce(jsonb_agg(r ORDER BY r::text), '[]')
               FROM (SELECT to_jsonb(x) - 'last_used_at' - 'last_used_ip' AS r FROM ${t} x) y)`;
  const { rows: all } = await db.query(
    `SELECT jsonb_build_object(${tables.map(rows).join(', ')},
            'jobs', (SELECT count(*) FROM ${BOSS_SCHEMA}.job))::text AS s`,
  );
  return all[0].s;
}

/** Another worker process's worth of workers on the same database (its own pg-boss instance). */
export async function addWorker(t: TestApp & { url: string }): Promise<() => Promise<void>> {
  const boss = new PgBoss({
    connectionString: t.url,
    schema: BOSS_SCHEMA,
    supervise: true,
    schedule: false,
    useListenNotify: true,
    max: 4,
  });
  await boss.start();
  await buildWorker({
    config: t.config,
    db: t.db,
    boss,
    keyring: t.keyring,
    timing: t.timing,
    log: createLogger('silent'),
  });
  return () => boss.stop({ graceful: false });
}
