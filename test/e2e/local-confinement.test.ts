// A run between local clouds, as a user sees it: a hard-linked file (which could be a file outside
// the user's space) is not read and its item fails with the reason; everything else is copied.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { localFolder } from '../support/local-space.ts';

let t: TestApp;
let base: string;
let root: string;
let a: Actor;

beforeAll(async () => {
  base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-confine-')));
  root = path.join(base, 'roots');
  await fs.mkdir(root);
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root }, { worker: true });
  a = await signup(t);
});
afterAll(async () => {
  await t.close();
  await fs.rm(base, { recursive: true, force: true });
});

test('a hard-linked source file is not copied: its item fails with the reason, the others are copied', async () => {
  const src = await localFolder(root, a, 'phone');
  await localFolder(root, a, 'backup');
  await fs.writeFile(path.join(base, 'server-secret'), 'not the user’s');
  await fs.link(path.join(base, 'server-secret'), path.join(src, 'linked.jpg'));
  await fs.writeFile(path.join(src, 'own.jpg'), 'the user’s photo');
  const post = (url: string, payload?: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer });
  const from = (await post('/clouds', { kind: 'local', name: 'Phone', options: { root: 'phone' } })).json().id;
  const to = (await post('/clouds', { kind: 'local', name: 'Backup', options: { root: 'backup' } })).json().id;
  const task = (
    await post('/tasks', {
      name: 'Phone backup',
      source: { cloudId: from },
      destination: { cloudId: to, path: 'copies' },
    })
  ).json();
  const run = await waitForRun(t, a, (await post(`/tasks/${task.id}/runs`)).json().run.id);
  const items = (
    await t.app.inject({ method: 'GET', url: `/api/v1/runs/${run.id}/items?limit=50`, headers: a.bearer })
  ).json().items;
  const byPath = Object.fromEntries(
    items.map((i: { path: string; status: string; error: string | null }) => [i.path, [i.status, i.error]]),
  );
  expect(byPath['own.jpg'][0]).toBe('done');
  expect(byPath['linked.jpg'][0]).toBe('failed');
  expect(byPath['linked.jpg'][1]).toMatch(/other hard links/);
  expect(await fs.readdir(path.join(root, a.id, 'backup/copies'))).toEqual(['own.jpg']);
  expect(await fs.readFile(path.join(root, a.id, 'backup/copies/own.jpg'), 'utf8')).toBe('the user’s photo');
});
