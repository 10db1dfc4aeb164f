// One 1 GiB file from a local folder into each emulated consumer cloud (Google Drive, Dropbox,
// OneDrive), each through its own resumable protocol: MiB/s, CPU seconds and Ferry's peak RSS.
// Ferry runs as `npm start` does, one fresh process per destination, connected by the real sign-in
// flow against the emulators.
// Usage: node bench/destinations.ts [--quick]   (256 MiB with --quick; writes bench/results/destinations.json)
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Browser } from '../test/support/browser.ts';
import { localFolder } from '../test/support/local-space.ts';
import { startDropboxFake } from '../test/fakes/dropbox.ts';
import { startGoogleFake } from '../test/fakes/google.ts';
import { startMicrosoftFake } from '../test/fakes/microsoft.ts';
import { MiB, procStats, randomFile, startFerry, startPostgres, tempDir, writeResults } from './support.ts';

const quick = process.argv.includes('--quick');
const SIZE = (quick ? 256 : 1024) * MiB;
const dir = await tempDir('destinations');
const postgres = await startPostgres(dir);
const client = { clientId: 'bench', clientSecret: 'bench-secret' };
const google = await startGoogleFake(client);
const dropbox = await startDropboxFake(client);
const microsoft = await startMicrosoftFake(client);
// Written once; moved into each run's user's space (one user per Ferry process).
let file = path.join(dir, 'big.bin');
await randomFile(file, SIZE);

const env = {
  FERRY_LOCAL_ROOTS: dir,
  FERRY_GOOGLE_CLIENT_ID: client.clientId,
  FERRY_GOOGLE_CLIENT_SECRET: client.clientSecret,
  FERRY_GOOGLE_AUTH_URL: `${google.url}/o/oauth2/v2/auth`,
  FERRY_GOOGLE_TOKEN_URL: `${google.url}/token`,
  FERRY_GOOGLE_DRIVE_URL: google.url,
  FERRY_DROPBOX_CLIENT_ID: client.clientId,
  FERRY_DROPBOX_CLIENT_SECRET: client.clientSecret,
  FERRY_DROPBOX_AUTH_URL: `${dropbox.apiUrl}/oauth2/authorize`,
  FERRY_DROPBOX_TOKEN_URL: `${dropbox.apiUrl}/oauth2/token`,
  FERRY_DROPBOX_API_URL: dropbox.apiUrl,
  FERRY_DROPBOX_CONTENT_URL: dropbox.contentUrl,
  FERRY_MS_CLIENT_ID: client.clientId,
  FERRY_MS_CLIENT_SECRET: client.clientSecret,
  FERRY_MS_AUTH_URL: `${microsoft.url}/common/oauth2/v2.0/authorize`,
  FERRY_MS_TOKEN_URL: `${microsoft.url}/common/oauth2/v2.0/token`,
  FERRY_GRAPH_URL: microsoft.url,
};

const targets = [
  { kind: 'google-drive', read: (p: string) => google.fileBytes(p) },
  { kind: 'dropbox', read: (p: string) => dropbox.fileBytes(p) },
  { kind: 'onedrive', read: (p: string) => microsoft.fileBytes(p) },
];
const results: Record<string, unknown>[] = [];

for (const target of targets) {
  const ferry = await startFerry(await postgres.newDatabase(), env);
  try {
    // Sign in as a person would: a cookie session, then the provider's consent page.
    const browser = new Browser();
    const signup = await browser.request(`${ferry.url}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench-${target.kind}@example.com`, password: 'benchmark password' }),
    });
    const { csrfToken, user } = (await signup.json()) as { csrfToken: string; user: { id: string } };
    const consent = await browser.go(`${ferry.url}/api/v1/oauth/${target.kind}/start`);
    const landed = await browser.submit(consent.url, await consent.res.text(), { name: 'decision', value: 'allow' });
    const cloud = (await landed.res.json()) as { id: string };
    const api = async (method: string, url: string, body?: unknown) => {
      const res = await browser.request(`${ferry.url}/api/v1${url}`, {
        method,
        headers: { 'x-csrf-token': csrfToken, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return res.json() as Promise<any>;
    };
    const moved = path.join(await localFolder(dir, user, 'src'), 'big.bin');
    await fs.rename(file, moved);
    file = moved;
    const src = await api('POST', '/clouds', { kind: 'local', name: 'src', options: { root: 'src' } });
    const task = await api('POST', '/tasks', {
      name: target.kind,
      source: { cloudId: src.id },
      destination: { cloudId: cloud.id, path: 'bench' },
    });
    const before = await procStats(ferry.child.pid!);
    const t0 = performance.now();
    const { run } = await api('POST', `/tasks/${task.id}/runs`);
    let ended;
    for (;;) {
      ended = await api('GET', `/runs/${run.id}`);
      if (!['queued', 'running'].includes(ended.status)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(ended.status, 'succeeded', JSON.stringify(ended));
    assert.equal((await target.read('bench/big.bin')).length, SIZE);
    const afterRun = await procStats(ferry.child.pid!);
    const row = {
      case: `one file of ${SIZE / MiB} MiB, local → ${target.kind} (emulator)`,
      MiBps: +(SIZE / MiB / seconds).toFixed(1),
      seconds: +seconds.toFixed(2),
      cpuSeconds: +(afterRun.cpuSeconds - before.cpuSeconds).toFixed(2),
      peakRssMiB: afterRun.peakRssMiB,
      rssBeforeRunMiB: before.peakRssMiB,
    };
    results.push(row);
    console.log(row);
  } finally {
    await ferry.stop();
  }
}

console.log(`results: ${await writeResults('destinations', results)}`);
await Promise.all([google.close(), dropbox.close(), microsoft.close()]);
await postgres.server.stop();
process.exit(0);
