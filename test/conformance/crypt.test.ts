// The encrypted folder over a local folder: the whole contract, on files encrypted in rclone's
// format straight onto the disk (as rclone writes them), and through put().
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import cryptKind from '../../connectors/crypt/index.ts';
import { encryptStream, newNonce } from '../../connectors/crypt/blocks.ts';
import { deriveKeys } from '../../connectors/crypt/keys.ts';
import { encryptPath } from '../../connectors/crypt/names.ts';
import local from '../../connectors/local/index.ts';
import { testEnv } from '../support/env.ts';
import { conformance } from './suite.ts';

conformance('crypt (over a local folder)', async () => {
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-conf-crypt-')));
  const env = testEnv({ localRoots: [root], allowPrivateEndpoints: false });
  const inner = await local.prepare!({ root: '' }, env, { userId: 'owner-1' });
  const options = cryptKind.options.parse({
    cloudId: crypto.randomUUID(),
    path: 'Vault',
    password: 'conformance',
    salt: 'salt',
  });
  const keys = await deriveKeys(options.password, options.salt);
  await fs.mkdir(path.join(inner.root, 'Vault'));
  return {
    handle: cryptKind.open!(
      { options, ownerId: 'owner-1', wrapped: local.open!({ options: inner, ownerId: 'owner-1' }, env) },
      env,
    ),
    close: () => fs.rm(root, { recursive: true, force: true }),
    async seed(files) {
      for (const [rel, data] of files) {
        const file = path.join(inner.root, 'Vault', encryptPath(keys, rel, 'standard', true));
        await fs.mkdir(path.dirname(file), { recursive: true });
        await pipeline(Readable.from([data]), encryptStream(keys, newNonce()), createWriteStream(file));
      }
    },
    providerPage: 0,
    nativeHash: 'sha256',
    resumable: true,
  };
});
