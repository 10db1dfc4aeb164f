// The owner's own file at a path a run copies to, on every destination (a folder, S3, Drive,
// Dropbox, OneDrive) and with every conflict policy: placed before the run, and placed while the
// run copies that very item (after the plan listed the destination, before the upload commits).
// skip and rename leave the owner's file as it was, overwrite replaces it, rename puts the copy
// beside it; never a second file of the same name.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { connectedCloud, signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { startS3, type TestS3 } from '../support/s3.ts';
import { dropboxEnv, startDropboxFake } from '../fakes/dropbox.ts';
import { googleEnv, startGoogleFake } from '../fakes/google.ts';
import { microsoftEnv, startMicrosoftFake } from '../fakes/microsoft.ts';

let t: TestApp & { url: string };
let s3: TestS3;
let google: Awaited<ReturnType<typeof startGoogleFake>>;
let dropbox: Awaited<ReturnType<typeof startDropboxFake>>;
let microsoft: Awaited<ReturnType<typeof startMicrosoftFake>>;
let hold: HoldProxy;
let root: string;
let a: Actor;

/** What the task copies: a new file, one the owner has before the run, one the owner adds while it runs. */
const ours: Record<string, Buffer> = {
  'new.txt': crypto.randomBytes(1000),
  '2020/IMG_1.HEIC': crypto.randomBytes(40_000),
  '2020/IMG_2.HEIC': crypto.randomBytes(50_000),
};
const BEFORE = '2020/IMG_1.HEIC';
const DURING = '2020/IMG_2.HEIC';

/**
 * A proxy in front of s3rver, the task's source, that holds the first download of a key until
 * `hook` has run: the owner's file then appears after the plan listed the destination and before
 * the copy's upload can commit, whatever the destination.
 */
interface HoldProxy {
  endpoint: string;
  /** Runs once, when the first GET of a key ending in `suffix` arrives; the GET goes on after it. */
  arm(suffix: string, hook: () => Promise<void>): void;
  fired: boolean;
  close(): Promise<void>;
}

async function startHoldProxy(target: string): Promise<HoldProxy> {
  const upstream = new URL(target);
  let armed: { suffix: string; hook: () => Promise<void> } | undefined;
  const proxy: HoldProxy = {
    endpoint: '',
    fired: false,
    arm(suffix, hook) {
      armed = { suffix, hook };
      proxy.fired = false;
    },
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const forward = () => {
      const up = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (upRes) => {
          res.writeHead(upRes.statusCode!, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.socket?.destroy());
      req.pipe(up);
    };
    const key = decodeURIComponent(req.url!.split('?')[0]);
    if (req.method === 'GET' && armed && key.endsWith(armed.suffix)) {
      const { hook } = armed;
      armed = undefined;
      hook().then(
        () => {
          proxy.fired = true;
          forward();
        },
        (err) => {
          res.writeHead(500).end(String(err));
        },
      );
    } else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-conflicts-')));
  s3 = await startS3();
  hold = await startHoldProxy(s3.endpoint);
  google = await startGoogleFake({ clientId: 'g', clientSecret: 'gs' });
  dropbox = await startDropboxFake({ clientId: 'd', clientSecret: 'ds' });
  microsoft = await startMicrosoftFake({ clientId: 'm', clientSecret: 'ms' });
  t = await startTestApp(
    {
      FERRY_LOCAL_ROOTS: root,
      FERRY_ALLOW_PRIVATE_ENDPOINTS: '1',
      ...googleEnv(google),
      ...dropboxEnv(dropbox),
      ...microsoftEnv(microsoft),
    },
    { worker: true },
  );
  a = await signup(t);
  for (const [rel, bytes] of Object.entries(ours))
    await s3.client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: `src/${rel}`, Body: bytes }));
});
afterAll(async () => {
  await t?.close();
  await Promise.all([google?.close(), dropbox?.close(), microsoft?.close(), hold?.close()]);
  await s3?.close();
  await fs.rm(root, { recursive: true, force: true });
});

const api = (method: string, url: string, payload?: unknown) =>
  t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, payload: payload as object, headers: a.bearer });

/** Stores a file in Dropbox as another app of the owner would: an upload session, committed with overwrite. */
async function dropboxPut(p: string, bytes: Buffer): Promise<void> {
  const auth = {
    authorization: `Bearer ${dropbox.oauth.issueTokens().accessToken}`,
    'content-type': 'application/octet-stream',
  };
  const start = await fetch(`${dropbox.contentUrl}/2/files/upload_session/start`, {
    method: 'POST',
    headers: { ...auth, 'dropbox-api-arg': JSON.stringify({ close: true }) },
    body: bytes,
  });
  expect(start.status).toBe(200);
  const { session_id } = (await start.json()) as { session_id: string };
  const arg = { cursor: { session_id, offset: bytes.length }, commit: { path: `/${p}`, mode: 'overwrite' } };
  const finish = await fetch(`${dropbox.contentUrl}/2/files/upload_session/finish`, {
    method: 'POST',
    headers: { ...auth, 'dropbox-api-arg': JSON.stringify(arg) },
    body: Buffer.alloc(0),
  });
  expect(finish.status).toBe(200);
}

