// Every error answer, whoever produces it (Node's HTTP parser, Fastify's router and body parsers,
// Ferry's routes), is { error: { code, message } } with the right status, and tells nothing of the
// server's insides.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createPool } from '../../services/core/db.ts';
import { buildApp } from '../../services/api/app.ts';
import { signup, startTestApp, type Actor, type TestApp } from '../support/app.ts';
import { loggedApp, rawRequest, type LoggedApp } from '../support/logged-app.ts';

let t: TestApp;
let a: Actor;
let port: number;
let logged: LoggedApp;

beforeAll(async () => {
  t = await startTestApp();
  a = await signup(t);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
  logged = await loggedApp(t, {
    routes: (app) => {
      app.get('/boom', async () => {
        throw new Error("ENOENT: no such file or directory, open '/root/.bash_history'");
      });
      // A library's error that carries a client-error status but a message meant for developers.
      app.get('/boom-4xx', async () => {
        throw Object.assign(new Error('/root/.bash_history does not exist (resolved db.internal to 10.0.0.5)'), {
          statusCode: 404,
        });
      });
    },
  });
});
afterAll(async () => {
  await logged.app.close();
  await t.close();
});

function assertShape(body: unknown, code: string, what: string) {
  expect(typeof body).toBe('object');
  const b = body as { error: { code: string; message: string } };
  expect({ what, keys: Object.keys(b), errorKeys: Object.keys(b.error).sort(), code: b.error.code }).toEqual({
    what,
    keys: ['error'],
    errorKeys: ['code', 'message'],
    code,
  });
  expect(b.error.message.length).toBeGreaterThan(10);
  expect(b.error.message).not.toMatch(/FST_|HPE_|ERR_/);
}

describe('answers of the HTTP parser, over raw TCP', () => {
  const cases: [string, string, number, string][] = [
    [
      'headers too large',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'invalid_request',
    ],
    ['a malformed header line', 'GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n', 400, 'invalid_request'],
    ['a malformed request line', 'HELLO THERE\r\n\r\n', 400, 'invalid_request'],
    ['a bad header name', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n', 400, 'invalid_request'],
    [
      'both Content-Length and chunked',
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
      'invalid_request',
    ],
    [
      'a bad chunk size',
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: ' +
        'application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      400,
      'invalid_request',
    ],
  ];
  for (const [name, request, status, code] of cases) {
    test(name, async () => {
      const res = await rawRequest(port, request);
      expect(res.status).toBe(status);
      expect(res.headers).toMatch(/content-type: application\/json/i);
      assertShape(JSON.parse(res.body), code, name);
    });
  }

  test('a good request on the same port is answered normally', async () => {
    const res = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(200);
  });
});

describe('answers of the router and the body parsers', () => {
  const json = { 'content-type': 'application/json' };
  const cases: [
    string,
    { method: 'GET' | 'POST'; url: string; payload?: string; headers?: Record<string, string> },
    number,
    string,
  ][] = [
    ['an unknown route', { method: 'GET', url: '/api/v1/nothing-here' }, 404, 'not_found'],
    [
      'a malformed percent-encoding in the path',
      { method: 'GET', url: '/api/v1/tasks/%E0%A4%A' },
      400,
      'invalid_request',
    ],
    [
      'a path parameter past its length',
      { method: 'GET', url: `/api/v1/tasks/${'a'.repeat(500)}` },
      414,
      'invalid_request',
    ],
    [
      'a body that is not JSON',
      { method: 'POST', url: '/api/v1/tokens', payload: '{"name": ', headers: json },
      400,
      'malformed_json',
    ],
    [
      'an empty JSON body',
      { method: 'POST', url: '/api/v1/tokens', payload: '', headers: json },
      400,
      'malformed_json',
    ],
    [
      'a body too large',
      { method: 'POST', url: '/api/v1/tokens', payload: JSON.stringify({ name: 'x'.repeat(100_000) }), headers: json },
      413,
      'payload_too_large',
    ],
    [
      'a form instead of JSON',
      {
        method: 'POST',
        url: '/api/v1/tokens',
        payload: 'name=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      415,
      'unsupported_media_type',
    ],
  ];
  for (const [name, req, status, code] of cases) {
    test(name, async () => {
      const res = await t.app.inject({ ...req, headers: { ...a.bearer, ...req.headers } });
      expect(res.statusCode).toBe(status);
      assertShape(res.json(), code, name);
    });
  }
});

describe('unexpected errors', () => {
  test('are a 500 that says nothing of the server; the log has the details', async () => {
    const res = await logged.app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    assertShape(res.json(), 'internal', 'unexpected error');
    expect(res.body).not.toMatch(/bash_history|\/root|ENOENT/);
    const line = logged.lines.find((l) => l.err?.message?.includes('/root/.bash_history'));
    // the error is logged
    expect(line).toBeTruthy();
    expect(line!.level).toBe(50);
    // the answer names the request, to find its log line
    expect(res.json().error.message).toContain(line!.reqId);
  });

  test('with a client-error status, their message still stays in the server', async () => {
    const res = await logged.app.inject({ method: 'GET', url: '/boom-4xx' });
    expect(res.statusCode).toBe(404);
    assertShape(res.json(), 'not_found', 'a library 404');
    expect(res.body).not.toMatch(/bash_history|\/root|10\.0\.0\.5|db\.internal/);
  });

  test('a readiness failure does not tell what the database server is or said', async () => {
    const db = createPool('postgres://ferry:secret@127.0.0.1:1/ferry_nowhere', 1);
    const app = await buildApp({ config: t.config, db, boss: t.boss, keyring: t.keyring, logger: false });
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({
        status: 'unavailable',
        reason: 'The database or the job queue cannot be reached; the log has the details.',
      });
    } finally {
      await app.close();
      await db.end();
    }
  });
});
