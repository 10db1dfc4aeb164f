// The OneDrive connector against the Microsoft fake: the shared suite, then what is particular to
// Graph: token expiry and rotation, throttling with Retry-After, a lost fragment answer, a stream of
// unknown size, an expired session, a full drive, paged listings and a revoked sign-in.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import onedrive, { oauth } from '../../connectors/onedrive/index.ts';
import { FRAGMENT } from '../../connectors/onedrive/upload.ts';
import { quickXorHash } from '../../connectors/onedrive/quickxor.ts';
import { CloudError, type CloudHandle, type SourceItem } from '../../connectors/types.ts';
import { startMicrosoftFake, type MicrosoftFake } from '../fakes/microsoft.ts';
import { memoryTokens } from '../fakes/oauth.ts';
import { testEnv } from '../support/env.ts';
import { conformance } from './suite.ts';

const MiB = 1024 * 1024;

function connect(fake: MicrosoftFake) {
  const env = testEnv({ endpoints: { graph: fake.url } });
  const tokens = memoryTokens(fake.tokenUrl, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
  return { env, tokens, handle: onedrive.open!({ options: {}, tokens }, env) };
}

conformance('onedrive (Microsoft fake)', async () => {
  const fake = await startMicrosoftFake();
  return {
    handle: connect(fake).handle,
    close: () => fake.close(),
    async seed(files) {
      for (const [rel, data] of files) await fake.addFile(rel, data);
    },
    // The connector asks for 200 children a page ($top, Graph's default).
    providerPage: 200,
    nativeHash: 'quickxor',
    resumable: true,
    listedHash: 'quickxor',
    lastRange: () => fake.requests.findLast((r) => r.path.startsWith('/download/'))?.range,
  };
});

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function listAll(h: CloudHandle, folder: string): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of h.source!.list(folder)) out.push(item);
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

const isReason = (reason: string) => (err: Error) => err instanceof CloudError && err.reason === reason;
const sessionPuts = (fake: MicrosoftFake, from = 0) =>
  fake.requests.slice(from).filter((r) => r.method === 'PUT' && r.path.startsWith('/upload/sessions/'));

