import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { BOSS_SCHEMA, QUEUES } from '../../services/core/queues.ts';
import { signup, snapshot, startTestApp, type Actor, type TestApp } from '../support/app.ts';

let t: TestApp;
let root: string;
let a: Actor;
let src: string;
let dst: string;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-tasks-')));
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root });
  a = await signup(t);
  // Local clouds live in their owner's space, <FERRY_LOCAL_ROOTS>/<user id>/, named from there.
  for (const f of ['photos', 'backup']) await fs.mkdir(path.join(root, a.id, f), { recursive: true });
  src = (await req('POST', '/clouds', { kind: 'local', name: 'Photos', options: { root: 'photos' } })).json().id;
  dst = (await req('POST', '/clouds', { kind: 'local', name: 'Backup', options: { root: 'backup' } })).json().id;
});
afterAll(async () => {
  await t.close();
  await fs.rm(root, { recursive: true, force: true });
});

function req(method: string, url: string, payload?: unknown, headers = a.headers) {
  return t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, payload: payload as object, headers });
}

const minimal = () => ({
  name: 'Family photos → NAS',
  source: { cloudId: src },
  destination: { cloudId: dst, path: '/photos/' },
});

describe('tasks', () => {
  test('create fills defaults and normalises paths', async () => {
    const res = await req('POST', '/tasks', minimal());
    expect(res.statusCode).toBe(201);
    const task = res.json();
    expect(task.destination.path).toBe('photos');
    expect(task.options).toEqual({ conflict: 'skip', verify: true });
    expect(task.notify).toEqual({ on: 'failure' });
    expect(task.schedule).toBe(null);
    expect(task.nextRunAt).toBe(null);
    expect((await req('GET', `/tasks/${task.id}`)).json()).toEqual(task);
  });

  test('a schedule gets its next run in the task’s time zone', async () => {
    const res = await req('POST', '/tasks', {
      ...minimal(),
      schedule: { frequency: 'weekly', time: '03:30', timezone: 'Europe/Berlin', weekday: 0 },
      filter: { include: ['**/*.jpg'], mediaTypes: ['photo', 'video'], minSize: 1, after: '2020-01-01' },
      options: { conflict: 'rename', verify: true, layout: '{yyyy}/{mm}/{name}' },
      notify: { on: 'always', email: 'family@example.com' },
    });
    expect(res.statusCode).toBe(201);
    const next = new Date(res.json().nextRunAt);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      weekday: 'long',
      hour: '2-digit',
      minute: '2-digit',
    }).format(next);
    expect(local).toBe('Sunday 03:30');
    const { rows } = await t.db.query('SELECT next_run_at FROM tasks WHERE id = $1', [res.json().id]);
    expect(rows[0].next_run_at.toISOString()).toBe(next.toISOString());
  });

  test('patch replaces what it names; null removes the schedule', async () => {
    const created = (
      await req('POST', '/tasks', { ...minimal(), schedule: { frequency: 'daily', time: '01:00', timezone: 'UTC' } })
    ).json();
    const renamed = await req('PATCH', `/tasks/${created.id}`, { name: 'Renamed' });
    expect(renamed.json().name).toBe('Renamed');
    expect(renamed.json().nextRunAt).toBe(created.nextRunAt);
    const unscheduled = await req('PATCH', `/tasks/${created.id}`, { schedule: null });
    expect(unscheduled.statusCode).toBe(200);
    expect(unscheduled.json().schedule).toBe(null);
    expect(unscheduled.json().nextRunAt).toBe(null);
  });

  test('source and destination must be the user’s clouds and must not overlap', async () => {
    const before = await snapshot(t.db);
    const other = await signup(t);
    const foreign = (
      await req('POST', '/clouds', { kind: 'local', name: 'Theirs', options: { root: '' } }, other.headers)
    ).json().id;
    const snap = await snapshot(t.db);
    const cases: [unknown, RegExp][] = [
      [{ ...minimal(), source: { cloudId: foreign } }, /source.cloudId: no such cloud/],
      [
        { ...minimal(), destination: { cloudId: '00000000-0000-4000-8000-000000000000', path: 'x' } },
        /destination.cloudId: no such cloud/,
      ],
      [{ ...minimal(), destination: { cloudId: src, path: 'sub' } }, /overlap/],
      [{ ...minimal(), source: { cloudId: src, pickerSessionId: 'abc' } }, /picker sessions/],
    ];
    for (const [body, message] of cases) {
      const res = await req('POST', '/tasks', body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(message);
    }
    expect(await snapshot(t.db)).toBe(snap);
    expect(before).not.toBe(snap);
  });

  test('lists page with a cursor', async () => {
    const b = await signup(t);
    const s = (await req('POST', '/clouds', { kind: 'local', name: 'S', options: { root: '' } }, b.headers)).json().id;
    const d = (await req('POST', '/clouds', { kind: 'local', name: 'D', options: { root: '' } }, b.headers)).json().id;
    for (let i = 0; i < 5; i++) {
      await req(
        'POST',
        '/tasks',
        { name: `T${i}`, source: { cloudId: s }, destination: { cloudId: d, path: `p${i}` } },
        b.headers,
      );
    }
    const names: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await req('GET', `/tasks?limit=2${cursor ? `&cursor=${cursor}` : ''}`, undefined, b.headers);
      expect(res.statusCode).toBe(200);
      names.push(...res.json().items.map((x: { name: string }) => x.name));
      cursor = res.json().nextCursor;
      pages++;
    } while (cursor);
    expect(names).toEqual(['T0', 'T1', 'T2', 'T3', 'T4']);
    expect(pages).toBe(3);
    const bad = await req('GET', '/tasks?cursor=garbage', undefined, b.headers);
    expect(bad.statusCode).toBe(400);
    const forged = await req(
      'GET',
      `/tasks?cursor=${Buffer.from(JSON.stringify(['not a time', 'x'])).toString('base64url')}`,
      undefined,
      b.headers,
    );
    expect(forged.statusCode).toBe(400);
  });
});

