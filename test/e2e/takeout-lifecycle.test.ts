// Google Photos through Takeout exports, the rest of their life: a .tgz export (read front to back),
// sets that are not ready yet, archives deleted once backed up, a Picker copy replaced by the
// original, and what the API refuses.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import zlib from 'node:zlib';
import { readStats } from '../../connectors/google-takeout/read.ts';
import { connectedCloud, settled, signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { localFolder } from '../support/local-space.ts';
import { writeZip } from '../support/archives.ts';
import { checkBackup, localFiles, sha256 } from '../support/takeout-check.ts';
import { takeoutFixture, writeExport } from '../support/takeout-export.ts';
import { googleEnv, startGoogleFake, type GoogleFake } from '../fakes/google.ts';
import { makeJpeg } from '../fakes/google/media.ts';

let t: TestApp & { url: string };
let google: GoogleFake;
let root: string;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-takeout-life-')));
  google = await startGoogleFake({ clientId: 'google-client', clientSecret: 'google-secret' });
  t = await startTestApp(
    { FERRY_LOCAL_ROOTS: root, FERRY_ALLOW_PRIVATE_ENDPOINTS: '1', ...googleEnv(google) },
    { worker: true },
  );
});
afterAll(async () => {
  await t?.close();
  await google?.close();
  await fs.rm(root, { recursive: true, force: true });
});

const api = (a: Actor) => ({
  post: (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer }),
  get: (url: string) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: a.bearer }),
  delete: (url: string) => t.app.inject({ method: 'DELETE', url: `/api/v1${url}`, headers: a.bearer }),
});