async function s3Get(key: string): Promise<Buffer> {
  const out = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

interface End {
  kind: string;
  cloud(): Promise<string>;
  /** Places the owner's file at a path of the cloud. */
  place(p: string, bytes: Buffer): Promise<void>;
  /** The bytes at a path of the cloud, or null when nothing is there; fails when there are two files of that name. */
  read(p: string): Promise<Buffer | null>;
  /** The names of the files in a folder of the cloud, sorted, as its API (or the disk) lists them. */
  list(folder: string): Promise<string[]>;
}

const missing = (err: unknown) => {
  void err;
  return null;
};

const ends: End[] = [
  {
    // A folder in the user's own space on the server.
    kind: 'local',
    cloud: async () => {
      await fs.mkdir(path.join(root, a.id, 'dst'), { recursive: true, mode: 0o700 });
      const res = await api('POST', '/clouds', { kind: 'local', name: 'Disk', options: { root: 'dst' } });
      expect(res.statusCode).toBe(201);
      return res.json().id;
    },
    place: async (p, bytes) => {
      await fs.mkdir(path.dirname(path.join(root, a.id, 'dst', p)), { recursive: true });
      await fs.writeFile(path.join(root, a.id, 'dst', p), bytes);
    },
    read: (p) => fs.readFile(path.join(root, a.id, 'dst', p)).catch(missing),
    list: async (folder) =>
      (await fs.readdir(path.join(root, a.id, 'dst', folder), { withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => e.name)
        .sort(),
  },
  {
    kind: 's3',
    cloud: async () =>
      (await api('POST', '/clouds', { kind: 's3', name: 'Bucket', options: s3.options({ prefix: 'dst' }) })).json().id,
    place: async (p, bytes) => {
      await s3.client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: `dst/${p}`, Body: bytes }));
    },
    read: (p) => s3Get(`dst/${p}`).catch(missing),
    list: async (folder) => {
      const Prefix = `dst/${folder}/`;
      const out = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix, Delimiter: '/' }));
      return (out.Contents ?? []).map((o) => o.Key!.slice(Prefix.length)).sort();
    },
  },
  {
    kind: 'google-drive',
    cloud: () => connectedCloud(t, a, 'google-drive', google),
    place: async (p, bytes) => {
      await google.addFile(p, bytes);
    },
    read: async (p) => {
      const found = google.findFiles(p).filter((f) => !f.trashed);
      expect(found.length).toBeLessThanOrEqual(1);
      return found.length ? google.fileBytes(p) : null;
    },
    list: async (folder) => {
      const [dir] = google.findFiles(folder).filter((f) => !f.trashed);
      expect(dir).toBeTruthy();
      const q = `'${dir.id}' in parents and mimeType!='application/vnd.google-apps.folder' and trashed=false`;
      const res = await fetch(
        `${google.url}/drive/v3/files?q=${encodeURIComponent(q)}&pageSize=1000&fields=` +
          `${encodeURIComponent('files(name)')}`,
        {
          headers: { authorization: `Bearer ${google.oauth.issueTokens().accessToken}` },
        },
      );
      expect(res.status).toBe(200);
      return ((await res.json()) as { files: { name: string }[] }).files.map((f) => f.name).sort();
    },
  },
  {
    kind: 'dropbox',
    cloud: () => connectedCloud(t, a, 'dropbox', dropbox),
    place: dropboxPut,
    read: (p) => dropbox.fileBytes(p).catch(missing),
    list: async (folder) => {
      const res = await fetch(`${dropbox.apiUrl}/2/files/list_folder`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${dropbox.oauth.issueTokens().accessToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ path: `/${folder}`, limit: 2000 }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { entries: { '.tag': string; name: string }[]; has_more: boolean };
      expect(body.has_more).toBe(false);
      return body.entries
        .filter((e) => e['.tag'] === 'file')
        .map((e) => e.name)
        .sort();
    },
  },
  {
    kind: 'onedrive',
    cloud: () => connectedCloud(t, a, 'onedrive', microsoft),
    place: (p, bytes) => microsoft.addFile(p, bytes),
    read: (p) => microsoft.fileBytes(p).catch(missing),
    list: async (folder) => {
      const res = await fetch(
        `${microsoft.url}/v1.0/me/drive/root:/${folder.split('/').map(encodeURIComponent).join('/')}:/children` +
          `?$top=1000`,
        {
          headers: { authorization: `Bearer ${microsoft.oauth.issueTokens().accessToken}` },
        },
      );
      expect(res.status).toBe(200);
      const body = (await res.json()) as { value: { name: string; file?: object }[]; '@odata.nextLink'?: string };
      expect(body['@odata.nextLink']).toBe(undefined);
      return body.value
        .filter((i) => i.file)
        .map((i) => i.name)
        .sort();
    },
  },
];

