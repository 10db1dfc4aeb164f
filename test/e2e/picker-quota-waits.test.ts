// Google Photos Picker items, whose size the Picker never tells, through a run: the traffic quota
// holds all the same (bytes are reserved as they stream), and a video Google is still processing
// shows in the run's progress while the run waits for it.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { processingWait } from '../../connectors/google-photos/picker.ts';
import { connectedCloud, signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { startS3, type TestS3 } from '../support/s3.ts';
import { googleEnv, startGoogleFake } from '../fakes/google.ts';
import { makeJpeg, makeMp4 } from '../fakes/google/media.ts';

let t: TestApp & { url: string };
let google: Awaited<ReturnType<typeof startGoogleFake>>;
let s3: TestS3;

beforeAll(async () => {
  google = await startGoogleFake({ clientId: 'g', clientSecret: 'gs' });
  s3 = await startS3();
  t = await startTestApp({ FERRY_ALLOW_PRIVATE_ENDPOINTS: '1', ...googleEnv(google) }, { worker: true });
});
afterAll(async () => {
  await t?.close();
  await Promise.all([google?.close(), s3?.close()]);
});

const call = (a: Actor, method: string, url: string, payload?: unknown) =>
  t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, payload: payload as object, headers: a.bearer });

/**
 * A user with a Google Photos cloud, a Picker session of these items, and a task copying them into S3 under `folder`.
 */
async function pickedTask(ids: string[], folder: string): Promise<{ a: Actor; taskId: string }> {
  const a = await signup(t);
  const photos = await connectedCloud(t, a, 'google-photos', google);
  const session = await call(a, 'POST', `/clouds/${photos}/picker-sessions`);
  expect(session.statusCode).toBe(201);
  google.photos.pick(session.json().id, ids);
  const bucket = (await call(a, 'POST', '/clouds', { kind: 's3', name: 'Bucket', options: s3.options() })).json().id;
  const task = await call(a, 'POST', '/tasks', {
    name: folder,
    source: { cloudId: photos, pickerSessionId: session.json().id },
    destination: { cloudId: bucket, path: folder },
  });
  expect(task.statusCode).toBe(201);
  return { a, taskId: task.json().id };
}

async function start(a: Actor, taskId: string): Promise<string> {
  const res = await call(a, 'POST', `/tasks/${taskId}/runs`);
  expect(res.statusCode).toBe(202);
  return res.json().run.id;
}

async function keys(prefix: string): Promise<string[]> {
  const out = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

test(
  'Picker items (no size known) stay within the traffic quota: ' +
    'the run ends quota_exceeded and the next period takes the rest',
  async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++)
      ids.push(
        await google.photos.addMedia({
          filename: `IMG_${i}.jpg`,
          bytes: makeJpeg(1000 + i, 30_000),
          type: 'PHOTO',
          mimeType: 'image/jpeg',
        }),
      );
    const served = new Map<string, Buffer>();
    for (const [i, id] of ids.entries()) served.set(`quota/IMG_${i}.jpg`, await google.photos.served(id));
    const { a, taskId } = await pickedTask(ids, 'quota');
    const limit = 100_000; // about three of the ten photos
    await t.db.query('UPDATE users SET traffic_limit_bytes = $2 WHERE id = $1', [a.id, limit]);

    const run = await waitForRun(t, a, await start(a, taskId));
    expect(run.status).toBe('quota_exceeded');
    expect(run.failed.items).toBe(0);
    expect(run.done.items >= 1 && run.done.items < 10).toBeTruthy();
    const usage = (await t.db.query('SELECT used_bytes, reserved_bytes FROM usage WHERE user_id = $1', [a.id])).rows[0];
    expect(usage.used_bytes).toBeLessThanOrEqual(limit);
    // every reservation settled or let go
    expect(usage.reserved_bytes).toBe(0);
    // charged what was copied
    expect(usage.used_bytes).toBe(run.done.bytes);
    // Nothing of an item cut short was committed: only the copies the run counts are there.
    const copied = await keys('quota/');
    expect(copied.length).toBe(run.done.items);
    const pending = (await call(a, 'GET', `/runs/${run.id}/items?status=pending`)).json().items;
    expect(pending.length).toBe(10 - run.done.items);

    // A new period (here: the limit lifted) takes up the rest; every photo once, byte for byte.
    await t.db.query('UPDATE users SET traffic_limit_bytes = NULL WHERE id = $1', [a.id]);
    const next = await waitForRun(t, a, await start(a, taskId));
    expect(next.status).toBe('succeeded');
    expect(next.done.items).toBe(10 - run.done.items);
    expect(await keys('quota/')).toEqual([...served.keys()].sort());
    for (const [key, bytes] of served) {
      const out = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
      expect(Buffer.from(await out.Body!.transformToByteArray()).equals(bytes)).toBeTruthy();
    }
  },
);

test(
  'a video Google is still processing shows as waiting in the ' + "run's progress and on its item, until it is copied",
  async () => {
    const bytes = makeMp4(77, 30_000);
    const id = await google.photos.addMedia({ filename: 'Late.mp4', bytes, type: 'VIDEO', mimeType: 'video/mp4' });
    const saved = { ...processingWait };
    Object.assign(processingWait, { boundMs: 60_000, firstPollMs: 200, maxPollMs: 200 });
    try {
      google.photos.readyAfterListings(id, 15);
      const { a, taskId } = await pickedTask([id], 'waits');
      const runId = await start(a, taskId);
      let seen: { run: Record<string, any>; item: Record<string, any> } | undefined;
      for (const deadline = Date.now() + 30_000; !seen && Date.now() < deadline; ) {
        const run = (await call(a, 'GET', `/runs/${runId}`)).json();
        if (run.waiting.items === 1)
          seen = { run, item: (await call(a, 'GET', `/runs/${runId}/items`)).json().items[0] };
        else if (!['queued', 'running'].includes(run.status)) break;
        else await new Promise((r) => setTimeout(r, 50));
      }
      // the run showed one item waiting
      expect(seen).toBeTruthy();
      expect(seen!.item.status).toBe('copying');
      expect(seen!.item.waiting.reason).toMatch(/processing/);
      expect(Date.parse(seen!.item.waiting.until)).toBeGreaterThan(Date.now());

      const run = await waitForRun(t, a, runId);
      expect(run.status).toBe('succeeded');
      expect(run.waiting.items).toBe(0);
      const item = (await call(a, 'GET', `/runs/${runId}/items`)).json().items[0];
      expect([item.status, item.waiting]).toEqual(['done', null]);
      const out = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'waits/Late.mp4' }));
      expect(Buffer.from(await out.Body!.transformToByteArray()).equals(await google.photos.served(id))).toBeTruthy();
    } finally {
      Object.assign(processingWait, saved);
    }
  },
);
