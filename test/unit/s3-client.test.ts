// The S3 connector's retry classifier, on failures as the SDK really throws them, and its direct
// requests (direct.ts) against what the SDK sends and how it fails.
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { HeadObjectCommand, PutObjectCommand, S3ServiceException, UploadPartCommand } from '@aws-sdk/client-s3';
import { expect, test } from '@jest/globals';
import {
  classify,
  createS3Client,
  isPreconditionFailed,
  openBucket,
  toCloudError,
} from '../../connectors/s3/client.ts';
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

// ---- the direct requests (direct.ts): HeadObject and PutObject without the SDK's stack ----------

/** A server that records each request and answers with `answer` (status, headers, body). */
async function recorder(answer: (req: http.IncomingMessage) => { status: number; headers?: object; body?: string }) {
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }[] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(parts) });
      const a = answer(req);
      res.writeHead(a.status, { ETag: '"e"', ...a.headers });
      res.end(req.method === 'HEAD' ? undefined : a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return { seen, port, close: () => new Promise((r) => server.close(r)) };
}

const bucketOn = (port: number, env = testEnv(), host = '127.0.0.1') =>
  openBucket(
    {
      endpoint: `http://${host}:${port}`,
      region: 'eu-central-1',
      bucket: 'ferry-test',
      accessKeyId: 'k',
      secretAccessKey: 'the secret key',
      forcePathStyle: true,
    },
    env,
  );

test('a direct PutObject and HeadObject are the requests the SDK sends, validly signed', async () => {
  // A HEAD's answer says the object's length; it has no body to match it.
  const server = await recorder((req) => ({
    status: 200,
    headers: req.method === 'HEAD' ? { 'Content-Length': '3' } : {},
  }));
  try {
    const bucket = bucketOn(server.port);
    const Key = "a b/c+d/é!'()*~ 100%.jpg";
    const body = crypto.randomBytes(1000);
    const fields = {
      ContentMD5: crypto.createHash('md5').update(body).digest('base64'),
      Metadata: { mtime: '2020-01-02T03:04:05.000Z' },
      IfNoneMatch: '*',
      ObjectLockMode: 'GOVERNANCE' as const,
      ObjectLockRetainUntilDate: new Date('2030-01-02T03:04:05Z'),
    };
    expect(await bucket.direct!.put(Key, body, fields)).toEqual({ ETag: '"e"' });
    expect(await bucket.direct!.head(Key)).toEqual({ ETag: '"e"', ContentLength: 3 });
    await bucket.s3.send(
      new PutObjectCommand({ Bucket: 'ferry-test', Key, Body: body, ContentLength: body.length, ...fields }),
    );
    await bucket.s3.send(new HeadObjectCommand({ Bucket: 'ferry-test', Key }));
    const [put, head, sdkPut, sdkHead] = server.seen;
    // What S3 acts on: the method, the path, the body and every header but the SDK's own telemetry
    // and the signature's date; then the signature itself, checked independently of the SDK.
    const acted = (r: (typeof server.seen)[number]) => ({
      method: r.method,
      url: r.url,
      body: r.body.toString('hex'),
      headers: Object.fromEntries(
        Object.entries(r.headers).filter(
          ([n]) => !/^(authorization|x-amz-date|user-agent|x-amz-user-agent|amz-sdk-.*|connection)$/.test(n),
        ),
      ),
    });
    expect(acted(put)).toEqual(acted(sdkPut));
    expect(acted(head)).toEqual(acted(sdkHead));
    expect(put.url).toBe('/ferry-test/a%20b/c%2Bd/%C3%A9%21%27%28%29%2A~%20100%25.jpg?x-id=PutObject');
    expect(put.headers['x-amz-object-lock-retain-until-date']).toBe('2030-01-02T03:04:05Z');
    expect(sigV4Valid(put, 'the secret key')).toBe(true);
    expect(sigV4Valid(head, 'the secret key')).toBe(true);
    expect(sigV4Valid({ ...put, headers: { ...put.headers, 'if-none-match': 'x' } }, 'the secret key')).toBe(false);
  } finally {
    await server.close();
  }
});

