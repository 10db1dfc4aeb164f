// Bad input gets a 400 (or 413/415) with a code and a message, changes nothing, and never a 500.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { signup, snapshot, startTestApp, type Actor, type TestApp } from '../support/app.ts';

let t: TestApp;
let root: string;
let a: Actor;
let src: string;
let dst: string;
let taskId: string;
let cloudId: string;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-val-')));
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root });
  a = await signup(t);
  const post = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer });
  // Local clouds' roots are folders in the user's own space on the server.
  for (const dir of ['src', 'dst']) await fs.mkdir(path.join(root, a.id, dir), { recursive: true, mode: 0o700 });
  src = (await post('/clouds', { kind: 'local', name: 'src', options: { root: 'src' } })).json().id;
  dst = (await post('/clouds', { kind: 'local', name: 'dst', options: { root: 'dst' } })).json().id;
  cloudId = src;
  taskId = (await post('/tasks', validTask())).json().id;
  // An administrator: the admin routes' bodies are checked too.
  await t.db.query('UPDATE users SET admin = true WHERE id = $1', [a.id]);
});
afterAll(async () => {
  await t.close();
  await fs.rm(root, { recursive: true, force: true });
});

function validTask() {
  return {
    name: 'Photos',
    source: { cloudId: src, path: 'a' },
    destination: { cloudId: dst, path: 'b' },
    schedule: { frequency: 'monthly', time: '02:00', timezone: 'America/New_York', monthday: 31 },
    filter: { exclude: ['**/.DS_Store'], maxSize: 1000 },
    options: { conflict: 'overwrite', verify: true, layout: '{yyyy}/{name}' },
    notify: { on: 'never' },
  };
}

/** A valid body for each route that takes one; the test fails if a route is missing here. */
function validBodies(): Record<string, object> {
  return {
    'POST /api/v1/auth/signup': { email: 'new@example.com', password: 'long enough password' },
    'POST /api/v1/auth/login': { email: a.email, password: 'correct horse battery' },
    'POST /api/v1/tokens': { name: 'ci' },
    'PATCH /api/v1/me': { locale: 'de' },
    'POST /api/v1/clouds': { kind: 'local', name: 'n', options: { root: 'src' } },
    'PATCH /api/v1/clouds/:id': { name: 'renamed' },
    'POST /api/v1/tasks': { ...validTask(), destination: { cloudId: dst, path: 'c' } },
    'PATCH /api/v1/tasks/:id': { name: 'renamed' },
    'POST /api/v1/tasks/check': { name: 'renamed', schedule: { frequency: 'daily', time: '02:00', timezone: 'UTC' } },
    'POST /api/v1/notify-addresses/confirm': { token: 'fn_not-one-ferry-sent' },
    'POST /api/v1/auth/verify/confirm': { token: 'not-one-ferry-sent' },
    'POST /api/v1/tasks/:id/restore': { destination: { cloudId: src, path: 'restored' } },
    'POST /api/v1/auth/login/second-factor': { challenge: 'fc_not-one-ferry-made', code: '123456' },
    'POST /api/v1/auth/password-reset': { email: 'someone@example.com' },
    'POST /api/v1/auth/password-reset/confirm': { token: 'fr_not-one-ferry-sent', password: 'long enough password' },
    'POST /api/v1/me/password': { currentPassword: 'not the password', newPassword: 'long enough password' },
    'POST /api/v1/me/two-factor/confirm': { code: '123456' },
    'POST /api/v1/me/email': { email: 'elsewhere@example.com', password: 'not the password' },
    'POST /api/v1/auth/email-change/confirm': { token: 'fe_not-one-ferry-sent' },
    'PATCH /api/v1/admin/users/:id': { plan: 'free', trafficLimitBytes: null },
    'POST /api/v1/admin/users/:id/suspend': { reason: 'spam' },
    'POST /api/v1/admin/plans': { id: 'family', name: 'Family', monthlyTrafficBytes: 1e12, maxTasks: 20 },
    'PATCH /api/v1/admin/plans/:id': { name: 'Free', maxClouds: null },
  };
}