async function cloud(a: Actor, kind: string, name: string, options: object): Promise<string> {
  const res = await api(a).post('/clouds', { kind, name, options });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

/** A local cloud on the folder `name` of the user's space. */
async function folder(a: Actor, name: string): Promise<{ id: string; dir: string }> {
  const dir = await localFolder(root, a, name);
  return { id: await cloud(a, 'local', name, { root: name }), dir };
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
  return waitForRun(t, a, res.json().run.id, 120_000);
}

const partsIn = async (dir: string) => (await fs.readdir(dir)).filter((n) => /^takeout-.*\.(zip|tgz)$/.test(n)).sort();

describe('Takeout exports', () => {
  test('a .tgz export is read front to back, one item at a time, and backed up whole', async () => {
    const a = await signup(t);
    const f = takeoutFixture({ format: 'tgz', seed: 3 });
    const drop = await folder(a, 'drop-tgz');
    await writeExport(f, 0, drop.dir);
    const takeout = await cloud(a, 'google-takeout', 'Photos (tgz)', { cloudId: drop.id });
    const dest = await folder(a, 'backup-tgz');
    const id = await task(a, 'tgz → disk', takeout, dest.id);
    const before = readStats.bytes;
    const run = await runNow(a, id);
    expect(run.status).toBe('succeeded');
    checkBackup(await localFiles(dest.dir), f, 0, 'tgz');
    const { rows } = await t.db.query('SELECT sequential FROM runs WHERE id = $1', [run.id]);
    // a run from a .tgz source copies one item at a time
    expect(rows[0].sequential).toBe(true);
    // Once to index it, once more to copy from it: never more.
    const archive = f.exports[0].parts.reduce((n, p) => n + p.file.size, 0);
    const read = readStats.bytes - before;
    expect(read).toBeLessThanOrEqual(2 * archive);
  });

  test('sets still arriving wait; GET …/takeout says for what, and how to set the export up', async () => {
    const a = await signup(t);
    const f = takeoutFixture({ seed: 5 });
    const drop = await folder(a, 'drop-waiting');
    // Part 2 of 3 only: 001 is missing.
    const [, second] = f.exports[0].parts;
    const { materialize } = await import('../support/archives.ts');
    await fs.writeFile(path.join(drop.dir, second.name), materialize(second.file));
    // Another export's only part, arrived just now: it waits out the settle time.
    await fs.writeFile(
      path.join(drop.dir, 'takeout-20261120T090000Z-001.zip'),
      materialize(f.exports[1].parts[0].file),
    );
    await fs.writeFile(path.join(drop.dir, 'notes.txt'), 'not an export');
    const takeout = await cloud(a, 'google-takeout', 'Photos', { cloudId: drop.id, settleMinutes: 90 });
    const view = (await api(a).get(`/clouds/${takeout}/takeout`)).json();
    expect(view.sets.map((s: { id: string; state: string; missing: number[] }) => [s.id, s.state, s.missing])).toEqual([
      [f.exports[0].stamp, 'waiting', [1]],
      ['20261120T090000Z', 'waiting', []],
    ]);
    expect(view.sets[0].waitingFor).toMatch(/001 not there yet/);
    expect(view.sets[1].waitingFor).toMatch(/arrived recently/);
    expect(view.setupUrl).toBe('https://takeout.google.com/takeout/custom/photos');
    expect(view.setup.some((s: string) => s.includes('Export every 2 months'))).toBeTruthy();

    // A run copies nothing from sets that are not ready, and fails nothing.
    const dest = await folder(a, 'backup-waiting');
    const run = await runNow(a, await task(a, 'waiting → disk', takeout, dest.id));
    expect(run.status).toBe('succeeded');
    expect(run.done.items).toBe(0);
    expect(await fs.readdir(dest.dir)).toEqual([]);
  });

  test(
    'archives are deleted once everything in them is backed up; ' +
      'never by a task that filters, nor while another task reads them',
    async () => {
      const a = await signup(t);
      const f = takeoutFixture({ seed: 9 });
      // Delivered into a folder of the cloud, as Drive does ("Takeout"); a namesake at the root stays.
      const drop = await folder(a, 'drop-delete');
      const delivery = path.join(drop.dir, 'Takeout');
      await fs.mkdir(delivery);
      await writeExport(f, 0, delivery);
      const parts = await partsIn(delivery);
      await fs.writeFile(path.join(drop.dir, parts[0]), 'not this one');
      const takeout = await cloud(a, 'google-takeout', 'Photos', {
        cloudId: drop.id,
        path: 'Takeout',
        deleteArchives: true,
      });

      const photosOnly = await folder(a, 'backup-photos-only');
      const filteredTask = await task(a, 'photos only', takeout, photosOnly.id, { filter: { mediaTypes: ['photo'] } });
      const filtered = await runNow(a, filteredTask);
      expect(filtered.status).toBe('succeeded');
      // The archives are let go after the run ends (by its finalize job): look once every job is done.
      await settled(t);
      // a task that leaves things out deletes nothing
      expect(await partsIn(delivery)).toEqual(parts);

      const dest = await folder(a, 'backup-delete');
      const id = await task(a, 'everything', takeout, dest.id);
      const whileShared = await runNow(a, id);
      expect(whileShared.status).toBe('succeeded');
      await settled(t);
      // another task still reads the archives: nothing is deleted
      expect(await partsIn(delivery)).toEqual(parts);

      expect((await api(a).delete(`/tasks/${filteredTask}`)).statusCode).toBe(204);
      const run = await runNow(a, id);
      expect(run.status).toBe('succeeded');
      await settled(t);
      checkBackup(await localFiles(dest.dir), f, 0, 'before the archives went');
      // the archives are deleted
      expect(await partsIn(delivery)).toEqual([]);
      // a file of the same name elsewhere is untouched
      expect(await fs.readFile(path.join(drop.dir, parts[0]), 'utf8')).toBe('not this one');
      const view = (await api(a).get(`/clouds/${takeout}/takeout`)).json();
      // the export stays in the history
      expect(view.sets.length).toBe(1);
      expect(view.sets[0].state).toBe('ingested');
      expect(view.sets[0].parts.every((p: { deleted: boolean }) => p.deleted)).toBeTruthy();

      // The next run finds nothing new and fails nothing; the backup is whole.
      const again = await runNow(a, id);
      expect([again.status, again.done.items, again.failed.items]).toEqual(['succeeded', 0, 0]);
      checkBackup(await localFiles(dest.dir), f, 0, 'after the archives went');
    },
  );

  test(
    'a damaged part: reported as a failed item with what to do, ' + 'the rest backed up; once replaced, ingested',
    async () => {
      const a = await signup(t);
      const f = takeoutFixture({ seed: 13 });
      const drop = await folder(a, 'drop-damaged');
      await writeExport(f, 0, drop.dir);
      const parts = await partsIn(drop.dir);
      const damaged = path.join(drop.dir, parts[1]);
      const good = await fs.readFile(damaged);
      await fs.writeFile(damaged, good.subarray(0, good.length - 30)); // cut off, as by an interrupted upload
      await fs.utimes(damaged, f.exports[0].createdAt, f.exports[0].createdAt);
      const takeout = await cloud(a, 'google-takeout', 'Takeout', { cloudId: drop.id });
      const dest = await folder(a, 'backup-damaged');
      const id = await task(a, 'damaged', takeout, dest.id);
      const first = await runNow(a, id);
      expect(first.status).toBe('partial');
      const failed = (await api(a).get(`/runs/${first.id}/items?status=failed`)).json().items;
      expect(failed.map((i: { path: string }) => i.path)).toEqual([parts[1]]);
      expect(failed[0].error).toMatch(/Download this part again|download this part again/);
      const view = (await api(a).get(`/clouds/${takeout}/takeout`)).json();
      expect(view.sets[0].parts[1].error).toMatch(/zip/);
      expect(view.sets[0].parts[1].ingested).toBe(false);

      // Downloaded again (over an hour ago: settled): the next run takes it up, and the backup is whole and right.
      await fs.writeFile(damaged, good);
      const anHourAgo = new Date(Date.now() - 61 * 60_000);
      await fs.utimes(damaged, anHourAgo, anHourAgo);
      const second = await runNow(a, id);
      expect(second.status).toBe('succeeded');
      checkBackup(await localFiles(dest.dir), f, 0, 'after the part was replaced');
    },
  );

  // The photo has an edited copy in the export, which shares its sidecar (and so its title and time)
  // but is not the photo the Picker copied: it must neither replace nor remove anything.
  for (const layout of [undefined, '{yyyy}/{mm}/{name}']) {
    test(
      `a Picker copy of a photo is replaced by the original from Takeout, ` +
        `and its manifest says so (${layout ? 'same path' : 'another path'})`,
      async () => {
        const a = await signup(t);
        const f = takeoutFixture({ seed: 11 });
        const photo = f.media.find((m) => m.name === 'IMG_20190714_123000.jpg')!;
        // the export holds an edited copy of it
        expect(f.media.some((m) => m.name === 'IMG_20190714_123000-edited.jpg')).toBeTruthy();
        // The Picker's copy: other bytes (Google strips the location), same name and time.
        const itemId = await google.photos.addMedia({
          filename: photo.name,
          bytes: makeJpeg(4242, 3000),
          createTime: photo.takenAt.toISOString(),
        });
        const photos = await connectedCloud(t, a, 'google-photos', google);
        const session = (await api(a).post(`/clouds/${photos}/picker-sessions`, {})).json().id;
        google.photos.pick(session, [itemId]);
        const dest = await folder(a, `backup-supersede-${layout ? 'same' : 'other'}`);
        const pickedTask = await api(a).post('/tasks', {
          name: 'picked',
          source: { cloudId: photos, pickerSessionId: session },
          destination: { cloudId: dest.id, path: '' },
          options: layout ? { layout } : {},
        });
        expect(pickedTask.statusCode).toBe(201);
        const picked = await runNow(a, pickedTask.json().id);
        expect(picked.status).toBe('succeeded');
        const pickedPath = layout ? `2019/07/${photo.name}` : photo.name;
        // the Picker copy landed
        expect(
          (await fs.readFile(path.join(dest.dir, pickedPath))).equals(await google.photos.served(itemId)),
        ).toBeTruthy();

        const drop = await folder(a, `drop-supersede-${layout ? 'same' : 'other'}`);
        await writeExport(f, 0, drop.dir);
        const takeout = await cloud(a, 'google-takeout', 'Takeout', { cloudId: drop.id });
        const run = await runNow(a, await task(a, 'takeout', takeout, dest.id));
        expect(run.status).toBe('succeeded');
        const files = await localFiles(dest.dir);
        const placed = checkBackup(new Map([...files].filter(([p]) => p.includes('/'))), f, 0, 'over a Picker copy');
        // the original is in its place
        expect(sha256(files.get(placed.get(photo.sha256)!)!.bytes)).toBe(photo.sha256);
        if (!layout) expect(files.get(photo.name)).toBe(undefined);
        const marks = await t.db.query(
          `SELECT m.fidelity, m.superseded_by->>'destPath' AS by FROM manifest m ` +
            `JOIN tasks k ON k.id = m.task_id WHERE k.name = 'picked' AND k.user_id = $1`,
          [a.id],
        );
        expect(marks.rows).toEqual([{ fidelity: 'superseded', by: placed.get(photo.sha256) }]);

        // Picked again later: the original is there, so no reduced copy is made beside it.
        const again = (await api(a).post(`/clouds/${photos}/picker-sessions`, {})).json().id;
        google.photos.pick(again, [itemId]);
        const repicked = await runNow(
          a,
          (
            await api(a).post('/tasks', {
              name: 'picked again',
              source: { cloudId: photos, pickerSessionId: again },
              destination: { cloudId: dest.id, path: '' },
              options: layout ? { layout } : {},
            })
          ).json().id,
        );
        expect([repicked.status, repicked.done.items, repicked.skipped.items]).toEqual(['succeeded', 0, 1]);
        const skipped = (await api(a).get(`/runs/${repicked.id}/items?status=skipped`)).json().items;
        expect(skipped[0].error).toMatch(/original of this photo is at the destination already/);
        // nothing written (by hash: Jest compares two Buffers a byte at a time, seconds for these)
        const seen = (m: typeof files) => [...m].map(([p, f]) => [p, sha256(f.bytes), f.mtime.getTime()]).sort();
        expect(seen(await localFiles(dest.dir))).toEqual(seen(files));
      },
    );
  }

  test('two different photos of equal size and CRC-32 are both kept: their SHA-256s tell them apart', async () => {
    const a = await signup(t);
    // A CRC-32 collision, found by the birthday bound: the same JPEG with different trailing bytes.
    const base = makeJpeg(77, 3000);
    const seen = new Map<number, Buffer>();
    let pair: [Buffer, Buffer] | undefined;
    const baseCrc = zlib.crc32(base);
    while (!pair) {
      const tail = crypto.randomBytes(8);
      const crc = zlib.crc32(tail, baseCrc);
      const other = seen.get(crc);
      if (other && !other.equals(tail)) pair = [Buffer.concat([base, other]), Buffer.concat([base, tail])];
      seen.set(crc, tail);
    }
    const [one, two] = pair;
    expect(zlib.crc32(one)).toBe(zlib.crc32(two));
    const sidecar = (title: string, at: string) =>
      Buffer.from(JSON.stringify({ title, photoTakenTime: { timestamp: String(Date.parse(at) / 1000) } }));
    const root = 'Takeout/Google Photos';
    const zip = writeZip([
      { name: `${root}/Photos from 2019/IMG_A.jpg`, data: one },
      {
        name: `${root}/Photos from 2019/IMG_A.jpg.json`,
        data: sidecar('IMG_A.jpg', '2019-07-01T10:00:00Z'),
        method: 8,
      },
      { name: `${root}/Photos from 2019/IMG_B.jpg`, data: two },
      {
        name: `${root}/Photos from 2019/IMG_B.jpg.json`,
        data: sidecar('IMG_B.jpg', '2019-08-01T10:00:00Z'),
        method: 8,
      },
      { name: `${root}/Trip/IMG_B.jpg`, data: two },
      { name: `${root}/Trip/IMG_B.jpg.json`, data: sidecar('IMG_B.jpg', '2019-08-01T10:00:00Z'), method: 8 },
    ]);
    const drop = await folder(a, 'drop-collision');
    const file = path.join(drop.dir, 'takeout-20260501T101500Z-001.zip');
    await fs.writeFile(file, zip);
    await fs.utimes(file, new Date('2026-05-01T12:00:00Z'), new Date('2026-05-01T12:00:00Z'));
    const takeout = await cloud(a, 'google-takeout', 'Takeout', { cloudId: drop.id });
    const dest = await folder(a, 'backup-collision');
    const run = await runNow(a, await task(a, 'collision', takeout, dest.id));
    expect(run.status).toBe('succeeded');
    const files = await localFiles(dest.dir);
    // the first photo
    expect(files.get('2019/07/IMG_A.jpg')?.bytes.equals(one)).toBeTruthy();
    // the second photo, not taken for a copy of the first
    expect(files.get('2019/08/IMG_B.jpg')?.bytes.equals(two)).toBeTruthy();
    expect(JSON.parse(files.get('Albums/Trip.json')!.bytes.toString()).items).toEqual(['2019/08/IMG_B.jpg']);
    expect([...files.keys()].filter((p) => p.endsWith('.jpg')).length).toBe(2);
  });

  test(
    'the API refuses a Takeout source on a cloud that cannot hold ' +
      'archives or is not yours, and keeps the cloud it reads',
    async () => {
      const a = await signup(t);
      const b = await signup(t);
      const mine = await folder(a, 'drop-mine');
      const theirs = await folder(b, 'drop-theirs');
      const before = (await t.db.query('SELECT count(*)::int AS n FROM clouds')).rows[0].n;
      const refused = [
        { options: { cloudId: theirs.id }, why: /no cloud .* of yours/ },
        { options: { cloudId: '00000000-0000-4000-8000-000000000000' }, why: /no cloud .* of yours/ },
        { options: { cloudId: mine.id, settleMinutes: -1 }, why: /settleMinutes/ },
        { options: { cloudId: 'nope' }, why: /cloudId/ },
        { options: {}, why: /cloudId/ },
      ];
      for (const r of refused) {
        const res = await api(a).post('/clouds', { kind: 'google-takeout', name: 'x', options: r.options });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.message).toMatch(r.why);
      }
      const takeout = await cloud(a, 'google-takeout', 'Takeout', { cloudId: mine.id });
      const wrapping = await api(a).post('/clouds', {
        kind: 'google-takeout',
        name: 'y',
        options: { cloudId: takeout },
      });
      expect(wrapping.statusCode).toBe(400);
      expect(wrapping.json().error.message).toMatch(/cannot read through/);
      // nothing else was stored
      expect((await t.db.query('SELECT count(*)::int AS n FROM clouds')).rows[0].n).toBe(before + 1);

      const removing = await api(a).delete(`/clouds/${mine.id}`);
      expect(removing.statusCode).toBe(409);
      expect(removing.json().error.message).toMatch(/read through "Takeout"/);
      const other = await api(b).get(`/clouds/${takeout}/takeout`);
      // another user sees nothing of it
      expect(other.statusCode).toBe(404);
      const notTakeout = await api(a).get(`/clouds/${mine.id}/takeout`);
      expect(notTakeout.statusCode).toBe(400);
    },
  );
});
