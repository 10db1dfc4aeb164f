// No secret leaves where it belongs. A whole scenario (sign-up, a token, an S3 key, an encrypted
// folder, a signed webhook, a backup run, two-factor sign-in with a recovery code, a forgotten
// password, a change of address, wrong passwords) runs with every log line kept at debug level and
// mail sent over SMTP; then each secret is looked for in the logs, in every row of the database
// (Ferry's tables and the job queue's), in the audit log and in what the API answers afterwards.
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { localFolder } from '../support/local-space.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';

let t: TestApp;
let smtp: TestSmtp;
let root: string;
let hook: http.Server;
let hookUrl: string;
const logs: string[] = [];
/** Every secret of the scenario, by what it is. */
const secrets: Record<string, string> = {};
const unique = (what: string) => `${what}-${crypto.randomUUID()}`;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-secrets-')));
  smtp = await startSmtp();
  // The webhook's receiver, and an S3-compatible that answers any key (where the S3 cloud's is sent).
  hook = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST') return res.writeHead(204).end();
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        req.method === 'HEAD'
          ? undefined
          : '<?xml version="1.0"?><ListBucketResult><Name>photos</Name>' +
              '<IsTruncated>false</IsTruncated></ListBucketResult>',
      );
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  t = await startTestApp(
    {
      FERRY_LOCAL_ROOTS: root,
      SMTP_URL: smtp.url,
      FERRY_ALLOW_PRIVATE_ENDPOINTS: '1',
      FERRY_PUBLIC_URL: 'http://ferry.test',
    },
    { worker: true, log: sink },
  );
}, 60_000);
afterAll(async () => {
  await t.close();
  await smtp.stop();
  hook.close();
  await fs.rm(root, { recursive: true, force: true });
});

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const call = (who: Record<string, string> | undefined, method: Method, url: string, payload?: object) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: who, payload });

