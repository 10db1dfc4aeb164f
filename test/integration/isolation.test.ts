// Every route under /api/v1 that takes an id: another user gets 404 and nothing of the owner changes.
// The routes come from the app itself, so a new route is covered (or fails here) automatically.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { signup, snapshot, startTestApp, type Actor, type TestApp } from '../support/app.ts';
import { localFolder } from '../support/local-space.ts';

let t: TestApp;
let root: string;
let a: Actor;
let b: Actor;
const ids: Record<string, string> = {};

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-iso-')));
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root });
  a = await signup(t);
  b = await signup(t);
  // Each user's local clouds live in their own space, <root>/<user id>.
  for (const [user, folder] of [
    [a, 'src'],
    [a, 'dst'],
    [b, 'src'],
  ] as const)
    await localFolder(root, user, folder);
  await fs.writeFile(path.join(root, a.id, 'src/a-photo.jpg'), 'A’s photo');
  const post = (url: string, payload?: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer });
  ids.tokens = (await post('/tokens', { name: 'A token' })).json().id;
  ids.sessions = (await t.app.inject({ url: '/api/v1/sessions', headers: a.headers })).json().items[0].id;
  ids.clouds = (await post('/clouds', { kind: 'local', name: 'A src', options: { root: 'src' } })).json().id;
  const dst = (await post('/clouds', { kind: 'local', name: 'A dst', options: { root: 'dst' } })).json().id;
  ids.tasks = (
    await post('/tasks', { name: 'A task', source: { cloudId: ids.clouds }, destination: { cloudId: dst, path: 'x' } })
  ).json().id;
  ids.runs = (await post(`/tasks/${ids.tasks}/runs`)).json().run.id;
  // B owns resources too, so B's lists are not trivially empty.
  await t.app.inject({
    method: 'POST',
    url: '/api/v1/clouds',
    headers: b.bearer,
    payload: { kind: 'local', name: 'B src', options: { root: 'src' } },
  });
});
afterAll(async () => {
  await t.close();
  await fs.rm(root, { recursive: true, force: true });
});

/** A body that would be valid for the owner, so that only ownership can refuse it. */
function bodyFor(method: string, url: string): object | undefined {
  if (method === 'PATCH' && url.startsWith('/api/v1/clouds/')) return { name: 'taken over' };
  if (method === 'PATCH' && url.startsWith('/api/v1/tasks/')) return { name: 'taken over' };
  if (method === 'POST' && url.endsWith('/restore')) return { destination: { cloudId: ids.clouds, path: 'restored' } };
  return undefined;
}

test('another user gets 404 on every route that takes an id, and nothing of the owner changes', async () => {
  // The admin routes take any account's id, and answer administrators only (test/integration/admin.test.ts).
  const routes = t.app.routeTable.filter(
    (r) => r.url.startsWith('/api/v1/') && r.url.includes(':id') && !r.url.startsWith('/api/v1/admin/'),
  );
  expect(routes.length).toBeGreaterThanOrEqual(14);
  const before = await snapshot(t.db);
  for (const route of routes) {
    const resource = route.url.split('/')[3];
    const id = ids[resource];
    expect(id).toBeTruthy();
    const url = route.url.replace(':id', id).replace(':sid', 'a-session-of-A');
    for (const headers of [b.bearer, b.headers]) {
      const res = await t.app.inject({
        method: route.method as 'GET',
        url,
        headers,
        payload: bodyFor(route.method, route.url),
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
      // no data of A in the answer
      expect(!res.body.includes('A task') && !res.body.includes('A src')).toBeTruthy();
    }
  }
  expect(await snapshot(t.db)).toBe(before);
  // And A still sees everything of its own.
  for (const [resource, id] of Object.entries(ids)) {
    if (resource === 'tokens' || resource === 'sessions') continue; // no GET of one; the list shows them
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/${resource}/${id}`, headers: a.bearer });
    expect(res.statusCode).toBe(200);
  }
});

test('lists show only the caller’s own resources', async () => {
  for (const url of ['/api/v1/clouds', '/api/v1/tasks', '/api/v1/tokens', '/api/v1/sessions']) {
    const res = await t.app.inject({ method: 'GET', url, headers: b.headers });
    expect(res.statusCode).toBe(200);
    expect(Object.values(ids).filter((id) => res.body.includes(id))).toEqual([]);
  }
  const runs = await t.app.inject({ method: 'GET', url: `/api/v1/tasks/${ids.tasks}/runs`, headers: b.bearer });
  expect(runs.statusCode).toBe(404);
});

test(
  'local clouds: B can connect nothing in A’s space or the shared root, ' +
    'and reaches nothing of A’s from a cloud of B’s own',
  async () => {
    const asB = (method: string, url: string, payload?: object) =>
      t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, payload, headers: b.bearer });
    const before = await snapshot(t.db);
    for (const r of [
      path.join(root, a.id),
      path.join(root, a.id, 'src'),
      root,
      path.join(root, b.id, '..', a.id),
      `../${a.id}/src`,
    ]) {
      const res = await asB('POST', '/clouds', { kind: 'local', name: 'A’s photos', options: { root: r } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_request');
      // nothing of A in the answer
      expect(res.body).not.toContain(a.id);
    }
    expect(await snapshot(t.db)).toBe(before);

    // B's whole space: browsing up and out of it is refused; A's files are not in it.
    const mine = (await asB('POST', '/clouds', { kind: 'local', name: 'B all', options: { root: '' } })).json();
    expect(mine.options.root).toBe(path.join(root, b.id));
    for (const p of ['..', `../${a.id}/src`, `src/../../${a.id}`]) {
      const res = await asB('GET', `/clouds/${mine.id}/entries?path=${encodeURIComponent(p)}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_request');
    }
    const listed = await asB('GET', `/clouds/${mine.id}/entries`);
    expect(listed.json().items.map((e: { path: string }) => e.path)).toEqual(['src']);

    // A task of B's writing into A's space is refused at creation, and A's folder is as it was.
    const task = await asB('POST', '/tasks', {
      name: 'Into A',
      source: { cloudId: mine.id, path: 'src' },
      destination: { cloudId: mine.id, path: `../${a.id}/src` },
    });
    expect(task.statusCode).toBe(400);
    expect(await fs.readdir(path.join(root, a.id, 'src'))).toEqual(['a-photo.jpg']);
  },
);
