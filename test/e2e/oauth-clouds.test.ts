// Google Drive, Dropbox and OneDrive through the REST API against their emulators, over real HTTP:
// the whole sign-in (redirects, consent page, PKCE, state), every cloud as destination from a
// folder and as source into S3 with every byte compared, and what a sign-in that expires or is
// revoked in the middle of a run does.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { freePort } from '../../services/core/embedded-postgres.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { Browser } from '../support/browser.ts';
import { startS3, type TestS3 } from '../support/s3.ts';
import { startDropboxFake } from '../fakes/dropbox.ts';
import { startGoogleFake } from '../fakes/google.ts';
import { startMicrosoftFake } from '../fakes/microsoft.ts';

type Fakes = {
  google: Awaited<ReturnType<typeof startGoogleFake>>;
  dropbox: Awaited<ReturnType<typeof startDropboxFake>>;
  microsoft: Awaited<ReturnType<typeof startMicrosoftFake>>;
};

let t: TestApp & { url: string };
let fakes: Fakes;
let s3: TestS3;
/** FERRY_LOCAL_ROOTS; the signed-in user's space in it is `root`, where every local folder of these tests lies. */
let localRoots: string;
let root: string;
let publicUrl: string;
let browser: Browser;

/** The files every copy carries: empty, small, multi-chunk for every protocol, a Unicode name, nested folders. */
const files: Record<string, Buffer> = {
  'empty.txt': Buffer.alloc(0),
  'notes/small.txt': Buffer.from('fourteen years of photos\n'),
  'Ünïcødé ✓ photo.jpg': crypto.randomBytes(300 * 1024),
  '2019/07/beach.jpg': crypto.randomBytes(9 * 1024 * 1024 + 123),
  '2019/08/video.mp4': crypto.randomBytes(21 * 1024 * 1024 + 7),
};

