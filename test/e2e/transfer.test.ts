// Runs through the REST API with a worker: local → S3 (s3rver) and S3 → local, every byte compared.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from '@jest/globals';
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
  assert.equal(res.statusCode, 202, res.body);
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
    assert.equal(run.status, 'succeeded', (await api('GET', `/runs/${run.id}/items?status=failed`)).body);
    assert.deepEqual(run.totals, { items: files.size, bytes: total });
    assert.deepEqual(run.done, { items: files.size, bytes: total });
    assert.equal(run.failed.items, 0);
    for (const [rel, data] of files) {
      const got = await getObject(`backups/family/${rel}`);
      assert.equal(
        crypto.createHash('sha256').update(got).digest('hex'),
        crypto.createHash('sha256').update(data).digest('hex'),
        rel,
      );
    }
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'backups/' }));
    assert.equal(listed.KeyCount, files.size, 'no stray objects');
    const uploads = await s3.client().send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }));
    assert.equal((uploads.Uploads ?? []).length, 0, 'no unfinished multipart uploads');
    const me = (await api('GET', '/me')).json();
    assert.equal(me.usage.usedBytes, total);
    const manifest = await t.db.query('SELECT count(*)::int AS n FROM manifest WHERE task_id = $1', [task.id]);
    assert.equal(manifest.rows[0].n, files.size);
    const items = (await api('GET', `/runs/${run.id}/items?limit=200`)).json().items;
    assert.ok(items.every((i: { status: string }) => i.status === 'done'));

    // The next run of the unchanged source copies nothing and charges nothing.
    const again = await runTask(task.id);
    assert.equal(again.status, 'succeeded');
    assert.deepEqual(
      [again.totals, again.done],
      [
        { items: 0, bytes: 0 },
        { items: 0, bytes: 0 },
      ],
    );
    assert.equal((await api('GET', '/me')).json().usage.usedBytes, total);

    // A changed and a new file: only those two are copied.
    const changed = crypto.randomBytes(5000);
    await fs.writeFile(path.join(space, 'photos/one.bin'), changed);
    files.set('one.bin', changed);
    const added = crypto.randomBytes(3000);
    await fs.writeFile(path.join(space, 'photos/2020/new.jpg'), added);
    files.set('2020/new.jpg', added);
    const third = await runTask(task.id);
    assert.equal(third.status, 'succeeded');
    assert.deepEqual(third.done, { items: 2, bytes: 8000 });
    assert.deepEqual(await getObject('backups/family/one.bin'), changed);
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
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.equal(run.done.items, files.size);
    for (const [rel, data] of files) {
      const got = await fs.readFile(path.join(space, 'restore', rel));
      assert.ok(got.equals(data), rel);
    }
    const leftovers = (await fs.readdir(path.join(space, 'restore'), { recursive: true })).filter((f) =>
      String(f).endsWith('.ferry-partial'),
    );
    assert.deepEqual(leftovers, []);
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
    assert.equal(bad.statusCode, 400);
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
    assert.equal(r1.status, 'succeeded');
    assert.equal(r1.totals.items, 3, 'photos only: two jpgs and the new one');
    assert.equal(r1.skipped.items, 1);
    const skipped = (await api('GET', `/runs/${r1.id}/items?status=skipped`)).json().items;
    assert.match(skipped[0].error, /already exists/);
    assert.equal((await getObject('sorted/2019/07/IMG_0001.jpg')).toString(), 'not the same photo', 'left alone');

    const rename = (
      await api('POST', '/tasks', {
        ...base,
        name: 'sorted2',
        destination: { cloudId: s3Root, path: 'sorted' },
        options: { conflict: 'rename', layout: '{yyyy}/{mm}/{name}' },
      })
    ).json();
    const r2 = await runTask(rename.id);
    assert.equal(r2.status, 'succeeded');
    assert.equal(r2.skipped.items, 2, 'identical copies made by the first task are recognised');
    assert.deepEqual(await getObject('sorted/2019/07/IMG_0001 (1).jpg'), files.get('2019/IMG_0001.jpg'));
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
    assert.equal(run.status, 'succeeded');
    assert.equal(run.done.items, 2);
    assert.deepEqual(await getObject('backups/flat/IMG_0001.jpg'), first);
    assert.deepEqual(await getObject('backups/flat/IMG_0001 (1).jpg'), second);
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
        assert.deepEqual([r1.status, r1.done.items], ['succeeded', 1]);

        await put('B/IMG_0001.jpg', fromB);
        const r2 = await runTask(task.id);
        const items = (await api('GET', `/runs/${r2.id}/items`)).json().items as {
          path: string;
          status: string;
          destPath: string;
        }[];
        assert.deepEqual([r2.status, r2.done.items, r2.skipped.items], ['succeeded', 1, 0], JSON.stringify(items));
        assert.deepEqual(
          items.map((i) => [i.path, i.status, i.destPath]),
          [['B/IMG_0001.jpg', 'done', `${folder}/2020/05/IMG_0001 (1).jpg`]],
        );
        assert.deepEqual(await getObject(`backups/${folder}/2020/05/IMG_0001.jpg`), fromA, "A's copy is untouched");
        assert.deepEqual(await getObject(`backups/${folder}/2020/05/IMG_0001 (1).jpg`), fromB);

        // A changed file keeps its own path: A's new version replaces A's copy, B's stays.
        const newA = crypto.randomBytes(7000);
        await put('A/IMG_0001.jpg', newA);
        const r3 = await runTask(task.id);
        const again = (await api('GET', `/runs/${r3.id}/items`)).json().items as {
          path: string;
          status: string;
          destPath: string;
        }[];
        assert.deepEqual(
          again.map((i) => [i.path, i.status, i.destPath]),
          [['A/IMG_0001.jpg', 'done', `${folder}/2020/05/IMG_0001.jpg`]],
        );
        assert.deepEqual(await getObject(`backups/${folder}/2020/05/IMG_0001.jpg`), newA);
        assert.deepEqual(await getObject(`backups/${folder}/2020/05/IMG_0001 (1).jpg`), fromB);
        const listed = await s3
          .client()
          .send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `backups/${folder}/` }));
        assert.deepEqual((listed.Contents ?? []).map((o) => o.Key).sort(), [
          `backups/${folder}/2020/05/IMG_0001 (1).jpg`,
          `backups/${folder}/2020/05/IMG_0001.jpg`,
        ]);
      },
    );
  }
});
