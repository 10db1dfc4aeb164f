import s3 from '../../connectors/s3/index.ts';
import { startS3 } from '../support/s3.ts';
import { conformance } from './suite.ts';
import { testEnv } from '../support/env.ts';

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
  return { handle: s3.open!({ options }, env), close: () => server.close() };
});