beforeAll(async () => {
  localRoots = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-oauth-')));
  fakes = {
    google: await startGoogleFake({ clientId: 'google-client', clientSecret: 'google-secret' }),
    dropbox: await startDropboxFake({ clientId: 'dropbox-client', clientSecret: 'dropbox-secret' }),
    microsoft: await startMicrosoftFake({ clientId: 'ms-client', clientSecret: 'ms-secret' }),
  };
  s3 = await startS3();
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  t = await startTestApp(
    {
      FERRY_PUBLIC_URL: publicUrl,
      FERRY_LOCAL_ROOTS: localRoots,
      FERRY_ALLOW_PRIVATE_ENDPOINTS: '1',
      FERRY_GOOGLE_CLIENT_ID: 'google-client',
      FERRY_GOOGLE_CLIENT_SECRET: 'google-secret',
      FERRY_GOOGLE_AUTH_URL: `${fakes.google.url}/o/oauth2/v2/auth`,
      FERRY_GOOGLE_TOKEN_URL: `${fakes.google.url}/token`,
      FERRY_GOOGLE_DRIVE_URL: fakes.google.url,
      FERRY_DROPBOX_CLIENT_ID: 'dropbox-client',
      FERRY_DROPBOX_CLIENT_SECRET: 'dropbox-secret',
      FERRY_DROPBOX_AUTH_URL: `${fakes.dropbox.apiUrl}/oauth2/authorize`,
      FERRY_DROPBOX_TOKEN_URL: `${fakes.dropbox.apiUrl}/oauth2/token`,
      FERRY_DROPBOX_API_URL: fakes.dropbox.apiUrl,
      FERRY_DROPBOX_CONTENT_URL: fakes.dropbox.contentUrl,
      FERRY_MS_CLIENT_ID: 'ms-client',
      FERRY_MS_CLIENT_SECRET: 'ms-secret',
      FERRY_MS_AUTH_URL: `${fakes.microsoft.url}/common/oauth2/v2.0/authorize`,
      FERRY_MS_TOKEN_URL: `${fakes.microsoft.url}/common/oauth2/v2.0/token`,
      FERRY_GRAPH_URL: fakes.microsoft.url,
    },
    { worker: true },
  );
  await t.app.listen({ port, host: '127.0.0.1' });
  browser = new Browser();
  const res = await browser.request(`${publicUrl}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'family@example.org', password: 'correct horse battery' }),
  });
  expect(res.status).toBe(201);
  const session = (await res.json()) as { csrfToken: string; user: { id: string } };
  csrf = session.csrfToken;
  root = path.join(localRoots, session.user.id);
  for (const [p, bytes] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, 'src', p)), { recursive: true });
    await fs.writeFile(path.join(root, 'src', p), bytes);
  }
});
afterAll(async () => {
  await t?.close();
  await Promise.all([fakes?.google.close(), fakes?.dropbox.close(), fakes?.microsoft.close(), s3?.close()]);
  await fs.rm(localRoots, { recursive: true, force: true });
});

let csrf = '';
async function api<T = any>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await browser.request(`${publicUrl}/api/v1${url}`, {
    method,
    headers: { 'x-csrf-token': csrf, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const providers = [
  { kind: 'google-drive', fake: () => fakes.google, email: () => fakes.google.account.email },
  { kind: 'dropbox', fake: () => fakes.dropbox, email: () => fakes.dropbox.account.email },
  { kind: 'onedrive', fake: () => fakes.microsoft, email: () => fakes.microsoft.account.email },
] as const;

/** Signs in as a person would: start, the provider's consent page, Allow, back to Ferry. */
async function connect(kind: string, name?: string): Promise<{ cloudId: string; final: string }> {
  const start = await browser.go(
    `${publicUrl}/api/v1/oauth/${kind}/start${name ? `?name=${encodeURIComponent(name)}` : ''}`,
  );
  expect(start.res.status).toBe(200);
  const page = await start.res.text();
  const back = await browser.submit(start.url, page, { name: 'decision', value: 'allow' });
  await back.res.arrayBuffer();
  // Ferry's callback redirects to the cloud's page in the web app, saying whether it was new.
  const id = new RegExp(`^${publicUrl}/clouds/([0-9a-f-]{36})\\?(connected|reconnected)=1$`).exec(back.url)?.[1];
  expect(id).toBeTruthy();
  const cloud = await api('GET', `/clouds/${id}`);
  expect(cloud.status).toBe(200);
  return { cloudId: id!, final: back.url };
}

const clouds: Record<string, string> = {};

describe('signing in', () => {
  for (const p of providers) {
    test(
      `${p.kind}: the whole dance over HTTP lands a connected cloud named after the account; ` +
        `signing in again reconnects it`,
      async () => {
        const first = browser.hops.length;
        const { cloudId, final } = await connect(p.kind);
        expect(final).toMatch(/\?connected=1$/);
        const hops = browser.hops.slice(first);
        const authorize = new URL(hops[0].location!);
        expect(hops[0].status).toBe(302);
        // PKCE
        expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
        expect(authorize.searchParams.get('state')).toBeTruthy();
        expect(authorize.searchParams.get('redirect_uri')).toBe(`${publicUrl}/api/v1/oauth/${p.kind}/callback`);
        if (p.kind === 'google-drive') expect(authorize.searchParams.get('access_type')).toBe('offline');
        if (p.kind === 'dropbox') expect(authorize.searchParams.get('token_access_type')).toBe('offline');
        if (p.kind === 'onedrive') expect(authorize.searchParams.get('scope')!.split(' ')).toContain('offline_access');

        const cloud = (await api('GET', `/clouds/${cloudId}`)).body;
        expect([cloud.kind, cloud.name, cloud.status, cloud.options.account]).toEqual([
          p.kind,
          p.email(),
          'ok',
          p.email(),
        ]);
        // no token is shown
        expect(JSON.stringify(cloud)).not.toContain('rt-');
        const sealed = (await t.db.query('SELECT secrets FROM clouds WHERE id = $1', [cloudId])).rows[0].secrets;
        // tokens sealed
        expect(
          !sealed.includes('rt-') && JSON.parse(t.keyring.open(sealed)).refreshToken.startsWith('rt-'),
        ).toBeTruthy();
        expect((await api('POST', `/clouds/${cloudId}/check`)).body.ok).toBe(true);

        const again = await connect(p.kind, 'Renamed?');
        // the same account reconnects its cloud
        expect(again.cloudId).toBe(cloudId);
        // the cloud page is told it was a reconnection
        expect(again.final).toMatch(/\?reconnected=1$/);
        clouds[p.kind] = cloudId;
      },
    );
  }

  test('a refused consent or a forged state leaves no cloud, and says why', async () => {
    const before = (await api('GET', '/clouds')).body.items.length;
    const start = await browser.go(`${publicUrl}/api/v1/oauth/dropbox/start`);
    const denied = await browser.submit(start.url, await start.res.text(), { name: 'decision', value: 'deny' });
    expect(denied.res.status).toBe(400);
    expect(((await denied.res.json()) as any).error.message).toMatch(/did not grant access \(access_denied\)/);

    const again = await browser.go(`${publicUrl}/api/v1/oauth/dropbox/start`);
    const callback = new URL(`${publicUrl}/api/v1/oauth/dropbox/callback`);
    callback.searchParams.set('code', 'stolen-code');
    callback.searchParams.set('state', 'forged-state');
    await again.res.arrayBuffer();
    const forged = await browser.request(callback.toString());
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as any).error.message).toMatch(/state mismatch/);
    expect((await api('GET', '/clouds')).body.items.length).toBe(before);
  });

  test(
    'in a browser (asking for a page), a refused consent, a forged state or a malformed ' +
      "callback land on the app's page for adding a cloud, which says why",
    async () => {
      const before = (await api('GET', '/clouds')).body.items.length;
      const page = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
      const landing = (res: Response) => {
        expect(res.status).toBe(302);
        const to = new URL(res.headers.get('location')!);
        expect(`${to.origin}${to.pathname}`).toBe(`${publicUrl}/clouds/new`);
        return { error: to.searchParams.get('error'), message: to.searchParams.get('message') ?? '' };
      };
      const start = await browser.go(`${publicUrl}/api/v1/oauth/dropbox/start`);
      const html = await start.res.text();
      const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html)!;
      const fields = new URLSearchParams();
      for (const m of form[2].matchAll(/<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"/g))
        fields.append(
          m[1],
          m[2].replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))),
        );
      fields.append('decision', 'deny');
      const toFerry = await browser.request(new URL(form[1], start.url).toString(), {
        method: 'POST',
        body: fields.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const denied = landing(await browser.request(toFerry.headers.get('location')!, { headers: page }));
      expect(denied.error).toBe('invalid_request');
      expect(denied.message).toMatch(/^Dropbox did not grant access \(access_denied\)\. Start again to connect it\.$/);

      const forged = new URL(`${publicUrl}/api/v1/oauth/dropbox/callback`);
      forged.searchParams.set('code', 'stolen-code');
      forged.searchParams.set('state', 'forged-state');
      expect(landing(await browser.request(forged.toString(), { headers: page })).message).toMatch(/state mismatch/);

      // A query the callback's schema refuses is told as well, not answered as JSON.
      const malformed = new URL(`${publicUrl}/api/v1/oauth/dropbox/callback`);
      malformed.searchParams.set('state', 'x'.repeat(2000));
      const bad = landing(await browser.request(malformed.toString(), { headers: page }));
      expect(bad.error).toBe('invalid_request');
      expect(bad.message).toMatch(/malformed.*Start again/);

      // Signed out (no session cookie): told so, with the way back.
      const signedOut = landing(await fetch(forged, { headers: page, redirect: 'manual' }));
      expect(signedOut.error).toBe('unauthorized');
      expect(signedOut.message).toMatch(/signed out of Ferry.*start again/);
      // Starting while signed out: the same page, not a JSON 401.
      expect(
        landing(await fetch(`${publicUrl}/api/v1/oauth/dropbox/start`, { headers: page, redirect: 'manual' })).error,
      ).toBe('unauthorized');
      expect((await api('GET', '/clouds')).body.items.length).toBe(before);
    },
  );
});

async function s3Bytes(key: string): Promise<Buffer> {
  const out = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

async function runTask(taskId: string, timeoutMs = 120_000): Promise<Record<string, any>> {
  const started = await api('POST', `/tasks/${taskId}/runs`);
  expect(started.status).toBe(202);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await api('GET', `/runs/${started.body.run.id}`)).body;
    if (!['queued', 'running'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run still ${run.status}: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function failedItems(runId: string): Promise<string> {
  return JSON.stringify(
    (await api('GET', `/runs/${runId}/items?status=failed`)).body.items.map((i: any) => [i.path, i.error]),
  );
}

describe('any cloud to any cloud', () => {
  test(
    'local, S3, Drive, Dropbox and OneDrive each as destination from a folder, ' +
      'and each as source into S3: every byte compared',
    async () => {
      await fs.mkdir(path.join(root, 'out'), { recursive: true });
      const folder = (
        await api('POST', '/clouds', { kind: 'local', name: 'Folder', options: { root: path.join(root, 'src') } })
      ).body.id;
      const out = (
        await api('POST', '/clouds', { kind: 'local', name: 'Out', options: { root: path.join(root, 'out') } })
      ).body.id;
      const bucket = (await api('POST', '/clouds', { kind: 's3', name: 'Bucket', options: s3.options() })).body.id;
      for (const p of providers) clouds[p.kind] ??= (await connect(p.kind)).cloudId;

      const ends: { kind: string; cloudId: string; read(p: string): Promise<Buffer> }[] = [
        { kind: 'local', cloudId: out, read: (p) => fs.readFile(path.join(root, 'out', 'matrix/local', p)) },
        { kind: 's3', cloudId: bucket, read: (p) => s3Bytes(`matrix/s3/${p}`) },
        {
          kind: 'google-drive',
          cloudId: clouds['google-drive'],
          read: (p) => fakes.google.fileBytes(`matrix/google-drive/${p}`),
        },
        { kind: 'dropbox', cloudId: clouds.dropbox, read: (p) => fakes.dropbox.fileBytes(`matrix/dropbox/${p}`) },
        { kind: 'onedrive', cloudId: clouds.onedrive, read: (p) => fakes.microsoft.fileBytes(`matrix/onedrive/${p}`) },
      ];
      const count = Object.keys(files).length;
      const bytes = Object.values(files).reduce((n, b) => n + b.length, 0);
      for (const end of ends) {
        const there = await api('POST', '/tasks', {
          name: `to ${end.kind}`,
          source: { cloudId: folder },
          destination: { cloudId: end.cloudId, path: `matrix/${end.kind}` },
        });
        expect(there.status).toBe(201);
        const run = await runTask(there.body.id);
        expect({ status: run.status, failed: await failedItems(run.id) }).toEqual({
          status: 'succeeded',
          failed: '[]',
        });
        expect([run.done.items, run.done.bytes]).toEqual([count, bytes]);
        for (const [p, b] of Object.entries(files)) expect((await end.read(p)).equals(b)).toBeTruthy();

        const back = await api('POST', '/tasks', {
          name: `from ${end.kind}`,
          source: { cloudId: end.cloudId, path: `matrix/${end.kind}` },
          destination: { cloudId: bucket, path: `back/${end.kind}` },
        });
        expect(back.status).toBe(201);
        const restore = await runTask(back.body.id);
        expect({ status: restore.status, failed: await failedItems(restore.id) }).toEqual({
          status: 'succeeded',
          failed: '[]',
        });
        expect(restore.done.items).toBe(count);
        for (const [p, b] of Object.entries(files))
          expect((await s3Bytes(`back/${end.kind}/${p}`)).equals(b)).toBeTruthy();

        // Incremental: nothing changed, nothing copied.
        const again = await runTask(there.body.id);
        expect([again.status, again.totals.items]).toEqual(['succeeded', 0]);
      }
    },
  );
});

describe('sign-in trouble in the middle of a run', () => {
  async function photoFolder(name: string, n: number): Promise<string> {
    const dir = path.join(root, name);
    await fs.mkdir(dir, { recursive: true });
    for (let i = 0; i < n; i++)
      await fs.writeFile(path.join(dir, `IMG_${String(i).padStart(3, '0')}.jpg`), crypto.randomBytes(256 * 1024));
    return dir;
  }

  async function startRun(taskId: string): Promise<string> {
    const started = await api('POST', `/tasks/${taskId}/runs`);
    expect(started.status).toBe(202);
    return started.body.run.id;
  }

  async function waitDone(runId: string, atLeast: number): Promise<void> {
    for (const deadline = Date.now() + 60_000; ; ) {
      const run = (await api('GET', `/runs/${runId}`)).body;
      if (run.done.items >= atLeast) return;
      if (!['queued', 'running'].includes(run.status)) throw new Error(`run ended early: ${JSON.stringify(run)}`);
      if (Date.now() > deadline) throw new Error('no progress');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function endOf(runId: string): Promise<Record<string, any>> {
    for (const deadline = Date.now() + 120_000; ; ) {
      const run = (await api('GET', `/runs/${runId}`)).body;
      if (!['queued', 'running'].includes(run.status)) return run;
      if (Date.now() > deadline) throw new Error(`run still ${run.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test(
    'an access token that expires mid-run is refreshed, ' + 'and the rotated refresh token is the one kept (OneDrive)',
    async () => {
      const cloudId = (clouds.onedrive ??= (await connect('onedrive')).cloudId);
      const folder = (
        await api('POST', '/clouds', {
          kind: 'local',
          name: 'Expiry src',
          options: { root: await photoFolder('expiry', 40) },
        })
      ).body.id;
      const task = (
        await api('POST', '/tasks', {
          name: 'expiry',
          source: { cloudId: folder },
          destination: { cloudId, path: 'expiry' },
        })
      ).body;
      const refreshesBefore = fakes.microsoft.oauth.stats.refreshes;
      const runId = await startRun(task.id);
      await waitDone(runId, 3);
      fakes.microsoft.oauth.expireAccessTokens();
      const run = await endOf(runId);
      expect(run.status).toBe('succeeded');
      expect(run.done.items).toBe(40);
      // refreshed
      expect(fakes.microsoft.oauth.stats.refreshes).toBeGreaterThan(refreshesBefore);
      const issued = fakes.microsoft.tokenRequests
        .filter((r) => r.grantType === 'refresh_token' && r.status === 200)
        .at(-1)!.refreshTokenIssued;
      const stored = JSON.parse(
        t.keyring.open((await t.db.query('SELECT secrets FROM clouds WHERE id = $1', [cloudId])).rows[0].secrets),
      );
      // the rotated refresh token was saved
      expect(stored.refreshToken).toBe(issued);
    },
  );

  test(
    'a sign-in revoked mid-run fails the run with the reason, marks the cloud, ' +
      'queues the reconnect mail; reconnecting lets the next run finish (Dropbox)',
    async () => {
      const cloudId = (clouds.dropbox ??= (await connect('dropbox')).cloudId);
      const folder = (
        await api('POST', '/clouds', {
          kind: 'local',
          name: 'Revoke src',
          options: { root: await photoFolder('revoke', 60) },
        })
      ).body.id;
      const task = (
        await api('POST', '/tasks', {
          name: 'revoked',
          source: { cloudId: folder },
          destination: { cloudId, path: 'revoked' },
        })
      ).body;
      const runId = await startRun(task.id);
      await waitDone(runId, 3);
      fakes.dropbox.oauth.revoke();
      const run = await endOf(runId);
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/revoked or has expired: reconnect the cloud/);
      expect(run.done.items >= 3 && run.done.items < 60).toBeTruthy();
      const cloud = (await api('GET', `/clouds/${cloudId}`)).body;
      expect(cloud.status).toBe('needs_reauth');
      const mails = (await t.db.query(`SELECT subject FROM mail_outbox WHERE kind = 'cloud_needs_reauth'`)).rows;
      expect(mails.map((m) => m.subject)).toEqual([
        `Ferry: reconnect '${fakes.dropbox.account.email}' to keep your backups running`,
      ]);

      // The failed run's workers let go of what they held within a tick.
      for (const deadline = Date.now() + 30_000; ; ) {
        const { rows } = await t.db.query(
          `SELECT count(*)::int AS n FROM run_items WHERE run_id = $1 AND status = 'copying'`,
          [runId],
        );
        if (rows[0].n === 0) break;
        if (Date.now() > deadline) throw new Error('items of the failed run still held');
        await new Promise((r) => setTimeout(r, 50));
      }
      // Reconnecting the same account brings the cloud back; the next run copies only what is left.
      expect((await connect('dropbox')).cloudId).toBe(cloudId);
      expect((await api('GET', `/clouds/${cloudId}`)).body.status).toBe('ok');
      const next = await endOf(await startRun(task.id));
      expect(next.status).toBe('succeeded');
      // A copy that finished as the run failed is recorded on it, or, when the run's end stopped it
      // between Dropbox's commit and the record, found by the next run as an identical file and
      // skipped: either way it is copied once and is in the manifest.
      const first = (await api('GET', `/runs/${runId}`)).body;
      const identical = await t.db.query(
        `SELECT count(*)::int AS n FROM run_items WHERE run_id = $1 ` +
          `AND status = 'skipped' AND error LIKE 'An identical file%'`,
        [next.id],
      );
      // nothing skipped but identical files
      expect(identical.rows[0].n).toBe(next.skipped.items);
      // nothing copied twice, nothing left out
      expect(next.done.items + next.skipped.items + first.done.items).toBe(60);
      const manifest = await t.db.query(`SELECT count(*)::int AS n FROM manifest WHERE task_id = $1`, [task.id]);
      expect(manifest.rows[0].n).toBe(60);
      for (let i = 0; i < 60; i++) {
        const name = `IMG_${String(i).padStart(3, '0')}.jpg`;
        expect(
          (await fakes.dropbox.fileBytes(`revoked/${name}`)).equals(await fs.readFile(path.join(root, 'revoke', name))),
        ).toBeTruthy();
      }
    },
  );
});

describe("Drive's daily upload cap", () => {
  test(
    'the run pauses until the next day instead of failing items, ' + 'says so, and carries on by itself then',
    async () => {
      const cloudId = (clouds['google-drive'] ??= (await connect('google-drive')).cloudId);
      const dir = path.join(root, 'capped');
      await fs.mkdir(dir, { recursive: true });
      for (let i = 0; i < 40; i++) await fs.writeFile(path.join(dir, `IMG_${i}.jpg`), crypto.randomBytes(64 * 1024));
      const folder = (await api('POST', '/clouds', { kind: 'local', name: 'Capped src', options: { root: dir } })).body
        .id;
      const task = (
        await api('POST', '/tasks', {
          name: 'capped',
          source: { cloudId: folder },
          destination: { cloudId, path: 'capped' },
        })
      ).body;
      // Today's cap is reached once a photo is in; sessions opened before that still finish, as on
      // Drive (the run's 16 lanes open theirs at once).
      fakes.google.newUploadDay(64 * 1024);
      try {
        const started = await api('POST', `/tasks/${task.id}/runs`);
        const runId = started.body.run.id;
        let run: Record<string, any> = {};
        for (const deadline = Date.now() + 30_000; ; ) {
          run = (await api('GET', `/runs/${runId}`)).body;
          if (run.error?.startsWith('Paused until')) break;
          if (Date.now() > deadline || !['queued', 'running'].includes(run.status))
            throw new Error(`not parked: ${JSON.stringify(run)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(run.status).toBe('running');
        // nothing failed
        expect(run.failed.items).toBe(0);
        expect(run.done.items >= 1 && run.done.items < 40).toBeTruthy();
        const until = new Date(/^Paused until (\S+):/.exec(run.error)![1]);
        const tomorrow = new Date();
        tomorrow.setUTCHours(24, 0, 0, 0);
        expect(until >= tomorrow && until.getTime() < tomorrow.getTime() + 3600_000).toBeTruthy();
        // (Copy jobs that found nothing to claim may also have queued a look in 20 s: not these. Not
        // "an hour from now" either: from 23:00 UTC on, the next day is closer than that.)
        const job = (
          await t.db.query(
            `SELECT start_after FROM pgboss.job WHERE name = 'run-copy' AND data->>'runId' = $1 ` +
              `AND state = 'created' AND start_after >= $2`,
            [runId, until],
          )
        ).rows;
        // a copy job waits for then
        expect(job.length).toBeGreaterThanOrEqual(1);
        for (const j of job) expect(new Date(j.start_after).getTime()).toBe(until.getTime());

        // Every worker holds off the account until then, not only this run.
        const pause = await t.db.query(
          `SELECT paused_until FROM rate_limits WHERE key LIKE 'google-drive:%' AND paused_until > now()`,
        );
        expect(pause.rows.map((r) => r.paused_until.getTime())).toEqual([until.getTime()]);

        // The next day: the cap is lifted, the account's pause is over and the waiting job comes due.
        fakes.google.newUploadDay();
        await t.db.query(`UPDATE rate_limits SET paused_until = now() WHERE key LIKE 'google-drive:%'`);
        await t.db.query(
          `UPDATE pgboss.job SET start_after = now() WHERE name = 'run-copy' ` +
            `AND data->>'runId' = $1 AND state = 'created'`,
          [runId],
        );
        for (const deadline = Date.now() + 60_000; run.status === 'running'; ) {
          if (Date.now() > deadline) throw new Error(`still running: ${JSON.stringify(run)}`);
          await new Promise((r) => setTimeout(r, 100));
          run = (await api('GET', `/runs/${runId}`)).body;
        }
        expect(run.status).toBe('succeeded');
        expect([run.done.items, run.error]).toEqual([40, null]);
        for (let i = 0; i < 40; i++)
          expect(
            (await fakes.google.fileBytes(`capped/IMG_${i}.jpg`)).equals(
              await fs.readFile(path.join(dir, `IMG_${i}.jpg`)),
            ),
          ).toBeTruthy();
      } finally {
        fakes.google.newUploadDay();
      }
    },
  );
});
