// What an idle Ferry holds: the API's and the worker's modules load no cloud SDK, no mailer and no
// crypto library until something uses them (connectors/lib/load-later.ts), and the first use gets them.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from '@jest/globals';

const repo = path.resolve(import.meta.dirname, '../..');
const LATER = [
  '@microsoft/microsoft-graph-client',
  '@aws-sdk/client-s3',
  '@googleapis/drive',
  'google-auth-library',
  'dropbox',
  'nodemailer',
  'qrcode',
  'otpauth',
  'hash-wasm',
  'sodium-native',
];

/** The packages of LATER loaded once `script` (an ES module, run in the repository) has run. */
function loadedAfter(script: string): string[] {
  const out = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `${script}
      const { createRequire } = await import('node:module');
      const require = createRequire(${JSON.stringify(`${repo}/`)});
      const files = Object.keys(require.cache);
      const loaded = ${JSON.stringify(LATER)}.filter((p) => files.some((f) => f.includes('/node_modules/' + p + '/')));
      console.log(JSON.stringify(loaded));`,
    ],
    { cwd: repo, encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

test('starting the API and the worker loads none of the cloud SDKs, the mailer or the crypto libraries', () => {
  const loaded = loadedAfter(`
    await import('./services/api/app.ts');
    await import('./services/worker/worker.ts');
    await import('./services/core/mail/mailer.ts');`);
  expect(loaded).toEqual([]);
}, 60_000);

test('the first use loads what it needs', () => {
  const loaded = loadedAfter(`
    const { openBucket } = await import('./connectors/s3/client.ts');
    openBucket({ bucket: 'b', region: 'us-east-1', accessKeyId: 'a', secretAccessKey: 's' }, {});`);
  expect(loaded).toEqual(['@aws-sdk/client-s3']);
}, 60_000);
