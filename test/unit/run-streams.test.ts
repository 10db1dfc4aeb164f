// The places of live progress streams: per account and per process, given back when a stream ends;
// and the shared poll behind them.
import assert from 'node:assert/strict';
import { test } from '@jest/globals';
import { createRunStreams, SharedPoll } from '../../services/api/run-streams.ts';
import { AppError } from '../../services/core/errors.ts';

const unused = {
  accounts: { byToken: async () => undefined, bySession: async () => undefined },
  runs: { get: async () => assert.fail('no run is read here') },
};

function refusal(fn: () => unknown): { status: number; code: string; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AppError);
    return { status: err.status, code: err.code, message: err.message };
  }
  return assert.fail('not refused');
}

test(
  'an account’s streams past its cap get 429, the process’s past its cap 503; ' +
    'an ended stream gives its place back',
  () => {
    const streams = createRunStreams({ ...unused, limits: { perUser: 2, perProcess: 3 } });
    const a1 = streams.admit('a');
    streams.admit('a');
    const tooMany = refusal(() => streams.admit('a'));
    assert.equal(tooMany.status, 429);
    assert.equal(tooMany.code, 'rate_limited');
    assert.match(tooMany.message, /You have 2 live progress streams open.*close one/);

    streams.admit('b');
    const full = refusal(() => streams.admit('c'));
    assert.equal(full.status, 503);
    assert.match(full.message, /3 live progress streams open.*try again/);

    a1();
    a1(); // twice is once
    assert.deepEqual(streams.stats(), { open: 2, users: 2, runPolls: 0, credentialPolls: 0 });
    streams.admit('c');
    assert.equal(refusal(() => streams.admit('c')).status, 503);
  },
);

test('a shared poll loads once per interval for all its watchers and stops with the last', async () => {
  let loads = 0;
  const poll = new SharedPoll(async (key) => `${key}#${++loads}`, 50);
  const seen: unknown[][] = [[], []];
  const stop0 = poll.watch('k', (v) => seen[0].push(v));
  const stop1 = poll.watch('k', (v) => seen[1].push(v));
  await new Promise((r) => setTimeout(r, 280));
  assert.ok(loads >= 3 && loads <= 6, `${loads} loads`);
  assert.deepEqual(seen[0], seen[1], 'both saw the same loads');
  stop0();
  assert.equal(poll.size, 1);
  stop1();
  assert.equal(poll.size, 0);
  const after = loads;
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(loads, after, 'no load once nobody watches');
});
