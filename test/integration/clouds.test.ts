import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { signup, snapshot, startTestApp, type Actor, type TestApp } from '../support/app.ts';
import { startS3, type TestS3 } from '../support/s3.ts';

let t: TestApp;
let s3: TestS3;
let roots: string;
let a: Actor;
/** a's own space under FERRY_LOCAL_ROOTS (<root>/<user id>). */
let mine: string;

beforeAll(async () => {
  roots = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-roots-')));
  await fs.mkdir(path.join(roots, 'nas'), { recursive: true });
  await fs.mkdir(path.join(roots, 'outside'), { recursive: true });
  await fs.writeFile(path.join(roots, 'outside/secret.txt'), 'not yours');
  s3 = await startS3();
  t = await startTestApp({ FERRY_LOCAL_ROOTS: path.join(roots, 'nas'), FERRY_ALLOW_PRIVATE_ENDPOINTS: '1' });
  a = await signup(t);
  mine = path.join(roots, 'nas', a.id);
  await fs.mkdir(path.join(mine, 'photos/2024'), { recursive: true });
  await fs.writeFile(path.join(mine, 'photos/a.jpg'), 'jpeg bytes');
  await fs.writeFile(path.join(mine, 'photos/2024/b.mp4'), 'video bytes');
  await fs.symlink(path.join(roots, 'outside'), path.join(mine, 'photos/escape'));
});
afterAll(async () => {
  await t.close();
  await s3.close();
  await fs.rm(roots, { recursive: true, force: true });
});

const req = (method: string, url: string, payload?: unknown, headers = a.headers) =>
  t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, payload: payload as object, headers });

const s3Options = () => s3.options();

describe('providers', () => {
  test('lists every kind with its options as JSON Schema, secrets marked writeOnly', async () => {
    const res = await req('GET', '/providers');
    assert.equal(res.statusCode, 200);
    const kinds = res.json().map((p: { kind: string }) => p.kind);
    assert.deepEqual(kinds.sort(), [
      'dropbox',
      'google-drive',
      'google-photos',
      'google-takeout',
      'local',
      'onedrive',
      's3',
    ]);
    const s3p = res.json().find((p: { kind: string }) => p.kind === 's3');
    assert.equal(s3p.available, true);
    assert.equal(s3p.options.properties.secretAccessKey.writeOnly, true);
    assert.deepEqual(s3p.options.required.sort(), ['accessKeyId', 'bucket', 'region', 'secretAccessKey']);
    const drive = res.json().find((p: { kind: string }) => p.kind === 'google-drive');
    assert.equal(drive.auth, 'oauth');
    assert.equal(drive.available, false);
  });

  test('each kind says its names in every language, what it wraps, its actions and if it picks', async () => {
    const res = await req('GET', '/providers');
    assert.equal(res.statusCode, 200);
    const of = (kind: string) => res.json().find((p: { kind: string }) => p.kind === kind);
    // A name no language changes is the title in each; a kind with no noun of its own uses its name.
    assert.deepEqual(of('dropbox').titles, { en: 'Dropbox', de: 'Dropbox', fr: 'Dropbox' });
    assert.deepEqual(of('dropbox').nouns, of('dropbox').titles);
    assert.deepEqual(of('google-photos').titles, { en: 'Google Photos', de: 'Google Fotos', fr: 'Google Photos' });
    assert.deepEqual(of('s3').nouns, { en: 'S3 storage', de: 'S3-Speicher', fr: 'stockage S3' });
    assert.equal(of('s3').titles.de, 'Amazon S3 oder kompatibel');

    assert.deepEqual(of('google-takeout').wraps, ['google-drive', 'dropbox', 'onedrive', 's3', 'local']);
    assert.deepEqual(of('google-takeout').actions, [{ method: 'GET', path: 'takeout' }]);
    assert.equal(of('google-takeout').pickerSession, false);
    assert.deepEqual(of('google-photos').actions, [
      { method: 'POST', path: 'picker-sessions' },
      { method: 'GET', path: 'picker-sessions/:sid' },
    ]);
    assert.equal(of('google-photos').pickerSession, true);
    assert.deepEqual(of('google-photos').wraps, []);
    for (const kind of ['s3', 'local', 'dropbox', 'onedrive', 'google-drive']) {
      assert.deepEqual([of(kind).wraps, of(kind).actions, of(kind).pickerSession], [[], [], false], kind);
    }
  });
});

