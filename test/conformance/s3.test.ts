import { PutObjectCommand } from '@aws-sdk/client-s3';
import s3 from '../../connectors/s3/index.ts';
import { testEnv } from '../support/env.ts';
import { startS3 } from '../support/s3.ts';
import { inParallel } from './helpers.ts';
import { conformance } from './suite.ts';

conformance('s3 (s3rver)', async () => {
  const server = await startS3();
  const env = testEnv();
  const options = await s3.prepare!(
    {
      endpoint: server.endpoint,
      region: 'us-east-1',
      bucket: server.bucket,
      prefix: 'root/',
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      forcePathStyle: true,
    },
    env,
  );
  const client = server.client();
  return {
    handle: s3.open!({ options }, env),
    close: () => server.close(),
    seed: (files) =>
      inParallel(files, 8, ([rel, data]) =>
        client.send(new PutObjectCommand({ Bucket: server.bucket, Key: `root/${rel}`, Body: data })),
      ),
    listedHash: 'md5',
    // ListObjectsV2 gives at most 1,000 keys and common prefixes a page.
    providerPage: 1000,
    nativeHash: 'md5',
    resumable: true,
  };
});
