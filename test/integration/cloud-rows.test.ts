// A connector's state in PostgreSQL: values dropped by prefix, and long lists (CloudRows) written in
// batches by writers that may race, read a page or a row at a time, replaced by newer lists, and gone
// with their cloud.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { cloudState } from '../../services/core/cloud-state.ts';
import { signup, startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

async function cloudOf(userId: string): Promise<string> {
  const { rows } = await t.db.query(
    `INSERT INTO clouds (user_id, kind, name, options) VALUES ($1, 'local', 'Exports', '{}') RETURNING id`,
    [userId],
  );
  return rows[0].id;
}

test('rows: paged in order, found by key, kept once under two writers, dropped with the lists replaced', async () => {
  const a = await signup(t);
  const [one, other] = [await cloudOf(a.id), await cloudOf(a.id)];
  const rows = cloudState(t.db, one).rows;
  const entries = Array.from({ length: 2500 }, (_, i) => ({ n: i + 1, key: `m:${i}`, value: { i, at: 'x' } }));
  // Two writers of the same list at once (two plans of one catalogue): each row once, as first written.
  await Promise.all([
    rows.add('c1', entries),
    rows.add(
      'c1',
      entries.map((e) => ({ ...e, value: { late: true } })),
    ),
  ]);
  const seen: number[] = [];
  for (let after = 0; ; ) {
    const page = await rows.page('c1', after, 1000);
    if (!page.length) break;
    seen.push(...page.map((r) => r.n));
    after = page.at(-1)!.n;
  }
  expect(seen).toEqual(entries.map((e) => e.n));
  expect([{ i: 1234, at: 'x' }, { late: true }]).toContainEqual(await rows.get('c1', 'm:1234'));
  expect(await rows.get('c1', 'm:nope')).toBeUndefined();
  expect(await rows.get('c2', 'm:1')).toBeUndefined();

  // Another cloud's list of the same name is its own.
  await cloudState(t.db, other).rows.add('c1', [{ n: 1, key: 'm:0', value: { theirs: true } }]);
  expect(await rows.get('c1', 'm:0')).not.toEqual({ theirs: true });

  await rows.add('c2', [{ n: 1, key: 'm:0', value: 2 }]);
  await rows.add('c3', [{ n: 1, key: 'm:0', value: 3 }]);
  await rows.dropAllBut(['c2', 'c3']);
  expect(await rows.page('c1', 0, 10)).toEqual([]);
  expect(await rows.get('c3', 'm:0')).toBe(3);
  expect(await cloudState(t.db, other).rows.get('c1', 'm:0')).toEqual({ theirs: true });

  await t.db.query('DELETE FROM clouds WHERE id = $1', [one]);
  const left = await t.db.query('SELECT count(*)::int AS n FROM cloud_rows WHERE cloud_id = $1', [one]);
  expect(left.rows[0].n).toBe(0);
});

test('state: drop takes the values under a prefix but those under the one kept, of this cloud only', async () => {
  const a = await signup(t);
  const [one, other] = [await cloudOf(a.id), await cloudOf(a.id)];
  const state = cloudState(t.db, one);
  const keys = ['page:s:001:old:m0', 'page:s:001:old:s0', 'page:s:001:new:m0', 'page:s:0010:old:m0', 'part:s:001'];
  for (const key of keys) await state.set(key, { key });
  await cloudState(t.db, other).set('page:s:001:old:m0', 'theirs');
  // A part's pages of other tags (an earlier indexing's): its own new ones, another part's, and its record stay.
  await state.drop('page:s:001:', 'page:s:001:new:');
  expect((await state.list('')).map((r) => r.key)).toEqual(['page:s:001:new:m0', 'page:s:0010:old:m0', 'part:s:001']);
  // Without a prefix to keep: all under it.
  await state.drop('page:');
  expect((await state.list('')).map((r) => r.key)).toEqual(['part:s:001']);
  expect(await cloudState(t.db, other).get('page:s:001:old:m0')).toBe('theirs');
});
