// A claim reads the (run_id, status, id) index, not the whole table, however few runs the table
// holds: with one earlier run of many items, the planner reckoned a walk of the primary key in id
// order cheap (half the rows are the run's), and each claim of the next run crossed every item of
// the earlier one first. pg_stat_get_xact_tuples_returned counts the index entries the claim's transaction read.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { claim } from '../../services/core/run-state.ts';
import { signup, startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const ITEMS = 20_000;

test("a claim reads the run's own items in the status index, not the items of the runs before it", async () => {
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
  // The first run stopped at its quota with every item still pending; the second lists the same files.
  const [first, second] = [await run('quota_exceeded'), await run('running')];
  for (const r of [first, second])
    await t.db.query(
      `INSERT INTO run_items (run_id, source_id, path, size)
       SELECT $1, 'f' || n, 'photos/f' || n || '.jpg', 100 FROM generate_series(1, $2) AS n`,
      [r, ITEMS],
    );
  await t.db.query('ANALYZE run_items');

  const c = await t.db.connect();
  try {
    await c.query('BEGIN');
    const held = await claim(c, second, 60, { after: '0', expired: true });
    const { rows } = await c.query<{ indexrelname: string; tuples: string }>(
      `SELECT i::text AS indexrelname, pg_stat_get_xact_tuples_returned(i) AS tuples
         FROM unnest(ARRAY['run_items_pkey'::regclass, 'run_items_status_idx'::regclass]) AS i`,
    );
    await c.query('ROLLBACK');
    expect(held?.path).toBe('photos/f1.jpg');
    const read = Object.fromEntries(rows.map((r) => [r.indexrelname, Number(r.tuples)]));
    // The item itself, by its id; the look-ups one or two entries of the status index.
    expect(read.run_items_pkey).toBeLessThan(10);
    expect(read.run_items_status_idx).toBeGreaterThan(0);
    expect(read.run_items_status_idx).toBeLessThan(10);
  } finally {
    c.release();
  }
  // With the cursor past every pending item, the claim looks again from the start of the run's.
  const again = await claim(t.db, second, 60, { after: String(Number.MAX_SAFE_INTEGER), expired: false });
  expect(again?.path).toBe('photos/f1.jpg');
}, 60_000);
