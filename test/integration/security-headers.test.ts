// Every answer carries the security headers, whatever made it: a page, the API, an error, the
// router's 404, the docs. Cookies are HttpOnly and SameSite=Lax, and Secure with HSTS on https.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/app.ts';

let http: TestApp;
let https: TestApp;
beforeAll(async () => {
  [http, https] = await Promise.all([startTestApp(), startTestApp({ FERRY_PUBLIC_URL: 'https://ferry.example.org' })]);
});
afterAll(async () => {
  await Promise.all([http.close(), https.close()]);
});

const answers: [string, 'GET' | 'POST', string, object | undefined][] = [
  ['the app', 'GET', '/tasks', undefined],
  ['an API read', 'GET', '/api/v1/providers', undefined],
  ['an API error', 'GET', '/api/v1/me', undefined],
  ['a refused body', 'POST', '/api/v1/auth/login', { email: 'x' }],
  ['no such route', 'GET', '/api/v1/nothing-here', undefined],
  ['health', 'GET', '/healthz', undefined],
  ['the OpenAPI document', 'GET', '/openapi.json', undefined],
  ['the API docs', 'GET', '/docs/', undefined],
];

describe.each(answers)('%s', (_what, method, url, payload) => {
  test('has the security headers; HSTS only on https', async () => {
    for (const t of [http, https]) {
      const res = await t.app.inject({ method, url, payload, headers: { accept: 'text/html' } });
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).toMatch(/default-src '(self|none)'/);
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': expect.stringMatching(/^(same-origin|no-referrer)$/),
        'cross-origin-opener-policy': 'same-origin-allow-popups',
        'cross-origin-resource-policy': 'same-origin',
        'origin-agent-cluster': '?1',
        'x-dns-prefetch-control': 'off',
        'x-permitted-cross-domain-policies': 'none',
      });
      if (t === https) expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
      else expect(res.headers['strict-transport-security']).toBeUndefined();
    }
  });
});

test('the session cookie is HttpOnly and SameSite=Lax, and Secure on https', async () => {
  for (const t of [http, https]) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: 'cookie@example.org', password: 'correct horse battery' },
    });
    const cookie = res.cookies.find((c) => c.name === 'ferry_session')!;
    expect({ httpOnly: cookie.httpOnly, sameSite: cookie.sameSite, secure: Boolean(cookie.secure) }).toEqual({
      httpOnly: true,
      sameSite: 'Lax',
      secure: t === https,
    });
  }
});

test('a request body past 64 KiB is refused unread; a request must arrive within 30 s', async () => {
  const res = await http.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ email: 'x@example.org', password: 'p'.repeat(70 * 1024) }),
  });
  expect([res.statusCode, res.json().error.code]).toEqual([413, 'payload_too_large']);
  expect(http.app.server.requestTimeout).toBe(30_000);
});
