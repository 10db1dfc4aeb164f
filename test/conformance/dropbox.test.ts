// The Dropbox connector against the Dropbox emulator: the shared suite, then what the suite does not
// cover of Dropbox's protocol (token refresh mid-upload, 429 storms, lost answers and
// incorrect_offset, stale checkpoints, expired sessions, corruption inside Dropbox, a full account,
// paging, revoked access), and the emulator's own rules checked over raw HTTP.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import dropbox from '../../connectors/dropbox/index.ts';
import { headerSafeJson } from '../../connectors/dropbox/client.ts';
import { contentHash } from '../../connectors/dropbox/content-hash.ts';
import { CloudError, type CloudHandle, type SourceItem } from '../../connectors/types.ts';
import { MAX_REQUEST_BYTES, rateLimitBody, startDropboxFake, type DropboxFake } from '../fakes/dropbox.ts';
import { memoryTokens } from '../fakes/oauth.ts';
import { testEnv } from '../support/env.ts';
import { inParallel } from './helpers.ts';
import { conformance } from './suite.ts';

const MiB = 1024 * 1024;

function connect(fake: DropboxFake) {
  const env = testEnv({ endpoints: { dropboxApi: fake.apiUrl, dropboxContent: fake.contentUrl } });
  const tokens = memoryTokens(fake.tokenUrl, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
  return { handle: dropbox.open!({ options: {}, tokens }, env), tokens, env };
}

conformance('dropbox (emulator)', async () => {
  // Dropbox's list_folder limit is approximate: pages of 200 make a folder of a few hundred page.
  const fake = await startDropboxFake({ pageSize: 200 });
  /** Makes a file through Dropbox's own upload session API (not the connector), replacing any there. */
  async function upload(rel: string, data: Buffer) {
    const call = async (route: string, arg: unknown, body: Buffer) => {
      const res = await fetch(`${fake.contentUrl}/2/files/upload_session/${route}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${fake.oauth.issueTokens().accessToken}`,
          'content-type': 'application/octet-stream',
          'dropbox-api-arg': headerSafeJson(arg),
        },
        body,
      });
      expect(res.status).toBe(200);
      return res.json() as Promise<{ session_id: string }>;
    };
    const { session_id } = await call('start', { close: true }, data);
    await call(
      'finish',
      { cursor: { session_id, offset: data.length }, commit: { path: `/${rel}`, mode: { '.tag': 'overwrite' } } },
      Buffer.alloc(0),
    );
  }
  return {
    handle: connect(fake).handle,
    close: () => fake.close(),
    seed: (files) => inParallel(files, 8, ([rel, data]) => upload(rel, data)),
    providerPage: 200,
    nativeHash: 'dropbox',
    resumable: true,
    listedHash: 'dropbox',
    lastRange: () => fake.requests.findLast((r) => r.path.endsWith('/files/download'))?.range,
  };
});

const isReason = (reason: string) => (err: Error) => err instanceof CloudError && err.reason === reason;

/** A checkpoint kept in memory, calling `onSave` after each save. */
function memoryCheckpoint(onSave: (n: number, state: unknown) => void = () => {}, initial: unknown = null) {
  let state = initial;
  let n = 0;
  return {
    get state() {
      return state;
    },
    async save(st: unknown) {
      state = st;
      onSave(++n, st);
    },
  };
}

/** A source that yields 1 MiB pieces with a pause, so chunks are acknowledged one by one. */
function slow(data: Buffer): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < data.length; i += MiB) {
        await new Promise((r) => setTimeout(r, 2));
        yield data.subarray(i, i + MiB);
      }
    })(),
  );
}

const count = (fake: DropboxFake, path: RegExp, status: number) =>
  fake.requests.filter((r) => path.test(r.path) && r.status === status).length;

