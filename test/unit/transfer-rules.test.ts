import crypto from 'node:crypto';
import { expect, test } from '@jest/globals';
import { classify } from '../../connectors/s3/client.ts';
import { multipartEtag, partSizeFor } from '../../connectors/s3/upload.ts';
import { backoffMs, createPacer, retryAfterMs } from '../../connectors/lib/pacer.ts';
import { destinationPath, renamed, selected } from '../../services/worker/runs/select.ts';
import type { SourceItem } from '../../connectors/types.ts';

const MiB = 1024 * 1024;

test('S3 part sizes: at least 8 MiB, under 10,000 parts up to 5 TB, within the 5 GiB part limit', () => {
  expect(partSizeFor(undefined)).toBe(16 * MiB);
  expect(partSizeFor(1)).toBe(8 * MiB);
  expect(partSizeFor(2 * 1024 * MiB)).toBe(8 * MiB);
  for (const size of [150e9, 1e12, 5e12, 5 * 2 ** 40]) {
    const part = partSizeFor(size);
    expect(Math.ceil(size / part)).toBeLessThanOrEqual(10_000);
    expect(part).toBeLessThanOrEqual(5 * 1024 * MiB);
    expect(part % MiB).toBe(0);
  }
});

test('multipart ETag as S3 computes it: md5 of the parts’ binary md5s, then the part count', () => {
  const md5 = (b: Buffer) => crypto.createHash('md5').update(b).digest();
  const parts = [Buffer.from('a'), Buffer.from('b')];
  const expected = `${md5(Buffer.concat(parts.map(md5))).toString('hex')}-2`;
  expect(multipartEtag(parts.map((p) => md5(p).toString('hex')))).toBe(expected);
});

test('S3 retry classifier: throttling and 5xx retry, honouring Retry-After; client errors do not', () => {
  expect(
    classify({ name: 'SlowDown', $metadata: { httpStatusCode: 503 }, $response: { headers: { 'retry-after': '3' } } }),
  ).toEqual({ retry: true, afterMs: 3000 });
  expect(classify({ name: 'TooManyRequests', $metadata: { httpStatusCode: 429 } }).retry).toBe(true);
  expect(classify({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }).retry).toBe(false);
  expect(classify(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).retry).toBe(true);
  expect(classify(new Error('some bug')).retry).toBe(false);
});

test('Retry-After in seconds or as a date; backoff grows with jitter and stays under its cap', () => {
  expect(retryAfterMs('2')).toBe(2000);
  expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString())! > 3000).toBe(true);
  expect(retryAfterMs('soon')).toBe(undefined);
  for (let n = 0; n < 10; n++) {
    const d = backoffMs(n, 100, 5000);
    expect(d >= Math.min(5000, 100 * 2 ** n) / 2 && d <= Math.min(5000, 100 * 2 ** n)).toBeTruthy();
  }
});

test('the pacer retries what its classifier allows, waiting what the provider asked', async () => {
  let calls = 0;
  const pacer = createPacer({
    classify: (e) => ({ retry: (e as Error).message === 'busy', afterMs: 50 }),
    attempts: 4,
  });
  const t0 = Date.now();
  const out = await pacer.call(async () => {
    if (++calls < 3) throw new Error('busy');
    return 'ok';
  });
  expect(out).toBe('ok');
  expect(calls).toBe(3);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
  calls = 0;
  await expect(
    pacer.call(async () => {
      calls++;
      throw new Error('fatal');
    }),
  ).rejects.toThrow(/fatal/);
  expect(calls).toBe(1);
});

const item = (p: string, extra: Partial<SourceItem> = {}): SourceItem => ({
  id: p,
  path: p,
  size: 100,
  modifiedAt: '2021-03-04T05:06:07Z',
  mediaType: 'photo',
  version: 'v',
  ...extra,
});

test('filters: globs, media types, sizes and dates', () => {
  expect(selected(item('a/b.jpg'), { include: ['**/*.jpg'] })).toBe(true);
  expect(selected(item('a/b.png'), { include: ['**/*.jpg'] })).toBe(false);
  expect(selected(item('a/.DS_Store'), { exclude: ['**/.DS_Store'] })).toBe(false);
  expect(selected(item('x.mp4', { mediaType: 'video' }), { mediaTypes: ['photo'] })).toBe(false);
  expect(selected(item('x'), { minSize: 101 })).toBe(false);
  expect(selected(item('x'), { maxSize: 100 })).toBe(true);
  expect(selected(item('x'), { after: '2021-03-04' })).toBe(true);
  expect(selected(item('x'), { before: '2021-03-04' })).toBe(false);
});

test('layout templates fill from the item and stay inside the destination folder', () => {
  expect(destinationPath(item('2021/trip/IMG_1.JPG'), 'backup', '{yyyy}/{mm}/{dd}/{name}')).toBe(
    'backup/2021/03/04/IMG_1.JPG',
  );
  expect(destinationPath(item('trip/IMG_1.JPG'), 'b', '{dir}/{stem}.{ext}')).toBe('b/trip/IMG_1.JPG');
  expect(destinationPath(item('trip/IMG_1.JPG'), '', undefined)).toBe('trip/IMG_1.JPG');
  expect(destinationPath(item('../../etc/passwd'), 'b', undefined)).toBe('b/etc/passwd');
  expect(renamed('a/b.jpg', 2)).toBe('a/b (2).jpg');
});
