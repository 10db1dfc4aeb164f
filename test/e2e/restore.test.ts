// Restoring a point in time of a backup, through real runs between folders on the server: a backup
// that keeps versions, a file changed, one deleted and one added, a second backup; then restores
// of the first point (all of it, one folder, into the original source under skip and overwrite),
// of now, and one over the traffic quota. What is checked is what a user would: the files and their
// bytes in the folder restored into, nothing more, and the runs as the API shows them.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { localFolder } from '../support/local-space.ts';

let t: TestApp & { url: string };
let root: string;
let a: Actor;
let taskId: string;
let srcCloud: string;
let outCloud: string;
const first: Record<string, Buffer> = {
  'a.txt': crypto.randomBytes(3000),
  'Photos/x.jpg': crypto.randomBytes(5000),
  'Photos/y.jpg': crypto.randomBytes(4000),
  'docs/d.txt': crypto.randomBytes(2000),
};
const changed = crypto.randomBytes(7000); // Photos/x.jpg after run 1
const added = crypto.randomBytes(1000); // new.txt after run 1
const runs: Record<string, Record<string, any>> = {};

const api = (method: string, url: string, payload?: object) =>
  t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, payload, headers: a.bearer });
const src = (...p: string[]) => path.join(root, a.id, 'src', ...p);
const out = (...p: string[]) => path.join(root, a.id, 'out', ...p);

/** Every file below `dir`, by its path relative to it, with its bytes. */
async function filesIn(dir: string): Promise<Record<string, Buffer>> {
  const found: Record<string, Buffer> = {};
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) {
      const full = path.join(e.parentPath, e.name);
      found[path.relative(dir, full).split(path.sep).join('/')] = await fs.readFile(full);
    }
  return found;
}

function expectFiles(found: Record<string, Buffer>, expected: Record<string, Buffer>) {
  expect(Object.keys(found).sort()).toEqual(Object.keys(expected).sort());
  for (const [p, bytes] of Object.entries(expected)) expect(found[p]).toEqualBytes(bytes);
}

async function backup(): Promise<Record<string, any>> {
  const res = await api('POST', `/tasks/${taskId}/runs`);
  expect(res.statusCode).toBe(202);
  return waitForRun(t, a, res.json().run.id);
}

async function restore(body: object): Promise<Record<string, any>> {
  const res = await api('POST', `/tasks/${taskId}/restore`, body);
  expect(res.statusCode).toBe(202);
  expect(res.json().run.kind).toBe('restore');
  return waitForRun(t, a, res.json().run.id);
}

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-restore-')));
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root }, { worker: true });
  a = await signup(t);
  for (const folder of ['src', 'bak', 'out']) await localFolder(root, a, folder);
  for (const [p, bytes] of Object.entries(first)) {
    await fs.mkdir(path.dirname(src(p)), { recursive: true });
    await fs.writeFile(src(p), bytes);
  }
  const cloud = async (name: string) =>
    (await api('POST', '/clouds', { kind: 'local', name, options: { root: name } })).json().id as string;
  srcCloud = await cloud('src');
  const bak = await cloud('bak');
  outCloud = await cloud('out');
  const created = await api('POST', '/tasks', {
    name: 'Phone',
    source: { cloudId: srcCloud },
    destination: { cloudId: bak, path: 'Backup' },
    options: { conflict: 'skip', verify: true, versions: { keep: 5 } },
    notify: { on: 'always' },
  });
  expect(created.statusCode).toBe(201);
  taskId = created.json().id;

  runs.first = await backup();
  expect(runs.first.status).toBe('succeeded');
  // Later the same day: one file changed (its first copy kept as a version), one deleted, one added.
  await fs.writeFile(src('Photos/x.jpg'), changed);
  await fs.rm(src('Photos/y.jpg'));
  await fs.writeFile(src('new.txt'), added);
  runs.second = await backup();
  expect(runs.second.status).toBe('succeeded');
});
afterAll(async () => {
  await t?.close();
  await fs.rm(root, { recursive: true, force: true });
});