describe('local clouds', () => {
  test('a folder of the user’s own space can be connected, checked and browsed', async () => {
    // Named relative to the space, or in full: the same folder.
    const full = await req('POST', '/clouds', {
      kind: 'local',
      name: 'NAS full',
      options: { root: path.join(mine, 'photos') },
    });
    assert.equal(full.statusCode, 201, full.body);
    assert.equal(full.json().options.root, path.join(mine, 'photos'));
    const res = await req('POST', '/clouds', { kind: 'local', name: 'NAS', options: { root: 'photos' } });
    assert.equal(res.statusCode, 201);
    const cloud = res.json();
    assert.equal(cloud.options.root, path.join(mine, 'photos'));
    const check = await req('POST', `/clouds/${cloud.id}/check`);
    assert.equal(check.statusCode, 200);
    assert.equal(check.json().ok, true);
    assert.equal(check.json().cloud.status, 'ok');
    const top = await req('GET', `/clouds/${cloud.id}/entries`);
    assert.equal(top.statusCode, 200);
    // The symlink leading outside the cloud's folder is not shown (no link is followed).
    assert.deepEqual(
      top.json().items.map((e: { path: string; type: string; size?: number }) => [e.type, e.path, e.size]),
      [
        ['folder', '2024', undefined],
        ['file', 'a.jpg', 10],
      ],
    );
    const sub = await req('GET', `/clouds/${cloud.id}/entries?path=2024`);
    assert.deepEqual(
      sub.json().items.map((e: { path: string }) => e.path),
      ['2024/b.mp4'],
    );
  });

  test('paths leaving the cloud folder are refused, through .. or a symlink', async () => {
    const res = await req('POST', '/clouds', { kind: 'local', name: 'NAS2', options: { root: 'photos' } });
    const id = res.json().id;
    const dotdot = await req('GET', `/clouds/${id}/entries?path=${encodeURIComponent('../../outside')}`);
    assert.equal(dotdot.statusCode, 400);
    const link = await req('GET', `/clouds/${id}/entries?path=escape`);
    assert.equal(link.statusCode, 400);
    assert.equal(link.json().error.code, 'invalid_request');
    assert.match(link.json().error.message, /symbolic link.*outside/);
    assert.ok(!link.body.includes(roots), 'no server path in the answer');
    const missing = await req('GET', `/clouds/${id}/entries?path=nope`);
    assert.equal(missing.statusCode, 404);
  });

  test(
    'a root outside the user’s own space, directly or through a symlink, ' +
      'is refused, nothing is stored and nothing told of the server',
    async () => {
      const b = await signup(t);
      await fs.mkdir(path.join(roots, 'nas', b.id, 'photos'), { recursive: true });
      const before = await snapshot(t.db);
      const elsewhere = [
        path.join(roots, 'outside'),
        path.join(roots, 'nas'), // the shared root
        path.join(roots, 'nas', b.id), // another user's space…
        path.join(roots, 'nas', b.id, 'photos'),
        path.join(mine, '..', b.id),
        `../${b.id}`,
        path.join(roots, 'nas/../outside'),
        '/etc',
        '/root/.bash_history',
      ];
      for (const root of elsewhere) {
        const res = await req('POST', '/clouds', { kind: 'local', name: 'bad', options: { root } });
        assert.equal(res.statusCode, 400, root);
        assert.equal(res.json().error.code, 'invalid_request');
        assert.match(res.json().error.message, /your own space/);
        // Nothing of the server is told: neither the path tried (beyond the user's own space) nor whether it exists.
        assert.ok(
          (mine.startsWith(root) || !res.json().error.message.includes(root)) &&
            !/exist/.test(res.json().error.message),
          res.body,
        );
      }
      for (const root of [
        path.join(mine, 'photos/escape'),
        'photos/escape',
        'no/such/folder',
        'photos//2024',
        'photos/\u0001',
      ]) {
        const res = await req('POST', '/clouds', { kind: 'local', name: 'bad', options: { root } });
        assert.equal(res.statusCode, 400, root);
        assert.equal(res.json().error.code, 'invalid_request');
      }
      assert.equal(await snapshot(t.db), before);
    },
  );

  test('a new user’s space is made on first use, readable by Ferry alone', async () => {
    const c = await signup(t);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/clouds',
      headers: c.headers,
      payload: { kind: 'local', name: 'All of mine', options: { root: '' } },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().options.root, path.join(roots, 'nas', c.id));
    assert.equal((await fs.stat(path.join(roots, 'nas', c.id))).mode & 0o777, 0o700);
  });

  test('a name longer than the file system allows is a 400, not a 500', async () => {
    const id = (await req('POST', '/clouds', { kind: 'local', name: 'Long names', options: { root: 'photos' } })).json()
      .id;
    const res = await req('GET', `/clouds/${id}/entries?path=${'n'.repeat(256)}`);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'invalid_request');
    assert.match(res.json().error.message, /longer than the server's file system allows/);
    const file = await req('GET', `/clouds/${id}/entries?path=a.jpg`);
    assert.equal(file.statusCode, 404);
    assert.equal(file.json().error.code, 'not_found');
  });

  test('four deletes of one cloud at once: one 204 and three 404', async () => {
    const id = (await req('POST', '/clouds', { kind: 'local', name: 'Once', options: { root: 'photos' } })).json().id;
    const answers = await Promise.all([1, 2, 3, 4].map(() => req('DELETE', `/clouds/${id}`)));
    assert.deepEqual(answers.map((r) => r.statusCode).sort(), [204, 404, 404, 404]);
    const audited = await t.db.query(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'cloud.delete' AND target_id = $1",
      [id],
    );
    assert.equal(audited.rows[0].n, 1);
  });

  test('without FERRY_LOCAL_ROOTS the local connector is off', async () => {
    const s = await startTestApp();
    try {
      const b = await signup(s);
      const res = await s.app.inject({
        method: 'POST',
        url: '/api/v1/clouds',
        headers: b.headers,
        payload: { kind: 'local', name: 'x', options: { root: '/tmp' } },
      });
      assert.equal(res.statusCode, 422);
      assert.equal(res.json().error.code, 'provider_unavailable');
      assert.match(res.json().error.message, /FERRY_LOCAL_ROOTS/);
    } finally {
      await s.close();
    }
  });
});

