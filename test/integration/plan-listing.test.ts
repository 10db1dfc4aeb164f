// What a plan lists goes to plan_listing (a row per file, a million for a library of a million):
// the destination's paths, and the source's ids when files of the backup are gone from the source
// (to find which). A run whose listing holds every file of the backup, the usual one, records no
// source ids at all. Nothing listed outlives the plan: not when the plan succeeds, not when it fails
// after listing, not when its run is deleted, and not when its worker died and the run is gone
// before the job is retried. The table has no foreign key to runs (each row's check cost half of
// writing it): these are what keeps it empty instead.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { QUEUES } from '../../services/core/queues.ts';
import { type Actor, settled, signup, startTestApp, type TestApp, waitForRun } from '../support/app.ts';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';
import { localFolder } from '../support/local-space.ts';
import { startS3, type TestS3 } from '../support/s3.ts';

let t: TestApp & { url: string };
let root: string;
let s3: TestS3;
let proxy: FaultProxy;
/** The S3 destination answers as AWS does for a deleted access key. */
let revoked = false;
/** The S3 destination takes this long to give a listing's second page. */
let secondPageMs = 0;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-plan-listing-')));
  s3 = await startS3();
  proxy = await startFaultProxy(s3.endpoint, (r) =>
    secondPageMs && r.url.includes('continuation-token=')
      ? { kind: 'delay', ms: secondPageMs }
      : revoked
        ? {
            kind: 'status',
            status: 403,
            code: 'InvalidAccessKeyId',
            message: 'The AWS Access Key Id you provided does not exist in our records.',
          }
        : { kind: 'pass' },
  );
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root, FERRY_ALLOW_PRIVATE_ENDPOINTS: '1' }, { worker: true });
  // Every row a plan writes to plan_listing, counted by run and kind (the rows themselves go when it ends).
  await t.db.query(`
    CREATE TABLE listing_writes (run_id uuid, kind char(1), n int);
    CREATE FUNCTION count_listing_writes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO listing_writes SELECT run_id, kind, count(*) FROM added GROUP BY 1, 2;
      RETURN NULL;
    END $$;
    CREATE TRIGGER plan_listing_writes AFTER INSERT ON plan_listing REFERENCING NEW TABLE AS added
      FOR EACH STATEMENT EXECUTE FUNCTION count_listing_writes();`);
});
afterAll(async () => {
  await t?.close();
  await proxy?.close();
  await s3?.close();
  await fs.rm(root, { recursive: true, force: true });
});

const listingRows = async (runId: string): Promise<number> =>
  (await t.db.query('SELECT count(*)::int AS n FROM plan_listing WHERE run_id = $1', [runId])).rows[0].n;
/**
 * Rows of `kind` the plan of `runId` wrote to plan_listing ('s' source ids, 'd' destination paths,
 * 'b' a restore's copies found in the backup).
 */
const written = async (runId: string, kind: 's' | 'd' | 'b'): Promise<number> =>
  (
    await t.db.query('SELECT coalesce(sum(n), 0)::int AS n FROM listing_writes WHERE run_id = $1 AND kind = $2', [
      runId,
      kind,
    ])
  ).rows[0].n;

