// Takeout reads an archive part where it lies, a bounded request per JSON file: over a cloud's HTTP
// API each read must leave its connection for the next. A body dropped at its last byte, before its
// end was read, closed the connection with it: a new one (with TLS, in production) per JSON file of
// a library.
import crypto from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readZipEntry } from '../../connectors/google-takeout/read.ts';
import s3 from '../../connectors/s3/index.ts';
import { fromBuffer, listZip, rangeAccess, writeZip } from '../support/archives.ts';
import { testEnv } from '../support/env.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { startS3, type TestS3 } from '../support/s3.ts';

let server: TestS3;
let proxy: FaultProxy;
beforeAll(async () => {
  server = await startS3();
  proxy = await startFaultProxy(server.endpoint);
});
afterAll(async () => {
  await proxy.close();
  await server.close();
});

test("a part's JSON files, read one request each from S3, share a connection", async () => {
  // A photo and its sidecar, 60 times; sidecars stored and deflated.
  const inputs = Array.from({ length: 60 }, (_, i) => [
    {
      name: `Takeout/Google Photos/Photos from 2019/IMG_${i}.jpg`,
      data: crypto.randomBytes(20_000),
      method: 0 as const,
    },
    {
      name: `Takeout/Google Photos/Photos from 2019/IMG_${i}.jpg.json`,
      data: Buffer.from(JSON.stringify({ title: `IMG_${i}.jpg`, description: 'x'.repeat(i * 10) })),
      method: (i % 2 ? 8 : 0) as 0 | 8,
    },
  ]).flat();
  const zip = writeZip(inputs);
  await server.client().send(new PutObjectCommand({ Bucket: server.bucket, Key: 'takeout-001.zip', Body: zip }));
  const { entries } = await listZip(rangeAccess(fromBuffer(zip)).readAt, zip.length);
  const env = testEnv();
  const options = await s3.prepare!(
    {
      endpoint: proxy.endpoint,
      region: 'us-east-1',
      bucket: server.bucket,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      forcePathStyle: true,
    },
    env,
  );
  const handle = s3.open!({ options }, env);
  const part = { sourceId: 'takeout-001.zip', size: zip.length };
  const before = proxy.connections;
  for (const e of entries.filter((x) => x.name.endsWith('.json'))) {
    const content = await readZipEntry(handle.source!, part, { ...e, modifiedAt: e.modifiedAt.toISOString() });
    expect(content).toEqualBytes(inputs.find((x) => x.name === e.name)!.data);
  }
  expect(proxy.requests.filter((r) => r.method === 'GET').length).toBeGreaterThanOrEqual(60);
  // One read after the other: one connection does it (each read had its own before).
  expect(proxy.connections - before).toBeLessThanOrEqual(2);
});
