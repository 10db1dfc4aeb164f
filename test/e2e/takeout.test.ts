// Google Photos through Takeout exports, end to end through the REST API: export sets written with
// every naming quirk Google has (test/support/takeout-export.ts) are put in a local folder and in the
// Google Drive emulator, and backed up into a local folder and into s3rver. For every distinct photo
// or video the backup must hold it exactly once, with its bytes, its name, the folder of its taken
// time and an XMP saying when and where; albums become complete JSON files; a second export copies
// only what is new; and the bytes read from the storage cloud stay close to the bytes copied.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readStats } from '../../connectors/google-takeout/read.ts';
import { connectedCloud, signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { startS3, type TestS3 } from '../support/s3.ts';
import { materialize, zipFile } from '../support/archives.ts';
import { checkBackup, localFiles, s3Files } from '../support/takeout-check.ts';
import { takeoutFixture, writeExport, type TakeoutFixture } from '../support/takeout-export.ts';
import { googleEnv, startGoogleFake, type GoogleFake } from '../fakes/google.ts';
import { labelled } from '../support/labelled.ts';

let t: TestApp & { url: string };
let s3: TestS3;
let google: GoogleFake;
let root: string;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-takeout-')));
  s3 = await startS3();
  google = await startGoogleFake({ clientId: 'google-client', clientSecret: 'google-secret' });
  t = await startTestApp(
    { FERRY_LOCAL_ROOTS: root, FERRY_ALLOW_PRIVATE_ENDPOINTS: '1', ...googleEnv(google) },
    { worker: true },
  );
});
afterAll(async () => {
  await t?.close();
  await Promise.all([s3?.close(), google?.close()]);
  await fs.rm(root, { recursive: true, force: true });
});

const api = (a: Actor) => ({
  post: (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer }),
  get: (url: string) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: a.bearer }),
});

