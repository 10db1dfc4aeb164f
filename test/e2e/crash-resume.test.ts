// A worker killed with SIGKILL in the middle of a 256 MiB upload: another worker process resumes the
// same multipart upload and re-sends at most the parts that were in flight.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { partSizeFor } from '../../connectors/s3/upload.ts';
import { signup, startTestApp, waitForRun, type TestApp } from '../support/app.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { localFolder } from '../support/local-space.ts';
import { startS3, type TestS3 } from '../support/s3.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SIZE = 256 * 1024 * 1024;
const key = crypto.randomBytes(32).toString('base64');

let t: TestApp & { url: string };
let s3: TestS3;
let proxy: FaultProxy;
let root: string;
let sha256: string;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-crash-')));
  // Written before the user exists; moved into their space once they do.
  const file = await fs.open(path.join(root, 'archive.bin'), 'w');
  const h = crypto.createHash('sha256');
  const chunk = 8 * 1024 * 1024;
  for (let off = 0; off < SIZE; off += chunk) {
    const buf = crypto.randomBytes(chunk);
    h.update(buf);
    await file.write(buf);
  }
  await file.close();
  sha256 = h.digest('hex');
  s3 = await startS3();
  proxy = await startFaultProxy(s3.endpoint);
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root, FERRY_ALLOW_PRIVATE_ENDPOINTS: '1', FERRY_SECRET_KEY: key });
});
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await t.close();
  await proxy.close();
  await s3.close();
  await fs.rm(root, { recursive: true, force: true });
});

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, [path.join(repo, 'services/main.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: t.url,
      FERRY_ROLE: 'worker',
      FERRY_SECRET_KEY: key,
      FERRY_LOCAL_ROOTS: root,
      FERRY_DATA_DIR: path.join(root, 'data'),
      FERRY_ALLOW_PRIVATE_ENDPOINTS: '1',
      FERRY_LOG_LEVEL: 'warn',
      // The second worker takes the killed one's item up once its hold runs out: not after 20 s.
      FERRY_LEASE_SECONDS: '4',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  workers.push(child);
  return child;
}

test('SIGKILL mid-file: another worker resumes the upload, re-sending only the parts in flight', async () => {
  const a = await signup(t);
  const post = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer });
  await fs.rename(path.join(root, 'archive.bin'), path.join(await localFolder(root, a, 'src'), 'archive.bin'));
  const src = (await post('/clouds', { kind: 'local', name: 'NAS', options: { root: 'src' } })).json().id;
  const dst = (
    await post('/clouds', { kind: 's3', name: 'S3', options: s3.options({ endpoint: proxy.endpoint }) })
  ).json().id;
  const task = (
    await post('/tasks', { name: 'archive', source: { cloudId: src }, destination: { cloudId: dst, path: 'vault' } })
  ).json();
  const runId = (await post(`/tasks/${task.id}/runs`, {})).json().run.id;

  const first = startWorker();
  let acked = 0;
  for (const deadline = Date.now() + 120_000; acked < 8; ) {
    // the first worker made no progress
    expect(Date.now()).toBeLessThan(deadline);
    const { rows } = await t.db.query(`SELECT upload_state FROM run_items WHERE run_id = $1`, [runId]);
    acked = rows[0]?.upload_state?.parts?.length ?? 0;
    await new Promise((r) => setTimeout(r, 50));
  }
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const sentBeforeKill = proxy.uploadedBytes;
  const { rows } = await t.db.query(`SELECT upload_state FROM run_items WHERE run_id = $1`, [runId]);
  const uploadId = rows[0].upload_state.uploadId;

  startWorker();
  const run = await waitForRun(t, a, runId, 240_000);
  expect(run.status).toBe('succeeded');
  const partSize = partSizeFor(SIZE);
  const resent = proxy.uploadedBytes - SIZE;
  console.log(
    `killed after ${(sentBeforeKill / 2 ** 20).toFixed(0)} MiB sent; ` +
      `re-sent ${(resent / 2 ** 20).toFixed(0)} MiB (part size ${partSize / 2 ** 20} MiB)`,
  );
  // The proxy counts every request body: the parts, and the completion's list of them (32 parts,
  // about 3 KiB of XML), which is no re-sent data.
  expect(resent).toBeLessThanOrEqual(5 * partSize + 16 * 1024);

  const item = (await t.db.query(`SELECT attempts, upload_state FROM run_items WHERE run_id = $1`, [runId])).rows[0];
  expect(item.attempts).toBe(2);
  const uploads = await s3.client().send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }));
  // the upload was completed, nothing left over
  expect({ uploadId, left: uploads.Uploads ?? [] }).toEqual({ uploadId, left: [] });
  const out = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'vault/archive.bin' }));
  const h = crypto.createHash('sha256');
  let size = 0;
  for await (const c of out.Body as AsyncIterable<Buffer>) {
    h.update(c);
    size += c.length;
  }
  expect(size).toBe(SIZE);
  expect(h.digest('hex')).toBe(sha256);
});
