// The S3 connector's retry classifier, on failures as the SDK really throws them.
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { HeadObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
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

/** What an S3 server checks of a request signed with SigV4 (AWS's "Signature Version 4" steps), done here
 *  independently of the SDK: the signature over the headers as they arrived. */
function sigV4Valid(req: { method: string; url: string; headers: http.IncomingHttpHeaders }, secret: string): boolean {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(
    String(req.headers.authorization),
  );
  if (!auth) return false;
  const [, credential, signedHeaders, signature] = auth;
  const [, date, region, service] = credential.split('/');
  const url = new URL(req.url, 'http://x');
  const query = [...url.searchParams]
    .map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const names = signedHeaders.split(';');
  const canonical = [
    req.method,
    url.pathname,
    query,
    ...names.map((n) => `${n}:${String(req.headers[n]).trim()}`),
    '',
    signedHeaders,
    String(req.headers['x-amz-content-sha256']),
  ].join('\n');
  const hmac = (key: string | Buffer, data: string) => crypto.createHmac('sha256', key).update(data).digest();
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = [
    'AWS4-HMAC-SHA256',
    req.headers['x-amz-date'],
    scope,
    crypto.createHash('sha256').update(canonical).digest('hex'),
  ].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  return hmac(key, toSign).toString('hex') === signature;
}

test('an upload over http is signed without hashing its body, and the signature holds for what is sent', async () => {
  // The SDK would SHA-256 each part to sign it; Content-MD5 already protects the body, so the
  // connector signs UNSIGNED-PAYLOAD. An S3-compatible server over http (a NAS's MinIO) checks the
  // signature against the headers it receives: the value sent must be the value signed.
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; bytes: number }[] = [];
  const server = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, bytes });
      res.setHeader('ETag', '"0"');
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  try {
    const secret = 'the secret key';
    const s3 = createS3Client(
      {
        endpoint: `http://127.0.0.1:${port}`,
        region: 'eu-central-1',
        bucket: 'ferry-test',
        accessKeyId: 'k',
        secretAccessKey: secret,
        forcePathStyle: true,
      },
      testEnv(),
    );
    const body = crypto.randomBytes(256 * 1024);
    const md5 = crypto.createHash('md5').update(body).digest('base64');
    await s3.send(
      new UploadPartCommand({
        Bucket: 'ferry-test',
        Key: 'a/b c.jpg',
        UploadId: 'up',
        PartNumber: 3,
        Body: body,
        ContentLength: body.length,
        ContentMD5: md5,
      }),
    );
    await s3.send(new HeadObjectCommand({ Bucket: 'ferry-test', Key: 'a/b c.jpg' }));
    const [put, head] = seen;
    expect(put.bytes).toBe(body.length);
    expect(put.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(sigV4Valid(put, secret)).toBe(true);
    // Without a Content-MD5 the payload stays signed (here, the empty body's hash).
    expect(head.headers['x-amz-content-sha256']).toBe(crypto.createHash('sha256').update('').digest('hex'));
    expect(sigV4Valid(head, secret)).toBe(true);
    // The check can fail: a header changed after signing is caught.
    expect(sigV4Valid({ ...put, headers: { ...put.headers, 'content-md5': 'x' } }, secret)).toBe(false);
  } finally {
    server.close();
  }
});
