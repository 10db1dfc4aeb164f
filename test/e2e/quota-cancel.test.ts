// Traffic quota with several workers copying at once, and cancelling a run mid-file.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { addWorker, settled, signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { startS3, type TestS3 } from '../support/s3.ts';

let t: TestApp & { url: string };
let s3: TestS3;
let proxy: FaultProxy;
let root: string;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-quota-')));
  s3 = await startS3();
  proxy = await startFaultProxy(s3.endpoint);
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root, FERRY_ALLOW_PRIVATE_ENDPOINTS: '1' }, { worker: true });
  for (let i = 0; i < 3; i++) stops.push(await addWorker(t));
});
afterAll(async () => {
  for (const stop of stops) await stop();
  await t.close();
  await proxy.close();
  await s3.close();
  await fs.rm(root, { recursive: true, force: true });
});

/** A task from `folder` of the user's own space on the server (<FERRY_LOCAL_ROOTS>/<user id>/) into S3. */
async function setup(a: Actor, folder: string, endpoint: string) {
  const post = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer });
  const src = (await post('/clouds', { kind: 'local', name: 'NAS', options: { root: folder } })).json().id;
  const dst = (await post('/clouds', { kind: 's3', name: 'S3', options: s3.options({ endpoint }) })).json().id;
  const task = (
    await post('/tasks', { name: folder, source: { cloudId: src }, destination: { cloudId: dst, path: folder } })
  ).json();
  return {
    task,
    start: async () => (await post(`/tasks/${task.id}/runs`, {})).json().run.id as string,
  };
}

test(
  'four workers in parallel never take more than the quota; ' + 'the next run after a raise takes up the rest',
  async () => {
    const a = await signup(t);
    await fs.mkdir(path.join(root, a.id, 'many'), { recursive: true });
    for (let i = 0; i < 200; i++)
      await fs.writeFile(
        path.join(root, a.id, 'many', `f${String(i).padStart(3, '0')}.jpg`),
        crypto.randomBytes(300_000),
      );
    const limit = 10_000_000;
    await t.db.query('UPDATE users SET traffic_limit_bytes = $2 WHERE id = $1', [a.id, limit]);
    const { start } = await setup(a, 'many', s3.endpoint);

    const run = await waitForRun(t, a, await start());
    expect(run.status).toBe('quota_exceeded');
    expect(run.error).toMatch(/quota/);
    const usage = (await t.db.query('SELECT used_bytes, reserved_bytes FROM usage WHERE user_id = $1', [a.id])).rows[0];
    expect(usage.used_bytes).toBeLessThanOrEqual(limit);
    // filled up to the last item that fits
    expect(usage.used_bytes).toBe(Math.floor(limit / 300_000) * 300_000);
    expect(usage.reserved_bytes).toBe(0);
    expect(run.done.items).toBe(Math.floor(limit / 300_000));
    expect(run.failed.items).toBe(0);
    // The copies ran on several workers: more than one copy job was active.
    const jobs = await t.db.query(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'run-copy' AND data->>'runId' = $1`,
      [run.id],
    );
    expect(jobs.rows[0].n).toBeGreaterThanOrEqual(4);

    await t.db.query('UPDATE users SET traffic_limit_bytes = NULL WHERE id = $1', [a.id]);
    const next = await waitForRun(t, a, await start());
    expect(next.status).toBe('succeeded');
    expect(next.done.items).toBe(200 - run.done.items);
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'many/' }));
    // every file once
    expect(listed.KeyCount).toBe(200);
  },
);

test('cancel stops a run mid-file within seconds and aborts its upload', async () => {
  const a = await signup(t);
  await fs.mkdir(path.join(root, a.id, 'big'), { recursive: true });
  await fs.writeFile(path.join(root, a.id, 'big', 'movie.mp4'), crypto.randomBytes(200 * 1024 * 1024));
  // Each part takes 1.5 s to reach S3: the upload runs long enough to be cancelled in the middle.
  proxy.rule = ({ method, url }) =>
    method === 'PUT' && url.includes('partNumber') ? { kind: 'delay', ms: 1500 } : { kind: 'pass' };
  const { start } = await setup(a, 'big', proxy.endpoint);
  const runId = await start();
  for (;;) {
    const r = (await t.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: a.bearer })).json();
    if (r.done.bytes > 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const cancelled = await t.app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/cancel`, headers: a.bearer });
  expect(cancelled.json().status).toBe('cancelled');
  const at = Date.now();
  // The copy job sees the cancel and aborts the multipart upload: the abort must come within seconds.
  const isAbort = (r: { method: string; url: string }) => r.method === 'DELETE' && r.url.includes('uploadId=');
  while (!proxy.requests.some(isAbort)) {
    // the upload is aborted within 5 s of the cancel
    expect(Date.now() - at).toBeLessThan(5000);
    await new Promise((res) => setTimeout(res, 50));
  }
  // Then every job of the run ends. After the abort nothing is uploaded: the only requests are the
  // abort's own checks that no part of the upload remains (S3 may store a part in flight after it).
  await settled(t);
  const abort = proxy.requests.findIndex(isAbort);
  const uploadId = new URL(proxy.requests[abort].url, 'http://s3').searchParams.get('uploadId');
  const ofTheAbort = (r: { method: string; url: string }) =>
    new URL(r.url, 'http://s3').searchParams.get('uploadId') === uploadId &&
    (r.method === 'DELETE' || (r.method === 'GET' && r.url.includes('x-id=ListParts')));
  // nothing sent after the abort
  expect(proxy.requests.slice(abort + 1).filter((r) => !ofTheAbort(r))).toEqual([]);
  const uploads = await s3.client().send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }));
  // the multipart upload was aborted
  expect(uploads.Uploads ?? []).toEqual([]);
  // no object was completed
  const head = s3.client().send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'big/movie.mp4' }));
  await expect(head).rejects.toMatchObject({ name: 'NotFound' });
  const item = (await t.db.query('SELECT upload_state FROM run_items WHERE run_id = $1', [runId])).rows[0];
  expect(item.upload_state).toBe(null);
  const usage = (await t.db.query('SELECT used_bytes, reserved_bytes FROM usage WHERE user_id = $1', [a.id])).rows[0];
  // nothing charged for a cancelled copy
  expect([usage.used_bytes, usage.reserved_bytes]).toEqual([0, 0]);
  expect(Date.now() - at).toBeLessThan(10_000);
  proxy.rule = () => ({ kind: 'pass' });
});
