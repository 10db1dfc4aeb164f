// S3's conditional writes, which s3rver ignores: AWS refuses a PutObject or a
// CompleteMultipartUpload carrying If-None-Match: * with 412 PreconditionFailed when an object is at
// the key. A proxy in front of s3rver shows what the connector sends, and plays an object that
// arrives between the connector's look at the key and its commit: it stores the object, then answers
// the commit 412, as AWS would. It also names multipart objects as AWS, MinIO and B2 do (md5 of the
// parts' md5s, '-', their count), where s3rver gives a plain md5.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import s3 from '../../connectors/s3/index.ts';
import { multipartEtag } from '../../connectors/s3/upload.ts';
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
  return isPut || isComplete
    ? { method: req.method!, key, ifNoneMatch: req.headers['if-none-match'] as string | undefined }
    : null;
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

async function startProxy(server: TestS3, arrive: (c: Commit) => Promise<boolean>) {
  const upstream = new URL(server.endpoint);
  const commits: Commit[] = [];
  /** Every request, as "METHOD key?query". */
  const requests: string[] = [];
  /** Multipart objects committed through the proxy, by key: their AWS-style ETag. */
  const awsEtags = new Map<string, string>();
  const proxy = http.createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://x');
    const key = decodeURIComponent(url.pathname.slice(`/${server.bucket}/`.length));
    requests.push(`${req.method} ${key}${url.search}`);
    const commit = commitOf(req, server.bucket);
    if (commit) {
      commits.push(commit);
      if (commit.ifNoneMatch === '*' && (await arrive(commit))) {
        req.resume();
        res.writeHead(412, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of ' +
            'the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>',
        );
        return;
      }
    }
    const body = Buffer.concat(await readAll(req));
    const complete = req.method === 'POST' && url.searchParams.has('uploadId');
    // The ETag AWS gives the object this CompleteMultipartUpload makes: from the part ETags listed.
    const aws = complete
      ? multipartEtag(
          [...body.toString().matchAll(/<ETag>(?:&quot;|")?([0-9a-f]{32})(?:&quot;|")?<\/ETag>/g)].map((m) => m[1]),
        )
      : undefined;
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      async (up) => {
        const headers = { ...up.headers };
        const ok = up.statusCode! < 300;
        if (ok && commit) awsEtags.delete(key);
        if (ok && req.method === 'DELETE' && !url.searchParams.has('uploadId')) awsEtags.delete(key);
        let reply = Buffer.concat(await readAll(up));
        if (ok && aws) {
          awsEtags.set(key, aws);
          reply = Buffer.from(reply.toString().replace(/<ETag>[^<]*<\/ETag>/, `<ETag>&quot;${aws}&quot;</ETag>`));
        }
        if (ok && (req.method === 'HEAD' || req.method === 'GET') && awsEtags.has(key))
          headers.etag = `"${awsEtags.get(key)}"`;
        if (req.method !== 'HEAD' && headers['content-length'] !== undefined)
          headers['content-length'] = String(reply.length);
        res.writeHead(up.statusCode!, headers);
        res.end(reply);
      },
    );
    out.on('error', () => res.destroy());
    out.end(body);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    commits,
    requests,
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

  beforeAll(async () => {
    server = await startS3();
    proxy = await startProxy(server, async (c) => {
      const owners = late.get(c.key);
      if (!owners) return false;
      await server.client().send(new PutObjectCommand({ Bucket: server.bucket, Key: c.key, Body: owners }));
      return true;
    });
    const env = testEnv();
    const options = await s3.prepare!(
      { ...server.options({ endpoint: proxy.endpoint }), prefix: 'root/' } as never,
      env,
    );
    h = s3.open!({ options }, env);
  });
  afterAll(async () => {
    await proxy.close();
    await server.close();
  });

  const isExists = (err: Error) => err instanceof CloudError && err.reason === 'exists';

  test(
    "mode 'create' sends If-None-Match: " + "* on PutObject and CompleteMultipartUpload; 'replace' does not",
    async () => {
      const small = crypto.randomBytes(1000);
      const big = crypto.randomBytes(20 * MiB);
      await h.destination!.put('cond/small.bin', async () => Readable.from([small]), {
        mode: 'create',
        size: small.length,
      });
      await h.destination!.put('cond/big.bin', async () => Readable.from([big]), { mode: 'create', size: big.length });
      await h.destination!.put('cond/small.bin', async () => Readable.from([big.subarray(0, 10)]), {
        mode: 'replace',
        size: 10,
      });
      expect(proxy.commits.map((c) => [c.method, c.key, c.ifNoneMatch])).toEqual([
        ['PUT', 'root/cond/small.bin', '*'],
        ['POST', 'root/cond/big.bin', '*'],
        ['PUT', 'root/cond/small.bin', undefined],
      ]);
      expect((await bytesAt('cond/big.bin')).equals(big)).toBeTruthy();
    },
  );

  for (const [label, size] of [
    ['PutObject', 3000],
    ['CompleteMultipartUpload', 20 * MiB],
  ] as const) {
    test(
      `an object that arrives between the look at the key and ${label}: ` +
        `412 is CloudError 'exists', and that object stays`,
      async () => {
        const owners = crypto.randomBytes(777);
        late.set(`root/race/${size}.bin`, owners);
        const data = crypto.randomBytes(size);
        await expect(
          h.destination!.put(`race/${size}.bin`, async () => Readable.from([data]), { mode: 'create', size }),
        ).rejects.toSatisfy(isExists);
        expect((await bytesAt(`race/${size}.bin`)).equals(owners)).toBeTruthy();
      },
    );
  }

  test(
    "Ferry's own multipart commit that was never recorded (the worker died after it): the next put " +
      "with mode 'create' takes it as stored, makes no second copy and leaves no upload open",
    async () => {
      const data = crypto.randomBytes(20 * MiB + 77);
      let saved: unknown = null;
      const checkpoint = {
        get state() {
          return saved;
        },
        async save(st: unknown) {
          saved = st;
        },
      };
      const first = await h.destination!.put('own/big.bin', async () => Readable.from([data]), {
        mode: 'create',
        size: data.length,
        checkpoint,
      });
      // the proxy names the object as AWS does
      expect(first.hash!.value).toMatch(/^[0-9a-f]{32}-3$/);
      // The next claim resumes from the checkpoint: its upload is gone (completed), so it uploads afresh.
      const before = proxy.requests.length;
      const again = await h.destination!.put('own/big.bin', async () => Readable.from([data]), {
        mode: 'create',
        size: data.length,
        checkpoint,
      });
      expect(again).toEqual(first);
      const seen = proxy.requests.slice(before);
      // nothing committed a second time
      expect(!seen.some((r) => r.startsWith('POST root/own/big.bin?uploadId='))).toBeTruthy();
      // the second upload is aborted
      expect(seen.some((r) => r.startsWith('DELETE root/own/big.bin?uploadId='))).toBeTruthy();
      const listed = await server
        .client()
        .send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'root/own/' }));
      // one object, no renamed copy
      expect((listed.Contents ?? []).map((o) => o.Key)).toEqual(['root/own/big.bin']);
      expect((await bytesAt('own/big.bin')).equals(data)).toBeTruthy();
      // Other bytes of that size are someone else's file: 'exists', and it stays.
      const other = crypto.randomBytes(data.length);
      await expect(
        h.destination!.put('own/big.bin', async () => Readable.from([other]), { mode: 'create', size: other.length }),
      ).rejects.toSatisfy(isExists);
      expect((await bytesAt('own/big.bin')).equals(data)).toBeTruthy();
    },
  );

  test(
    'hashOf a multipart object reads it for the kind asked (else md5), ' + 'so an identical copy is known as identical',
    async () => {
      const data = crypto.randomBytes(17 * MiB);
      await h.destination!.put('mp/hashed.bin', async () => Readable.from([data]), {
        mode: 'create',
        size: data.length,
      });
      const md5 = crypto.createHash('md5').update(data).digest('hex');
      expect(await h.destination!.hashOf!('mp/hashed.bin', undefined, 'md5')).toEqual({ kind: 'md5', value: md5 });
      expect(await h.destination!.hashOf!('mp/hashed.bin', undefined, 'sha256')).toEqual({
        kind: 'sha256',
        value: crypto.createHash('sha256').update(data).digest('hex'),
      });
      expect(await h.destination!.hashOf!('mp/hashed.bin')).toEqual({ kind: 'md5', value: md5 });
    },
  );
});
