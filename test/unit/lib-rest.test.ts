// The connectors' REST helper (connectors/lib/rest.ts) against a real HTTP server: the bearer token
// and its one refresh after a 401, bodies sent again, the pacer as the only retrier, errors from the
// provider's body, redirects of uploads left alone, and ranged downloads held to their bytes.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createPacer } from '../../connectors/lib/pacer.ts';
import { bearerFetch, createRest, drain, rangeHeader } from '../../connectors/lib/rest.ts';
import type { TokenSource } from '../../connectors/oauth.ts';
import { CloudError } from '../../connectors/types.ts';

/** What the server saw of one request. */
interface Seen {
  method: string;
  url: string;
  authorization?: string;
  range?: string;
  contentType?: string;
  body: Buffer;
}

type Handler = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void;

let server: http.Server;
let base: string;
let seen: Seen[] = [];
let handle: Handler = (_req, _body, res) => res.end();

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    const body = await buffer(req);
    seen.push({
      method: req.method!,
      url: req.url!,
      authorization: req.headers.authorization,
      range: req.headers.range,
      contentType: req.headers['content-type'],
      body,
    });
    handle(req, body, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** The server answers with `handler` from now on, and forgets what it saw. */
function serve(handler: Handler) {
  seen = [];
  handle = handler;
}

/** A token source like Ferry's: the current token, and a new one each time the provider refuses it. */
function tokens(revoked = false) {
  const t = {
    current: 'token-1',
    refreshes: 0,
    async get() {
      return t.current;
    },
    async refresh(stale: string) {
      t.refreshes++;
      if (revoked) throw new CloudError('unauthorized', 'The sign-in was revoked: reconnect the cloud.');
      if (stale === t.current) t.current = `token-${t.refreshes + 1}`;
      return t.current;
    },
  };
  return t satisfies TokenSource;
}

/** Only the current token is good; other tokens get a 401 with Google's error JSON. */
const tokenCheck =
  (good: () => string, then: Handler): Handler =>
  (req, body, res) => {
    if (req.headers.authorization !== `Bearer ${good()}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { code: 401, message: 'Invalid Credentials' } }));
    }
    then(req, body, res);
  };

const refusedBy = async (res: Response) => new CloudError('unauthorized', `refused: ${await res.text()}`);

class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}
const errorOf = async (res: Response) => new ApiError(res.status, await res.text());

function rest(t: TokenSource, attempts = 3) {
  const pacer = createPacer({
    classify: (err) => ({ retry: err instanceof ApiError && err.status >= 500 }),
    attempts,
    baseDelayMs: 1,
    maxDelayMs: 2,
  });
  return createRest({ base, fetch: bearerFetch(t, refusedBy), pacer, errorOf });
}

describe('bearerFetch', () => {
  test('sends the token; a 401 refreshes it once and sends the same body again', async () => {
    const t = tokens();
    t.current = 'stale';
    serve(
      tokenCheck(
        () => 'token-2',
        (_req, body, res) => res.end(`got ${body.length}`),
      ),
    );
    const f = bearerFetch(t, refusedBy);
    const res = await f(`${base}/upload`, { method: 'PUT', body: 'twelve bytes' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('got 12');
    expect(t.refreshes).toBe(1);
    expect(seen.map((s) => [s.authorization, s.body.toString()])).toEqual([
      ['Bearer stale', 'twelve bytes'],
      ['Bearer token-2', 'twelve bytes'],
    ]);
  });

  test('a second 401 is thrown as the connector says; a revoked grant throws what the refresh threw', async () => {
    serve(
      tokenCheck(
        () => 'never',
        (_req, _body, res) => res.end(),
      ),
    );
    const t = tokens();
    await expect(bearerFetch(t, refusedBy)(`${base}/x`)).rejects.toSatisfy(
      (e: CloudError) => e.reason === 'unauthorized' && /Invalid Credentials/.test(e.message),
    );
    expect(t.refreshes).toBe(1);
    expect(seen).toHaveLength(2);

    const gone = tokens(true);
    await expect(bearerFetch(gone, refusedBy)(`${base}/x`)).rejects.toSatisfy(
      (e: CloudError) => e.reason === 'unauthorized' && /revoked/.test(e.message),
    );
    expect(seen).toHaveLength(3);
  });

  test("keeps the request's headers", async () => {
    serve((req, _body, res) => res.end(req.headers['x-probe']));
    const res = await bearerFetch(tokens(), refusedBy)(`${base}/h`, { headers: { 'x-probe': 'kept' } });
    expect(await res.text()).toBe('kept');
    expect(seen[0].authorization).toBe('Bearer token-1');
  });
});

describe('createRest', () => {
  test('json: query, a JSON body, the answer parsed; 204 and empty answers give undefined', async () => {
    serve((req, body, res) => {
      if (req.method === 'DELETE') return res.writeHead(204).end();
      if (req.url?.startsWith('/empty')) return res.end();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: req.url, echo: JSON.parse(body.toString() || 'null') }));
    });
    const r = rest(tokens());
    const got = await r.json<{ url: string; echo: unknown }>('POST', '/v1/items', {
      query: { pageSize: 2, deep: true, skip: undefined },
      body: { name: 'a b' },
    });
    expect(got).toEqual({ url: '/v1/items?pageSize=2&deep=true', echo: { name: 'a b' } });
    expect(seen[0].contentType).toBe('application/json; charset=UTF-8');
    expect(await r.json('DELETE', `${base}/v1/items/1`)).toBeUndefined();
    expect(await r.json('GET', '/empty')).toBeUndefined();
  });

  test('json: retried through the pacer as the classifier says; what is not ok throws errorOf', async () => {
    let calls = 0;
    serve((_req, _body, res) => {
      calls++;
      if (calls < 3) return res.writeHead(503).end('busy');
      res.end('{"ok":true}');
    });
    expect(await rest(tokens()).json('GET', '/flaky')).toEqual({ ok: true });
    expect(seen).toHaveLength(3);

    serve((_req, _body, res) => res.writeHead(404).end('no such item'));
    await expect(rest(tokens()).json('GET', '/missing')).rejects.toSatisfy(
      (e: ApiError) => e.status === 404 && e.message === 'no such item',
    );
    expect(seen).toHaveLength(1);
  });

  test('send: a non-GET does not follow redirects (an upload session answers 308); GET does', async () => {
    serve((req, _body, res) => {
      if (req.url === '/session') return res.writeHead(308, { range: 'bytes=0-9', location: '/elsewhere' }).end();
      if (req.url === '/moved') return res.writeHead(302, { location: '/there' }).end();
      res.end(`at ${req.url}`);
    });
    const r = rest(tokens());
    const res = await r.send('PUT', '/session', { body: Buffer.alloc(10) });
    expect(res.status).toBe(308);
    expect(res.headers.get('range')).toBe('bytes=0-9');
    await drain(res);
    expect(await (await r.send('GET', '/moved')).text()).toBe('at /there');
  });

  test('send: a body given as a function is opened again after a 401 refreshed the token', async () => {
    const data = crypto.randomBytes(300_000);
    const t = tokens();
    t.current = 'stale';
    serve(
      tokenCheck(
        () => 'token-2',
        (_req, body, res) => res.end(crypto.hash('md5', body)),
      ),
    );
    let opened = 0;
    const res = await rest(t).send('POST', '/v1/uploads', {
      headers: { 'content-type': 'application/octet-stream' },
      body: async () => {
        opened++;
        return Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]);
      },
    });
    expect(await res.text()).toBe(crypto.hash('md5', data));
    expect(opened).toBe(2);
    expect(t.refreshes).toBe(1);
    expect(seen.map((s) => s.body.length)).toEqual([data.length, data.length]);
  });

  test('download: the bytes from an offset, for a length; an ignored range fails clearly', async () => {
    const data = crypto.randomBytes(50_000);
    let honour = true;
    serve((req, _body, res) => {
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (!m || !honour) return res.end(data);
      const end = m[2] ? Number(m[2]) + 1 : data.length;
      res.writeHead(206, { 'content-range': `bytes ${m[1]}-${end - 1}/${data.length}` });
      res.end(data.subarray(Number(m[1]), end));
    });
    const r = rest(tokens());
    expect((await buffer(await r.download('/f', { offset: 0 }))).equals(data)).toBe(true);
    expect(seen[0].range).toBeUndefined();
    expect((await buffer(await r.download('/f', { offset: 1234 }))).equals(data.subarray(1234))).toBe(true);
    const part = await buffer(await r.download('/f', { offset: 10, length: 100 }));
    expect(part.equals(data.subarray(10, 110))).toBe(true);
    expect(seen.map((s) => s.range)).toEqual([undefined, 'bytes=1234-', 'bytes=10-109']);

    honour = false;
    await expect(r.download('/f', { offset: 5 })).rejects.toSatisfy(
      (e: CloudError) => e.reason === 'failed' && /ignored the range request for \/f/.test(e.message),
    );
  });
});

test('rangeHeader: from an offset to the end, or for a length', () => {
  expect(rangeHeader(0)).toBeUndefined();
  expect(rangeHeader(7)).toBe('bytes=7-');
  expect(rangeHeader(0, 10)).toBe('bytes=0-9');
  expect(rangeHeader(5, 0)).toBe('bytes=5-5');
});