test('the snapshots: both runs, each with the whole backup of its time', async () => {
  const { items } = (await api('GET', `/tasks/${taskId}/snapshots`)).json();
  expect(items.map((s: { runId: string }) => s.runId)).toEqual([runs.second.id, runs.first.id]);
  expect(items[1]).toMatchObject({ files: 4, bytes: 14_000, copied: { items: 4, bytes: 14_000 } });
  // y.jpg was gone from the source by run 2; x.jpg changed, new.txt came
  expect(items[0]).toMatchObject({ files: 4, bytes: 3000 + 7000 + 2000 + 1000, copied: { items: 2 } });
  // Kept with each run when it ended, not summed from the history at each request.
  const kept = await t.db.query(
    `SELECT backup_files::int AS files, backup_bytes::int AS bytes FROM runs WHERE id = ANY($1) ORDER BY finished_at`,
    [[runs.first.id, runs.second.id]],
  );
  expect(kept.rows).toEqual([
    { files: 4, bytes: 14_000 },
    { files: 4, bytes: 13_000 },
  ]);
  const photos = (await api('GET', `/tasks/${taskId}/tree?path=Photos`)).json();
  const x = photos.entries.find((e: { name: string }) => e.name === 'x.jpg');
  expect(x).toMatchObject({ size: 7000, restorable: true, versions: [{ size: 5000, restorable: true }] });
});

test('as of run 1, into a new folder: exactly run 1’s files with their bytes, nothing added after', async () => {
  const run = await restore({ runId: runs.first.id, destination: { cloudId: outCloud, path: 'R1' } });
  expect(run).toMatchObject({
    status: 'succeeded',
    kind: 'restore',
    restore: {
      runId: runs.first.id,
      at: expect.any(String),
      paths: [],
      destination: { cloudId: outCloud, path: 'R1' },
      conflict: 'rename',
    },
    totals: { items: 4, bytes: 14_000 },
    done: { items: 4, bytes: 14_000 },
    failed: { items: 0 },
  });
  expectFiles(await filesIn(out('R1')), first);
  // Mailed like any run (the task's notify.on is always).
  const mails = await t.db.query('SELECT subject FROM mail_outbox WHERE run_id = $1', [run.id]);
  expect(mails.rows).toHaveLength(1);
  // Nothing of the backup's history changed: a restore is not a backup.
  const listed = (await api('GET', `/tasks/${taskId}/snapshots`)).json();
  expect(listed.items).toHaveLength(2);
});

test('one folder of run 1 only', async () => {
  const run = await restore({
    runId: runs.first.id,
    paths: ['Photos'],
    destination: { cloudId: outCloud, path: 'R2' },
  });
  expect(run.status).toBe('succeeded');
  expectFiles(await filesIn(out('R2')), {
    'Photos/x.jpg': first['Photos/x.jpg'],
    'Photos/y.jpg': first['Photos/y.jpg'],
  });
});

test('now: the newest copies, without the file deleted at the source', async () => {
  const run = await restore({ paths: [''], destination: { cloudId: outCloud, path: 'Now' } });
  expect(run.status).toBe('succeeded');
  expect(run.restore.runId).toBeNull();
  expectFiles(await filesIn(out('Now')), {
    'a.txt': first['a.txt'],
    'Photos/x.jpg': changed,
    'docs/d.txt': first['docs/d.txt'],
    'new.txt': added,
  });
});

