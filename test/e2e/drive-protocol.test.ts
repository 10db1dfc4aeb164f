// Google Drive beyond the shared conformance suite, against the emulator: what the emulator
// enforces of Google's protocol (so the connector is held to it), and how the connector meets the
// failures Drive really produces: expiring and revoked sign-ins, rate-limit storms, lost
// connections and answers, lost upload sessions, duplicate names, the daily upload cap, a full
// drive, a damaged upload; and that googleapis' client under it neither retries nor refreshes on
// its own.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, test } from '@jest/globals';
import drive from '../../connectors/google-drive/index.ts';
import { CloudError, type CloudHandle, type SourceItem } from '../../connectors/types.ts';
import { startGoogleFake, type GoogleFake, type GoogleFakeOptions } from '../fakes/google.ts';
import { errorBody } from '../fakes/google/http.ts';
import { memoryTokens } from '../fakes/oauth.ts';
import { testEnv } from '../support/env.ts';

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => crypto.createHash('md5').update(b).digest('hex');
const isCloudError = (reason: string) => (err: unknown) => err instanceof CloudError && err.reason === reason;

async function setup(opts: GoogleFakeOptions = {}) {
  const fake = await startGoogleFake(opts);
  const tokens = memoryTokens(`${fake.url}/token`, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
  const env = testEnv({ endpoints: { googleDrive: fake.url } });
  const h = drive.open!({ options: {}, tokens }, env);
  return { fake, tokens, h, env };
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function listAll(h: CloudHandle, folder: string): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of h.source!.list(folder)) out.push(item);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function checkpoint() {
  return {
    state: null as unknown,
    saves: 0,
    async save(st: unknown) {
      this.state = st;
      this.saves++;
    },
  };
}

const uploads = (fake: GoogleFake) => fake.requests.filter((r) => r.path.startsWith('/upload/'));

describe('the Drive emulator enforces Google’s protocol', () => {
  test('bearer tokens, query language, parameters, fields, ranges and resumable-upload rules', async () => {
    const { fake } = await setup();
    try {
      const { accessToken } = fake.oauth.issueTokens();
      const auth = { authorization: `Bearer ${accessToken}` };
      const call = async (
        method: string,
        path: string,
        init: { headers?: Record<string, string>; body?: string | Buffer } = {},
      ) => {
        const res = await fetch(`${fake.url}${path}`, {
          method,
          headers: { ...auth, ...init.headers },
          body: init.body,
        });
        const text = await res.text();
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        return { status: res.status, headers: res.headers, json, text };
      };
      const reason = (r: { json: any }) => r.json?.error?.errors?.[0]?.reason;

      // Bearer tokens.
      const none = await fetch(`${fake.url}/drive/v3/about?fields=user`);
      expect(none.status).toBe(401);
      expect(((await none.json()) as any).error.errors[0].reason).toBe('required');
      const bad = await call('GET', '/drive/v3/about?fields=user', { headers: { authorization: 'Bearer nope' } });
      expect([bad.status, reason(bad), bad.json.error.status]).toEqual([401, 'authError', 'UNAUTHENTICATED']);

      // about needs fields; fields are honoured.
      expect((await call('GET', '/drive/v3/about')).status).toBe(400);
      const about = await call('GET', '/drive/v3/about?fields=user(permissionId,emailAddress)');
      expect(about.json).toEqual({ user: { permissionId: fake.account.id, emailAddress: fake.account.email } });
      expect((await call('GET', '/drive/v3/about?fields=user,nonsense')).status).toBe(400);

      // Queries: the forms Ferry sends are understood, others refused.
      const seeded = await fake.addFile("q/it's.txt", Buffer.from('hello world'));
      const folder = fake.findFiles('q')[0];
      const q = (s: string) =>
        call('GET', `/drive/v3/files?q=${encodeURIComponent(s)}&fields=files(id,name,size,md5Checksum)`);
      const hit = await q(
        `'${folder.id}' in parents and name='it\\'s.txt' and ` +
          `mimeType!='application/vnd.google-apps.folder' and trashed=false`,
      );
      expect(hit.json.files).toEqual([
        { id: seeded.id, name: "it's.txt", size: '11', md5Checksum: md5(Buffer.from('hello world')) },
      ]);
      expect(reason(await q(`name contains 'it'`))).toBe('invalid');
      expect(reason(await q(`'${folder.id}' in parents or trashed=false`))).toBe('invalid');
      expect((await q(`'no-such-folder' in parents`)).status).toBe(404);
      expect(reason(await call('GET', '/drive/v3/files?orderBy=name'))).toBe('invalidParameter');
      const defaults = await call('GET', `/drive/v3/files?q=${encodeURIComponent(`'${folder.id}' in parents`)}`);
      // without fields, files.list gives few fields
      expect(Object.keys(defaults.json.files[0]).sort()).toEqual(['id', 'kind', 'mimeType', 'name']);

      // Ranged downloads; Google Docs have no bytes.
      const ranged = await call('GET', `/drive/v3/files/${seeded.id}?alt=media`, { headers: { range: 'bytes=6-' } });
      expect([ranged.status, ranged.headers.get('content-range'), ranged.text]).toEqual([
        206,
        'bytes 6-10/11',
        'world',
      ]);
      const doc = await fake.addFile('q/doc', null, { mimeType: 'application/vnd.google-apps.document' });
      expect(reason(await call('GET', `/drive/v3/files/${doc.id}?alt=media`))).toBe('fileNotDownloadable');

      // Resumable uploads.
      const ids = (await call('GET', '/drive/v3/files/generateIds?count=2&space=drive')).json.ids as string[];
      const open = async (meta: unknown, headers: Record<string, string> = {}) => {
        const r = await call('POST', '/upload/drive/v3/files?uploadType=resumable', {
          headers: { 'content-type': 'application/json; charset=UTF-8', ...headers },
          body: JSON.stringify(meta),
        });
        expect(r.status).toBe(200);
        return r.headers.get('location')!.slice(fake.url.length);
      };
      const session = await open({ id: ids[0], name: 'up.bin', parents: [folder.id] });
      const data = crypto.randomBytes(3 * 256 * 1024 + 10);
      const put = (range: string, body: Buffer) => call('PUT', session, { headers: { 'content-range': range }, body });
      // a chunk not a multiple of 256 KiB
      expect((await put(`bytes 0-99999/*`, data.subarray(0, 100_000))).status).toBe(400);
      const first = await put(`bytes 0-${262143}/*`, data.subarray(0, 262144));
      expect([first.status, first.headers.get('range')]).toEqual([308, 'bytes=0-262143']);
      // a chunk that skips bytes
      expect((await put(`bytes 524288-${786431}/*`, data.subarray(524288, 786432))).status).toBe(400);
      // a chunk sent again
      expect((await put(`bytes 0-${262143}/*`, data.subarray(0, 262144))).status).toBe(400);
      const status = await call('PUT', session, { headers: { 'content-range': 'bytes */*' } });
      // a status query tells the true offset
      expect([status.status, status.headers.get('range')]).toEqual([308, 'bytes=0-262143']);
      // short of its total, a chunk is not the last and must be a 256 KiB multiple
      expect((await put(`bytes 262144-${data.length - 1}/${data.length + 1}`, data.subarray(262144))).status).toBe(400);
      const done = await call('PUT', `${session}&fields=id,size,md5Checksum,sha256Checksum`, {
        headers: { 'content-range': `bytes 262144-${data.length - 1}/${data.length}` },
        body: data.subarray(262144),
      });
      expect(done.status).toBe(201);
      expect(done.json).toEqual({
        id: ids[0],
        size: String(data.length),
        md5Checksum: md5(data),
        sha256Checksum: crypto.createHash('sha256').update(data).digest('hex'),
      });
      expect((await fake.fileBytes('q/up.bin')).equals(data)).toBeTruthy();
      // The id is used: a second session with it is refused.
      const again = await call('POST', '/upload/drive/v3/files?uploadType=resumable', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: ids[0], name: 'x' }),
      });
      expect([again.status, reason(again)]).toEqual([409, 'duplicate']);
      const made = await call('POST', '/upload/drive/v3/files?uploadType=resumable', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'made-up', name: 'x' }),
      });
      // only generated ids are usable
      expect(made.status).toBe(400);

      // The announced size is held to; unknown sessions are 404; parents cannot be set on update.
      const sized = await open(
        { id: ids[1], name: 'sized.bin', parents: [folder.id] },
        { 'x-upload-content-length': '1000' },
      );
      expect(
        (await call('PUT', sized, { headers: { 'content-range': 'bytes 0-899/900' }, body: crypto.randomBytes(900) }))
          .status,
      ).toBe(400);
      expect(
        (
          await call('PUT', '/upload/drive/v3/files?uploadType=resumable&upload_id=nope', {
            headers: { 'content-range': 'bytes */*' },
          })
        ).status,
      ).toBe(404);
      const moved = await call('PATCH', `/upload/drive/v3/files/${seeded.id}?uploadType=resumable`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ parents: [folder.id] }),
      });
      expect([moved.status, reason(moved)]).toEqual([403, 'fieldNotWritable']);
      expect((await call('POST', '/upload/drive/v3/files?uploadType=media', { body: 'x' })).status).toBe(400);

      // Paging: pageSize and pageToken.
      for (let i = 0; i < 5; i++) await fake.addFile(`paged/${i}.txt`, Buffer.from(String(i)));
      const pagedId = fake.findFiles('paged')[0].id;
      const names: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await call(
          'GET',
          `/drive/v3/files?q=${encodeURIComponent(`'${pagedId}' in parents`)}&pageSize=2&fields=nextPageToken,` +
            `files(name)${token ? `&pageToken=${token}` : ''}`,
        );
        names.push(...page.json.files.map((f: { name: string }) => f.name));
        token = page.json.nextPageToken;
        pages++;
      } while (token);
      expect([names.sort(), pages]).toEqual([['0.txt', '1.txt', '2.txt', '3.txt', '4.txt'], 3]);
      expect((await call('GET', '/drive/v3/files?pageSize=1001')).status).toBe(400);
    } finally {
      await fake.close();
    }
  });
});

