import dns from 'node:dns';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
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
    expect(res.statusCode).toBe(200);
    const kinds = res.json().map((p: { kind: string }) => p.kind);
    expect(kinds.sort()).toEqual([
      'crypt',
      'dropbox',
      'google-drive',
      'google-photos',
      'google-takeout',
      'local',
      'onedrive',
      's3',
    ]);
    const s3p = res.json().find((p: { kind: string }) => p.kind === 's3');
    expect(s3p.available).toBe(true);
    expect(s3p.options.properties.secretAccessKey.writeOnly).toBe(true);
    expect(s3p.options.required.sort()).toEqual(['accessKeyId', 'bucket', 'region', 'secretAccessKey']);
    // An encrypted folder's password and salt are secrets: sealed, never returned.
    const crypt = res.json().find((p: { kind: string }) => p.kind === 'crypt');
    expect(crypt.options.properties.password.writeOnly).toBe(true);
    expect(crypt.options.properties.salt.writeOnly).toBe(true);
    expect(crypt.wraps).toEqual(['google-drive', 'dropbox', 'onedrive', 's3', 'local']);
    const drive = res.json().find((p: { kind: string }) => p.kind === 'google-drive');
    expect(drive.auth).toBe('oauth');
    expect(drive.available).toBe(false);
  });

  test('each kind says its names in every language, what it wraps, its actions and if it picks', async () => {
    const res = await req('GET', '/providers');
    expect(res.statusCode).toBe(200);
    const of = (kind: string) => res.json().find((p: { kind: string }) => p.kind === kind);
    // A name no language changes is the title in each; a kind with no noun of its own uses its name.
    expect(of('dropbox').titles).toEqual({ en: 'Dropbox', de: 'Dropbox', fr: 'Dropbox' });
    expect(of('dropbox').nouns).toEqual(of('dropbox').titles);
    expect(of('google-photos').titles).toEqual({ en: 'Google Photos', de: 'Google Fotos', fr: 'Google Photos' });
    expect(of('s3').nouns).toEqual({ en: 'S3 storage', de: 'S3-Speicher', fr: 'stockage S3' });
    expect(of('s3').titles.de).toBe('Amazon S3 oder kompatibel');

    expect(of('google-takeout').wraps).toEqual(['google-drive', 'dropbox', 'onedrive', 's3', 'local']);
    expect(of('google-takeout').actions).toEqual([{ method: 'GET', path: 'takeout' }]);
    expect(of('google-takeout').pickerSession).toBe(false);
    expect(of('google-photos').actions).toEqual([
      { method: 'POST', path: 'picker-sessions' },
      { method: 'GET', path: 'picker-sessions/:sid' },
    ]);
    expect(of('google-photos').pickerSession).toBe(true);
    expect(of('google-photos').wraps).toEqual([]);
    for (const kind of ['s3', 'local', 'dropbox', 'onedrive', 'google-drive']) {
      expect([of(kind).wraps, of(kind).actions, of(kind).pickerSession]).toEqual([[], [], false]);
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
    expect(full.statusCode).toBe(201);
    expect(full.json().options.root).toBe(path.join(mine, 'photos'));
    const res = await req('POST', '/clouds', { kind: 'local', name: 'NAS', options: { root: 'photos' } });
    expect(res.statusCode).toBe(201);
    const cloud = res.json();
    expect(cloud.options.root).toBe(path.join(mine, 'photos'));
    const check = await req('POST', `/clouds/${cloud.id}/check`);
    expect(check.statusCode).toBe(200);
    expect(check.json().ok).toBe(true);
    expect(check.json().cloud.status).toBe('ok');
    const top = await req('GET', `/clouds/${cloud.id}/entries`);
    expect(top.statusCode).toBe(200);
    // The symlink leading outside the cloud's folder is not shown (no link is followed).
    expect(
      top.json().items.map((e: { path: string; type: string; size?: number }) => [e.type, e.path, e.size]),
    ).toEqual([
      ['folder', '2024', undefined],
      ['file', 'a.jpg', 10],
    ]);
    const sub = await req('GET', `/clouds/${cloud.id}/entries?path=2024`);
    expect(sub.json().items.map((e: { path: string }) => e.path)).toEqual(['2024/b.mp4']);
  });

  test('paths leaving the cloud folder are refused, through .. or a symlink', async () => {
    const res = await req('POST', '/clouds', { kind: 'local', name: 'NAS2', options: { root: 'photos' } });
    const id = res.json().id;
    const dotdot = await req('GET', `/clouds/${id}/entries?path=${encodeURIComponent('../../outside')}`);
    expect(dotdot.statusCode).toBe(400);
    const link = await req('GET', `/clouds/${id}/entries?path=escape`);
    expect(link.statusCode).toBe(400);
    expect(link.json().error.code).toBe('invalid_request');
    expect(link.json().error.message).toMatch(/symbolic link.*outside/);
    // no server path in the answer
    expect(link.body).not.toContain(roots);
    const missing = await req('GET', `/clouds/${id}/entries?path=nope`);
    expect(missing.statusCode).toBe(404);
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
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('invalid_request');
        expect(res.json().error.message).toMatch(/your own space/);
        // Nothing of the server is told: neither the path tried (beyond the user's own space) nor whether it exists.
        expect(
          (mine.startsWith(root) || !res.json().error.message.includes(root)) &&
            !/exist/.test(res.json().error.message),
        ).toBeTruthy();
      }
      for (const root of [
        path.join(mine, 'photos/escape'),
        'photos/escape',
        'no/such/folder',
        'photos//2024',
        'photos/\u0001',
      ]) {
        const res = await req('POST', '/clouds', { kind: 'local', name: 'bad', options: { root } });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('invalid_request');
      }
      expect(await snapshot(t.db)).toBe(before);
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
    expect(res.statusCode).toBe(201);
    expect(res.json().options.root).toBe(path.join(roots, 'nas', c.id));
    expect((await fs.stat(path.join(roots, 'nas', c.id))).mode & 0o777).toBe(0o700);
  });

  test('a name longer than the file system allows is a 400, not a 500', async () => {
    const id = (await req('POST', '/clouds', { kind: 'local', name: 'Long names', options: { root: 'photos' } })).json()
      .id;
    const res = await req('GET', `/clouds/${id}/entries?path=${'n'.repeat(256)}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
    expect(res.json().error.message).toMatch(/longer than the server's file system allows/);
    const file = await req('GET', `/clouds/${id}/entries?path=a.jpg`);
    expect(file.statusCode).toBe(404);
    expect(file.json().error.code).toBe('not_found');
  });

  test('four deletes of one cloud at once: one 204 and three 404', async () => {
    const id = (await req('POST', '/clouds', { kind: 'local', name: 'Once', options: { root: 'photos' } })).json().id;
    const answers = await Promise.all([1, 2, 3, 4].map(() => req('DELETE', `/clouds/${id}`)));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([204, 404, 404, 404]);
    const audited = await t.db.query(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'cloud.delete' AND target_id = $1",
      [id],
    );
    expect(audited.rows[0].n).toBe(1);
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
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('provider_unavailable');
      expect(res.json().error.message).toMatch(/FERRY_LOCAL_ROOTS/);
    } finally {
      await s.close();
    }
  });
});

describe('S3 clouds', () => {
  test('what the user got wrong is a 400 to correct, not a 502: a region, a key, a region Amazon lacks', async () => {
    const before = await snapshot(t.db);
    const base = { region: 'us-east-1', bucket: 'photos', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' };
    const cases: [Record<string, string>, RegExp][] = [
      [{ region: '----' }, /options\.region: a region name/],
      [{ region: 'eu-' }, /options\.region: a region name/],
      [{ accessKeyId: 'clé' }, /options\.accessKeyId: printable ASCII/],
    ];
    for (const [change, message] of cases) {
      const res = await req('POST', '/clouds', { kind: 's3', name: 'S3', options: { ...base, ...change } });
      expect([res.statusCode, res.json().error.code, res.json().error.message]).toEqual([
        400,
        'invalid_request',
        expect.stringMatching(message),
      ]);
    }
    // No such host under amazonaws.com: the region does not exist (the lookup answers as DNS would).
    const lookup = dns.lookup;
    dns.lookup = ((host: string, ...rest: unknown[]) => {
      const callback = rest.at(-1) as (err: Error) => void;
      if (!host.endsWith('.amazonaws.com')) return (lookup as (...a: unknown[]) => void)(host, ...rest);
      process.nextTick(() =>
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host })),
      );
    }) as typeof dns.lookup;
    try {
      const res = await req('POST', '/clouds', {
        kind: 's3',
        name: 'S3',
        options: { ...base, region: 'mars-north-1' },
      });
      expect([res.statusCode, res.json().error.message]).toEqual([
        400,
        'Amazon S3 has no region "mars-north-1": check the region. Nothing was saved.',
      ]);
    } finally {
      dns.lookup = lookup;
    }
    expect(await snapshot(t.db)).toBe(before);
  });

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
    expect(res.statusCode).toBe(201);
    const cloud = res.json();
    expect(cloud.options.prefix).toBe('backup');
    expect(cloud.options.secretAccessKey).toBe(undefined);
    expect(cloud.options.accessKeyId).toBe(undefined);

    const { rows } = await t.db.query('SELECT row_to_json(c)::text AS raw FROM clouds c WHERE id = $1', [cloud.id]);
    // no plaintext secret in the clouds table
    expect(rows[0].raw).not.toContain(s3.secretAccessKey);
    expect(rows[0].raw).toMatch(/"secrets":"v1:[0-9a-f]{12}:/);

    for (const url of ['/clouds', `/clouds/${cloud.id}`]) {
      const body = (await req('GET', url)).body;
      expect(body).not.toContain(s3.secretAccessKey);
    }

    const check = await req('POST', `/clouds/${cloud.id}/check`);
    expect([check.statusCode, check.json().ok, check.json().error]).toEqual([200, true, null]);

    const top = await req('GET', `/clouds/${cloud.id}/entries`);
    expect(
      top.json().items.map((e: { type: string; path: string; size?: number }) => [e.type, e.path, e.size]),
    ).toEqual([
      ['folder', '2023', undefined],
      ['file', 'top.txt', 'content of backup/top.txt'.length],
    ]);
    const sub = await req('GET', `/clouds/${cloud.id}/entries?path=2023`);
    expect(sub.json().items.map((e: { path: string }) => e.path)).toEqual(['2023/x.jpg', '2023/y.jpg']);
    // A path out of the prefix is refused before the bucket is asked.
    const up = await req('GET', `/clouds/${cloud.id}/entries?path=${encodeURIComponent('2023/../..')}`);
    expect(up.statusCode).toBe(400);
    expect(up.json().error.code).toBe('invalid_request');
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
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().error.code).toBe('invalid_request');
      expect(wrong.json().error.message).toMatch(
        /refused these credentials for bucket ferry-test.*Nothing was saved\.$/,
      );
      expect(wrong.body).not.toContain(s3.secretAccessKey);
      const noBucket = await req('POST', '/clouds', {
        kind: 's3',
        name: 'Typo',
        options: { ...s3Options(), bucket: 'no-such-bucket' },
      });
      expect(noBucket.statusCode).toBe(400);
      expect(noBucket.json().error.message).toMatch(
        /Bucket no-such-bucket does not exist in us-east-1\. Nothing was saved\./,
      );
      const nobody = await req('POST', '/clouds', {
        kind: 's3',
        name: 'Down',
        options: { ...s3Options(), endpoint: 'http://127.0.0.1:9' },
      });
      expect(nobody.statusCode).toBe(502);
      expect(nobody.json().error.code).toBe('cloud_unreachable');
      expect(nobody.json().error.message).toMatch(
        /Cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:9.*Nothing was saved\./,
      );
      // no cloud stored
      expect(await snapshot(t.db)).toBe(before);

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
      expect(res.statusCode).toBe(201);
      const id = res.json().id;
      const stored = (await t.db.query('SELECT secrets FROM clouds WHERE id = $1', [id])).rows[0].secrets;
      const patched = await req('PATCH', `/clouds/${id}`, { options: { accessKeyId: 'NOSUCHKEY' } });
      expect(patched.statusCode).toBe(400);
      expect(patched.json().error.message).toMatch(/refused these credentials/);
      expect((await t.db.query('SELECT secrets FROM clouds WHERE id = $1', [id])).rows[0].secrets).toBe(stored);
      await client.send(new DeleteBucketCommand({ Bucket: 'going-away' }));
      const check = await req('POST', `/clouds/${id}/check`);
      expect(check.statusCode).toBe(200);
      expect(check.json().ok).toBe(false);
      expect(check.json().error).toMatch(/Bucket going-away does not exist/);
      expect(check.json().cloud.status).toBe('error');
      // Pointed at a bucket that exists, it passes again.
      const fixed = await req('PATCH', `/clouds/${id}`, { options: { bucket: s3.bucket } });
      expect(fixed.statusCode).toBe(200);
      expect((await req('POST', `/clouds/${id}/check`)).json().ok).toBe(true);
    },
  );

  test('renaming keeps the secrets', async () => {
    const res = await req('POST', '/clouds', { kind: 's3', name: 'Old', options: s3Options() });
    const before = await t.db.query('SELECT secrets FROM clouds WHERE id = $1', [res.json().id]);
    const renamed = await req('PATCH', `/clouds/${res.json().id}`, { name: 'New' });
    expect(renamed.json().name).toBe('New');
    const after = await t.db.query('SELECT secrets FROM clouds WHERE id = $1', [res.json().id]);
    expect(after.rows[0].secrets).toBe(before.rows[0].secrets);
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
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(/private/);
      const count = await s.db.query('SELECT count(*)::int AS n FROM clouds');
      expect(count.rows[0].n).toBe(0);
    } finally {
      await s.close();
    }
  });

  test('OAuth kinds cannot be created with credentials', async () => {
    const res = await req('POST', '/clouds', { kind: 'google-drive', name: 'Drive', options: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/oauth\/google-drive\/start/);
  });

  test('a cloud used by a task cannot be deleted; an unused one can', async () => {
    const src = (await req('POST', '/clouds', { kind: 's3', name: 'Src', options: s3Options() })).json();
    const dst = (await req('POST', '/clouds', { kind: 'local', name: 'Dst', options: { root: '' } })).json();
    const task = await req('POST', '/tasks', {
      name: 'Nightly',
      source: { cloudId: src.id },
      destination: { cloudId: dst.id, path: 'backup' },
    });
    expect(task.statusCode).toBe(201);
    const del = await req('DELETE', `/clouds/${src.id}`);
    expect(del.statusCode).toBe(409);
    expect(del.json().error.message).toMatch(/"Nightly"/);
    const unused = (await req('POST', '/clouds', { kind: 's3', name: 'Unused', options: s3Options() })).json();
    expect((await req('DELETE', `/clouds/${unused.id}`)).statusCode).toBe(204);
    expect((await req('GET', `/clouds/${unused.id}`)).statusCode).toBe(404);
  });
});

describe('picker sessions', () => {
  test('only a Google Photos cloud has them: any other is a clear 400 and nothing changes', async () => {
    const nas = await req('POST', '/clouds', { kind: 'local', name: 'NAS for picker', options: { root: '' } });
    expect(nas.statusCode).toBe(201);
    const before = await snapshot(t.db);
    const created = await req('POST', `/clouds/${nas.json().id}/picker-sessions`);
    expect(created.statusCode).toBe(400);
    expect(created.json().error.message).toMatch(/only a Google Photos cloud does/);
    const polled = await req('GET', `/clouds/${nas.json().id}/picker-sessions/abc123`);
    expect(polled.statusCode).toBe(400);
    const bad = await req('GET', `/clouds/${nas.json().id}/picker-sessions/${encodeURIComponent('../../etc')}`);
    expect(bad.statusCode).toBe(400);
    expect(await snapshot(t.db)).toBe(before);
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
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('invalid_request');
        expect(res.json().error.message).toMatch(/options\.path/);
      }
      expect(await snapshot(t.db)).toBe(before);
      const good = await req('POST', '/clouds', {
        kind: 'google-takeout',
        name: 'Takeout',
        options: { cloudId: nas.id, path: '/Takeout/' },
      });
      expect(good.statusCode).toBe(201);
      expect(good.json().options.path).toBe('Takeout');
    },
  );
});