async function cloud(a: Actor, kind: string, name: string, options: object): Promise<string> {
  const res = await api(a).post('/clouds', { kind, name, options });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

/** A local cloud whose root is `dir`, a folder in the user's space (<root>/<user id>/). */
async function localCloud(a: Actor, name: string, dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  return cloud(a, 'local', name, { root: path.relative(path.join(root, a.id), dir) });
}

async function task(a: Actor, name: string, src: string, dst: string, extra: object = {}): Promise<string> {
  const res = await api(a).post('/tasks', {
    name,
    source: { cloudId: src },
    destination: { cloudId: dst, path: '' },
    ...extra,
  });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function runNow(a: Actor, taskId: string) {
  const res = await api(a).post(`/tasks/${taskId}/runs`, {});
  expect(res.statusCode).toBe(202);
  const run = await waitForRun(t, a, res.json().run.id, 120_000);
  return run;
}

/** Bytes read from the storage cloud to index a Takeout cloud's parts, as the parts' records say. */
const indexBytes = async (cloudId: string): Promise<number> =>
  (
    await t.db.query(
      `SELECT coalesce(sum((value->>'bytesRead')::bigint), 0)::bigint AS n ` +
        `FROM cloud_state WHERE cloud_id = $1 AND key LIKE 'part:%'`,
      [cloudId],
    )
  ).rows[0].n;

/**
 * What a run read besides indexing is the media it copied, each once (a deflated entry is at most a
 * little bigger), plus each entry's local header in the same request, plus the heads of media
 * without a sidecar date (read once for their EXIF).
 */
function assertCopyReads(read: number, copies: Array<{ size: number }>, f: TakeoutFixture, what: string) {
  return labelled(what, () => {
    const media = copies.reduce((n, r) => n + r.size, 0);
    const undated = f.media.filter((m) => m.dateFrom !== 'sidecar').reduce((n, m) => n + m.bytes.length, 0);
    const bound = media * 1.01 + undated + (copies.length + f.media.length) * 1200;
    expect(read).toBeGreaterThanOrEqual(media);
    expect(read).toBeLessThanOrEqual(bound);
  });
}

const copiedMedia = async (runId: string) =>
  (
    await t.db.query<{ dest_path: string; size: number }>(
      `SELECT dest_path, size FROM run_items WHERE run_id = $1 AND status = 'done' AND source_id LIKE 'm:%'`,
      [runId],
    )
  ).rows;

describe('Takeout exports in a local folder', () => {
  test(
    'two exports into a local folder and into S3: each photo once, named, ' +
      'filed, described; the second copies only what is new',
    async () => {
      const a = await signup(t);
      const f = takeoutFixture();
      const drop = path.join(root, a.id, 'drop-local');
      await fs.mkdir(drop, { recursive: true });
      await writeExport(f, 0, drop);
      const storage = await localCloud(a, 'NAS', drop);
      const takeout = await cloud(a, 'google-takeout', 'Google Photos (Takeout)', { cloudId: storage, path: '' });

      const status = await api(a).get(`/clouds/${takeout}/takeout`);
      expect(status.statusCode).toBe(200);
      const view = status.json();
      expect(view.sets.length).toBe(1);
      expect(view.sets[0].id).toBe(f.exports[0].stamp);
      expect(view.sets[0].state).toBe('ready');
      expect(view.sets[0].parts.length).toBe(f.exports[0].parts.length);
      expect(view.setupUrl).toMatch(/^https:\/\/takeout\.google\.com\//);

      const localDest = await localCloud(a, 'Backup disk', path.join(root, a.id, 'backup-local'));
      const s3Dest = await cloud(a, 's3', 'Archive bucket', s3.options({ prefix: 'photos/' }));
      const toLocal = await task(a, 'Takeout → disk', takeout, localDest);
      const toS3 = await task(a, 'Takeout → S3', takeout, s3Dest);

      const readBefore = readStats.bytes;
      const first = await runNow(a, toLocal);
      expect(first.status).toBe('succeeded');
      const readFirst = readStats.bytes - readBefore;
      checkBackup(await localFiles(path.join(root, a.id, 'backup-local')), f, 0, 'local, export 1');
      const firstS3 = await runNow(a, toS3);
      expect(firstS3.status).toBe('succeeded');
      checkBackup(await s3Files(s3, 'photos/'), f, 0, 'S3, export 1');

      // Read: the zip directories and JSON files once (indexing), then each copied medium once.
      const archiveBytes = f.exports[0].parts.reduce((n, p) => n + p.file.size, 0);
      const indexedFirst = await indexBytes(takeout);
      const firstCopies = await copiedMedia(first.id);
      assertCopyReads(readFirst - indexedFirst, firstCopies, f, 'run 1');
      // (The tail read that finds a directory is up to 64 KiB: most of these small test parts.)
      expect(indexedFirst).toBeLessThan(archiveBytes);

      const ingested = (await api(a).get(`/clouds/${takeout}/takeout`)).json();
      expect(ingested.sets[0].state).toBe('ingested');
      expect(ingested.sets[0].parts.every((p: { ingested: boolean }) => p.ingested)).toBeTruthy();

      // The second export (in German, overlapping the first) arrives.
      await writeExport(f, 1, drop);
      const readMid = readStats.bytes;
      const second = await runNow(a, toLocal);
      expect(second.status).toBe('succeeded');
      const readSecond = readStats.bytes - readMid;
      const placed = checkBackup(await localFiles(path.join(root, a.id, 'backup-local')), f, 1, 'local, exports 1+2');
      const fresh = f.media.filter((m) => m.firstExport === 1);
      const copied = await copiedMedia(second.id);
      // the second run copies only the media that are new
      expect(copied.map((r) => r.dest_path).sort()).toEqual(fresh.map((m) => placed.get(m.sha256)!).sort());
      const secondS3 = await runNow(a, toS3);
      expect(secondS3.status).toBe('succeeded');
      checkBackup(await s3Files(s3, 'photos/'), f, 1, 'S3, exports 1+2');

      // The second run reads the new parts' directories and JSON files, and the new media only.
      const indexedSecond = (await indexBytes(takeout)) - indexedFirst;
      assertCopyReads(readSecond - indexedSecond, copied, f, 'run 2');
      const secondArchive = f.exports[1].parts.reduce((n, p) => n + p.file.size, 0);
      expect(indexedSecond).toBeLessThan(secondArchive);

      const third = await runNow(a, toLocal);
      expect(third.status).toBe('succeeded');
      // nothing new: nothing copied
      expect(third.done.items).toBe(0);
    },
  );
});

describe('Takeout exports in Google Drive', () => {
  test('parts delivered to Drive are read with range requests; the backup into S3 is complete', async () => {
    const a = await signup(t);
    const f = takeoutFixture({ seed: 7 });
    for (const p of f.exports[0].parts) {
      await google.drive.addFile(`Takeout/${p.name}`, materialize(p.file), {
        modifiedTime: f.exports[0].createdAt.toISOString(),
      });
    }
    const drive = await connectedCloud(t, a, 'google-drive', google);
    const takeout = await cloud(a, 'google-takeout', 'Photos from Drive', { cloudId: drive, path: 'Takeout' });
    const dest = await cloud(a, 's3', 'Archive bucket', s3.options({ prefix: 'drive/' }));
    const id = await task(a, 'Drive Takeout → S3', takeout, dest);
    const served = () =>
      google.requests.filter((r) => r.method === 'GET' && /\/drive\/v3\/files\/[^/]+$/.test(r.path)).length;
    const before = served();
    const run = await runNow(a, id);
    expect(run.status).toBe('succeeded');
    checkBackup(await s3Files(s3, 'drive/'), f, 0, 'Drive → S3');
    // the parts were read from Drive
    expect(served()).toBeGreaterThan(before);
  });
});

describe('A crafted Takeout part', () => {
  test(
    '30,000 empty entries and entries sharing their data: ' +
      '/healthz answers throughout, the bad part shows its error',
    async () => {
      const a = await signup(t);
      const drop = path.join(root, a.id, 'drop-crafted');
      await fs.mkdir(drop, { recursive: true });
      const dir = 'Takeout/Google Photos/Photos from 2019/';
      const many = zipFile(
        Array.from({ length: 30_000 }, (_, i) => ({
          name: `${dir}IMG_${String(i).padStart(5, '0')}.jpg`,
          method: 0 as const,
        })),
      );
      const name = (i: number) => `${dir}${String(i).padStart(3, '0')}.jpg`;
      const bomb = zipFile([
        { name: name(0), data: Buffer.alloc(1024 * 1024) },
        ...Array.from({ length: 499 }, (_, i) => ({ name: name(i + 1), sharesDataOf: 0 })),
      ]);
      // Two exports: a part's media without sidecars wait while another part of their export cannot be read.
      const [stamp, bombStamp] = ['20260301T000000Z', '20260302T000000Z'];
      const longAgo = new Date(Date.now() - 2 * 86_400_000);
      for (const [p, file] of [
        [path.join(drop, `takeout-${stamp}-001.zip`), many],
        [path.join(drop, `takeout-${bombStamp}-001.zip`), bomb],
      ] as const) {
        await fs.writeFile(p, materialize(file));
        await fs.utimes(p, longAgo, longAgo);
      }
      const storage = await localCloud(a, 'crafted drop', drop);
      const takeout = await cloud(a, 'google-takeout', 'Crafted', { cloudId: storage, path: '' });
      const dest = await localCloud(a, 'crafted backup', path.join(root, a.id, 'backup-crafted'));
      const id = await task(a, 'crafted', takeout, dest);

      const res = await api(a).post(`/tasks/${id}/runs`, {});
      expect(res.statusCode).toBe(202);
      const runId = res.json().run.id;
      // While the run plans (indexes the parts), the API answers: /healthz every 100 ms, each promptly.
      let slowest = 0;
      let asked = 0;
      let run;
      for (;;) {
        const started = performance.now();
        const health = await t.app.inject({ method: 'GET', url: '/healthz' });
        slowest = Math.max(slowest, performance.now() - started);
        asked++;
        expect(health.statusCode).toBe(200);
        run = (await api(a).get(`/runs/${runId}`)).json();
        if (['succeeded', 'partial', 'failed', 'cancelled'].includes(run.status)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(asked).toBeGreaterThan(3);
      expect(slowest).toBeLessThan(2000);

      // The empty files are one (empty) file; the part whose entries share their data is a failed item.
      expect(run.status).toBe('partial');
      const failed = (await api(a).get(`/runs/${runId}/items?status=failed`)).json().items;
      expect(failed.map((i: { path: string }) => i.path)).toEqual([`takeout-${bombStamp}-001.zip`]);
      expect(failed[0].error).toMatch(/must not share their data.*Download this part again/);
      const backedUp = (await fs.readdir(path.join(root, a.id, 'backup-crafted'), { recursive: true }))
        .filter((f) => f.includes('.'))
        .sort();
      expect(backedUp).toEqual(['2024/05/IMG_00000.jpg', '2024/05/IMG_00000.jpg.xmp']);
      const view = (await api(a).get(`/clouds/${takeout}/takeout`)).json();
      expect(view.sets.map((x: { parts: Array<{ ingested: boolean }> }) => x.parts[0].ingested)).toEqual([true, false]);
      expect(view.sets[1].parts[0].error).toMatch(/overlaps .*must not share their data/);
    },
  );
});