describe('S3 clouds', () => {
  test('connects, checks and browses a bucket; secrets are sealed and never returned', async () => {
    const client = s3.client();
    for (const key of ['backup/2023/x.jpg', 'backup/2023/y.jpg', 'backup/top.txt', 'elsewhere.txt']) {
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: `content of ${key}` }));
    }
    const res = await req('POST', '/clouds', {
      kind: 's3',
      name: 'Bucket',
      options: { ...s3Options(), prefix: 'backup/' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const cloud = res.json();
    assert.equal(cloud.options.prefix, 'backup');
    assert.equal(cloud.options.secretAccessKey, undefined);
    assert.equal(cloud.options.accessKeyId, undefined);

    const { rows } = await t.db.query('SELECT row_to_json(c)::text AS raw FROM clouds c WHERE id = $1', [cloud.id]);
    assert.ok(!rows[0].raw.includes(s3.secretAccessKey), 'no plaintext secret in the clouds table');
    assert.match(rows[0].raw, /"secrets":"v1:[0-9a-f]{12}:/);

    for (const url of ['/clouds', `/clouds/${cloud.id}`]) {
      const body = (await req('GET', url)).body;
      assert.ok(!body.includes(s3.secretAccessKey), `${url} leaks no secret`);
    }

    const check = await req('POST', `/clouds/${cloud.id}/check`);
    assert.deepEqual([check.statusCode, check.json().ok, check.json().error], [200, true, null]);

    const top = await req('GET', `/clouds/${cloud.id}/entries`);
    assert.deepEqual(
      top.json().items.map((e: { type: string; path: string; size?: number }) => [e.type, e.path, e.size]),
      [
        ['folder', '2023', undefined],
        ['file', 'top.txt', 'content of backup/top.txt'.length],
      ],
    );
    const sub = await req('GET', `/clouds/${cloud.id}/entries?path=2023`);
    assert.deepEqual(
      sub.json().items.map((e: { path: string }) => e.path),
      ['2023/x.jpg', '2023/y.jpg'],
    );
    // A path out of the prefix is refused before the bucket is asked.
    const up = await req('GET', `/clouds/${cloud.id}/entries?path=${encodeURIComponent('2023/../..')}`);
    assert.equal(up.statusCode, 400);
    assert.equal(up.json().error.code, 'invalid_request');
  });

  // s3rver checks access key ids but not SigV4 signatures, so the wrong credential here is the key id.
  test(
    'a cloud whose connection fails is not saved: the service’s reason says why; ' +
      'changed options are tried the same way',
    async () => {
      const before = await snapshot(t.db);
      const wrong = await req('POST', '/clouds', {
        kind: 's3',
        name: 'Wrong',
        options: { ...s3Options(), accessKeyId: 'NOSUCHKEY' },
      });
      assert.equal(wrong.statusCode, 400);
      assert.equal(wrong.json().error.code, 'invalid_request');
      assert.match(wrong.json().error.message, /refused these credentials for bucket ferry-test.*Nothing was saved\.$/);
      assert.ok(!wrong.body.includes(s3.secretAccessKey));
      const noBucket = await req('POST', '/clouds', {
        kind: 's3',
        name: 'Typo',
        options: { ...s3Options(), bucket: 'no-such-bucket' },
      });
      assert.equal(noBucket.statusCode, 400);
      assert.match(
        noBucket.json().error.message,
        /Bucket no-such-bucket does not exist in us-east-1\. Nothing was saved\./,
      );
      const nobody = await req('POST', '/clouds', {
        kind: 's3',
        name: 'Down',
        options: { ...s3Options(), endpoint: 'http://127.0.0.1:9' },
      });
      assert.equal(nobody.statusCode, 502);
      assert.equal(nobody.json().error.code, 'cloud_unreachable');
      assert.match(
        nobody.json().error.message,
        /Cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:9.*Nothing was saved\./,
      );
      assert.equal(await snapshot(t.db), before, 'no cloud stored');

      // A saved cloud can still fail later: the check says so and marks it; a PATCH to wrong keys is
      // refused and the stored ones are kept.
      const client = s3.client();
      const { CreateBucketCommand, DeleteBucketCommand } = await import('@aws-sdk/client-s3');
      await client.send(new CreateBucketCommand({ Bucket: 'going-away' }));
      const res = await req('POST', '/clouds', {
        kind: 's3',
        name: 'Going',
        options: { ...s3Options(), bucket: 'going-away' },
      });
      assert.equal(res.statusCode, 201, res.body);
      const id = res.json().id;
      const stored = (await t.db.query('SELECT secrets FROM clouds WHERE id = $1', [id])).rows[0].secrets;
      const patched = await req('PATCH', `/clouds/${id}`, { options: { accessKeyId: 'NOSUCHKEY' } });
      assert.equal(patched.statusCode, 400);
      assert.match(patched.json().error.message, /refused these credentials/);
      assert.equal((await t.db.query('SELECT secrets FROM clouds WHERE id = $1', [id])).rows[0].secrets, stored);
      await client.send(new DeleteBucketCommand({ Bucket: 'going-away' }));
      const check = await req('POST', `/clouds/${id}/check`);
      assert.equal(check.statusCode, 200);
      assert.equal(check.json().ok, false);
      assert.match(check.json().error, /Bucket going-away does not exist/);
      assert.equal(check.json().cloud.status, 'error');
      // Pointed at a bucket that exists, it passes again.
      const fixed = await req('PATCH', `/clouds/${id}`, { options: { bucket: s3.bucket } });
      assert.equal(fixed.statusCode, 200, fixed.body);
      assert.equal((await req('POST', `/clouds/${id}/check`)).json().ok, true);
    },
  );

  test('renaming keeps the secrets', async () => {
    const res = await req('POST', '/clouds', { kind: 's3', name: 'Old', options: s3Options() });
    const before = await t.db.query('SELECT secrets FROM clouds WHERE id = $1', [res.json().id]);
    const renamed = await req('PATCH', `/clouds/${res.json().id}`, { name: 'New' });
    assert.equal(renamed.json().name, 'New');
    const after = await t.db.query('SELECT secrets FROM clouds WHERE id = $1', [res.json().id]);
    assert.equal(after.rows[0].secrets, before.rows[0].secrets);
  });

  test('a loopback endpoint is refused unless the operator allows private endpoints', async () => {
    const s = await startTestApp();
    try {
      const b = await signup(s);
      const res = await s.app.inject({
        method: 'POST',
        url: '/api/v1/clouds',
        headers: b.headers,
        payload: { kind: 's3', name: 'x', options: s3Options() },
      });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().error.message, /private/);
      const count = await s.db.query('SELECT count(*)::int AS n FROM clouds');
      assert.equal(count.rows[0].n, 0);
    } finally {
      await s.close();
    }
  });

  test('OAuth kinds cannot be created with credentials', async () => {
    const res = await req('POST', '/clouds', { kind: 'google-drive', name: 'Drive', options: {} });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().error.message, /oauth\/google-drive\/start/);
  });

  test('a cloud used by a task cannot be deleted; an unused one can', async () => {
    const src = (await req('POST', '/clouds', { kind: 's3', name: 'Src', options: s3Options() })).json();
    const dst = (await req('POST', '/clouds', { kind: 'local', name: 'Dst', options: { root: '' } })).json();
    const task = await req('POST', '/tasks', {
      name: 'Nightly',
      source: { cloudId: src.id },
      destination: { cloudId: dst.id, path: 'backup' },
    });
    assert.equal(task.statusCode, 201);
    const del = await req('DELETE', `/clouds/${src.id}`);
    assert.equal(del.statusCode, 409);
    assert.match(del.json().error.message, /"Nightly"/);
    const unused = (await req('POST', '/clouds', { kind: 's3', name: 'Unused', options: s3Options() })).json();
    assert.equal((await req('DELETE', `/clouds/${unused.id}`)).statusCode, 204);
    assert.equal((await req('GET', `/clouds/${unused.id}`)).statusCode, 404);
  });
});