const bodyRoutes = () =>
  t.app.routeTable.filter(
    (r) =>
      r.url.startsWith('/api/v1/') &&
      (r.method === 'POST' || r.method === 'PATCH') &&
      validBodies()[`${r.method} ${r.url}`],
  );
const urlOf = (url: string) =>
  url.replace(
    ':id',
    url.includes('/admin/users/')
      ? a.id
      : url.includes('/admin/plans/')
        ? 'free'
        : url.includes('/clouds/')
          ? cloudId
          : taskId,
  );

async function expectRefused(
  method: string,
  url: string,
  payload: string | object,
  status: number,
  code: string,
  headers: Record<string, string> = {},
) {
  const res = await t.app.inject({
    method: method as 'POST',
    url,
    payload: payload as string,
    headers: { ...a.bearer, 'content-type': 'application/json', ...headers },
  });
  expect(res.statusCode).toBe(status);
  const body = res.json();
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(5);
  return body.error.message as string;
}

describe('every route with a body', () => {
  test('each POST and PATCH route is exercised here', () => {
    const all = t.app.routeTable.filter(
      (r) => r.url.startsWith('/api/v1/') && (r.method === 'POST' || r.method === 'PATCH'),
    );
    // Routes without a body: logout, verify (a new link), check, picker sessions, runs, cancel, verify a backup.
    const bodiless = all.filter((r) => !validBodies()[`${r.method} ${r.url}`]).map((r) => r.url);
    expect(bodiless.sort()).toEqual(
      [
        '/api/v1/auth/logout',
        '/api/v1/auth/verify',
        '/api/v1/clouds/:id/check',
        '/api/v1/clouds/:id/picker-sessions',
        '/api/v1/runs/:id/cancel',
        '/api/v1/tasks/:id/runs',
        '/api/v1/tasks/:id/verify',
        '/api/v1/admin/users/:id/resume',
        '/api/v1/me/two-factor',
      ].sort(),
    );
  });

  test(
    'malformed JSON, non-objects, unknown fields, wrong types and ' + 'oversized bodies are refused and change nothing',
    async () => {
      const before = await snapshot(t.db);
      for (const r of bodyRoutes()) {
        const url = urlOf(r.url);
        const valid = validBodies()[`${r.method} ${r.url}`];
        await expectRefused(r.method, url, '{"name": ', 400, 'malformed_json');
        await expectRefused(r.method, url, '[1,2]', 400, 'invalid_request');
        await expectRefused(r.method, url, '"text"', 400, 'invalid_request');
        // A suspension's body is optional: null is none.
        if (!r.url.endsWith('/suspend')) await expectRefused(r.method, url, 'null', 400, 'invalid_request');
        const unknown = await expectRefused(r.method, url, { ...valid, isAdmin: true }, 400, 'invalid_request');
        expect(unknown).toMatch(/Unrecognized key.*isAdmin/);
        for (const [key, value] of Object.entries(valid)) {
          // A wrong type: a number where a number is due is none.
          const wrong = typeof value === 'number' || value === null ? 'twelve' : 12345;
          await expectRefused(r.method, url, { ...valid, [key]: wrong }, 400, 'invalid_request');
          await expectRefused(r.method, url, { ...valid, [key]: { nested: [1] } }, 400, 'invalid_request');
        }
        await expectRefused(r.method, url, { ...valid, pad: 'x'.repeat(100_000) }, 413, 'payload_too_large');
        // The confirmation pages' forms post urlencoded: those routes alone take it.
        const forms = [
          '/api/v1/notify-addresses/confirm',
          '/api/v1/auth/verify/confirm',
          '/api/v1/auth/email-change/confirm',
        ];
        if (!forms.includes(r.url))
          await expectRefused(r.method, url, 'name=x', 415, 'unsupported_media_type', {
            'content-type': 'application/x-www-form-urlencoded',
          });
      }
      expect(await snapshot(t.db)).toBe(before);
    },
  );

  test('fields past their size limits are refused', async () => {
    const before = await snapshot(t.db);
    await expectRefused('POST', '/api/v1/tasks', { ...validTask(), name: 'x'.repeat(201) }, 400, 'invalid_request');
    await expectRefused('POST', '/api/v1/tokens', { name: 'x'.repeat(101) }, 400, 'invalid_request');
    await expectRefused(
      'POST',
      '/api/v1/auth/signup',
      { email: `${'x'.repeat(250)}@example.com`, password: 'long enough password' },
      400,
      'invalid_request',
    );
    await expectRefused(
      'POST',
      '/api/v1/auth/signup',
      { email: 'x@example.com', password: 'p'.repeat(257) },
      400,
      'invalid_request',
    );
    await expectRefused(
      'POST',
      '/api/v1/tasks',
      { ...validTask(), filter: { include: Array(101).fill('*.jpg') } },
      400,
      'invalid_request',
    );
    expect(await snapshot(t.db)).toBe(before);
  });
});

