// Google Takeout as a source, over a local folder and over Google Drive (its emulator): the source
// half of the shared suite, on files seeded by writing Takeout archives where Google delivers them.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import drive from '../../connectors/google-drive/index.ts';
import local from '../../connectors/local/index.ts';
import takeout from '../../connectors/google-takeout/index.ts';
import type { CloudHandle } from '../../connectors/types.ts';
import { startGoogleFake } from '../fakes/google.ts';
import { memoryTokens } from '../fakes/oauth.ts';
import { writeTarGz, writeZip } from '../support/archives.ts';
import { testEnv } from '../support/env.ts';
import { memoryState } from '../support/takeout-source.ts';
import { conformance, type Subject } from './suite.ts';

const FOLDER = 'Takeout';
const SOURCE_ONLY = { source: 'own layout', destination: false } as const;

/**
 * A Takeout source reading the exports `deliver` writes into FOLDER of `wrapped`. Each seed is one
 * new export: a part (.zip or .tgz) holding each file in an album named after its folders (a file at the
 * root in a year folder), as Google lays out a Google Photos export.
 */
function takeoutOver(
  wrapped: CloudHandle,
  format: 'zip' | 'tgz',
  deliver: (name: string, archive: Buffer) => Promise<void>,
  close: () => Promise<void>,
): Subject {
  let exports = 0;
  const handle = takeout.open!(
    {
      options: { cloudId: crypto.randomUUID(), path: FOLDER, settleMinutes: 0, deleteArchives: false },
      wrapped,
      state: memoryState(),
    },
    testEnv(),
  );
  return {
    handle,
    close,
    async seed(files) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, exports++));
      const stamp = at
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      const entries = files.map(([rel, data]) => {
        const dirs = rel.split('/').slice(0, -1);
        const album = dirs.length ? dirs.join(' - ') : 'Photos from 2024';
        return { name: `Takeout/Google Photos/${album}/${path.posix.basename(rel)}`, data };
      });
      await deliver(`takeout-${stamp}-001.${format}`, format === 'zip' ? writeZip(entries) : writeTarGz(entries));
    },
    // Media items are the files seeded; their XMP and the albums' files are the source's own.
    ownLayout: { media: (item) => item.id.startsWith('m:') },
  };
}

conformance(
  'google-takeout over a local folder',
  async () => {
    const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-conf-takeout-')));
    const env = testEnv({ localRoots: [root], allowPrivateEndpoints: false });
    const options = await local.prepare!({ root: '' }, env, { userId: 'owner-1' });
    await fs.mkdir(path.join(options.root, FOLDER));
    const wrapped = local.open!({ options, ownerId: 'owner-1' }, env);
    return takeoutOver(
      wrapped,
      'zip',
      async (name, zip) => {
        const file = path.join(options.root, FOLDER, name);
        await fs.writeFile(file, zip);
        // Delivered a minute ago: settled.
        const then = new Date(Date.now() - 60_000);
        await fs.utimes(file, then, then);
      },
      () => fs.rm(root, { recursive: true, force: true }),
    );
  },
  SOURCE_ONLY,
);

conformance(
  'google-takeout (.tgz parts) over google-drive (emulator)',
  async () => {
    const fake = await startGoogleFake();
    fake.addFolder(FOLDER);
    const tokens = memoryTokens(`${fake.url}/token`, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
    const wrapped = drive.open!({ options: {}, tokens }, testEnv({ endpoints: { googleDrive: fake.url } }));
    return takeoutOver(
      wrapped,
      'tgz',
      async (name, zip) => {
        await fake.addFile(`${FOLDER}/${name}`, zip, { modifiedTime: new Date(Date.now() - 60_000).toISOString() });
      },
      () => fake.close(),
    );
  },
  SOURCE_ONLY,
);
