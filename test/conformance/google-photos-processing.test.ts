// Google Photos: a video Google is still processing. From the Picker, open() waits for it (listing
// the session again, backing off), says so through onWaiting, and gives its bytes once READY; one
// listing serves every video waiting; FAILED fails at once; past the bound it fails with the reason;
// an abort ends the wait at once. The Library source (videos Ferry uploaded) waits the same way.
// Against the emulator (test/fakes/google/photos.ts), with a short bound and short polls.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import photos from '../../connectors/google-photos/index.ts';
import { ProcessingDeadlines, processingWait } from '../../connectors/google-photos/picker.ts';
import { CloudError, type CloudHandle } from '../../connectors/types.ts';
import { startGoogleFake, type GoogleFake } from '../fakes/google.ts';
import { makeJpeg, makeMp4 } from '../fakes/google/media.ts';
import { memoryTokens } from '../fakes/oauth.ts';
import { testEnv } from '../support/env.ts';
import { pickerOf } from '../support/picker.ts';
import { labelled } from '../support/labelled.ts';

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

type Wait = { reason: string; until: string } | null;

describe('google-photos: a picked video still processing', () => {
  let fake: GoogleFake;
  let open: () => CloudHandle;
  let sessionId = '';
  const videos: string[] = [];
  let photo = '';

  beforeAll(async () => {
    fake = await startGoogleFake();
    photo = await fake.photos.addMedia({ filename: 'IMG_0001.jpg', bytes: makeJpeg(1, 2000) });
    for (let i = 0; i < 6; i++)
      videos.push(
        await fake.photos.addMedia({ filename: `VID_${i}.mp4`, bytes: makeMp4(100 + i, 30_000), type: 'VIDEO' }),
      );
    const tokens = memoryTokens(`${fake.url}/token`, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
    const env = testEnv({ endpoints: { googlePhotos: fake.url, googlePicker: fake.url } });
    const handle = (session?: string): CloudHandle =>
      photos.open!({ options: {}, tokens, pickerSessionId: session }, env);
    sessionId = (await pickerOf({ options: {}, tokens }, env).create()).id;
    fake.photos.pick(sessionId, [photo, ...videos]);
    open = () => handle(sessionId);
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    Object.assign(processingWait, { boundMs: 3_000, firstPollMs: 50, maxPollMs: 200 });
    for (const v of videos) fake.photos.setProcessing(v, 'READY');
  });
  const listings = () => fake.photos.listings.get(sessionId) ?? 0;

  test('open() waits, saying why and until when, and gives the bytes once Google is done', async () => {
    fake.photos.readyAfterListings(videos[0], 3);
    const waits: Wait[] = [];
    const started = Date.now();
    const got = await bytesOf(await open().source!.open({ id: videos[0] }, { onWaiting: (w) => waits.push(w) }));
    // the processed video
    expect(got.equals(await fake.photos.served(videos[0]))).toBeTruthy();
    expect(waits.length).toBe(2);
    expect(waits[0]!.reason).toMatch(/still processing/);
    const until = Date.parse(waits[0]!.until);
    expect(until >= started + 3_000 && until <= Date.now() + 3_000).toBeTruthy();
    // the wait is over
    expect(waits[1]).toBe(null);
  });

  test('one listing of the session serves every video waiting in it', async () => {
    for (const v of videos) fake.photos.setProcessing(v, 'PROCESSING');
    Object.assign(processingWait, { firstPollMs: 100, maxPollMs: 100 });
    const source = open().source!;
    const before = listings();
    const opened = videos.map((id) => source.open({ id }));
    await new Promise((r) => setTimeout(r, 1_000));
    for (const v of videos) fake.photos.setProcessing(v, 'READY');
    const streams = await Promise.all(opened);
    for (const [i, s] of streams.entries())
      expect((await bytesOf(s)).equals(await fake.photos.served(videos[i]))).toBeTruthy();
    // Polls every 50–100 ms for a second: about 15 listings shared, about 6 × 15 if each video polled alone.
    const n = listings() - before;
    expect(n >= 5 && n <= 30).toBeTruthy();
  });

  test('a video Google failed to process fails at once, with the reason', async () => {
    fake.photos.setProcessing(videos[1], 'FAILED');
    const waits: Wait[] = [];
    const started = Date.now();
    await expect(open().source!.open({ id: videos[1] }, { onWaiting: (w) => waits.push(w) })).rejects.toSatisfy(
      (err: unknown) => err instanceof CloudError && err.reason === 'failed' && /failed to process/.test(err.message),
    );
    // no wait
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(waits).toEqual([]);
  });

  test('one still processing past the bound fails with the reason; opened again, it does not wait again', async () => {
    Object.assign(processingWait, { boundMs: 600 });
    fake.photos.setProcessing(videos[2], 'PROCESSING');
    const source = open().source!;
    const waits: Wait[] = [];
    const started = Date.now();
    const stillProcessing = (err: unknown) =>
      err instanceof CloudError &&
      err.reason === 'failed' &&
      /still being processed by Google Photos; a later run copies it/.test(err.message);
    await expect(source.open({ id: videos[2] }, { onWaiting: (w) => waits.push(w) })).rejects.toSatisfy(
      stillProcessing,
    );
    // waited the bound
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect([waits.length, waits[1]]).toEqual([2, null]);
    const again = Date.now();
    await expect(source.open({ id: videos[2] })).rejects.toSatisfy(stillProcessing);
    // the item had its wait
    expect(Date.now() - again).toBeLessThan(300);
    // Once Google is done, it is copied.
    fake.photos.setProcessing(videos[2], 'READY');
    expect(
      (await bytesOf(await open().source!.open({ id: videos[2] }))).equals(await fake.photos.served(videos[2])),
    ).toBeTruthy();
  });

  test("a video's wait is forgotten once it is downloaded: a later wait for it is a new one", async () => {
    Object.assign(processingWait, { boundMs: 600, firstPollMs: 50, maxPollMs: 100 });
    const source = open().source!;
    const waitsAgain = async () => {
      fake.photos.setProcessing(videos[5], 'PROCESSING');
      const waits: Wait[] = [];
      const opening = source.open({ id: videos[5] }, { onWaiting: (w) => waits.push(w) });
      await new Promise((r) => setTimeout(r, 200));
      fake.photos.setProcessing(videos[5], 'READY');
      expect((await bytesOf(await opening)).equals(await fake.photos.served(videos[5]))).toBeTruthy();
      // it waited
      expect(waits.length).toBe(2);
    };
    await waitsAgain();
    // Past the first wait's end: had it been kept, the next wait would be over before it began.
    await new Promise((r) => setTimeout(r, 700));
    await waitsAgain();
  });

  test('the waits kept are bounded: the oldest goes first', () => {
    const d = new ProcessingDeadlines(3);
    for (const id of ['a', 'b', 'c', 'd']) d.of(id);
    expect(d.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((id) => d.has(id))).toEqual([false, true, true, true]);
    const kept = d.of('b');
    // a kept wait keeps its end
    expect(d.of('b')).toBe(kept);
    d.end('b');
    expect(d.size).toBe(2);
  });

  test('an abort ends the wait at once and the polling with it', async () => {
    Object.assign(processingWait, { boundMs: 60_000, firstPollMs: 50, maxPollMs: 100 });
    fake.photos.setProcessing(videos[3], 'PROCESSING');
    const ac = new AbortController();
    const waits: Wait[] = [];
    const opening = open().source!.open({ id: videos[3] }, { signal: ac.signal, onWaiting: (w) => waits.push(w) });
    await new Promise((r) => setTimeout(r, 400));
    const polled = listings();
    const aborted = Date.now();
    ac.abort(new Error('run cancelled'));
    await expect(opening).rejects.toThrow(/run cancelled/);
    // at once
    expect(Date.now() - aborted).toBeLessThan(200);
    expect([waits.length, waits[1]]).toEqual([2, null]);
    await new Promise((r) => setTimeout(r, 400));
    // no more polling
    expect(listings()).toBeLessThanOrEqual(polled + 1);
  });
});

describe('google-photos: a video Ferry uploaded, still processing, read through the Library API', () => {
  let fake: GoogleFake;
  let handle: () => CloudHandle;
  beforeAll(async () => {
    fake = await startGoogleFake();
    const tokens = memoryTokens(`${fake.url}/token`, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
    const env = testEnv({ endpoints: { googlePhotos: fake.url, googlePicker: fake.url } });
    handle = () => photos.open!({ options: {}, tokens }, env);
  });
  afterAll(() => fake.close());

  test('open() waits until Google is done, then gives the bytes; past the bound it fails with the reason', async () => {
    Object.assign(processingWait, { boundMs: 3_000, firstPollMs: 50, maxPollMs: 200 });
    const bytes = makeMp4(7, 20_000);
    const h = handle();
    await h.destination!.put('Clips/clip.mp4', async () => Readable.from([bytes]), {
      mode: 'create',
      size: bytes.length,
    });
    const [item] = [...fake.photos.appItems.values()];
    fake.photos.setAppProcessing(item.id, 'PROCESSING');
    const waits: Wait[] = [];
    const opening = h.source!.open({ id: item.id }, { onWaiting: (w) => waits.push(w) });
    await new Promise((r) => setTimeout(r, 400));
    fake.photos.setAppProcessing(item.id, 'READY');
    expect((await bytesOf(await opening)).equals(bytes)).toBeTruthy();
    expect(waits.length).toBe(2);
    expect(waits[0]!.reason).toMatch(/still processing/);
    expect(waits[1]).toBe(null);

    Object.assign(processingWait, { boundMs: 500 });
    fake.photos.setAppProcessing(item.id, 'PROCESSING');
    await expect(handle().source!.open({ id: item.id })).rejects.toSatisfy(
      (err: unknown) =>
        err instanceof CloudError &&
        err.reason === 'failed' &&
        /still being processed by Google Photos; a later run copies it/.test(err.message),
    );
    fake.photos.setAppProcessing(item.id, 'FAILED');
    const started = Date.now();
    await expect(handle().source!.open({ id: item.id })).rejects.toSatisfy(
      (err: unknown) => err instanceof CloudError && /failed to process/.test(err.message),
    );
    // no wait
    expect(Date.now() - started).toBeLessThan(400);

    // One source: a wait that ran out is kept (opened again, it does not wait again) until the
    // video fails or is downloaded; then a later wait for it is a new one.
    const one = handle().source!;
    fake.photos.setAppProcessing(item.id, 'PROCESSING');
    await expect(one.open({ id: item.id })).rejects.toThrow(/still being processed/);
    const again = Date.now();
    await expect(one.open({ id: item.id })).rejects.toThrow(/still being processed/);
    // not waited again
    expect(Date.now() - again).toBeLessThan(300);
    fake.photos.setAppProcessing(item.id, 'FAILED');
    await expect(one.open({ id: item.id })).rejects.toThrow(/failed to process/);
    for (const [label, ending] of [
      ['after it failed', 'READY'],
      ['after it was downloaded', 'READY'],
    ] as const) {
      fake.photos.setAppProcessing(item.id, 'PROCESSING');
      await labelled(label, async () => {
        const waited: Wait[] = [];
        const reopening = one.open({ id: item.id }, { onWaiting: (w) => waited.push(w) });
        await new Promise((r) => setTimeout(r, 200));
        fake.photos.setAppProcessing(item.id, ending);
        expect((await bytesOf(await reopening)).equals(bytes)).toBeTruthy();
        expect(waited.length).toBe(2);
        await new Promise((r) => setTimeout(r, 600)); // past the wait's end
      });
    }
  });
});