describe('pausing', () => {
  const daily = { frequency: 'daily', time: '01:00', timezone: 'UTC' };

  test(
    'a paused task keeps its schedule without a next run; ' + 'resuming schedules from now; Run now still works',
    async () => {
      const created = (
        await req('POST', '/tasks', { ...minimal(), destination: { cloudId: dst, path: 'paused' }, schedule: daily })
      ).json();
      expect(created.paused).toBe(false);
      expect(created.nextRunAt).toBeTruthy();
      const paused = await req('PATCH', `/tasks/${created.id}`, { paused: true });
      expect(paused.statusCode).toBe(200);
      expect(paused.json().paused).toBe(true);
      expect(paused.json().schedule).toEqual(daily);
      expect(paused.json().nextRunAt).toBe(null);
      // A new schedule while paused is kept, still without a next run.
      const moved = await req('PATCH', `/tasks/${created.id}`, { schedule: { ...daily, time: '02:00' } });
      expect(moved.json().schedule.time).toBe('02:00');
      expect(moved.json().nextRunAt).toBe(null);
      expect(
        (await t.db.query('SELECT next_run_at, paused FROM tasks WHERE id = $1', [created.id])).rows[0].paused,
      ).toBe(true);

      const run = await req('POST', `/tasks/${created.id}/runs`);
      // Run now works on a paused task
      expect(run.statusCode).toBe(202);
      await req('POST', `/runs/${run.json().run.id}/cancel`);

      const before = Date.now();
      const resumed = await req('PATCH', `/tasks/${created.id}`, { paused: false });
      expect(resumed.json().paused).toBe(false);
      const next = Date.parse(resumed.json().nextRunAt);
      // the next 02:00 UTC after now
      expect(next > before && next <= before + 24 * 3600_000).toBeTruthy();
      expect(new Date(next).toISOString().slice(11, 16)).toBe('02:00');
    },
  );

  test('another user cannot pause a task: 404, nothing changes', async () => {
    const created = (
      await req('POST', '/tasks', { ...minimal(), destination: { cloudId: dst, path: 'mine' }, schedule: daily })
    ).json();
    const other = await signup(t);
    const res = await req('PATCH', `/tasks/${created.id}`, { paused: true }, other.headers);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    const after = (await req('GET', `/tasks/${created.id}`)).json();
    expect(after.paused).toBe(false);
    expect(after.nextRunAt).toBe(created.nextRunAt);
  });
});

