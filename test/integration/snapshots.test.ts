// A task's history through the API: its snapshots, the backup's tree as of one of them (or a time),
// restore and verify starting runs; the refusals (404, 400, 409), each changing nothing; and another
// user seeing nothing of it. The history is written straight into `copies`, as backups record it
// (the runs that write it are tested in test/e2e/restore.test.ts); no worker takes the runs up.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { MIGRATIONS_DIR } from '../../services/core/db.ts';
import { keepTotals } from '../../services/core/run-state.ts';
import { snapshotCopies, TREE } from '../../services/core/snapshots.ts';
import { signup, snapshot, startTestApp, type Actor, type TestApp } from '../support/app.ts';

let t: TestApp;
let a: Actor;
let b: Actor;
let taskId: string;
let src: string;
let dst: string;
let other: string;
let takeout: string;
let bTask: string;
const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);
const runs: Record<string, string> = {};

const crafted = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
const call = (actor: Actor, method: string, url: string, payload?: object) =>
  t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, headers: actor.bearer, payload });

async function cloud(actor: Actor, kind: string, name: string): Promise<string> {
  const { rows } = await t.db.query(
    `INSERT INTO clouds (user_id, kind, name, options) VALUES ($1, $2, $3, $4) RETURNING id`,
    [actor.id, kind, name, { root: name }],
  );
  return rows[0].id;
}

async function task(actor: Actor, name: string, from: string, to: string): Promise<string> {
  const { rows } = await t.db.query(
    `INSERT INTO tasks (user_id, name, source_cloud_id, source, destination_cloud_id, destination) ` +
      `VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [actor.id, name, from, { cloudId: from }, to, { cloudId: to, path: 'Backup' }],
  );
  return rows[0].id;
}

async function run(
  actor: Actor,
  task: string,
  status: string,
  finishedAt: Date,
  kind = 'backup',
  done = [0, 0],
): Promise<string> {
  const { rows } = await t.db.query(
    `INSERT INTO runs (task_id, user_id, status, trigger, kind, created_at, started_at, finished_at,
                       done_items, done_bytes)
     VALUES ($1, $2, $3, 'manual', $4, $5, $5, $5, $6, $7) RETURNING id`,
    [task, actor.id, status, kind, finishedAt, done[0], done[1]],
  );
  return rows[0].id;
}

/** A copy a backup made: path in the backup, where it is now, its size, and when it came and went. */
async function copy(
  source: string,
  path: string,
  size: number,
  copied: number,
  more: { replaced?: number; deleted?: number; removed?: number; destPath?: string; task?: string } = {},
) {
  await t.db.query(
    `INSERT INTO copies (task_id, source_id, path, dest_path, source_path, size, source_mtime, source_version,
                         dest_hash, copied_at, replaced_at, deleted_at, removed_at)
     VALUES ($1, $2, $3, $4, $3, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      more.task ?? taskId,
      source,
      path,
      more.destPath ?? `Backup/${path}`,
      size,
      at(copied - 100),
      `v${copied}`,
      `md5:${source}${copied}`,
      at(copied),
      more.replaced === undefined ? null : at(more.replaced),
      more.deleted === undefined ? null : at(more.deleted),
      more.removed === undefined ? null : at(more.removed),
    ],
  );
}

