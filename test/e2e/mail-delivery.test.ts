// The outbox under a crash and without SMTP: a worker SIGKILLed after the SMTP server accepted a mail
// but before it recorded that, and the .eml files written when no SMTP_URL is set.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { settled, signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { startSmtp } from '../support/smtp.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const key = crypto.randomBytes(32).toString('base64');
let root: string;
const workers: ChildProcess[] = [];
const apps: TestApp[] = [];

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-mail-')));
});
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  for (const a of apps) await a.close();
  await fs.rm(root, { recursive: true, force: true });
});

async function backupTask(t: TestApp, a: Actor, name: string): Promise<string> {
  const post = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer });
  // Local clouds live in their owner's space, <FERRY_LOCAL_ROOTS>/<user id>/, named from there.
  await fs.mkdir(path.join(root, a.id, 'src'), { recursive: true });
  await fs.writeFile(path.join(root, a.id, 'src', 'IMG_0001.jpg'), crypto.randomBytes(250_000));
  const dst = `dst-${crypto.randomBytes(4).toString('hex')}`;
  await fs.mkdir(path.join(root, a.id, dst));
  const srcId = (await post('/clouds', { kind: 'local', name: 'Phone', options: { root: 'src' } })).json().id;
  const dstId = (await post('/clouds', { kind: 'local', name: 'NAS', options: { root: dst } })).json().id;
  const task = await post('/tasks', {
    name,
    source: { cloudId: srcId },
    destination: { cloudId: dstId, path: '' },
    notify: { on: 'always' },
  });
  expect(task.statusCode).toBe(201);
  const run = await post(`/tasks/${task.json().id}/runs`, {});
  return run.json().run.id;
}

test(
  'a worker killed between the SMTP server accepting a mail and recording it: ' +
    'the mail comes again with the same Message-ID',
  async () => {
    const smtp = await startSmtp();
    const t = await startTestApp({ FERRY_LOCAL_ROOTS: root, FERRY_SECRET_KEY: key });
    apps.push(t);
    const env = {
      ...process.env,
      DATABASE_URL: t.url,
      FERRY_ROLE: 'worker',
      FERRY_SECRET_KEY: key,
      FERRY_LOCAL_ROOTS: root,
      SMTP_URL: smtp.url,
      FERRY_DATA_DIR: t.config.dataDir,
      FERRY_LOG_LEVEL: 'warn',
    };
    const startWorker = () => {
      const child = spawn(process.execPath, [path.join(repo, 'services/main.ts')], {
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      workers.push(child);
      return child;
    };
    try {
      const first = startWorker();
      // The server has the whole message; before it answers 250 the sender dies. The server then
      // accepts the message (it did arrive): Ferry never hears of that, so it never records it.
      let killed = false;
      smtp.beforeAccept = async () => {
        if (killed) return;
        killed = true;
        const exited = new Promise((r) => first.once('exit', r));
        first.kill('SIGKILL');
        await exited;
      };
      const a = await signup(t);
      const runId = await backupTask(t, a, 'Crash test');
      await smtp.waitFor(1, 60_000);
      expect(killed).toBeTruthy();
      const [row] = (await t.db.query('SELECT sent_at, message_id FROM mail_outbox WHERE run_id = $1', [runId])).rows;
      // the send was not recorded
      expect(row.sent_at).toBe(null);

      startWorker();
      const mails = await smtp.waitFor(2, 90_000);
      expect(mails.length).toBe(2);
      expect(mails[0].messageId).toBe(row.message_id);
      // same Message-ID: the recipient’s client shows one mail
      expect(mails[1].messageId).toBe(mails[0].messageId);
      expect(mails[1].subject).toBe(mails[0].subject);
      // same Date header
      expect(mails[1].date).toEqual(mails[0].date);
      await waitFor(
        async () =>
          (await t.db.query('SELECT sent_at FROM mail_outbox WHERE run_id = $1', [runId])).rows[0].sent_at !== null,
      );
      // Once no job is left at work, nothing can send it a third time.
      await settled(t);
      // not sent a third time once recorded
      expect(smtp.received.length).toBe(2);
      const run = await waitForRun(t, a, runId);
      expect(run.notifications.map((n: Record<string, unknown>) => [n.channel, n.status])).toEqual([
        ['email', 'delivered'],
      ]);
    } finally {
      for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
      await smtp.stop();
    }
  },
);

test('without SMTP_URL each mail is written as an .eml file in the data folder', async () => {
  const t = await startTestApp(
    { FERRY_LOCAL_ROOTS: root, FERRY_PUBLIC_URL: 'https://ferry.example.org' },
    { worker: true },
  );
  apps.push(t);
  const a = await signup(t);
  const runId = await backupTask(t, a, 'Written to disk');
  await waitForRun(t, a, runId);
  const folder = path.join(t.config.dataDir, 'mail');
  let files: string[] = [];
  await waitFor(
    async () => (files = (await fs.readdir(folder).catch(() => [])).filter((f) => f.endsWith('.eml'))).length > 0,
  );
  expect(files.length).toBe(1);
  const parsed = await simpleParser(await fs.readFile(path.join(folder, files[0])));
  expect(parsed.subject).toBe("Ferry: 'Written to disk' finished — 1 photo, 250 kB");
  expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '').toBe(a.email);
  expect(parsed.text).toContain('https://ferry.example.org/runs/');
  expect(typeof parsed.html === 'string' && parsed.html.includes('<table')).toBeTruthy();
  const [row] = (await t.db.query('SELECT message_id, sent_at FROM mail_outbox WHERE run_id = $1', [runId])).rows;
  expect(parsed.messageId).toBe(row.message_id);
  // recorded as sent
  expect(row.sent_at).toBeTruthy();
  // no half-written file left
  expect(!(await fs.readdir(folder)).some((f) => f.endsWith('.tmp'))).toBeTruthy();
  // Mail holds links that confirm addresses and names of clouds: only Ferry's own user reads it.
  // the mail folder is private
  expect((await fs.stat(folder)).mode & 0o777).toBe(0o700);
  // each .eml is private
  expect((await fs.stat(path.join(folder, files[0]))).mode & 0o777).toBe(0o600);
});

test('a mail folder made world-readable before is made private again when the next mail is written', async () => {
  const t = await startTestApp(
    { FERRY_LOCAL_ROOTS: root, FERRY_PUBLIC_URL: 'https://ferry.example.org' },
    { worker: true },
  );
  apps.push(t);
  const folder = path.join(t.config.dataDir, 'mail');
  await fs.mkdir(folder, { mode: 0o755 });
  await fs.chmod(folder, 0o755);
  const a = await signup(t);
  await waitForRun(t, a, await backupTask(t, a, 'Private again'));
  await waitFor(async () => (await fs.readdir(folder)).some((f) => f.endsWith('.eml')));
  expect((await fs.stat(folder)).mode & 0o777).toBe(0o700);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
