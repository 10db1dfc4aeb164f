// Mail and webhooks at the end of runs, through a real SMTP server (STARTTLS + AUTH) and a real
// HTTP receiver: what arrives, how often, with which figures, and what survives an SMTP outage.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { settled, signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { startS3 } from '../support/s3.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';

const PUBLIC_URL = 'https://ferry.example.org';
let t: TestApp & { url: string };
let smtp: TestSmtp;
let root: string;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-notify-')));
  smtp = await startSmtp();
  t = await startTestApp(
    {
      FERRY_LOCAL_ROOTS: root,
      FERRY_ALLOW_PRIVATE_ENDPOINTS: '1',
      SMTP_URL: smtp.url,
      FERRY_PUBLIC_URL: PUBLIC_URL,
      FERRY_MAIL_FROM: 'Ferry <ferry@example.org>',
    },
    { worker: true },
  );
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
  await fs.rm(root, { recursive: true, force: true });
});

const api = (a: Actor) => ({
  post: (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer }),
  get: (url: string) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: a.bearer }),
});

/** A folder of `n` photos of `size` bytes in the user's own space. */
async function photos(a: Actor, folder: string, n: number, size = 400_000): Promise<string> {
  const dir = path.join(root, a.id, folder);
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i++)
    await fs.writeFile(path.join(dir, `IMG_${String(i).padStart(4, '0')}.jpg`), crypto.randomBytes(size));
  return dir;
}

