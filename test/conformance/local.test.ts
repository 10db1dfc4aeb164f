import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import local from '../../connectors/local/index.ts';
import { conformance } from './suite.ts';
import { testEnv } from '../support/env.ts';

conformance('local', async () => {
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-conf-local-')));
  const env = testEnv({ localRoots: [root], allowPrivateEndpoints: false });
  const options = await local.prepare!({ root }, env);
  return { handle: local.open!({ options }, env), close: () => fs.rm(root, { recursive: true, force: true }) };
});
