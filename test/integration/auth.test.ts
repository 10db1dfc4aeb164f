import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ConfigError, loadConfig } from '../../services/core/config.ts';
import { digest } from '../../services/core/crypto.ts';
import { signup, startTestApp, type TestApp } from '../support/app.ts';
import { loggedApp } from '../support/logged-app.ts';

let t: TestApp;
beforeAll(async () => (t = await startTestApp()));
afterAll(() => t.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload: payload as object, headers });

describe('signup and login', () => {
  test('signup sets an HttpOnly, SameSite=Lax session cookie and returns the user and a CSRF token', async () => {
    // At Ferry's own hashing cost: without the suite's lower one (test/support/global-setup.ts).
    const testCost = process.env.FERRY_TEST_SCRYPT_N;
    delete process.env.FERRY_TEST_SCRYPT_N;
    const res = await post('/api/v1/auth/signup', {
      email: 'Ada@Example.com',
      password: 'a long enough password',
    }).finally(() => {
      if (testCost !== undefined) process.env.FERRY_TEST_SCRYPT_N = testCost;
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user.email).toBe('Ada@Example.com');
    expect(body.user.plan).toBe('free');
    expect(body.csrfToken.length).toBeGreaterThanOrEqual(32);
    const cookie = res.cookies.find((c) => c.name === 'ferry_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    // not Secure on a plain-http public URL
    expect(cookie.secure).toBe(undefined);
    const { rows } = await t.db.query('SELECT password_hash FROM users WHERE id = $1', [body.user.id]);
    expect(rows[0].password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(rows[0].password_hash).not.toContain('a long enough password');
    const sessions = await t.db.query('SELECT id_digest FROM sessions WHERE user_id = $1', [body.user.id]);
    // only a digest of the cookie is stored
    expect(sessions.rows[0].id_digest).not.toBe(cookie.value);
  });

  test('the same email in another case is taken', async () => {
    const res = await post('/api/v1/auth/signup', { email: 'ada@example.COM', password: 'another password!' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('email_taken');
  });

  test('a short password is refused with the rule', async () => {
    const res = await post('/api/v1/auth/signup', { email: 'short@example.com', password: 'short' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/password.*10 characters/);
  });

  test('login with the right password, in any email case; wrong password and unknown email alike are 401', async () => {
    const ok = await post('/api/v1/auth/login', { email: 'ada@example.com', password: 'a long enough password' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().user.email).toBe('Ada@Example.com');
    const wrong = await post('/api/v1/auth/login', { email: 'ada@example.com', password: 'not the password' });
    const unknown = await post('/api/v1/auth/login', { email: 'nobody@example.com', password: 'whatever it is' });
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'invalid_credentials', message: 'Wrong email or password.' } });
      expect(res.cookies.length).toBe(0);
    }
    const { rows } = await t.db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'user.login_failed'");
    expect(rows[0].n).toBe(2);
  });
});

describe('sessions, CSRF and tokens', () => {
  test('/me needs a session or a token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/me' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthorized');
  });

  test('/me shows the plan, this month and the traffic limit', async () => {
    const a = await signup(t);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: a.headers });
    expect(res.statusCode).toBe(200);
    const me = res.json();
    expect(me.id).toBe(a.id);
    expect(me.usage.usedBytes).toBe(0);
    expect(me.usage.limitBytes).toBe(5 * 1024 ** 3);
    const now = new Date();
    expect(me.usage.periodStart).toBe(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString());
    expect(me.csrfToken).toBe(a.headers['x-csrf-token']);
    // FERRY_VERIFY_EMAIL is off
    expect(me.emailVerificationRequired).toBe(false);
  });

  test('a cookie-authenticated change without the CSRF token is refused and changes nothing', async () => {
    const a = await signup(t);
    const missing = await post('/api/v1/tokens', { name: 'x' }, { cookie: a.headers.cookie });
    const wrong = await post('/api/v1/tokens', { name: 'x' }, { cookie: a.headers.cookie, 'x-csrf-token': 'nope' });
    for (const res of [missing, wrong]) {
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('csrf_failed');
    }
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: a.headers });
    expect(list.json().items.map((x: { name: string }) => x.name)).toEqual(['tests']);
  });

  test('a bearer token needs no CSRF token; revoking it locks it out', async () => {
    const a = await signup(t);
    const created = await post('/api/v1/tokens', { name: 'backup script' }, a.bearer);
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json();
    expect(token).toMatch(/^fy_/);
    const stored = await t.db.query('SELECT token_digest FROM api_tokens WHERE id = $1', [id]);
    expect(stored.rows[0].token_digest).not.toBe(token);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: a.bearer });
    expect(list.json().items.length).toBe(2);
    // a token is shown once only
    expect(JSON.stringify(list.json())).not.toContain(token);
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: a.bearer });
    expect(del.statusCode).toBe(204);
    const after = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.statusCode).toBe(401);
  });

  test(
    'PATCH /me changes the language of the mails: ' + 'audited, answered as /me, one of en, de, fr, with CSRF',
    async () => {
      const a = await signup(t);
      const patch = (payload: unknown, headers: Record<string, string>) =>
        t.app.inject({ method: 'PATCH', url: '/api/v1/me', payload: payload as object, headers });
      const res = await patch({ locale: 'de' }, a.headers);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect([body.id, body.email, body.locale, body.csrfToken]).toEqual([
        a.id,
        a.email,
        'de',
        a.headers['x-csrf-token'],
      ]);
      expect(typeof body.usage.limitBytes).toBe('number');
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: a.headers });
      expect(me.json().locale).toBe('de');
      const { rows } = await t.db.query('SELECT locale FROM users WHERE id = $1', [a.id]);
      // the mails read users.locale
      expect(rows[0].locale).toBe('de');
      const audited = await t.db.query(
        "SELECT target_id, details FROM audit_log WHERE user_id = $1 AND action = 'user.update'",
        [a.id],
      );
      expect(audited.rows).toEqual([{ target_id: a.id, details: { locale: 'de' } }]);

      // A bearer token needs no CSRF token; a cookie without it is refused.
      expect((await patch({ locale: 'fr' }, a.bearer)).json().locale).toBe('fr');
      const noCsrf = await patch({ locale: 'en' }, { cookie: a.headers.cookie });
      expect([noCsrf.statusCode, noCsrf.json().error.code]).toEqual([403, 'csrf_failed']);
      for (const bad of [{ locale: 'es' }, { locale: 'EN' }, {}, { locale: 'en', email: 'x@example.com' }]) {
        const refused = await patch(bad, a.headers);
        expect([refused.statusCode, refused.json().error.code]).toEqual([400, 'invalid_request']);
      }
      expect((await patch({ locale: 'en' }, {})).statusCode).toBe(401);
      // Another user's change is their own only.
      const b = await signup(t);
      await patch({ locale: 'de' }, b.headers);
      expect((await t.db.query('SELECT locale FROM users WHERE id = $1', [a.id])).rows[0].locale).toBe('fr');
    },
  );

  test('logout ends the session', async () => {
    const a = await signup(t);
    const out = await post('/api/v1/auth/logout', undefined, a.headers);
    expect(out.statusCode).toBe(204);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: a.headers });
    expect(me.statusCode).toBe(401);
  });
});

