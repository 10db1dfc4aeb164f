// PostgreSQL access: one pool per process, a transaction helper and the migration runner.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parseTimestamptz } from './pg-timestamps.ts';

// bigint columns (byte counts) come back as JS numbers: 2^53 bytes is 8 PiB, far beyond any count here.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, parseTimestamptz);

export type Db = pg.Pool;
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

export function createPool(connectionString: string, max = 10): Db {
  const pool = new pg.Pool({ connectionString, max, application_name: 'ferry' });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

/**
 * The copy lanes' own pool on the same database, for their bookkeeping (claim, reserve, renew,
 * record): each lane has a connection of its own instead of queueing behind the API's, and its
 * commits do not wait for the disk (synchronous_commit off). A crash of PostgreSQL itself may then
 * forget the last fraction of a second of those records, all or nothing per statement; what is
 * left is exactly what a worker killed between an upload and its record leaves, and the engine
 * takes that up (the copy found in place is recorded, nothing copied twice). Anything committed
 * the usual way afterwards (a finalize job, a mail) carries the records before it to disk too.
 */
export function createLanePool(db: Db, max: number): Db {
  const pool = new pg.Pool({
    ...db.options,
    max,
    application_name: 'ferry-lanes',
    options: '-c synchronous_commit=off',
  });
  pool.on('error', () => {});
  return pool;
}

export async function transaction<T>(db: Db, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

export class MigrationError extends Error {}

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

async function readMigrations(dir: string): Promise<Migration[]> {
  const names = (await fs.readdir(dir)).filter((n) => /^\d{4}-[a-z0-9-]+\.sql$/.test(n)).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await fs.readFile(path.join(dir, name), 'utf8');
      return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/** The migrations on disk not yet applied to the database (all of them on an empty one). */
export async function pendingMigrations(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  const names = (await readMigrations(dir)).map((m) => m.name);
  const { rows: table } = await db.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`);
  const { rows } = table[0].exists
    ? await db.query<{ name: string }>('SELECT name FROM schema_migrations')
    : { rows: [] };
  const applied = new Set(rows.map((r) => r.name));
  return names.filter((n) => !applied.has(n));
}

// Any fixed number shared by every Ferry process: it serialises concurrent starts.
const MIGRATION_LOCK = 7_301_994_211;

/**
 * Applies the numbered SQL files not yet applied, each in its own transaction, under an advisory
 * lock so that several processes starting at once apply each file exactly once. An already applied
 * file whose content changed is refused: migrations are forward-only, a fix is a new file.
 * Returns the names applied now.
 */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await readMigrations(dir);
  const client = await db.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM schema_migrations',
    );
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    for (const m of migrations) {
      const known = applied.get(m.name);
      if (known !== undefined && known !== m.checksum) {
        throw new MigrationError(
          `Migration ${m.name} was changed after it was applied ` +
            `(checksum ${known.slice(0, 12)} in the database, ${m.checksum.slice(0, 12)} on disk). ` +
            'Applied migrations are never edited: restore the file and put the change in a new migration.',
        );
      }
    }
    const done: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.name)) continue;
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw new MigrationError(`Migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      done.push(m.name);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}
