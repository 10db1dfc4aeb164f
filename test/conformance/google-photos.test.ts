// Google Photos against its emulator (test/fakes/google/photos.ts). Not the shared suite: Photos
// cannot stat, overwrite or delete. Covered: Picker sessions and the picked-items source (paging,
// reduced-fidelity bytes, videos still processing, base URLs expiring mid-run, release), the
// Library API source (app-created albums and items only), restore in batches of 50 with a per-item
// failure retried, and the daily quota.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import photos, { jwtPayload } from '../../connectors/google-photos/index.ts';
import { nextPacificMidnight } from '../../connectors/google-photos/client.ts';
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
    expect(s.mediaItemsSet).toBe(false);
    expect(s.pollIntervalSeconds).toBe(5);
    expect(s.pickerUri).toMatch(/\/picker\//);
    expect(Date.parse(s.expireTime)).toBeGreaterThan(Date.now());

    // Listing before the user pressed Done: Google's FAILED_PRECONDITION, said plainly.
    await expect(collect(open(s.id).source!.list(''))).rejects.toSatisfy(
      (err: unknown) => err instanceof CloudError && err.reason === 'failed' && /not been picked/.test(err.message),
    );

    fake.photos.pick(s.id, [...fake.photos.library.keys()]);
    const got = await picker.get(s.id);
    expect(got.mediaItemsSet).toBe(true);
    expect(got.itemCount).toBe(250);
    await expect(picker.get('no-such-session')).rejects.toSatisfy(
      (err: unknown) => err instanceof CloudError && err.reason === 'not_found',
    );
  });

  test('list() pages the session 100 at a time, with unique paths and reduced fidelity', async () => {
    const h = setup(fake).open(sessionId);
    const before = fake.requests.length;
    items = await collect(h.source!.list(''));
    const pages = fake.requests.slice(before).filter((r) => r.method === 'GET' && r.path === '/v1/mediaItems');
    expect(pages.length).toBe(3);
    expect(items.length).toBe(250);
    expect(new Set(items.map((i) => i.path)).size).toBe(250);
    expect(items.some((i) => i.path === 'IMG_0000 (1).jpg')).toBeTruthy();
    for (const i of items) {
      expect(i.fidelity).toBe('reduced');
      expect(i.version).toBe(i.id);
      expect(i.size).toBe(undefined);
    }
    expect(items.filter((i) => i.mediaType === 'video').length).toBe(2);
    await expect(collect(h.source!.list('Some folder'))).rejects.toSatisfy(
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
        expect(got.equals(await fake.photos.served(i.id))).toBeTruthy();
        const original = originals.get(i.id)!;
        expect(!got.equals(original)).toBeTruthy();
        expect(got.length).toBe(original.length);
        if (i.mediaType === 'photo') expect(hasGps(original) && !hasGps(got)).toBeTruthy();
      };
      for (const i of readable.slice(0, half)) await check(i);
      const mark = fake.requests.length;
      fake.photos.advanceClock(61 * 60_000);
      for (const i of readable.slice(half)) await check(i);
      const later = fake.requests.slice(mark);
      // one expired base URL, then fresh ones
      expect(later.filter((r) => r.path.startsWith('/media/') && r.status === 403).length).toBe(1);
      // the session listed once more
      expect(later.filter((r) => r.path === '/v1/mediaItems').length).toBe(3);
    },
  );

  test('a video still processing fails with the reason; a new handle opens items without a list()', async () => {
    const h = setup(fake).open(sessionId);
    await expect(h.source!.open({ id: processingId })).rejects.toSatisfy(
      (err: unknown) =>
        err instanceof CloudError &&
        err.reason === 'failed' &&
        /still being processed by Google Photos; a later run copies it/.test(err.message),
    );
    const video = await bytesOf(await setup(fake).open(sessionId).source!.open({ id: readyVideoId }));
    expect(video.equals(await fake.photos.served(readyVideoId))).toBeTruthy();
    // An expired access token is refreshed once.
    fake.oauth.expireAccessTokens();
    const s = setup(fake);
    const first = items[0];
    fake.oauth.expireAccessTokens();
    expect(
      (await bytesOf(await s.open(sessionId).source!.open(first))).equals(await fake.photos.served(first.id)),
    ).toBeTruthy();
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
    // pageSize above 100 is coerced to 100
    expect(page.mediaItems.length).toBe(100);
    const baseUrl = page.mediaItems[0].mediaFile.baseUrl;
    expect((await fetch(`${baseUrl}=d`)).status).toBe(401);
    const auth = { authorization: `Bearer ${fake.oauth.issueTokens().accessToken}` };
    expect((await fetch(baseUrl, { headers: auth })).status).toBe(400);
    expect((await fetch(`${baseUrl}=d`, { headers: auth })).status).toBe(200);
  });

  test('release() deletes the session; then it is gone', async () => {
    const { open, picker } = setup(fake);
    const h = open(sessionId);
    await h.source!.release!();
    await h.source!.release!(); // already deleted: fine
    await expect(picker.get(sessionId)).rejects.toSatisfy(
      (err: unknown) => err instanceof CloudError && err.reason === 'not_found',
    );
  });

  test('the picking page lists the library and its Done button completes the session once', async () => {
    const s = await setup(fake).picker.create();
    const html = await (await fetch(`${s.pickerUri}/autoclose`)).text();
    expect(html).toMatch(/type="checkbox" name="item"/);
    const ids = [...fake.photos.library.keys()].slice(0, 3);
    const done = await fetch(s.pickerUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(ids.map((id): [string, string] => ['item', id])).toString(),
    });
    expect(done.status).toBe(200);
    expect((await fetch(s.pickerUri)).status).toBe(410);
    const got = await setup(fake).picker.get(s.id);
    expect(got.itemCount).toBe(3);
    expect((await collect(setup(fake).open(s.id).source!.list(''))).map((i) => i.id)).toEqual(ids);
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
    expect(results.map((r) => r.size)).toEqual(files.map((f) => f.bytes.length));
    expect(fake.photos.batchCreates.length).toBe(3);
    expect(fake.photos.batchCreates.reduce((a, b) => a + b, 0)).toBe(121);
    expect(fake.photos.albums.size).toBe(1);
    const album = [...fake.photos.albums.values()][0];
    expect(album.title).toBe('Holidays');
    expect(album.items.length).toBe(120);
    expect(fake.photos.appItems.size).toBe(120);
    const byName = new Map([...fake.photos.appItems.values()].map((i) => [i.filename, i]));
    for (const f of files)
      expect((await fake.photos.served(byName.get(f.path.split('/')[1])!.id)).equals(f.bytes)).toBeTruthy();
    expect(await h.destination!.stat(files[0].path)).toBe(null);
  });

  test('restore refuses bytes whose md5 differs from the source, and files that are not media', async () => {
    const h = setup(fake).open();
    const creates = fake.photos.batchCreates.length;
    const bytes = makeJpeg(5);
    await expect(
      h.destination!.put('Holidays/bad.jpg', async () => Readable.from([bytes]), {
        mode: 'create',
        expectedMd5: md5(Buffer.from('other')),
      }),
    ).rejects.toSatisfy((err: unknown) => err instanceof CloudError && err.reason === 'corrupt');
    await expect(
      h.destination!.put('Holidays/notes.txt', async () => Readable.from([Buffer.from('x')]), { mode: 'create' }),
    ).rejects.toSatisfy((err: unknown) => err instanceof CloudError && err.reason === 'failed');
    expect(fake.photos.batchCreates.length).toBe(creates);
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
    // the existing Holidays album was reused
    expect(fake.photos.albums.size).toBe(1);
    const listed = await collect(h.source!.list(''));
    expect(listed.length).toBe(122);
    expect(listed.filter((i) => i.path.startsWith('Holidays/')).length).toBe(121);
    expect(!listed.some((i) => i.path.includes('mine.jpg'))).toBeTruthy();
    const looseItem = listed.find((i) => i.path === 'loose.mp4')!;
    expect(looseItem.mediaType).toBe('video');
    expect(looseItem.fidelity).toBe('original');
    expect((await bytesOf(await h.source!.open(looseItem))).equals(loose)).toBeTruthy();
    const extraItem = listed.find((i) => i.path === 'Holidays/extra.jpg')!;
    expect((await bytesOf(await h.source!.open(extraItem))).equals(extra)).toBeTruthy();
    expect((await collect(h.source!.list('Holidays'))).length).toBe(121);
    await expect(collect(h.source!.list('Nope'))).rejects.toSatisfy(
      (err: unknown) => err instanceof CloudError && err.reason === 'not_found',
    );
    const root = await h.browse('', undefined);
    expect(root.entries.map((e) => `${e.type}:${e.name}`)).toEqual(['folder:Holidays', 'file:loose.mp4']);
    await h.check();
  });

  test('handles of one account restoring one folder at once (copy lanes) make one album', async () => {
    const tokens = memoryTokens(`${fake.url}/token`, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
    const env = testEnv({ endpoints: { googlePhotos: fake.url, googlePicker: fake.url } });
    const handles = [1, 2, 3].map(() => photos.open!({ options: { accountId: 'lanes' }, tokens }, env));
    const files = handles.flatMap((h, lane) =>
      Array.from({ length: 4 }, (_, i) => ({ h, name: `lane${lane}-${i}.jpg`, bytes: makeJpeg(3000 + lane * 10 + i) })),
    );
    await Promise.all(
      files.map(({ h, name, bytes }) =>
        h.destination!.put(`Lanes/${name}`, async () => Readable.from([bytes]), { mode: 'create' }),
      ),
    );
    const albums = [...fake.photos.albums.values()].filter((a) => a.title === 'Lanes');
    expect(albums.length).toBe(1);
    const names = albums[0].items.map((id) => fake.photos.appItems.get(id)!.filename).sort();
    expect(names).toEqual(files.map((f) => f.name).sort());
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
    expect(
      (await h.destination!.put('Holidays/retry.jpg', async () => Readable.from([b]), { mode: 'create' })).size,
    ).toBe(b.length);

    fake.photos.dailyLimit = fake.photos.dailyCount;
    const err = await h
      .destination!.put('Holidays/late.jpg', async () => Readable.from([makeJpeg(1)]), { mode: 'create' })
      .then(
        () => {
          throw new Error('expected rate_limited');
        },
        (e: unknown) => e,
      );
    if (!(err instanceof CloudError)) throw err;
    expect(err.reason).toBe('rate_limited');
    expect(
      err.retryAt && err.retryAt.getTime() > Date.now() && err.retryAt.getTime() <= Date.now() + 25 * 3600_000,
    ).toBeTruthy();
    const la = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/Los_Angeles',
      hourCycle: 'h23',
      hour: '2-digit',
      minute: '2-digit',
    }).format(err.retryAt);
    expect(la).toBe('00:00');
    await expect(collect(h.source!.list(''))).rejects.toSatisfy(
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
    expect(await photos.oauth!.account('tok', env, undefined, { idToken })).toEqual({
      id: '1234567890',
      name: 'a@example.com',
    });
    await expect(photos.oauth!.account('tok', env, undefined, {})).rejects.toSatisfy(
      (err: unknown) => err instanceof CloudError && /did not say which account/.test(err.message),
    );
    expect(jwtPayload('garbage')).toBe(null);
    expect(photos.oauth!.scopes).toContain('openid');
  });

  test('next Pacific midnight', () => {
    // 2025-07-01 10:00 UTC is 03:00 PDT: next midnight is 2025-07-02 07:00 UTC.
    expect(nextPacificMidnight(new Date('2025-07-01T10:00:00Z')).toISOString()).toBe('2025-07-02T07:00:00.000Z');
    // 2025-01-15 07:30 UTC is 23:30 PST on the 14th: midnight is 08:00 UTC on the 15th.
    expect(nextPacificMidnight(new Date('2025-01-15T07:30:00Z')).toISOString()).toBe('2025-01-15T08:00:00.000Z');
    // The night daylight saving ends (2 Nov 2025): midnight of the 3rd is PST, 08:00 UTC.
    expect(nextPacificMidnight(new Date('2025-11-02T12:00:00Z')).toISOString()).toBe('2025-11-03T08:00:00.000Z');
  });
});
