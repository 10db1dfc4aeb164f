import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from '@jest/globals';
import { classify, multipartEtag, partSizeFor } from '../../connectors/s3/index.ts';
import { backoffMs, createPacer, retryAfterMs } from '../../connectors/lib/pacer.ts';
import { destinationPath, renamed, selected } from '../../services/worker/runs/select.ts';
import type { SourceItem } from '../../connectors/types.ts';

const MiB = 1024 * 1024;

test('S3 part sizes: at least 8 MiB, under 10,000 parts up to 5 TB, within the 5 GiB part limit', () => {
  assert.equal(partSizeFor(undefined), 16 * MiB);
  assert.equal(partSizeFor(1), 8 * MiB);
  assert.equal(partSizeFor(2 * 1024 * MiB), 8 * MiB);
  for (const size of [150e9, 1e12, 5e12, 5 * 2 ** 40]) {
    const part = partSizeFor(size);
    assert.ok(Math.ceil(size / part) <= 10_000, `${size}: ${Math.ceil(size / part)} parts`);
    assert.ok(part <= 5 * 1024 * MiB);
    assert.equal(part % MiB, 0);
  }
});

test('multipart ETag as S3 computes it: md5 of the parts’ binary md5s, then the part count', () => {
  const md5 = (b: Buffer) => crypto.createHash('md5').update(b).digest();
  const parts = [Buffer.from('a'), Buffer.from('b')];
  const expected = `${md5(Buffer.concat(parts.map(md5))).toString('hex')}-2`;
  assert.equal(multipartEtag(parts.map((p) => md5(p).toString('hex'))), expected);
});

test('S3 retry classifier: throttling and 5xx retry, honouring Retry-After; client errors do not', () => {
  assert.deepEqual(
    classify({ name: 'SlowDown', $metadata: { httpStatusCode: 503 }, $response: { headers: { 'retry-after': '3' } } }),
    { retry: true, afterMs: 3000 },
  );
  assert.equal(classify({ name: 'TooManyRequests', $metadata: { httpStatusCode: 429 } }).retry, true);
  assert.equal(classify({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }).retry, false);
  assert.equal(classify(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).retry, true);
  assert.equal(classify(new Error('some bug')).retry, false);
});

test('Retry-After in seconds or as a date; backoff grows with jitter and stays under its cap', () => {
  assert.equal(retryAfterMs('2'), 2000);
  assert.equal(retryAfterMs(new Date(Date.now() + 5000).toUTCString())! > 3000, true);
  assert.equal(retryAfterMs('soon'), undefined);
  for (let n = 0; n < 10; n++) {
    const d = backoffMs(n, 100, 5000);
    assert.ok(d >= Math.min(5000, 100 * 2 ** n) / 2 && d <= Math.min(5000, 100 * 2 ** n));
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
  assert.equal(out, 'ok');
  assert.equal(calls, 3);
  assert.ok(Date.now() - t0 >= 100);
  calls = 0;
  await assert.rejects(
    pacer.call(async () => {
      calls++;
      throw new Error('fatal');
    }),
    /fatal/,
  );
  assert.equal(calls, 1);
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
  assert.equal(selected(item('a/b.jpg'), { include: ['**/*.jpg'] }), true);
  assert.equal(selected(item('a/b.png'), { include: ['**/*.jpg'] }), false);
  assert.equal(selected(item('a/.DS_Store'), { exclude: ['**/.DS_Store'] }), false);
  assert.equal(selected(item('x.mp4', { mediaType: 'video' }), { mediaTypes: ['photo'] }), false);
  assert.equal(selected(item('x'), { minSize: 101 }), false);
  assert.equal(selected(item('x'), { maxSize: 100 }), true);
  assert.equal(selected(item('x'), { after: '2021-03-04' }), true);
  assert.equal(selected(item('x'), { before: '2021-03-04' }), false);
});

test('layout templates fill from the item and stay inside the destination folder', () => {
  assert.equal(
    destinationPath(item('2021/trip/IMG_1.JPG'), 'backup', '{yyyy}/{mm}/{dd}/{name}'),
    'backup/2021/03/04/IMG_1.JPG',
  );
  assert.equal(destinationPath(item('trip/IMG_1.JPG'), 'b', '{dir}/{stem}.{ext}'), 'b/trip/IMG_1.JPG');
  assert.equal(destinationPath(item('trip/IMG_1.JPG'), '', undefined), 'trip/IMG_1.JPG');
  assert.equal(destinationPath(item('../../etc/passwd'), 'b', undefined), 'b/etc/passwd');
  assert.equal(renamed('a/b.jpg', 2), 'a/b (2).jpg');
});
