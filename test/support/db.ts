// A database of its own for each test file, cloned from the migrated template: files run in
// parallel without seeing each other's rows.
import crypto from 'node:crypto';
import pg from 'pg';

export const TEMPLATE_DB = 'ferry_test_template';

export function urlFor(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

function serverUrl(): string {
  const url = process.env.FERRY_TEST_PG_URL;
  if (!url) throw new Error('FERRY_TEST_PG_URL is unset: run the tests with npm test (test/support/global-setup.ts).');
  return url;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: serverUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh database; `migrated: false` gives an empty one (for migration tests). */
export async function createTestDatabase(
  opts: { migrated?: boolean } = {},
): Promise<{ url: string; drop(opts?: { waitForConnections?: number }): Promise<void> }> {
  const name = `ferry_test_${crypto.randomBytes(6).toString('hex')}`;
  await admin(async (c) => {
    // CREATE DATABASE … TEMPLATE fails if another session is cloning the template at the same moment.
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(
          opts.migrated === false ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`,
        );
        return;
      } catch (err) {
        if (attempt > 50 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  });
  return {
    url: urlFor(serverUrl(), name),
    drop: (o = {}) =>
      admin(async (c) => {
        // Give clients that are closing the time to go, then force out whatever is left.
        const deadline = Date.now() + (o.waitForConnections ?? 0);
        while (Date.now() < deadline) {
          const { rows } = await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if (rows[0].n === 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}