beforeAll(async () => {
  t = await startTestApp();
  a = await signup(t);
  b = await signup(t);
  src = await cloud(a, 'local', 'src');
  dst = await cloud(a, 'local', 'dst');
  other = await cloud(a, 'local', 'other');
  takeout = await cloud(a, 'google-takeout', 'takeout');
  taskId = await task(a, 'A photos', src, dst);
  bTask = await task(b, 'B photos', await cloud(b, 'local', 'bsrc'), await cloud(b, 'local', 'bdst'));
  // Run 1 ends at 10 s: a.txt (first copy), Photos/2020/x.jpg, Photos/y.jpg (its second copy: the
  // first was overwritten), old.txt. Then old.txt goes from the source (12 s), a.txt changes (its
  // first copy kept as a version, 15 s), b.txt comes (16 s); run 2 ends at 20 s.
  await copy('a', 'a.txt', 1, 1, { replaced: 15, destPath: 'Backup/.ferry-versions/20260301T100001.000Z-a.txt' });
  await copy('a', 'a.txt', 2, 15);
  await copy('x', 'Photos/2020/x.jpg', 10, 2);
  await copy('y', 'Photos/y.jpg', 20, 0.5, { replaced: 1.5, removed: 1.5 });
  await copy('y', 'Photos/y.jpg', 30, 1.5);
  await copy('o', 'old.txt', 40, 2, { deleted: 12 });
  await copy('b', 'b.txt', 50, 16);
  runs.first = await run(a, taskId, 'succeeded', at(10), 'backup', [4, 81]);
  runs.second = await run(a, taskId, 'partial', at(20), 'backup', [2, 52]);
  runs.failed = await run(a, taskId, 'failed', at(30));
  runs.restore = await run(a, taskId, 'succeeded', at(40), 'restore');
  runs.ofB = await run(b, bTask, 'succeeded', at(10));
});
afterAll(async () => {
  await t.close();
});

describe('snapshots', () => {
  test('each backup run that ended succeeded or partial, newest first, with the whole backup then', async () => {
    const res = await call(a, 'GET', `/tasks/${taskId}/snapshots`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      items: [
        {
          runId: runs.second,
          at: '2026-03-01T10:00:20.000000Z',
          status: 'partial',
          files: 4,
          bytes: 2 + 10 + 30 + 50,
          copied: { items: 2, bytes: 52 },
        },
        {
          runId: runs.first,
          at: '2026-03-01T10:00:10.000000Z',
          status: 'succeeded',
          files: 4,
          bytes: 1 + 10 + 30 + 40,
          copied: { items: 4, bytes: 81 },
        },
      ],
      nextCursor: null,
    });
  });

  test('their totals: kept when a run ends, filled in by the migration, counted for a run that has none', async () => {
    const listed = async () =>
      (await call(a, 'GET', `/tasks/${taskId}/snapshots`))
        .json()
        .items.map((s: { runId: string; files: number; bytes: number }) => [s.runId, s.files, s.bytes]);
    const kept = async () =>
      (
        await t.db.query<{ id: string; files: number; bytes: number }>(
          `SELECT id, backup_files::int AS files, backup_bytes::int AS bytes FROM runs
            WHERE task_id = $1 AND backup_files IS NOT NULL ORDER BY finished_at DESC`,
          [taskId],
        )
      ).rows.map((r) => [r.id, r.files, r.bytes]);
    const expected = [
      [runs.second, 4, 92],
      [runs.first, 4, 81],
    ];
    // These runs were written as rows, not ended by a worker: none has its totals, each is counted.
    expect(await kept()).toEqual([]);
    expect(await listed()).toEqual(expected);
    // What migrations/0019 fills in for the points in time there were already.
    const migration = await fs.readFile(path.join(MIGRATIONS_DIR, '0019-snapshot-totals.sql'), 'utf8');
    await t.db.query(migration.slice(migration.indexOf('WITH points AS')));
    expect(await kept()).toEqual(expected);
    // What a run's end keeps: the failed run and the restore are no points in time.
    await t.db.query('UPDATE runs SET backup_files = NULL, backup_bytes = NULL');
    for (const id of Object.values(runs)) await keepTotals(t.db, id);
    expect(await kept()).toEqual(expected);
    // And the list reads what is kept.
    await t.db.query('UPDATE runs SET backup_files = 5 WHERE id = $1', [runs.first]);
    expect((await listed())[1]).toEqual([runs.first, 5, 81]);
    await keepTotals(t.db, runs.first);
    expect(await listed()).toEqual(expected);
  });

  test('paged by cursor', async () => {
    const first = (await call(a, 'GET', `/tasks/${taskId}/snapshots?limit=1`)).json();
    expect(first.items.map((s: { runId: string }) => s.runId)).toEqual([runs.second]);
    const next = (await call(a, 'GET', `/tasks/${taskId}/snapshots?limit=1&cursor=${first.nextCursor}`)).json();
    expect(next.items.map((s: { runId: string }) => s.runId)).toEqual([runs.first]);
    expect(next.nextCursor).toBeNull();
    for (const cursor of ['nonsense', crafted(['not a time', 'not an id'])]) {
      const bad = await call(a, 'GET', `/tasks/${taskId}/snapshots?cursor=${cursor}`);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('invalid_request');
    }
  });
});

