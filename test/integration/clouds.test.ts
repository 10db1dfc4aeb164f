import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { signup, snapshot, startTestApp, type Actor, type TestApp } from '../support/app.ts';
import { startS3, type TestS3 } from '../support/s3.ts';

let t: TestApp;
let s3: TestS3;
let roots: string;
let a: Actor;

before(async () => {
  roots = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-roots-')));
  await fs.mkdir(path.join(roots, 'nas/photos/2024'), { recursive: true });
  await fs.writeFile(path.join(roots, 'nas/photos/a.jpg'), 'jpeg bytes');
  await fs.writeFile(path.join(roots, 'nas/photos/2024/b.mp4'), 'video bytes');
  await fs.mkdir(path.join(roots, 'outside'), { recursive: true });
  await fs.writeFile(path.join(roots, 'outside/secret.txt'), 'not yours');
  await fs.symlink(path.join(roots, 'outside'), path.join(roots, 'nas/photos/escape'));
  s3 = await startS3();
  t = await startTestApp({ FERRY_LOCAL_ROOTS: path.join(roots, 'nas'), FERRY_ALLOW_PRIVATE_ENDPOINTS: '1' });
  a = await signup(t);
});
after(async () => {
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
    assert.deepEqual(kinds.sort(), ['dropbox', 'google-drive', 'google-photos', 'google-takeout', 'local', 'onedrive', 's3']);
    const s3p = res.json().find((p: { kind: string }) => p.kind === 's3');
    assert.equal(s3p.available, true);
    assert.equal(s3p.options.properties.secretAccessKey.writeOnly, true);
    assert.deepEqual(s3p.options.required.sort(), ['accessKeyId', 'bucket', 'region', 'secretAccessKey']);
    const drive = res.json().find((p: { kind: string }) => p.kind === 'google-drive');
    assert.equal(drive.auth, 'oauth');
    assert.equal(drive.available, false);
  });
});

describe('local clouds', () => {
  test('a folder inside FERRY_LOCAL_ROOTS can be connected, checked and browsed', async () => {
    const res = await req('POST', '/clouds', { kind: 'local', name: 'NAS', options: { root: path.join(roots, 'nas/photos') } });
    assert.equal(res.statusCode, 201);
    const cloud = res.json();
    assert.equal(cloud.options.root, path.join(roots, 'nas/photos'));
    const check = await req('POST', `/clouds/${cloud.id}/check`);
    assert.equal(check.statusCode, 200);
    assert.equal(check.json().ok, true);
    assert.equal(check.json().cloud.status, 'ok');
    const top = await req('GET', `/clouds/${cloud.id}/entries`);
    assert.equal(top.statusCode, 200);
    // The symlink leading outside the cloud's folder is not shown.
    assert.deepEqual(
      top.json().items.map((e: { path: string; type: string; size?: number }) => [e.type, e.path, e.size]),
      [
        ['folder', '2024', undefined],
        ['file', 'a.jpg', 10],
      ],
    );
    const sub = await req('GET', `/clouds/${cloud.id}/entries?path=2024`);
    assert.deepEqual(sub.json().items.map((e: { path: string }) => e.path), ['2024/b.mp4']);
  });

  test('paths leaving the cloud folder are refused, through .. or a symlink', async () => {
    const res = await req('POST', '/clouds', { kind: 'local', name: 'NAS2', options: { root: path.join(roots, 'nas/photos') } });
    const id = res.json().id;
    const dotdot = await req('GET', `/clouds/${id}/entries?path=${encodeURIComponent('../../outside')}`);
    assert.equal(dotdot.statusCode, 400);
    const link = await req('GET', `/clouds/${id}/entries?path=escape`);
    assert.equal(link.statusCode, 400);
    assert.match(link.json().error.message, /outside/);
    const missing = await req('GET', `/clouds/${id}/entries?path=nope`);
    assert.equal(missing.statusCode, 404);
  });

  test('a root outside FERRY_LOCAL_ROOTS, directly or through a symlink, is refused and nothing is stored', async () => {
    const before = await snapshot(t.db);
    for (const root of [path.join(roots, 'outside'), path.join(roots, 'nas/photos/escape'), path.join(roots, 'nas/../outside'), 'relative/path', '/etc']) {
      const res = await req('POST', '/clouds', { kind: 'local', name: 'bad', options: { root } });
      assert.equal(res.statusCode, 400, root);
      assert.equal(res.json().error.code, 'invalid_request');
    }
    assert.equal(await snapshot(t.db), before);
  });

  test('without FERRY_LOCAL_ROOTS the local connector is off', async () => {
    const s = await startTestApp();
    try {
      const b = await signup(s);
      const res = await s.app.inject({ method: 'POST', url: '/api/v1/clouds', headers: b.headers, payload: { kind: 'local', name: 'x', options: { root: '/tmp' } } });
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
    const res = await req('POST', '/clouds', { kind: 's3', name: 'Bucket', options: { ...s3Options(), prefix: 'backup/' } });
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
    assert.deepEqual(top.json().items.map((e: { type: string; path: string; size?: number }) => [e.type, e.path, e.size]), [
      ['folder', '2023', undefined],
      ['file', 'top.txt', 'content of backup/top.txt'.length],
    ]);
    const sub = await req('GET', `/clouds/${cloud.id}/entries?path=2023`);
    assert.deepEqual(sub.json().items.map((e: { path: string }) => e.path), ['2023/x.jpg', '2023/y.jpg']);
  });

  // s3rver checks access key ids but not SigV4 signatures, so the wrong credential here is the key id.
  test('wrong credentials are reported by check as a failure a user can act on, and the cloud is marked', async () => {
    const res = await req('POST', '/clouds', { kind: 's3', name: 'Wrong', options: { ...s3Options(), accessKeyId: 'NOSUCHKEY' } });
    const check = await req('POST', `/clouds/${res.json().id}/check`);
    assert.equal(check.statusCode, 200);
    assert.equal(check.json().ok, false);
    assert.match(check.json().error, /refused these credentials/);
    assert.equal(check.json().cloud.status, 'error');
    // Fixing the key through PATCH keeps the other options and makes the check pass.
    const patched = await req('PATCH', `/clouds/${res.json().id}`, { options: { accessKeyId: s3.accessKeyId } });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().options.bucket, s3.bucket);
    const again = await req('POST', `/clouds/${res.json().id}/check`);
    assert.equal(again.json().ok, true);
  });

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
      const res = await s.app.inject({ method: 'POST', url: '/api/v1/clouds', headers: b.headers, payload: { kind: 's3', name: 'x', options: s3Options() } });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().error.message, /private or loopback/);
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
    const dst = (await req('POST', '/clouds', { kind: 'local', name: 'Dst', options: { root: path.join(roots, 'nas') } })).json();
    const task = await req('POST', '/tasks', { name: 'Nightly', source: { cloudId: src.id }, destination: { cloudId: dst.id, path: 'backup' } });
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
    const nas = await req('POST', '/clouds', { kind: 'local', name: 'NAS for picker', options: { root: path.join(roots, 'nas') } });
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
