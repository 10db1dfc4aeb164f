// Runs through the REST API with a worker: local → S3 (s3rver) and S3 → local, every byte compared.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { startS3, type TestS3 } from '../support/s3.ts';

let t: TestApp;
let s3: TestS3;
let root: string;
let space: string;
let a: Actor;
const files = new Map<string, Buffer>();

const MiB = 1024 * 1024;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-e2e-')));
  s3 = await startS3();
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root, FERRY_ALLOW_PRIVATE_ENDPOINTS: '1' }, { worker: true });
  a = await signup(t);
  // Local clouds are folders of their owner's space, <FERRY_LOCAL_ROOTS>/<user id>/.
  space = path.join(root, a.id);
  await fs.mkdir(space, { mode: 0o700 });
  const photos = path.join(space, 'photos');
  const content: [string, number][] = [
    ['empty.txt', 0],
    ['one.bin', 1],
    ['2019/IMG_0001.jpg', 150_000],
    ['2019/Sommer Ä ö 🌞.jpg', 70_000],
    ['2020/clip.mp4', 20 * MiB + 12345], // two parts of 16 MiB: a multipart upload
    ['2020/deep/nested/note.txt', 1000],
  ];
  for (const [rel, size] of content) {
    const data = crypto.randomBytes(size);
    files.set(rel, data);
    await fs.mkdir(path.dirname(path.join(photos, rel)), { recursive: true });
    await fs.writeFile(path.join(photos, rel), data);
  }
  await fs.utimes(
    path.join(photos, '2019/IMG_0001.jpg'),
    new Date('2019-07-14T10:00:00Z'),
    new Date('2019-07-14T10:00:00Z'),
  );
  await fs.mkdir(path.join(space, 'restore'));
});
afterAll(async () => {
  await t.close();
  await s3.close();
  await fs.rm(root, { recursive: true, force: true });
});

const api = (method: string, url: string, payload?: unknown) =>
  t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, payload: payload as object, headers: a.bearer });
const s3Options = (prefix?: string) => s3.options({ prefix });

