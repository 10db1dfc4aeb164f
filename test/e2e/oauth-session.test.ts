// A sign-in that connects a cloud belongs to the Ferry session that started it: over real HTTP with
// two browsers and the Dropbox emulator, a callback carrying A's state with B's session is refused,
// as is a replayed, an expired or another session's callback; only A's own finishes, once.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { freePort } from '../../services/core/embedded-postgres.ts';
import { signup, startTestApp, type TestApp } from '../support/app.ts';
import { Browser } from '../support/browser.ts';
import { startDropboxFake } from '../fakes/dropbox.ts';

let t: TestApp & { url: string };
let dropbox: Awaited<ReturnType<typeof startDropboxFake>>;
let publicUrl: string;

interface Person {
  browser: Browser;
  csrf: string;
}

async function person(email: string, signup = true): Promise<Person> {
  const browser = new Browser();
  const res = await browser.request(`${publicUrl}/api/v1/auth/${signup ? 'signup' : 'login'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse battery' }),
  });
  expect(res.status === 201 || res.status === 200).toBeTruthy();
  return { browser, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

async function cloudsOf(p: Person): Promise<{ name: string; kind: string }[]> {
  const res = await p.browser.request(`${publicUrl}/api/v1/clouds`);
  return ((await res.json()) as { items: { name: string; kind: string }[] }).items;
}

/**
 * `starter` starts a Dropbox sign-in and allows it on the provider's page; the provider's redirect
 * back to Ferry (with the code and state) is returned, not followed.
 */
async function allowedCallback(starter: Person, query = ''): Promise<string> {
  const start = await starter.browser.go(`${publicUrl}/api/v1/oauth/dropbox/start${query}`);
  expect(start.res.status).toBe(200);
  const html = await start.res.text();
  const form = /<form[^>]*>([\s\S]*?)<\/form>/i.exec(html)!;
  const action = /action="([^"]*)"/i.exec(form[0])?.[1]?.replace(/&amp;/g, '&') ?? start.url;
  const fields = new URLSearchParams();
  for (const m of form[1].matchAll(/<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"/g))
    fields.append(m[1], m[2].replace(/&amp;/g, '&').replace(/&quot;/g, '"'));
  fields.append('decision', 'allow');
  const res = await starter.browser.request(new URL(action, start.url).toString(), {
    method: 'POST',
    body: fields.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(res.status).toBe(302);
  const callback = res.headers.get('location')!;
  expect(callback.startsWith(`${publicUrl}/api/v1/oauth/dropbox/callback?`)).toBeTruthy();
  return callback;
}

const flowCount = async () => (await t.db.query('SELECT count(*)::int AS n FROM oauth_flows')).rows[0].n as number;

beforeAll(async () => {
  dropbox = await startDropboxFake({ clientId: 'dropbox-client', clientSecret: 'dropbox-secret' });
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  t = await startTestApp({
    FERRY_PUBLIC_URL: publicUrl,
    FERRY_DROPBOX_CLIENT_ID: 'dropbox-client',
    FERRY_DROPBOX_CLIENT_SECRET: 'dropbox-secret',
    FERRY_DROPBOX_AUTH_URL: `${dropbox.apiUrl}/oauth2/authorize`,
    FERRY_DROPBOX_TOKEN_URL: `${dropbox.apiUrl}/oauth2/token`,
    FERRY_DROPBOX_API_URL: dropbox.apiUrl,
    FERRY_DROPBOX_CONTENT_URL: dropbox.contentUrl,
  });
  await t.app.listen({ port, host: '127.0.0.1' });
});
afterAll(async () => {
  await t?.close();
  await dropbox?.close();
});

describe('a sign-in is bound to the session that started it', () => {
  test(
    "A's state and code with B's session are refused and change nothing; " +
      "A's own callback then connects A's cloud, once",
    async () => {
      const a = await person('alice@example.org');
      const b = await person('bob@example.org');
      const callback = await allowedCallback(a, '?name=Alice%20Dropbox');
      // The sign-in's secrets are Ferry's, not the browser's: nothing a thief could copy from it.
      // one request to Ferry so far: the start
      expect(a.browser.hops.filter((h) => h.url.startsWith(`${publicUrl}/api/v1/oauth`)).length).toEqual(1);
      expect(a.browser.cookie(new URL(publicUrl).host, 'ferry_oauth_state')).toBe(undefined);
      expect(a.browser.cookie(new URL(publicUrl).host, 'ferry_oauth_verifier')).toBe(undefined);

      const stolen = await b.browser.request(callback);
      expect(stolen.status).toBe(400);
      const body = (await stolen.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.message).toMatch(/does not match one started in this Ferry session/);
      // nothing in B's account
      expect(await cloudsOf(b)).toEqual([]);
      // nothing in A's account
      expect(await cloudsOf(a)).toEqual([]);

      const own = await a.browser.request(callback);
      expect(own.status).toBe(302);
      // A's own callback connects A's cloud under the name A asked for
      expect((await cloudsOf(a)).map((c) => [c.kind, c.name])).toEqual([['dropbox', 'Alice Dropbox']]);
      expect(await cloudsOf(b)).toEqual([]);

      const replayed = await a.browser.request(callback);
      // a used sign-in cannot be replayed
      expect(replayed.status).toBe(400);
      expect(((await replayed.json()) as any).error.message).toMatch(/used already/);
      expect((await cloudsOf(a)).length).toBe(1);
      // nothing left behind
      expect(await flowCount()).toBe(0);
    },
  );

  test("the same account in another session (another browser) cannot finish the first session's sign-in", async () => {
    const first = await person('carol@example.org');
    const second = await person('carol@example.org', false);
    const callback = await allowedCallback(first);
    const res = await second.browser.request(callback);
    expect(res.status).toBe(400);
    expect(await cloudsOf(second)).toEqual([]);
    const own = await first.browser.request(callback);
    // the session that started it still can
    expect(own.status).toBe(302);
    expect((await cloudsOf(first)).length).toBe(1);
  });

  test('a sign-in finished after ten minutes is refused, says it expired, and connects nothing', async () => {
    const d = await person('dave@example.org');
    const callback = await allowedCallback(d);
    await t.db.query(`UPDATE oauth_flows SET expires_at = now() - interval '1 second'`);
    const res = await d.browser.request(callback);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toMatch(/longer than 10 minutes and has expired/);
    expect(await cloudsOf(d)).toEqual([]);
    const fresh = await allowedCallback(d);
    // starting again works
    expect((await d.browser.request(fresh)).status).toBe(302);
  });

  test('a callback with no state, or a state Ferry never issued, is refused', async () => {
    const e = await person('erin@example.org');
    const callback = new URL(await allowedCallback(e));
    const before = await flowCount();
    for (const state of [null, 'forged-state']) {
      const u = new URL(callback);
      if (state) u.searchParams.set('state', state);
      else u.searchParams.delete('state');
      const res = await e.browser.request(u.toString());
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.message).toMatch(/state mismatch/);
    }
    expect(await cloudsOf(e)).toEqual([]);
    // the owner's sign-in is still there to finish
    expect(await flowCount()).toBe(before);
  });
});

describe('sign-ins started and never finished', () => {
  test('at most 5 are kept per session: 20 starts leave the newest 5, and the newest still finishes', async () => {
    const f = await person('frank@example.org');
    const other = await person('grace@example.org');
    const kept = await allowedCallback(other);
    for (let i = 0; i < 19; i++) {
      const res = await f.browser.request(`${publicUrl}/api/v1/oauth/dropbox/start`);
      expect(res.status).toBe(302);
    }
    const callback = await allowedCallback(f);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM oauth_flows f ` +
        `JOIN users u ON u.id = f.user_id WHERE u.email = 'frank@example.org'`,
    );
    expect(rows[0].n).toBe(5);
    // the newest sign-in finishes
    expect((await f.browser.request(callback)).status).toBe(302);
    expect((await cloudsOf(f)).map((c) => c.kind)).toEqual(['dropbox']);
    // another session's sign-in is not among those dropped
    expect((await other.browser.request(kept)).status).toBe(302);
  });

  test(
    'sign-ins long expired are dropped by later starts; ' + 'those expired just now are kept a while, to say so',
    async () => {
      const h = await person('heidi@example.org');
      const late = await allowedCallback(h);
      await t.db.query(`UPDATE oauth_flows SET expires_at = now() - interval '1 second'`);
      await t.db.query(
        `INSERT INTO oauth_flows (state_digest, user_id, started_by, kind, verifier, expires_at)
       SELECT 'old-' || i, u.id, 'session:gone-' || i, 'dropbox', 'v', now() - interval '1 day'
         FROM users u, generate_series(1, 30) i WHERE u.email = 'heidi@example.org'`,
      );
      await allowedCallback(h);
      expect(
        (await t.db.query(`SELECT count(*)::int AS n FROM oauth_flows WHERE state_digest LIKE 'old-%'`)).rows[0].n,
      ).toBe(0);
      const res = await h.browser.request(late);
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.message).toMatch(/has expired/);
    },
  );

  test('starting is rate limited like logins (FERRY_AUTH_RATE_LIMIT)', async () => {
    const s = await startTestApp({
      FERRY_AUTH_RATE_LIMIT: '3',
      FERRY_DROPBOX_CLIENT_ID: 'dropbox-client',
      FERRY_DROPBOX_CLIENT_SECRET: 'dropbox-secret',
    });
    try {
      const ivan = await signup(s);
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        codes.push(
          (await s.app.inject({ method: 'GET', url: '/api/v1/oauth/dropbox/start', headers: ivan.bearer })).statusCode,
        );
      }
      expect(codes).toEqual([302, 302, 302, 429, 429]);
    } finally {
      await s.close();
    }
  });
});
