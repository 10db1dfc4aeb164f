// A backup keeps its history: the copy a changed file replaces is kept as a version under
// .ferry-versions/ (moved on the server, never overwritten), the runs after remove versions beyond
// the task's keep or older than its days and say so, a file deleted at the source stays at the
// destination with its deletion recorded, and a crash between a version's move and the new upload
// loses nothing. Local folder → local folder and local folder → S3 (s3rver).
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { fsCalls } from '../../connectors/local/client.ts';
import { createClouds, oauthClientsOf } from '../../services/core/clouds.ts';
import { connectorEnvOf } from '../../services/core/config.ts';
import { options as optionsSchema } from '../../services/core/task-spec.ts';
import { createTasks } from '../../services/core/tasks.ts';
import { connectedCloud, signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { startS3, type TestS3 } from '../support/s3.ts';
import { googleEnv, startGoogleFake } from '../fakes/google.ts';

let t: TestApp & { url: string };
let s3: TestS3;
let google: Awaited<ReturnType<typeof startGoogleFake>>;
let root: string;
let a: Actor;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-versions-')));
  s3 = await startS3();
  google = await startGoogleFake();
  t = await startTestApp(
    { FERRY_LOCAL_ROOTS: root, FERRY_ALLOW_PRIVATE_ENDPOINTS: '1', ...googleEnv(google) },
    { worker: true, timing: { itemRetryMs: { first: 10, max: 50 } } },
  );
  a = await signup(t);
  await fs.mkdir(path.join(root, a.id), { mode: 0o700 });
});
afterAll(async () => {
  await t.close();
  await s3.close();
  await google.close();
  await fs.rm(root, { recursive: true, force: true });
});

const api = (method: string, url: string, payload?: unknown) =>
  t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, payload: payload as object, headers: a.bearer });

async function runTask(taskId: string) {
  const res = await api('POST', `/tasks/${taskId}/runs`);
  expect(res.statusCode).toBe(202);
  return waitForRun(t, a, res.json().run.id);
}

/** Every file's mtime is its own second: each change is a new version of the file at the source. */
let clock = Date.parse('2026-01-01T00:00:00Z');
async function write(folder: string, rel: string, data: Buffer, mtime = new Date((clock += 1000))) {
  const file = path.join(root, a.id, folder, rel);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, data);
  await fs.utimes(file, mtime, mtime);
  return mtime;
}

async function cloud(kind: string, options: Record<string, unknown>) {
  const res = await api('POST', '/clouds', { kind, name: `${kind} ${crypto.randomUUID()}`, options });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

async function copiesOf(taskId: string, sourceId: string) {
  const { rows } = await t.db.query(
    `SELECT path, dest_path, source_path, replaced_at, deleted_at, removed_at FROM copies
      WHERE task_id = $1 AND source_id = $2 ORDER BY id`,
    [taskId, sourceId],
  );
  return rows;
}

/** What a destination holds: its files by path, relative to the destination cloud's root. */
interface Place {
  files(): Promise<Map<string, Buffer>>;
}

function localPlace(folder: string): Place {
  return {
    async files() {
      const out = new Map<string, Buffer>();
      const base = path.join(root, a.id, folder);
      for (const rel of (await fs.readdir(base, { recursive: true })) as string[]) {
        const st = await fs.stat(path.join(base, rel));
        if (st.isFile()) out.set(rel, await fs.readFile(path.join(base, rel)));
      }
      return out;
    },
  };
}

function s3Place(prefix: string): Place {
  return {
    async files() {
      const out = new Map<string, Buffer>();
      const list = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }));
      for (const o of list.Contents ?? []) {
        const got = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: o.Key }));
        out.set(o.Key!.slice(prefix.length + 1), Buffer.from(await got.Body!.transformToByteArray()));
      }
      return out;
    },
  };
}

