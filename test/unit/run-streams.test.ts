// The places of live progress streams: per account and per process, given back when a stream ends;
// and the shared poll behind them.
import { expect, test } from '@jest/globals';
import { createRunStreams, SharedPoll } from '../../services/api/run-streams.ts';
import { AppError } from '../../services/core/errors.ts';

const unused = {
  accounts: { byToken: async () => undefined, bySession: async () => undefined },
  runs: {
    get: async () => {
      throw new Error('no run is read here');
    },
  },
};

function refusal(fn: () => unknown): { status: number; code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { status: err.status, code: err.code, message: err.message };
  }
  throw new Error('not refused');
}

test(
  'an account’s streams past its cap get 429, the process’s past its cap 503; ' +
    'an ended stream gives its place back',
  () => {
    const streams = createRunStreams({ ...unused, limits: { perUser: 2, perProcess: 3 } });
    const a1 = streams.admit('a');
    streams.admit('a');
    const tooMany = refusal(() => streams.admit('a'));
    expect(tooMany.status).toBe(429);
    expect(tooMany.code).toBe('rate_limited');
    expect(tooMany.message).toMatch(/You have 2 live progress streams open.*close one/);

    streams.admit('b');
    const full = refusal(() => streams.admit('c'));
    expect(full.status).toBe(503);
    expect(full.message).toMatch(/3 live progress streams open.*try again/);

    a1();
    a1(); // twice is once
    expect(streams.stats()).toEqual({ open: 2, users: 2, runPolls: 0, credentialPolls: 0 });
    streams.admit('c');
    expect(refusal(() => streams.admit('c')).status).toBe(503);
  },
);

test('a shared poll loads once per interval for all its watchers and stops with the last', async () => {
  let loads = 0;
  const poll = new SharedPoll(async (key) => `${key}#${++loads}`, 50);
  const seen: unknown[][] = [[], []];
  const stop0 = poll.watch('k', (v) => seen[0].push(v));
  const stop1 = poll.watch('k', (v) => seen[1].push(v));
  await new Promise((r) => setTimeout(r, 280));
  expect(loads >= 3 && loads <= 6).toBeTruthy();
  // both saw the same loads
  expect(seen[0]).toEqual(seen[1]);
  stop0();
  expect(poll.size).toBe(1);
  stop1();
  expect(poll.size).toBe(0);
  const after = loads;
  await new Promise((r) => setTimeout(r, 150));
  // no load once nobody watches
  expect(loads).toBe(after);
});