describe('tasks', () => {
  const cases: [string, (t: ReturnType<typeof validTask>) => unknown, RegExp][] = [
    ['unknown time zone', (x) => ({ ...x, schedule: { ...x.schedule, timezone: 'Mars/Olympus' } }), /timezone: .*IANA/],
    ['raw offset as time zone', (x) => ({ ...x, schedule: { ...x.schedule, timezone: '+01:00' } }), /timezone/],
    ['24:00', (x) => ({ ...x, schedule: { ...x.schedule, time: '24:00' } }), /time: .*HH:MM/],
    ['9:5', (x) => ({ ...x, schedule: { ...x.schedule, time: '9:5' } }), /time/],
    [
      'weekly without weekday',
      (x) => ({ ...x, schedule: { frequency: 'weekly', time: '01:00', timezone: 'UTC' } }),
      /weekday: required/,
    ],
    [
      'weekday 7',
      (x) => ({ ...x, schedule: { frequency: 'weekly', time: '01:00', timezone: 'UTC', weekday: 7 } }),
      /weekday/,
    ],
    ['monthly with weekday', (x) => ({ ...x, schedule: { ...x.schedule, weekday: 1 } }), /weekday: not allowed/],
    ['monthday 32', (x) => ({ ...x, schedule: { ...x.schedule, monthday: 32 } }), /monthday/],
    [
      'daily with monthday',
      (x) => ({ ...x, schedule: { frequency: 'daily', time: '01:00', timezone: 'UTC', monthday: 3 } }),
      /monthday: not allowed/,
    ],
    ['unknown frequency', (x) => ({ ...x, schedule: { ...x.schedule, frequency: 'hourly' } }), /frequency/],
    ['min above max size', (x) => ({ ...x, filter: { minSize: 10, maxSize: 5 } }), /minSize must not exceed maxSize/],
    ['negative size', (x) => ({ ...x, filter: { minSize: -1 } }), /minSize/],
    [
      'after not before before',
      (x) => ({ ...x, filter: { after: '2024-01-01', before: '2023-01-01' } }),
      /after must be earlier/,
    ],
    ['bad date', (x) => ({ ...x, filter: { after: 'yesterday' } }), /after/],
    ['unknown media type', (x) => ({ ...x, filter: { mediaTypes: ['audio'] } }), /mediaTypes/],
    ['repeated media type', (x) => ({ ...x, filter: { mediaTypes: ['photo', 'photo'] } }), /repeat/],
    ['unknown layout token', (x) => ({ ...x, options: { layout: '{year}/{name}' } }), /unknown token \{year\}/],
    ['layout escaping', (x) => ({ ...x, options: { layout: '../{name}' } }), /relative path/],
    ['absolute layout', (x) => ({ ...x, options: { layout: '/{name}' } }), /relative path/],
    ['unknown conflict policy', (x) => ({ ...x, options: { conflict: 'merge' } }), /conflict/],
    ['destination with ..', (x) => ({ ...x, destination: { cloudId: dst, path: 'a/../../etc' } }), /destination.path/],
    ['destination without path', (x) => ({ ...x, destination: { cloudId: dst } }), /destination.path/],
    ['cloud id not a uuid', (x) => ({ ...x, source: { cloudId: '42' } }), /source.cloudId/],
    ['bad notify email', (x) => ({ ...x, notify: { on: 'always', email: 'not-an-email' } }), /notify.email/],
    ['unknown notify policy', (x) => ({ ...x, notify: { on: 'sometimes' } }), /notify.on/],
    ['blank name', (x) => ({ ...x, name: '   ' }), /name/],
    ['missing source', (x) => ({ ...x, source: undefined }), /source/],
  ];

  for (const [name, mutate, message] of cases) {
    test(`refused: ${name}`, async () => {
      const before = await snapshot(t.db);
      const msg = await expectRefused('POST', '/api/v1/tasks', mutate(validTask()) as object, 400, 'invalid_request');
      expect(msg).toMatch(message);
      const patch = mutate(validTask()) as Record<string, unknown>;
      if (patch.name !== undefined && patch.source !== undefined) {
        await expectRefused('PATCH', `/api/v1/tasks/${taskId}`, patch, 400, 'invalid_request');
      }
      expect(await snapshot(t.db)).toBe(before);
    });
  }

  test('monthly on the 31st is accepted', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tasks',
      headers: a.bearer,
      payload: { ...validTask(), destination: { cloudId: dst, path: 'm31' } },
    });
    expect(res.statusCode).toBe(201);
  });
});