describe('picker sessions', () => {
  test('only a Google Photos cloud has them: any other is a clear 400 and nothing changes', async () => {
    const nas = await req('POST', '/clouds', { kind: 'local', name: 'NAS for picker', options: { root: '' } });
    assert.equal(nas.statusCode, 201, nas.body);
    const before = await snapshot(t.db);
    const created = await req('POST', `/clouds/${nas.json().id}/picker-sessions`);
    assert.equal(created.statusCode, 400);
    assert.match(created.json().error.message, /only a Google Photos cloud does/);
    const polled = await req('GET', `/clouds/${nas.json().id}/picker-sessions/abc123`);
    assert.equal(polled.statusCode, 400);
    const bad = await req('GET', `/clouds/${nas.json().id}/picker-sessions/${encodeURIComponent('../../etc')}`);
    assert.equal(bad.statusCode, 400);
    assert.equal(await snapshot(t.db), before);
  });
});

describe('paths given at creation', () => {
  test(
    'a Takeout source’s folder with "..", NUL, control characters ' +
      'or empty segments is refused and nothing is stored',
    async () => {
      const nas = (await req('POST', '/clouds', { kind: 'local', name: 'Deliveries', options: { root: '' } })).json();
      const before = await snapshot(t.db);
      for (const bad of ['../../other', 'Takeout/..', 'Take\u0000out', 'Take\nout', 'Takeout//2026', './Takeout']) {
        const res = await req('POST', '/clouds', {
          kind: 'google-takeout',
          name: 'Takeout',
          options: { cloudId: nas.id, path: bad },
        });
        assert.equal(res.statusCode, 400, bad);
        assert.equal(res.json().error.code, 'invalid_request');
        assert.match(res.json().error.message, /options\.path/);
      }
      assert.equal(await snapshot(t.db), before);
      const good = await req('POST', '/clouds', {
        kind: 'google-takeout',
        name: 'Takeout',
        options: { cloudId: nas.id, path: '/Takeout/' },
      });
      assert.equal(good.statusCode, 201, good.body);
      assert.equal(good.json().options.path, 'Takeout');
    },
  );
});
