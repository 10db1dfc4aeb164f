// Mail to addresses a user names, through a real SMTP server: an address other than the account's
// gets a confirmation link and nothing else until it is followed (run mail goes to the account
// meanwhile), and each account's mail is capped per hour without holding back anyone else's.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import type { PgBoss } from 'pg-boss';
import { transaction } from '../../services/core/db.ts';
import { createLogger } from '../../services/core/logger.ts';
import { createMailer } from '../../services/core/mail/mailer.ts';
import { MAILS_PER_HOUR, queueMail, RATE_LIMITED, sendQueuedMail } from '../../services/core/mail/outbox.ts';
import { createNotifier } from '../../services/core/notifications.ts';
import { QUEUES } from '../../services/core/queues.ts';
import { settled, signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';

const PUBLIC_URL = 'https://ferry.example.org';
const log = createLogger('silent');
let t: TestApp & { url: string };
let smtp: TestSmtp;
let root: string;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-addresses-')));
  smtp = await startSmtp();
  t = await startTestApp(
    { FERRY_LOCAL_ROOTS: root, SMTP_URL: smtp.url, FERRY_PUBLIC_URL: PUBLIC_URL },
    { worker: true },
  );
});
afterAll(async () => {
  await t?.close();
  await smtp?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

const api = (a: Actor) => ({
  post: (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer }),
  patch: (url: string, payload: object) =>
    t.app.inject({ method: 'PATCH', url: `/api/v1${url}`, payload, headers: a.bearer }),
  get: (url: string) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: a.bearer }),
});

