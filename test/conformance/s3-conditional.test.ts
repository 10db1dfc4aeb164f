// S3's conditional writes, which s3rver ignores: AWS refuses a PutObject or a
// CompleteMultipartUpload carrying If-None-Match: * with 412 PreconditionFailed when an object is at
// the key. A proxy in front of s3rver shows what the connector sends, and plays an object that
// arrives between the connector's look at the key and its commit: it stores the object, then answers
// the commit 412, as AWS would.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import s3 from '../../connectors/s3/index.ts';
import { CloudError, type CloudHandle } from '../../connectors/types.ts';
import { testEnv } from '../support/env.ts';
import { startS3, type TestS3 } from '../support/s3.ts';

const MiB = 1024 * 1024;

interface Commit {
  method: string;
  key: string;
  ifNoneMatch: string | undefined;
}

/** A commit: PutObject (a PUT that is not UploadPart) or CompleteMultipartUpload (a POST with uploadId). */
function commitOf(req: http.IncomingMessage, bucket: string): Commit | null {
  const url = new URL(req.url!, 'http://x');
  const key = decodeURIComponent(url.pathname.slice(`/${bucket}/`.length));
  const isPut = req.method === 'PUT' && !url.searchParams.has('partNumber');
  const isComplete = req.method === 'POST' && url.searchParams.has('uploadId');
  return isPut || isComplete ? { method: req.method!, key, ifNoneMatch: req.headers['if-none-match'] as string | undefined } : null;
}

async function startProxy(server: TestS3, arrive: (c: Commit) => Promise<boolean>) {
  const upstream = new URL(server.endpoint);
  const commits: Commit[] = [];
  const proxy = http.createServer(async (req, res) => {
    const commit = commitOf(req, server.bucket);
    if (commit) {
      commits.push(commit);
      if (commit.ifNoneMatch === '*' && (await arrive(commit))) {
        req.resume();
        res.writeHead(412, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>');
        return;
      }
    }
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    commits,
    close: () => new Promise<void>((r) => (proxy.closeAllConnections(), proxy.close(() => r()))),
  };
}

describe('s3 conditional writes', () => {
  let server: TestS3;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let h: CloudHandle;
  /** Keys whose owner's object "arrives" just before the commit. */
  const late = new Map<string, Buffer>();
  const bytesAt = async (key: string) => {
    const out = await server.client().send(new GetObjectCommand({ Bucket: server.bucket, Key: `root/${key}` }));
    return Buffer.from(await out.Body!.transformToByteArray());
  };

  before(async () => {
    server = await startS3();
    proxy = await startProxy(server, async (c) => {
      const owners = late.get(c.key);
      if (!owners) return false;
      await server.client().send(new PutObjectCommand({ Bucket: server.bucket, Key: c.key, Body: owners }));
      return true;
    });
    const env = testEnv();
    const options = await s3.prepare!({ ...server.options({ endpoint: proxy.endpoint }), prefix: 'root/' } as never, env);
    h = s3.open!({ options }, env);
  });
  after(async () => {
    await proxy.close();
    await server.close();
  });

  const isExists = (err: Error) => err instanceof CloudError && err.reason === 'exists';

  test("mode 'create' sends If-None-Match: * on PutObject and CompleteMultipartUpload; 'replace' does not", async () => {
    const small = crypto.randomBytes(1000);
    const big = crypto.randomBytes(20 * MiB);
    await h.destination!.put('cond/small.bin', async () => Readable.from([small]), { mode: 'create', size: small.length });
    await h.destination!.put('cond/big.bin', async () => Readable.from([big]), { mode: 'create', size: big.length });
    await h.destination!.put('cond/small.bin', async () => Readable.from([big.subarray(0, 10)]), { mode: 'replace', size: 10 });
    assert.deepEqual(
      proxy.commits.map((c) => [c.method, c.key, c.ifNoneMatch]),
      [
        ['PUT', 'root/cond/small.bin', '*'],
        ['POST', 'root/cond/big.bin', '*'],
        ['PUT', 'root/cond/small.bin', undefined],
      ],
    );
    assert.ok((await bytesAt('cond/big.bin')).equals(big));
  });

  for (const [label, size] of [
    ['PutObject', 3000],
    ['CompleteMultipartUpload', 20 * MiB],
  ] as const) {
    test(`an object that arrives between the look at the key and ${label}: 412 is CloudError 'exists', and that object stays`, async () => {
      const owners = crypto.randomBytes(777);
      late.set(`root/race/${size}.bin`, owners);
      const data = crypto.randomBytes(size);
      await assert.rejects(h.destination!.put(`race/${size}.bin`, async () => Readable.from([data]), { mode: 'create', size }), isExists);
      assert.ok((await bytesAt(`race/${size}.bin`)).equals(owners));
    });
  }
});
