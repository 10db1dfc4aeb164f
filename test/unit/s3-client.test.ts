// The S3 connector's retry classifier, on failures as the SDK really throws them.
import net from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect, test } from '@jest/globals';
import { classify, createS3Client } from '../../connectors/s3/client.ts';
import { testEnv } from '../support/env.ts';

test('a connection the endpoint drops is retried, also where the SDK kept only the error text', async () => {
  // Inside Jest the SDK runs in a realm of its own and wraps Node's socket errors into
  // "AWS SDK error wrapper for …", losing their code: the classifier must still see a network failure.
  // It reads the request's first bytes, then resets the connection while the body is being written.
  const server = net.createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  try {
    const s3 = createS3Client(
      {
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        bucket: 'ferry-test',
        accessKeyId: 'k',
        secretAccessKey: 's',
        forcePathStyle: true,
      },
      testEnv(),
    );
    const body = Buffer.alloc(8 * 1024 * 1024);
    const err = await s3
      .send(new PutObjectCommand({ Bucket: 'ferry-test', Key: 'a', Body: body, ContentLength: body.length }))
      .catch((e: unknown) => e);
    expect(classify(err).retry).toBe(true);
  } finally {
    server.close();
  }
});

test('the text of a wrapped Node error is read back', () => {
  expect(classify(new Error('AWS SDK error wrapper for TimeoutError: write EPIPE')).retry).toBe(true);
  expect(classify(new Error('AWS SDK error wrapper for Error: read ECONNRESET')).retry).toBe(true);
  expect(classify(new Error('AWS SDK error wrapper for RangeError: out of range')).retry).toBe(false);
});
