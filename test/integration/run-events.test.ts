// Live progress streams (GET /runs/:id/events) over real HTTP: streams stay open, so not inject.
// What they cost the database, how many one account may hold, and that they end when the
// credential that opened them no longer signs in, or when the app closes.
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { STREAMS_PER_USER } from '../../services/api/run-streams.ts';
import { signup, startTestApp, type Actor, type TestApp } from '../support/app.ts';

let api: TestApp;
let root: string;
let base: string;
// Reads of a run (the query behind GET /runs/:id and every progress event), counted at the pool
// the app was built with.
let runReads = 0;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-events-')));
  api = await startTestApp({ FERRY_LOCAL_ROOTS: root });
  const query = api.db.query;
  api.db.query = function (this: unknown, ...args: unknown[]) {
    const sql = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
    if (sql?.includes('FROM runs r WHERE r.user_id')) runReads++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof api.db.query;
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}/api/v1`;
});
afterAll(async () => {
  await api.close();
  await fs.rm(root, { recursive: true, force: true });
});

const inject = (method: string, url: string, headers: Record<string, string>, payload?: object) =>
  api.app.inject({ method: method as 'GET', url: `/api/v1${url}`, headers, payload });

/** A queued run of a new task of the actor's (no worker here: it stays queued). */
async function queuedRun(actor: Actor): Promise<string> {
  // Two server folders as the clouds table holds them: no run reaches them, only the task names them.
  const cloud = async (name: string) =>
    (
      await api.db.query(
        `INSERT INTO clouds (user_id, kind, name, options) VALUES ($1, 'local', $2, $3) RETURNING id`,
        [actor.id, name, { root: name }],
      )
    ).rows[0].id;
  const task = await inject('POST', '/tasks', actor.headers, {
    name: 'Watched',
    source: { cloudId: await cloud('src') },
    destination: { cloudId: await cloud('dst'), path: 'x' },
  });
  expect(task.statusCode).toBe(201);
  const run = await inject('POST', `/tasks/${task.json().id}/runs`, actor.headers);
  expect(run.statusCode).toBe(202);
  return run.json().run.id;
}

interface Stream {
  status: number;
  /** The JSON body of a refused request. */
  body?: any;
  events: { event: string; data: any }[];
  ended: Promise<void>;
  isEnded(): boolean;
  close(): void;
}

/** Opens a stream and resolves once its status is known (for a 200, once the first event is in). */
function open(runId: string, headers: Record<string, string>): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/runs/${runId}/events`, { headers, agent: false }, (res) => {
      let text = '';
      let done = false;
      const events: Stream['events'] = [];
      const ended = new Promise<void>((r) => res.once('close', () => ((done = true), r())));
      const stream: Stream = {
        status: res.statusCode!,
        events,
        ended,
        isEnded: () => done,
        close: () => req.destroy(),
      };
      res.on('data', (d) => {
        text += d;
        let i;
        while ((i = text.indexOf('\n\n')) >= 0) {
          const m = /^event: (\w+)\ndata: (.*)$/.exec(text.slice(0, i));
          text = text.slice(i + 2);
          if (m) events.push({ event: m[1], data: JSON.parse(m[2]) });
          if (events.length === 1 && res.statusCode === 200) resolve(stream);
        }
      });
      res.on('error', () => {});
      if (res.statusCode !== 200) res.on('end', () => resolve({ ...stream, body: JSON.parse(text) }));
    });
    req.on('error', reject);
  });
}

async function within(ms: number, what: string, cond: () => boolean): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - t0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  'streams of one run share one read a second; ' +
    'the eleventh of an account is refused with 429 and others are unaffected',
  async () => {
    const a = await signup(api);
    const b = await signup(api);
    const runA = await queuedRun(a);
    const runB = await queuedRun(b);

    const streams: Stream[] = [];
    for (let i = 0; i < STREAMS_PER_USER; i++) streams.push(await open(runA, a.bearer));
    for (const s of streams) expect(s.status).toBe(200);

    runReads = 0;
    const counts = streams.map((s) => s.events.length);
    await sleep(3500);
    console.log(`${runReads} reads of the run in 3.5 s for ${streams.length} streams`);
    expect(runReads >= 2 && runReads <= 5).toBeTruthy();
    // every stream still gets its events
    for (const [i, s] of streams.entries()) expect(s.events.length - counts[i]).toBeGreaterThanOrEqual(2);
    expect(streams.every((s) => s.events.every((e) => e.event === 'progress' && e.data.id === runA))).toBeTruthy();

    const refused = await open(runA, a.headers);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.body.error.message).toMatch(new RegExp(`${STREAMS_PER_USER} live progress streams open`));
    expect(refused.body.error.message).toMatch(/close one/);

    // Another account: its own streams and requests go on as before.
    const t0 = Date.now();
    const me = await inject('GET', '/me', b.bearer);
    expect(me.statusCode).toBe(200);
    expect(Date.now() - t0).toBeLessThan(1000);
    const theirs = await open(runB, b.bearer);
    expect(theirs.status).toBe(200);
    expect(theirs.events[0].data.id).toBe(runB);
    // nor can it watch another account’s run
    expect((await open(runA, b.bearer)).status).toBe(404);

    // A closed stream gives its place back.
    streams.pop()!.close();
    let again: Stream | undefined;
    for (let i = 0; i < 30 && again?.status !== 200; i++) {
      again = await open(runA, a.bearer);
      if (again.status !== 200) await sleep(100);
    }
    expect(again!.status).toBe(200);
    streams.push(again!);

    // With every stream closed, nothing is read any more.
    for (const s of [...streams, theirs]) s.close();
    await sleep(1500);
    runReads = 0;
    await sleep(2000);
    // no poller is left behind
    expect(runReads).toBe(0);
  },
);

test('a stream ends within seconds once its token is revoked or its session ends; other streams go on', async () => {
  const a = await signup(api);
  const b = await signup(api);
  const runA = await queuedRun(a);
  const runB = await queuedRun(b);
  const byToken = await open(runA, a.bearer);
  const bySession = await open(runA, a.headers);
  const other = await open(runB, b.bearer);

  const tokens = (await inject('GET', '/tokens', a.headers)).json().items;
  expect((await inject('DELETE', `/tokens/${tokens[0].id}`, a.headers)).statusCode).toBe(204);
  const ms = await within(6000, 'the token’s stream ends', byToken.isEnded);
  expect(byToken.events.at(-1)).toEqual({
    event: 'closed',
    data: { error: { code: 'unauthorized', message: 'The access token was revoked.' } },
  });
  expect(ms).toBeLessThan(6000);
  // the session’s stream is not the token’s
  expect(bySession.isEnded()).toBe(false);

  expect((await inject('POST', '/auth/logout', a.headers)).statusCode).toBe(204);
  await within(6000, 'the session’s stream ends', bySession.isEnded);
  expect(bySession.events.at(-1)!.event).toBe('closed');
  expect(bySession.events.at(-1)!.data.error.code).toBe('unauthorized');

  expect(other.isEnded()).toBe(false);
  const seen = other.events.length;
  await within(3000, 'the other account’s stream still moves', () => other.events.length > seen);
  other.close();
});

test('open streams end when the app closes', async () => {
  const a = await signup(api);
  const s = await open(await queuedRun(a), a.bearer);
  const t0 = Date.now();
  await api.app.close();
  await within(2000, 'the stream ends', s.isEnded);
  // closing did not wait for the stream
  expect(Date.now() - t0).toBeLessThan(5000);
});
