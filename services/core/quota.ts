// Monthly traffic quotas. Bytes are reserved before an item is copied, in one conditional UPDATE,
// so any number of workers in parallel can never take more than the limit; an item whose size the
// source does not tell reserves more as its bytes stream (topUpTraffic). Reservations are settled
// (or released) when the item ends, so failed and skipped bytes are never charged.
import { usagePeriod } from './accounts.ts';
import type { Queryable } from './db.ts';

/**
 * Reserves `bytes` of this month's traffic for a run item, and notes the reservation on the item in
 * the same statement (so a crash cannot leave one without the other). Returns the month reserved
 * in, or null if the bytes do not fit.
 */
export async function reserveTraffic(q: Queryable, userId: string, itemId: string, bytes: number, now = new Date()): Promise<Date | null> {
  const period = usagePeriod(now).start;
  for (let attempt = 0; attempt < 2; attempt++) {
    const { rows } = await q.query(
      `WITH taken AS (
         UPDATE usage g SET reserved_bytes = g.reserved_bytes + $3
           FROM users u JOIN plans p ON p.id = u.plan_id
          WHERE g.user_id = $1 AND g.period_start = $2 AND u.id = $1
            AND g.used_bytes + g.reserved_bytes + $3 <= coalesce(u.traffic_limit_bytes, p.monthly_traffic_bytes)
          RETURNING g.period_start)
       UPDATE run_items SET reserved_bytes = $3, reserved_period = taken.period_start FROM taken WHERE run_items.id = $4
       RETURNING run_items.id`,
      [userId, period, bytes, itemId],
    );
    if (rows[0]) return period;
    // Nothing updated: the bytes do not fit, or the month's row does not exist yet. Make sure it
    // exists (another worker may be making it at this moment) and ask once more.
    if (attempt === 0) await q.query('INSERT INTO usage (user_id, period_start) VALUES ($1, $2) ON CONFLICT DO NOTHING', [userId, period]);
  }
  return null;
}

/**
 * Adds `bytes` to the reservation of a run item being copied (claim `attempt`), in `period`, the
 * month it reserved in: false if they do not fit, or the item is no longer this claim's to copy.
 */
export async function topUpTraffic(q: Queryable, userId: string, itemId: string, attempt: number, period: Date, bytes: number): Promise<boolean> {
  const { rows } = await q.query(
    `WITH item AS (
       SELECT id FROM run_items WHERE id = $4 AND status = 'copying' AND attempts = $5 AND reserved_period = $2 FOR UPDATE),
     taken AS (
       UPDATE usage g SET reserved_bytes = g.reserved_bytes + $3
         FROM users u JOIN plans p ON p.id = u.plan_id
        WHERE g.user_id = $1 AND g.period_start = $2 AND u.id = $1 AND EXISTS (SELECT 1 FROM item)
          AND g.used_bytes + g.reserved_bytes + $3 <= coalesce(u.traffic_limit_bytes, p.monthly_traffic_bytes)
        RETURNING 1)
     UPDATE run_items SET reserved_bytes = reserved_bytes + $3 WHERE id = $4 AND EXISTS (SELECT 1 FROM taken) RETURNING id`,
    [userId, period, bytes, itemId, attempt],
  );
  return rows.length > 0;
}

/** Ends a reservation: `used` bytes are charged (0 for a failed or skipped item), the rest released. */
export async function settleTraffic(q: Queryable, userId: string, period: Date, reserved: number, used: number): Promise<void> {
  if (reserved === 0 && used === 0) return;
  await q.query(
    `INSERT INTO usage AS g (user_id, period_start, used_bytes) VALUES ($1, $2, $4)
     ON CONFLICT (user_id, period_start) DO UPDATE SET reserved_bytes = greatest(0, g.reserved_bytes - $3), used_bytes = g.used_bytes + $4`,
    [userId, period, reserved, used],
  );
}
