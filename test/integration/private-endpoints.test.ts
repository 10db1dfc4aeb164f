// Through the API: S3 endpoints and webhook URLs that reach private addresses are refused, in any
// form, and the refusal never says what a name resolves to.
import dns from 'node:dns';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { signup, snapshot, startTestApp, type Actor, type TestApp } from '../support/app.ts';

let t: TestApp;
let a: Actor;
let root: string;
let src: string;
let dst: string;
let localhostAddresses: string[];

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-priv-')));
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root });
  a = await signup(t);
  for (const dir of ['src', 'dst']) await fs.mkdir(path.join(root, a.id, dir), { recursive: true, mode: 0o700 });
  const post = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer });
  src = (await post('/clouds', { kind: 'local', name: 'src', options: { root: 'src' } })).json().id;
  dst = (await post('/clouds', { kind: 'local', name: 'dst', options: { root: 'dst' } })).json().id;
  localhostAddresses = (await dns.promises.lookup('localhost', { all: true })).map((r) => r.address);
});
afterAll(async () => {
  await t.close();
  await fs.rm(root, { recursive: true, force: true });
});

// From the issue, and a name that resolves to loopback.
const hosts = [
  '[::127.0.0.1]',
  '[::a9fe:a9fe]',
  '[64:ff9b::7f00:1]',
  '[2002:7f00:1::]',
  '[::ffff:0:7f00:1]',
  '[fec0::1]',
  '100.64.0.1',
  'localhost',
];

test('S3 endpoints on private addresses are refused and nothing is stored', async () => {
  const before = await snapshot(t.db);
  for (const host of hosts) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/clouds',
      headers: a.bearer,
      payload: {
        kind: 's3',
        name: 'b2',
        options: {
          endpoint: `http://${host}:9000`,
          region: 'us-east-1',
          bucket: 'backups',
          accessKeyId: 'AKIA',
          secretAccessKey: 'secret',
        },
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
    expect(res.json().error.message).toMatch(/private address; this server does not allow such endpoints/);
    for (const address of localhostAddresses) expect(res.json().error.message).not.toContain(` ${address}`);
  }
  expect(await snapshot(t.db)).toBe(before);
});

test('webhook URLs on private addresses are refused and nothing is stored', async () => {
  const before = await snapshot(t.db);
  for (const host of hosts) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tasks',
      headers: a.bearer,
      payload: {
        name: 'hooked',
        source: { cloudId: src, path: '' },
        destination: { cloudId: dst, path: 'out' },
        notify: { on: 'always', webhook: { url: `https://${host}/hook`, secret: 'a webhook secret of length' } },
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(
      /^notify\.webhook\.url: .* private address; this server does not allow such endpoints/,
    );
    for (const address of localhostAddresses) expect(res.json().error.message).not.toContain(` ${address}`);
  }
  expect(await snapshot(t.db)).toBe(before);
});
