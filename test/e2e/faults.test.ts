// Faults between Ferry and S3 (a proxy in front of s3rver): throttling, 5xx, resets and cut-off
// downloads cost retries, never a lost, damaged or duplicated file; a fault that persists fails
// that one item with its reason and the run ends partial.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { localFolder } from '../support/local-space.ts';
import { startS3, type TestS3 } from '../support/s3.ts';

let t: TestApp;
let s3: TestS3;
let proxy: FaultProxy;
let root: string;
/** The user's space: the local cloud is all of it. */
let space: string;
let a: Actor;
let local: string;
let viaProxy: string;
const files = new Map<string, Buffer>();

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-faults-')));
  for (let i = 0; i < 8; i++) files.set(`small-${i}.jpg`, crypto.randomBytes(200_000 + i));
  files.set('big.mp4', crypto.randomBytes(40 * 1024 * 1024 + 7)); // three 16 MiB parts
  s3 = await startS3();
  proxy = await startFaultProxy(s3.endpoint);
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root, FERRY_ALLOW_PRIVATE_ENDPOINTS: '1' }, { worker: true });
  a = await signup(t);
  space = await localFolder(root, a);
  const src = await localFolder(root, a, 'src');
  await localFolder(root, a, 'back');
  for (const [name, data] of files) await fs.writeFile(path.join(src, name), data);
  const api = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer });
  local = (await api('/clouds', { kind: 'local', name: 'NAS', options: { root: '' } })).json().id;
  viaProxy = (
    await api('/clouds', {
      kind: 's3',
      name: 'Flaky S3',
      options: s3.options({ endpoint: proxy.endpoint }),
    })
  ).json().id;
});
afterAll(async () => {
  await t.close();
  await proxy.close();
  await s3.close();
  await fs.rm(root, { recursive: true, force: true });
});

async function run(name: string, source: object, destination: object) {
  const task = await t.app.inject({
    method: 'POST',
    url: '/api/v1/tasks',
    headers: a.bearer,
    payload: { name, source, destination },
  });
  expect(task.statusCode).toBe(201);
  const started = await t.app.inject({
    method: 'POST',
    url: `/api/v1/tasks/${task.json().id}/runs`,
    headers: a.bearer,
  });
  return waitForRun(t, a, started.json().run.id, 120_000);
}

test('uploads through 429, 503 with Retry-After and connection resets arrive complete and once', async () => {
  proxy.faults = {};
  proxy.rule = ({ method, url, seen }) => {
    if (method !== 'PUT' || seen > 1) return { kind: 'pass' };
    const n =
      crypto
        .createHash('md5')
        .update(url.split('?')[0] + (url.match(/partNumber=\d+/)?.[0] ?? ''))
        .digest()[0] % 3;
    if (n === 0) return { kind: 'status', status: 503, retryAfter: '1' };
    if (n === 1) return { kind: 'status', status: 429, retryAfter: '1' };
    return { kind: 'reset' };
  };
  const r = await run('to flaky S3', { cloudId: local, path: 'src' }, { cloudId: viaProxy, path: 'up' });
  expect(r.status).toBe('succeeded');
  expect(r.done.items).toBe(files.size);
  expect((proxy.faults.status ?? 0) >= 3 && (proxy.faults.reset ?? 0) >= 1).toBeTruthy();
  for (const [name, data] of files) {
    const out = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: `up/${name}` }));
    expect(Buffer.from(await out.Body!.transformToByteArray()).equals(data)).toBeTruthy();
  }
  const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'up/' }));
  expect(listed.KeyCount).toBe(files.size);
  const uploads = await s3.client().send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }));
  expect((uploads.Uploads ?? []).length).toBe(0);
});

test('downloads cut short or refused are retried and the files land whole', async () => {
  proxy.faults = {};
  proxy.rule = ({ method, url, seen }) => {
    if (method !== 'GET' || !url.includes('/up/')) return { kind: 'pass' };
    if (seen === 1) return { kind: 'truncate', keep: 1000 };
    if (seen === 2 && url.includes('small-3')) return { kind: 'status', status: 500 };
    return { kind: 'pass' };
  };
  const r = await run('from flaky S3', { cloudId: viaProxy, path: 'up' }, { cloudId: local, path: 'back' });
  expect(r.status).toBe('succeeded');
  expect(proxy.faults.truncate ?? 0).toBeGreaterThanOrEqual(files.size);
  for (const [name, data] of files)
    expect((await fs.readFile(path.join(space, 'back', name))).equals(data)).toBeTruthy();
});

test('a fault that persists fails that item with its reason; the run goes on and ends partial', async () => {
  const src2 = await localFolder(root, a, 'src2');
  await fs.writeFile(path.join(src2, 'fine.jpg'), crypto.randomBytes(1000));
  await fs.writeFile(path.join(src2, 'cursed.jpg'), crypto.randomBytes(1000));
  proxy.rule = ({ method, url }) =>
    method === 'PUT' && url.includes('cursed') ? { kind: 'status', status: 503 } : { kind: 'pass' };
  const r = await run('partly broken', { cloudId: local, path: 'src2' }, { cloudId: viaProxy, path: 'p' });
  expect(r.status).toBe('partial');
  expect([r.done.items, r.failed.items]).toEqual([1, 1]);
  const failed = (
    await t.app.inject({ method: 'GET', url: `/api/v1/runs/${r.id}/items?status=failed`, headers: a.bearer })
  ).json().items;
  expect(failed[0].path).toBe('cursed.jpg');
  expect(failed[0].error).toMatch(/503|SlowDown/);
  // failed bytes are not charged
  expect((await t.db.query(`SELECT used_bytes FROM usage`)).rows[0].used_bytes).toBe(
    [...files.values()].reduce((s, b) => s + b.length, 0) * 2 + 1000,
  );
});