describe('dropbox protocol', () => {
  let fake: DropboxFake;
  let h: CloudHandle;
  let tokens: ReturnType<typeof memoryTokens>;
  beforeAll(async () => {
    // Pages of 3 entries at most, so every listing here pages.
    fake = await startDropboxFake({ pageSize: 3 });
    ({ handle: h, tokens } = connect(fake));
  });
  afterAll(() => fake.close());

  test('an access token that expires mid-upload is refreshed once and the upload goes on', async () => {
    const data = crypto.randomBytes(30 * MiB);
    const cp = memoryCheckpoint((n) => {
      if (n === 1) fake.oauth.expireAccessTokens();
    });
    const stored = await h.destination!.put('proto/expiring.bin', async (off) => slow(data.subarray(off)), {
      mode: 'create',
      size: data.length,
      checkpoint: cp,
    });
    expect(stored).toEqual({ size: data.length, hash: { kind: 'dropbox', value: contentHash(data) } });
    expect(tokens.refreshes).toBe(1);
    // Dropbox answered 401 expired_access_token
    expect(count(fake, /upload_session\/append_v2$/, 401)).toBeGreaterThanOrEqual(1);
    expect((await fake.fileBytes('proto/expiring.bin')).equals(data)).toBeTruthy();
  });

  test('a storm of 429 too_many_write_operations is waited out as Retry-After says, bytes intact', async () => {
    fake.inject({
      path: /\/upload_session\/append_v2$/,
      status: 429,
      retryAfter: 1,
      times: 3,
      body: rateLimitBody('too_many_write_operations', 1),
    });
    const data = crypto.randomBytes(20 * MiB);
    const t0 = Date.now();
    await h.destination!.put('proto/storm.bin', async (off) => Readable.from([data.subarray(off)]), {
      mode: 'create',
      size: data.length,
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2900);
    expect(count(fake, /upload_session\/append_v2$/, 429)).toBe(3);
    expect((await fake.fileBytes('proto/storm.bin')).equals(data)).toBeTruthy();
  });

  test(
    'an append whose answer is lost: incorrect_offset tells ' + 'where Dropbox is, and no byte is sent twice',
    async () => {
      fake.inject({ path: /\/upload_session\/append_v2$/, truncate: 0 }); // stored, answer cut
      const data = crypto.randomBytes(24 * MiB + 5);
      const before = fake.requests.length;
      await h.destination!.put('proto/lost-answer.bin', async (off) => Readable.from([data.subarray(off)]), {
        mode: 'create',
        size: data.length,
      });
      const appends = fake.requests.slice(before).filter((r) => r.path.endsWith('/append_v2'));
      // the lost answer, incorrect_offset on the retry, then the next chunk
      expect(appends.map((r) => r.status)).toEqual([0, 409, 200]);
      expect((await fake.fileBytes('proto/lost-answer.bin')).equals(data)).toBeTruthy();
    },
  );

  test('a finish whose answer is lost is recognised as committed', async () => {
    fake.inject({ path: /\/upload_session\/finish$/, truncate: 0 });
    const data = crypto.randomBytes(3000);
    const stored = await h.destination!.put('proto/lost-finish.bin', async () => Readable.from([data]), {
      mode: 'create',
      size: data.length,
    });
    expect(stored.size).toBe(data.length);
    expect((await fake.fileBytes('proto/lost-finish.bin')).equals(data)).toBeTruthy();
  });

  test(
    'a checkpoint older than the session resumes at the offset ' + 'Dropbox has, reading past what it already holds',
    async () => {
      const data = crypto.randomBytes(40 * MiB);
      let first: unknown = null;
      const stop = new AbortController();
      // Only the first checkpoint is kept (as if later saves were lost); the worker dies after the third chunk.
      const cp = memoryCheckpoint((n, st) => {
        first ??= st;
        if (n === 3) stop.abort(new Error('crash'));
      });
      await expect(
        h.destination!.put('proto/stale.bin', async (off) => slow(data.subarray(off)), {
          mode: 'create',
          size: data.length,
          checkpoint: cp,
          signal: stop.signal,
        }),
      ).rejects.toThrow();
      const offsets: number[] = [];
      const before = fake.requests.length;
      await h.destination!.put(
        'proto/stale.bin',
        async (off) => {
          offsets.push(off);
          return Readable.from([data.subarray(off)]);
        },
        { mode: 'create', size: data.length, checkpoint: memoryCheckpoint(undefined, first) },
      );
      // resumed the saved session, not a new one
      expect(offsets).toEqual([8 * MiB]);
      // Dropbox said where it was
      expect(fake.requests.slice(before).filter((r) => r.path.endsWith('/append_v2'))[0].status).toBe(409);
      expect((await fake.fileBytes('proto/stale.bin')).equals(data)).toBeTruthy();
    },
  );

  test('a session Dropbox no longer has (7 days) starts over from the first byte', async () => {
    const data = crypto.randomBytes(20 * MiB);
    const stop = new AbortController();
    const cp = memoryCheckpoint((n) => {
      if (n === 1) stop.abort(new Error('crash'));
    });
    await expect(
      h.destination!.put('proto/expired.bin', async (off) => slow(data.subarray(off)), {
        mode: 'create',
        size: data.length,
        checkpoint: cp,
        signal: stop.signal,
      }),
    ).rejects.toThrow();
    fake.uploads.expireAll();
    const offsets: number[] = [];
    await h.destination!.put(
      'proto/expired.bin',
      async (off) => {
        offsets.push(off);
        return Readable.from([data.subarray(off)]);
      },
      { mode: 'create', size: data.length, checkpoint: cp },
    );
    expect(offsets).toEqual([8 * MiB, 0]);
    expect((await fake.fileBytes('proto/expired.bin')).equals(data)).toBeTruthy();
  });

  test('a checkpoint whose state does not load (damaged, or an earlier version) is none: a new session', async () => {
    const data = crypto.randomBytes(20 * MiB);
    const stop = new AbortController();
    const cp = memoryCheckpoint((n) => {
      if (n === 1) stop.abort(new Error('crash'));
    });
    await expect(
      h.destination!.put('proto/unloadable.bin', async (off) => slow(data.subarray(off)), {
        mode: 'replace',
        size: data.length,
        checkpoint: cp,
        signal: stop.signal,
      }),
    ).rejects.toThrow();
    const saved = cp.state as { v: number; hash: { outer: string; length: number } };
    expect(saved.hash.length).toBe(8 * MiB);
    const damaged = { ...saved, hash: { ...saved.hash, outer: Buffer.from('not a state').toString('base64') } };
    const earlier = { ...saved, v: 1 }; // the hand-written SHA-256's state is not hash-wasm's
    for (const state of [damaged, earlier]) {
      const offsets: number[] = [];
      const created = fake.uploads.created;
      const stored = await h.destination!.put(
        'proto/unloadable.bin',
        async (off) => {
          offsets.push(off);
          return Readable.from([data.subarray(off)]);
        },
        { mode: 'replace', size: data.length, checkpoint: memoryCheckpoint(undefined, state) },
      );
      // read from the first byte, into a session of its own
      expect(offsets).toEqual([0]);
      expect(fake.uploads.created).toBe(created + 1);
      expect(stored.hash).toEqual({ kind: 'dropbox', value: contentHash(data) });
    }
    expect((await fake.fileBytes('proto/unloadable.bin')).equals(data)).toBeTruthy();
  });

  test('a file Dropbox stores with another content_hash is refused as corrupt and removed', async () => {
    fake.corruptNextCommit();
    const data = crypto.randomBytes(5000);
    await expect(
      h.destination!.put('proto/damaged.bin', async () => Readable.from([data]), { mode: 'create', size: data.length }),
    ).rejects.toSatisfy(isReason('corrupt'));
    expect(await h.destination!.stat('proto/damaged.bin')).toBe(null);
  });

  test(
    'listing pages through list_folder/continue, items carry content_hash and rev; ' + 'browse puts folders first',
    async () => {
      const files: Record<string, Buffer> = {};
      for (const name of ['b.jpg', 'a.mov', 'Z/c.txt', 'y/d.png', 'y/deep/e.heic', 'x.bin', 'w.txt'])
        files[name] = crypto.randomBytes(100 + name.length);
      for (const [name, data] of Object.entries(files))
        await h.destination!.put(`paging/${name}`, async () => Readable.from([data]), {
          mode: 'create',
          size: data.length,
        });
      const before = fake.requests.length;
      const items: SourceItem[] = [];
      for await (const item of h.source!.list('PAGING')) items.push(item); // any case
      // pages of 3
      expect(
        fake.requests.slice(before).filter((r) => r.path.endsWith('/list_folder/continue')).length,
      ).toBeGreaterThanOrEqual(3);
      expect(items.map((i) => i.path).sort()).toEqual(Object.keys(files).sort());
      for (const item of items) {
        expect(item.hashes?.dropbox).toBe(contentHash(files[item.path]));
        expect(item.id).toMatch(/^id:/);
        expect(item.version).toMatch(/^[0-9a-f]{9,}$/);
      }
      // Dropbox has no md5: its content_hash
      expect(await h.destination!.hashOf!('paging/b.jpg')).toEqual({
        kind: 'dropbox',
        value: contentHash(files['b.jpg']),
      });
      const page = await h.browse('paging', undefined);
      expect(page.entries.map((e) => [e.type, e.name])).toEqual([
        ['folder', 'Z'],
        ['folder', 'y'],
        ['file', 'a.mov'],
        ['file', 'b.jpg'],
        ['file', 'w.txt'],
        ['file', 'x.bin'],
      ]);
      await expect(h.browse('paging/nothing', undefined)).rejects.toSatisfy(isReason('not_found'));
      await expect(h.browse('paging/b.jpg', undefined)).rejects.toSatisfy(isReason('not_found'));
    },
  );

  test('5xx and reset connections are retried; a Retry-After past a minute is rate_limited with its time', async () => {
    const data = crypto.randomBytes(10_000);
    await h.destination!.put('proto/retried.bin', async () => Readable.from([data]), {
      mode: 'create',
      size: data.length,
    });
    fake.inject({ path: /\/files\/list_folder$/, status: 503, times: 2 });
    fake.inject({ path: /\/files\/download$/, reset: true });
    fake.inject({ path: /\/files\/download$/, status: 500 });
    const items: SourceItem[] = [];
    for await (const item of h.source!.list('proto')) if (item.path === 'retried.bin') items.push(item);
    const chunks: Buffer[] = [];
    for await (const c of await h.source!.open(items[0], { offset: 10 })) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(data.subarray(10))).toBeTruthy();

    fake.inject({ path: /\/files\/get_metadata$/, status: 429, retryAfter: 300 });
    const t0 = Date.now();
    await expect(h.destination!.stat('proto/retried.bin')).rejects.toSatisfy((err: Error) => {
      const at = (err as CloudError).retryAt?.getTime() ?? 0;
      return isReason('rate_limited')(err) && at >= t0 + 299_000 && at <= Date.now() + 301_000;
    });
    // a long wait is reported, not slept
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test(
    'remove looks before it deletes: a folder is refused without delete_v2; ' +
      'a file changed meanwhile is looked at again',
    async () => {
      const data = crypto.randomBytes(3000);
      await h.destination!.put('proto/rm/a.zip', async () => Readable.from([data]), {
        mode: 'create',
        size: data.length,
      });
      await h.destination!.put('proto/rm/keep/x.txt', async () => Readable.from([data]), {
        mode: 'create',
        size: data.length,
      });
      const deletes = (from: number) => fake.requests.slice(from).filter((r) => r.path === '/2/files/delete_v2');
      let from = fake.requests.length;
      await expect(h.destination!.remove!('proto/rm/keep')).rejects.toSatisfy(isReason('invalid_options'));
      // a folder is never sent to delete_v2
      expect(deletes(from)).toEqual([]);

      // The revision seen is gone by the time delete_v2 runs; then Dropbox asks to slow down.
      from = fake.requests.length;
      fake.inject({
        path: /\/files\/delete_v2$/,
        status: 409,
        body: {
          error_summary: 'path_lookup/not_found/...',
          error: { '.tag': 'path_lookup', path_lookup: { '.tag': 'not_found' } },
        },
      });
      fake.inject({ path: /\/files\/delete_v2$/, status: 429, body: rateLimitBody('too_many_write_operations', 1) });
      fake.oauth.expireAccessTokens();
      const refreshes = tokens.refreshes;
      await h.destination!.remove!('proto/rm/a.zip');
      expect(tokens.refreshes).toBe(refreshes + 1);
      expect(deletes(from).map((r) => r.status)).toEqual([409, 429, 200]);
      // looked at again after the 409
      expect(
        fake.requests.slice(from).filter((r) => r.path === '/2/files/get_metadata' && r.status === 200).length,
      ).toBe(2);
      expect(fake.files()).not.toContain('/proto/rm/a.zip');
      expect(fake.files()).toContain('/proto/rm/keep/x.txt');
    },
  );

  test('the OAuth spec names the account by its email', async () => {
    const { env } = connect(fake);
    const token = fake.oauth.issueTokens().accessToken;
    expect(await dropbox.oauth!.account(token, env)).toEqual({ id: fake.account.id, name: fake.account.email });
    await expect(dropbox.oauth!.account('at-nonsense', env)).rejects.toSatisfy(isReason('unauthorized'));
  });
});

describe('dropbox failures a user must see', () => {
  test('a full account is a clear failure, not retried', async () => {
    const fake = await startDropboxFake({ quotaBytes: MiB });
    try {
      const { handle } = connect(fake);
      const data = crypto.randomBytes(2 * MiB);
      await expect(
        handle.destination!.put('big.bin', async () => Readable.from([data]), { mode: 'create', size: data.length }),
      ).rejects.toSatisfy((err: Error) => {
        return err instanceof CloudError && err.reason === 'failed' && /full/.test(err.message);
      });
      expect(fake.requests.filter((r) => r.path.endsWith('/finish')).length).toBe(1);
    } finally {
      await fake.close();
    }
  });

  test('revoked access: unauthorized, for uploads and listings alike', async () => {
    const fake = await startDropboxFake();
    try {
      const { handle } = connect(fake);
      await handle.check();
      fake.oauth.revoke();
      await expect(
        handle.destination!.put('x.txt', async () => Readable.from([Buffer.from('x')]), { mode: 'create', size: 1 }),
      ).rejects.toSatisfy(isReason('unauthorized'));
      await expect(
        (async () => {
          for await (const _ of handle.source!.list('')) void _;
        })(),
      ).rejects.toSatisfy(isReason('unauthorized'));
      await expect(handle.check()).rejects.toSatisfy(isReason('unauthorized'));
    } finally {
      await fake.close();
    }
  });
});

describe('dropbox emulator rules (raw HTTP)', () => {
  let fake: DropboxFake;
  let token: string;
  beforeAll(async () => {
    fake = await startDropboxFake();
    token = fake.oauth.issueTokens().accessToken;
  });
  afterAll(() => fake.close());

  const rpc = (route: string, body: unknown, headers: Record<string, string> = {}, base = fake.apiUrl) =>
    fetch(`${base}/2/${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const content = (
    route: string,
    arg: string,
    body: Uint8Array | undefined,
    headers: Record<string, string> = {},
    base = fake.contentUrl,
  ) =>
    fetch(`${base}/2/${route}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'dropbox-api-arg': arg,
        ...(body ? { 'content-type': 'application/octet-stream' } : {}),
        ...headers,
      },
      body,
    });
  const errorOf = async (res: Response) =>
    (await res.json()) as { error_summary: string; error: Record<string, unknown> };

  test(
    'tokens: missing is 400 text, unknown is 401 invalid_access_token, ' + 'expired is 401 expired_access_token',
    async () => {
      const none = await fetch(`${fake.apiUrl}/2/files/list_folder`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"path":""}',
      });
      expect(none.status).toBe(400);
      expect(await none.text()).toMatch(/Must provide HTTP header "Authorization"/);
      const bad = await rpc('files/list_folder', { path: '' }, { authorization: 'Bearer at-unknown' });
      expect(bad.status).toBe(401);
      expect((await errorOf(bad)).error['.tag']).toBe('invalid_access_token');
      const other = await startDropboxFake();
      try {
        const t = other.oauth.issueTokens().accessToken;
        other.oauth.expireAccessTokens();
        const res = await fetch(`${other.apiUrl}/2/files/list_folder`, {
          method: 'POST',
          headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
          body: '{"path":""}',
        });
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({
          error_summary: 'expired_access_token/...',
          error: { '.tag': 'expired_access_token' },
        });
      } finally {
        await other.close();
      }
    },
  );

  test('each host serves only its own routes; malformed arguments are 400', async () => {
    const wrong = await rpc('files/list_folder', { path: '' }, {}, fake.contentUrl);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toMatch(/Incorrect host/);
    const wrong2 = await content('files/download', '{"path":"/x"}', undefined, {}, fake.apiUrl);
    expect(wrong2.status).toBe(400);
    for (const [body, why] of [
      [{ path: '/' }, /empty string rather than as "\/"/],
      [{ path: '', limit: 0 }, /limit/],
      [{ path: '', colour: 'red' }, /unknown field 'colour'/],
      [{}, /missing required field 'path'/],
    ] as const) {
      const res = await rpc('files/list_folder', body);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(why);
    }
    const type = await rpc('files/list_folder', { path: '' }, { 'content-type': 'text/plain' });
    expect(type.status).toBe(400);
    expect(await type.text()).toMatch(/Bad HTTP "Content-Type" header/);
  });

  test(
    'Dropbox-API-Arg must be ASCII JSON; upload sessions enforce offsets, ' + 'hashes, closing and the 150 MiB limit',
    async () => {
      const data = crypto.randomBytes(1000);
      // Raw UTF-8 in the header is refused; the same argument escaped as \uXXXX is fine.
      const nonAscii = await fetch(`${fake.contentUrl}/2/files/upload_session/start`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/octet-stream',
          'dropbox-api-arg': `{"close":false,"x":"${String.fromCharCode(0xe9)}"}`,
        },
        body: data,
      });
      expect(nonAscii.status).toBe(400);
      expect(await nonAscii.text()).toMatch(/could not decode input as JSON/);

      const mismatch = await content(
        'files/upload_session/start',
        JSON.stringify({ content_hash: contentHash(Buffer.from('other')) }),
        data,
      );
      expect(mismatch.status).toBe(409);
      expect((await errorOf(mismatch)).error['.tag']).toBe('content_hash_mismatch');

      const started = await content(
        'files/upload_session/start',
        JSON.stringify({ content_hash: contentHash(data) }),
        data,
      );
      expect(started.status).toBe(200);
      const { session_id } = (await started.json()) as { session_id: string };

      const offset = await content(
        'files/upload_session/append_v2',
        JSON.stringify({ cursor: { session_id, offset: 10 } }),
        data,
      );
      expect(offset.status).toBe(409);
      expect(await offset.json()).toEqual({
        error_summary: 'incorrect_offset/...',
        error: { '.tag': 'incorrect_offset', correct_offset: 1000 },
      });

      const tooBig = await content(
        'files/upload_session/append_v2',
        JSON.stringify({ cursor: { session_id, offset: 1000 } }),
        Buffer.alloc(MAX_REQUEST_BYTES + 1),
      );
      expect(tooBig.status).toBe(409);
      expect((await errorOf(tooBig)).error['.tag']).toBe('payload_too_large');

      const closed = await content(
        'files/upload_session/append_v2',
        JSON.stringify({ cursor: { session_id, offset: 1000 }, close: true }),
        data,
      );
      expect(closed.status).toBe(200);
      const afterClose = await content(
        'files/upload_session/append_v2',
        JSON.stringify({ cursor: { session_id, offset: 2000 } }),
        data,
      );
      expect((await errorOf(afterClose)).error['.tag']).toBe('closed');

      const commit = { path: '/Raw/Ünï.bin', mode: 'overwrite', autorename: false, mute: true };
      const fraction = await content(
        'files/upload_session/finish',
        headerSafeJson({
          cursor: { session_id, offset: 2000 },
          commit: { ...commit, client_modified: '2020-01-02T03:04:05.678Z' },
        }),
        Buffer.alloc(0),
      );
      expect(fraction.status).toBe(400);
      expect(await fraction.text()).toMatch(/does not match format/);
      const escaped = headerSafeJson({
        cursor: { session_id, offset: 2000 },
        commit: { ...commit, client_modified: '2020-01-02T03:04:05Z' },
      });
      expect(escaped).toMatch(/\\u00dcn\\u00ef\.bin/);
      const finished = await content('files/upload_session/finish', escaped, Buffer.alloc(0));
      expect(finished.status).toBe(200);
      const meta = (await finished.json()) as {
        path_display: string;
        size: number;
        content_hash: string;
        client_modified: string;
        id: string;
      };
      expect([meta.path_display, meta.size, meta.client_modified]).toEqual([
        '/Raw/Ünï.bin',
        2000,
        '2020-01-02T03:04:05Z',
      ]);
      expect(meta.content_hash).toBe(contentHash(Buffer.concat([data, data])));
      const again = await content('files/upload_session/finish', escaped, Buffer.alloc(0));
      expect((await errorOf(again)).error).toEqual({
        '.tag': 'lookup_failed',
        lookup_failed: { '.tag': 'not_found' },
      });

      // Paths compare without case; downloads honour Range, by POST or by GET (as Dropbox's do).
      const lower = await rpc('files/get_metadata', { path: '/raw/ÜNÏ.BIN' });
      expect(((await lower.json()) as { id: string }).id).toBe(meta.id);
      const missing = await rpc('files/get_metadata', { path: '/raw/none' });
      expect(missing.status).toBe(409);
      expect((await errorOf(missing)).error_summary).toBe('path/not_found/...');
      const part = await content('files/download', JSON.stringify({ path: meta.id }), undefined, {
        range: 'bytes=1500-',
      });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe('bytes 1500-1999/2000');
      expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(500))).toBeTruthy();
      expect(JSON.parse(part.headers.get('dropbox-api-result')!).id).toBe(meta.id);
      const asJson = await content('files/download', JSON.stringify({ path: meta.id }), undefined, {
        'content-type': 'application/json',
      });
      expect(asJson.status).toBe(400);
      const byGet = await fetch(`${fake.contentUrl}/2/files/download`, {
        headers: {
          authorization: `Bearer ${token}`,
          'dropbox-api-arg': JSON.stringify({ path: meta.id }),
          range: 'bytes=10-',
        },
      });
      expect(byGet.status).toBe(206);
      expect(Buffer.from(await byGet.arrayBuffer()).equals(Buffer.concat([data, data]).subarray(10))).toBeTruthy();
      // other routes take POST only
      const rpcByGet = await fetch(`${fake.apiUrl}/2/files/get_metadata`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(rpcByGet.status).toBe(400);
      expect(await rpcByGet.text()).toMatch(/Bad HTTP method "GET"/);
    },
  );

  test(
    'finish with mode add refuses a file at the path (409 path/conflict/file), ' +
      'with strict_conflict even the same bytes; overwrite replaces',
    async () => {
      const finish = async (data: Buffer, commit: Record<string, unknown>) => {
        const started = await content('files/upload_session/start', JSON.stringify({ close: true }), data);
        const { session_id } = (await started.json()) as { session_id: string };
        return content(
          'files/upload_session/finish',
          JSON.stringify({
            cursor: { session_id, offset: data.length },
            commit: { path: '/Backups/2020/IMG_1.HEIC', ...commit },
          }),
          Buffer.alloc(0),
        );
      };
      const owners = Buffer.from('the owner’s photo');
      // nothing there: add creates
      expect((await finish(owners, { mode: 'add', strict_conflict: true })).status).toBe(200);
      const conflict = {
        error_summary: 'path/conflict/file/...',
        error: { '.tag': 'path', path: { '.tag': 'conflict', conflict: { '.tag': 'file' } } },
      };
      const other = await finish(Buffer.from('another photo'), {
        mode: { '.tag': 'add' },
        autorename: false,
        strict_conflict: true,
      });
      expect(other.status).toBe(409);
      expect(await other.json()).toEqual(conflict);
      const same = await finish(owners, { mode: 'add', strict_conflict: true });
      // strict_conflict: a conflict even for identical contents
      expect(same.status).toBe(409);
      expect(await same.json()).toEqual(conflict);
      // without strict_conflict identical contents are no conflict
      expect((await finish(owners, { mode: 'add' })).status).toBe(200);
      // the file at the path is untouched
      expect((await fake.fileBytes('Backups/2020/IMG_1.HEIC')).equals(owners)).toBeTruthy();
      const replaced = await finish(Buffer.from('a new version'), { mode: 'overwrite', strict_conflict: true });
      expect(replaced.status).toBe(200);
      expect((await fake.fileBytes('Backups/2020/IMG_1.HEIC')).toString()).toBe('a new version');
    },
  );

  test(
    'two finishes to one path at once with add + strict_conflict: ' +
      'one commits, the other is 409 path/conflict/file',
    async () => {
      const start = async (data: Buffer) => {
        const started = await content('files/upload_session/start', JSON.stringify({ close: true }), data);
        expect(started.status).toBe(200);
        return ((await started.json()) as { session_id: string }).session_id;
      };
      // Several MiB each, so both commits are under way (hashing) at the same time.
      const datas = [crypto.randomBytes(6 * MiB), crypto.randomBytes(6 * MiB + 1)];
      const sessions = await Promise.all(datas.map(start));
      const finishes = await Promise.all(
        sessions.map((session_id, i) =>
          content(
            'files/upload_session/finish',
            JSON.stringify({
              cursor: { session_id, offset: datas[i].length },
              commit: { path: '/Race/IMG_7.HEIC', mode: 'add', strict_conflict: true },
            }),
            Buffer.alloc(0),
          ),
        ),
      );
      expect(finishes.map((r) => r.status).sort()).toEqual([200, 409]);
      const won = finishes.findIndex((r) => r.status === 200);
      const lost = finishes[1 - won];
      expect(await lost.json()).toEqual({
        error_summary: 'path/conflict/file/...',
        error: { '.tag': 'path', path: { '.tag': 'conflict', conflict: { '.tag': 'file' } } },
      });
      // the file that committed stays
      expect((await fake.fileBytes('Race/IMG_7.HEIC')).equals(datas[won])).toBeTruthy();
      expect(fake.files().filter((f) => f.toLowerCase().startsWith('/race/'))).toEqual(['/Race/IMG_7.HEIC']);
    },
  );

  test('delete_v2: 409 path_lookup/not_found for nothing there; parent_rev deletes only that revision', async () => {
    const missing = await rpc('files/delete_v2', { path: '/raw/nothing.zip' });
    expect(missing.status).toBe(409);
    expect(await missing.json()).toEqual({
      error_summary: 'path_lookup/not_found/...',
      error: { '.tag': 'path_lookup', path_lookup: { '.tag': 'not_found' } },
    });

    const data = Buffer.from('to delete');
    const started = await content('files/upload_session/start', JSON.stringify({ close: true }), data);
    const { session_id } = (await started.json()) as { session_id: string };
    const finished = await content(
      'files/upload_session/finish',
      JSON.stringify({ cursor: { session_id, offset: data.length }, commit: { path: '/Del/a.zip' } }),
      Buffer.alloc(0),
    );
    const meta = (await finished.json()) as { rev: string; id: string };
    const stale = await rpc('files/delete_v2', {
      path: '/del/a.zip',
      parent_rev: `${meta.rev.slice(0, -1)}${meta.rev.endsWith('0') ? '1' : '0'}`,
    });
    expect(stale.status).toBe(409);
    // another revision is not deleted
    expect((await rpc('files/get_metadata', { path: '/del/a.zip' })).status).toBe(200);
    const done = await rpc('files/delete_v2', { path: '/del/a.zip', parent_rev: meta.rev });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { metadata: Record<string, unknown> }).metadata['.tag']).toEqual('file');
    expect((await rpc('files/get_metadata', { path: '/del/a.zip' })).status).toBe(409);
    expect(fake.files().every((f) => f.toLowerCase() !== '/del/a.zip')).toBeTruthy();
  });
});

