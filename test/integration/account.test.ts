// The account's life cycle through the API: a forgotten password (the mail, its link once, never a
// word on whether an address has an account), a new password, the sessions list, and two-factor
// sign-in with an authenticator's codes and recovery codes.
import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { dropboxEnv, startDropboxFake, type DropboxFake } from '../fakes/dropbox.ts';
import { googleEnv, startGoogleFake, type GoogleFake } from '../fakes/google.ts';
import { connectedCloud, signup, startTestApp, type Actor, type TestApp } from '../support/app.ts';

let t: TestApp;
const PASSWORD = 'correct horse battery';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const call = (who: Record<string, string> | undefined, method: Method, url: string, payload?: object) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: who, payload });
const login = (email: string, password = PASSWORD, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, headers });

/** The token of the newest reset link mailed to `to` (waits: the mail is prepared after the answer). */
async function resetToken(to: string, count = 1): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await t.db.query(
      `SELECT text_body FROM mail_outbox WHERE kind = 'password_reset' AND recipient = $1 ORDER BY created_at DESC`,
      [to],
    );
    if (rows.length >= count)
      return new URL(/http\S+\/reset-password\?token=\S+/.exec(rows[0].text_body)![0]).searchParams.get('token')!;
    if (Date.now() > deadline) throw new Error(`no reset mail to ${to}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let google: GoogleFake;
let dropbox: DropboxFake;
beforeAll(async () => {
  [google, dropbox] = await Promise.all([startGoogleFake(), startDropboxFake()]);
  t = await startTestApp({ ...googleEnv(google), ...dropboxEnv(dropbox), FERRY_ALLOW_PRIVATE_ENDPOINTS: '1' });
});
afterAll(async () => {
  await t.close();
  await Promise.all([google.close(), dropbox.close()]);
});

describe('a forgotten password', () => {
  test('202 for any address, a mail only to an account, the link works once and ends every session', async () => {
    const a = await signup(t, 'forgetful@example.org');
    const known = await call(undefined, 'POST', '/auth/password-reset', { email: 'Forgetful@example.org' });
    const unknown = await call(undefined, 'POST', '/auth/password-reset', { email: 'nobody@example.org' });
    expect([known.statusCode, known.body]).toEqual([202, '{}']);
    expect([unknown.statusCode, unknown.body]).toEqual([202, '{}']);
    const token = await resetToken('forgetful@example.org');
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM mail_outbox WHERE kind = 'password_reset'`);
    expect(rows[0].n).toBe(1);

    const short = await call(undefined, 'POST', '/auth/password-reset/confirm', { token, password: 'short' });
    expect(short.statusCode).toBe(400);
    const done = await call(undefined, 'POST', '/auth/password-reset/confirm', {
      token,
      password: 'a new long password',
    });
    expect(done.statusCode).toBe(204);
    expect((await call(a.headers, 'GET', '/me')).statusCode).toBe(401);
    expect((await login(a.email)).statusCode).toBe(401);
    expect((await login(a.email, 'a new long password')).statusCode).toBe(200);
    const again = await call(undefined, 'POST', '/auth/password-reset/confirm', {
      token,
      password: 'yet another password',
    });
    expect([again.statusCode, again.json().error.code]).toEqual([400, 'invalid_token']);
  });

  test('a link past its hour is refused; asking again replaces the earlier link', async () => {
    await signup(t, 'late@example.org');
    await call(undefined, 'POST', '/auth/password-reset', { email: 'late@example.org' });
    const first = await resetToken('late@example.org');
    await call(undefined, 'POST', '/auth/password-reset', { email: 'late@example.org' });
    const second = await resetToken('late@example.org', 2);
    expect(second).not.toBe(first);
    const old = await call(undefined, 'POST', '/auth/password-reset/confirm', {
      token: first,
      password: 'a new long password',
    });
    expect(old.statusCode).toBe(400);
    await t.db.query(
      `UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE purpose = 'password_reset'`,
    );
    const late = await call(undefined, 'POST', '/auth/password-reset/confirm', {
      token: second,
      password: 'a new long password',
    });
    expect(late.statusCode).toBe(400);
  });

  test('five requests per address in 15 minutes, for unknown addresses too: then 429 with Retry-After', async () => {
    for (const address of ['limited@example.org', 'ghost@example.org']) {
      if (address === 'limited@example.org') await signup(t, address);
      for (let i = 0; i < 5; i++)
        expect((await call(undefined, 'POST', '/auth/password-reset', { email: address })).statusCode).toBe(202);
      const sixth = await call(undefined, 'POST', '/auth/password-reset', { email: address });
      expect([sixth.statusCode, sixth.json().error.code]).toEqual([429, 'rate_limited']);
      expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    }
  });
});