async function localCloud(a: Actor, name: string, dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  // Local clouds live in their owner's space, <FERRY_LOCAL_ROOTS>/<user id>/, named from there.
  const res = await api(a).post('/clouds', {
    kind: 'local',
    name,
    options: { root: path.relative(path.join(root, a.id), dir) },
  });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function task(a: Actor, name: string, src: string, dst: string, notify: object): Promise<string> {
  const res = await api(a).post('/tasks', {
    name,
    source: { cloudId: src },
    destination: { cloudId: dst, path: '' },
    notify,
  });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function run(a: Actor, taskId: string) {
  const res = await api(a).post(`/tasks/${taskId}/runs`, {});
  expect(res.statusCode).toBe(202);
  return waitForRun(t, a, res.json().run.id);
}

const mailsOf = (runId: string) =>
  t.db.query('SELECT * FROM mail_outbox WHERE run_id = $1 ORDER BY created_at', [runId]).then((r) => r.rows);
const bySubject = (s: string) => smtp.received.filter((m) => m.subject === s);

describe('the mail at the end of a run', () => {
  test('each outcome and policy: the right mail, once, with its figures; none where the policy says so', async () => {
    const a = await signup(t);
    const src = await localCloud(a, 'Phone', await photos(a, 'family', 3));
    const before = smtp.received.length;

    // succeeded, policy always: mailed to the account.
    const ok = await run(
      a,
      await task(a, 'Family photos → NAS', src, await localCloud(a, 'NAS', path.join(root, a.id, 'nas')), {
        on: 'always',
      }),
    );
    expect(ok.status).toBe('succeeded');
    const [m] = await smtp.waitFor(before + 1).then((all) => all.slice(before));
    expect(m.subject).toBe("Ferry: 'Family photos → NAS' finished — 3 photos, 1.2 MB");
    expect(m.to).toBe(a.email);
    expect(m.from).toMatch(/^"?Ferry"? <ferry@example\.org>$/);
    expect(m.text).toMatch(/Copied: +3 photos, 1\.2 MB/);
    expect(m.text).toMatch(/Skipped \(already there\): +0, 0 B/);
    expect(m.text).toMatch(/Failed: +0/);
    expect(m.text).toMatch(/Average speed: +[\d.]+ [kMG]?B\/s/);
    expect(m.text).toContain(`${PUBLIC_URL}/runs/${ok.id}`);
    expect(m.html.includes('3 photos, 1.2 MB') && m.html.includes(`href="${PUBLIC_URL}/runs/${ok.id}"`)).toBeTruthy();
    // The server's acceptance is recorded just after it answers: give the record a moment.
    let [row] = await mailsOf(ok.id);
    for (const deadline = Date.now() + 10_000; !row.sent_at && Date.now() < deadline; [row] = await mailsOf(ok.id))
      await new Promise((r) => setTimeout(r, 50));
    // the Message-ID sent is the one stored
    expect(row.message_id).toBe(m.messageId);
    expect(row.sent_at).toBeTruthy();

    // succeeded, policy failure (the default) and never: nothing queued, nothing sent.
    const quiet = await run(
      a,
      await task(a, 'Quiet', src, await localCloud(a, 'Quiet dest', path.join(root, a.id, 'quiet')), {}),
    );
    expect(quiet.status).toBe('succeeded');
    expect(await mailsOf(quiet.id)).toEqual([]);

    // partial: one destination path is taken by a folder, so that photo cannot be written.
    const partialDir = path.join(root, a.id, 'partial-dest');
    await fs.mkdir(path.join(partialDir, 'IMG_0001.jpg'), { recursive: true });
    const never = await run(
      a,
      await task(a, 'Never tell', src, await localCloud(a, 'Never dest', partialDir), { on: 'never' }),
    );
    expect(never.status).toBe('partial');
    expect(await mailsOf(never.id)).toEqual([]);
    // An address other than the account's gets run mail once confirmed (notify-addresses.test.ts): this one was.
    await t.db.query(
      `INSERT INTO notify_addresses (user_id, email, confirmed_at) VALUES ($1, 'alerts@example.net', now())`,
      [a.id],
    );
    const holidayDir = path.join(root, a.id, 'holiday-dest');
    await fs.mkdir(path.join(holidayDir, 'IMG_0001.jpg'), { recursive: true });
    const partial = await run(
      a,
      await task(a, 'Holiday', src, await localCloud(a, 'Holiday dest', holidayDir), {
        on: 'failure',
        email: 'alerts@example.net',
      }),
    );
    expect(partial.status).toBe('partial');
    const [p] = await smtp.waitFor(before + 2).then((all) => all.slice(before + 1));
    expect(p.subject).toBe("Ferry: 'Holiday' finished with 1 failed — 2 photos, 800 kB");
    expect(p.to).toBe('alerts@example.net');
    expect(p.text).toMatch(/First failures:\n {2}- IMG_0001\.jpg: .+/);
    expect(p.text).toMatch(/Failed: +1/);

    // failed: the source folder is gone.
    const gone = await localCloud(a, 'Gone', path.join(root, a.id, 'gone'));
    const failedTask = await task(
      a,
      'Old laptop',
      gone,
      await localCloud(a, 'Gone dest', path.join(root, a.id, 'gone-dest')),
      { on: 'failure' },
    );
    await fs.rm(path.join(root, a.id, 'gone'), { recursive: true });
    const failed = await run(a, failedTask);
    expect(failed.status).toBe('failed');
    const [f] = await smtp.waitFor(before + 3).then((all) => all.slice(before + 2));
    expect(f.subject).toMatch(/^Ferry: 'Old laptop' failed — Listing the source failed: /);
    // the body says why
    expect(f.text).toContain(failed.error);

    // Each mail arrived once: once every job has ended, none can arrive any more.
    await settled(t);
    expect(smtp.received.length).toBe(before + 3);
    expect(new Set(smtp.received.map((x) => x.messageId)).size).toBe(smtp.received.length);

    // The run says its notification was delivered.
    const shown = (await api(a).get(`/runs/${partial.id}`)).json();
    expect(
      shown.notifications.map((n: Record<string, unknown>) => [n.channel, n.event, n.to, n.status, n.attempts]),
    ).toEqual([['email', 'run_ended', 'alerts@example.net', 'delivered', 1]]);
  });

  test(
    'quota: the run ends paused with its mail, and the account ' + 'hears once a month that the quota is used up',
    async () => {
      const a = await signup(t);
      await t.db.query('UPDATE users SET traffic_limit_bytes = 500000 WHERE id = $1', [a.id]);
      const src = await localCloud(a, 'Phone', await photos(a, 'quota', 3));
      const id = await task(a, 'Camera roll', src, await localCloud(a, 'NAS', path.join(root, a.id, 'quota-dest')), {
        on: 'failure',
      });
      const mine = () => smtp.received.filter((m) => m.to === a.email);

      const first = await run(a, id);
      expect(first.status).toBe('quota_exceeded');
      await waitUntil(() => mine().length >= 2);
      const subjects = mine()
        .map((m) => m.subject)
        .sort();
      expect(subjects).toEqual([
        "Ferry: 'Camera roll' paused — monthly traffic quota used up (1 photo, 400 kB copied)",
        'Ferry: your monthly traffic quota is used up',
      ]);
      const quotaMail = mine().find((m) => m.subject.startsWith('Ferry: your'))!;
      expect(quotaMail.text).toMatch(/You have used 400 kB of your 500 kB monthly traffic/);
      const runMail = mine().find((m) => m.subject.startsWith("Ferry: 'Camera"))!;
      expect(runMail.text).toMatch(/2 item\(s\) wait for the next run/);

      const second = await run(a, id);
      expect(second.status).toBe('quota_exceeded');
      await waitUntil(() => mine().length >= 3);
      await settled(t);
      // once a month
      expect(mine().filter((m) => m.subject === 'Ferry: your monthly traffic quota is used up').length).toBe(1);
      expect(mine().length).toBe(3);
    },
  );

  test('with the SMTP server down the mail stays queued, and arrives once when it is back', async () => {
    const a = await signup(t);
    const src = await localCloud(a, 'Phone', await photos(a, 'outage', 1));
    const id = await task(
      a,
      'During the outage',
      src,
      await localCloud(a, 'NAS', path.join(root, a.id, 'outage-dest')),
      { on: 'always' },
    );
    await smtp.stop();
    try {
      const r = await run(a, id);
      let shown: Record<string, any> = {};
      await waitUntil(async () => {
        shown = (await api(a).get(`/runs/${r.id}`)).json();
        return shown.notifications[0]?.attempts >= 1;
      });
      expect(shown.notifications[0].status).toBe('pending');
      expect(shown.notifications[0].lastError).toMatch(/ECONNREFUSED/);
      expect(bySubject("Ferry: 'During the outage' finished — 1 photo, 400 kB").length).toBe(0);
    } finally {
      await smtp.restart();
    }
    await waitUntil(() => bySubject("Ferry: 'During the outage' finished — 1 photo, 400 kB").length === 1, 60_000);
    await settled(t);
    // sent once
    expect(bySubject("Ferry: 'During the outage' finished — 1 photo, 400 kB").length).toBe(1);
    const [row] = await t.db
      .query("SELECT sent_at, attempts FROM mail_outbox WHERE subject LIKE '%During the outage%'")
      .then((x) => x.rows);
    expect(row.sent_at).toBeTruthy();
    expect(row.attempts).toBeGreaterThanOrEqual(2);
  });
});

describe('account mail', () => {
  test(
    'a cloud that refuses its credentials needs reconnecting: ' + 'its run fails and the owner is mailed once',
    async () => {
      const s3 = await startS3();
      // Once the cloud is saved (it is reached first), the access key is deleted at the provider:
      // S3 answers every request as AWS does then.
      let deleted = false;
      const proxy = await startFaultProxy(s3.endpoint, () =>
        deleted
          ? {
              kind: 'status',
              status: 403,
              code: 'InvalidAccessKeyId',
              message: 'The AWS Access Key Id you provided does not exist in our records.',
            }
          : { kind: 'pass' },
      );
      try {
        const a = await signup(t);
        const created = await api(a).post('/clouds', {
          kind: 's3',
          name: 'Archive bucket',
          options: s3.options({ endpoint: proxy.endpoint }),
        });
        expect(created.statusCode).toBe(201);
        deleted = true;
        const cloudId = created.json().id;
        const id = await task(
          a,
          'From the archive',
          cloudId,
          await localCloud(a, 'NAS', path.join(root, a.id, 'reauth-dest')),
          { on: 'never' },
        );
        const mine = () => smtp.received.filter((m) => m.to === a.email);

        const first = await run(a, id);
        expect(first.status).toBe('failed');
        expect(first.error).toMatch(/refused these credentials/);
        const cloud = (await api(a).get(`/clouds/${cloudId}`)).json();
        expect(cloud.status).toBe('needs_reauth');
        await waitUntil(() => mine().length >= 1);
        const [m] = mine();
        expect(m.subject).toBe("Ferry: reconnect 'Archive bucket' to keep your backups running");
        expect(m.text).toMatch(/can no longer sign in to your cloud 'Archive bucket'/);
        expect(m.text).toContain(`${PUBLIC_URL}/clouds/${cloudId}`);

        expect((await run(a, id)).status).toBe('failed');
        await settled(t);
        // one mail while it stays disconnected, whatever the runs
        expect(mine().length).toBe(1);
      } finally {
        await proxy.close();
        await s3.close();
      }
    },
  );

  test('signup with address verification: the link arrives in the user’s language, and tasks wait for it', async () => {
    const v = await startTestApp(
      { FERRY_LOCAL_ROOTS: root, SMTP_URL: smtp.url, FERRY_PUBLIC_URL: PUBLIC_URL, FERRY_VERIFY_EMAIL: '1' },
      { worker: true },
    );
    try {
      const email = `verify-${crypto.randomBytes(3).toString('hex')}@example.com`;
      const res = await v.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email, password: 'correct horse battery' },
        headers: { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' },
      });
      expect(res.statusCode).toBe(201);
      expect([res.json().user.locale, res.json().user.emailVerified]).toEqual(['de', false]);
      const headers = {
        cookie: `ferry_session=${res.cookies.find((c) => c.name === 'ferry_session')!.value}`,
        'x-csrf-token': res.json().csrfToken,
      };
      const newTask = {
        name: 'x',
        source: { cloudId: crypto.randomUUID() },
        destination: { cloudId: crypto.randomUUID(), path: 'x' },
      };
      const refused = await v.app.inject({ method: 'POST', url: '/api/v1/tasks', payload: newTask, headers });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('email_unverified');

      await waitUntil(() => smtp.received.some((m) => m.to === email));
      const m = smtp.received.find((x) => x.to === email)!;
      expect(m.subject).toBe('Ferry: Bestätigen Sie Ihre E-Mail-Adresse');
      // The mailed link opens the app's page; the API's own page still answers its token.
      const mailed = /https:\/\/ferry\.example\.org\/verify\?token=(\S+)/.exec(m.text)?.[1];
      const link = mailed && `/api/v1/auth/verify?token=${mailed}`;
      expect(link).toBeTruthy();
      // Opening the link (as a mail scanner does, twice) changes nothing: it shows a page with a button.
      const me = async () => (await v.app.inject({ method: 'GET', url: '/api/v1/me', headers })).json().emailVerified;
      const openLink = async () => {
        const opened = await v.app.inject({ method: 'GET', url: link });
        expect(opened.statusCode).toBe(200);
        expect(opened.headers['content-type'] as string).toMatch(/^text\/html/);
        expect(opened.headers['content-security-policy'] as string).toMatch(/default-src 'none'/);
        expect([
          opened.headers['cache-control'],
          opened.headers['referrer-policy'],
          opened.headers['x-frame-options'],
        ]).toEqual(['no-store', 'no-referrer', 'DENY']);
        expect(opened.body).toContain(email);
        // opening the link confirms nothing
        expect(await me()).toBe(false);
      };
      await openLink();
      await openLink();
      const asJson = await v.app.inject({ method: 'GET', url: link, headers: { accept: 'application/json' } });
      expect(asJson.json()).toEqual({ email, emailVerified: false });
      expect(await me()).toBe(false);

      // The page's form posts the token to verify/confirm (relative to the link); that confirms.
      const pageBody = (await v.app.inject({ method: 'GET', url: link })).body;
      const form = /<form method="post" action="([^"]+)"><input type="hidden" name="token" value="([^"]+)">/.exec(
        pageBody,
      );
      expect(form).toBeTruthy();
      const action = new URL(form![1], `https://ferry.example.org${link}`).pathname;
      expect(action).toBe('/api/v1/auth/verify/confirm');
      const token = new URL(link!, 'https://x').searchParams.get('token')!;
      expect(form![2]).toBe(token);
      const posted = await v.app.inject({
        method: 'POST',
        url: action,
        payload: new URLSearchParams({ token: form![2] }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(posted.statusCode).toBe(200);
      expect(posted.headers['content-type'] as string).toMatch(/^text\/html/);
      expect(await me()).toBe(true);
      // Used: the link, its form and a JSON POST are all refused.
      const gone = await v.app.inject({ method: 'GET', url: link });
      expect(gone.statusCode).toBe(400);
      const again = await v.app.inject({ method: 'POST', url: action, payload: { token } });
      expect([again.statusCode, again.json().error.code]).toEqual([400, 'invalid_token']);
      const againForm = await v.app.inject({
        method: 'POST',
        url: action,
        payload: `token=${encodeURIComponent(token)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(againForm.statusCode).toBe(400);

      // A JSON client confirms with a JSON POST.
      const other = `verify-${crypto.randomBytes(3).toString('hex')}@example.com`;
      const signed = await v.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email: other, password: 'correct horse battery' },
      });
      expect(signed.statusCode).toBe(201);
      const otherHeaders = { cookie: `ferry_session=${signed.cookies.find((c) => c.name === 'ferry_session')!.value}` };
      await waitUntil(() => smtp.received.some((x) => x.to === other));
      const otherMail = smtp.received.find((x) => x.to === other)!.text;
      const mailedToken = /https:\/\/ferry\.example\.org\/verify\?token=(\S+)/.exec(otherMail)![1];
      const otherLink = `/api/v1/auth/verify?token=${mailedToken}`;
      const otherToken = new URL(otherLink, 'https://x').searchParams.get('token')!;
      const byJson = await v.app.inject({
        method: 'POST',
        url: '/api/v1/auth/verify/confirm',
        payload: { token: otherToken },
      });
      expect(byJson.statusCode).toBe(200);
      expect(byJson.json()).toEqual({ email: other, emailVerified: true });
      expect(
        (await v.app.inject({ method: 'GET', url: '/api/v1/me', headers: otherHeaders })).json().emailVerified,
      ).toBe(true);
      const reused = await v.app.inject({
        method: 'POST',
        url: '/api/v1/auth/verify/confirm',
        payload: { token: otherToken },
      });
      expect([reused.statusCode, reused.json().error.code]).toEqual([400, 'invalid_token']);

      const allowed = await v.app.inject({ method: 'POST', url: '/api/v1/tasks', payload: newTask, headers });
      // past the gate: now only the made-up clouds are refused
      expect(allowed.statusCode).toBe(400);
    } finally {
      await v.close();
    }
  });
});

describe('webhooks', () => {
  test('each event is POSTed signed; a failing receiver gets retries, and the delivery is recorded', async () => {
    const secret = `whsec-test-${crypto.randomBytes(12).toString('hex')}`;
    const hits: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        hits.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = hits.length <= 2 ? 500 : 204; // fails twice, then takes it
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks/ferry`;
    try {
      const a = await signup(t);
      const src = await localCloud(a, 'Phone', await photos(a, 'hooked', 2));
      const res = await api(a).post('/tasks', {
        name: 'Hooked',
        source: { cloudId: src },
        destination: { cloudId: await localCloud(a, 'NAS', path.join(root, a.id, 'hooked-dest')), path: '' },
        notify: { on: 'never', webhook: { url, secret } },
      });
      expect(res.statusCode).toBe(201);
      // the secret is never returned
      expect(res.json().notify.webhook).toEqual({ url });
      expect(JSON.stringify((await api(a).get(`/tasks/${res.json().id}`)).json())).not.toContain(secret);

      const r = await run(a, res.json().id);
      expect(r.status).toBe('succeeded');
      await waitUntil(() => hits.length >= 3, 60_000);

      for (const hit of hits) {
        // The documented check: HMAC-SHA256 over "<t>.<raw body>" with the task's secret.
        const sig = String(hit.headers['ferry-signature']);
        const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig) ?? [];
        expect(ts && v1).toBeTruthy();
        const expected = crypto.createHmac('sha256', secret).update(`${ts}.${hit.body}`).digest('hex');
        // signature verifies
        expect(crypto.timingSafeEqual(Buffer.from(v1, 'hex'), Buffer.from(expected, 'hex'))).toBeTruthy();
        // fresh timestamp
        expect(Math.abs(Date.now() / 1000 - Number(ts))).toBeLessThan(120);
        expect(hit.headers['content-type']).toBe('application/json');
        expect(hit.headers['ferry-event']).toBe('run.succeeded');
      }
      // one delivery id across retries
      expect(new Set(hits.map((h) => h.headers['ferry-delivery'])).size).toBe(1);
      // the same body on every attempt
      expect(new Set(hits.map((h) => h.body)).size).toBe(1);
      const payload = JSON.parse(hits[0].body);
      expect(payload.event).toBe('run.succeeded');
      expect(payload.id).toBe(hits[0].headers['ferry-delivery']);
      expect(payload.data.run.id).toBe(r.id);
      expect(payload.data.run.done).toEqual({ items: 2, bytes: 800_000 });
      expect(payload.data.task.name).toBe('Hooked');

      // A forged body does not verify.
      const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(hits[0].headers['ferry-signature']))!;
      expect(
        crypto
          .createHmac('sha256', secret)
          .update(`${ts}.${hits[0].body.replace('succeeded', 'failed')}`)
          .digest('hex'),
      ).not.toBe(v1);

      let shown: Record<string, any> = {};
      await waitUntil(async () => {
        shown = (await api(a).get(`/runs/${r.id}`)).json();
        return shown.notifications[0]?.status === 'delivered';
      });
      expect(
        shown.notifications.map((n: Record<string, unknown>) => [
          n.channel,
          n.event,
          n.to,
          n.status,
          n.attempts,
          n.lastStatus,
        ]),
      ).toEqual([['webhook', 'run.succeeded', url, 'delivered', 3, 204]]);
      await settled(t);
      // not delivered again once taken
      expect(hits.length).toBe(3);
    } finally {
      receiver.close();
    }
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