test('into the original source: skip leaves the changed file, overwrite brings run 1’s bytes back', async () => {
  const skip = await restore({ runId: runs.first.id, destination: { cloudId: srcCloud, path: '' }, conflict: 'skip' });
  expect(skip.status).toBe('succeeded');
  // y.jpg came back, x.jpg (different) was left, a.txt and d.txt were identical already
  expect(skip).toMatchObject({ done: { items: 1, bytes: 4000 }, skipped: { items: 3 } });
  const now = { ...first, 'Photos/x.jpg': changed, 'new.txt': added };
  expectFiles(await filesIn(src()), now);

  const overwrite = await restore({
    runId: runs.first.id,
    destination: { cloudId: srcCloud, path: '' },
    conflict: 'overwrite',
  });
  expect(overwrite.status).toBe('succeeded');
  expect(overwrite).toMatchObject({ done: { items: 1, bytes: 5000 }, skipped: { items: 3 } });
  expectFiles(await filesIn(src()), { ...now, 'Photos/x.jpg': first['Photos/x.jpg'] });
});

test('a restore over the traffic quota ends quota_exceeded', async () => {
  const used = (await t.db.query('SELECT sum(used_bytes)::bigint AS n FROM usage WHERE user_id = $1', [a.id])).rows[0]
    .n as number;
  await t.db.query('UPDATE users SET traffic_limit_bytes = $2 WHERE id = $1', [a.id, used + 6000]);
  try {
    const run = await restore({ runId: runs.first.id, destination: { cloudId: outCloud, path: 'R3' } });
    expect(run.status).toBe('quota_exceeded');
    expect(run.done.bytes).toBeLessThanOrEqual(6000);
    const after = (await t.db.query('SELECT sum(used_bytes)::bigint AS n FROM usage WHERE user_id = $1', [a.id]))
      .rows[0].n as number;
    expect(after - used).toBe(run.done.bytes);
  } finally {
    await t.db.query('UPDATE users SET traffic_limit_bytes = NULL WHERE id = $1', [a.id]);
  }
});

test('a copy no longer at the destination is a failed item that says so; the rest is restored', async () => {
  await fs.rm(path.join(root, a.id, 'bak', 'Backup', 'docs', 'd.txt'));
  const run = await restore({ runId: runs.first.id, destination: { cloudId: outCloud, path: 'R4' } });
  expect(run.status).toBe('partial');
  expect(run).toMatchObject({ done: { items: 3 }, failed: { items: 1 } });
  const failed = (await api('GET', `/runs/${run.id}/items?status=failed`)).json().items;
  expect(failed).toHaveLength(1);
  expect(failed[0].error).toMatch(
    /^docs\/d\.txt: the copy of .* is no longer at the destination \(Backup\/docs\/d\.txt\)$/,
  );
  const { 'docs/d.txt': _, ...rest } = first;
  expectFiles(await filesIn(out('R4')), rest);
});

test('from an encrypted backup: the restore decrypts names and bytes', async () => {
  const bak = (await api('GET', '/clouds')).json().items.find((c: { name: string }) => c.name === 'bak').id;
  const vault = await api('POST', '/clouds', {
    kind: 'crypt',
    name: 'Vault',
    options: { cloudId: bak, path: 'Vault', password: 'a long restore passphrase' },
  });
  expect(vault.statusCode).toBe(201);
  const created = await api('POST', '/tasks', {
    name: 'Phone, encrypted',
    source: { cloudId: srcCloud, path: 'Photos' },
    destination: { cloudId: vault.json().id, path: 'Enc' },
  });
  expect(created.statusCode).toBe(201);
  const id = created.json().id;
  const started = await api('POST', `/tasks/${id}/runs`);
  const backedUp = await waitForRun(t, a, started.json().run.id);
  expect(backedUp.status).toBe('succeeded');
  // Nothing readable at the wrapped folder: the names are encrypted.
  const stored = Object.keys(await filesIn(path.join(root, a.id, 'bak', 'Vault')));
  expect(stored.some((p) => p.includes('x.jpg'))).toBe(false);

  const res = await api('POST', `/tasks/${id}/restore`, {
    runId: backedUp.id,
    destination: { cloudId: outCloud, path: 'Decrypted' },
  });
  expect(res.statusCode).toBe(202);
  const run = await waitForRun(t, a, res.json().run.id);
  expect(run.status).toBe('succeeded');
  expectFiles(await filesIn(out('Decrypted')), await filesIn(src('Photos')));
});