const policies = ['skip', 'overwrite', 'rename'] as const;
const renamedPath = (p: string) => p.replace(/(\.[^.]*)$/, ' (1)$1');

for (const end of ends) {
  describe(`${end.kind} as destination`, () => {
    let source: string;
    let destination: string;
    beforeAll(async () => {
      source = (
        await api('POST', '/clouds', {
          kind: 's3',
          name: 'Source',
          options: s3.options({ endpoint: hold.endpoint, prefix: 'src' }),
        })
      ).json().id;
      destination = await end.cloud();
    });

    for (const policy of policies) {
      test(`conflict policy ${policy}: the owner's file placed before the run and during it`, async () => {
        const folder = `Backups-${policy}`;
        const theirs: Record<string, Buffer> = {
          [BEFORE]: crypto.randomBytes(ours[BEFORE].length),
          [DURING]: crypto.randomBytes(33_333),
        };
        await end.place(`${folder}/${BEFORE}`, theirs[BEFORE]);
        // Same size as ours for the one placed before: only the content tells them apart.
        hold.arm(`src/${DURING}`, () => end.place(`${folder}/${DURING}`, theirs[DURING]));

        const task = await api('POST', '/tasks', {
          name: `${policy} to ${end.kind}`,
          source: { cloudId: source },
          destination: { cloudId: destination, path: folder },
          options: { conflict: policy },
        });
        expect(task.statusCode).toBe(201);
        const started = await api('POST', `/tasks/${task.json().id}/runs`);
        expect(started.statusCode).toBe(202);
        const run = await waitForRun(t, a, started.json().run.id);
        const items = (await api('GET', `/runs/${run.id}/items`)).json().items as {
          path: string;
          status: string;
          destPath: string;
          error: string | null;
        }[];
        const item = (p: string) => items.find((i) => i.path === p)!;
        // the owner's file was placed while the run copied that item
        expect(hold.fired).toBeTruthy();
        expect(run.failed.items).toBe(0);
        expect(run.status).toBe('succeeded');

        expect(item('new.txt').status).toBe('done');
        expect(await end.read(`${folder}/new.txt`)).toEqualBytes(ours['new.txt']);
        for (const p of [BEFORE, DURING]) {
          const at = `${folder}/${p}`;
          const row = item(p);
          if (policy === 'skip') {
            expect(row.status).toBe('skipped');
            expect(row.error ?? '').toMatch(
              /different file already exists at the destination \(conflict policy: skip\)/,
            );
            expect(row.destPath).toBe(at);
            expect(await end.read(at)).toEqualBytes(theirs[p]);
            expect(await end.read(renamedPath(at))).toBe(null);
          } else if (policy === 'overwrite') {
            expect(row.status).toBe('done');
            expect(row.destPath).toBe(at);
            expect(await end.read(at)).toEqualBytes(ours[p]);
          } else {
            expect(row.status).toBe('done');
            expect(row.destPath).toBe(renamedPath(at));
            expect(await end.read(at)).toEqualBytes(theirs[p]);
            expect(await end.read(renamedPath(at))).toEqualBytes(ours[p]);
          }
        }
      });
    }

    test(
      'an identical file already at the path, with the rename policy: ' +
        'skipped as identical and recorded, never copied again beside it',
      async () => {
        // Each destination knows its own hash of the file (md5, content_hash, quickXorHash…), never
        // always an md5: the source's bytes are hashed the same way to tell it is the same file.
        const folder = 'Identical-rename';
        const at = `${folder}/${BEFORE}`;
        await end.place(at, ours[BEFORE]);
        const task = await api('POST', '/tasks', {
          name: `identical to ${end.kind}`,
          source: { cloudId: source },
          destination: { cloudId: destination, path: folder },
          options: { conflict: 'rename' },
        });
        expect(task.statusCode).toBe(201);
        const started = await api('POST', `/tasks/${task.json().id}/runs`);
        expect(started.statusCode).toBe(202);
        const run = await waitForRun(t, a, started.json().run.id);
        const items = (await api('GET', `/runs/${run.id}/items`)).json().items as {
          path: string;
          status: string;
          destPath: string;
          error: string | null;
        }[];
        expect(run.status).toBe('succeeded');
        const row = items.find((i) => i.path === BEFORE)!;
        expect([row.status, row.destPath, row.error]).toEqual([
          'skipped',
          at,
          'An identical file is already at the destination.',
        ]);
        const manifest = await t.db.query(
          'SELECT count(*)::int AS n FROM manifest WHERE task_id = $1 AND dest_path = $2',
          [task.json().id, at],
        );
        // recorded as copied
        expect(manifest.rows).toEqual([{ n: 1 }]);
        // the file is as it was
        expect(await end.read(at)).toEqualBytes(ours[BEFORE]);
        // no renamed copy beside it
        expect(await end.list(`${folder}/2020`)).toEqual(['IMG_1.HEIC', 'IMG_2.HEIC']);
        // The next run does not copy it either.
        const again = await waitForRun(t, a, (await api('POST', `/tasks/${task.json().id}/runs`)).json().run.id);
        expect([again.status, again.totals.items]).toEqual(['succeeded', 0]);
        expect(await end.list(`${folder}/2020`)).toEqual(['IMG_1.HEIC', 'IMG_2.HEIC']);
      },
    );
  });
}