/** The kept versions of `rel` (under backup/), oldest first, as their names sort. */
async function versionsOf(place: Place, rel: string): Promise<Buffer[]> {
  const dir = path.posix.dirname(rel);
  const prefix = `backup/.ferry-versions/${dir === '.' ? '' : `${dir}/`}`;
  const name = new RegExp(`^\\d{8}T\\d{6}\\.\\d{3}Z-${path.posix.basename(rel).replace('.', '\\.')}$`);
  const files = await place.files();
  return [...files.keys()]
    .filter((k) => k.startsWith(prefix) && name.test(k.slice(prefix.length)))
    .sort()
    .map((k) => files.get(k)!);
}

describe.each([
  ['a local folder', 'local'],
  ['S3', 's3'],
])('versions kept in %s', (_name, kind) => {
  const src = `src-${kind}`;
  let taskId: string;
  let place: Place;
  const bytes = Array.from({ length: 5 }, (_, i) => crypto.randomBytes(1000 + i));
  const kept = crypto.randomBytes(500);
  let keptTime: Date;

  beforeAll(async () => {
    await write(src, 'dir/b.txt', bytes[0]);
    keptTime = await write(src, 'a.txt', kept);
    const source = await cloud('local', { root: src });
    let destination: string;
    if (kind === 'local') {
      await fs.mkdir(path.join(root, a.id, 'dst-local'));
      destination = await cloud('local', { root: 'dst-local' });
      place = localPlace('dst-local');
    } else {
      destination = await cloud('s3', s3.options({ prefix: 'dst-s3' }));
      place = s3Place('dst-s3');
    }
    const res = await api('POST', '/tasks', {
      name: `versions ${kind}`,
      source: { cloudId: source },
      destination: { cloudId: destination, path: 'backup' },
      options: { versions: { keep: 5 } },
    });
    expect(res.statusCode).toBe(201);
    taskId = res.json().id;
    expect((await runTask(taskId)).status).toBe('succeeded');
  });

  test('a file changed twice keeps its two earlier copies as versions, the new bytes at its path', async () => {
    await write(src, 'dir/b.txt', bytes[1]);
    expect((await runTask(taskId)).status).toBe('succeeded');
    await write(src, 'dir/b.txt', bytes[2]);
    const run = await runTask(taskId);
    expect(run).toMatchObject({ status: 'succeeded', versionsRemoved: 0 });

    expect((await place.files()).get('backup/dir/b.txt')).toEqualBytes(bytes[2]);
    const versions = await versionsOf(place, 'dir/b.txt');
    expect(versions).toHaveLength(2);
    expect(versions[0]).toEqualBytes(bytes[0]);
    expect(versions[1]).toEqualBytes(bytes[1]);

    // The history: three copies, the two older kept as versions (replaced, still there), the newest at the path.
    const rows = await copiesOf(taskId, 'dir/b.txt');
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r).toMatchObject({ path: 'dir/b.txt', source_path: 'dir/b.txt', removed_at: null });
    expect(rows[0].dest_path).toMatch(/^backup\/\.ferry-versions\/dir\/\d{8}T\d{6}\.\d{3}Z-b\.txt$/);
    expect(rows[1].dest_path).toMatch(/^backup\/\.ferry-versions\/dir\/\d{8}T\d{6}\.\d{3}Z-b\.txt$/);
    expect(rows[0].replaced_at).not.toBeNull();
    expect(rows[1].replaced_at).not.toBeNull();
    expect(rows[2]).toMatchObject({ dest_path: 'backup/dir/b.txt', replaced_at: null });
    // A file that did not change was neither copied nor versioned.
    expect(await copiesOf(taskId, 'a.txt')).toHaveLength(1);
  });

  test('keep: 1 removes the older version on the next run, which says so', async () => {
    const patched = await api('PATCH', `/tasks/${taskId}`, { options: { versions: { keep: 1 } } });
    expect(patched.statusCode).toBe(200);
    const run = await runTask(taskId);
    expect(run).toMatchObject({ status: 'succeeded', versionsRemoved: 1 });
    const versions = await versionsOf(place, 'dir/b.txt');
    expect(versions).toHaveLength(1);
    expect(versions[0]).toEqualBytes(bytes[1]);
    const rows = await copiesOf(taskId, 'dir/b.txt');
    expect(rows[0].removed_at).not.toBeNull();
    expect(rows[1].removed_at).toBeNull();
    // Nothing more to remove: the next run removes nothing.
    expect(await runTask(taskId)).toMatchObject({ status: 'succeeded', versionsRemoved: 0 });
  });

  test('days: versions replaced longer ago are removed once the clock has moved on', async () => {
    expect((await api('PATCH', `/tasks/${taskId}`, { options: { versions: { days: 1 } } })).statusCode).toBe(200);
    await write(src, 'dir/b.txt', bytes[3]);
    expect(await runTask(taskId)).toMatchObject({ status: 'succeeded', versionsRemoved: 0 });
    expect(await versionsOf(place, 'dir/b.txt')).toHaveLength(2);
    const now = t.timing.now;
    t.timing.now = () => new Date(Date.now() + 2 * 86_400_000);
    try {
      expect(await runTask(taskId)).toMatchObject({ status: 'succeeded', versionsRemoved: 2 });
    } finally {
      t.timing.now = now;
    }
    expect(await versionsOf(place, 'dir/b.txt')).toHaveLength(0);
    expect((await place.files()).get('backup/dir/b.txt')).toEqualBytes(bytes[3]);
  });

  test('a file deleted at the source stays at the destination, marked deleted; back, it is newest again', async () => {
    await fs.rm(path.join(root, a.id, src, 'a.txt'));
    expect((await runTask(taskId)).status).toBe('succeeded');
    expect((await place.files()).get('backup/a.txt')).toEqualBytes(kept);
    let rows = await copiesOf(taskId, 'a.txt');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ dest_path: 'backup/a.txt', replaced_at: null, removed_at: null });
    expect(rows[0].deleted_at).not.toBeNull();

    // The same file back (same bytes, same time): not copied again, but in the backup from now on.
    await write(src, 'a.txt', kept, keptTime);
    const run = await runTask(taskId);
    expect(run).toMatchObject({ status: 'succeeded', done: { items: 0 } });
    rows = await copiesOf(taskId, 'a.txt');
    expect(rows).toHaveLength(2);
    expect(rows[0].replaced_at).not.toBeNull();
    expect(rows[1]).toMatchObject({ dest_path: 'backup/a.txt', replaced_at: null, deleted_at: null, removed_at: null });
    expect((await place.files()).get('backup/a.txt')).toEqualBytes(kept);
  });
});

