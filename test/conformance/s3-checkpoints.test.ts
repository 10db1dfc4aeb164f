// A multipart upload to S3 and its checkpoint: the upload a checkpoint holds is the item's, for its
// next claim to resume; one the checkpoint never got (its save failed because the claim was lost
// meanwhile, a worker woken from a freeze) is known to nobody else, and is aborted when the put
// fails rather than left open, costing storage for ever; and one an earlier attempt left open on the
// key goes once a new upload is checkpointed, whether or not that one gets as far as its commit.
import { Readable } from 'node:stream';
import crypto from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
} from '@aws-sdk/client-s3';
import s3 from '../../connectors/s3/index.ts';
import type { CloudHandle } from '../../connectors/types.ts';
import { testEnv } from '../support/env.ts';
import { startS3, type TestS3 } from '../support/s3.ts';

const MiB = 1024 * 1024;
let server: TestS3;
let h: CloudHandle;

beforeAll(async () => {
  server = await startS3();
  const env = testEnv();
  const options = await s3.prepare!({ ...server.options(), prefix: 'root/' } as never, env);
  h = s3.open!({ options }, env);
});
afterAll(async () => {
  await server?.close();
});

const openUploads = async () =>
  ((await server.client().send(new ListMultipartUploadsCommand({ Bucket: server.bucket }))).Uploads ?? []).map((u) => ({
    key: u.Key,
    uploadId: u.UploadId,
  }));

test('an upload whose checkpoint could not be saved (the claim was lost) is aborted when the put fails', async () => {
  const data = crypto.randomBytes(20 * MiB);
  const put = h.destination!.put('lost/video.mp4', async () => Readable.from([data]), {
    mode: 'create',
    size: data.length,
    checkpoint: {
      state: null,
      save: async () => {
        throw new Error('Another worker took this item over: this one held it past its lease.');
      },
    },
  });
  await expect(put).rejects.toThrow('Another worker took this item over');
  expect(await openUploads()).toEqual([]);
});

test('an upload its checkpoint holds is left open when the put fails, for the next claim to resume', async () => {
  const saved: Array<{ uploadId: string }> = [];
  // The source fails after two parts (a download cut off): the upload is resumable from its checkpoint.
  const source = Readable.from(
    (async function* () {
      yield crypto.randomBytes(16 * MiB);
      throw new Error('connection reset while reading the source');
    })(),
  );
  const put = h.destination!.put('kept/video.mp4', async () => source, {
    mode: 'create',
    size: 20 * MiB,
    checkpoint: { state: null, save: async (s) => void saved.push(s as { uploadId: string }) },
  });
  await expect(put).rejects.toThrow('connection reset');
  const [upload] = await openUploads();
  expect(upload).toEqual({ key: 'root/kept/video.mp4', uploadId: saved.at(-1)!.uploadId });
  await server
    .client()
    .send(new AbortMultipartUploadCommand({ Bucket: server.bucket, Key: upload.key, UploadId: upload.uploadId }));
});

test('an upload an earlier attempt left open on the key is aborted before a new one starts', async () => {
  // A worker killed between its create and its checkpoint: its upload's id is known to nobody.
  const key = 'root/again/video.mp4';
  const { UploadId: stray } = await server
    .client()
    .send(new CreateMultipartUploadCommand({ Bucket: server.bucket, Key: key }));
  // The next attempt is cut off in its turn (its source fails after two parts), before the commit
  // whose clean-up would have found the stray: only its own upload, which its checkpoint holds, is left.
  const saved: Array<{ uploadId: string }> = [];
  const source = Readable.from(
    (async function* () {
      yield crypto.randomBytes(16 * MiB);
      throw new Error('connection reset while reading the source');
    })(),
  );
  const put = h.destination!.put('again/video.mp4', async () => source, {
    mode: 'create',
    size: 20 * MiB,
    checkpoint: { state: null, save: async (s) => void saved.push(s as { uploadId: string }) },
  });
  await expect(put).rejects.toThrow('connection reset');
  const ours = saved.at(-1)!.uploadId;
  expect(ours).not.toBe(stray);
  expect(await openUploads()).toEqual([{ key, uploadId: ours }]);
  await server.client().send(new AbortMultipartUploadCommand({ Bucket: server.bucket, Key: key, UploadId: ours }));
});
