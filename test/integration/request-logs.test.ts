// Request logs carry the path of each request, never its query string: mailed links and OAuth
// callbacks carry their secrets there.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { signup, startTestApp, type Actor, type TestApp } from '../support/app.ts';
import { loggedApp, rawRequest, type LoggedApp } from '../support/logged-app.ts';

let t: TestApp;
let a: Actor;
let logged: LoggedApp;

beforeAll(async () => {
  t = await startTestApp();
  a = await signup(t);
  logged = await loggedApp(t, { level: 'debug' });
});
afterAll(async () => {
  await logged.app.close();
  await t.close();
});

test('secrets in query strings (verification links, OAuth callbacks, anything) never reach the log', async () => {
  const requests = [
    { url: '/api/v1/auth/verify?token=VERIFYSECRET0123456789', headers: {} },
    { url: '/api/v1/oauth/google-drive/callback?code=OAUTHCODESECRET42&state=OAUTHSTATESECRET42', headers: a.bearer },
    { url: '/api/v1/oauth/dropbox/callback?error=access_denied&state=OAUTHSTATESECRET43', headers: {} },
    { url: '/api/v1/tasks?cursor=CURSORSECRET&limit=5', headers: a.bearer },
    { url: '/api/v1/nothing?token=NOTFOUNDSECRET', headers: {} },
    { url: '/api/v1/tasks/%E0%A4%A?token=BADURLSECRET', headers: {} },
  ];
  for (const r of requests) await logged.app.inject({ method: 'GET', url: r.url, headers: r.headers });

  const incoming = logged.lines.filter((l) => l.msg === 'incoming request');
  expect(incoming.length).toBe(requests.length);
  expect(incoming.map((l) => l.req.url)).toEqual([
    '/api/v1/auth/verify',
    '/api/v1/oauth/google-drive/callback',
    '/api/v1/oauth/dropbox/callback',
    '/api/v1/tasks',
    '/api/v1/nothing',
    '/api/v1/tasks/%E0%A4%A',
  ]);
  const text = logged.text();
  expect(text).not.toMatch(/SECRET/);
  expect(text).not.toMatch(/(code|state|token|cursor)=/);
  // the rest of the request is still logged
  expect(incoming.every((l) => l.req.method === 'GET' && l.req.remoteAddress === '127.0.0.1')).toBeTruthy();
});

test('a request the HTTP parser refuses is logged without its contents', async () => {
  await logged.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = logged.app.server.address() as AddressInfo;
  const res = await rawRequest(
    port,
    'GET /api/v1/me?token=RAWSECRET HTTP/1.1\r\nHost: x\r\nCookie: ferry_session=COOKIESECRET\r\nBad Header\r\n\r\n',
  );
  expect(res.status).toBe(400);
  const line = logged.lines.find((l) => l.msg === 'malformed request refused');
  // the refusal is logged
  expect(line).toBeTruthy();
  expect(logged.text()).not.toMatch(/RAWSECRET|COOKIESECRET/);
  // not even as bytes
  expect(JSON.stringify(line)).not.toMatch(/rawPacket/);
});
