// Mail to addresses a user names, through a real SMTP server: an address other than the account's
// gets a confirmation link and nothing else until it is followed (run mail goes to the account
// meanwhile), and each account's mail is capped per hour without holding back anyone else's.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
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
    expect(res.statusCode).toBe(201);
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
  expect(res.statusCode).toBe(201);
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
  expect(res.statusCode).toBe(202);
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
      expect(task.notify).toEqual({ on: 'always', email: other, emailConfirmed: false });

      await waitUntil(() => to(other).length === 1);
      const [ask] = to(other);
      expect(ask.subject).toBe('Ferry: confirm that you want backup notifications');
      expect(ask.text).toContain(
        `The Ferry user ${a.email} asked for mails about their backups to be sent to ${other}.`,
      );
      const link = /https:\/\/ferry\.example\.org(\/api\/v1\/notify-addresses\/confirm\?token=\S+)/.exec(ask.text)?.[1];
      expect(link).toBeTruthy();

      const before = await run(a, task.id);
      expect(before.status).toBe('succeeded');
      await waitUntil(() => to(a.email).length === 1);
      expect(to(a.email)[0].subject).toMatch(/^Ferry: 'Phone → NAS' finished/);
      // Saving the task again does not mail the address again the same day.
      expect((await api(a).patch(`/tasks/${task.id}`, { notify: { on: 'always', email: other } })).statusCode).toBe(
        200,
      );
      await settle();
      // one mail to the address: the confirmation
      expect(to(other).length).toBe(1);

      // Opening the link (as a mail scanner fetching every link does) changes nothing: it shows a page
      // naming the address and who asked, whose button confirms.
      const page = await t.app.inject({
        method: 'GET',
        url: link,
        headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      });
      expect(page.statusCode).toBe(200);
      expect(String(page.headers['content-type'])).toMatch(/^text\/html; charset=utf-8/);
      expect(String(page.headers['content-security-policy'])).toMatch(/default-src 'none'/);
      // the token in the address goes nowhere
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.body).toContain(other);
      // the account that asked, escaped
      expect(page.body).toContain(a.email.replace("'", '&#39;'));
      // nothing unescaped
      expect(page.body).not.toContain(a.email);
      // nothing loaded from elsewhere
      expect(page.body).not.toMatch(/\b(src|href)=|url\(/i);
      // as often as it is fetched
      expect((await t.app.inject({ method: 'GET', url: link })).statusCode).toBe(200);
      const json = await t.app.inject({ method: 'GET', url: link, headers: { accept: 'application/json' } });
      expect(json.json()).toEqual({ email: other, askedBy: a.email, confirmed: false });
      // opening the link confirms nothing
      expect((await api(a).get(`/tasks/${task.id}`)).json().notify.emailConfirmed).toBe(false);

      // The page's button: its form, as a browser sends it.
      const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(page.body);
      expect(form).toBeTruthy();
      const fields = new URLSearchParams(
        [...form![2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [
          m[1],
          m[2].replace(/&amp;/g, '&'),
        ]),
      );
      const ok = await t.app.inject({
        method: 'POST',
        url: new URL(form![1], `${PUBLIC_URL}${link}`).pathname,
        payload: fields.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      });
      expect(ok.statusCode).toBe(200);
      expect(String(ok.headers['content-type'])).toMatch(/^text\/html/);
      expect(ok.body).toMatch(/confirmed/i);
      expect(ok.body).toContain(other);
      expect((await api(a).get(`/tasks/${task.id}`)).json().notify.emailConfirmed).toBe(true);
      const again = await t.app.inject({
        method: 'POST',
        url: '/api/v1/notify-addresses/confirm',
        payload: { token: fields.get('token') },
      });
      expect([again.statusCode, again.json().error.code]).toEqual([400, 'invalid_token']);
      // a used link shows it is used up
      expect((await t.app.inject({ method: 'GET', url: link, headers: { accept: 'text/html' } })).statusCode).toBe(400);

      expect((await run(a, task.id)).status).toBe('succeeded');
      await waitUntil(() => to(other).length === 2);
      expect(to(other)[1].subject).toMatch(/^Ferry: 'Phone → NAS' finished/);
      expect(to(a.email).length).toBe(1);
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
      // JSON for API clients
      expect(confirmed.json()).toEqual({ email: shared, confirmed: true });

      const forB = await backupTask(b, { on: 'always', email: shared.toUpperCase() });
      // a's confirmation does not let b mail the address
      expect(forB.notify.emailConfirmed).toBe(false);
      const own = await backupTask(b, { on: 'always', email: b.email.toUpperCase() });
      expect(own.notify.emailConfirmed).toBe(true);
      await waitUntil(() => to(shared).length === 2, 10_000);
      await settle();
      // no confirmation mail to the account itself
      expect(to(b.email).length).toBe(0);
      // b's confirmation mail
      expect(to(shared).length).toBe(2);
    },
  );

  test('a link Ferry never sent is refused', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/notify-addresses/confirm',
      payload: { token: 'fn_made-up' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_token');
    expect(res.json().error.message).toMatch(/unknown or has expired/);
    const page = await t.app.inject({
      method: 'GET',
      url: '/api/v1/notify-addresses/confirm?token=fn_made-up',
      headers: { accept: 'text/html' },
    });
    expect(page.statusCode).toBe(400);
    expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
    expect(page.body).toMatch(/unknown or has expired/);
    expect(page.body).not.toMatch(/<form/);
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
      // nothing sent for the busy account
      expect(to(busy.email).length).toBe(0);
      const shown = (await api(busy).get(`/runs/${r.id}`)).json();
      expect(shown.notifications.map((n: Record<string, unknown>) => [n.channel, n.to, n.status, n.lastError])).toEqual(
        [
          [
            'email',
            busy.email,
            'failed',
            `rate limited: more than ${MAILS_PER_HOUR} mails for this account within an hour`,
          ],
        ],
      );
      expect((await api(calm).get(`/runs/${c.id}`)).json().notifications[0].status).toBe('delivered');

      // An hour on, the account's mail goes again.
      await t.db.query(`UPDATE mail_outbox SET created_at = created_at - interval '1 hour' WHERE user_id = $1`, [
        busy.id,
      ]);
      expect((await run(busy, busyTask.id)).status).toBe('succeeded');
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
      expect(queued >= 3 * MAILS_PER_HOUR - 2 && queued <= 3 * MAILS_PER_HOUR + 1).toBeTruthy();
      // Each hour of it: the cap's worth.
      for (let hour = 0; hour < 3; hour++) {
        const inHour = outcome.slice(hour * 30, hour * 30 + 30).filter((o) => o === 'queued').length;
        expect(inHour >= MAILS_PER_HOUR - 1 && inHour <= MAILS_PER_HOUR).toBeTruthy();
      }
      // a send job for each mail not refused
      expect(jobs.length).toBe(queued);
      // Each job then does what the mail-send job does.
      const mailer = createMailer(t.config, log);
      for (const [queue, data] of jobs) {
        expect(queue).toBe(QUEUES.mailSend);
        await sendQueuedMail(t.db, mailer, (data as { id: string }).id, log);
      }
      expect(to(busy.email).length).toBe(queued);
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
      expect(await transaction(t.db, (c) => notifier.cloudNeedsReauth(c, cloudId, 'the sign-in was revoked'))).toBe(
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
      expect(rows).toEqual([
        { kind: 'cloud_needs_reauth', last_error: null, failed: false, later: true },
        { kind: 'quota_used_up', last_error: null, failed: false, later: true },
        { kind: 'run_ended', last_error: RATE_LIMITED, failed: true, later: false },
      ]);
      expect(runMail).toBeTruthy();
      await settle();
      // nothing sent while the hour is full
      expect(to(busy.email).length).toBe(0);
      await waitUntil(() => to(busy.email).length === 2, 30_000);
      expect(
        to(busy.email)
          .map((m) => m.subject)
          .sort(),
      ).toEqual(['Ferry: quota', "Ferry: reconnect 'Phone' to keep your backups running"].sort());
    },
  );
});
