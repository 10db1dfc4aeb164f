// Monthly traffic quotas. Bytes are reserved before an item is copied, in one conditional UPDATE,
// so any number of workers in parallel can never take more than the limit; an item whose size the
// source does not tell reserves more as its bytes stream. Both are transitions of the item's state
// (run-state.ts: reserve, topUp). Reservations are settled (or released) when the item ends, so
// failed and skipped bytes are never charged.
import type { Queryable } from './db.ts';

/** Ends a reservation: `used` bytes are charged (0 for a failed or skipped item), the rest released. */
export async function settleTraffic(
  q: Queryable,
  userId: string,
  period: Date,
  reserved: number,
  used: number,
): Promise<void> {
  if (reserved === 0 && used === 0) return;
  await q.query(
    `INSERT INTO usage AS g (user_id, period_start, used_bytes) VALUES ($1, $2, $4)
     ON CONFLICT (user_id, period_start) DO UPDATE SET reserved_bytes = greatest(0, g.reserved_bytes - $3),
            used_bytes = g.used_bytes + $4`,
    [userId, period, reserved, used],
  );
}
