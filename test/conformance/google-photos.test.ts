// Google Photos against its emulator (test/fakes/google/photos.ts). Not the shared suite: Photos
// cannot stat, overwrite or delete. Covered: Picker sessions and the picked-items source (paging,
// reduced-fidelity bytes, videos still processing, base URLs expiring mid-run, release), the
// Library API source (app-created albums and items only), restore in batches of 50 with a per-item
// failure retried, and the daily quota.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import photos, { jwtPayload } from '../../connectors/google-photos/index.ts';
import { nextPacificMidnight } from '../../connectors/google-photos/api.ts';
import { processingWait } from '../../connectors/google-photos/picker.ts';
import { CloudError, type CloudHandle, type SourceItem } from '../../connectors/types.ts';
import { startGoogleFake, type GoogleFake } from '../fakes/google.ts';
import { hasGps, makeJpeg, makeMp4 } from '../fakes/google/media.ts';
import { memoryTokens } from '../fakes/oauth.ts';
import { testEnv } from '../support/env.ts';
import { pickerOf } from '../support/picker.ts';

// A video still processing is waited for 300 ms here, not 15 minutes.
Object.assign(processingWait, { boundMs: 300, firstPollMs: 50, maxPollMs: 100 });

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const md5 = (b: Buffer) => crypto.createHash('md5').update(b).digest('hex');