describe('password and sessions', () => {
  let a: Actor;
  beforeAll(async () => {
    a = await signup(t, 'sessions@example.org');
  });

  test('sessions are listed with where they came from; one can be ended, or all but this one', async () => {
    const phone = await login(a.email, PASSWORD, { 'user-agent': 'Phone browser 1.0' });
    const phoneCookie = { cookie: `ferry_session=${phone.cookies[0].value}` };
    const list = await call(a.headers, 'GET', '/sessions');
    expect(list.statusCode).toBe(200);
    const items = list.json().items;
    expect(items).toHaveLength(2);
    expect(items.find((i: { current: boolean }) => i.current)).toBeTruthy();
    const other = items.find((i: { userAgent: string }) => i.userAgent === 'Phone browser 1.0');
    expect(other).toMatchObject({ ip: '127.0.0.1', current: false });
    expect((await call(phoneCookie, 'GET', '/me')).statusCode).toBe(200);
    expect((await call(a.headers, 'DELETE', `/sessions/${other.id}`)).statusCode).toBe(204);
    expect((await call(phoneCookie, 'GET', '/me')).statusCode).toBe(401);
    expect((await call(a.headers, 'DELETE', `/sessions/${other.id}`)).statusCode).toBe(404);

    await login(a.email);
    await login(a.email);
    const ended = await call(a.headers, 'DELETE', '/sessions');
    expect(ended.json()).toEqual({ ended: 2 });
    expect((await call(a.headers, 'GET', '/sessions')).json().items).toHaveLength(1);
  });

  test('tokens say where they were last used from; all of them can be revoked at once', async () => {
    await call(a.bearer, 'GET', '/me');
    const second = (await call(a.headers, 'POST', '/tokens', { name: 'second' })).json();
    const listed = (await call(a.headers, 'GET', '/tokens')).json().items;
    expect(listed.map((x: { name: string; lastUsedFrom: string | null }) => [x.name, x.lastUsedFrom])).toEqual([
      ['tests', '127.0.0.1'],
      ['second', null],
    ]);
    expect((await call(a.headers, 'DELETE', '/tokens')).json()).toEqual({ revoked: 2 });
    expect((await call(a.bearer, 'GET', '/me')).statusCode).toBe(401);
    expect((await call({ authorization: `Bearer ${second.token}` }, 'GET', '/me')).statusCode).toBe(401);
    expect((await call(a.headers, 'GET', '/tokens')).json().items).toEqual([]);
  });

  test('a new password needs the current one and ends the other sessions, not this one', async () => {
    const other = await login(a.email);
    const wrong = await call(a.headers, 'POST', '/me/password', {
      currentPassword: 'nope',
      newPassword: 'something long',
    });
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([403, 'wrong_password']);
    const ok = await call(a.headers, 'POST', '/me/password', {
      currentPassword: PASSWORD,
      newPassword: 'something long',
    });
    expect(ok.statusCode).toBe(204);
    expect((await call(a.headers, 'GET', '/me')).statusCode).toBe(200);
    expect((await call({ cookie: `ferry_session=${other.cookies[0].value}` }, 'GET', '/me')).statusCode).toBe(401);
    expect((await login(a.email, 'something long')).statusCode).toBe(200);
  });
});

