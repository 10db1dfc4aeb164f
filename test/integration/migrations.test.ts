import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { createPool, migrate, MIGRATIONS_DIR, MigrationError, type Db } from '../../services/core/db.ts';
import { createTestDatabase } from '../support/db.ts';

/** Tables, columns, indexes and constraints: what a migration can change. */
async function schemaOf(db: Db): Promise<string> {
  const cols = await db.query(`SELECT table_name, column_name, data_type, is_nullable, column_default
      FROM information_schema.columns
    WHERE table_schema = 'public' ORDER BY table_name, column_name`);
  const idx = await db.query(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`,
  );
  const cons = await db.query(
    `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint ` +
      `WHERE connamespace = 'public'::regnamespace ORDER BY conname`,
  );
  const rows = await db.query('SELECT id, monthly_traffic_bytes FROM plans ORDER BY id');
  return JSON.stringify([cols.rows, idx.rows, cons.rows, rows.rows]);
}

test('migrations apply once: a second run changes nothing', async () => {
  const database = await createTestDatabase({ migrated: false });
  const db = createPool(database.url, 2);
  try {
    const first = await migrate(db);
    expect(first).toEqual((await fs.readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort());
    const schema = await schemaOf(db);
    expect(await migrate(db)).toEqual([]);
    expect(await schemaOf(db)).toBe(schema);
    const { rows } = await db.query('SELECT name, length(checksum) AS len FROM schema_migrations');
    expect(rows.map((r) => [r.name, r.len])).toEqual(first.map((n) => [n, 64]));
  } finally {
    await db.end();
    await database.drop();
  }
});

test('processes starting together apply each migration exactly once', async () => {
  const database = await createTestDatabase({ migrated: false });
  const pools = [createPool(database.url, 2), createPool(database.url, 2), createPool(database.url, 2)];
  try {
    const results = await Promise.all(pools.map((p) => migrate(p)));
    // each file applied by one process only
    expect(results.flat().length).toBe(results.find((r) => r.length)!.length);
    const { rows } = await pools[0].query('SELECT count(*)::int AS n FROM plans');
    expect(rows[0].n).toBe(1);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
    await database.drop();
  }
});

test('an applied migration that was edited is refused with a clear error, and nothing runs', async () => {
  const database = await createTestDatabase({ migrated: false });
  const db = createPool(database.url, 2);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-mig-'));
  try {
    for (const f of await fs.readdir(MIGRATIONS_DIR))
      await fs.copyFile(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    await migrate(db, dir);
    await fs.appendFile(path.join(dir, '0001-initial.sql'), '\n-- an innocent-looking edit\n');
    await fs.writeFile(path.join(dir, '9999-later.sql'), 'CREATE TABLE should_not_exist (id int);');
    await expect(migrate(db, dir)).rejects.toSatisfy((err: Error) => {
      expect(err).toBeInstanceOf(MigrationError);
      expect(err.message).toMatch(/0001-initial\.sql was changed after it was applied/);
      expect(err.message).toMatch(/new migration/);
      return true;
    });
    const { rows } = await db.query("SELECT to_regclass('should_not_exist') AS t");
    expect(rows[0].t).toBe(null);
  } finally {
    await db.end();
    await database.drop();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a failing migration leaves nothing half-applied', async () => {
  const database = await createTestDatabase({ migrated: false });
  const db = createPool(database.url, 2);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-mig-'));
  try {
    await fs.writeFile(path.join(dir, '0001-ok.sql'), 'CREATE TABLE a (id int);');
    await fs.writeFile(path.join(dir, '0002-broken.sql'), 'CREATE TABLE b (id int); SELECT no_such_function();');
    await expect(migrate(db, dir)).rejects.toThrow(/0002-broken\.sql failed/);
    const { rows } = await db.query("SELECT to_regclass('a') AS a, to_regclass('b') AS b");
    expect(rows[0]).toEqual({ a: 'a', b: null });
    const applied = await db.query('SELECT name FROM schema_migrations');
    expect(applied.rows.map((r) => r.name)).toEqual(['0001-ok.sql']);
  } finally {
    await db.end();
    await database.drop();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