describe('google-drive connector against the emulator', () => {
  test('account() names the signed-in user; browse lists folders first and leaves Google Docs out', async () => {
    const { fake, h, env } = await setup();
    try {
      const { accessToken } = fake.oauth.issueTokens();
      expect(await drive.oauth!.account(accessToken, env)).toEqual({ id: fake.account.id, name: fake.account.email });
      await expect(drive.oauth!.account('bogus', env)).rejects.toSatisfy(isCloudError('unauthorized'));
      await fake.addFile('b/z.jpg', Buffer.from('z'));
      await fake.addFile('b/a.txt', Buffer.from('a'));
      fake.addFolder('b/m');
      await fake.addFile('b/Report', null, { mimeType: 'application/vnd.google-apps.document' });
      const page = await h.browse('b', undefined);
      expect(page.entries.map((e) => [e.type, e.path])).toEqual([
        ['folder', 'b/m'],
        ['file', 'b/a.txt'],
        ['file', 'b/z.jpg'],
      ]);
      await expect(h.browse('b/nothing', undefined)).rejects.toSatisfy(isCloudError('not_found'));
    } finally {
      await fake.close();
    }
  });

  test('list walks every page of a large folder and skips Google Docs; items carry md5 and sha256', async () => {
    const { fake, h } = await setup();
    try {
      for (let i = 0; i < 1203; i++)
        await fake.addFile(`big/f${String(i).padStart(4, '0')}.txt`, Buffer.from(`file ${i}`));
      await fake.addFile('big/sub/deep.jpg', Buffer.from('deep'));
      await fake.addFile('big/Sheet', null, { mimeType: 'application/vnd.google-apps.spreadsheet' });
      const items = await listAll(h, 'big');
      expect(items.length).toBe(1204);
      expect(items.filter((i) => i.path === 'Sheet').length).toBe(0);
      const deep = items.find((i) => i.path === 'sub/deep.jpg')!;
      expect(deep.hashes).toEqual({
        md5: md5(Buffer.from('deep')),
        sha256: crypto.createHash('sha256').update('deep').digest('hex'),
      });
      expect(deep.mediaType).toBe('photo');
      const listed = fake.requests.filter((r) => r.method === 'GET' && r.path === '/drive/v3/files');
      // the big folder took two pages, its subfolder one more
      expect(listed.length).toBeGreaterThanOrEqual(3);
    } finally {
      await fake.close();
    }
  });

  test('an access token that expires in the middle of an upload is refreshed, and the upload completes', async () => {
    const { fake, tokens, h } = await setup();
    try {
      const data = crypto.randomBytes(20 * MiB + 5);
      const cp = checkpoint();
      const save = cp.save.bind(cp);
      cp.save = async (st) => {
        await save(st);
        if (cp.saves === 2) fake.oauth.expireAccessTokens(); // after the first chunk was acknowledged
      };
      const stored = await h.destination!.put(
        'tokens/expiring.bin',
        async (off) => Readable.from([data.subarray(off)]),
        { mode: 'create', size: data.length, checkpoint: cp },
      );
      expect(stored).toEqual({ size: data.length, hash: { kind: 'md5', value: md5(data) } });
      expect((await fake.fileBytes('tokens/expiring.bin')).equals(data)).toBeTruthy();
      expect(tokens.refreshes).toBe(1);
      expect(fake.oauth.stats.refreshes).toBe(1);
      // a chunk met the expired token
      expect(uploads(fake).some((r) => r.method === 'PUT' && r.status === 401)).toBeTruthy();
    } finally {
      await fake.close();
    }
  });

  test('a storm of 429 and 403 rateLimitExceeded is waited out, Retry-After honoured, the bytes intact', async () => {
    const { fake, h } = await setup();
    try {
      const data = crypto.randomBytes(18 * MiB);
      fake.inject({ method: 'GET', path: /^\/drive\/v3\/files$/, status: 429, retryAfter: 1 });
      fake.inject({ method: 'PUT', path: /^\/upload\//, status: 429, retryAfter: 1, times: 2 });
      // Google's body: rateLimitExceeded
      fake.inject({ method: 'PUT', path: /^\/upload\//, status: 403, retryAfter: 1, times: 2 });
      const started = Date.now();
      await h.destination!.put('storm/file.bin', async (off) => Readable.from([data.subarray(off)]), {
        mode: 'create',
        size: data.length,
      });
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(4900);
      expect((await fake.fileBytes('storm/file.bin')).equals(data)).toBeTruthy();
      expect(
        uploads(fake)
          .filter((r) => r.status === 429 || r.status === 403)
          .map((r) => r.status),
      ).toEqual([429, 429, 403, 403]);
      // no chunk was sent at a wrong offset
      expect(uploads(fake).filter((r) => r.status === 400).length).toBe(0);
    } finally {
      await fake.close();
    }
  });

  test('a reset connection and a lost final answer are recovered by asking the session where it is', async () => {
    const { fake, h } = await setup();
    try {
      const data = crypto.randomBytes(17 * MiB + 1);
      fake.inject({ method: 'PUT', path: /^\/upload\//, reset: true });
      await h.destination!.put('lost/reset.bin', async (off) => Readable.from([data.subarray(off)]), {
        mode: 'create',
        size: data.length,
      });
      expect((await fake.fileBytes('lost/reset.bin')).equals(data)).toBeTruthy();

      const small = crypto.randomBytes(MiB);
      const before = uploads(fake).length;
      fake.inject({ method: 'PUT', path: /^\/upload\//, truncate: 5 }); // the file is made, its answer cut off
      await h.destination!.put('lost/answer.bin', async () => Readable.from([small]), {
        mode: 'create',
        size: small.length,
      });
      expect((await fake.fileBytes('lost/answer.bin')).equals(small)).toBeTruthy();
      expect(fake.findFiles('lost/answer.bin').length).toBe(1);
      // session, the chunk, one status query
      expect(
        uploads(fake)
          .slice(before)
          .map((r) => r.method),
      ).toEqual(['POST', 'PUT', 'PUT']);
    } finally {
      await fake.close();
    }
  });

  test('duplicate names: the oldest is read and replaced, folders too; no third copy appears', async () => {
    const { fake, h } = await setup();
    try {
      const a = crypto.randomBytes(1000);
      const b = crypto.randomBytes(2000);
      const older = await fake.addFile('dups/same.jpg', a);
      const newer = await fake.addFile('dups/same.jpg', b);
      expect(await h.destination!.stat('dups/same.jpg')).toEqual({ size: 1000 });
      expect(await h.destination!.hashOf!('dups/same.jpg')).toEqual({ kind: 'md5', value: md5(a) });
      const c = crypto.randomBytes(3000);
      await h.destination!.put('dups/same.jpg', async () => Readable.from([c]), { mode: 'replace', size: c.length });
      expect(fake.findFiles('dups/same.jpg').length).toBe(2);
      // the oldest was replaced
      expect(fake.drive.items.get(older.id)!.md5).toBe(md5(c));
      // the other was left alone
      expect(fake.drive.items.get(newer.id)!.md5).toBe(md5(b));
      const listed = (await listAll(h, 'dups')).filter((i) => i.path === 'same.jpg');
      // both are sources
      expect(listed.map((i) => i.id).sort()).toEqual([older.id, newer.id].sort());

      const twinOld = fake.addFolder('twin');
      const twinNew = fake.addFolder('twin');
      await h.destination!.put('twin/x.txt', async () => Readable.from([Buffer.from('x')]), {
        mode: 'create',
        size: 1,
      });
      const [x] = fake.findFiles('twin/x.txt');
      expect(x.parents).toEqual([twinOld.id]);
      expect([...fake.drive.items.values()].filter((i) => i.parents.includes(twinNew.id)).length).toBe(0);
      // no third folder
      expect(fake.findFiles('twin').length).toBe(2);
    } finally {
      await fake.close();
    }
  });

  test(
    "mode 'create': a retry finds the file its own earlier session made and keeps it; " +
      'a checkpointed session that updates the file is not resumed',
    async () => {
      const { fake, h } = await setup();
      try {
        // The session finished, its answer and the session were lost; search shows the file.
        const small = crypto.randomBytes(5000);
        const cp = checkpoint();
        await h.destination!.put('retry/small.bin', async () => Readable.from([small]), {
          mode: 'create',
          size: small.length,
          checkpoint: cp,
        });
        const first = cp.state;
        fake.dropUploadSessions();
        const stored = await h.destination!.put('retry/small.bin', async () => Readable.from([small]), {
          mode: 'create',
          size: small.length,
          expectedMd5: md5(small),
          checkpoint: { state: first, async save() {} },
        });
        expect(stored).toEqual({ size: small.length, hash: { kind: 'md5', value: md5(small) } });
        // one file
        expect(fake.findFiles('retry/small.bin').length).toBe(1);

        // A put with mode 'replace' opened a session that updates the owner's file, then died; a put
        // with mode 'create' of the same path must not finish that session.
        const owners = crypto.randomBytes(3000);
        const mine = await fake.addFile('retry/IMG_1.HEIC', owners);
        const data = crypto.randomBytes(20 * MiB);
        const stop = new AbortController();
        const dying = checkpoint();
        const save = dying.save.bind(dying);
        dying.save = async (st) => {
          await save(st);
          if (dying.saves === 2) stop.abort(new Error('worker died'));
        };
        await expect(
          h.destination!.put('retry/IMG_1.HEIC', async (off) => Readable.from([data.subarray(off)]), {
            mode: 'replace',
            size: data.length,
            checkpoint: dying,
            signal: stop.signal,
          }),
        ).rejects.toThrow();
        expect((dying.state as { mode: string }).mode).toBe('update');
        await expect(
          h.destination!.put('retry/IMG_1.HEIC', async (off) => Readable.from([data.subarray(off)]), {
            mode: 'create',
            size: data.length,
            checkpoint: { state: dying.state, async save() {} },
          }),
        ).rejects.toSatisfy(isCloudError('exists'));
        expect(fake.findFiles('retry/IMG_1.HEIC').map((f) => f.id)).toEqual([mine.id]);
        // the owner’s file is untouched
        expect((await fake.fileBytes('retry/IMG_1.HEIC')).equals(owners)).toBeTruthy();
      } finally {
        await fake.close();
      }
    },
  );

  test('a lost upload session starts over under the same id: no duplicate', async () => {
    const { fake, h } = await setup();
    try {
      const data = crypto.randomBytes(20 * MiB);
      const stop = new AbortController();
      const cp = checkpoint();
      const save = cp.save.bind(cp);
      cp.save = async (st) => {
        await save(st);
        if (cp.saves === 2) stop.abort(new Error('worker died'));
      };
      await expect(
        h.destination!.put('gone/big.bin', async (off) => Readable.from([data.subarray(off)]), {
          mode: 'create',
          size: data.length,
          checkpoint: cp,
          signal: stop.signal,
        }),
      ).rejects.toThrow();
      const id = (cp.state as { fileId: string }).fileId;
      fake.dropUploadSessions(); // expired meanwhile
      const offsets: number[] = [];
      const cp2 = {
        state: cp.state,
        async save(st: unknown) {
          cp2.state = st;
        },
      };
      await h.destination!.put(
        'gone/big.bin',
        async (off) => (offsets.push(off), Readable.from([data.subarray(off)])),
        { mode: 'create', size: data.length, checkpoint: cp2 },
      );
      // started over
      expect(offsets).toEqual([0]);
      // one file, under the id generated first
      expect(fake.findFiles('gone/big.bin').map((f) => f.id)).toEqual([id]);
      expect((await fake.fileBytes('gone/big.bin')).equals(data)).toBeTruthy();

      // The session finished, its answer and the session were lost, and search does not show the
      // file yet: creating again under its id is a 409, and the file is found by its id.
      const small = crypto.randomBytes(5000);
      const cp3 = checkpoint();
      await h.destination!.put('gone/small.bin', async () => Readable.from([small]), {
        mode: 'create',
        size: small.length,
        checkpoint: cp3,
      });
      const first = cp3.saves === 1 ? cp3.state : null;
      // the session was checkpointed when it opened
      expect(first).toBeTruthy();
      const made = fake.findFile('gone/small.bin')!;
      fake.hideFromSearch(made.id);
      fake.dropUploadSessions();
      const before = uploads(fake).length;
      const stored = await h.destination!.put('gone/small.bin', async () => Readable.from([small]), {
        mode: 'create',
        size: small.length,
        expectedMd5: md5(small),
        checkpoint: { state: first, async save() {} },
      });
      expect(stored).toEqual({ size: small.length, hash: { kind: 'md5', value: md5(small) } });
      // no bytes sent again
      expect(
        uploads(fake)
          .slice(before)
          .map((r) => `${r.method} ${r.status}`),
      ).toEqual(['PUT 404', 'POST 409']);
      expect(fake.findFiles('gone/small.bin').length).toBe(1);
    } finally {
      await fake.close();
    }
  });

  test(
    'a worker that died before saving its checkpoint resumes ' + 'where Drive is, and still checks the whole file',
    async () => {
      const { fake, h } = await setup();
      try {
        const data = crypto.randomBytes(20 * MiB);
        // The checkpoint saved when the session opened survives; the save after the first chunk is lost.
        let kept: unknown = null;
        const stop = new AbortController();
        const dying = {
          get state() {
            return kept;
          },
          async save(st: unknown) {
            if (kept) return stop.abort(new Error('worker died'));
            kept = st;
          },
        };
        await expect(
          h.destination!.put('died/file.bin', async (off) => Readable.from([data.subarray(off)]), {
            mode: 'create',
            size: data.length,
            checkpoint: dying,
            signal: stop.signal,
          }),
        ).rejects.toThrow();
        expect((kept as { offset: number }).offset).toBe(0);
        const before = uploads(fake).length;
        const offsets: number[] = [];
        const stored = await h.destination!.put(
          'died/file.bin',
          async (off) => (offsets.push(off), Readable.from([data.subarray(off)])),
          {
            mode: 'create',
            size: data.length,
            expectedMd5: md5(data),
            checkpoint: { state: kept, async save() {} },
          },
        );
        expect(stored).toEqual({ size: data.length, hash: { kind: 'md5', value: md5(data) } });
        // read from the checkpoint
        expect(offsets).toEqual([0]);
        // the status, then only the chunks Drive lacked
        expect(
          uploads(fake)
            .slice(before)
            .map((r) => `${r.method} ${r.status}`),
        ).toEqual(['PUT 308', 'PUT 308', 'PUT 201']);
        expect((await fake.fileBytes('died/file.bin')).equals(data)).toBeTruthy();

        // The session had finished, but the worker died before recording it: the source is read to
        // check what Drive holds, and nothing is sent again.
        const small = crypto.randomBytes(300_000);
        const cp = checkpoint();
        await h.destination!.put('died/small.bin', async () => Readable.from([small]), {
          mode: 'create',
          size: small.length,
          checkpoint: cp,
        });
        const mark = uploads(fake).length;
        const again = await h.destination!.put('died/small.bin', async () => Readable.from([small]), {
          mode: 'create',
          size: small.length,
          checkpoint: { state: cp.state, async save() {} },
        });
        expect(again.size).toBe(small.length);
        // one status query, answered with the file
        expect(
          uploads(fake)
            .slice(mark)
            .map((r) => `${r.method} ${r.status}`),
        ).toEqual(['PUT 200']);
        expect(fake.findFiles('died/small.bin').length).toBe(1);
      } finally {
        await fake.close();
      }
    },
  );

  test('revoked access: the next call fails with unauthorized', async () => {
    const { fake, h } = await setup();
    try {
      await h.check();
      fake.oauth.revoke();
      await expect(h.check()).rejects.toSatisfy(isCloudError('unauthorized'));
      await expect(
        h.destination!.put('r/x.txt', async () => Readable.from([Buffer.from('x')]), { mode: 'create', size: 1 }),
      ).rejects.toSatisfy(isCloudError('unauthorized'));
    } finally {
      await fake.close();
    }
  });

  test(
    'the daily upload cap parks uploads until the next UTC day, without retrying; ' + 'a full drive is a clear failure',
    async () => {
      const { fake, h } = await setup({ dailyUploadCapBytes: MiB });
      try {
        const data = crypto.randomBytes(2 * MiB);
        await h.destination!.put('cap/first.bin', async () => Readable.from([data]), {
          mode: 'create',
          size: data.length,
        }); // in flight: it completes
        const before = uploads(fake).length;
        const err = await h
          .destination!.put('cap/second.bin', async () => Readable.from([data]), { mode: 'create', size: data.length })
          .then(
            () => {
              throw new Error('the cap was ignored');
            },
            (e: unknown) => e as CloudError,
          );
        expect(err.reason).toBe('rate_limited');
        const now = new Date();
        const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
        expect(err.retryAt!.getTime() > midnight && err.retryAt!.getTime() <= midnight + 15 * 60_000).toBeTruthy();
        // not retried
        expect(
          uploads(fake)
            .slice(before)
            .map((r) => `${r.method} ${r.status}`),
        ).toEqual(['POST 403']);

        const full = await startGoogleFake();
        try {
          const tokens = memoryTokens(`${full.url}/token`, full.clientId, full.clientSecret, full.oauth.issueTokens());
          const h2 = drive.open!({ options: {}, tokens }, testEnv({ endpoints: { googleDrive: full.url } }));
          full.inject({
            method: 'POST',
            path: /^\/upload\//,
            status: 403,
            body: errorBody(
              403,
              'storageQuotaExceeded',
              "The user's Drive storage quota has been exceeded.",
              'usageLimits',
            ),
          });
          await expect(
            h2.destination!.put('x.bin', async () => Readable.from([data]), { mode: 'create', size: data.length }),
          ).rejects.toSatisfy((e: Error) => isCloudError('failed')(e) && /full/.test(e.message));
          // not retried
          expect(uploads(full).length).toBe(1);
        } finally {
          await full.close();
        }
      } finally {
        await fake.close();
      }
    },
  );

  test('an upload Drive stores damaged is refused and deleted', async () => {
    const { fake, h } = await setup();
    try {
      fake.corruptNextUpload();
      const data = crypto.randomBytes(10 * MiB);
      await expect(
        h.destination!.put('bad/file.bin', async () => Readable.from([data]), { mode: 'create', size: data.length }),
      ).rejects.toSatisfy(isCloudError('corrupt'));
      expect(await h.destination!.stat('bad/file.bin')).toBe(null);
      const item = { id: 'x', size: 1 };
      await expect(h.source!.open(item)).rejects.toSatisfy(isCloudError('not_found'));
      const stored = await h.destination!.put('bad/file.bin', async () => Readable.from([data]), {
        mode: 'create',
        size: data.length,
      });
      expect(stored.size).toBe(data.length);
      expect((await bytesOf(await h.source!.open(fake.findFile('bad/file.bin')!))).equals(data)).toBeTruthy();
    } finally {
      await fake.close();
    }
  });
});

describe('google-drive on the googleapis client: the pacer the only retrier, the token source the refresher', () => {
  test('a 403 rateLimitExceeded on an API call is waited out as a rate limit, without a refresh', async () => {
    const { fake, tokens, h } = await setup();
    try {
      await fake.addFile('paced/a.txt', Buffer.from('a'));
      // Google's body for the 403: rateLimitExceeded (usageLimits)
      fake.inject({ method: 'GET', path: /^\/drive\/v3\/files$/, status: 403, retryAfter: 1 });
      const started = Date.now();
      expect((await listAll(h, 'paced')).map((i) => i.path)).toEqual(['a.txt']);
      // Retry-After honoured
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(fake.requests.filter((r) => r.status === 403).length).toBe(1);
      // no refresh: the token was fine
      expect([tokens.refreshes, fake.oauth.stats.refreshes]).toEqual([0, 0]);
    } finally {
      await fake.close();
    }
  });

  test('gaxios retries nothing: a failing call is sent as often as the pacer says, and no more', async () => {
    const { fake, h } = await setup();
    try {
      const from = fake.requests.length;
      // 8 attempts (the pacer's), each answered 503 at once (Retry-After: 0)
      fake.inject({ method: 'GET', path: /^\/drive\/v3\/files$/, status: 503, retryAfter: 0, times: 100 });
      await expect(h.browse!('', undefined)).rejects.toSatisfy(isCloudError('failed'));
      expect(fake.requests.slice(from).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(
        Array(8).fill('GET /drive/v3/files 503'),
      );
    } finally {
      await fake.close();
    }
  });

  test('a reset connection on an API call is retried; an expired token is refreshed once', async () => {
    const { fake, tokens, h } = await setup();
    try {
      await fake.addFile('reset/a.txt', Buffer.from('a'));
      fake.inject({ method: 'GET', path: /^\/drive\/v3\/files$/, reset: true });
      expect((await listAll(h, 'reset')).map((i) => i.path)).toEqual(['a.txt']);
      fake.oauth.expireAccessTokens();
      const item = (await listAll(h, 'reset'))[0];
      expect((await bytesOf(await h.source!.open(item, { offset: 0 }))).toString()).toBe('a');
      expect([tokens.refreshes, fake.oauth.stats.refreshes]).toEqual([1, 1]);
      expect(fake.requests.filter((r) => r.status === 401).length).toBe(1);
    } finally {
      await fake.close();
    }
  });

  test('a checkpoint whose md5 state does not load is none: its session is cancelled, it starts over', async () => {
    const { fake, h } = await setup();
    try {
      const data = crypto.randomBytes(20 * MiB);
      const stop = new AbortController();
      const cp = checkpoint();
      const save = cp.save.bind(cp);
      cp.save = async (st) => {
        await save(st);
        if (cp.saves === 2) stop.abort(new Error('worker died'));
      };
      await expect(
        h.destination!.put('damaged/big.bin', async (off) => Readable.from([data.subarray(off)]), {
          mode: 'create',
          size: data.length,
          checkpoint: cp,
          signal: stop.signal,
        }),
      ).rejects.toThrow();
      const state = cp.state as { sessionUri: string; offset: number; md5: string };
      expect(state.offset).toBe(8 * MiB);
      const session = new URL(state.sessionUri).pathname;
      const from = fake.requests.length;
      const offsets: number[] = [];
      const cp2 = checkpoint();
      cp2.state = { ...state, md5: Buffer.from('not a hash state').toString('base64') };
      const stored = await h.destination!.put(
        'damaged/big.bin',
        async (off) => (offsets.push(off), Readable.from([data.subarray(off)])),
        { mode: 'create', size: data.length, checkpoint: cp2 },
      );
      expect(stored).toEqual({ size: data.length, hash: { kind: 'md5', value: md5(data) } });
      // read from the start, the old session cancelled
      expect(offsets).toEqual([0]);
      expect(fake.requests.slice(from).find((r) => r.method === 'DELETE')?.path).toBe(session);
      expect(fake.findFiles('damaged/big.bin').length).toBe(1);
      expect((await fake.fileBytes('damaged/big.bin')).equals(data)).toBeTruthy();
    } finally {
      await fake.close();
    }
  });

  test('handles on one account share its pacer, kept in env.accounts', async () => {
    const { fake, tokens, env } = await setup();
    try {
      const accountId = `acct-${crypto.randomUUID()}`;
      const before = env.accounts.size;
      const a = drive.open!({ options: { accountId }, tokens }, env);
      const b = drive.open!({ options: { accountId }, tokens }, env);
      await Promise.all([a.check!(), b.check!()]);
      expect(env.accounts.size).toBe(before + 1);
      const made = env.accounts.get('google-drive:pacer', accountId, () => 'made again');
      expect(made).not.toBe('made again');
    } finally {
      await fake.close();
    }
  });
});