describe('onedrive protocol', () => {
  let fake: MicrosoftFake;
  let c: ReturnType<typeof connect>;
  beforeAll(async () => {
    fake = await startMicrosoftFake();
    c = connect(fake);
  });
  afterAll(() => fake.close());

  test('the signed-in account is named by its user principal name', async () => {
    const { accessToken } = fake.oauth.issueTokens();
    expect(await oauth.account(accessToken, c.env)).toEqual({ id: fake.account.id, name: fake.account.email });
    await expect(oauth.account('at-wrong', c.env)).rejects.toSatisfy(isReason('unauthorized'));
  });

  test(
    'list yields ids, versions and quickXorHashes, across pages of children; ' + 'browse sorts folders first',
    async () => {
      const data = new Map<string, Buffer>();
      for (let i = 0; i < 450; i++) data.set(`many/f${String(i).padStart(3, '0')}.jpg`, crypto.randomBytes(i));
      data.set('many/z/inner.txt', Buffer.from('inner'));
      for (const [p, b] of data) await fake.addFile(p, b);
      const from = fake.requests.length;
      const items = await listAll(c.handle, 'many');
      expect(items.length).toBe(451);
      for (const it of items) {
        const want = data.get(`many/${it.path}`)!;
        expect(it.size).toBe(want.length);
        expect(it.hashes?.quickxor).toBe(quickXorHash(want));
        expect(it.version).toMatch(/^"\{.+\},\d+"$/);
      }
      const pages = fake.requests.slice(from).filter((r) => r.path.endsWith('/children'));
      // 3 pages of the folder (200, 200, 50) and one of its subfolder
      expect(pages.length).toBe(4);

      const page1 = await c.handle.browse('many', undefined);
      expect(page1.entries[0]).toEqual({
        name: 'z',
        path: 'many/z',
        type: 'folder',
        modifiedAt: page1.entries[0].modifiedAt,
      });
      expect(page1.entries[1].name).toBe('f000.jpg');
      expect(page1.entries.length).toBe(451);
      expect(page1.nextCursor).toBe(undefined);
      // a file is not a folder
      await expect(c.handle.browse('many/f001.jpg', undefined)).rejects.toSatisfy(isReason('not_found'));
      await expect(c.handle.browse('no/such', undefined)).rejects.toSatisfy(isReason('not_found'));
    },
  );

  test(
    'an access token that expires mid-run is refreshed once, ' + 'and the rotated refresh token is the one used next',
    async () => {
      const first = crypto.randomBytes(2 * MiB);
      await c.handle.destination!.put('tokens/a.bin', async () => Readable.from([first]), {
        mode: 'create',
        size: first.length,
      });
      fake.oauth.expireAccessTokens();
      const second = crypto.randomBytes(FRAGMENT + 5);
      await c.handle.destination!.put('tokens/b.bin', async () => Readable.from([second]), {
        mode: 'create',
        size: second.length,
      });
      expect(c.tokens.refreshes).toBe(1);
      fake.oauth.expireAccessTokens();
      expect((await listAll(c.handle, 'tokens')).length).toBe(2);
      expect(c.tokens.refreshes).toBe(2);
      const refreshes = fake.tokenRequests.filter((r) => r.grantType === 'refresh_token');
      expect(refreshes.length).toBe(2);
      // Microsoft rotated the refresh token
      expect(
        refreshes[0].refreshTokenIssued && refreshes[0].refreshTokenIssued !== refreshes[0].refreshTokenSent,
      ).toBeTruthy();
      // the rotated refresh token was used next
      expect(refreshes[1].refreshTokenSent).toBe(refreshes[0].refreshTokenIssued);
      expect((await fake.fileBytes('tokens/b.bin')).equals(second)).toBeTruthy();
    },
  );

  test('a storm of 429 and 503 with Retry-After is waited out, and the bytes arrive intact', async () => {
    const data = crypto.randomBytes(2 * FRAGMENT + 1234);
    fake.inject({ method: 'POST', path: /createUploadSession$/, status: 429, retryAfter: 1, times: 2 });
    fake.inject({ method: 'PUT', path: /^\/upload\/sessions\//, status: 503, retryAfter: 1, times: 2 });
    fake.inject({ method: 'GET', path: /\/children$/, status: 429, retryAfter: 1, times: 1 });
    const from = fake.requests.length;
    const started = Date.now();
    const stored = await c.handle.destination!.put('storm/big.bin', async () => Readable.from([data]), {
      mode: 'create',
      size: data.length,
    });
    const items = await listAll(c.handle, 'storm');
    const waited = Date.now() - started;
    expect(stored.size).toBe(data.length);
    expect(items.length).toBe(1);
    expect((await fake.fileBytes('storm/big.bin')).equals(data)).toBeTruthy();
    const statuses = fake.requests.slice(from).map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBe(3);
    expect(statuses.filter((s) => s === 503).length).toBe(2);
    expect(waited).toBeGreaterThanOrEqual(4500);
  });

  test('a long Retry-After hands the work back as rate_limited with its time', async () => {
    fake.inject({ method: 'GET', path: /^\/v1\.0\/me\/drive$/, status: 429, retryAfter: 3600 });
    await expect(c.handle.check()).rejects.toSatisfy(
      (err: Error) =>
        err instanceof CloudError && err.reason === 'rate_limited' && err.retryAt!.getTime() > Date.now() + 3_000_000,
    );
  });

  test('a fragment whose answer was lost is not sent again: the session says what it has', async () => {
    const data = crypto.randomBytes(2 * FRAGMENT + 99);
    fake.inject({ method: 'PUT', path: /^\/upload\/sessions\//, truncate: 0 });
    const from = fake.requests.length;
    await c.handle.destination!.put('lost/answer.bin', async () => Readable.from([data]), {
      mode: 'create',
      size: data.length,
    });
    expect((await fake.fileBytes('lost/answer.bin')).equals(data)).toBeTruthy();
    const puts = sessionPuts(fake, from);
    // three fragments, none sent twice
    expect(puts.length).toBe(3);
    // the session was asked where it stands
    expect(
      fake.requests.slice(from).some((r) => r.method === 'GET' && r.path.startsWith('/upload/sessions/')),
    ).toBeTruthy();
    expect(!fake.requests.slice(from).some((r) => r.status === 416)).toBeTruthy();

    // The last fragment's answer lost: the session is gone, the file at the path proves the upload.
    const small = crypto.randomBytes(1000);
    fake.inject({ method: 'PUT', path: /^\/upload\/sessions\//, truncate: 10 });
    const at = fake.requests.length;
    const stored = await c.handle.destination!.put('lost/last.bin', async () => Readable.from([small]), {
      mode: 'create',
      size: small.length,
    });
    expect(stored).toEqual({ size: 1000, hash: { kind: 'quickxor', value: quickXorHash(small) } });
    expect(sessionPuts(fake, at).length).toBe(1);
    expect((await fake.fileBytes('lost/last.bin')).equals(small)).toBeTruthy();
  });

  test('a stream of unknown size is spooled to disk, uploaded in fragments, and the spool removed', async () => {
    const spools = async () => (await fs.readdir(os.tmpdir())).filter((n) => n.startsWith('ferry-onedrive-')).length;
    const before = await spools();
    const data = crypto.randomBytes(FRAGMENT + 3 * MiB + 7);
    const from = fake.requests.length;
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < data.length; i += 100_000) yield data.subarray(i, i + 100_000);
      })(),
    );
    const stored = await c.handle.destination!.put('spool/unknown.bin', async () => source, {
      mode: 'create',
      modifiedAt: '2020-02-02T10:00:00.000Z',
    });
    expect(stored.size).toBe(data.length);
    expect(sessionPuts(fake, from).length).toBe(2);
    expect((await fake.fileBytes('spool/unknown.bin')).equals(data)).toBeTruthy();
    // the spool file is gone
    expect(await spools()).toBe(before);
    const [item] = await listAll(c.handle, 'spool');
    // fileSystemInfo carries the source time
    expect(item.modifiedAt).toBe('2020-02-02T10:00:00.000Z');
  });

  test('a checkpoint whose session expired starts over; a session that vanishes mid-upload too', async () => {
    const data = crypto.randomBytes(3 * FRAGMENT);
    let saved: unknown = null;
    const stop = new AbortController();
    const cp = {
      get state() {
        return saved;
      },
      async save(st: unknown) {
        saved = st;
        if ((st as { offset: number }).offset > 0) stop.abort(new Error('crash'));
      },
    };
    await expect(
      c.handle.destination!.put('expired/a.bin', async () => Readable.from([data]), {
        mode: 'create',
        size: data.length,
        checkpoint: cp,
        signal: stop.signal,
      }),
    ).rejects.toThrow();
    expect((saved as { offset: number }).offset).toBe(FRAGMENT);
    fake.uploads.expireAll();
    const offsets: number[] = [];
    const cp2 = {
      get state() {
        return saved;
      },
      async save(st: unknown) {
        saved = st;
      },
    };
    await c.handle.destination!.put(
      'expired/a.bin',
      async (off) => (offsets.push(off), Readable.from([data.subarray(off)])),
      { mode: 'create', size: data.length, checkpoint: cp2 },
    );
    expect(offsets).toEqual([0]);
    expect((await fake.fileBytes('expired/a.bin')).equals(data)).toBeTruthy();

    // Mid-upload: the second fragment finds the session gone, and the upload restarts once.
    let expired = false;
    const offsets2: number[] = [];
    const cp3 = {
      state: null,
      async save(st: unknown) {
        if (!expired && (st as { offset: number }).offset > 0) {
          expired = true;
          fake.uploads.expireAll();
        }
      },
    };
    await c.handle.destination!.put(
      'expired/b.bin',
      async (off) => (offsets2.push(off), Readable.from([data.subarray(off)])),
      { mode: 'create', size: data.length, checkpoint: cp3 },
    );
    expect(offsets2).toEqual([0, 0]);
    expect((await fake.fileBytes('expired/b.bin')).equals(data)).toBeTruthy();
  });

  test('a full drive fails clearly and is not retried; an empty file goes by simple upload', async () => {
    const data = crypto.randomBytes(1000);
    fake.inject({ method: 'PUT', path: /^\/upload\/sessions\//, status: 507 });
    const from = fake.requests.length;
    await expect(
      c.handle.destination!.put('full/a.bin', async () => Readable.from([data]), { mode: 'create', size: data.length }),
    ).rejects.toSatisfy(
      (err: Error) => err instanceof CloudError && err.reason === 'failed' && /full/.test(err.message),
    );
    expect(sessionPuts(fake, from).length).toBe(1);
    // the session was cancelled
    expect(fake.uploads.open).toBe(0);

    const stored = await c.handle.destination!.put('full/empty.txt', async () => Readable.from([]), {
      mode: 'create',
      size: 0,
      modifiedAt: '2021-01-01T00:00:00.000Z',
    });
    expect(stored).toEqual({ size: 0, hash: { kind: 'quickxor', value: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' } });
    const [item] = await listAll(c.handle, 'full');
    expect([item.path, item.size, item.modifiedAt]).toEqual(['empty.txt', 0, '2021-01-01T00:00:00.000Z']);
  });

  test(
    "mode 'create' onto a file already at the path: createUploadSession's " +
      "409 nameAlreadyExists is 'exists' at once, not retried, and no byte is sent",
    async () => {
      await fake.addFile('taken/IMG_9.HEIC', Buffer.from('the owner’s photo'));
      const data = crypto.randomBytes(FRAGMENT + 1000);
      const from = fake.requests.length;
      await expect(
        c.handle.destination!.put('taken/IMG_9.HEIC', async () => Readable.from([data]), {
          mode: 'create',
          size: data.length,
        }),
      ).rejects.toSatisfy(isReason('exists'));
      const calls = fake.requests.slice(from).filter((r) => r.path.endsWith('/createUploadSession'));
      // one refusal, not retried
      expect(calls.map((r) => r.status)).toEqual([409]);
      expect(sessionPuts(fake, from).length).toBe(0);
      expect((await fake.fileBytes('taken/IMG_9.HEIC')).equals(Buffer.from('the owner’s photo'))).toBeTruthy();
      // A 409 at creation that is not a file at the path (a file
      // where a folder of the path should be) stays what it is.
      await expect(
        c.handle.destination!.put('taken/IMG_9.HEIC/inner.bin', async () => Readable.from([data]), {
          mode: 'create',
          size: data.length,
        }),
      ).rejects.toSatisfy((err: Error) => err instanceof CloudError && err.reason !== 'exists');
    },
  );

  test('an expired download URL is replaced by a fresh one', async () => {
    const data = crypto.randomBytes(5000);
    await fake.addFile('dl/x.bin', data);
    const [item] = await listAll(c.handle, 'dl');
    fake.inject({ method: 'GET', path: /^\/download\//, status: 401 });
    expect((await bytesOf(await c.handle.source!.open(item, { offset: 10 }))).equals(data.subarray(10))).toBeTruthy();
    expect((await bytesOf(await c.handle.source!.open(item, { offset: 5000 }))).length).toBe(0);
  });

  test(
    'remove looks before it deletes: a folder is refused without a DELETE; ' +
      'a 412 is looked at again; throttling waited out',
    async () => {
      const data = crypto.randomBytes(4000);
      await fake.addFile('rm/a.zip', data);
      await fake.addFile('rm/a.zip.1', data);
      await fake.addFile('rm/keep/x.txt', data);
      const deletes = (from: number) => fake.requests.slice(from).filter((r) => r.method === 'DELETE');
      let from = fake.requests.length;
      await expect(c.handle.destination!.remove!('rm/keep')).rejects.toSatisfy(isReason('invalid_options'));
      // a folder is never sent a DELETE
      expect(deletes(from)).toEqual([]);

      from = fake.requests.length;
      // The eTag seen no longer matches (the file changed meanwhile); then Graph throttles.
      fake.inject({
        method: 'DELETE',
        status: 412,
        body: { error: { code: 'resourceModified', message: "ETag does not match current item's value" } },
      });
      fake.inject({ method: 'DELETE', status: 503, retryAfter: 1 });
      await c.handle.destination!.remove!('rm/a.zip');
      expect(deletes(from).map((r) => [r.path, r.status])).toEqual([
        ['/v1.0/me/drive/root:/rm/a.zip:', 412],
        ['/v1.0/me/drive/root:/rm/a.zip:', 503],
        ['/v1.0/me/drive/root:/rm/a.zip:', 204],
      ]);
      expect(await c.handle.destination!.stat('rm/a.zip')).toBe(null);
      await expect(fake.fileBytes('rm/a.zip')).rejects.toThrow();
      expect((await fake.fileBytes('rm/a.zip.1')).equals(data)).toBeTruthy();
      expect((await fake.fileBytes('rm/keep/x.txt')).equals(data)).toBeTruthy();
      await c.handle.destination!.remove!('rm/a.zip');
    },
  );

  test('a dropped connection and a cut JSON answer on a Graph call are tried again', async () => {
    await fake.addFile('drops/a.txt', Buffer.from('a'));
    await fake.addFile('drops/b.txt', Buffer.from('b'));
    const from = fake.requests.length;
    fake.inject({ method: 'GET', path: /\/children$/, reset: true });
    fake.inject({ method: 'GET', path: /\/children$/, truncate: 5 });
    expect((await listAll(c.handle, 'drops')).map((i) => i.path)).toEqual(['a.txt', 'b.txt']);
    // Two answers that never came whole (status 0), then the listing.
    const listings = fake.requests.slice(from).filter((r) => r.path.endsWith('/children'));
    expect(listings.map((r) => r.status)).toEqual([0, 0, 200]);
  });

  test('a nextLink to another host is refused: the access token goes to Graph only', async () => {
    const other = await startMicrosoftFake();
    try {
      await fake.addFile('elsewhere/a.txt', Buffer.from('a'));
      fake.inject({
        method: 'GET',
        path: /\/children$/,
        status: 200,
        body: { value: [], '@odata.nextLink': `${other.url}/v1.0/me/drive/root/children?$skiptoken=x` },
      });
      await expect(listAll(c.handle, 'elsewhere')).rejects.toSatisfy(isReason('failed'));
      expect(other.requests).toEqual([]);
    } finally {
      await other.close();
    }
  });

  test('a revoked sign-in is unauthorized', async () => {
    fake.oauth.revoke();
    await expect(c.handle.check()).rejects.toSatisfy(isReason('unauthorized'));
    await expect(
      c.handle.destination!.put('revoked.bin', async () => Readable.from([Buffer.from('x')]), {
        mode: 'create',
        size: 1,
      }),
    ).rejects.toSatisfy(isReason('unauthorized'));
  });
});

describe('the Microsoft fake enforces Graph’s rules', () => {
  let fake: MicrosoftFake;
  let auth: { authorization: string };
  beforeAll(async () => {
    fake = await startMicrosoftFake();
    auth = { authorization: `Bearer ${fake.oauth.issueTokens().accessToken}` };
  });
  afterAll(() => fake.close());

  const errorOf = async (res: Response) =>
    ((await res.json()) as { error: { code: string; message: string; innerError: Record<string, string> } }).error;

  test('Graph calls need a valid bearer token and answer Graph’s error JSON', async () => {
    const res = await fetch(`${fake.url}/v1.0/me/drive/root`);
    expect(res.status).toBe(401);
    const err = await errorOf(res);
    expect(err.code).toBe('InvalidAuthenticationToken');
    expect(err.innerError['request-id'] && err.innerError.date).toBeTruthy();
    expect((await fetch(`${fake.url}/v1.0/me/drive/root:/nothing/here:`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${fake.url}/v1.0/me/drive/root/children?$top=1001`, { headers: auth })).status).toBe(400);
  });

  test('upload sessions: no Authorization, 320 KiB multiples, in order, one total, under 60 MiB', async () => {
    const created = await fetch(`${fake.url}/v1.0/me/drive/root:/rules/a.bin:/createUploadSession`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ item: { '@microsoft.graph.conflictBehavior': 'replace' } }),
    });
    const { uploadUrl } = (await created.json()) as { uploadUrl: string };
    const unit = 327_680;
    const total = 2 * unit + 10;
    const put = (start: number, body: Buffer, headers: Record<string, string> = {}, size = total) =>
      fetch(uploadUrl, {
        method: 'PUT',
        body,
        headers: { 'content-range': `bytes ${start}-${start + body.length - 1}/${size}`, ...headers },
      });

    // an Authorization header is refused
    expect((await put(0, Buffer.alloc(unit), auth)).status).toBe(401);
    const odd = await put(0, Buffer.alloc(unit + 1));
    expect([odd.status, (await errorOf(odd)).code]).toEqual([400, 'invalidRange']);
    expect((await put(0, Buffer.alloc(unit))).status).toBe(202);
    const again = await put(0, Buffer.alloc(unit));
    // bytes already received
    expect(again.status).toBe(416);
    expect(((await again.json()) as { nextExpectedRanges: string[] }).nextExpectedRanges).toEqual([`${unit}-`]);
    // a gap
    expect((await put(2 * unit, Buffer.alloc(10))).status).toBe(416);
    // another total
    expect((await put(unit, Buffer.alloc(unit), {}, total + 1)).status).toBe(400);
    expect((await put(unit, Buffer.alloc(60 * MiB), {}, 100 * MiB)).status).toBe(413);
    const state = (await (await fetch(uploadUrl)).json()) as { nextExpectedRanges: string[] };
    expect(state.nextExpectedRanges).toEqual([`${unit}-${total - 1}`]);
    expect((await put(unit, Buffer.alloc(unit))).status).toBe(202);
    const done = await put(2 * unit, Buffer.alloc(10, 1));
    expect(done.status).toBe(201);
    const item = (await done.json()) as { size: number; file: { hashes: { quickXorHash: string } } };
    const want = Buffer.concat([Buffer.alloc(2 * unit), Buffer.alloc(10, 1)]);
    expect([item.size, item.file.hashes.quickXorHash]).toEqual([total, quickXorHash(want)]);
    // a completed session is gone
    expect((await fetch(uploadUrl)).status).toBe(404);
  });

  test(
    'conflictBehavior: fail refuses a file at the path with 409 nameAlreadyExists (at createUploadSession; ' +
      'at the last fragment for one that came after, the session kept), replace replaces, rename renames',
    async () => {
      const unit = 327_680;
      const data = crypto.randomBytes(unit + 10);
      const create = (conflictBehavior: string) =>
        fetch(`${fake.url}/v1.0/me/drive/root:/conflict/IMG_1.HEIC:/createUploadSession`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ item: { '@microsoft.graph.conflictBehavior': conflictBehavior } }),
        });
      const session = async (conflictBehavior: string, meanwhile?: () => Promise<unknown>) => {
        const created = await create(conflictBehavior);
        expect(created.status).toBe(200);
        const { uploadUrl } = (await created.json()) as { uploadUrl: string };
        await meanwhile?.();
        const put = (start: number, body: Buffer) =>
          fetch(uploadUrl, {
            method: 'PUT',
            body,
            headers: { 'content-range': `bytes ${start}-${start + body.length - 1}/${data.length}` },
          });
        expect((await put(0, data.subarray(0, unit))).status).toBe(202);
        return { uploadUrl, last: await put(unit, data.subarray(unit)) };
      };
      const names = async () =>
        (
          (await (await fetch(`${fake.url}/v1.0/me/drive/root:/conflict:/children`, { headers: auth })).json()) as {
            value: { name: string; size: number }[];
          }
        ).value
          .map((i) => `${i.name} ${i.size}`)
          .sort();

      // The owner's file comes after the session was created: the commit refuses it.
      const failed = await session('fail', () => fake.addFile('conflict/IMG_1.HEIC', Buffer.from('the owner’s photo')));
      expect([failed.last.status, (await errorOf(failed.last)).code]).toEqual([409, 'nameAlreadyExists']);
      // nothing replaced, nothing added
      expect(await names()).toEqual(['IMG_1.HEIC 19']);
      const kept = await fetch(failed.uploadUrl);
      // the session is preserved after a failed commit
      expect(kept.status).toBe(200);
      expect(((await kept.json()) as { nextExpectedRanges: string[] }).nextExpectedRanges).toEqual([]);

      // A file at the path already: refused at creation, no session made.
      const sessions = fake.uploads.open;
      const refused = await create('fail');
      expect([refused.status, (await errorOf(refused)).code]).toEqual([409, 'nameAlreadyExists']);
      expect(fake.uploads.open).toBe(sessions);

      const simple = await fetch(
        `${fake.url}/v1.0/me/drive/root:/conflict/IMG_1.HEIC:/content?@microsoft.graph.conflictBehavior=fail`,
        { method: 'PUT', headers: auth, body: Buffer.from('x') },
      );
      expect([simple.status, (await errorOf(simple)).code]).toEqual([409, 'nameAlreadyExists']);
      expect(await names()).toEqual(['IMG_1.HEIC 19']);

      expect((await session('rename')).last.status).toBe(201);
      // rename keeps both
      expect(await names()).toEqual([`IMG_1 1.HEIC ${data.length}`, 'IMG_1.HEIC 19'].sort());
      expect((await session('replace')).last.status).toBe(200);
      expect(await names()).toEqual([`IMG_1 1.HEIC ${data.length}`, `IMG_1.HEIC ${data.length}`].sort());
    },
  );

  test('content: a 302 to a pre-authenticated URL that honours Range and refuses a bearer token', async () => {
    const data = crypto.randomBytes(1000);
    await fake.addFile('dl/f.bin', data);
    const res = await fetch(`${fake.url}/v1.0/me/drive/root:/dl/f.bin:/content`, { headers: auth, redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect((await fetch(location, { headers: auth })).status).toBe(401);
    const part = await fetch(location, { headers: { range: 'bytes=990-' } });
    expect([part.status, part.headers.get('content-range')]).toEqual([206, 'bytes 990-999/1000']);
    expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(990))).toBeTruthy();
    expect((await fetch(location, { headers: { range: 'bytes=1000-' } })).status).toBe(416);
  });

  test('DELETE by path answers 204, then 404 itemNotFound; the root cannot be deleted', async () => {
    await fake.addFile('del/x.bin', Buffer.from('x'));
    const del = () => fetch(`${fake.url}/v1.0/me/drive/root:/del/x.bin:`, { method: 'DELETE', headers: auth });
    expect((await del()).status).toBe(204);
    const again = await del();
    expect([again.status, (await errorOf(again)).code]).toEqual([404, 'itemNotFound']);
    const root = await fetch(`${fake.url}/v1.0/me/drive/root`, { method: 'DELETE', headers: auth });
    expect(root.status).toBe(403);
    // the folder stays
    expect((await fetch(`${fake.url}/v1.0/me/drive/root:/del:`, { headers: auth })).status).toBe(200);
  });
});

describe('onedrive move', () => {
  let fake: MicrosoftFake;
  let h: CloudHandle;
  let auth: { authorization: string };
  beforeAll(async () => {
    fake = await startMicrosoftFake();
    h = connect(fake).handle;
    auth = { authorization: `Bearer ${fake.oauth.issueTokens().accessToken}` };
  });
  afterAll(() => fake.close());

  const item = async (rel: string) => {
    const res = await fetch(`${fake.url}/v1.0/me/drive/root:/${rel}:`, { headers: auth });
    return res.status === 200 ? ((await res.json()) as { id: string; name: string }) : null;
  };
  const patch = (id: string, body: unknown, query = '') =>
    fetch(`${fake.url}/v1.0/me/drive/items/${encodeURIComponent(id)}${query}`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const codeOf = async (res: Response) => [res.status, ((await res.json()) as { error: { code: string } }).error.code];

  test('a move whose answer is lost is recognised as done; the id stays; a folder is not moved', async () => {
    const data = crypto.randomBytes(2000);
    await fake.addFile('mv/a.jpg', data);
    const id = (await item('mv/a.jpg'))!.id;
    fake.inject({ method: 'PATCH', truncate: 0 }); // moved, answer cut
    const before = fake.requests.length;
    await h.destination!.move!('mv/a.jpg', 'mv/kept/2026/a.jpg');
    // the lost answer, then the retry, which finds the item where it asks it to be
    expect(
      fake.requests
        .slice(before)
        .filter((r) => r.method === 'PATCH')
        .map((r) => r.status),
    ).toEqual([0, 200]);
    expect(await fake.fileBytes('mv/kept/2026/a.jpg')).toEqualBytes(data);
    expect((await item('mv/kept/2026/a.jpg'))!.id).toBe(id);
    expect(await item('mv/a.jpg')).toBe(null);
    await expect(h.destination!.move!('mv/kept', 'mv/elsewhere')).rejects.toSatisfy(
      (err: Error) => err instanceof CloudError && err.reason === 'invalid_options',
    );
    expect(await h.destination!.stat('mv/kept/2026/a.jpg')).toEqual({ size: data.length });
  });

  test('the emulator: a new parentReference moves the item; a name taken there is 409 unless asked', async () => {
    await fake.addFile('raw/a.txt', Buffer.from('a'));
    await fake.addFile('raw/sub/a.txt', Buffer.from('sub a'));
    await fake.addFile('raw/dir/inner.txt', Buffer.from('inner'));
    const a = (await item('raw/a.txt'))!;
    const sub = (await item('raw/sub'))!;
    const dir = (await item('raw/dir'))!;
    expect(await codeOf(await patch(a.id, { parentReference: { id: sub.id } }))).toEqual([409, 'nameAlreadyExists']);
    expect(
      await codeOf(await patch(a.id, { parentReference: { id: sub.id } }, '?@microsoft.graph.conflictBehavior=fail')),
    ).toEqual([409, 'nameAlreadyExists']);
    expect(await codeOf(await patch(dir.id, { parentReference: { id: dir.id } }))).toEqual([400, 'invalidRequest']);
    expect(await codeOf(await patch(a.id, { parentReference: { id: sub.id, driveId: 'other' } }))).toEqual([
      400,
      'invalidRequest',
    ]);
    expect(await codeOf(await patch(a.id, { parentReference: { id: 'nothing!1' } }))).toEqual([404, 'itemNotFound']);
    // nothing refused moved anything
    expect((await fake.fileBytes('raw/a.txt')).toString()).toBe('a');
    expect((await fake.fileBytes('raw/sub/a.txt')).toString()).toBe('sub a');
    // rename: the moved item takes a free name
    const renamed = await patch(a.id, { parentReference: { id: sub.id } }, '?@microsoft.graph.conflictBehavior=rename');
    expect([renamed.status, ((await renamed.json()) as { id: string; name: string }).name]).toEqual([200, 'a 1.txt']);
    // a folder goes with what is in it, under its new name
    const moved = await patch(dir.id, { parentReference: { id: sub.id }, name: 'Dir2' });
    expect(((await moved.json()) as { id: string }).id).toBe(dir.id);
    expect((await fake.fileBytes('raw/sub/Dir2/inner.txt')).toString()).toBe('inner');
    expect(await item('raw/dir')).toBe(null);
  });
});
