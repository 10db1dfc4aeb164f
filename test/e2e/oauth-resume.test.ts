// A worker SIGKILLed in the middle of an upload into Google Drive, Dropbox and OneDrive: another
// worker process takes the item up and resumes the same upload session from its checkpoint, and
// the file arrives whole.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { connectedCloud, signup, startTestApp, waitForRun, type TestApp } from '../support/app.ts';
import { localFolder } from '../support/local-space.ts';
import { dropboxEnv, startDropboxFake } from '../fakes/dropbox.ts';
import { googleEnv, startGoogleFake } from '../fakes/google.ts';
import { microsoftEnv, startMicrosoftFake } from '../fakes/microsoft.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Four chunks and part of a fifth for Google Drive and Dropbox (8 MiB), three and part of a fourth for OneDrive
// (10 MiB): the worker is killed once the first is acknowledged, with most of the file still to go.
const SIZE = 32 * 1024 * 1024 + 12345;
const key = crypto.randomBytes(32).toString('base64');

let root: string;
/** The file every case uploads: kept outside every user's space, copied into each one's. */
let original: string;
let sha256: string;
let google: Awaited<ReturnType<typeof startGoogleFake>>;
let dropbox: Awaited<ReturnType<typeof startDropboxFake>>;
let microsoft: Awaited<ReturnType<typeof startMicrosoftFake>>;
let t: TestApp & { url: string };
let env: Record<string, string>;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-oresume-')));
  original = path.join(root, 'archive.bin');
  const file = await fs.open(original, 'w');
  const h = crypto.createHash('sha256');
  for (let off = 0; off < SIZE; off += 8 * 1024 * 1024) {
    const buf = crypto.randomBytes(Math.min(8 * 1024 * 1024, SIZE - off));
    h.update(buf);
    await file.write(buf);
  }
  await file.close();
  sha256 = h.digest('hex');
  google = await startGoogleFake({ clientId: 'g', clientSecret: 'gs' });
  dropbox = await startDropboxFake({ clientId: 'd', clientSecret: 'ds' });
  microsoft = await startMicrosoftFake({ clientId: 'm', clientSecret: 'ms' });
  env = {
    FERRY_LOCAL_ROOTS: root,
    FERRY_SECRET_KEY: key,
    ...googleEnv(google),
    ...dropboxEnv(dropbox),
    ...microsoftEnv(microsoft),
  };
  t = await startTestApp(env);
});
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await t.close();
  await Promise.all([google.close(), dropbox.close(), microsoft.close()]);
  await fs.rm(root, { recursive: true, force: true });
});

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, [path.join(repo, 'services/main.ts')], {
    env: {
      ...process.env,
      ...env,
      DATABASE_URL: t.url,
      FERRY_ROLE: 'worker',
      FERRY_DATA_DIR: path.join(root, 'data'),
      FERRY_LOG_LEVEL: 'warn',
      // The second worker takes the killed one's item up once its hold runs out: not 20 s per case.
      FERRY_LEASE_SECONDS: '4',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  workers.push(child);
  return child;
}

const cases = [
  {
    kind: 'google-drive',
    fake: () => google,
    read: () => google.fileBytes('resume/archive.bin'),
    sessionsStarted: () =>
      google.requests.filter(
        (r) => r.method === 'POST' && r.path.startsWith('/upload/drive/v3/files') && r.status === 200,
      ).length,
  },
  {
    kind: 'dropbox',
    fake: () => dropbox,
    read: () => dropbox.fileBytes('resume/archive.bin'),
    sessionsStarted: () =>
      dropbox.requests.filter((r) => r.path === '/2/files/upload_session/start' && r.status === 200).length,
  },
  {
    kind: 'onedrive',
    fake: () => microsoft,
    read: () => microsoft.fileBytes('resume/archive.bin'),
    sessionsStarted: () => microsoft.uploads.created,
  },
];

for (const c of cases) {
  test(`${c.kind}: SIGKILL mid-upload, another worker resumes the session and the file arrives whole`, async () => {
    const a = await signup(t);
    const post = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer });
    // A copy of its own (a hard link would be refused by the local connector).
    await fs.copyFile(original, path.join(await localFolder(root, a, 'src'), 'archive.bin'));
    const src = (await post('/clouds', { kind: 'local', name: 'NAS', options: { root: 'src' } })).json().id;
    const dst = await connectedCloud(t, a, c.kind, c.fake());
    const task = await post('/tasks', {
      name: `to ${c.kind}`,
      source: { cloudId: src },
      destination: { cloudId: dst, path: 'resume' },
    });
    expect(task.statusCode).toBe(201);
    const before = c.sessionsStarted();

    const first = startWorker();
    const runId = (await post(`/tasks/${task.json().id}/runs`, {})).json().run.id;
    // Kill as soon as a checkpoint shows part of the file acknowledged, well before the end.
    let state: unknown;
    for (const deadline = Date.now() + 60_000; ; ) {
      const { rows } = await t.db.query(`SELECT upload_state FROM run_items WHERE run_id = $1`, [runId]);
      state = rows[0]?.upload_state;
      if (state) break;
      if (Date.now() > deadline) throw new Error('no upload checkpoint within 60 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    const exited = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await exited;
    const mid = (await t.db.query(`SELECT status, upload_state FROM run_items WHERE run_id = $1`, [runId])).rows[0];
    // killed mid-upload
    expect(mid.status).toBe('copying');

    startWorker();
    const run = await waitForRun(t, a, runId, 120_000);
    expect(run.status).toBe('succeeded');
    const stored = await c.read();
    expect(stored.length).toBe(SIZE);
    // every byte arrived
    expect(crypto.createHash('sha256').update(stored).digest('hex')).toBe(sha256);
    // the upload session of the killed worker was resumed, not started again
    expect(c.sessionsStarted() - before).toBe(1);
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  });
}
