// S3 Object Lock, which s3rver does not have: against s3rver itself the connector finds a bucket
// without it and refuses a locked write with one clear error, writing nothing. A proxy in front of
// s3rver plays a bucket with Object Lock on (it answers GetObjectLockConfiguration with Enabled) and
// shows what the connector then sends: the retention's mode and date on PutObject and
// CreateMultipartUpload, and Content-MD5 on every request that carries bytes, as S3 requires.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import s3 from '../../connectors/s3/index.ts';
import { CloudError, type CloudHandle } from '../../connectors/types.ts';
import { testEnv } from '../support/env.ts';
import { startS3, type TestS3 } from '../support/s3.ts';

const MiB = 1024 * 1024;

interface Seen {
  what: string;
  mode: string | undefined;
  until: string | undefined;
  md5: boolean;
}

/** Forwards to s3rver, except GetObjectLockConfiguration, answered as a bucket with Object Lock on. */
async function startLockedBucket(server: TestS3) {
  const upstream = new URL(server.endpoint);
  const seen: Seen[] = [];
  let lockAsked = 0;
  const proxy = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (req.method === 'GET' && url.searchParams.has('object-lock')) {
      lockAsked++;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?>' +
          '<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
          '<ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>',
      );
      return;
    }
    const what =
      req.method === 'PUT'
        ? url.searchParams.has('partNumber')
          ? 'UploadPart'
          : 'PutObject'
        : req.method === 'POST' && url.searchParams.has('uploads')
          ? 'CreateMultipartUpload'
          : null;
    if (what)
      seen.push({
        what,
        mode: req.headers['x-amz-object-lock-mode'] as string | undefined,
        until: req.headers['x-amz-object-lock-retain-until-date'] as string | undefined,
        md5: typeof req.headers['content-md5'] === 'string',
      });
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    seen,
    lockAsked: () => lockAsked,
    close: () => new Promise<void>((r) => (proxy.closeAllConnections(), proxy.close(() => r()))),
  };
}

describe('s3 object lock', () => {
  let server: TestS3;
  let proxy: Awaited<ReturnType<typeof startLockedBucket>>;
  let plain: CloudHandle;
  let locked: CloudHandle;
  const until = new Date('2030-01-02T03:04:05.000Z');

  const open = async (endpoint?: string) => {
    const env = testEnv();
    const options = await s3.prepare!(
      { ...server.options(endpoint ? { endpoint } : {}), prefix: 'root/' } as never,
      env,
    );
    return s3.open!({ options }, env);
  };
  const keys = async () =>
    ((await server.client().send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'root/' }))).Contents ?? [])
      .map((o) => o.Key)
      .sort();

  beforeAll(async () => {
    server = await startS3();
    proxy = await startLockedBucket(server);
    plain = await open();
    locked = await open(proxy.endpoint);
  });
  afterAll(async () => {
    await proxy.close();
    await server.close();
  });

  test('a bucket without Object Lock refuses a locked write with one clear error, and nothing is written', async () => {
    const data = crypto.randomBytes(1000);
    const put = () =>
      plain.destination!.put('lock/refused.bin', async () => Readable.from([data]), {
        mode: 'create',
        size: data.length,
        retention: { mode: 'COMPLIANCE', until },
      });
    for (let i = 0; i < 2; i++)
      await expect(put()).rejects.toSatisfy(
        (err: Error) =>
          err instanceof CloudError &&
          err.reason === 'invalid_options' &&
          /Bucket \S+ does not have Object Lock turned on/.test(err.message),
      );
    expect(await keys()).toEqual([]);
    // The same answer is what a run asks before it writes anything.
    await expect(plain.destination!.checkRetention!()).rejects.toSatisfy(
      (err: Error) => err instanceof CloudError && /does not have Object Lock turned on/.test(err.message),
    );
    // Without a retention the same bucket takes the file.
    await plain.destination!.put('lock/plain.bin', async () => Readable.from([data]), {
      mode: 'create',
      size: data.length,
    });
    expect(await keys()).toEqual(['root/lock/plain.bin']);
  });

  test('with Object Lock: every object carries the retention, every request with bytes its Content-MD5', async () => {
    const small = crypto.randomBytes(5000);
    const big = crypto.randomBytes(9 * MiB); // two parts of 8 MiB and 1 MiB
    const retention = { mode: 'GOVERNANCE' as const, until };
    await locked.destination!.put('lock/small.bin', async () => Readable.from([small]), {
      mode: 'create',
      size: small.length,
      retention,
    });
    await locked.destination!.put('lock/big.bin', async () => Readable.from([big]), {
      mode: 'create',
      size: big.length,
      retention,
    });
    // A write without a retention carries none.
    await locked.destination!.put('lock/free.bin', async () => Readable.from([small]), {
      mode: 'create',
      size: small.length,
    });
    expect(proxy.seen).toEqual([
      { what: 'PutObject', mode: 'GOVERNANCE', until: '2030-01-02T03:04:05Z', md5: true },
      { what: 'CreateMultipartUpload', mode: 'GOVERNANCE', until: '2030-01-02T03:04:05Z', md5: false },
      { what: 'UploadPart', mode: undefined, until: undefined, md5: true },
      { what: 'UploadPart', mode: undefined, until: undefined, md5: true },
      { what: 'PutObject', mode: undefined, until: undefined, md5: true },
    ]);
    // The bucket's configuration was read once, for the first locked write.
    await locked.destination!.checkRetention!();
    expect(proxy.lockAsked()).toBe(1);
    const got = await server.client().send(new GetObjectCommand({ Bucket: server.bucket, Key: 'root/lock/big.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqualBytes(big);
  });
});
