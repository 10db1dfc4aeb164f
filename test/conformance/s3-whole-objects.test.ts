// The test S3 server shows objects as S3 does (test/support/s3rver-main.ts): whole once their upload
// completed, and never the part of a PUT that was cut off. s3rver alone wrote in place, so that a
// worker stopped mid-upload left a truncated object where a good copy was, and a reader meanwhile
// got part of a file: neither happens on S3, and the engine must not be tested against them.
import http from 'node:http';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startS3, type TestS3 } from '../support/s3.ts';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3?.close();
});

/** A PUT that announces `length` bytes, sends `sent` of them, and hangs up. */
async function cutOffPut(key: string, length: number, sent: number): Promise<void> {
  const url = new URL(`${s3.endpoint}/${s3.bucket}/${key}`);
  await new Promise<void>((resolve) => {
    const req = http.request(url, { method: 'PUT', headers: { 'content-length': length } });
    req.on('error', () => resolve());
    req.write(Buffer.alloc(sent, 7), () => setTimeout(() => (req.destroy(), resolve()), 200));
  });
  // The server notices the hang-up on its own time.
  await new Promise((r) => setTimeout(r, 300));
}

const bytesAt = async (key: string) => {
  const got = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
};

test('a PUT cut off midway leaves the object that was there, and no new one', async () => {
  const good = Buffer.from('fourteen years of photos');
  await s3.client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'a.jpg', Body: good }));
  await cutOffPut('a.jpg', 1024 * 1024, 64 * 1024);
  expect(await bytesAt('a.jpg')).toEqual(good);
  const head = await s3.client().send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'a.jpg' }));
  expect(head.ContentLength).toBe(good.length);

  await cutOffPut('b.jpg', 1024 * 1024, 64 * 1024);
  await expect(s3.client().send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'b.jpg' }))).rejects.toMatchObject({
    name: 'NotFound',
  });
  const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket }));
  expect((listed.Contents ?? []).map((o) => o.Key)).toEqual(['a.jpg']);
});