describe('dropbox move', () => {
  let fake: DropboxFake;
  let h: CloudHandle;
  beforeAll(async () => {
    fake = await startDropboxFake();
    h = connect(fake).handle;
  });
  afterAll(() => fake.close());

  const rpc = async (route: string, arg: unknown) => {
    const res = await fetch(`${fake.apiUrl}/2/${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.oauth.issueTokens().accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(arg),
    });
    const text = await res.text();
    return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };
  const put = (rel: string, data: Buffer) =>
    h.destination!.put(rel, async () => Readable.from([data]), { mode: 'create', size: data.length });
  const idOf = async (rel: string) =>
    ((await rpc('files/get_metadata', { path: `/${rel}` })).body as { id: string }).id;

  test('a move whose answer is lost is recognised as done; the id stays; a folder is not moved', async () => {
    const data = crypto.randomBytes(2000);
    await put('mv/a.jpg', data);
    const id = await idOf('mv/a.jpg');
    fake.inject({ path: /\/files\/move_v2$/, truncate: 0 }); // moved, answer cut
    const before = fake.requests.length;
    await h.destination!.move!('mv/a.jpg', 'mv/kept/2026/a.jpg');
    // the lost answer, then the retry's to/conflict/file on the file itself
    expect(
      fake.requests
        .slice(before)
        .filter((r) => r.path.endsWith('/move_v2'))
        .map((r) => r.status),
    ).toEqual([0, 409]);
    expect(await fake.fileBytes('mv/kept/2026/a.jpg')).toEqualBytes(data);
    expect(await idOf('mv/kept/2026/a.jpg')).toBe(id);
    expect(await h.destination!.stat('mv/a.jpg')).toBe(null);
    await expect(h.destination!.move!('mv/kept', 'mv/elsewhere')).rejects.toSatisfy(
      (err: Error) => err instanceof CloudError && err.reason === 'invalid_options',
    );
    expect(await h.destination!.stat('mv/kept/2026/a.jpg')).toEqual({ size: data.length });
  });

  test('the emulator: move_v2 takes folders with what is in them, and refuses as Dropbox does', async () => {
    await put('raw/a.txt', Buffer.from('a'));
    await put('raw/b.txt', Buffer.from('b'));
    await put('raw/dir/inner.txt', Buffer.from('inner'));
    const move = (from: string, to: string, extra = {}) =>
      rpc('files/move_v2', { from_path: `/${from}`, to_path: `/${to}`, autorename: false, ...extra });
    const refused = async (from: string, to: string, summary: string) => {
      const res = await move(from, to);
      expect([res.status, (res.body as { error_summary: string }).error_summary]).toEqual([409, summary]);
    };
    await refused('raw/a.txt', 'raw/b.txt', 'to/conflict/file/...');
    await refused('raw/a.txt', 'raw/DIR', 'to/conflict/folder/...');
    await refused('raw/a.txt', 'raw/b.txt/c.txt', 'to/conflict/file_ancestor/...');
    await refused('raw/a.txt', 'raw/A.TXT', 'to/conflict/file/...'); // no case-only renaming
    await refused('raw/none.txt', 'raw/c.txt', 'from_lookup/not_found/...');
    await refused('raw/dir', 'raw/dir/sub/dir', 'cant_move_folder_into_itself/...');
    expect((await move('raw/a.txt', 'raw/c.txt', { autorename: true })).status).toBe(400);
    expect((await rpc('files/move_v2', { from_path: '/raw/a.txt' })).status).toBe(400);
    const moved = await move('raw/dir', 'raw/new/Dir2');
    expect(moved.status).toBe(200);
    expect((moved.body as { metadata: Record<string, unknown> }).metadata).toMatchObject({
      '.tag': 'folder',
      name: 'Dir2',
      path_display: '/raw/new/Dir2',
    });
    expect((await fake.fileBytes('raw/new/dir2/inner.txt')).toString()).toBe('inner');
    expect((await rpc('files/get_metadata', { path: '/raw/dir/inner.txt' })).status).toBe(409);
    // nothing refused changed anything
    expect((await fake.fileBytes('raw/a.txt')).toString()).toBe('a');
    expect((await fake.fileBytes('raw/b.txt')).toString()).toBe('b');
  });
});