test('ids, queries and cursors that are not what they should be are 400, never 500', async () => {
  const before = await snapshot(t.db);
  for (const url of [
    '/api/v1/tasks/not-a-uuid',
    '/api/v1/runs/1',
    `/api/v1/tasks?limit=0`,
    `/api/v1/tasks?limit=abc`,
    `/api/v1/tasks?unknown=1`,
    `/api/v1/runs/00000000-0000-4000-8000-000000000000/items?status=lost`,
    `/api/v1/tasks?cursor=${Buffer.from('[1,2]').toString('base64url')}`,
  ]) {
    const res = await t.app.inject({ method: 'GET', url, headers: a.bearer });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBeTruthy();
  }
  expect(await snapshot(t.db)).toBe(before);
});

test('random values in every field never produce a 500, and a refused request changes nothing', async () => {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const values = () => [
    null,
    true,
    -1,
    0,
    1e308,
    2 ** 53 + 1,
    '',
    ' ',
    '\u0000',
    '../..',
    'x'.repeat(3000),
    [],
    [null],
    {},
    { a: 1 },
    '2024-02-30',
    '😀',
    '{yyyy}',
    '1;DROP TABLE users',
  ];
  const mutate = (v: unknown, depth: number): unknown => {
    if (depth > 3 || rand() < 0.3) return values()[Math.floor(rand() * values().length)];
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = { ...(v as Record<string, unknown>) };
      const keys = Object.keys(o);
      const k = keys[Math.floor(rand() * keys.length)];
      if (k !== undefined) o[k] = mutate(o[k], depth + 1);
      return o;
    }
    return values()[Math.floor(rand() * values().length)];
  };
  // A light pass, each route with its own valid body: the broad one, from the OpenAPI document over
  // every operation, is fuzz.test.ts.
  for (let i = 0; i < 40; i++) {
    for (const r of bodyRoutes()) {
      if (r.url.includes('/auth/')) continue; // fuzzing these would trip the rate limit and create users
      const valid = validBodies()[`${r.method} ${r.url}`];
      const body = mutate(valid, 0);
      const before = await snapshot(t.db);
      const res = await t.app.inject({
        method: r.method as 'POST',
        url: urlOf(r.url),
        headers: a.bearer,
        payload: body as object,
      });
      expect(res.statusCode).toBeLessThan(500);
      if (res.statusCode >= 400) {
        expect(res.json().error.code).toBeTruthy();
        expect(await snapshot(t.db)).toBe(before);
      }
    }
  }
});