/**
 * A backup whose folders' names run on in byte order ("Trip", "Trip sub", "Trip.txt", "Trip/x"), as
 * run 1 of its task left it: made once, for the tree and the restore tests.
 */
let tripsMade: Promise<{ trips: string; point: string }> | undefined;
const TRIPS = [
  'Trip/a.jpg',
  'Trip/sub/b.jpg',
  'Trip sub/c.jpg',
  'Trip!/d.jpg',
  'Trip-x/e.jpg',
  'Trip.old/f.jpg',
  'Trip.txt',
  'Trip0/g.jpg',
  'Tripfile.txt',
  'Zed/1/2/3/deep.jpg',
  'Émile/ü.jpg',
];
const tripsTask = () =>
  (tripsMade ??= (async () => {
    const trips = await task(a, 'Trips', src, dst);
    for (const [i, p] of TRIPS.entries()) await copy(`t${i}`, p, 1, 1, { task: trips });
    // Gone before the run's end: a deleted folder, and a folder whose only file moved away.
    await copy('gone', 'Gone/x.jpg', 1, 1, { task: trips, deleted: 5 });
    await copy('moved', 'Was/y.jpg', 1, 1, { task: trips, replaced: 5 });
    await copy('moved', 'Now/y.jpg', 1, 5, { task: trips });
    const point = await run(a, trips, 'succeeded', at(10));
    return { trips, point };
  })());