describe('checking a task without saving it', () => {
  test('POST /tasks/check applies the rules of create to the fields given and stores nothing', async () => {
    const snap = await snapshot(t.db);
    const check = (body: unknown, query = '') => req('POST', `/tasks/check${query}`, body);
    // one end alone
    expect((await check({ source: { cloudId: src, path: 'a' } })).statusCode).toBe(204);
    expect(
      (await check({ schedule: { frequency: 'monthly', time: '03:00', timezone: 'Europe/Paris', monthday: 31 } }))
        .statusCode,
    ).toBe(204);
    const cases: [unknown, RegExp][] = [
      [
        { schedule: { frequency: 'monthly', time: '03:00', timezone: 'Europe/Paris', monthday: 32 } },
        /schedule\.monthday/,
      ],
      [{ schedule: { frequency: 'daily', time: '3 pm', timezone: 'Europe/Paris' } }, /schedule\.time/],
      [{ filter: { exclude: [''] } }, /filter\.exclude/],
      [{ source: { cloudId: src, path: 'a' }, destination: { cloudId: src, path: 'a/b' } }, /overlap/],
      [
        { destination: { cloudId: '00000000-0000-4000-8000-000000000000', path: 'x' } },
        /destination.cloudId: no such cloud/,
      ],
      [{ notify: { on: 'failure', webhook: { url: 'https://93.184.215.14/hook' } } }, /notify\.webhook\.secret/],
    ];
    for (const [body, message] of cases) {
      const res = await check(body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(message);
    }
    // checks store nothing
    expect(await snapshot(t.db)).toBe(snap);
    // As a change of a task: its stored webhook secret counts, and another user's task is a 404.
    const hooked = (
      await req('POST', '/tasks', {
        ...minimal(),
        destination: { cloudId: dst, path: 'hooked' },
        notify: {
          on: 'failure',
          webhook: { url: 'https://93.184.215.14/hook', secret: 'a-long-enough-signing-secret' },
        },
      })
    ).json();
    const other = await signup(t);
    const snapWithTask = await snapshot(t.db);
    expect(
      (
        await check(
          { notify: { on: 'always', webhook: { url: 'https://93.184.215.14/other' } } },
          `?taskId=${hooked.id}`,
        )
      ).statusCode,
    ).toBe(204);
    expect((await req('POST', `/tasks/check?taskId=${hooked.id}`, { name: 'x' }, other.headers)).statusCode).toBe(404);
    expect(await snapshot(t.db)).toBe(snapWithTask);
    await req('DELETE', `/tasks/${hooked.id}`);
  });
});

describe('runs', () => {
  test('run now queues a run and its plan job together; a second is refused while it is unfinished', async () => {
    const task = (await req('POST', '/tasks', minimal())).json();
    const res = await req('POST', `/tasks/${task.id}/runs`);
    expect(res.statusCode).toBe(202);
    const run = res.json().run;
    expect(run.status).toBe('queued');
    expect(run.trigger).toBe('manual');
    expect(run.taskId).toBe(task.id);
    const jobs = await t.db.query(`SELECT data FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND data->>'runId' = $2`, [
      QUEUES.runPlan,
      run.id,
    ]);
    expect(jobs.rowCount).toBe(1);

    const again = await req('POST', `/tasks/${task.id}/runs`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');

    expect((await req('GET', `/runs/${run.id}`)).json()).toEqual({ ...run, notifications: [] });
    const list = await req('GET', `/tasks/${task.id}/runs`);
    expect(list.json().items.map((r: { id: string }) => r.id)).toEqual([run.id]);
    const items = await req('GET', `/runs/${run.id}/items?status=failed`);
    expect(items.json()).toEqual({ items: [], nextCursor: null });

    const deleting = await req('DELETE', `/tasks/${task.id}`);
    expect(deleting.statusCode).toBe(409);

    const cancelled = await req('POST', `/runs/${run.id}/cancel`);
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().status).toBe('cancelled');
    expect(cancelled.json().finishedAt).toBeTruthy();
    expect((await req('POST', `/runs/${run.id}/cancel`)).statusCode).toBe(409);

    const next = await req('POST', `/tasks/${task.id}/runs`);
    expect(next.statusCode).toBe(202);
    await req('POST', `/runs/${next.json().run.id}/cancel`);
    expect((await req('DELETE', `/tasks/${task.id}`)).statusCode).toBe(204);
    // runs go with their task
    expect((await req('GET', `/runs/${run.id}`)).statusCode).toBe(404);
    expect((await req('GET', `/tasks/${task.id}/runs`)).statusCode).toBe(404);
  });

  test("a task's runs: an empty page before the first; another's task is not found, with runs or without", async () => {
    const task = (await req('POST', '/tasks', minimal())).json();
    expect((await req('GET', `/tasks/${task.id}/runs`)).json()).toEqual({ items: [], nextCursor: null });
    const other = await signup(t);
    const before = await req('GET', `/tasks/${task.id}/runs`, undefined, other.headers);
    expect(before.statusCode).toBe(404);
    expect(before.json().error.code).toBe('not_found');
    const run = (await req('POST', `/tasks/${task.id}/runs`)).json().run;
    const after = await req('GET', `/tasks/${task.id}/runs`, undefined, other.headers);
    expect(after.statusCode).toBe(404);
    expect(after.json().error.code).toBe('not_found');
    await req('POST', `/runs/${run.id}/cancel`);
    await req('DELETE', `/tasks/${task.id}`);
  });

  test('the events stream sends progress and ends with the run', async () => {
    const task = (await req('POST', '/tasks', { ...minimal(), destination: { cloudId: dst, path: 'sse' } })).json();
    const run = (await req('POST', `/tasks/${task.id}/runs`)).json().run;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${port}/api/v1/runs/${run.id}/events`, { headers: a.bearer }, (res) => {
          expect(res.statusCode).toBe(200);
          expect(String(res.headers['content-type'])).toMatch(/text\/event-stream/);
          let text = '';
          res.on('data', (d) => {
            text += d;
            // Once the first event is in, end the run: the stream must follow and close.
            if (text.includes('event: progress') && !text.includes('cancel-sent')) {
              text += '\n<!-- cancel-sent -->\n';
              void req('POST', `/runs/${run.id}/cancel`);
            }
          });
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    const events = [...body.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => [m[1], JSON.parse(m[2])]);
    expect(events[0][0]).toBe('progress');
    expect(events[0][1].status).toBe('queued');
    expect(events.at(-1)).toEqual(['end', { status: 'cancelled' }]);
    expect(events.at(-2)![1].status).toBe('cancelled');
  });
});

describe('task webhooks', () => {
  const withHook = (webhook: object, on = 'failure') => ({ ...minimal(), notify: { on, webhook } });
  const secret = 'a-long-enough-signing-secret';

  test('a private or loopback URL is refused unless the operator allows it', async () => {
    const before = await snapshot(t.db);
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://10.1.2.3/hook',
      'http://[::1]/hook',
      'http://169.254.169.254/latest/meta-data',
    ]) {
      const res = await req('POST', '/tasks', withHook({ url, secret }));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(/^notify\.webhook\.url: .*private/);
    }
    const bad = await req('POST', '/tasks', withHook({ url: 'ftp://example.org/hook', secret }));
    expect(bad.statusCode).toBe(400);
    expect(await snapshot(t.db)).toBe(before);
  });

  test(
    'a new webhook needs a secret of 16+ characters; ' + 'the secret is sealed, never returned, and kept when left out',
    async () => {
      const none = await req('POST', '/tasks', withHook({ url: 'https://93.184.215.14/hooks/ferry' }));
      expect(none.statusCode).toBe(400);
      expect(none.json().error.message).toMatch(/notify\.webhook\.secret: required/);
      const short = await req(
        'POST',
        '/tasks',
        withHook({ url: 'https://93.184.215.14/hooks/ferry', secret: 'short' }),
      );
      expect(short.statusCode).toBe(400);

      const res = await req('POST', '/tasks', withHook({ url: 'https://93.184.215.14/hooks/ferry', secret }));
      expect(res.statusCode).toBe(201);
      const task = res.json();
      expect(task.notify).toEqual({ on: 'failure', webhook: { url: 'https://93.184.215.14/hooks/ferry' } });
      const stored = (
        await t.db.query('SELECT webhook_secret, webhook_key_id, notify FROM tasks WHERE id = $1', [task.id])
      ).rows[0];
      // sealed, not in clear
      expect(!stored.webhook_secret.includes(secret) && !JSON.stringify(stored.notify).includes(secret)).toBeTruthy();
      expect(t.keyring.open(stored.webhook_secret)).toBe(secret);
      expect(stored.webhook_key_id).toBe(t.keyring.currentId);

      // Another URL without a secret keeps the secret.
      const moved = await req('PATCH', `/tasks/${task.id}`, {
        notify: { on: 'always', webhook: { url: 'https://93.184.215.15/new' } },
      });
      expect(moved.statusCode).toBe(200);
      expect(moved.body).not.toContain(secret);
      expect(
        (await t.db.query('SELECT webhook_secret FROM tasks WHERE id = $1', [task.id])).rows[0].webhook_secret,
      ).toBe(stored.webhook_secret);
      // Notify without a webhook removes it, secret included.
      const removed = await req('PATCH', `/tasks/${task.id}`, { notify: { on: 'always' } });
      expect(removed.json().notify).toEqual({ on: 'always' });
      expect(
        (await t.db.query('SELECT webhook_secret FROM tasks WHERE id = $1', [task.id])).rows[0].webhook_secret,
      ).toBe(null);
      await req('DELETE', `/tasks/${task.id}`);
    },
  );
});
