// Two worker processes on one provider account behave as one: they share its rate, wait out a
// Retry-After either of them was given, hold off together on a daily cap, and never run an
// exclusive section (Google Photos' batchCreate) at the same time. Each "process" here has a pool
// and pacers of its own, as two processes would; only PostgreSQL is between them.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import photos from '../../connectors/google-photos/index.ts';
import { AccountRegistry } from '../../connectors/lib/registry.ts';
import { createPacer, type RetryVerdict } from '../../connectors/lib/pacer.ts';
import { CloudError, type SharedLimits } from '../../connectors/types.ts';
import { createPool, type Db } from '../../services/core/db.ts';
import { sharedLimits } from '../../services/core/shared-limits.ts';
import { startGoogleFake } from '../fakes/google.ts';
import { memoryTokens } from '../fakes/oauth.ts';
import { createTestDatabase } from '../support/db.ts';
import { testEnv } from '../support/env.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pools: Db[];
let processes: SharedLimits[];
let n = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  pools = [createPool(database.url, 4), createPool(database.url, 4)];
  processes = pools.map((p) => sharedLimits(p));
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await database.drop();
});

class Refused extends Error {
  readonly verdict: RetryVerdict;
  constructor(verdict: RetryVerdict) {
    super('refused');
    this.verdict = verdict;
  }
}
const classify = (err: unknown): RetryVerdict => (err instanceof Refused ? err.verdict : { retry: false });

/** Each process's pacer of the same account, as its connector makes it. */
function pacers(key: string, o: { ratePerSecond?: number; burst?: number } = {}) {
  return processes.map((limits) => createPacer({ classify, ...o, shared: { limits, key } }));
}

test('two processes together keep to the account’s rate, not twice it', async () => {
  const key = `acct-${++n}`;
  const rate = 20;
  const burst = 5;
  const calls = [0, 0];
  const until = Date.now() + 2000;
  await Promise.all(
    pacers(key, { ratePerSecond: rate, burst }).flatMap((p, i) =>
      // Four lanes per process, calling as fast as they are let.
      Array.from({ length: 4 }, async () => {
        while (Date.now() < until) await p.call(async () => void calls[i]++);
      }),
    ),
  );
  const total = calls[0] + calls[1];
  // 2 s at 20 a second plus the burst, and at most a block (a fifth of a second's worth) besides
  // per process; two pacers of their own would have made about twice as many.
  expect(total).toBeLessThanOrEqual(2 * rate + burst + 2 * (rate / 5) + 4);
  expect(total).toBeGreaterThanOrEqual(2 * rate - 10);
  expect(Math.min(...calls)).toBeGreaterThan(5); // neither process starved
});

test('a Retry-After one process is given holds the other back too', async () => {
  const [a, b] = pacers(`acct-${++n}`);
  let first = true;
  const refused = a.call(async () => {
    if (first) {
      first = false;
      throw new Refused({ retry: true, afterMs: 1500 });
    }
    return 'a';
  });
  await new Promise((r) => setTimeout(r, 100)); // a has been told to wait
  const asked = Date.now();
  expect(await b.call(async () => 'b')).toBe('b');
  expect(Date.now() - asked).toBeGreaterThanOrEqual(1200);
  expect(await refused).toBe('a');
});

test('a daily cap one process met parks the other without a call to the provider', async () => {
  const [a, b] = pacers(`acct-${++n}`);
  const until = new Date(Date.now() + 3600_000);
  const why = 'This Google account reached its daily upload limit.';
  await expect(a.call(async () => Promise.reject(new Refused({ retry: false, park: { until, why } })))).rejects.toThrow(
    Refused,
  );
  let called = false;
  const err = await b
    .call(async () => {
      called = true;
    })
    .catch((e: unknown) => e);
  expect(called).toBe(false);
  expect(err).toBeInstanceOf(CloudError);
  expect(err).toMatchObject({ reason: 'rate_limited', message: why });
  expect((err as CloudError).retryAt?.getTime()).toBe(until.getTime());
});

test('an exclusive section runs in one process at a time; other keys do not wait', async () => {
  const key = `batch-${++n}`;
  let inside = 0;
  let most = 0;
  const section = async () => {
    inside++;
    most = Math.max(most, inside);
    await new Promise((r) => setTimeout(r, 50));
    inside--;
  };
  await Promise.all(processes.flatMap((p) => Array.from({ length: 4 }, () => p.exclusive(key, section))));
  expect(most).toBe(1);
  // Another account's section goes ahead while one is held.
  let release!: () => void;
  const held = processes[0].exclusive(key, () => new Promise<void>((r) => (release = r)));
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  await processes[1].exclusive(`${key}-other`, async () => {});
  expect(Date.now() - started).toBeLessThan(500);
  // A waiter can give up.
  const giveUp = AbortSignal.timeout(300);
  await expect(processes[1].exclusive(key, async () => {}, giveUp)).rejects.toBeDefined();
  release();
  await held;
});

test("two processes' uploads into one Google Photos account: one batchCreate at a time, one album", async () => {
  const fake = await startGoogleFake();
  try {
    const tokens = memoryTokens(`${fake.url}/token`, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
    // Each process with its own pacers and batchers (its own registry), and the account's shared limits.
    const destinations = processes.map(
      (shared) =>
        photos.open!(
          { options: { accountId: 'family-account' }, tokens },
          testEnv({
            accounts: new AccountRegistry(),
            shared,
            endpoints: { googlePhotos: fake.url, googlePicker: fake.url },
          }),
        ).destination!,
    );
    // A batchCreate takes a while, as Google's do: two processes' batches would meet without the lock.
    fake.photos.batchCreateMs = 300;
    const files = destinations.flatMap((d, p) =>
      Array.from({ length: 25 }, (_, i) => ({ d, name: `p${p}-${i}.jpg`, bytes: crypto.randomBytes(2000 + i) })),
    );
    await Promise.all(
      files.map(({ d, name, bytes }) =>
        d.put(`Trip/${name}`, async () => Readable.from([bytes]), { mode: 'create', size: bytes.length }),
      ),
    );
    expect(fake.photos.batchCreateCollisions).toBe(0);
    expect(fake.photos.batchCreates.reduce((a, b) => a + b, 0)).toBe(files.length);
    const created = [...fake.photos.appItems.values()].map((it) => it.filename).sort();
    expect(created).toEqual(files.map((f) => f.name).sort());
    // Both processes restore the folder Trip at once: one album, holding every item.
    const albums = [...fake.photos.albums.values()];
    expect(albums.map((a) => [a.title, a.items.length])).toEqual([['Trip', files.length]]);
  } finally {
    await fake.close();
  }
});