test('a crash between the move of the old copy and the new upload loses nothing', async () => {
  const src = 'src-crash';
  const old = crypto.randomBytes(3000);
  const changed = crypto.randomBytes(3001);
  await write(src, 'c.bin', old);
  await fs.mkdir(path.join(root, a.id, 'dst-crash'));
  const res = await api('POST', '/tasks', {
    name: 'crash',
    source: { cloudId: await cloud('local', { root: src }) },
    destination: { cloudId: await cloud('local', { root: 'dst-crash' }), path: 'backup' },
    options: { versions: { keep: 3 } },
  });
  const taskId = res.json().id;
  expect((await runTask(taskId)).status).toBe('succeeded');
  const place = localPlace('dst-crash');

  // The move of the old copy links it at its version path; the new upload's commit links next: it fails.
  await write(src, 'c.bin', changed);
  const link = fsCalls.link;
  let links = 0;
  fsCalls.link = async (from, to) => {
    if (++links === 2) throw Object.assign(new Error('EACCES: denied'), { code: 'EACCES', syscall: 'link' });
    return link(from, to);
  };
  try {
    expect((await runTask(taskId)).status).toBe('failed');
  } finally {
    fsCalls.link = link;
  }
  expect(links).toBe(2);
  // The old copy is kept, and the history says where: nothing is lost.
  let versions = await versionsOf(place, 'c.bin');
  expect(versions).toHaveLength(1);
  expect(versions[0]).toEqualBytes(old);
  expect((await place.files()).has('backup/c.bin')).toBe(false);
  let rows = await copiesOf(taskId, 'c.bin');
  expect(rows).toHaveLength(1);
  expect(rows[0].dest_path).toMatch(/^backup\/\.ferry-versions\/\d{8}T\d{6}\.\d{3}Z-c\.bin$/);

  // The next run uploads the new bytes without moving anything again.
  expect((await runTask(taskId)).status).toBe('succeeded');
  versions = await versionsOf(place, 'c.bin');
  expect(versions).toHaveLength(1);
  expect(versions[0]).toEqualBytes(old);
  expect((await place.files()).get('backup/c.bin')).toEqualBytes(changed);
  rows = await copiesOf(taskId, 'c.bin');
  expect(rows).toHaveLength(2);
  expect(rows[0]).toMatchObject({ removed_at: null });
  expect(rows[0].replaced_at).not.toBeNull();
  expect(rows[1]).toMatchObject({ dest_path: 'backup/c.bin', replaced_at: null });
});