describe('tree', () => {
  const names = (body: { entries: Array<{ type: string; name: string }> }) =>
    body.entries.map((e) => `${e.type}:${e.name}`);

  test('as run 1 left it: folders, then files; nothing added after, what was deleted later still there', async () => {
    const res = await call(a, 'GET', `/tasks/${taskId}/tree?runId=${runs.first}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ at: '2026-03-01T10:00:10.000000Z', runId: runs.first, path: '', nextCursor: null });
    expect(names(body)).toEqual(['folder:Photos', 'file:a.txt', 'file:old.txt']);
    expect(body.entries[1]).toEqual({
      type: 'file',
      name: 'a.txt',
      path: 'a.txt',
      size: 1,
      modifiedAt: at(-99).toISOString(),
      copiedAt: at(1).toISOString(),
      hash: 'md5:a1',
      restorable: true,
      versions: [],
    });
  });

  test('now: the newest copies, each with its older ones (restorable or not)', async () => {
    const body = (await call(a, 'GET', `/tasks/${taskId}/tree`)).json();
    expect(body.runId).toBeNull();
    expect(names(body)).toEqual(['folder:Photos', 'file:a.txt', 'file:b.txt']);
    expect(body.entries[1].size).toBe(2);
    expect(body.entries[1].versions).toEqual([
      { copiedAt: at(1).toISOString(), replacedAt: at(15).toISOString(), size: 1, hash: 'md5:a1', restorable: true },
    ]);
    const photos = (await call(a, 'GET', `/tasks/${taskId}/tree?path=Photos`)).json();
    expect(photos.path).toBe('Photos');
    expect(names(photos)).toEqual(['folder:2020', 'file:y.jpg']);
    expect(photos.entries[0]).toEqual({ type: 'folder', name: '2020', path: 'Photos/2020' });
    expect(photos.entries[1].path).toBe('Photos/y.jpg');
    expect(photos.entries[1].versions).toEqual([
      {
        copiedAt: at(0.5).toISOString(),
        replacedAt: at(1.5).toISOString(),
        size: 20,
        hash: 'md5:y0.5',
        restorable: false,
      },
    ]);
  });

  test('as of a time between the runs: what the backup held then', async () => {
    const body = (
      await call(a, 'GET', `/tasks/${taskId}/tree?asOf=${encodeURIComponent(at(12.5).toISOString())}`)
    ).json();
    expect(body.at).toBe('2026-03-01T10:00:12.500000Z');
    expect(body.runId).toBeNull();
    // old.txt went at 12 s, a.txt changed at 15 s
    expect(names(body)).toEqual(['folder:Photos', 'file:a.txt']);
    expect(body.entries[1].size).toBe(1);
  });

  test('paged by cursor, folders then files', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (let i = 0; i < 5; i++) {
      const body = (await call(a, 'GET', `/tasks/${taskId}/tree?limit=1${cursor}`)).json();
      seen.push(...names(body));
      if (!body.nextCursor) break;
      cursor = `&cursor=${body.nextCursor}`;
    }
    expect(seen).toEqual(['folder:Photos', 'file:a.txt', 'file:b.txt']);
  });

  test('folders whose names run on in byte order ("Trip", "Trip sub", "Trip/x"), read by jumps', async () => {
    const { trips, point } = await tripsTask();
    const tree = async (query: string) => {
      const res = await call(a, 'GET', `/tasks/${trips}/tree?runId=${point}${query}`);
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    const top = [
      'folder:Now',
      'folder:Trip',
      'folder:Trip sub',
      'folder:Trip!',
      'folder:Trip-x',
      'folder:Trip.old',
      'folder:Trip0',
      'folder:Zed',
      'folder:Émile',
      'file:Trip.txt',
      'file:Tripfile.txt',
    ];
    expect(names(await tree(''))).toEqual(top);
    expect(names(await tree('&path=Trip'))).toEqual(['folder:sub', 'file:a.jpg']);
    expect(names(await tree('&path=Zed%2F1'))).toEqual(['folder:2']);
    expect(names(await tree('&path=Trip%20sub'))).toEqual(['file:c.jpg']);
    // One entry a page, across the turn from folders to files.
    const seen: string[] = [];
    for (let cursor = ''; ; ) {
      const body = await tree(`&limit=1${cursor}`);
      seen.push(...names(body));
      if (!body.nextCursor) break;
      cursor = `&cursor=${body.nextCursor}`;
    }
    expect(seen).toEqual(top);
    const gone = await call(a, 'GET', `/tasks/${trips}/tree?runId=${point}&path=Gone`);
    expect(gone.statusCode).toBe(400);
    expect(gone.json().error.message).toMatch(/no folder "Gone"/);

    // Each look-up is a range of copies_folder_idx on the folder's expression: if the query's
    // expression differed from the index's by a character, the index would serve only the task.
    const client = await t.db.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${TREE}`, [
        trips,
        at(10),
        'Trip',
        null,
        null,
        null,
        51,
      ]);
      type Node = { 'Node Type': string; 'Index Name'?: string; 'Index Cond'?: string; Plans?: Node[] };
      const scans: Node[] = [];
      const walk = (n: Node) => {
        if (n['Index Name'] === 'copies_folder_idx' || /Seq Scan|Bitmap/.test(n['Node Type'])) scans.push(n);
        n.Plans?.forEach(walk);
      };
      walk(rows[0]['QUERY PLAN'][0].Plan);
      expect(scans.length).toBe(3); // the first jump, each next one, the files
      for (const scan of scans) expect(scan['Index Cond']).toMatch(/task_id = .*CASE WHEN \(strpos\(path/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  test('refused: runId and asOf, a time before the first snapshot, a run no snapshot, a folder not there', async () => {
    const refusals: Array<[string, number, RegExp]> = [
      [`runId=${runs.first}&asOf=${at(10).toISOString()}`, 400, /not both/],
      [`asOf=${at(5).toISOString()}`, 400, /No backup of this task existed then/],
      [`runId=${runs.failed}`, 400, /no snapshot/],
      [`runId=${runs.restore}`, 400, /no snapshot/],
      [`runId=${runs.ofB}`, 404, /Run not found/],
      ['runId=00000000-0000-4000-8000-000000000000', 404, /Run not found/],
      ['path=Nope', 400, /no folder "Nope"/],
      ['path=..%2Fx', 400, /\.\./],
      ['asOf=yesterday', 400, /asOf/],
      // crafted cursors: the right arity, values of the wrong kind
      [`cursor=${crafted(['folder', 'x', 'y'])}`, 400, /./],
      [`cursor=${crafted([1, 'x', 1e30])}`, 400, /./],
    ];
    for (const [query, status, message] of refusals) {
      const res = await call(a, 'GET', `/tasks/${taskId}/tree?${query}`);
      expect(res.statusCode).toBe(status);
      expect(res.json().error.message).toMatch(message);
    }
  });
});

describe('restore and verify', () => {
  const restore = (payload: object, actor = a, id = taskId) => call(actor, 'POST', `/tasks/${id}/restore`, payload);

  test('refusals change nothing', async () => {
    const before = await snapshot(t.db);
    const to = { cloudId: other, path: 'Restored' };
    const refusals: Array<[object, number, RegExp]> = [
      [{ runId: runs.first, paths: ['Nope'], destination: to }, 400, /"Nope" is no file or folder/],
      [{ runId: runs.first, paths: ['b.txt'], destination: to }, 400, /"b.txt" is no file or folder/],
      [{ runId: runs.first, paths: ['../x'], destination: to }, 400, /\.\./],
      [{ runId: runs.first, asOf: at(12).toISOString(), destination: to }, 400, /not both/],
      [{ asOf: at(9).toISOString(), destination: to }, 400, /No backup of this task existed then/],
      [{ runId: runs.ofB, destination: to }, 404, /Run not found/],
      [{ runId: runs.first, destination: { cloudId: takeout, path: '' } }, 400, /cannot be written/],
      [{ runId: runs.first, destination: { cloudId: dst, path: 'Backup/Photos' } }, 400, /inside the backup/],
      [{ runId: runs.first, destination: { cloudId: dst, path: '' } }, 400, /inside the backup/],
      [{ runId: runs.first, destination: to, conflict: 'merge' }, 400, /conflict/],
      [{ runId: runs.first }, 400, /destination/],
    ];
    for (const [payload, status, message] of refusals) {
      const res = await restore(payload);
      expect(res.statusCode).toBe(status);
      expect(res.json().error.message).toMatch(message);
    }
    // B's cloud as the destination is no cloud of A's
    const bCloud = (await t.db.query('SELECT id FROM clouds WHERE user_id = $1 LIMIT 1', [b.id])).rows[0].id;
    const res = await restore({ runId: runs.first, destination: { cloudId: bCloud, path: '' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/no such cloud/);
    expect(await snapshot(t.db)).toBe(before);
  });

  test('a restore of a folder takes what is below it, not its siblings of a longer name', async () => {
    const { trips, point } = await tripsTask();
    const at10 = '2026-03-01T10:00:10.000000Z';
    const selected = async (paths: string[]) => {
      const out: string[] = [];
      for await (const page of snapshotCopies(t.db, trips, at10, paths, 2)) out.push(...page.map((c) => c.path));
      return out;
    };
    expect(await selected(['Trip'])).toEqual(['Trip/a.jpg', 'Trip/sub/b.jpg']);
    expect(await selected(['Zed', 'Trip.txt', 'Trip/sub'])).toEqual([
      'Trip.txt',
      'Trip/sub/b.jpg',
      'Zed/1/2/3/deep.jpg',
    ]);
    // A folder and a file in it: the file once.
    expect(await selected(['Trip sub', 'Trip sub/c.jpg'])).toEqual(['Trip sub/c.jpg']);
    expect(await selected(['Gone', 'Was'])).toEqual([]);

    const to = { cloudId: other, path: 'Restored' };
    for (const p of ['Tri', 'Trip/su', 'Trip.tx', 'Gone', 'Was/y.jpg']) {
      const res = await restore({ runId: point, paths: [p], destination: to }, a, trips);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toContain(`"${p}" is no file or folder of the backup at ${at10}`);
    }
    const res = await restore({ runId: point, paths: ['Trip', 'Trip.txt', 'Émile/ü.jpg'], destination: to }, a, trips);
    expect(res.statusCode).toBe(202);
    expect(res.json().run.restore.paths).toEqual(['Trip', 'Trip.txt', 'Émile/ü.jpg']);
  });

  test('a restore starts a run of kind restore with its request resolved; another run is then 409', async () => {
    const res = await restore({
      runId: runs.first,
      paths: ['Photos/', '/old.txt'],
      destination: { cloudId: other, path: '/Restored/' },
    });
    expect(res.statusCode).toBe(202);
    const { run: started } = res.json();
    expect(started).toMatchObject({
      taskId,
      kind: 'restore',
      status: 'queued',
      restore: {
        at: '2026-03-01T10:00:10.000000Z',
        runId: runs.first,
        paths: ['Photos', 'old.txt'],
        destination: { cloudId: other, path: 'Restored' },
        conflict: 'rename',
      },
    });
    const shown = (await call(a, 'GET', `/runs/${started.id}`)).json();
    expect(shown.kind).toBe('restore');
    expect(shown.restore).toEqual(started.restore);

    const before = await snapshot(t.db);
    const again = await restore({ destination: { cloudId: other, path: 'R2' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');
    const verify = await call(a, 'POST', `/tasks/${taskId}/verify`);
    expect(verify.statusCode).toBe(409);
    expect(await snapshot(t.db)).toBe(before);

    expect((await call(a, 'POST', `/runs/${started.id}/cancel`)).statusCode).toBe(200);
    const verifying = await call(a, 'POST', `/tasks/${taskId}/verify`);
    expect(verifying.statusCode).toBe(202);
    expect(verifying.json().run).toMatchObject({ taskId, kind: 'verify', status: 'queued', restore: null });
    expect((await call(a, 'POST', `/runs/${verifying.json().run.id}/cancel`)).statusCode).toBe(200);
  });

  test('now, the whole backup, with a conflict policy', async () => {
    const res = await restore({ paths: [''], destination: { cloudId: other, path: '' }, conflict: 'overwrite' });
    expect(res.statusCode).toBe(202);
    const { restore: spec } = res.json().run;
    expect(spec).toMatchObject({ runId: null, paths: [], conflict: 'overwrite' });
    expect(Date.parse(spec.at)).toBeLessThanOrEqual(Date.now());
    expect((await call(a, 'POST', `/runs/${res.json().run.id}/cancel`)).statusCode).toBe(200);
  });
});

test('another user: 404 on every route of the task, and nothing of it in any answer', async () => {
  const before = await snapshot(t.db);
  const to = { cloudId: other, path: 'x' };
  for (const [method, url, payload] of [
    ['GET', `/tasks/${taskId}/snapshots`],
    ['GET', `/tasks/${taskId}/tree`],
    ['GET', `/tasks/${taskId}/tree?runId=${runs.first}`],
    ['POST', `/tasks/${taskId}/restore`, { runId: runs.first, destination: to }],
    ['POST', `/tasks/${taskId}/verify`],
    ['GET', `/tasks/${bTask}/tree?runId=${runs.first}`],
    ['POST', `/tasks/${bTask}/restore`, { runId: runs.first, destination: to }],
  ] as Array<[string, string, object?]>) {
    const res = await call(b, method, url, payload);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect(res.body).not.toContain('a.txt');
    expect(res.body).not.toContain('A photos');
  }
  // B's own task has a snapshot but no copies: an empty backup, nothing of A's.
  const own = (await call(b, 'GET', `/tasks/${bTask}/tree?runId=${runs.ofB}`)).json();
  expect(own.entries).toEqual([]);
  const list = (await call(b, 'GET', `/tasks/${bTask}/snapshots`)).json();
  expect(list.items.map((s: { runId: string }) => s.runId)).toEqual([runs.ofB]);
  expect(await snapshot(t.db)).toBe(before);
});