test(
  'a file identical to the copy appears at its path while it uploads ' +
    '(an earlier attempt that committed after all): skipped as identical, no second copy',
  async () => {
    const end = ends.find((e) => e.kind === 'local')!;
    const source = (
      await api('POST', '/clouds', {
        kind: 's3',
        name: 'Source',
        options: s3.options({ endpoint: hold.endpoint, prefix: 'src' }),
      })
    ).json().id;
    const destination = await end.cloud();
    const folder = 'Backups-identical';
    hold.arm(`src/${DURING}`, () => end.place(`${folder}/${DURING}`, ours[DURING]));
    const task = await api('POST', '/tasks', {
      name: 'identical',
      source: { cloudId: source },
      destination: { cloudId: destination, path: folder },
      options: { conflict: 'rename' },
    });
    const started = await api('POST', `/tasks/${task.json().id}/runs`);
    const run = await waitForRun(t, a, started.json().run.id);
    expect(hold.fired).toBeTruthy();
    expect(run.status).toBe('succeeded');
    const items = (await api('GET', `/runs/${run.id}/items`)).json().items as {
      path: string;
      status: string;
      destPath: string;
      error: string | null;
    }[];
    const row = items.find((i) => i.path === DURING)!;
    expect([row.status, row.destPath, row.error]).toEqual([
      'skipped',
      `${folder}/${DURING}`,
      'An identical file is already at the destination.',
    ]);
    expect(await end.read(`${folder}/${DURING}`)).toEqualBytes(ours[DURING]);
    // no second copy
    expect(await end.read(renamedPath(`${folder}/${DURING}`))).toBe(null);
    // Recorded as copied: the next run does not copy it again.
    const again = await waitForRun(t, a, (await api('POST', `/tasks/${task.json().id}/runs`)).json().run.id);
    expect([again.status, again.totals.items]).toEqual(['succeeded', 0]);
  },
);

test(
  'two files whose names differ only in case, into a destination that ' +
    'ignores case (Dropbox): both arrive, the second renamed',
  async () => {
    const upper = crypto.randomBytes(2000);
    const lower = crypto.randomBytes(3000);
    await s3.client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'cased/IMG_9.JPG', Body: upper }));
    await s3.client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'cased/img_9.jpg', Body: lower }));
    const source = (
      await api('POST', '/clouds', { kind: 's3', name: 'Cased', options: s3.options({ prefix: 'cased' }) })
    ).json().id;
    const destination = await connectedCloud(t, a, 'dropbox', dropbox);
    const task = await api('POST', '/tasks', {
      name: 'cased',
      source: { cloudId: source },
      destination: { cloudId: destination, path: 'Cased' },
    });
    const run = await waitForRun(t, a, (await api('POST', `/tasks/${task.json().id}/runs`)).json().run.id);
    const items = (await api('GET', `/runs/${run.id}/items`)).json().items as {
      path: string;
      status: string;
      destPath: string;
    }[];
    expect([run.status, run.done.items]).toEqual(['succeeded', 2]);
    const at = new Map(items.map((i) => [i.path, i.destPath]));
    const stored = [await dropbox.fileBytes(at.get('IMG_9.JPG')!), await dropbox.fileBytes(at.get('img_9.jpg')!)];
    expect(stored).toEqual([upper, lower]);
    expect(at.get('IMG_9.JPG')!.toLowerCase()).not.toBe(at.get('img_9.jpg')!.toLowerCase());
  },
);