async function getObject(key: string): Promise<Buffer> {
  const out = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

async function runTask(taskId: string) {
  const res = await api('POST', `/tasks/${taskId}/runs`);
  expect(res.statusCode).toBe(202);
  return waitForRun(t, a, res.json().run.id);
}

let localCloud: string;
let s3Cloud: string;

describe('local → S3 → local', () => {
  test('a run copies every file to S3, byte for byte, and charges the traffic', async () => {
    localCloud = (await api('POST', '/clouds', { kind: 'local', name: 'NAS', options: { root: '' } })).json().id;
    s3Cloud = (await api('POST', '/clouds', { kind: 's3', name: 'Bucket', options: s3Options('backups') })).json().id;
    const task = (
      await api('POST', '/tasks', {
        name: 'Photos to S3',
        source: { cloudId: localCloud, path: 'photos' },
        destination: { cloudId: s3Cloud, path: 'family' },
      })
    ).json();
    const run = await runTask(task.id);
    const total = [...files.values()].reduce((s, b) => s + b.length, 0);
    expect(run.status).toBe('succeeded');
    expect(run.totals).toEqual({ items: files.size, bytes: total });
    expect(run.done).toEqual({ items: files.size, bytes: total });
    expect(run.failed.items).toBe(0);
    for (const [rel, data] of files) {
      const got = await getObject(`backups/family/${rel}`);
      expect(crypto.createHash('sha256').update(got).digest('hex')).toBe(
        crypto.createHash('sha256').update(data).digest('hex'),
      );
    }
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'backups/' }));
    // no stray objects
    expect(listed.KeyCount).toBe(files.size);
    const uploads = await s3.client().send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }));
    // no unfinished multipart uploads
    expect((uploads.Uploads ?? []).length).toBe(0);
    const me = (await api('GET', '/me')).json();
    expect(me.usage.usedBytes).toBe(total);
    const manifest = await t.db.query('SELECT count(*)::int AS n FROM manifest WHERE task_id = $1', [task.id]);
    expect(manifest.rows[0].n).toBe(files.size);
    const items = (await api('GET', `/runs/${run.id}/items?limit=200`)).json().items;
    expect(items.every((i: { status: string }) => i.status === 'done')).toBeTruthy();

    // The next run of the unchanged source copies nothing and charges nothing.
    const again = await runTask(task.id);
    expect(again.status).toBe('succeeded');
    expect([again.totals, again.done]).toEqual([
      { items: 0, bytes: 0 },
      { items: 0, bytes: 0 },
    ]);
    expect((await api('GET', '/me')).json().usage.usedBytes).toBe(total);

    // A changed and a new file: only those two are copied.
    const changed = crypto.randomBytes(5000);
    await fs.writeFile(path.join(space, 'photos/one.bin'), changed);
    files.set('one.bin', changed);
    const added = crypto.randomBytes(3000);
    await fs.writeFile(path.join(space, 'photos/2020/new.jpg'), added);
    files.set('2020/new.jpg', added);
    const third = await runTask(task.id);
    expect(third.status).toBe('succeeded');
    expect(third.done).toEqual({ items: 2, bytes: 8000 });
    expect(await getObject('backups/family/one.bin')).toEqualBytes(changed);
  });

  test('S3 → local restores every byte', async () => {
    const task = (
      await api('POST', '/tasks', {
        name: 'Restore',
        source: { cloudId: s3Cloud, path: 'family' },
        destination: { cloudId: localCloud, path: 'restore' },
      })
    ).json();
    const run = await runTask(task.id);
    expect(run.status).toBe('succeeded');
    expect(run.done.items).toBe(files.size);
    for (const [rel, data] of files) {
      const got = await fs.readFile(path.join(space, 'restore', rel));
      expect(got.equals(data)).toBeTruthy();
    }
    const leftovers = (await fs.readdir(path.join(space, 'restore'), { recursive: true })).filter((f) =>
      String(f).endsWith('.ferry-partial'),
    );
    expect(leftovers).toEqual([]);
  });

  test('layout, filters and conflict policies', async () => {
    // A file of someone else's already sits where one copy would go.
    await s3
      .client()
      .send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: 'sorted/2019/07/IMG_0001.jpg', Body: 'not the same photo' }),
      );
    const base = {
      source: { cloudId: localCloud, path: 'photos' },
      destination: { cloudId: s3Cloud, path: '../sorted' },
      filter: { mediaTypes: ['photo'] },
    };
    const bad = await api('POST', '/tasks', { name: 'x', ...base });
    expect(bad.statusCode).toBe(400);
    const s3Root = (await api('POST', '/clouds', { kind: 's3', name: 'Whole bucket', options: s3Options() })).json().id;
    const skip = (
      await api('POST', '/tasks', {
        ...base,
        name: 'sorted',
        destination: { cloudId: s3Root, path: 'sorted' },
        options: { conflict: 'skip', layout: '{yyyy}/{mm}/{name}' },
      })
    ).json();
    const r1 = await runTask(skip.id);
    expect(r1.status).toBe('succeeded');
    // photos only: two jpgs and the new one
    expect(r1.totals.items).toBe(3);
    expect(r1.skipped.items).toBe(1);
    const skipped = (await api('GET', `/runs/${r1.id}/items?status=skipped`)).json().items;
    expect(skipped[0].error).toMatch(/already exists/);
    // left alone
    expect((await getObject('sorted/2019/07/IMG_0001.jpg')).toString()).toBe('not the same photo');

    const rename = (
      await api('POST', '/tasks', {
        ...base,
        name: 'sorted2',
        destination: { cloudId: s3Root, path: 'sorted' },
        options: { conflict: 'rename', layout: '{yyyy}/{mm}/{name}' },
      })
    ).json();
    const r2 = await runTask(rename.id);
    expect(r2.status).toBe('succeeded');
    // identical copies made by the first task are recognised
    expect(r2.skipped.items).toBe(2);
    expect(await getObject('sorted/2019/07/IMG_0001 (1).jpg')).toEqualBytes(files.get('2019/IMG_0001.jpg'));
  });

  test('two files that a layout sends to one path both arrive, the second renamed', async () => {
    await fs.mkdir(path.join(space, 'twins/a'), { recursive: true });
    await fs.mkdir(path.join(space, 'twins/b'), { recursive: true });
    const first = crypto.randomBytes(100);
    const second = crypto.randomBytes(200);
    await fs.writeFile(path.join(space, 'twins/a/IMG_0001.jpg'), first);
    await fs.writeFile(path.join(space, 'twins/b/IMG_0001.jpg'), second);
    const task = (
      await api('POST', '/tasks', {
        name: 'flat',
        source: { cloudId: localCloud, path: 'twins' },
        destination: { cloudId: s3Cloud, path: 'flat' },
        options: { layout: '{name}' },
      })
    ).json();
    const run = await runTask(task.id);
    expect(run.status).toBe('succeeded');
    expect(run.done.items).toBe(2);
    expect(await getObject('backups/flat/IMG_0001.jpg')).toEqualBytes(first);
    expect(await getObject('backups/flat/IMG_0001 (1).jpg')).toEqualBytes(second);
  });

  for (const policy of ['overwrite', 'skip'] as const) {
    test(
      `conflict policy ${policy}: a new file whose layout path is that of one copied by an ` +
        `earlier run arrives beside it, renamed; the earlier copy is untouched`,
      async () => {
        // Phone A's IMG_0001.jpg is copied in run 1; phone B's different IMG_0001.jpg of the same
        // month arrives later. The manifest holds A's path: B must not land on it (overwrite would
        // replace A's only backup, skip would leave B out for good).
        const src = `phones-${policy}`;
        const when = new Date('2020-05-10T10:00:00Z');
        const put = async (rel: string, data: Buffer) => {
          const file = path.join(space, src, rel);
          await fs.mkdir(path.dirname(file), { recursive: true });
          await fs.writeFile(file, data);
          await fs.utimes(file, when, when);
        };
        const fromA = crypto.randomBytes(5000);
        const fromB = crypto.randomBytes(6000);
        await put('A/IMG_0001.jpg', fromA);
        const folder = `months-${policy}`;
        const task = (
          await api('POST', '/tasks', {
            name: `months ${policy}`,
            source: { cloudId: localCloud, path: src },
            destination: { cloudId: s3Cloud, path: folder },
            options: { conflict: policy, layout: '{yyyy}/{mm}/{name}' },
          })
        ).json();
        const r1 = await runTask(task.id);
        expect([r1.status, r1.done.items]).toEqual(['succeeded', 1]);

        // In one case A's manifest row is as a run before dest_key existed left it (0015-plan-lookups.sql):
        // it holds its path all the same.
        if (policy === 'skip') {
          const { rowCount } = await t.db.query('UPDATE manifest SET dest_key = NULL WHERE task_id = $1', [task.id]);
          expect(rowCount).toBe(1);
        }
        await put('B/IMG_0001.jpg', fromB);
        const r2 = await runTask(task.id);
        const items = (await api('GET', `/runs/${r2.id}/items`)).json().items as {
          path: string;
          status: string;
          destPath: string;
        }[];
        expect([r2.status, r2.done.items, r2.skipped.items]).toEqual(['succeeded', 1, 0]);
        expect(items.map((i) => [i.path, i.status, i.destPath])).toEqual([
          ['B/IMG_0001.jpg', 'done', `${folder}/2020/05/IMG_0001 (1).jpg`],
        ]);
        // A's copy is untouched
        expect(await getObject(`backups/${folder}/2020/05/IMG_0001.jpg`)).toEqualBytes(fromA);
        expect(await getObject(`backups/${folder}/2020/05/IMG_0001 (1).jpg`)).toEqualBytes(fromB);

        // A changed file keeps its own path: A's new version replaces A's copy, B's stays.
        const newA = crypto.randomBytes(7000);
        await put('A/IMG_0001.jpg', newA);
        const r3 = await runTask(task.id);
        const again = (await api('GET', `/runs/${r3.id}/items`)).json().items as {
          path: string;
          status: string;
          destPath: string;
        }[];
        expect(again.map((i) => [i.path, i.status, i.destPath])).toEqual([
          ['A/IMG_0001.jpg', 'done', `${folder}/2020/05/IMG_0001.jpg`],
        ]);
        expect(await getObject(`backups/${folder}/2020/05/IMG_0001.jpg`)).toEqualBytes(newA);
        expect(await getObject(`backups/${folder}/2020/05/IMG_0001 (1).jpg`)).toEqualBytes(fromB);
        const listed = await s3
          .client()
          .send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `backups/${folder}/` }));
        expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
          `backups/${folder}/2020/05/IMG_0001 (1).jpg`,
          `backups/${folder}/2020/05/IMG_0001.jpg`,
        ]);
      },
    );
  }
});