test('without versions a changed file is overwritten, and its history says the old copy is gone', async () => {
  const src = 'src-plain';
  await write(src, 'p.bin', crypto.randomBytes(100));
  await fs.mkdir(path.join(root, a.id, 'dst-plain'));
  const res = await api('POST', '/tasks', {
    name: 'plain',
    source: { cloudId: await cloud('local', { root: src }) },
    destination: { cloudId: await cloud('local', { root: 'dst-plain' }), path: '' },
  });
  const taskId = res.json().id;
  expect((await runTask(taskId)).status).toBe('succeeded');
  const changed = crypto.randomBytes(101);
  await write(src, 'p.bin', changed);
  expect((await runTask(taskId)).status).toBe('succeeded');
  const files = await localPlace('dst-plain').files();
  expect([...files.keys()]).toEqual(['p.bin']);
  expect(files.get('p.bin')).toEqualBytes(changed);
  const rows = await copiesOf(taskId, 'p.bin');
  expect(rows).toHaveLength(2);
  expect(rows[0]).toMatchObject({ path: 'p.bin', dest_path: 'p.bin' });
  expect(rows[0].replaced_at).not.toBeNull();
  expect(rows[0].removed_at).not.toBeNull();
  expect(rows[1]).toMatchObject({ path: 'p.bin', dest_path: 'p.bin', replaced_at: null, removed_at: null });
});

test('versions are refused for a destination that cannot move files (Google Photos)', async () => {
  const photos = await connectedCloud(t, a, 'google-photos', google);
  await fs.mkdir(path.join(root, a.id, 'src-photos'));
  const source = await cloud('local', { root: 'src-photos' });
  const clouds = createClouds(t.db, t.keyring, connectorEnvOf(t.config), {
    clients: oauthClientsOf(t.config),
    onRevoked: async () => {},
  });
  const tasks = createTasks(t.db, { keyring: t.keyring, allowPrivateEndpoints: true, clouds });
  const input = {
    name: 'photos',
    source: { cloudId: source },
    destination: { cloudId: photos, path: '' },
    options: optionsSchema.parse({ versions: { keep: 2 } }),
  };
  await expect(tasks.create(t.db, a.id, input)).rejects.toMatchObject({
    status: 400,
    message: expect.stringMatching(/options\.versions: the destination ".*" \(Google Photos.*\) cannot move files/),
  });
  const { rows } = await t.db.query('SELECT count(*)::int AS n FROM tasks WHERE destination_cloud_id = $1', [photos]);
  expect(rows[0].n).toBe(0);
  // Without versions the same task is fine; turning them on later is refused the same way.
  const task = await tasks.create(t.db, a.id, { ...input, options: optionsSchema.parse({}) });
  await expect(tasks.update(t.db, a.id, task.id, { options: input.options })).rejects.toMatchObject({ status: 400 });
});
