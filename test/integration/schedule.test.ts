// Scheduled runs start exactly once, even when two workers' ticks run at the same moment.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { PgBoss } from 'pg-boss';
import { createPool, type Db } from '../../services/core/db.ts';
import { BOSS_SCHEMA, QUEUES } from '../../services/core/queues.ts';
import { startDueRuns } from '../../services/worker/runs/schedule.ts';
import { signup, startTestApp, type TestApp } from '../support/app.ts';
import { localFolder } from '../support/local-space.ts';

let t: TestApp & { url: string };
let root: string;
const extra: { db: Db; boss: PgBoss }[] = [];

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-sched-')));
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root });
  for (let i = 0; i < 2; i++) {
    const boss = new PgBoss({
      connectionString: t.url,
      schema: BOSS_SCHEMA,
      supervise: false,
      schedule: false,
      max: 3,
    });
    await boss.start();
    extra.push({ db: createPool(t.url, 3), boss });
  }
});
afterAll(async () => {
  for (const w of extra) {
    await w.boss.stop({ graceful: false });
    await w.db.end();
  }
  await t.close();
  await fs.rm(root, { recursive: true, force: true });
});

test('two workers ticking at once start each due run exactly once and move every task to its next time', async () => {
  const a = await signup(t);
  const post = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer });
  await localFolder(root, a, 's');
  await localFolder(root, a, 'd');
  const s = (await post('/clouds', { kind: 'local', name: 's', options: { root: 's' } })).json().id;
  const d = (await post('/clouds', { kind: 'local', name: 'd', options: { root: 'd' } })).json().id;
  const base = {
    source: { cloudId: s },
    destination: { cloudId: d, path: 'x' },
    schedule: { frequency: 'daily', time: '04:00', timezone: 'Europe/Paris' },
  };
  const ids: string[] = [];
  for (let i = 0; i < 60; i++)
    ids.push((await post('/tasks', { ...base, name: `t${i}`, destination: { cloudId: d, path: `x${i}` } })).json().id);
  const due = ids.slice(0, 50);
  await t.db.query(`UPDATE tasks SET next_run_at = now() - interval '1 minute' WHERE id = ANY($1)`, [due]);
  // One of them still has a run going: its occurrence is skipped, not stacked.
  const busy = due[0];
  await post(`/tasks/${busy}/runs`, {});

  const now = new Date();
  const [n1, n2] = await Promise.all(extra.map((w) => startDueRuns(w.db, w.boss, now)));
  expect(n1 + n2).toBe(49);

  const runs = await t.db.query(
    `SELECT task_id, count(*)::int AS n, count(*) FILTER ` +
      `(WHERE trigger = 'schedule')::int AS scheduled FROM runs GROUP BY task_id`,
  );
  const byTask = new Map(runs.rows.map((r) => [r.task_id, r]));
  for (const id of due) expect(byTask.get(id)?.n).toBe(1);
  expect(byTask.get(busy).scheduled).toBe(0);
  for (const id of ids.slice(50)) expect(byTask.get(id)).toBe(undefined);

  const jobs = await t.db.query(`SELECT count(*)::int AS n FROM ${BOSS_SCHEMA}.job WHERE name = $1`, [QUEUES.runPlan]);
  // 49 scheduled plus the manual one
  expect(jobs.rows[0].n).toBe(50);
  const next = await t.db.query(`SELECT count(*)::int AS n FROM tasks WHERE id = ANY($1) AND next_run_at > now()`, [
    due,
  ]);
  expect(next.rows[0].n).toBe(50);
  const local = await t.db.query(
    `SELECT DISTINCT to_char(next_run_at AT TIME ZONE 'Europe/Paris', 'HH24:MI') AS at FROM tasks`,
  );
  expect(local.rows.map((r) => r.at)).toEqual(['04:00']);

  // nothing is due twice
  expect(await Promise.all(extra.map((w) => startDueRuns(w.db, w.boss)))).toEqual([0, 0]);
});

test('a paused task is not started when due; resumed, it runs at its next time and not before', async () => {
  const a = await signup(t);
  const req = (method: 'POST' | 'PATCH', url: string, payload: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, payload, headers: a.bearer });
  await localFolder(root, a, 'ps');
  await localFolder(root, a, 'pd');
  const s = (await req('POST', '/clouds', { kind: 'local', name: 'ps', options: { root: 'ps' } })).json().id;
  const d = (await req('POST', '/clouds', { kind: 'local', name: 'pd', options: { root: 'pd' } })).json().id;
  const task = (
    await req('POST', '/tasks', {
      name: 'paused',
      source: { cloudId: s },
      destination: { cloudId: d, path: 'x' },
      schedule: { frequency: 'daily', time: '04:00', timezone: 'UTC' },
    })
  ).json();
  // Due a minute ago, then paused.
  await t.db.query(`UPDATE tasks SET next_run_at = now() - interval '1 minute' WHERE id = $1`, [task.id]);
  const paused = await req('PATCH', `/tasks/${task.id}`, { paused: true });
  expect(paused.json().nextRunAt).toBe(null);
  const runsOf = async () =>
    (await t.db.query(`SELECT count(*)::int AS n FROM runs WHERE task_id = $1`, [task.id])).rows[0].n;

  // Days of ticks while paused: nothing starts.
  for (const at of [new Date(), new Date(Date.now() + 86_400_000), new Date(Date.now() + 3 * 86_400_000)])
    await startDueRuns(extra[0].db, extra[0].boss, at);
  expect(await runsOf()).toBe(0);

  // Resumed: the next 04:00 UTC from now, not the missed occurrences.
  const resumedAt = Date.now();
  const resumed = (await req('PATCH', `/tasks/${task.id}`, { paused: false })).json();
  const next = new Date(resumed.nextRunAt);
  expect(next.getTime() > resumedAt && next.getTime() <= resumedAt + 86_400_000).toBeTruthy();
  expect(next.toISOString().slice(11, 16)).toBe('04:00');
  // (Other tests' tasks may fall due at these moments too: only this task's runs are counted.)
  await startDueRuns(extra[0].db, extra[0].boss, new Date(next.getTime() - 1000));
  // not before its time
  expect(await runsOf()).toBe(0);
  await startDueRuns(extra[0].db, extra[0].boss, next);
  // at its time, one run
  expect(await runsOf()).toBe(1);
  const runs = await t.db.query(`SELECT trigger FROM runs WHERE task_id = $1`, [task.id]);
  expect(runs.rows).toEqual([{ trigger: 'schedule' }]);
});