test(
  "with address verification on, the mailed link leads to the app's /verify page; " +
    "the API's GET (JSON or its own page) and POST confirm still answer for it",
  async () => {
    const s = await startTestApp({ FERRY_VERIFY_EMAIL: '1', FERRY_PUBLIC_URL: 'https://ferry.example.org' });
    try {
      const email = 'verify-link@example.com';
      const res = await s.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email, password: 'a long enough password', locale: 'fr' },
      });
      expect(res.statusCode).toBe(201);
      const { rows } = await s.db.query(
        "SELECT text_body, html_body FROM mail_outbox WHERE recipient = $1 AND kind = 'verify_address'",
        [email],
      );
      const link = /https:\/\/ferry\.example\.org\/verify\?token=(\S+)/.exec(rows[0].text_body);
      expect(link).toBeTruthy();
      expect(rows[0].html_body).toContain(`https://ferry.example.org/verify?token=${link![1]}`);
      const token = decodeURIComponent(link![1]);
      const headers = { cookie: `ferry_session=${res.cookies.find((c) => c.name === 'ferry_session')!.value}` };
      const me = async () => (await s.app.inject({ method: 'GET', url: '/api/v1/me', headers })).json();
      expect([(await me()).emailVerified, (await me()).emailVerificationRequired]).toEqual([false, true]);
      // What the app's page asks: the address, as JSON; a link mailed before the app keeps its page.
      const asJson = await s.app.inject({
        method: 'GET',
        url: `/api/v1/auth/verify?token=${encodeURIComponent(token)}`,
        headers: { accept: 'application/json' },
      });
      expect(asJson.json()).toEqual({ email, emailVerified: false });
      const oldLink = await s.app.inject({
        method: 'GET',
        url: `/api/v1/auth/verify?token=${encodeURIComponent(token)}`,
      });
      expect(oldLink.statusCode).toBe(200);
      expect(oldLink.headers['content-type'] as string).toMatch(/^text\/html/);
      const confirmed = await s.app.inject({ method: 'POST', url: '/api/v1/auth/verify/confirm', payload: { token } });
      expect(confirmed.json()).toEqual({ email, emailVerified: true });
      expect((await me()).emailVerified).toBe(true);
      const unknown = await s.app.inject({
        method: 'GET',
        url: `/api/v1/auth/verify?token=${encodeURIComponent(token)}`,
        headers: { accept: 'application/json' },
      });
      expect([unknown.statusCode, unknown.json().error.code]).toEqual([400, 'invalid_token']);
    } finally {
      await s.close();
    }
  },
);