async function backupTask(a: Actor, notify: object): Promise<Record<string, any>> {
  const cloud = async (name: string, dir: string) => {
    const res = await api(a).post('/clouds', { kind: 'local', name, options: { root: dir } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id as string;
  };
  // Local clouds live in their owner's space: <FERRY_LOCAL_ROOTS>/<user id>/.
  const dst = `dst-${crypto.randomBytes(4).toString('hex')}`;
  await fs.mkdir(path.join(root, a.id, dst), { recursive: true });
  await fs.mkdir(path.join(root, a.id, 'src'), { recursive: true });
  const src = await cloud('Phone', 'src');
  const dstId = await cloud('NAS', dst);
  const res = await api(a).post('/tasks', {
    name: 'Phone → NAS',
    source: { cloudId: src },
    destination: { cloudId: dstId, path: '' },
    notify,
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

async function run(a: Actor, taskId: string, copy = true) {
  // Each run has something new to copy, so each ends with its own mail.
  if (copy)
    await fs.writeFile(
      path.join(root, a.id, 'src', `IMG_${crypto.randomBytes(4).toString('hex')}.jpg`),
      crypto.randomBytes(1000),
    );
  const res = await api(a).post(`/tasks/${taskId}/runs`, {});
  assert.equal(res.statusCode, 202, res.body);
  return waitForRun(t, a, res.json().run.id);
}

const to = (address: string) => smtp.received.filter((m) => m.to.toLowerCase() === address.toLowerCase());
/** Every job queued so far has ended: a mail that was to arrive has arrived. */
const settle = () => settled(t);

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('an address named for notifications', () => {
  test(
    'gets only a confirmation link until it is followed; ' + 'run mail goes to the account meanwhile, and to it after',
    async () => {
      const a = await signup(t, `o'hara-${crypto.randomBytes(3).toString('hex')}@example.com`);
      const other = `partner-${crypto.randomBytes(3).toString('hex')}@example.net`;
      const task = await backupTask(a, { on: 'always', email: other });
      assert.deepEqual(task.notify, { on: 'always', email: other, emailConfirmed: false });

      await waitUntil(() => to(other).length === 1);
      const [ask] = to(other);
      assert.equal(ask.subject, 'Ferry: confirm that you want backup notifications');
      assert.ok(
        ask.text.includes(`The Ferry user ${a.email} asked for mails about their backups to be sent to ${other}.`),
        ask.text,
      );
      const link = /https:\/\/ferry\.example\.org(\/api\/v1\/notify-addresses\/confirm\?token=\S+)/.exec(ask.text)?.[1];
      assert.ok(link, ask.text);

      const before = await run(a, task.id);
      assert.equal(before.status, 'succeeded');
      await waitUntil(() => to(a.email).length === 1);
      assert.match(to(a.email)[0].subject, /^Ferry: 'Phone → NAS' finished/);
      // Saving the task again does not mail the address again the same day.
      assert.equal(
        (await api(a).patch(`/tasks/${task.id}`, { notify: { on: 'always', email: other } })).statusCode,
        200,
      );
      await settle();
      assert.equal(to(other).length, 1, 'one mail to the address: the confirmation');

      // Opening the link (as a mail scanner fetching every link does) changes nothing: it shows a page
      // naming the address and who asked, whose button confirms.
      const page = await t.app.inject({
        method: 'GET',
        url: link,
        headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      });
      assert.equal(page.statusCode, 200, page.body);
      assert.match(String(page.headers['content-type']), /^text\/html; charset=utf-8/);
      assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
      assert.equal(page.headers['referrer-policy'], 'no-referrer', 'the token in the address goes nowhere');
      assert.ok(page.body.includes(other), page.body);
      assert.ok(page.body.includes(a.email.replace("'", '&#39;')), 'the account that asked, escaped');
      assert.ok(!page.body.includes(a.email), 'nothing unescaped');
      assert.doesNotMatch(page.body, /\b(src|href)=|url\(/i, 'nothing loaded from elsewhere');
      assert.equal((await t.app.inject({ method: 'GET', url: link })).statusCode, 200, 'as often as it is fetched');
      const json = await t.app.inject({ method: 'GET', url: link, headers: { accept: 'application/json' } });
      assert.deepEqual(json.json(), { email: other, askedBy: a.email, confirmed: false });
      assert.equal(
        (await api(a).get(`/tasks/${task.id}`)).json().notify.emailConfirmed,
        false,
        'opening the link confirms nothing',
      );

      // The page's button: its form, as a browser sends it.
      const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(page.body);
      assert.ok(form, page.body);
      const fields = new URLSearchParams(
        [...form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [
          m[1],
          m[2].replace(/&amp;/g, '&'),
        ]),
      );
      const ok = await t.app.inject({
        method: 'POST',
        url: new URL(form[1], `${PUBLIC_URL}${link}`).pathname,
        payload: fields.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.match(String(ok.headers['content-type']), /^text\/html/);
      assert.match(ok.body, /confirmed/i);
      assert.ok(ok.body.includes(other));
      assert.equal((await api(a).get(`/tasks/${task.id}`)).json().notify.emailConfirmed, true);
      const again = await t.app.inject({
        method: 'POST',
        url: '/api/v1/notify-addresses/confirm',
        payload: { token: fields.get('token') },
      });
      assert.deepEqual([again.statusCode, again.json().error.code], [400, 'invalid_token']);
      assert.equal(
        (await t.app.inject({ method: 'GET', url: link, headers: { accept: 'text/html' } })).statusCode,
        400,
        'a used link shows it is used up',
      );

      assert.equal((await run(a, task.id)).status, 'succeeded');
      await waitUntil(() => to(other).length === 2);
      assert.match(to(other)[1].subject, /^Ferry: 'Phone → NAS' finished/);
      assert.equal(to(a.email).length, 1);
    },
  );

  test(
    'confirmed for one account is not confirmed for another; ' + "the account's own address needs no confirmation",
    async () => {
      const a = await signup(t);
      const b = await signup(t);
      const shared = `shared-${crypto.randomBytes(3).toString('hex')}@example.net`;
      await backupTask(a, { on: 'always', email: shared });
      await waitUntil(() => to(shared).length === 1);
      const token = /token=(\S+)/.exec(to(shared)[0].text)![1];
      const confirmed = await t.app.inject({
        method: 'POST',
        url: '/api/v1/notify-addresses/confirm',
        payload: { token: decodeURIComponent(token) },
      });
      assert.deepEqual(confirmed.json(), { email: shared, confirmed: true }, 'JSON for API clients');

      const forB = await backupTask(b, { on: 'always', email: shared.toUpperCase() });
      assert.equal(forB.notify.emailConfirmed, false, "a's confirmation does not let b mail the address");
      const own = await backupTask(b, { on: 'always', email: b.email.toUpperCase() });
      assert.equal(own.notify.emailConfirmed, true);
      await waitUntil(() => to(shared).length === 2, 10_000);
      await settle();
      assert.equal(to(b.email).length, 0, 'no confirmation mail to the account itself');
      assert.equal(to(shared).length, 2, "b's confirmation mail");
    },
  );

  test('a link Ferry never sent is refused', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/notify-addresses/confirm',
      payload: { token: 'fn_made-up' },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'invalid_token');
    assert.match(res.json().error.message, /unknown or has expired/);
    const page = await t.app.inject({
      method: 'GET',
      url: '/api/v1/notify-addresses/confirm?token=fn_made-up',
      headers: { accept: 'text/html' },
    });
    assert.equal(page.statusCode, 400);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /unknown or has expired/);
    assert.doesNotMatch(page.body, /<form/);
  });
});

describe('mail per account', () => {
  test(
    `past ${MAILS_PER_HOUR} mails in an hour an account's mail is recorded as ` +
      `rate limited and not sent; other accounts' mail still goes`,
    async () => {
      const busy = await signup(t);
      const calm = await signup(t);
      // The busy account's last hour: as many mails as it may have.
      for (let i = 0; i < MAILS_PER_HOUR; i++) {
        await t.db.query(
          `INSERT INTO mail_outbox (user_id, kind, recipient, subject, text_body, html_body, message_id,
          sent_at, created_at)
         VALUES ($1, 'run_ended', $2, 'earlier', 'earlier', '', $3, now(), now() - interval '50 minutes')`,
          [busy.id, busy.email, `<earlier-${i}-${busy.id}@ferry.example.org>`],
        );
      }
      const busyTask = await backupTask(busy, { on: 'always' });
      const calmTask = await backupTask(calm, { on: 'always' });
      const r = await run(busy, busyTask.id);
      const c = await run(calm, calmTask.id);
      await waitUntil(() => to(calm.email).length === 1);
      await settle();
      assert.equal(to(busy.email).length, 0, 'nothing sent for the busy account');
      const shown = (await api(busy).get(`/runs/${r.id}`)).json();
      assert.deepEqual(
        shown.notifications.map((n: Record<string, unknown>) => [n.channel, n.to, n.status, n.lastError]),
        [
          [
            'email',
            busy.email,
            'failed',
            `rate limited: more than ${MAILS_PER_HOUR} mails for this account within an hour`,
          ],
        ],
      );
      assert.equal((await api(calm).get(`/runs/${c.id}`)).json().notifications[0].status, 'delivered');

      // An hour on, the account's mail goes again.
      await t.db.query(`UPDATE mail_outbox SET created_at = created_at - interval '1 hour' WHERE user_id = $1`, [
        busy.id,
      ]);
      assert.equal((await run(busy, busyTask.id)).status, 'succeeded');
      await waitUntil(() => to(busy.email).length === 1);
    },
  );

  test(
    `an account mailing steadily over the cap gets ${MAILS_PER_HOUR} an hour delivered: ` +
      `the mails refused do not count against it`,
    async () => {
      const busy = await signup(t);
      const outcome: string[] = [];
      // The send jobs queueMail asks for are held until the 3 hours are over: moving the account's
      // mail back in time while a worker sends some would only make those retry, later.
      const jobs: Array<[string, object]> = [];
      const holding = {
        send: async (queue: string, data: object) => (jobs.push([queue, data]), null),
      } as unknown as PgBoss;
      // 30 mails an hour for 3 hours: one every 2 minutes, the account's earlier mail moved back by as much.
      for (let i = 0; i < 90; i++) {
        const id = await transaction(t.db, (c) =>
          queueMail(c, holding, PUBLIC_URL, {
            userId: busy.id,
            kind: 'run_ended',
            to: busy.email,
            dedupeKey: `steady:${busy.id}:${i}`,
            message: { subject: `run ${i}`, text: 't', html: 'h' },
          }),
        );
        const { rows } = await t.db.query('SELECT last_error FROM mail_outbox WHERE id = $1', [id]);
        outcome.push(rows[0].last_error === RATE_LIMITED ? 'refused' : 'queued');
        await t.db.query(`UPDATE mail_outbox SET created_at = created_at - interval '2 minutes' WHERE user_id = $1`, [
          busy.id,
        ]);
      }
      const queued = outcome.filter((o) => o === 'queued').length;
      assert.ok(
        queued >= 3 * MAILS_PER_HOUR - 2 && queued <= 3 * MAILS_PER_HOUR + 1,
        `${queued} of 90 queued to send over 3 hours`,
      );
      // Each hour of it: the cap's worth.
      for (let hour = 0; hour < 3; hour++) {
        const inHour = outcome.slice(hour * 30, hour * 30 + 30).filter((o) => o === 'queued').length;
        assert.ok(inHour >= MAILS_PER_HOUR - 1 && inHour <= MAILS_PER_HOUR, `hour ${hour + 1}: ${inHour}`);
      }
      assert.equal(jobs.length, queued, 'a send job for each mail not refused');
      // Each job then does what the mail-send job does.
      const mailer = createMailer(t.config, log);
      for (const [queue, data] of jobs) {
        assert.equal(queue, QUEUES.mailSend);
        await sendQueuedMail(t.db, mailer, (data as { id: string }).id, log);
      }
      assert.equal(to(busy.email).length, queued);
    },
  );

  test(
    "a once-only notice to the account's own address past the cap is not dropped: " +
      'it is sent when the hour has room',
    async () => {
      const busy = await signup(t);
      const task = await backupTask(busy, { on: 'always' });
      // The account's last hour: as many mails as it may have, the oldest about to leave the hour.
      for (let i = 0; i < MAILS_PER_HOUR; i++) {
        await t.db.query(
          `INSERT INTO mail_outbox (user_id, kind, recipient, subject, text_body, html_body, message_id,
          sent_at, created_at)
         VALUES ($1, 'run_ended', $2, 'earlier', 'earlier', '', $3, now(), now() - interval '59 minutes 54 seconds')`,
          [busy.id, busy.email, `<earlier-${i}-${busy.id}@ferry.example.org>`],
        );
      }
      const notifier = createNotifier({ boss: t.boss, publicUrl: PUBLIC_URL });
      const cloudId = task.source.cloudId as string;
      assert.equal(
        await transaction(t.db, (c) => notifier.cloudNeedsReauth(c, cloudId, 'the sign-in was revoked')),
        true,
      );
      await transaction(t.db, (c) =>
        queueMail(c, t.boss, PUBLIC_URL, {
          userId: busy.id,
          kind: 'quota_used_up',
          to: busy.email,
          dedupeKey: `quota-test:${busy.id}`,
          message: { subject: 'Ferry: quota', text: 't', html: 'h' },
        }),
      );
      // A run mail past the cap is still refused, with the reason.
      const runMail = await transaction(t.db, (c) =>
        queueMail(c, t.boss, PUBLIC_URL, {
          userId: busy.id,
          kind: 'run_ended',
          to: busy.email,
          dedupeKey: `run-test:${busy.id}`,
          message: { subject: 'Ferry: run', text: 't', html: 'h' },
        }),
      );
      const { rows } = await t.db.query(
        `SELECT kind, last_error, failed_at IS NOT NULL AS failed, created_at > now() AS later ` +
          `FROM mail_outbox WHERE user_id = $1 AND subject <> 'earlier' ORDER BY kind`,
        [busy.id],
      );
      assert.deepEqual(rows, [
        { kind: 'cloud_needs_reauth', last_error: null, failed: false, later: true },
        { kind: 'quota_used_up', last_error: null, failed: false, later: true },
        { kind: 'run_ended', last_error: RATE_LIMITED, failed: true, later: false },
      ]);
      assert.ok(runMail);
      await settle();
      assert.equal(to(busy.email).length, 0, 'nothing sent while the hour is full');
      await waitUntil(() => to(busy.email).length === 2, 30_000);
      assert.deepEqual(
        to(busy.email)
          .map((m) => m.subject)
          .sort(),
        ['Ferry: quota', "Ferry: reconnect 'Phone' to keep your backups running"].sort(),
      );
    },
  );
});
