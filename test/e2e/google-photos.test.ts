// Google Photos through the REST API against the emulator: connect, pick in a Picker session, back
// the picked items up into S3 and a folder (every byte compared with what Google served), base URLs
// that expire mid-run, a second session overlapping the first, videos still processing waited for
// (copied once ready, failed past the bound, the wait ended by a cancel), restore into Google Photos
// in batches, and the daily quota parking a run.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { processingWait } from '../../connectors/google-photos/picker.ts';
import { freePort } from '../../services/core/embedded-postgres.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { Browser } from '../support/browser.ts';
import { startS3, type TestS3 } from '../support/s3.ts';
import { startGoogleFake } from '../fakes/google.ts';
import { makeJpeg, makeMp4 } from '../fakes/google/media.ts';

let t: TestApp & { url: string };
let google: Awaited<ReturnType<typeof startGoogleFake>>;
let s3: TestS3;
let root: string;
/** The user's own space for local clouds: <FERRY_LOCAL_ROOTS>/<user id>. */
let space: string;
let publicUrl: string;
let browser: Browser;
let csrf = '';
let photosCloud = '';
/** The user's library: id → filename; the first 250 are picked in the first session. */
const library: { id: string; filename: string; video: boolean }[] = [];
let processingId = '';

beforeAll(async () => {
  // The worker runs in this process: a video still processing is waited for 2 s, not 15 minutes.
  Object.assign(processingWait, { boundMs: 2_000, firstPollMs: 100, maxPollMs: 400 });
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-photos-')));
  google = await startGoogleFake({ clientId: 'g-client', clientSecret: 'g-secret' });
  s3 = await startS3();
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  t = await startTestApp(
    {
      FERRY_PUBLIC_URL: publicUrl,
      FERRY_LOCAL_ROOTS: root,
      FERRY_ALLOW_PRIVATE_ENDPOINTS: '1',
      FERRY_GOOGLE_CLIENT_ID: 'g-client',
      FERRY_GOOGLE_CLIENT_SECRET: 'g-secret',
      FERRY_GOOGLE_AUTH_URL: `${google.url}/o/oauth2/v2/auth`,
      FERRY_GOOGLE_TOKEN_URL: `${google.url}/token`,
      FERRY_GOOGLE_DRIVE_URL: google.url,
      FERRY_GOOGLE_PHOTOS_URL: google.url,
      FERRY_GOOGLE_PICKER_URL: google.url,
    },
    { worker: true },
  );
  await t.app.listen({ port, host: '127.0.0.1' });
  browser = new Browser();
  const res = await browser.request(`${publicUrl}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'family@example.org', password: 'correct horse battery' }),
  });
  const me = (await res.json()) as { csrfToken: string; user: { id: string } };
  csrf = me.csrfToken;
  space = path.join(root, me.user.id);
  await fs.mkdir(space, { mode: 0o700 });

  // 270 items: photos with GPS in their EXIF, some videos, one still being processed; two share a name.
  for (let i = 0; i < 270; i++) {
    const video = i % 12 === 5;
    const filename =
      i === 7
        ? 'IMG_0003.jpg'
        : video
          ? `VID_${String(i).padStart(4, '0')}.mp4`
          : `IMG_${String(i).padStart(4, '0')}.jpg`;
    const id = await google.photos.addMedia({
      filename,
      bytes: video ? makeMp4(i, 40_000 + i) : makeJpeg(i, 20_000 + i * 10),
      type: video ? 'VIDEO' : 'PHOTO',
      mimeType: video ? 'video/mp4' : 'image/jpeg',
      createTime: new Date(Date.UTC(2019, 6, 1 + (i % 28), 12, i % 60)).toISOString(),
      processing: video && i === 17 ? 'PROCESSING' : 'READY',
    });
    library.push({ id, filename, video });
    if (video && i === 17) processingId = id;
  }
});
afterAll(async () => {
  await t?.close();
  await Promise.all([google?.close(), s3?.close()]);
  await fs.rm(root, { recursive: true, force: true });
});

async function api<T = any>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await browser.request(`${publicUrl}/api/v1${url}`, {
    method,
    headers: { 'x-csrf-token': csrf, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function runTask(taskId: string, during?: (runId: string) => Promise<void>): Promise<Record<string, any>> {
  const started = await api('POST', `/tasks/${taskId}/runs`);
  expect(started.status).toBe(202);
  const runId = started.body.run.id;
  if (during) await during(runId);
  for (const deadline = Date.now() + 120_000; ; ) {
    const run = (await api('GET', `/runs/${runId}`)).body;
    if (!['queued', 'running'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run still ${run.status}: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function s3Bytes(key: string): Promise<Buffer> {
  const out = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** Where a picked item lands: its filename, the second of two equal names numbered. */
const landed = (item: { filename: string }, i: number) => (i === 7 ? 'IMG_0003 (1).jpg' : item.filename);

describe('Google Photos', () => {
  test('connect with exactly the scopes it needs', async () => {
    const start = await browser.go(`${publicUrl}/api/v1/oauth/google-photos/start`);
    const scopes = new URL(browser.hops.at(-2)!.location ?? start.url).searchParams.get('scope')!.split(' ');
    for (const s of [
      'https://www.googleapis.com/auth/photospicker.mediaitems.readonly',
      'https://www.googleapis.com/auth/photoslibrary.appendonly',
      'https://www.googleapis.com/auth/photoslibrary.readonly.appcreateddata',
      'https://www.googleapis.com/auth/photoslibrary.edit.appcreateddata',
    ]) {
      expect(scopes).toContain(s);
    }
    expect(!scopes.some((s) => /photoslibrary(\.readonly)?$|drive/.test(s))).toBeTruthy();
    const back = await browser.submit(start.url, await start.res.text(), { name: 'decision', value: 'allow' });
    // The sign-in lands on the new cloud's page in the web app.
    const id = new RegExp(`^${publicUrl}/clouds/([0-9a-f-]{36})\\?connected=1$`).exec(back.url)?.[1];
    expect(id).toBeTruthy();
    await back.res.arrayBuffer();
    const cloud = (await api('GET', `/clouds/${id}`)).body as {
      id: string;
      kind: string;
      name: string;
      status: string;
    };
    expect([cloud.kind, cloud.name, cloud.status]).toEqual(['google-photos', google.account.email, 'ok']);
    photosCloud = cloud.id;
  });

  let session = '';
  let toS3 = '';
  test(
    'pick 250 items and back them up into S3 and a folder; a URL that expires mid-run is refreshed; ' +
      'the video still processing past the wait fails and a later run copies it',
    async () => {
      const created = await api('POST', `/clouds/${photosCloud}/picker-sessions`);
      expect(created.status).toBe(201);
      session = created.body.id;
      expect(created.body.pickerUri.startsWith(google.url)).toBeTruthy();
      expect(created.body.pollIntervalSeconds).toBeGreaterThan(0);
      expect((await api('GET', `/clouds/${photosCloud}/picker-sessions/${session}`)).body.mediaItemsSet).toBe(false);
      google.photos.pick(
        session,
        library.slice(0, 250).map((x) => x.id),
      );
      const polled = (await api('GET', `/clouds/${photosCloud}/picker-sessions/${session}`)).body;
      expect([polled.mediaItemsSet, polled.itemCount]).toEqual([true, 250]);

      await fs.mkdir(path.join(space, 'backup'));
      const folder = (await api('POST', '/clouds', { kind: 'local', name: 'NAS', options: { root: 'backup' } })).body
        .id;
      const bucket = (await api('POST', '/clouds', { kind: 's3', name: 'Bucket', options: s3.options() })).body.id;
      toS3 = (
        await api('POST', '/tasks', {
          name: 'Picked → S3',
          source: { cloudId: photosCloud, pickerSessionId: session },
          destination: { cloudId: bucket, path: 'photos' },
        })
      ).body.id;
      const toNas = (
        await api('POST', '/tasks', {
          name: 'Picked → NAS',
          source: { cloudId: photosCloud, pickerSessionId: session },
          destination: { cloudId: folder, path: '' },
        })
      ).body.id;
      expect(toS3 && toNas).toBeTruthy();

      // Into S3, with every base URL expiring (an hour passes) once the run is under way.
      const first = await runTask(toS3, async (runId) => {
        for (const deadline = Date.now() + 60_000; ; ) {
          const r = (await api('GET', `/runs/${runId}`)).body;
          if (r.done.items >= 20) break;
          if (Date.now() > deadline || !['queued', 'running'].includes(r.status)) throw new Error(JSON.stringify(r));
          await new Promise((res) => setTimeout(res, 20));
        }
        google.photos.advanceClock(61 * 60_000);
      });
      expect(first.status).toBe('partial');
      expect([first.done.items, first.failed.items]).toEqual([249, 1]);
      const failed = (await api('GET', `/runs/${first.id}/items?status=failed`)).body.items;
      expect(failed.length).toBe(1);
      expect(failed[0].error).toMatch(
        /still being processed by Google Photos; a later run copies it\. Waited 2 seconds/,
      );
      const copied = await t.db.query(`SELECT 1 FROM manifest WHERE task_id = $1 AND source_id = $2`, [
        toS3,
        processingId,
      ]);
      // not in the manifest: a later run takes it
      expect(copied.rowCount).toBe(0);
      const nas = await runTask(toNas);
      expect([nas.status, nas.done.items, nas.failed.items]).toEqual(['partial', 249, 1]);

      for (const [i, item] of library.slice(0, 250).entries()) {
        if (item.id === processingId) continue;
        const served = await google.photos.served(item.id);
        expect((await s3Bytes(`photos/${landed(item, i)}`)).equals(served)).toBeTruthy();
        expect((await fs.readFile(path.join(space, 'backup', landed(item, i)))).equals(served)).toBeTruthy();
      }
      const marks = (
        await t.db.query(
          `SELECT DISTINCT fidelity FROM manifest m JOIN tasks k ON k.id = m.task_id WHERE k.name = 'Picked → S3'`,
        )
      ).rows;
      // recorded as picker copies
      expect(marks).toEqual([{ fidelity: 'reduced' }]);

      // Once Google has processed the video, the next run copies just it, and the session is let go.
      google.photos.setProcessing(processingId, 'READY');
      const again = await runTask(toS3);
      expect([again.status, again.totals.items, again.done.items]).toEqual(['succeeded', 1, 1]);
      const gone = await api('GET', `/clouds/${photosCloud}/picker-sessions/${session}`);
      // the session was deleted once copied
      expect(gone.status).toBe(404);
    },
  );

  test('a second session overlapping the first copies only the new items', async () => {
    const created = await api('POST', `/clouds/${photosCloud}/picker-sessions`);
    const second = created.body.id;
    google.photos.pick(
      second,
      library.slice(200, 270).map((x) => x.id),
    ); // 50 already copied, 20 new
    expect(
      (await api('PATCH', `/tasks/${toS3}`, { source: { cloudId: photosCloud, pickerSessionId: second } })).status,
    ).toBe(200);
    const run = await runTask(toS3);
    expect([run.status, run.totals.items, run.done.items]).toEqual(['succeeded', 20, 20]);
    for (const item of library.slice(250, 270))
      expect((await s3Bytes(`photos/${item.filename}`)).equals(await google.photos.served(item.id))).toBeTruthy();
  });

  /** A new session of these items, and a task copying it into a new folder. */
  async function pickedTask(name: string, ids: string[]): Promise<{ session: string; task: string; dir: string }> {
    const session = (await api('POST', `/clouds/${photosCloud}/picker-sessions`)).body.id;
    google.photos.pick(session, ids);
    const dir = path.join(space, name);
    await fs.mkdir(dir);
    const folder = (await api('POST', '/clouds', { kind: 'local', name, options: { root: name } })).body.id;
    const task = (
      await api('POST', '/tasks', {
        name,
        source: { cloudId: photosCloud, pickerSessionId: session },
        destination: { cloudId: folder, path: '' },
      })
    ).body.id;
    return { session, task, dir };
  }

  test('picked videos still processing are waited for within the run and copied once Google is done', async () => {
    const videos = [];
    for (let i = 0; i < 2; i++) {
      const bytes = makeMp4(500 + i, 30_000);
      const id = await google.photos.addMedia({
        filename: `Late_${i}.mp4`,
        bytes,
        type: 'VIDEO',
        mimeType: 'video/mp4',
      });
      google.photos.readyAfterListings(id, 4 + i);
      videos.push({ id, filename: `Late_${i}.mp4` });
    }
    const photo = library[0];
    Object.assign(processingWait, { boundMs: 30_000, firstPollMs: 100, maxPollMs: 400 });
    try {
      const { session, task, dir } = await pickedTask('Waited', [photo.id, ...videos.map((v) => v.id)]);
      const run = await runTask(task);
      expect([run.status, run.done.items, run.failed.items]).toEqual(['succeeded', 3, 0]);
      for (const v of videos)
        expect((await fs.readFile(path.join(dir, v.filename))).equals(await google.photos.served(v.id))).toBeTruthy();
      // The run listed the session, its copy job once more, then polled until the second video was
      // ready (listed READY the 6th time): a few listings, not a flood.
      const listings = google.photos.listings.get(session)!;
      expect(listings >= 6 && listings <= 10).toBeTruthy();
    } finally {
      Object.assign(processingWait, { boundMs: 2_000, firstPollMs: 100, maxPollMs: 400 });
    }
  });

  test('cancelling a run while it waits for a video stops the wait promptly; nothing is failed', async () => {
    const id = await google.photos.addMedia({
      filename: 'Slow.mp4',
      bytes: makeMp4(600, 30_000),
      type: 'VIDEO',
      mimeType: 'video/mp4',
      processing: 'PROCESSING',
    });
    Object.assign(processingWait, { boundMs: 120_000, firstPollMs: 100, maxPollMs: 200 });
    try {
      const { session, task } = await pickedTask('Cancelled', [id]);
      const started = await api('POST', `/tasks/${task}/runs`);
      const runId = started.body.run.id;
      const itemStatus = async () =>
        (await t.db.query(`SELECT status FROM run_items WHERE run_id = $1 AND source_id = $2`, [runId, id])).rows[0]
          ?.status;
      // Waiting: the run shows it, with why and until when, and the session is polled.
      let polled = 0;
      for (const deadline = Date.now() + 30_000; ; ) {
        const r = (await api('GET', `/runs/${runId}`)).body;
        if (r.waiting?.items === 1) {
          polled ||= google.photos.listings.get(session) ?? 0;
          if ((google.photos.listings.get(session) ?? 0) >= polled + 2) break;
        }
        if (Date.now() > deadline || !['queued', 'running'].includes(r.status))
          throw new Error(`not waiting: ${JSON.stringify(r)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const [item] = (await api('GET', `/runs/${runId}/items?status=copying`)).body.items;
      expect(item.waiting.reason).toMatch(/Google Photos is still processing this video/);
      const until = Date.parse(item.waiting.until) - Date.now();
      expect(until > 100_000 && until <= 120_000).toBeTruthy();
      const cancelled = Date.now();
      expect((await api('POST', `/runs/${runId}/cancel`)).status).toBe(200);
      while ((await itemStatus()) === 'copying') {
        // the wait ended within seconds
        expect(Date.now() - cancelled).toBeLessThan(5_000);
        await new Promise((r) => setTimeout(r, 50));
      }
      // put back, not failed
      expect(await itemStatus()).toBe('pending');
      const after = google.photos.listings.get(session);
      await new Promise((r) => setTimeout(r, 1_000));
      // no more polling
      expect(google.photos.listings.get(session)).toBe(after);
      const run = (await api('GET', `/runs/${runId}`)).body;
      expect([run.status, run.failed.items]).toEqual(['cancelled', 0]);
    } finally {
      Object.assign(processingWait, { boundMs: 2_000, firstPollMs: 100, maxPollMs: 400 });
    }
  });

  test(
    'restore a folder of 120 photos into Google Photos: batchCreate calls of at most 50, ' +
      'one item failing once, all in an album named after the folder',
    async () => {
      const dir = path.join(space, 'Summer 2019');
      await fs.mkdir(dir);
      const photos = Array.from({ length: 120 }, (_, i) => ({
        name: `P${String(i).padStart(3, '0')}.jpg`,
        bytes: makeJpeg(10_000 + i, 15_000),
      }));
      for (const p of photos) await fs.writeFile(path.join(dir, p.name), p.bytes);
      const folder = (await api('POST', '/clouds', { kind: 'local', name: 'Restore src', options: { root: '' } })).body
        .id;
      const task = (
        await api('POST', '/tasks', {
          name: 'Restore',
          source: { cloudId: folder, path: 'Summer 2019' },
          destination: { cloudId: photosCloud, path: 'Summer 2019' },
        })
      ).body;
      expect(task.id).toBeTruthy();
      const callsBefore = google.photos.batchCreates.length;
      google.photos.failNextCreate('P042.jpg');
      const run = await runTask(task.id);
      expect([run.status, run.done.items]).toEqual(['succeeded', 120]);
      // 120 photos and the one whose creation failed once, sent again, in batches of at most 50: three
      // calls when the uploads keep pace, a few more when a loaded machine's timing splits a batch
      // (once in CI) or sends the retry after the last batch; never one per photo.
      const calls = google.photos.batchCreates.slice(callsBefore);
      expect(calls.length).toBeGreaterThanOrEqual(3);
      expect(calls.length).toBeLessThanOrEqual(6);
      expect(calls.every((n) => n <= 50)).toBeTruthy();
      expect(calls.reduce((a, b) => a + b, 0)).toBe(121);
      const album = [...google.photos.albums.values()].find((a) => a.title === 'Summer 2019');
      // album named after the folder
      expect(album).toBeTruthy();
      const inAlbum = album!.items.map((id) => google.photos.appItems.get(id)!);
      expect(inAlbum.map((x) => x.filename).sort()).toEqual(photos.map((p) => p.name).sort());
      for (const item of inAlbum)
        expect((await fs.readFile(item.file)).equals(photos.find((p) => p.name === item.filename)!.bytes)).toBeTruthy();
      // Nothing is uploaded again that the manifest shows as restored.
      const again = await runTask(task.id);
      expect([again.status, again.totals.items]).toEqual(['succeeded', 0]);
    },
  );

  test('running out of the daily quota parks the run until it resets, then it carries on', async () => {
    const dir = path.join(space, 'Quota day');
    await fs.mkdir(dir);
    for (let i = 0; i < 80; i++) await fs.writeFile(path.join(dir, `Q${i}.jpg`), makeJpeg(20_000 + i, 8_000));
    const folder = (await api('POST', '/clouds', { kind: 'local', name: 'Quota src', options: { root: 'Quota day' } }))
      .body.id;
    const task = (
      await api('POST', '/tasks', {
        name: 'Quota',
        source: { cloudId: folder },
        destination: { cloudId: photosCloud, path: 'Quota day' },
      })
    ).body;
    google.photos.dailyLimit = google.photos.dailyCount + 30;
    try {
      const started = await api('POST', `/tasks/${task.id}/runs`);
      const runId = started.body.run.id;
      let run: Record<string, any> = {};
      for (const deadline = Date.now() + 60_000; ; ) {
        run = (await api('GET', `/runs/${runId}`)).body;
        if (run.error?.startsWith('Paused until')) break;
        if (Date.now() > deadline || !['queued', 'running'].includes(run.status))
          throw new Error(`not parked: ${JSON.stringify(run)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // nothing failed
      expect(run.failed.items).toBe(0);
      // The day is over: for Google, for the parked run's job, and for the account's pause that every
      // worker keeps to (recorded when the call that met the cap went through the account's pacer).
      google.photos.newDay();
      google.photos.dailyLimit = undefined;
      await t.db.query(
        `UPDATE pgboss.job SET start_after = now() WHERE name = 'run-copy' ` +
          `AND data->>'runId' = $1 AND state = 'created'`,
        [runId],
      );
      await t.db.query(
        `UPDATE rate_limits SET paused_until = now() WHERE key LIKE 'google-photos:%' AND paused_until > now()`,
      );
      for (const deadline = Date.now() + 90_000; run.status === 'running'; ) {
        if (Date.now() > deadline) throw new Error(`still running: ${JSON.stringify(run)}`);
        await new Promise((r) => setTimeout(r, 100));
        run = (await api('GET', `/runs/${runId}`)).body;
      }
      expect([run.status, run.done.items]).toEqual(['succeeded', 80]);
    } finally {
      google.photos.dailyLimit = undefined;
    }
  });
});