test('cookies are Secure when users reach Ferry over https', async () => {
  const s = await startTestApp({ FERRY_PUBLIC_URL: 'https://ferry.example.org' });
  try {
    const res = await s.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: 's@example.com', password: 'a long enough password' },
    });
    expect(res.cookies.find((c) => c.name === 'ferry_session')!.secure).toBe(true);
  } finally {
    await s.close();
  }
});

test('login and signup are rate limited per address', async () => {
  const s = await startTestApp({ FERRY_AUTH_RATE_LIMIT: '3' });
  try {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await s.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'x@example.com', password: `guess number ${i}` },
      });
      codes.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(res.json().error.code).toBe('rate_limited');
        expect(res.json().error.message).toMatch(/try again in \d+ seconds/);
      }
    }
    expect(codes).toEqual([401, 401, 401, 429, 429]);
  } finally {
    await s.close();
  }
});

describe('client addresses behind proxies (FERRY_TRUSTED_PROXIES)', () => {
  const login = (s: TestApp, forwardedFor: string, email = 'x@example.com') =>
    s.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'a wrong password' },
      headers: { 'x-forwarded-for': forwardedFor },
    });
  const failedFrom = async (s: TestApp) =>
    (await s.db.query("SELECT ip FROM audit_log WHERE action = 'user.login_failed' ORDER BY id")).rows.map((r) => r.ip);

  test(
    'with no trusted proxy, even on https, a forged X-Forwarded-For ' +
      'neither escapes the rate limit nor reaches the audit log',
    async () => {
      const s = await startTestApp({ FERRY_PUBLIC_URL: 'https://ferry.example.org', FERRY_AUTH_RATE_LIMIT: '3' });
      try {
        const codes: number[] = [];
        for (let i = 1; i <= 5; i++) codes.push((await login(s, `198.51.100.${i}`)).statusCode);
        expect(codes).toEqual([401, 401, 401, 429, 429]);
        expect(await failedFrom(s)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
      } finally {
        await s.close();
      }
    },
  );

  test(
    'behind a trusted proxy, the address it forwards is the client’s; ' +
      'addresses before it in the header are not believed',
    async () => {
      const s = await startTestApp({ FERRY_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1', FERRY_AUTH_RATE_LIMIT: '3' });
      try {
        const codes: number[] = [];
        for (let i = 1; i <= 4; i++) codes.push((await login(s, `192.0.2.66, 198.51.100.${i}`)).statusCode);
        // each client has its own limit
        expect(codes).toEqual([401, 401, 401, 401]);
        // A chain of trusted proxies: the first untrusted address from the right is the client.
        expect((await login(s, '198.51.100.9, 10.1.2.3')).statusCode).toBe(401);
        expect(await failedFrom(s)).toEqual([
          '198.51.100.1',
          '198.51.100.2',
          '198.51.100.3',
          '198.51.100.4',
          '198.51.100.9',
        ]);
      } finally {
        await s.close();
      }
    },
  );

  test('a proxy list that is not addresses is a configuration error naming the entry', () => {
    expect(loadConfig({ FERRY_TRUSTED_PROXIES: ' 10.0.0.0/8 ,::1, fd00::/8' }).trustedProxies).toEqual([
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
    ]);
    expect(loadConfig({}).trustedProxies).toEqual([]);
    for (const bad of ['10.0.0.0/33', 'proxy.example.org', '10.0.0.1/8/8', '::1/129', 'loopback']) {
      expect(() => loadConfig({ FERRY_TRUSTED_PROXIES: `127.0.0.1,${bad}` })).toThrowSatisfying(
        (err: Error) => err instanceof ConfigError && err.message.includes(`FERRY_TRUSTED_PROXIES: "${bad}"`),
      );
    }
  });
});

describe('failed logins per account', () => {
  // 3 instead of the default 10, to keep the test short (each wrong password costs a scrypt).
  let s: TestApp;
  beforeAll(async () => (s = await startTestApp({ FERRY_LOGIN_FAILURE_LIMIT: '3' })));
  afterAll(() => s.close());

  const PASSWORD = 'correct horse battery';
  const login = (email: string, password: string, app = s.app) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  async function failures(email: string, n: number, app = s.app): Promise<number[]> {
    const codes: number[] = [];
    for (let i = 0; i < n; i++) codes.push((await login(email, `wrong password ${i}`, app)).statusCode);
    return codes;
  }

  test('10 failures by default', () => {
    expect(loadConfig({}).loginFailureLimit).toBe(10);
  });

  test(
    'past the limit an account is refused, right password or not, with Retry-After, ' +
      'until the window has passed; other accounts are not',
    async () => {
      const victim = await signup(s);
      const other = await signup(s);
      expect(await failures(victim.email, 3)).toEqual([401, 401, 401]);
      for (const res of [
        await login(victim.email, 'wrong again, 4th'),
        await login(victim.email, PASSWORD),
        await login(victim.email.toUpperCase(), PASSWORD),
      ]) {
        expect(res.statusCode).toBe(429);
        expect(res.json()).toEqual({
          error: { code: 'rate_limited', message: 'Too many failed logins for this account: try again in 15 minutes.' },
        });
        const retryAfter = Number(res.headers['retry-after']);
        expect(retryAfter > 840 && retryAfter <= 900).toBeTruthy();
        expect(res.cookies.length).toBe(0);
      }
      // other accounts are unaffected
      expect((await login(other.email, PASSWORD)).statusCode).toBe(200);
      const { rows } = await s.db.query(
        "SELECT count(*)::int AS n FROM audit_log WHERE action = 'user.login_refused' AND details->>'email' = $1",
        [victim.email],
      );
      // refusals are audited apart from wrong passwords
      expect(rows[0].n).toBe(2);

      await s.db.query(`UPDATE login_failures SET window_start = now() - interval '16 minutes'`);
      // once the window has passed
      expect((await login(victim.email, PASSWORD)).statusCode).toBe(200);
    },
  );

  test('a successful login clears the count', async () => {
    const a = await signup(s);
    expect(await failures(a.email, 2)).toEqual([401, 401]);
    expect((await login(a.email, PASSWORD)).statusCode).toBe(200);
    expect(await failures(a.email, 4)).toEqual([401, 401, 401, 429]);
  });

  test('an address without an account is limited alike, and the count keeps no address', async () => {
    expect(await failures('nobody-here@example.com', 4)).toEqual([401, 401, 401, 429]);
    const { rows } = await s.db.query('SELECT * FROM login_failures');
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toMatch(/@|example/);
  });

  test(
    'failed logins at once, to addresses whose earlier windows have passed, never deadlock: ' +
      'each is a 401 and counts 1 in a new window',
    async () => {
      // Each login once dropped the passed windows of other addresses in the statement that counted its
      // own: two at once locked their own rows and then each other's (deadlock, answered 500).
      const other = await loggedApp(s);
      try {
        for (let round = 0; round < 3; round++) {
          const emails = Array.from({ length: 16 }, (_, i) => `expired-${round}-${i}@example.com`);
          for (const e of emails) {
            await s.db.query(
              `INSERT INTO login_failures (email_digest, failures, window_start) ` +
                `VALUES ($1, 3, now() - interval '20 minutes')`,
              [digest(e)],
            );
          }
          const res = await Promise.all(emails.map((e, i) => login(e, 'a wrong password', i % 2 ? other.app : s.app)));
          expect(res.map((r) => r.statusCode)).toEqual(emails.map(() => 401));
          const { rows } = await s.db.query(
            `SELECT failures, window_start > now() - interval '1 minute' AS fresh ` +
              `FROM login_failures WHERE email_digest = ANY($1)`,
            [emails.map((e) => digest(e))],
          );
          // a new window, counting this failure only
          expect(rows).toEqual(emails.map(() => ({ failures: 1, fresh: true })));
        }
      } finally {
        await other.app.close();
      }
    },
  );

  test(
    "a login never waits on another address's count: " +
      'a lock held on it (a login to it under way) holds up no one else',
    async () => {
      const busy = digest('busy-login@example.com');
      await s.db.query(
        `INSERT INTO login_failures (email_digest, failures, window_start) ` +
          `VALUES ($1, 3, now() - interval '20 minutes')`,
        [busy],
      );
      const c = await s.db.connect();
      try {
        await c.query('BEGIN');
        await c.query('SELECT 1 FROM login_failures WHERE email_digest = $1 FOR UPDATE', [busy]);
        const res = await Promise.race([
          login('someone-else@example.com', 'a wrong password'),
          new Promise((r) => setTimeout(r, 10_000, 'still waiting')),
        ]);
        // the login waited on the lock of another address's row
        expect(res).not.toBe('still waiting');
        expect((res as { statusCode: number }).statusCode).toBe(401);
      } finally {
        await c.query('ROLLBACK');
        c.release();
      }
      const { rows } = await s.db.query('SELECT failures FROM login_failures WHERE email_digest = $1', [busy]);
      // the locked row is left to a later sweep
      expect(rows).toEqual([{ failures: 3 }]);
    },
  );

  test('windows that have passed are dropped, a few at a time, by later logins', async () => {
    const stale = Array.from({ length: 30 }, (_, i) => digest(`stale-${i}@example.com`));
    for (const d of stale)
      await s.db.query(
        `INSERT INTO login_failures (email_digest, failures, window_start) VALUES ($1, 2, now() - interval '1 hour')`,
        [d],
      );
    expect((await login('sweeper@example.com', 'a wrong password')).statusCode).toBe(401);
    const { rows } = await s.db.query('SELECT count(*)::int AS n FROM login_failures WHERE email_digest = ANY($1)', [
      stale,
    ]);
    expect(rows[0].n).toBe(0);
  });

  test('every API process counts the same failures, also when they come at once', async () => {
    const a = await signup(s);
    const other = await loggedApp(s);
    try {
      const codes = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          login(a.email, `wrong password ${i}`, i % 2 ? other.app : s.app).then((r) => r.statusCode),
        ),
      );
      expect(codes.filter((c) => c === 401).length).toEqual(3);
      expect(codes.filter((c) => c === 429).length).toEqual(5);
      expect((await login(a.email, PASSWORD, other.app)).statusCode).toBe(429);
    } finally {
      await other.app.close();
    }
  });
});