test('a backup of 1,234 files: planned a page of copies at a time, each found in the listings', async () => {
  // More copies than a page of the plan (500): the backup's listing and the restore destination's
  // are looked up page by page. One copy is gone by hand from the backup (page 2), and three files
  // are at the restore's destination already, one per page: kept, with the restored copy renamed.
  const many: Record<string, Buffer> = {};
  for (let i = 0; i < 1234; i++)
    many[`${2000 + (i % 7)}/IMG_${String(i).padStart(4, '0')}.jpg`] = crypto.randomBytes(100 + (i % 50));
  const folder = await localFolder(root, a, 'many');
  for (const [p, bytes] of Object.entries(many)) {
    await fs.mkdir(path.dirname(path.join(folder, p)), { recursive: true });
    await fs.writeFile(path.join(folder, p), bytes);
  }
  const bak = (await api('GET', '/clouds')).json().items.find((c: { name: string }) => c.name === 'bak').id;
  const cloud = await api('POST', '/clouds', { kind: 'local', name: 'many', options: { root: 'many' } });
  const manyCloud = cloud.json().id;
  const created = await api('POST', '/tasks', {
    name: 'Many',
    source: { cloudId: manyCloud },
    destination: { cloudId: bak, path: 'Many' },
  });
  const id = created.json().id;
  const backedUp = await waitForRun(t, a, (await api('POST', `/tasks/${id}/runs`)).json().run.id);
  expect(backedUp).toMatchObject({ status: 'succeeded', done: { items: 1234 } });

  const gone = '2005/IMG_0600.jpg';
  await fs.rm(path.join(root, a.id, 'bak', 'Many', gone));
  const there = ['2000/IMG_0007.jpg', '2003/IMG_0703.jpg', '2006/IMG_1210.jpg'];
  const mine = Buffer.from('already here');
  for (const p of there) {
    await fs.mkdir(path.dirname(out('R6', p)), { recursive: true });
    await fs.writeFile(out('R6', p), mine);
  }
  const res = await api('POST', `/tasks/${id}/restore`, {
    runId: backedUp.id,
    destination: { cloudId: outCloud, path: 'R6' },
  });
  expect(res.statusCode).toBe(202);
  const run = await waitForRun(t, a, res.json().run.id);
  expect(run).toMatchObject({
    status: 'partial',
    totals: { items: 1234 },
    done: { items: 1233 },
    failed: { items: 1 },
  });
  const failed = (await api('GET', `/runs/${run.id}/items?status=failed`)).json().items;
  expect(failed.map((i: { error: string }) => i.error)).toEqual([
    expect.stringMatching(
      /^2005\/IMG_0600\.jpg: the copy of .* is no longer at the destination \(Many\/2005\/IMG_0600\.jpg\)$/,
    ),
  ]);
  const expected: Record<string, Buffer> = { ...many };
  delete expected[gone];
  for (const p of there) {
    expected[p.replace('.jpg', ' (1).jpg')] = many[p];
    expected[p] = mine;
  }
  expectFiles(await filesIn(out('R6')), expected);
});

test('the backup’s whole folder gone: one clear error for the run, nothing written', async () => {
  await fs.rename(path.join(root, a.id, 'bak', 'Backup'), path.join(root, a.id, 'bak', 'Moved'));
  const run = await restore({ runId: runs.first.id, destination: { cloudId: outCloud, path: 'R5' } });
  expect(run.status).toBe('failed');
  expect(run.error).toMatch(/^Nothing of the backup was found in its folder "Backup" at its destination/);
  await expect(fs.stat(out('R5'))).rejects.toMatchObject({ code: 'ENOENT' });
});