function setup(fake: GoogleFake, pickerSessionId?: string) {
  const tokens = memoryTokens(`${fake.url}/token`, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
  const env = testEnv({ endpoints: { googlePhotos: fake.url, googlePicker: fake.url } });
  return {
    tokens,
    env,
    open: (session = pickerSessionId): CloudHandle =>
      photos.open!({ options: {}, tokens, pickerSessionId: session }, env),
    picker: pickerOf({ options: {}, tokens }, env),
  };
}

describe('google-photos: Picker', () => {
  let fake: GoogleFake;
  const originals = new Map<string, Buffer>();
  let processingId = '';
  let readyVideoId = '';
  let sessionId = '';
  let items: SourceItem[] = [];

  beforeAll(async () => {
    fake = await startGoogleFake();
    // 250 items: 247 photos (some names repeat, as from two phones), a ready video and one still processing.
    for (let i = 0; i < 248; i++) {
      const bytes = makeJpeg(i, 1500 + (i % 7) * 300);
      const id = await fake.photos.addMedia({
        filename: `IMG_${String(i % 240).padStart(4, '0')}.jpg`,
        bytes,
        createTime: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
        cameraMake: 'FerryCam',
      });
      originals.set(id, bytes);
    }
    readyVideoId = await fake.photos.addMedia({ filename: 'VID_0001.mp4', bytes: makeMp4(1, 50_000), type: 'VIDEO' });
    processingId = await fake.photos.addMedia({
      filename: 'VID_0002.mp4',
      bytes: makeMp4(2),
      type: 'VIDEO',
      processing: 'PROCESSING',
    });
    originals.set(readyVideoId, makeMp4(1, 50_000));
  });
  afterAll(() => fake.close());

  test('a session is created, picked through the control, and then shows its items', async () => {
    const { open, picker } = setup(fake);
    const s = await picker.create();
    sessionId = s.id;
    assert.equal(s.mediaItemsSet, false);
    assert.equal(s.pollIntervalSeconds, 5);
    assert.match(s.pickerUri, /\/picker\//);
    assert.ok(Date.parse(s.expireTime) > Date.now());

    // Listing before the user pressed Done: Google's FAILED_PRECONDITION, said plainly.
    await assert.rejects(
      collect(open(s.id).source!.list('')),
      (err: unknown) => err instanceof CloudError && err.reason === 'failed' && /not been picked/.test(err.message),
    );

    fake.photos.pick(s.id, [...fake.photos.library.keys()]);
    const got = await picker.get(s.id);
    assert.equal(got.mediaItemsSet, true);
    assert.equal(got.itemCount, 250);
    await assert.rejects(
      picker.get('no-such-session'),
      (err: unknown) => err instanceof CloudError && err.reason === 'not_found',
    );
  });

  test('list() pages the session 100 at a time, with unique paths and reduced fidelity', async () => {
    const h = setup(fake).open(sessionId);
    const before = fake.requests.length;
    items = await collect(h.source!.list(''));
    const pages = fake.requests.slice(before).filter((r) => r.method === 'GET' && r.path === '/v1/mediaItems');
    assert.equal(pages.length, 3);
    assert.equal(items.length, 250);
    assert.equal(new Set(items.map((i) => i.path)).size, 250);
    assert.ok(items.some((i) => i.path === 'IMG_0000 (1).jpg'));
    for (const i of items) {
      assert.equal(i.fidelity, 'reduced');
      assert.equal(i.version, i.id);
      assert.equal(i.size, undefined);
    }
    assert.equal(items.filter((i) => i.mediaType === 'video').length, 2);
    await assert.rejects(
      collect(h.source!.list('Some folder')),
      (err: unknown) => err instanceof CloudError && err.reason === 'not_found',
    );
  });

  test(
    'open() gives exactly what Google serves: photos without GPS, videos transcoded; ' +
      'base URLs expiring mid-run are refreshed',
    async () => {
      const h = setup(fake).open(sessionId);
      const listed = await collect(h.source!.list(''));
      const readable = listed.filter((i) => i.id !== processingId);
      const half = Math.floor(readable.length / 2);
      const check = async (i: SourceItem) => {
        const got = await bytesOf(await h.source!.open(i));
        assert.ok(got.equals(await fake.photos.served(i.id)), `bytes of ${i.path}`);
        const original = originals.get(i.id)!;
        assert.ok(!got.equals(original), `${i.path} is not the original`);
        assert.equal(got.length, original.length);
        if (i.mediaType === 'photo') assert.ok(hasGps(original) && !hasGps(got), `${i.path}: GPS removed`);
      };
      for (const i of readable.slice(0, half)) await check(i);
      const mark = fake.requests.length;
      fake.photos.advanceClock(61 * 60_000);
      for (const i of readable.slice(half)) await check(i);
      const later = fake.requests.slice(mark);
      assert.equal(
        later.filter((r) => r.path.startsWith('/media/') && r.status === 403).length,
        1,
        'one expired base URL, then fresh ones',
      );
      assert.equal(later.filter((r) => r.path === '/v1/mediaItems').length, 3, 'the session listed once more');
    },
  );

  test('a video still processing fails with the reason; a new handle opens items without a list()', async () => {
    const h = setup(fake).open(sessionId);
    await assert.rejects(
      h.source!.open({ id: processingId }),
      (err: unknown) =>
        err instanceof CloudError &&
        err.reason === 'failed' &&
        /still being processed by Google Photos; a later run copies it/.test(err.message),
    );
    const video = await bytesOf(await setup(fake).open(sessionId).source!.open({ id: readyVideoId }));
    assert.ok(video.equals(await fake.photos.served(readyVideoId)));
    // An expired access token is refreshed once.
    fake.oauth.expireAccessTokens();
    const s = setup(fake);
    const first = items[0];
    fake.oauth.expireAccessTokens();
    assert.ok((await bytesOf(await s.open(sessionId).source!.open(first))).equals(await fake.photos.served(first.id)));
  });

  test('base URLs need the bearer token and a suffix', async () => {
    const page = (await (
      await fetch(`${fake.url}/v1/mediaItems?sessionId=${sessionId}&pageSize=500`, {
        headers: { authorization: `Bearer ${fake.oauth.issueTokens().accessToken}` },
      })
    ).json()) as {
      mediaItems: { mediaFile: { baseUrl: string } }[];
      nextPageToken?: string;
    };
    assert.equal(page.mediaItems.length, 100, 'pageSize above 100 is coerced to 100');
    const baseUrl = page.mediaItems[0].mediaFile.baseUrl;
    assert.equal((await fetch(`${baseUrl}=d`)).status, 401);
    const auth = { authorization: `Bearer ${fake.oauth.issueTokens().accessToken}` };
    assert.equal((await fetch(baseUrl, { headers: auth })).status, 400);
    assert.equal((await fetch(`${baseUrl}=d`, { headers: auth })).status, 200);
  });

  test('release() deletes the session; then it is gone', async () => {
    const { open, picker } = setup(fake);
    const h = open(sessionId);
    await h.source!.release!();
    await h.source!.release!(); // already deleted: fine
    await assert.rejects(
      picker.get(sessionId),
      (err: unknown) => err instanceof CloudError && err.reason === 'not_found',
    );
  });

  test('the picking page lists the library and its Done button completes the session once', async () => {
    const s = await setup(fake).picker.create();
    const html = await (await fetch(`${s.pickerUri}/autoclose`)).text();
    assert.match(html, /type="checkbox" name="item"/);
    const ids = [...fake.photos.library.keys()].slice(0, 3);
    const done = await fetch(s.pickerUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(ids.map((id): [string, string] => ['item', id])).toString(),
    });
    assert.equal(done.status, 200);
    assert.equal((await fetch(s.pickerUri)).status, 410);
    const got = await setup(fake).picker.get(s.id);
    assert.equal(got.itemCount, 3);
    assert.deepEqual(
      (await collect(setup(fake).open(s.id).source!.list(''))).map((i) => i.id),
      ids,
    );
  });
});

describe('google-photos: Library API', () => {
  let fake: GoogleFake;
  beforeAll(async () => {
    fake = await startGoogleFake();
  });
  afterAll(() => fake.close());

  test('restore: 120 photos in exactly 3 batchCreate calls, one item failing once and retried', async () => {
    const h = setup(fake).open();
    const files = Array.from({ length: 120 }, (_, i) => ({
      path: `Holidays/photo-${String(i).padStart(3, '0')}.jpg`,
      bytes: makeJpeg(1000 + i),
    }));
    fake.photos.failNextCreate('photo-000.jpg');
    const results = await Promise.all(
      files.map((f) =>
        h.destination!.put(f.path, async () => Readable.from([f.bytes]), {
          mode: 'create',
          size: f.bytes.length,
          expectedMd5: md5(f.bytes),
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.size),
      files.map((f) => f.bytes.length),
    );
    assert.equal(fake.photos.batchCreates.length, 3, `batches: ${fake.photos.batchCreates.join(', ')}`);
    assert.equal(
      fake.photos.batchCreates.reduce((a, b) => a + b, 0),
      121,
    );
    assert.equal(fake.photos.albums.size, 1);
    const album = [...fake.photos.albums.values()][0];
    assert.equal(album.title, 'Holidays');
    assert.equal(album.items.length, 120);
    assert.equal(fake.photos.appItems.size, 120);
    const byName = new Map([...fake.photos.appItems.values()].map((i) => [i.filename, i]));
    for (const f of files) assert.ok((await fake.photos.served(byName.get(f.path.split('/')[1])!.id)).equals(f.bytes));
    assert.equal(await h.destination!.stat(files[0].path), null);
  });

  test('restore refuses bytes whose md5 differs from the source, and files that are not media', async () => {
    const h = setup(fake).open();
    const creates = fake.photos.batchCreates.length;
    const bytes = makeJpeg(5);
    await assert.rejects(
      h.destination!.put('Holidays/bad.jpg', async () => Readable.from([bytes]), {
        mode: 'create',
        expectedMd5: md5(Buffer.from('other')),
      }),
      (err: unknown) => err instanceof CloudError && err.reason === 'corrupt',
    );
    await assert.rejects(
      h.destination!.put('Holidays/notes.txt', async () => Readable.from([Buffer.from('x')]), { mode: 'create' }),
      (err: unknown) => err instanceof CloudError && err.reason === 'failed',
    );
    assert.equal(fake.photos.batchCreates.length, creates);
  });

  test('the library source lists only app-created albums and items, with their original bytes', async () => {
    // Something in the user's own library that the app did not create: never listed.
    await fake.photos.addMedia({ filename: 'mine.jpg', bytes: makeJpeg(77) });
    const h = setup(fake).open();
    const loose = makeMp4(9, 8000);
    // A second album reuses nothing; a file at the root goes in no album; an existing album is reused.
    const extra = makeJpeg(4242);
    await Promise.all([
      h.destination!.put('loose.mp4', async () => Readable.from([loose]), { mode: 'create' }),
      h.destination!.put('Holidays/extra.jpg', async () => Readable.from([extra]), { mode: 'create' }),
    ]);
    assert.equal(fake.photos.albums.size, 1, 'the existing Holidays album was reused');
    const listed = await collect(h.source!.list(''));
    assert.equal(listed.length, 122);
    assert.equal(listed.filter((i) => i.path.startsWith('Holidays/')).length, 121);
    assert.ok(!listed.some((i) => i.path.includes('mine.jpg')));
    const looseItem = listed.find((i) => i.path === 'loose.mp4')!;
    assert.equal(looseItem.mediaType, 'video');
    assert.equal(looseItem.fidelity, 'original');
    assert.ok((await bytesOf(await h.source!.open(looseItem))).equals(loose));
    const extraItem = listed.find((i) => i.path === 'Holidays/extra.jpg')!;
    assert.ok((await bytesOf(await h.source!.open(extraItem))).equals(extra));
    assert.equal((await collect(h.source!.list('Holidays'))).length, 121);
    await assert.rejects(
      collect(h.source!.list('Nope')),
      (err: unknown) => err instanceof CloudError && err.reason === 'not_found',
    );
    const root = await h.browse('', undefined);
    assert.deepEqual(
      root.entries.map((e) => `${e.type}:${e.name}`),
      ['folder:Holidays', 'file:loose.mp4'],
    );
    await h.check();
  });

  test('a 429 with Retry-After is waited out; the daily quota gives rate_limited until midnight Pacific', async () => {
    const h = setup(fake).open();
    fake.inject({
      method: 'POST',
      path: /^\/v1\/uploads$/,
      status: 429,
      retryAfter: 0,
      body: {
        error: {
          code: 429,
          message: "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user'",
          status: 'RESOURCE_EXHAUSTED',
        },
      },
    });
    const b = makeJpeg(31337);
    assert.equal(
      (await h.destination!.put('Holidays/retry.jpg', async () => Readable.from([b]), { mode: 'create' })).size,
      b.length,
    );

    fake.photos.dailyLimit = fake.photos.dailyCount;
    const err = await h
      .destination!.put('Holidays/late.jpg', async () => Readable.from([makeJpeg(1)]), { mode: 'create' })
      .then(
        () => assert.fail('expected rate_limited'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof CloudError && err.reason === 'rate_limited', String(err));
    assert.ok(err.retryAt && err.retryAt.getTime() > Date.now() && err.retryAt.getTime() <= Date.now() + 25 * 3600_000);
    const la = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/Los_Angeles',
      hourCycle: 'h23',
      hour: '2-digit',
      minute: '2-digit',
    }).format(err.retryAt);
    assert.equal(la, '00:00');
    await assert.rejects(
      collect(h.source!.list('')),
      (e: unknown) => e instanceof CloudError && e.reason === 'rate_limited',
    );
    fake.photos.newDay();
    fake.photos.dailyLimit = undefined;
    await h.check();
  });
});

describe('google-photos: sign-in', () => {
  test('account() reads the id_token; without one it says so', async () => {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const idToken = `${enc({ alg: 'RS256' })}.${enc({ sub: '1234567890', email: 'a@example.com' })}.sig`;
    const env = testEnv();
    assert.deepEqual(await photos.oauth!.account('tok', env, undefined, { idToken }), {
      id: '1234567890',
      name: 'a@example.com',
    });
    await assert.rejects(
      photos.oauth!.account('tok', env, undefined, {}),
      (err: unknown) => err instanceof CloudError && /did not say which account/.test(err.message),
    );
    assert.equal(jwtPayload('garbage'), null);
    assert.ok(photos.oauth!.scopes.includes('openid'));
  });

  test('next Pacific midnight', () => {
    // 2025-07-01 10:00 UTC is 03:00 PDT: next midnight is 2025-07-02 07:00 UTC.
    assert.equal(nextPacificMidnight(new Date('2025-07-01T10:00:00Z')).toISOString(), '2025-07-02T07:00:00.000Z');
    // 2025-01-15 07:30 UTC is 23:30 PST on the 14th: midnight is 08:00 UTC on the 15th.
    assert.equal(nextPacificMidnight(new Date('2025-01-15T07:30:00Z')).toISOString(), '2025-01-15T08:00:00.000Z');
    // The night daylight saving ends (2 Nov 2025): midnight of the 3rd is PST, 08:00 UTC.
    assert.equal(nextPacificMidnight(new Date('2025-11-02T12:00:00Z')).toISOString(), '2025-11-03T08:00:00.000Z');
  });
});