/** The link of the newest mail to `to` whose text matches `pattern`. */
async function mailedLink(to: string, pattern: RegExp): Promise<URL> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const mail = smtp.received.filter((m) => m.to === to && pattern.test(m.text)).at(-1);
    if (mail) return new URL(pattern.exec(mail.text)![0]);
    if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${pattern}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('no secret appears in a log line, a row, the audit log or a later answer', async () => {
  // An account, its password and a token.
  const email = `${crypto.randomUUID()}@example.org`;
  secrets.password = unique('first-password');
  const signed = await call(undefined, 'POST', '/auth/signup', { email, password: secrets.password });
  expect(signed.statusCode).toBe(201);
  secrets.session = signed.cookies.find((c) => c.name === 'ferry_session')!.value;
  const a: Actor = {
    id: signed.json().user.id,
    email,
    headers: { cookie: `ferry_session=${secrets.session}`, 'x-csrf-token': signed.json().csrfToken },
    bearer: {},
  };
  secrets.token = (await call(a.headers, 'POST', '/tokens', { name: 'script' })).json().token;
  a.bearer = { authorization: `Bearer ${secrets.token}` };

  // Clouds with secrets: an S3 key (never used here), an encrypted folder with its password and salt.
  secrets.s3Key = unique('s3-secret-key');
  const s3 = await call(a.bearer, 'POST', '/clouds', {
    kind: 's3',
    name: 'Bucket',
    options: {
      endpoint: hookUrl.replace('/hook', ''),
      forcePathStyle: true,
      region: 'us-east-1',
      bucket: 'photos',
      accessKeyId: 'AKIA',
      secretAccessKey: secrets.s3Key,
    },
  });
  expect(s3.statusCode).toBe(201);
  await localFolder(root, a, 'photos');
  await localFolder(root, a, 'vault');
  await fs.writeFile(path.join(root, a.id, 'photos', 'beach.jpg'), Buffer.alloc(50_000, 7));
  const src = (
    await call(a.bearer, 'POST', '/clouds', { kind: 'local', name: 'Photos', options: { root: 'photos' } })
  ).json().id;
  const nas = (
    await call(a.bearer, 'POST', '/clouds', { kind: 'local', name: 'NAS', options: { root: 'vault' } })
  ).json().id;
  secrets.cryptPassword = unique('crypt-password');
  secrets.cryptSalt = unique('crypt-salt');
  const crypt = await call(a.bearer, 'POST', '/clouds', {
    kind: 'crypt',
    name: 'Encrypted',
    options: {
      cloudId: nas,
      path: 'Vault',
      password: secrets.cryptPassword,
      salt: secrets.cryptSalt,
      filenameEncryption: 'standard',
    },
  });
  expect(crypt.statusCode).toBe(201);

  // A backup into it, with a signed webhook; a run to its end.
  secrets.webhook = unique('webhook-secret');
  const task = await call(a.bearer, 'POST', '/tasks', {
    name: 'Photos',
    source: { cloudId: src },
    destination: { cloudId: crypt.json().id, path: 'backup' },
    notify: { on: 'always', webhook: { url: hookUrl, secret: secrets.webhook } },
  });
  expect(task.statusCode).toBe(201);
  const run = (await call(a.bearer, 'POST', `/tasks/${task.json().id}/runs`)).json().run;
  expect((await waitForRun(t, a, run.id)).status).toBe('succeeded');

  // Two-factor sign-in: the seed, a code, a recovery code used to sign in.
  const enrol = (await call(a.headers, 'POST', '/me/two-factor')).json();
  secrets.seed = enrol.secret;
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(enrol.secret) });
  const codes = (await call(a.headers, 'POST', '/me/two-factor/confirm', { code: totp.generate() })).json()
    .recoveryCodes;
  for (const [i, c] of (codes as string[]).entries()) secrets[`recovery${i}`] = c;
  const first = await call(undefined, 'POST', '/auth/login', { email, password: secrets.password });
  secrets.challenge = first.json().challenge;
  const second = await call(undefined, 'POST', '/auth/login/second-factor', {
    challenge: secrets.challenge,
    code: codes[0],
  });
  expect(second.statusCode).toBe(200);

  // Wrong passwords, and a forgotten one reset through the mailed link.
  secrets.wrongPassword = unique('wrong-password');
  expect((await call(undefined, 'POST', '/auth/login', { email, password: secrets.wrongPassword })).statusCode).toBe(
    401,
  );
  expect(
    (
      await call(a.headers, 'POST', '/me/password', {
        currentPassword: secrets.wrongPassword,
        newPassword: unique('x'),
      })
    ).statusCode,
  ).toBe(403);
  await call(undefined, 'POST', '/auth/password-reset', { email });
  const reset = await mailedLink(email, /http:\/\/ferry\.test\/reset-password\?token=\S+/);
  secrets.resetLink = reset.searchParams.get('token')!;
  secrets.newPassword = unique('second-password');
  const done = await call(undefined, 'POST', '/auth/password-reset/confirm', {
    token: secrets.resetLink,
    password: secrets.newPassword,
  });
  expect(done.statusCode).toBe(204);

  // A change of address, confirmed through its link.
  const login = await call(undefined, 'POST', '/auth/login', { email, password: secrets.newPassword });
  const c2 = await call(undefined, 'POST', '/auth/login/second-factor', {
    challenge: login.json().challenge,
    code: codes[1],
  });
  const h2 = { cookie: `ferry_session=${c2.cookies[0].value}`, 'x-csrf-token': c2.json().csrfToken };
  secrets.session2 = c2.cookies[0].value;
  const newEmail = `${crypto.randomUUID()}@example.org`;
  expect((await call(h2, 'POST', '/me/email', { email: newEmail, password: secrets.newPassword })).statusCode).toBe(
    202,
  );
  const change = await mailedLink(newEmail, /http:\/\/ferry\.test\/api\/v1\/auth\/email-change\?token=\S+/);
  secrets.emailLink = change.searchParams.get('token')!;
  expect((await call(undefined, 'POST', '/auth/email-change/confirm', { token: secrets.emailLink })).statusCode).toBe(
    200,
  );
  // Every mail sent (so the outbox has let go of the links), every job done.
  await smtp.waitFor(smtp.received.length);
  const deadline = Date.now() + 20_000;
  while ((await t.db.query('SELECT 1 FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL')).rowCount) {
    if (Date.now() > deadline) throw new Error('mail still waiting');
    await new Promise((r) => setTimeout(r, 100));
  }

  // What the API answers now.
  const answers = await Promise.all(
    [
      '/me',
      '/clouds',
      `/clouds/${crypt.json().id}`,
      `/clouds/${s3.json().id}`,
      '/tasks',
      `/tasks/${task.json().id}`,
      '/tokens',
      '/sessions',
      `/runs/${run.id}`,
      '/me/export',
    ].map(async (url) => (await call(h2, 'GET', url)).body),
  );
  // Every row of every table, Ferry's and the job queue's.
  const { rows: tables } = await t.db.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE'`,
  );
  const dump: string[] = [];
  for (const { schema, name } of tables) {
    const { rows } = await t.db.query(`SELECT to_jsonb(x)::text AS r FROM "${schema}"."${name}" x`);
    dump.push(...rows.map((r) => `${schema}.${name} ${r.r}`));
  }
  const { rows: audit } = await t.db.query('SELECT to_jsonb(a)::text AS r FROM audit_log a');

  const where = {
    logs: logs.join(''),
    database: dump.join('\n'),
    audit: audit.map((r) => r.r).join('\n'),
    answers: answers.join('\n'),
  };
  expect(logs.length).toBeGreaterThan(50);
  expect(dump.length).toBeGreaterThan(50);
  const found = Object.entries(secrets).flatMap(([what, secret]) =>
    Object.entries(where)
      .filter(([, text]) => text.includes(secret))
      .map(([place]) => `${what} in ${place}: ${excerpt(where[place as keyof typeof where], secret)}`),
  );
  expect(found).toEqual([]);
  console.log(
    `secrets test: ${Object.keys(secrets).length} secrets looked for in ${logs.length} log lines, ` +
      `${dump.length} rows of ${tables.length} tables, ${audit.length} audit entries and ${answers.length} answers`,
  );
}, 120_000);

function excerpt(text: string, secret: string): string {
  const i = text.indexOf(secret);
  return text.slice(Math.max(0, i - 120), i + secret.length + 40);
}