async function post(a: Actor, url: string, payload: object) {
  const res = await t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer });
  if (res.statusCode >= 300) throw new Error(`POST ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** A user with `files` files on the server (30 unless told), backed up to `destination` (a cloud's options). */
async function backupTask(
  destination: { kind: string; options: object },
  files = 30,
): Promise<{ a: Actor; taskId: string }> {
  const a = await signup(t);
  const dir = await localFolder(root, a, 'photos');
  await localFolder(root, a, 'copies');
  for (let i = 0; i < files; i++) await fs.writeFile(path.join(dir, `IMG_${i}.jpg`), crypto.randomBytes(100));
  const src = await post(a, '/clouds', { kind: 'local', name: 'NAS', options: { root: 'photos' } });
  const dst = await post(a, '/clouds', { name: 'Backup', ...destination });
  const task = await post(a, '/tasks', {
    name: 'Photos',
    source: { cloudId: src.id },
    destination: { cloudId: dst.id, path: 'backup' },
  });
  return { a, taskId: task.id };
}

test('a plan that fails after listing leaves none of its listing behind', async () => {
  const { a, taskId } = await backupTask({ kind: 's3', options: s3.options({ endpoint: proxy.endpoint }) });
  // Saved while the key works; deleted at the provider before the run: the destination is first
  // asked for what it holds once the listing has found files to copy.
  revoked = true;
  try {
    const runId = (await post(a, `/tasks/${taskId}/runs`, {})).run.id;
    const run = await waitForRun(t, a, runId);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^The destination refused Ferry's credentials/);
    expect(await listingRows(runId)).toBe(0);
  } finally {
    revoked = false;
  }
});

test('a plan cancelled once it has recorded the destination leaves none of it behind', async () => {
  const { a, taskId } = await backupTask({ kind: 's3', options: s3.options({ endpoint: proxy.endpoint }) });
  // The destination holds more than a page of files, and its second page comes slowly: the run is
  // cancelled meanwhile, and its plan stops after it has recorded the destination's paths.
  const client = s3.client();
  const keys = Array.from({ length: 1_050 }, (_, i) => `backup/old/${String(i).padStart(4, '0')}.jpg`);
  for (let i = 0; i < keys.length; i += 50)
    await Promise.all(
      keys.slice(i, i + 50).map((Key) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: 'x' }))),
    );
  secondPageMs = 1_500;
  try {
    const runId = (await post(a, `/tasks/${taskId}/runs`, {})).run.id;
    for (const t0 = Date.now(); !proxy.requests.some((r) => r.url.includes('continuation-token=')); ) {
      if (Date.now() - t0 > 30_000) throw new Error('the destination was not listed');
      await new Promise((r) => setTimeout(r, 20));
    }
    await post(a, `/runs/${runId}/cancel`, {});
    expect((await waitForRun(t, a, runId)).status).toBe('cancelled');
    await settled(t);
    expect(await written(runId, 'd')).toBe(1_050);
    expect(await listingRows(runId)).toBe(0);
  } finally {
    secondPageMs = 0;
  }
});

test('a listing that holds every file of the backup records no source ids; one with a file gone finds it', async () => {
  const { a, taskId } = await backupTask({ kind: 'local', options: { root: 'copies' } });
  const run = async () => {
    const runId = (await post(a, `/tasks/${taskId}/runs`, {})).run.id;
    expect((await waitForRun(t, a, runId)).status).toBe('succeeded');
    expect(await listingRows(runId)).toBe(0);
    return runId;
  };
  const deletedAt = async () =>
    (
      await t.db.query<{ path: string; deleted: boolean }>(
        `SELECT path, deleted_at IS NOT NULL AS deleted FROM copies WHERE task_id = $1 AND replaced_at IS NULL`,
        [taskId],
      )
    ).rows;
  expect(await written(await run(), 's')).toBe(0); // the first: nothing in the backup yet
  expect(await written(await run(), 's')).toBe(0); // nothing new, nothing gone
  expect(await deletedAt()).toHaveLength(30);

  await fs.rm(path.join(root, a.id, 'photos', 'IMG_3.jpg'));
  const gone = await run();
  expect(await written(gone, 's')).toBe(29); // listed again, to find which file is gone
  const rows = await deletedAt();
  expect(rows.filter((r) => r.deleted).map((r) => r.path)).toEqual(['IMG_3.jpg']);
  expect(rows.filter((r) => !r.deleted)).toHaveLength(29);

  expect(await written(await run(), 's')).toBe(0); // the 29 files listed are all the backup holds
  // A file of that name again: copied, and the next listing holds every file of the backup.
  await fs.writeFile(path.join(root, a.id, 'photos', 'IMG_3.jpg'), 'a new photo, same name');
  expect(await written(await run(), 's')).toBe(0);
  expect((await deletedAt()).filter((r) => r.deleted)).toEqual([]);

  // Files the task's filter now leaves out are still listed, and still in the backup: none is gone.
  const patch = await t.app.inject({
    method: 'PATCH',
    url: `/api/v1/tasks/${taskId}`,
    payload: { filter: { exclude: ['IMG_1*'] } },
    headers: a.bearer,
  });
  expect(patch.statusCode).toBe(200);
  expect(await written(await run(), 's')).toBe(0);
  expect((await deletedAt()).filter((r) => r.deleted)).toEqual([]);
});

test('a new file in a large backup is looked up where it lands, without listing the destination', async () => {
  // A backup of 1,000 files: listing it costs about one request, as one look-up does. The first run
  // (an empty backup) lists the destination; a later one with a single file to copy does not, and
  // still finds the file that is already where the new one would go.
  const { a, taskId } = await backupTask({ kind: 'local', options: { root: 'copies' } }, 1_000);
  const photos = path.join(root, a.id, 'photos');
  const backup = path.join(root, a.id, 'copies', 'backup');
  await fs.mkdir(backup);
  await fs.writeFile(path.join(backup, 'notes.txt'), 'not a copy');
  const run = async () => {
    const runId = (await post(a, `/tasks/${taskId}/runs`, {})).run.id;
    expect((await waitForRun(t, a, runId)).status).toBe('succeeded');
    expect(await listingRows(runId)).toBe(0);
    return runId;
  };
  const item = async (runId: string) =>
    (
      await t.db.query<{ path: string; status: string; error: string | null }>(
        'SELECT path, status, error FROM run_items WHERE run_id = $1',
        [runId],
      )
    ).rows;
  expect(await written(await run(), 'd')).toBe(1); // notes.txt

  // A new photo, and a different file of its name already in the backup's folder (put there by hand).
  await fs.writeFile(path.join(photos, 'IMG_new.jpg'), 'the new photo');
  await fs.writeFile(path.join(backup, 'IMG_new.jpg'), 'not this photo');
  const second = await run();
  expect(await written(second, 'd')).toBe(0);
  expect(await item(second)).toEqual([
    {
      path: 'IMG_new.jpg',
      status: 'skipped',
      error: 'A different file already exists at the destination (conflict policy: skip).',
    },
  ]);
  expect(await fs.readFile(path.join(backup, 'IMG_new.jpg'), 'utf8')).toBe('not this photo');

  // That file gone: the next run copies the photo, again without listing.
  await fs.rm(path.join(backup, 'IMG_new.jpg'));
  const third = await run();
  expect(await written(third, 'd')).toBe(0);
  expect(await item(third)).toEqual([{ path: 'IMG_new.jpg', status: 'done', error: null }]);
  expect(await fs.readFile(path.join(backup, 'IMG_new.jpg'), 'utf8')).toBe('the new photo');
});

test('a restore of one folder of a large backup lists that folder at both ends, not the whole of either', async () => {
  // 1,000 files at the top of the backup and an album of four beside them, one in a folder of its own.
  const { a, taskId } = await backupTask({ kind: 'local', options: { root: 'copies' } }, 1_000);
  const album = path.join(root, a.id, 'photos', 'album');
  const names = ['a.jpg', 'b.jpg', 'c.jpg', 'sub/d.jpg'];
  await fs.mkdir(path.join(album, 'sub'), { recursive: true });
  for (const name of names) await fs.writeFile(path.join(album, name), `album ${name}`);
  const backupRun = (await post(a, `/tasks/${taskId}/runs`, {})).run.id;
  expect((await waitForRun(t, a, backupRun)).status).toBe('succeeded');
  await localFolder(root, a, 'restored');
  const into = await post(a, '/clouds', { kind: 'local', name: 'Restored', options: { root: 'restored' } });
  const restore = async (paths: string[], folder: string, cloudId = into.id, conflict = 'rename') => {
    const body = { paths, destination: { cloudId, path: folder }, conflict };
    const runId = (await post(a, `/tasks/${taskId}/restore`, body)).run.id;
    return { runId, run: await waitForRun(t, a, runId) };
  };
  const items = async (runId: string) =>
    (
      await t.db.query<{ path: string; status: string; error: string | null }>(
        'SELECT path, status, error FROM run_items WHERE run_id = $1 ORDER BY path',
        [runId],
      )
    ).rows;

  const one = await restore(['album'], 'one');
  expect(one.run.status).toBe('succeeded');
  expect(await written(one.runId, 'b')).toBe(4);
  for (const name of names)
    expect(await fs.readFile(path.join(root, a.id, 'restored', 'one', 'album', name), 'utf8')).toBe(`album ${name}`);

  // The whole backup is listed whole.
  const all = await restore([], 'all');
  expect(all.run.status).toBe('succeeded');
  expect(await written(all.runId, 'b')).toBe(1_004);

  // Back into the folder of 1,004 photos it came from, one of the album's lost there: only the
  // album's folder is listed there too, and the photos still there are skipped, not copied again.
  await fs.rm(path.join(album, 'b.jpg'));
  const nas = await post(a, '/clouds', { kind: 'local', name: 'NAS again', options: { root: 'photos' } });
  const back = await restore(['album'], '', nas.id, 'skip');
  expect(back.run.status).toBe('succeeded');
  expect(await written(back.runId, 'b')).toBe(4);
  expect(await written(back.runId, 'd')).toBe(3);
  expect((await items(back.runId)).map((i) => [i.path, i.status])).toEqual([
    ['album/a.jpg', 'skipped'],
    ['album/b.jpg', 'done'],
    ['album/c.jpg', 'skipped'],
    ['album/sub/d.jpg', 'skipped'],
  ]);
  expect(await fs.readFile(path.join(album, 'b.jpg'), 'utf8')).toBe('album b.jpg');

  // The album's folder deleted from the backup by hand: each of its copies fails, and says why.
  await fs.rm(path.join(root, a.id, 'copies', 'backup', 'album'), { recursive: true });
  const gone = await restore(['album'], 'gone');
  expect(gone.run.status).toBe('failed');
  expect(await written(gone.runId, 'b')).toBe(0);
  expect((await items(gone.runId)).map((i) => [i.path, i.status, i.error?.replace(/ of .* is no/, ' is no')])).toEqual(
    names.map((n) => [
      `album/${n}`,
      'failed',
      `album/${n}: the copy is no longer at the destination (backup/album/${n})`,
    ]),
  );
});

test("a run deleted with its task takes its listing with it, and a dead plan's retry clears it", async () => {
  const { a, taskId } = await backupTask({ kind: 'local', options: { root: 'copies' } });
  const runId = (await post(a, `/tasks/${taskId}/runs`, {})).run.id;
  expect((await waitForRun(t, a, runId)).status).toBe('succeeded');
  expect(await listingRows(runId)).toBe(0);

  // As a plan whose worker died mid-listing leaves it.
  const leave = (id: string) =>
    t.db.query(`INSERT INTO plan_listing (run_id, kind, key) SELECT $1, 's', 'f' || n FROM generate_series(1, 50) n`, [
      id,
    ]);
  await leave(runId);
  const other = crypto.randomUUID();
  await leave(other);
  const deleted = await t.app.inject({ method: 'DELETE', url: `/api/v1/tasks/${taskId}`, headers: a.bearer });
  expect(deleted.statusCode).toBe(204);
  expect(await listingRows(runId)).toBe(0);
  // Another run's rows stay.
  expect(await listingRows(other)).toBe(50);

  // The run of `other` is gone (deleted before its plan's retry): the retried job clears what was listed.
  await t.boss.send(QUEUES.runPlan, { runId: other });
  await settled(t);
  expect(await listingRows(other)).toBe(0);
});
