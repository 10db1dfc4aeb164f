// Jest runs this once before all test files (jest.config.js: globalSetup): one PostgreSQL server for
// the whole suite (embedded, or the one DATABASE_URL names) and a template database with Ferry's
// migrations and pg-boss's schema, from which every test file clones its own (test/support/db.ts);
// and the run's certificate authority for the emulators that serve HTTPS (test/support/test-ca.ts).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { createPool, migrate } from '../../services/core/db.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../services/core/embedded-postgres.ts';
import { BOSS_SCHEMA, ensureQueues } from '../../services/core/queues.ts';
import { TEMPLATE_DB, urlFor } from './db.ts';
import { installTestCa } from './test-ca.ts';

// Jest loads the teardown as a module of its own: what it must stop is left on globalThis.
const state = globalThis as { ferryTestPg?: { server?: EmbeddedPostgres; tmp?: string; tls?: string } };

export default async function globalSetup(): Promise<void> {
  // Before the workers start: NODE_EXTRA_CA_CERTS names the CA to them, and to every Ferry process a
  // test spawns; this process, where a lone test file runs, trusts it as of now.
  const tls = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-test-tls-'));
  installTestCa(tls);
  let server: EmbeddedPostgres | undefined;
  let tmp: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-test-pg-'));
    await fs.chmod(tmp, 0o755); // the server may run as the postgres user
    // Throwaway: a test's commits need not reach the disk, and fsyncs are most of what they cost.
    server = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), throwaway: true });
    adminUrl = server.url;
  }
  state.ferryTestPg = { server, tmp, tls };
  process.env.FERRY_TEST_PG_URL = adminUrl;
  // Password hashes at a test's cost (services/core/crypto.ts): the suite's thousands of sign-ups and
  // log-ins took minutes of CPU at Ferry's; auth.test.ts checks that cost without this.
  process.env.FERRY_TEST_SCRYPT_N ??= '1024';
  // The Ferry and s3rver processes tests spawn compile their modules once for the run, in Node's
  // compile cache where npm start keeps it (a folder per set of V8 flags), instead of at every start:
  // for Ferry about 0.4 CPU seconds a start, measured importing all of its modules.
  process.env.NODE_COMPILE_CACHE ??= path.resolve(import.meta.dirname, '../../node_modules/.cache/node');
  delete process.env.DATABASE_URL;

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();

  const url = urlFor(adminUrl, TEMPLATE_DB);
  const db = createPool(url, 2);
  await migrate(db);
  await db.end();
  const boss = new PgBoss({ connectionString: url, schema: BOSS_SCHEMA, supervise: false, schedule: false });
  await boss.start();
  await ensureQueues(boss);
  await boss.stop({ graceful: false });
}

export async function globalTeardown(): Promise<void> {
  const { server, tmp, tls } = state.ferryTestPg ?? {};
  await server?.stop();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  if (tls) await fs.rm(tls, { recursive: true, force: true });
}
