// Planning is shared fairly between users: one user's runs are planned one at a time (a slow
// listing, a big Takeout part to index), so another user's run is planned at once instead of
// waiting for every plan slot to come free.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { localFolder } from '../support/local-space.ts';
import { startS3, type TestS3 } from '../support/s3.ts';

let t: TestApp;
let s3: TestS3;
let proxy: FaultProxy;
let root: string;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-fair-')));
  s3 = await startS3();
  proxy = await startFaultProxy(s3.endpoint);
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root, FERRY_ALLOW_PRIVATE_ENDPOINTS: '1' }, { worker: true });
});
afterAll(async () => {
  await t?.close();
  await proxy?.close();
  await s3?.close();
  await fs.rm(root, { recursive: true, force: true });
});

const post = (a: Actor, url: string, payload: object = {}) =>
  t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer });

async function created(res: { statusCode: number; body: string; json(): { id: string } }): Promise<string> {
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

/** A local cloud on the folder `name` of the user's space, holding `files`. */
async function localCloud(a: Actor, name: string, files: Record<string, Buffer> = {}): Promise<string> {
  const dir = await localFolder(root, a, name);
  for (const [n, data] of Object.entries(files)) await fs.writeFile(path.join(dir, n), data);
  return created(await post(a, '/clouds', { kind: 'local', name, options: { root: name } }));
}

async function start(a: Actor, name: string, source: string, destination: string): Promise<string> {
  const taskId = await created(
    await post(a, '/tasks', {
      name,
      source: { cloudId: source, path: '' },
      destination: { cloudId: destination, path: '' },
    }),
  );
  const res = await post(a, `/tasks/${taskId}/runs`);
  expect(res.statusCode).toBe(202);
  return res.json().run.id;
}

test("one user's slow plans take one plan slot: another user's run is planned and done meanwhile", async () => {
  const busy = await signup(t);
  const other = await signup(t);
  const slowS3 = await created(
    await post(busy, '/clouds', {
      kind: 's3',
      name: 'Slow S3',
      options: s3.options({ endpoint: proxy.endpoint, prefix: 'slow/' }),
    }),
  );
  const busyDest1 = await localCloud(busy, 'busy-1');
  const busyDest2 = await localCloud(busy, 'busy-2');
  const otherSrc = await localCloud(other, 'other-src', { 'a.jpg': crypto.randomBytes(1000) });
  const otherDest = await localCloud(other, 'other-dest');

  // Listing the slow S3 takes 6 s: each of the busy user's plans holds its slot that long.
  proxy.rule = ({ method, url }) =>
    method === 'GET' && /[?&]list-type=2/.test(url) ? { kind: 'delay', ms: 6000 } : { kind: 'pass' };
  const busyRuns = [await start(busy, 'slow 1', slowS3, busyDest1), await start(busy, 'slow 2', slowS3, busyDest2)];
  // Both of the busy user's plan jobs are queued before the other user's.
  await new Promise((r) => setTimeout(r, 300));
  const otherRun = await start(other, 'quick', otherSrc, otherDest);

  const done = await waitForRun(t, other, otherRun, 30_000);
  expect(done.status).toBe('succeeded');
  const { rows } = await t.db.query<{ id: string; started_at: Date | null }>(
    'SELECT id, started_at FROM runs WHERE id = ANY($1)',
    [busyRuns],
  );
  const begun = rows.filter((r) => r.started_at !== null).length;
  // the busy user's second plan waits for its first; the other user's run did not wait for either
  expect(begun).toBe(1);

  for (const id of busyRuns) expect((await waitForRun(t, busy, id, 60_000)).status).toBe('succeeded');
  proxy.rule = () => ({ kind: 'pass' });
});
