// GET /runs: an account's runs across its tasks, newest first, with the task's name; paged by
// cursor; ?active=true for those queued or running. Another account's runs never appear.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { signup, startTestApp, type Actor, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const get = (actor: Actor, url: string) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: actor.bearer });

/** A task of the actor's, straight into the table (no run ever reaches its clouds). */
async function task(actor: Actor, name: string): Promise<string> {
  const cloud = async (n: string) =>
    (
      await t.db.query(`INSERT INTO clouds (user_id, kind, name, options) VALUES ($1, 'local', $2, $3) RETURNING id`, [
        actor.id,
        n,
        { root: n },
      ])
    ).rows[0].id;
  const [src, dst] = [await cloud('src'), await cloud('dst')];
  const { rows } = await t.db.query(
    `INSERT INTO tasks (user_id, name, source_cloud_id, source, destination_cloud_id, destination) ` +
      `VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [actor.id, name, src, { cloudId: src }, dst, { cloudId: dst, path: 'x' }],
  );
  return rows[0].id;
}

/** Runs of a task with the given statuses, one a minute apart back from `start` (the first is newest). */
async function runs(actor: Actor, taskId: string, statuses: string[], start = Date.now()): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, status] of statuses.entries()) {
    const { rows } = await t.db.query(
      `INSERT INTO runs (task_id, user_id, status, trigger, created_at, total_items, done_items) ` +
        `VALUES ($1, $2, $3, 'schedule', $4, 10, 3) RETURNING id`,
      [taskId, actor.id, status, new Date(start - i * 60_000)],
    );
    ids.push(rows[0].id);
  }
  return ids;
}

test('an account sees its own runs across tasks, newest first, with the task name, paged past a page', async () => {
  const a = await signup(t);
  const b = await signup(t);
  const photos = await task(a, 'Photos');
  const docs = await task(a, 'Documents');
  const now = Date.now();
  // Interleaved in time: Photos at now, now-2m, …; Documents at now-1m, now-3m, …
  const p = await runs(a, photos, ['running', ...Array(59).fill('succeeded')], now);
  const d = await runs(a, docs, Array(60).fill('partial'), now - 30_000);
  // Two runs created in the same instant: the cursor still tells them apart.
  const same = new Date(now - 10 * 86_400_000);
  const tied = [
    (
      await t.db.query(
        `INSERT INTO runs (task_id, user_id, status, trigger, created_at) ` +
          `VALUES ($1, $2, 'failed', 'manual', $3) RETURNING id`,
        [photos, a.id, same],
      )
    ).rows[0].id,
    (
      await t.db.query(
        `INSERT INTO runs (task_id, user_id, status, trigger, created_at) ` +
          `VALUES ($1, $2, 'failed', 'manual', $3) RETURNING id`,
        [docs, a.id, same],
      )
    ).rows[0].id,
  ];
  await runs(b, await task(b, 'Theirs'), ['running', 'succeeded', 'failed'], now + 60_000);

  const seen: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await get(a, `/runs?limit=25${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items.length).toBeLessThanOrEqual(25);
    seen.push(...body.items);
    cursor = body.nextCursor;
    pages++;
  } while (cursor);
  expect(pages).toBe(Math.ceil(122 / 25));
  expect(seen.length).toBe(122);
  // no run twice
  expect(new Set(seen.map((r) => r.id)).size).toBe(122);
  const expected = [
    ...p.map((id, i) => ({ id, at: now - i * 60_000 })),
    ...d.map((id, i) => ({ id, at: now - 30_000 - i * 60_000 })),
  ]
    .sort((x, y) => y.at - x.at)
    .map((x) => x.id);
  expect(seen.slice(0, 120).map((r) => r.id)).toEqual(expected);
  expect(new Set(seen.slice(120).map((r) => r.id))).toEqual(new Set(tied));
  expect(seen.every((r) => r.taskName === (r.taskId === photos ? 'Photos' : 'Documents'))).toBeTruthy();
  expect(seen[0].totals).toEqual({ items: 10, bytes: 0 });
  expect(seen[0].status).toBe('running');
  expect(seen[0].trigger).toBe('schedule');
  expect(!('notifications' in seen[0])).toBeTruthy();

  // B sees only its own three; neither sees the other's.
  const theirs = (await get(b, '/runs')).json();
  expect(theirs.items.map((r: any) => r.taskName)).toEqual(['Theirs', 'Theirs', 'Theirs']);
  expect(theirs.nextCursor).toBe(null);
});

test('?active=true lists only the queued and running runs', async () => {
  const a = await signup(t);
  const one = await task(a, 'One');
  const two = await task(a, 'Two');
  const three = await task(a, 'Three');
  const [running] = await runs(a, one, ['running', 'succeeded', 'cancelled', 'quota_exceeded']);
  const [queued] = await runs(a, two, ['queued', 'failed'], Date.now() - 1000);
  await runs(a, three, ['partial']);
  const other = await signup(t);
  await runs(other, await task(other, 'Other'), ['running']);

  const active = (await get(a, '/runs?active=true')).json();
  expect(active.items.map((r: any) => [r.id, r.status, r.taskName])).toEqual([
    [running, 'running', 'One'],
    [queued, 'queued', 'Two'],
  ]);
  expect(active.nextCursor).toBe(null);
  const firstOnly = (await get(a, '/runs?active=true&limit=1')).json();
  expect(firstOnly.items.length).toBe(1);
  const rest = (await get(a, `/runs?active=true&limit=1&cursor=${firstOnly.nextCursor}`)).json();
  expect(rest.items.map((r: any) => r.id)).toEqual([queued]);
  expect((await get(a, '/runs?active=false')).json().items.length).toBe(7);
  expect((await get(a, '/runs')).json().items.length).toBe(7);
});

test('bad queries are refused with 400; signed-out requests with 401', async () => {
  const a = await signup(t);
  for (const q of ['limit=0', 'limit=101', 'limit=x', 'active=yes', 'cursor=nonsense', 'other=1']) {
    const res = await get(a, `/runs?${q}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message.length).toBeGreaterThan(5);
  }
  expect((await get(a, '/runs?limit=100')).statusCode).toBe(200);
  const anon = await t.app.inject({ method: 'GET', url: '/api/v1/runs' });
  expect(anon.statusCode).toBe(401);
  expect(anon.json().error.code).toBe('unauthorized');
});
