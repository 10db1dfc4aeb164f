// Monthly traffic quotas. Bytes are reserved before an item is copied, in one conditional UPDATE,
// so any number of workers in parallel can never take more than the limit; an item whose size the
// source does not tell reserves more as its bytes stream (topUpTraffic). Reservations are settled
// (or released) when the item ends, so failed and skipped bytes are never charged.
import { usagePeriod } from './accounts.ts';
import type { Queryable } from './db.ts';

/**
 * What a claim of a run item is told when it asks for traffic: `full`, the bytes do not fit in the
 * quota; `lost`, the item is no longer this claim's to copy (its lease ran out and another worker
 * took it up), so nothing was reserved and the claim must change nothing more of it.
 */
export type Refusal = 'full' | 'lost';

/**
 * Reserves `bytes` of this month's traffic for a run item being copied (claim `attempt`), and notes
 * the reservation on the item in the same statement (so a crash cannot leave one without the
 * other). Returns the month reserved in, or why not.
 */
export async function reserveTraffic(
  q: Queryable,
  userId: string,
  itemId: string,
  attempt: number,
  bytes: number,
  now = new Date(),
): Promise<Date | Refusal> {
  const period = usagePeriod(now).start;
  for (let round = 0; round < 2; round++) {
    const { rows } = await q.query<{ ours: boolean; held: boolean }>(
      `WITH item AS (
         SELECT id FROM run_items WHERE id = $4 AND status = 'copying' AND attempts = $5 FOR UPDATE),
       taken AS (
         UPDATE usage g SET reserved_bytes = g.reserved_bytes + $3
           FROM users u JOIN plans p ON p.id = u.plan_id
          WHERE g.user_id = $1 AND g.period_start = $2 AND u.id = $1 AND EXISTS (SELECT 1 FROM item)
            AND g.used_bytes + g.reserved_bytes + $3 <= coalesce(u.traffic_limit_bytes, p.monthly_traffic_bytes)
          RETURNING g.period_start),
       held AS (
         UPDATE run_items SET reserved_bytes = $3, reserved_period = taken.period_start FROM taken WHERE run_items.id = $4
         RETURNING run_items.id)
       SELECT EXISTS (SELECT 1 FROM item) AS ours, EXISTS (SELECT 1 FROM held) AS held`,
      [userId, period, bytes, itemId, attempt],
    );
    if (!rows[0].ours) return 'lost';
    if (rows[0].held) return period;
    // Nothing reserved: the bytes do not fit, or the month's row does not exist yet. Make sure it
    // exists (another worker may be making it at this moment) and ask once more.
    if (round === 0)
      await q.query('INSERT INTO usage (user_id, period_start) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        userId,
        period,
      ]);
  }
  return 'full';
}

/**
 * Adds `bytes` to the reservation of a run item being copied (claim `attempt`), in `period`, the
 * month it reserved in: 'ok', or why not ('full': they do not fit; 'lost': the item is no longer
 * this claim's to copy).
 */
export async function topUpTraffic(
  q: Queryable,
  userId: string,
  itemId: string,
  attempt: number,
  period: Date,
  bytes: number,
): Promise<'ok' | Refusal> {
  const { rows } = await q.query<{ ours: boolean; grown: boolean }>(
    `WITH item AS (
       SELECT id FROM run_items WHERE id = $4 AND status = 'copying' AND attempts = $5 AND reserved_period = $2 FOR UPDATE),
     taken AS (
       UPDATE usage g SET reserved_bytes = g.reserved_bytes + $3
         FROM users u JOIN plans p ON p.id = u.plan_id
        WHERE g.user_id = $1 AND g.period_start = $2 AND u.id = $1 AND EXISTS (SELECT 1 FROM item)
          AND g.used_bytes + g.reserved_bytes + $3 <= coalesce(u.traffic_limit_bytes, p.monthly_traffic_bytes)
        RETURNING 1),
     grown AS (
       UPDATE run_items SET reserved_bytes = reserved_bytes + $3 WHERE id = $4 AND EXISTS (SELECT 1 FROM taken) RETURNING id)
     SELECT EXISTS (SELECT 1 FROM item) AS ours, EXISTS (SELECT 1 FROM grown) AS grown`,
    [userId, period, bytes, itemId, attempt],
  );
  if (!rows[0].ours) return 'lost';
  return rows[0].grown ? 'ok' : 'full';
}

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
     ON CONFLICT (user_id, period_start) DO UPDATE SET reserved_bytes = greatest(0, g.reserved_bytes - $3), used_bytes = g.used_bytes + $4`,
    [userId, period, reserved, used],
  );
}
