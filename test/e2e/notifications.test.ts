// Mail and webhooks at the end of runs, through a real SMTP server (STARTTLS + AUTH) and a real
// HTTP receiver: what arrives, how often, with which figures, and what survives an SMTP outage.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from '@jest/globals';
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
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id;
}

async function task(a: Actor, name: string, src: string, dst: string, notify: object): Promise<string> {
  const res = await api(a).post('/tasks', {
    name,
    source: { cloudId: src },
    destination: { cloudId: dst, path: '' },
    notify,
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id;
}

async function run(a: Actor, taskId: string) {
  const res = await api(a).post(`/tasks/${taskId}/runs`, {});
  assert.equal(res.statusCode, 202, res.body);
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
    assert.equal(ok.status, 'succeeded');
    const [m] = await smtp.waitFor(before + 1).then((all) => all.slice(before));
    assert.equal(m.subject, "Ferry: 'Family photos → NAS' finished — 3 photos, 1.2 MB");
    assert.equal(m.to, a.email);
    assert.match(m.from, /^"?Ferry"? <ferry@example\.org>$/);
    assert.match(m.text, /Copied: +3 photos, 1\.2 MB/);
    assert.match(m.text, /Skipped \(already there\): +0, 0 B/);
    assert.match(m.text, /Failed: +0/);
    assert.match(m.text, /Average speed: +[\d.]+ [kMG]?B\/s/);
    assert.ok(m.text.includes(`${PUBLIC_URL}/runs/${ok.id}`), m.text);
    assert.ok(m.html.includes('3 photos, 1.2 MB') && m.html.includes(`href="${PUBLIC_URL}/runs/${ok.id}"`), m.html);
    // The server's acceptance is recorded just after it answers: give the record a moment.
    let [row] = await mailsOf(ok.id);
    for (const deadline = Date.now() + 10_000; !row.sent_at && Date.now() < deadline; [row] = await mailsOf(ok.id))
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(row.message_id, m.messageId, 'the Message-ID sent is the one stored');
    assert.ok(row.sent_at);

    // succeeded, policy failure (the default) and never: nothing queued, nothing sent.
    const quiet = await run(
      a,
      await task(a, 'Quiet', src, await localCloud(a, 'Quiet dest', path.join(root, a.id, 'quiet')), {}),
    );
    assert.equal(quiet.status, 'succeeded');
    assert.deepEqual(await mailsOf(quiet.id), []);

    // partial: one destination path is taken by a folder, so that photo cannot be written.
    const partialDir = path.join(root, a.id, 'partial-dest');
    await fs.mkdir(path.join(partialDir, 'IMG_0001.jpg'), { recursive: true });
    const never = await run(
      a,
      await task(a, 'Never tell', src, await localCloud(a, 'Never dest', partialDir), { on: 'never' }),
    );
    assert.equal(never.status, 'partial');
    assert.deepEqual(await mailsOf(never.id), []);
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
    assert.equal(partial.status, 'partial');
    const [p] = await smtp.waitFor(before + 2).then((all) => all.slice(before + 1));
    assert.equal(p.subject, "Ferry: 'Holiday' finished with 1 failed — 2 photos, 800 kB");
    assert.equal(p.to, 'alerts@example.net');
    assert.match(p.text, /First failures:\n {2}- IMG_0001\.jpg: .+/);
    assert.match(p.text, /Failed: +1/);

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
    assert.equal(failed.status, 'failed');
    const [f] = await smtp.waitFor(before + 3).then((all) => all.slice(before + 2));
    assert.match(f.subject, /^Ferry: 'Old laptop' failed — Listing the source failed: /);
    assert.ok(f.text.includes(failed.error), 'the body says why');

    // Each mail arrived once: once every job has ended, none can arrive any more.
    await settled(t);
    assert.equal(smtp.received.length, before + 3);
    assert.equal(new Set(smtp.received.map((x) => x.messageId)).size, smtp.received.length);

    // The run says its notification was delivered.
    const shown = (await api(a).get(`/runs/${partial.id}`)).json();
    assert.deepEqual(
      shown.notifications.map((n: Record<string, unknown>) => [n.channel, n.event, n.to, n.status, n.attempts]),
      [['email', 'run_ended', 'alerts@example.net', 'delivered', 1]],
    );
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
      assert.equal(first.status, 'quota_exceeded');
      await waitUntil(() => mine().length >= 2);
      const subjects = mine()
        .map((m) => m.subject)
        .sort();
      assert.deepEqual(subjects, [
        "Ferry: 'Camera roll' paused — monthly traffic quota used up (1 photo, 400 kB copied)",
        'Ferry: your monthly traffic quota is used up',
      ]);
      const quotaMail = mine().find((m) => m.subject.startsWith('Ferry: your'))!;
      assert.match(quotaMail.text, /You have used 400 kB of your 500 kB monthly traffic/);
      const runMail = mine().find((m) => m.subject.startsWith("Ferry: 'Camera"))!;
      assert.match(runMail.text, /2 item\(s\) wait for the next run/);

      const second = await run(a, id);
      assert.equal(second.status, 'quota_exceeded');
      await waitUntil(() => mine().length >= 3);
      await settled(t);
      assert.equal(
        mine().filter((m) => m.subject === 'Ferry: your monthly traffic quota is used up').length,
        1,
        'once a month',
      );
      assert.equal(mine().length, 3);
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
      assert.equal(shown.notifications[0].status, 'pending');
      assert.match(shown.notifications[0].lastError, /ECONNREFUSED/);
      assert.equal(bySubject("Ferry: 'During the outage' finished — 1 photo, 400 kB").length, 0);
    } finally {
      await smtp.restart();
    }
    await waitUntil(() => bySubject("Ferry: 'During the outage' finished — 1 photo, 400 kB").length === 1, 60_000);
    await settled(t);
    assert.equal(bySubject("Ferry: 'During the outage' finished — 1 photo, 400 kB").length, 1, 'sent once');
    const [row] = await t.db
      .query("SELECT sent_at, attempts FROM mail_outbox WHERE subject LIKE '%During the outage%'")
      .then((x) => x.rows);
    assert.ok(row.sent_at);
    assert.ok(row.attempts >= 2);
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
        assert.equal(created.statusCode, 201, created.body);
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
        assert.equal(first.status, 'failed');
        assert.match(first.error, /refused these credentials/);
        const cloud = (await api(a).get(`/clouds/${cloudId}`)).json();
        assert.equal(cloud.status, 'needs_reauth');
        await waitUntil(() => mine().length >= 1);
        const [m] = mine();
        assert.equal(m.subject, "Ferry: reconnect 'Archive bucket' to keep your backups running");
        assert.match(m.text, /can no longer sign in to your cloud 'Archive bucket'/);
        assert.ok(m.text.includes(`${PUBLIC_URL}/clouds/${cloudId}`));

        assert.equal((await run(a, id)).status, 'failed');
        await settled(t);
        assert.equal(mine().length, 1, 'one mail while it stays disconnected, whatever the runs');
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
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual([res.json().user.locale, res.json().user.emailVerified], ['de', false]);
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
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().error.code, 'email_unverified');

      await waitUntil(() => smtp.received.some((m) => m.to === email));
      const m = smtp.received.find((x) => x.to === email)!;
      assert.equal(m.subject, 'Ferry: Bestätigen Sie Ihre E-Mail-Adresse');
      // The mailed link opens the app's page; the API's own page still answers its token.
      const mailed = /https:\/\/ferry\.example\.org\/verify\?token=(\S+)/.exec(m.text)?.[1];
      const link = mailed && `/api/v1/auth/verify?token=${mailed}`;
      assert.ok(link, m.text);
      // Opening the link (as a mail scanner does, twice) changes nothing: it shows a page with a button.
      const me = async () => (await v.app.inject({ method: 'GET', url: '/api/v1/me', headers })).json().emailVerified;
      const openLink = async () => {
        const opened = await v.app.inject({ method: 'GET', url: link });
        assert.equal(opened.statusCode, 200, opened.body);
        assert.match(opened.headers['content-type'] as string, /^text\/html/);
        assert.match(opened.headers['content-security-policy'] as string, /default-src 'none'/);
        assert.deepEqual(
          [opened.headers['cache-control'], opened.headers['referrer-policy'], opened.headers['x-frame-options']],
          ['no-store', 'no-referrer', 'DENY'],
        );
        assert.ok(opened.body.includes(email), opened.body);
        assert.equal(await me(), false, 'opening the link confirms nothing');
      };
      await openLink();
      await openLink();
      const asJson = await v.app.inject({ method: 'GET', url: link, headers: { accept: 'application/json' } });
      assert.deepEqual(asJson.json(), { email, emailVerified: false });
      assert.equal(await me(), false);

      // The page's form posts the token to verify/confirm (relative to the link); that confirms.
      const pageBody = (await v.app.inject({ method: 'GET', url: link })).body;
      const form = /<form method="post" action="([^"]+)"><input type="hidden" name="token" value="([^"]+)">/.exec(
        pageBody,
      );
      assert.ok(form, pageBody);
      const action = new URL(form[1], `https://ferry.example.org${link}`).pathname;
      assert.equal(action, '/api/v1/auth/verify/confirm');
      const token = new URL(link, 'https://x').searchParams.get('token')!;
      assert.equal(form[2], token);
      const posted = await v.app.inject({
        method: 'POST',
        url: action,
        payload: new URLSearchParams({ token: form[2] }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(posted.statusCode, 200, posted.body);
      assert.match(posted.headers['content-type'] as string, /^text\/html/);
      assert.equal(await me(), true);
      // Used: the link, its form and a JSON POST are all refused.
      const gone = await v.app.inject({ method: 'GET', url: link });
      assert.equal(gone.statusCode, 400);
      const again = await v.app.inject({ method: 'POST', url: action, payload: { token } });
      assert.deepEqual([again.statusCode, again.json().error.code], [400, 'invalid_token']);
      const againForm = await v.app.inject({
        method: 'POST',
        url: action,
        payload: `token=${encodeURIComponent(token)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(againForm.statusCode, 400);

      // A JSON client confirms with a JSON POST.
      const other = `verify-${crypto.randomBytes(3).toString('hex')}@example.com`;
      const signed = await v.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email: other, password: 'correct horse battery' },
      });
      assert.equal(signed.statusCode, 201, signed.body);
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
      assert.equal(byJson.statusCode, 200, byJson.body);
      assert.deepEqual(byJson.json(), { email: other, emailVerified: true });
      assert.equal(
        (await v.app.inject({ method: 'GET', url: '/api/v1/me', headers: otherHeaders })).json().emailVerified,
        true,
      );
      const reused = await v.app.inject({
        method: 'POST',
        url: '/api/v1/auth/verify/confirm',
        payload: { token: otherToken },
      });
      assert.deepEqual([reused.statusCode, reused.json().error.code], [400, 'invalid_token']);

      const allowed = await v.app.inject({ method: 'POST', url: '/api/v1/tasks', payload: newTask, headers });
      assert.equal(allowed.statusCode, 400, 'past the gate: now only the made-up clouds are refused');
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
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual(res.json().notify.webhook, { url }, 'the secret is never returned');
      assert.ok(!JSON.stringify((await api(a).get(`/tasks/${res.json().id}`)).json()).includes(secret));

      const r = await run(a, res.json().id);
      assert.equal(r.status, 'succeeded');
      await waitUntil(() => hits.length >= 3, 60_000);

      for (const hit of hits) {
        // The documented check: HMAC-SHA256 over "<t>.<raw body>" with the task's secret.
        const sig = String(hit.headers['ferry-signature']);
        const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig) ?? [];
        assert.ok(ts && v1, sig);
        const expected = crypto.createHmac('sha256', secret).update(`${ts}.${hit.body}`).digest('hex');
        assert.ok(crypto.timingSafeEqual(Buffer.from(v1, 'hex'), Buffer.from(expected, 'hex')), 'signature verifies');
        assert.ok(Math.abs(Date.now() / 1000 - Number(ts)) < 120, 'fresh timestamp');
        assert.equal(hit.headers['content-type'], 'application/json');
        assert.equal(hit.headers['ferry-event'], 'run.succeeded');
      }
      assert.equal(new Set(hits.map((h) => h.headers['ferry-delivery'])).size, 1, 'one delivery id across retries');
      assert.equal(new Set(hits.map((h) => h.body)).size, 1, 'the same body on every attempt');
      const payload = JSON.parse(hits[0].body);
      assert.equal(payload.event, 'run.succeeded');
      assert.equal(payload.id, hits[0].headers['ferry-delivery']);
      assert.equal(payload.data.run.id, r.id);
      assert.deepEqual(payload.data.run.done, { items: 2, bytes: 800_000 });
      assert.equal(payload.data.task.name, 'Hooked');

      // A forged body does not verify.
      const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(hits[0].headers['ferry-signature']))!;
      assert.notEqual(
        crypto
          .createHmac('sha256', secret)
          .update(`${ts}.${hits[0].body.replace('succeeded', 'failed')}`)
          .digest('hex'),
        v1,
      );

      let shown: Record<string, any> = {};
      await waitUntil(async () => {
        shown = (await api(a).get(`/runs/${r.id}`)).json();
        return shown.notifications[0]?.status === 'delivered';
      });
      assert.deepEqual(
        shown.notifications.map((n: Record<string, unknown>) => [
          n.channel,
          n.event,
          n.to,
          n.status,
          n.attempts,
          n.lastStatus,
        ]),
        [['webhook', 'run.succeeded', url, 'delivered', 3, 204]],
      );
      await settled(t);
      assert.equal(hits.length, 3, 'not delivered again once taken');
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
