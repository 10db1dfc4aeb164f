// A claim, and a copy job's check as it ends, read a few entries of the (run_id, status, id) index,
// however few runs the table holds: with one earlier run of many items, the planner reckoned a walk
// of the primary key in id order cheap (half the rows are the run's), and each claim of the next
// run crossed every item of the earlier one first; the check counted every item of the run, then
// (as an EXISTS) scanned the whole table. pg_stat_get_xact_tuples_returned counts what was read.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Db } from '../../services/core/db.ts';
import { claim, planned } from '../../services/core/run-state.ts';
import { runById } from '../../services/core/runs.ts';
import { maybeFinalize } from '../../services/worker/runs/copy.ts';
import { signup, startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const ITEMS = 20_000;

test('a claim and the end-of-copy check read a few entries of the status index, not the runs before', async () => {
  const a = await signup(t);
  const cloud = async (n: string) =>
    (
      await t.db.query(`INSERT INTO clouds (user_id, kind, name, options) VALUES ($1, 'local', $2, $3) RETURNING id`, [
        a.id,
        n,
        { root: n },
      ])
    ).rows[0].id;
  const [src, dst] = [await cloud('src'), await cloud('dst')];
  const task = (
    await t.db.query(
      `INSERT INTO tasks (user_id, name, source_cloud_id, source, destination_cloud_id, destination)
       VALUES ($1, 'Photos', $2, $3, $4, $5) RETURNING id`,
      [a.id, src, { cloudId: src }, dst, { cloudId: dst, path: 'x' }],
    )
  ).rows[0].id;
  const run = async (status: string) =>
    (
      await t.db.query(
        `INSERT INTO runs (task_id, user_id, status, trigger) VALUES ($1, $2, $3, 'manual') RETURNING id`,
        [task, a.id, status],
      )
    ).rows[0].id as string;
  // Checked first before the table has statistics (as after a plan that wrote a large run at once), then with them.
  // Autovacuum is off before the rows go in: once they are in, it may analyze the table before it could be stopped.
  await t.db.query('ALTER TABLE run_items SET (autovacuum_enabled = false)');
  // The first run stopped at its quota with every item still pending; the second lists the same files.
  const [first, second] = [await run('quota_exceeded'), await run('running')];
  for (const r of [first, second])
    await t.db.query(
      `INSERT INTO run_items (run_id, source_id, path, size, dest_path, dest_key)
       SELECT $1, 'f' || n, 'photos/f' || n || '.jpg', 100, 'photos/f' || n || '.jpg', 'photos/f' || n || '.jpg'
         FROM generate_series(1, $2) AS n`,
      [r, ITEMS],
    );

  /**
   * What `fn` read of run_items, in one transaction rolled back after: rows of the table scanned in
   * order, and entries of its indexes (each: a claim's run_items_status_idx must be among them).
   */
  const reads = async <T>(fn: (c: Db) => Promise<T>) => {
    const c = await t.db.connect();
    // The counters hold what this connection did before, not yet flushed: what fn read is the difference.
    const counters = async () =>
      Object.fromEntries(
        (
          await c.query<{ name: string; tuples: string }>(
            `SELECT 'table' AS name, pg_stat_get_xact_tuples_returned('run_items'::regclass) AS tuples
             UNION ALL
             SELECT indexrelid::regclass::text, pg_stat_get_xact_tuples_returned(indexrelid)
               FROM pg_index WHERE indrelid = 'run_items'::regclass`,
          )
        ).rows.map((r) => [r.name, Number(r.tuples)]),
      );
    try {
      await c.query('BEGIN');
      const before = await counters();
      const out = await fn(c as unknown as Db);
      const after = await counters();
      await c.query('ROLLBACK');
      const read = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k]]));
      const { table, ...indexes } = read;
      return {
        out,
        table,
        indexes: Object.values(indexes).reduce((a, b) => a + b, 0),
        status: read.run_items_status_idx,
      };
    } finally {
      c.release();
    }
  };

  // The item itself, by its id, and one or two entries of the status index; no table scan. Without
  // statistics the planner thought the run held few items, and once sorted all of them for one
  // (on the (run_id, source_id) index: 300 ms a claim at 20,000 items, each lane's first).
  const reltuples = async () =>
    Number((await t.db.query(`SELECT reltuples FROM pg_class WHERE oid = 'run_items'::regclass`)).rows[0].reltuples);
  for (const analyzed of [false, true]) {
    // The end of a plan this large takes the statistics (nothing else here would: autovacuum is off).
    if (analyzed) {
      expect(await reltuples()).toBeLessThan(0);
      await planned(t.db, second, false);
      expect(await reltuples()).toBe(2 * ITEMS);
    }
    const claimed = await reads((c) => claim(c, second, 60, { after: '0', expired: true }));
    expect(claimed.out?.path).toBe('photos/f1.jpg');
    expect(claimed).toMatchObject({ table: 0, indexes: expect.any(Number), status: expect.any(Number) });
    expect(claimed.indexes).toBeLessThan(10);
    expect(claimed.status).toBeGreaterThan(0);
  }
  // A poll of the run's progress (GET /runs/:id) counts its items at work from the status index.
  // Without the statistics it read every item of the run through the (run_id, dest_key) index.
  const polled = await reads((c) => runById(c, second));
  expect(polled.out?.id).toBe(second);
  expect(polled.table).toBe(0);
  expect(polled.indexes).toBeLessThan(10);

  // The check a copy job makes as it ends (is anything left?) reads as little.
  const checked = await reads((c) => maybeFinalize({ db: c, boss: t.boss, timing: t.timing }, second));
  expect(checked.table).toBe(0);
  expect(checked.indexes).toBeLessThan(10);
  expect(checked.status).toBeGreaterThan(0);
  // With the cursor past every pending item, the claim looks again from the start of the run's.
  const again = await claim(t.db, second, 60, { after: String(Number.MAX_SAFE_INTEGER), expired: false });
  expect(again?.path).toBe('photos/f1.jpg');
}, 60_000);
