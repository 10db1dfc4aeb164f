// The limits of a provider account that every worker process keeps to together, in PostgreSQL: a
// token bucket per account (one statement per block of tokens, not per call), a pause all of them
// wait out (a Retry-After) or park on (a daily cap), and an exclusive section (an advisory lock)
// for what a provider allows once at a time per account.
import type { SharedLimits } from '../../connectors/types.ts';
import { sleep } from '../../connectors/lib/pacer.ts';
import type { Db } from './db.ts';

/** How often a process waiting for an exclusive section asks again (it holds no connection meanwhile). */
const LOCK_POLL_MS = 100;

export function sharedLimits(db: Db): SharedLimits {
  return {
    async take(key, o) {
      // The bucket refills since it was last touched, never past the burst, and the tokens taken may
      // leave it in debt: the taker waits until the debt is paid off at the rate, so that all
      // processes together keep to the rate however they interleave.
      const { rows } = await db.query<{ tokens: number; paused_ms: number; paused_until: Date | null; why: string }>(
        `INSERT INTO rate_limits AS b (key, tokens, at) VALUES ($1, $3::float8 - $4, clock_timestamp())
         ON CONFLICT (key) DO UPDATE
           SET tokens = least($3::float8, b.tokens + extract(epoch FROM clock_timestamp() - b.at) * $2) - $4,
               at = clock_timestamp()
         RETURNING tokens, paused_until, why,
                   greatest(0, extract(epoch FROM paused_until - clock_timestamp()) * 1000)::float8 AS paused_ms`,
        [key, o.ratePerSecond, o.burst, o.n],
      );
      const r = rows[0];
      if (r.paused_ms > o.maxWaitMs) return { waitMs: 0, parked: { until: r.paused_until!, why: r.why } };
      const debtMs = r.tokens < 0 ? (-r.tokens / o.ratePerSecond) * 1000 : 0;
      return { waitMs: Math.max(debtMs, r.paused_ms) };
    },

    async pause(key, until, why) {
      await db.query(
        `INSERT INTO rate_limits AS b (key, tokens, paused_until, why) VALUES ($1, 0, $2, $3)
         ON CONFLICT (key) DO UPDATE
           SET paused_until = greatest(coalesce(b.paused_until, $2), $2),
               why = CASE WHEN b.paused_until IS NULL OR $2 >= b.paused_until THEN $3 ELSE b.why END`,
        [key, until, why],
      );
    },

    async exclusive(key, fn, signal) {
      // A session lock on a connection kept for the section: released by unlock, or by PostgreSQL if
      // this process dies holding it. A waiter holds no connection between its tries, and can give up.
      for (;;) {
        const c = await db.connect();
        let held = false;
        try {
          const { rows } = await c.query<{ ok: boolean }>(
            'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
            [key],
          );
          held = rows[0].ok;
          if (held) return await fn();
        } finally {
          if (held) await c.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => {});
          c.release();
        }
        await sleep(LOCK_POLL_MS, signal);
      }
    },
  };
}