describe('a new address', () => {
  test('asked with the password, confirmed from the new address, the old one told; then sign in with it', async () => {
    const a = await signup(t, 'old@example.org');
    await signup(t, 'taken@example.org');
    const taken = await call(a.headers, 'POST', '/me/email', { email: 'taken@example.org', password: PASSWORD });
    expect([taken.statusCode, taken.json().error.code]).toEqual([409, 'email_taken']);
    const wrong = await call(a.headers, 'POST', '/me/email', { email: 'new@example.org', password: 'not it' });
    expect(wrong.json().error.code).toBe('wrong_password');
    const asked = await call(a.headers, 'POST', '/me/email', { email: 'new@example.org', password: PASSWORD });
    expect([asked.statusCode, asked.json()]).toEqual([202, { sentTo: 'new@example.org' }]);
    const { rows } = await t.db.query(
      `SELECT kind, recipient, text_body FROM mail_outbox WHERE kind LIKE 'email_change%' ORDER BY kind`,
    );
    expect(rows.map((r) => [r.kind, r.recipient])).toEqual([
      ['email_change', 'new@example.org'],
      ['email_change_notice', 'old@example.org'],
    ]);
    expect(rows[1].text_body).toContain('change its address to new@example.org');
    const link = new URL(/http\S+\/api\/v1\/auth\/email-change\?token=\S+/.exec(rows[0].text_body)![0]);
    // Opening the link changes nothing (mail scanners open every link); its button confirms.
    const page = await t.app.inject({ url: link.pathname + link.search, headers: { accept: 'text/html' } });
    expect(page.body).toContain('<strong>new@example.org</strong>');
    expect((await call(a.bearer, 'GET', '/me')).json().email).toBe('old@example.org');
    const token = link.searchParams.get('token')!;
    const confirmed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/email-change/confirm',
      payload: `token=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(confirmed.statusCode).toBe(200);
    expect((await call(a.bearer, 'GET', '/me')).json()).toMatchObject({
      email: 'new@example.org',
      emailVerified: true,
    });
    expect((await login('new@example.org')).statusCode).toBe(200);
    expect((await login('old@example.org')).statusCode).toBe(401);
    const again = await call(undefined, 'POST', '/auth/email-change/confirm', { token });
    expect(again.statusCode).toBe(400);
  });
});

describe('two-factor sign-in', () => {
  let a: Actor;
  let totp: OTPAuth.TOTP;
  let recovery: string[];
  /** The app's code at a moment (default now). */
  const codeAt = (ms = Date.now()) => totp.generate({ timestamp: ms });

  beforeAll(async () => {
    a = await signup(t, 'careful@example.org');
  });

  test('set up by scanning the seed and confirming a code; then a login asks for a code in a second step', async () => {
    const begin = await call(a.headers, 'POST', '/me/two-factor');
    expect(begin.statusCode).toBe(200);
    const { secret, otpauthUri, qrSvg } = begin.json();
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Ferry:careful%40example\.org\?.*secret=/);
    expect(qrSvg).toMatch(/^<svg /);
    totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    expect((await call(a.headers, 'GET', '/me')).json().twoFactor).toBe(false);
    const wrong = await call(a.headers, 'POST', '/me/two-factor/confirm', { code: '000000' });
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([403, 'wrong_code']);
    const on = await call(a.headers, 'POST', '/me/two-factor/confirm', { code: codeAt() });
    expect(on.statusCode).toBe(200);
    recovery = on.json().recoveryCodes;
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    expect((await call(a.headers, 'GET', '/me')).json().twoFactor).toBe(true);
    expect((await call(a.headers, 'POST', '/me/two-factor')).statusCode).toBe(409);

    const first = await login(a.email);
    expect(first.statusCode).toBe(200);
    expect(first.cookies).toEqual([]);
    const { challenge, secondFactorRequired } = first.json();
    expect(secondFactorRequired).toBe(true);
    const bad = await call(undefined, 'POST', '/auth/login/second-factor', { challenge, code: '123456' });
    expect([bad.statusCode, bad.json().error.code]).toEqual([403, 'wrong_code']);
    // The next step's code: the one just confirmed was used up.
    const good = await call(undefined, 'POST', '/auth/login/second-factor', {
      challenge,
      code: codeAt(Date.now() + 30_000),
    });
    expect(good.statusCode).toBe(200);
    expect(good.json().user.email).toBe(a.email);
    expect(good.cookies.map((c) => c.name)).toEqual(['ferry_session']);
    const replay = await call(undefined, 'POST', '/auth/login/second-factor', {
      challenge,
      code: codeAt(Date.now() + 30_000),
    });
    expect([replay.statusCode, replay.json().error.code]).toEqual([400, 'invalid_token']);
  });

  test('a code is good once; a recovery code once; wrong codes count against the account', async () => {
    const challenge = (await login(a.email)).json().challenge;
    // The code already accepted above cannot sign in again.
    const reused = await call(undefined, 'POST', '/auth/login/second-factor', {
      challenge,
      code: codeAt(Date.now() + 30_000),
    });
    expect(reused.json().error.code).toBe('wrong_code');
    const rescue = await call(undefined, 'POST', '/auth/login/second-factor', {
      challenge,
      code: recovery[0].toUpperCase(),
    });
    expect(rescue.statusCode).toBe(200);
    const next = (await login(a.email)).json().challenge;
    expect(
      (await call(undefined, 'POST', '/auth/login/second-factor', { challenge: next, code: recovery[0] })).statusCode,
    ).toBe(403);
    // Ten wrong codes within 15 minutes (the default limit, as for passwords): the next try is refused unchecked.
    for (let i = 0; i < 9; i++)
      await call(undefined, 'POST', '/auth/login/second-factor', { challenge: next, code: '999999' });
    const locked = await call(undefined, 'POST', '/auth/login/second-factor', { challenge: next, code: recovery[1] });
    expect([locked.statusCode, locked.json().error.code]).toEqual([429, 'rate_limited']);
    await t.db.query('DELETE FROM login_failures');
  });

  test('turning it off asks for the password and a code', async () => {
    const noCode = await call(a.headers, 'DELETE', '/me/two-factor', { password: PASSWORD, code: '000000' });
    expect(noCode.json().error.code).toBe('wrong_code');
    const noPassword = await call(a.headers, 'DELETE', '/me/two-factor', { password: 'wrong', code: recovery[2] });
    expect(noPassword.json().error.code).toBe('wrong_password');
    expect(
      (await call(a.headers, 'DELETE', '/me/two-factor', { password: PASSWORD, code: recovery[2] })).statusCode,
    ).toBe(204);
    expect((await call(a.headers, 'GET', '/me')).json().twoFactor).toBe(false);
    expect((await login(a.email)).json().user.email).toBe(a.email);
  });
});

describe('leaving', () => {
  test('the export holds the clouds without secrets, the tasks, runs and manifest', async () => {
    const a = await signup(t, 'leaving@example.org');
    const drive = await connectedCloud(t, a, 'google-drive', google);
    const task = await call(a.bearer, 'POST', '/tasks', {
      name: 'Drive to Drive',
      source: { cloudId: drive, path: 'a' },
      destination: { cloudId: drive, path: 'b' },
    });
    const run = (await call(a.bearer, 'POST', `/tasks/${task.json().id}/runs`)).json().run;
    await t.db.query(
      `INSERT INTO manifest (task_id, source_id, source_version, dest_path) VALUES ($1, 'photo-1', 'v1', 'b/one.jpg')`,
      [task.json().id],
    );
    const res = await call(a.headers, 'GET', '/me/export');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="ferry-\d{4}-\d\d-\d\d\.json"$/);
    const data = res.json();
    expect(data.account).toMatchObject({ id: a.id, email: a.email, twoFactor: false });
    expect(data.clouds).toEqual([expect.objectContaining({ id: drive, kind: 'google-drive' })]);
    expect(data.tasks).toEqual([expect.objectContaining({ id: task.json().id, name: 'Drive to Drive' })]);
    expect(data.runs).toEqual([expect.objectContaining({ id: run.id, status: 'queued' })]);
    expect(data.manifest).toEqual([expect.objectContaining({ sourceId: 'photo-1', destPath: 'b/one.jpg' })]);
    const { rows } = await t.db.query('SELECT secrets FROM clouds WHERE id = $1', [drive]);
    expect(res.body).not.toContain(rows[0].secrets);
    expect(res.body).not.toMatch(/accessToken|refreshToken|password/i);
  });

  test('deleting asks for the password, cancels runs, revokes the sign-ins, removes every row and mails', async () => {
    const a = await signup(t, 'goodbye@example.org');
    const drive = await connectedCloud(t, a, 'google-drive', google);
    await connectedCloud(t, a, 'dropbox', dropbox);
    const task = await call(a.bearer, 'POST', '/tasks', {
      name: 'Drive',
      source: { cloudId: drive, path: 'a' },
      destination: { cloudId: drive, path: 'b' },
    });
    const run = (await call(a.bearer, 'POST', `/tasks/${task.json().id}/runs`)).json().run;

    const wrong = await call(a.headers, 'DELETE', '/me', { password: 'not it' });
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([403, 'wrong_password']);
    const res = await call(a.headers, 'DELETE', '/me', { password: PASSWORD });
    expect(res.statusCode).toBe(204);
    expect([google.oauth.stats.revocations, dropbox.oauth.stats.revocations]).toEqual([1, 1]);
    expect((await call(a.bearer, 'GET', '/me')).statusCode).toBe(401);
    expect((await login(a.email)).statusCode).toBe(401);
    for (const table of ['users', 'clouds', 'tasks', 'runs', 'sessions', 'api_tokens']) {
      const column = table === 'users' ? 'id' : 'user_id';
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`, [a.id]);
      expect([table, rows[0].n]).toEqual([table, 0]);
    }
    const { rows: left } = await t.db.query('SELECT count(*)::int AS n FROM runs WHERE id = $1', [run.id]);
    expect(left[0].n).toBe(0);
    const { rows: mail } = await t.db.query(
      `SELECT recipient, subject FROM mail_outbox WHERE kind = 'account_deleted'`,
    );
    expect(mail).toEqual([{ recipient: a.email, subject: 'Ferry: your account is deleted' }]);
    const { rows: trail } = await t.db.query(
      `SELECT action, user_id, details FROM audit_log WHERE target_id = $1 AND action LIKE 'user.%' ORDER BY id`,
      [a.id],
    );
    expect(trail.map((r) => r.action)).toEqual(
      expect.arrayContaining(['user.signup', 'user.delete', 'user.grants_revoked']),
    );
    expect(trail.every((r) => r.user_id === null)).toBe(true);
    expect(
      trail
        .at(-1)
        .details.revoked.map((g: { outcome: string }) => g.outcome)
        .sort(),
    ).toEqual(['revoked', 'revoked']);
  });

  test('with two-factor sign-in on, deleting also asks for a code', async () => {
    const a = await signup(t, 'twofold@example.org');
    const { secret } = (await call(a.headers, 'POST', '/me/two-factor')).json();
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    await call(a.headers, 'POST', '/me/two-factor/confirm', { code: totp.generate() });
    const noCode = await call(a.headers, 'DELETE', '/me', { password: PASSWORD });
    expect([noCode.statusCode, noCode.json().error.code]).toEqual([403, 'wrong_code']);
    const ok = await call(a.headers, 'DELETE', '/me', {
      password: PASSWORD,
      code: totp.generate({ timestamp: Date.now() + 30_000 }),
    });
    expect(ok.statusCode).toBe(204);
  });
});