test('a direct request fails as the SDK would fail: the same error, judged the same way', async () => {
  const answers: Record<string, { status: number; headers?: object; body?: string }> = {
    '/ferry-test/slow': {
      status: 503,
      headers: { 'Retry-After': '7' },
      body: '<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>',
    },
    '/ferry-test/denied': {
      status: 403,
      body: '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
    },
    '/ferry-test/taken': { status: 412, body: '<Error><Code>PreconditionFailed</Code></Error>' },
    '/ferry-test/missing': { status: 404 },
  };
  const server = await recorder((req) => answers[new URL(req.url!, 'http://x').pathname]);
  try {
    const bucket = bucketOn(server.port);
    const put = (Key: string) => bucket.direct!.put(Key, Buffer.from('x'), { ContentMD5: 'x' }).catch((e) => e);
    const slow = await put('slow');
    expect(slow).toBeInstanceOf(S3ServiceException);
    expect(slow).toMatchObject({ name: 'SlowDown', message: 'Reduce your request rate.' });
    expect(classify(slow)).toEqual({ retry: true, afterMs: 7000 });
    const denied = await put('denied');
    expect(classify(denied).retry).toBe(false);
    expect(toCloudError(denied, { bucket: 'ferry-test', region: 'eu-central-1' }).reason).toBe('unauthorized');
    expect(isPreconditionFailed(await put('taken'))).toBe(true);
    // No object: null, not an error (the usual answer before an upload).
    expect(await bucket.direct!.head('missing')).toBeNull();
    // A HEAD's refusal has no body: the error is named by its status, as the SDK names it.
    const refused = await bucket.direct!.head('denied').catch((e) => e);
    expect(refused).toMatchObject({ name: 'Forbidden', $metadata: { httpStatusCode: 403 } });
  } finally {
    await server.close();
  }
});

test('a clock too far off hands the bucket to the SDK, whose signing corrects it', async () => {
  const server = await recorder(() => ({
    status: 403,
    body: '<Error><Code>RequestTimeTooSkewed</Code><Message>The difference is too large.</Message></Error>',
  }));
  try {
    const bucket = bucketOn(server.port);
    expect(await bucket.direct!.put('a', Buffer.from('x'), { ContentMD5: 'x' })).toBeUndefined();
    // Off for this bucket from then on: nothing more is sent its way.
    expect(await bucket.direct!.head('a')).toBeUndefined();
    expect(server.seen.map((r) => r.method)).toEqual(['PUT']);
  } finally {
    await server.close();
  }
  // A HEAD's refusal has no body to name it: S3's clock (its Date) an hour off from ours tells.
  const headOnly = await recorder(() => ({
    status: 403,
    headers: { Date: new Date(Date.now() + 3600_000).toUTCString() },
  }));
  try {
    expect(await bucketOn(headOnly.port).direct!.head('a')).toBeUndefined();
    // Whereas a refusal with the clocks agreeing is a refusal.
    const fresh = await recorder(() => ({ status: 403 }));
    const denied = await bucketOn(fresh.port)
      .direct!.head('a')
      .catch((e) => e);
    await fresh.close();
    expect(toCloudError(denied, { bucket: 'ferry-test', region: 'eu-central-1' }).reason).toBe('unauthorized');
  } finally {
    await headOnly.close();
  }
});

test('a direct request keeps to public addresses as the SDK does, and stops when its signal aborts', async () => {
  const server = await recorder(() => ({ status: 200 }));
  try {
    // `localhost` resolves to a loopback address, which a server that does not allow private
    // endpoints refuses when it connects (the agents' look-up).
    const guarded = bucketOn(server.port, testEnv({ allowPrivateEndpoints: false }), 'localhost');
    const refused = await guarded.direct!.head('a').catch((e) => e);
    expect(toCloudError(refused, { bucket: 'ferry-test', region: 'eu-central-1' }).reason).toBe('unreachable');
    expect(server.seen).toEqual([]);
    const stop = new AbortController();
    stop.abort();
    const aborted = await bucketOn(server.port)
      .direct!.put('a', Buffer.from('x'), { ContentMD5: 'x' }, stop.signal)
      .catch((e) => e);
    expect(aborted).toMatchObject({ name: 'AbortError' });
    expect(server.seen).toEqual([]);
  } finally {
    await server.close();
  }
});
