// Google Photos uploads when the access token goes stale, against its emulator: a file's bytes go
// up as a stream that cannot be sent twice, so after the one refresh a 401 brings, the file is read
// again and sent whole; a revoked sign-in fails the upload as a reconnect, and nothing is created.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import photos from '../../connectors/google-photos/index.ts';
import { CloudError, type Destination } from '../../connectors/types.ts';
import { type GoogleFake, startGoogleFake } from '../fakes/google.ts';
import { memoryTokens } from '../fakes/oauth.ts';
import { testEnv } from '../support/env.ts';

let fake: GoogleFake;
let tokens: ReturnType<typeof memoryTokens>;
let destination: Destination;

beforeAll(async () => {
  fake = await startGoogleFake();
  tokens = memoryTokens(`${fake.url}/token`, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
  const env = testEnv({ endpoints: { googlePhotos: fake.url, googlePicker: fake.url } });
  destination = photos.open!({ options: {}, tokens }, env).destination!;
});

afterAll(() => fake?.close());

/** The bytes of the item Photos created under this name, as Photos stores them. */
async function stored(fileName: string): Promise<Buffer[]> {
  const items = [...fake.photos.appItems.values()].filter((it) => it.filename === fileName);
  return Promise.all(items.map((it) => fs.readFile(it.file)));
}

/** The file as open() gives it, in chunks, counting how often it is read. */
function source(data: Buffer) {
  const s = {
    opened: 0,
    open: async (offset: number) => {
      s.opened++;
      const chunks = [];
      for (let at = offset; at < data.length; at += 64 * 1024) chunks.push(data.subarray(at, at + 64 * 1024));
      return Readable.from(chunks);
    },
  };
  return s;
}

test('a token expired before an upload is refreshed once; the file is read and sent again whole', async () => {
  const data = crypto.randomBytes(700_000);
  const file = source(data);
  const refreshes = tokens.refreshes;
  fake.oauth.expireAccessTokens();
  // In no album: the upload is the first request to meet the stale token.
  const put = await destination.put('a.jpg', file.open, {
    mode: 'create',
    size: data.length,
    expectedMd5: crypto.hash('md5', data),
  });
  expect(put.size).toBe(data.length);
  expect(tokens.refreshes - refreshes).toBe(1);
  expect(file.opened).toBe(2);
  const copies = await stored('a.jpg');
  expect(copies).toHaveLength(1);
  expect(copies[0].equals(data)).toBe(true);
});

test('a revoked sign-in fails the upload as one to reconnect; nothing is created', async () => {
  const data = crypto.randomBytes(10_000);
  fake.oauth.revoke();
  await expect(destination.put('b.jpg', source(data).open, { mode: 'create', size: data.length })).rejects.toSatisfy(
    (err: unknown) => err instanceof CloudError && err.reason === 'unauthorized' && /reconnect/i.test(err.message),
  );
  expect(await stored('b.jpg')).toHaveLength(0);
});
