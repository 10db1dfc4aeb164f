// Finalizing a run: once nothing is left to copy, its status follows from its items, and the mail
// and webhook that report it are queued in the same transaction. Then, and
// for a cancelled run, what unfinished items still hold is let go: their upload sessions are
// discarded and their quota reservations released (the next run makes items of its own).
import type { Clouds } from '../../core/clouds.ts';
import { transaction, type Db } from '../../core/db.ts';
import type { Notifier } from '../../core/notifications.ts';
import { settleTraffic } from '../../core/quota.ts';
import { loadRun, openEnds, type RunRecord } from './context.ts';
import { complete } from './select.ts';

export async function finalizeRun(deps: { db: Db; clouds: Clouds; notifier: Notifier }, runId: string): Promise<void> {
  const { db } = deps;
  const run = await loadRun(db, runId);
  if (!run) return;
  if (run.status === 'cancelled') return releaseLeftovers(deps, runId);
  if (run.status !== 'running') return;
  const ended = await transaction(db, async (c) => {
    // Past the quota nobody claims items any more: one whose holder died (lease run out) waits for
    // the next run like the other pending ones, instead of holding the run open for ever.
    await c.query(
      `UPDATE run_items i SET status = 'pending', lease_until = NULL FROM runs r
        WHERE r.id = $1 AND r.quota_hit_at IS NOT NULL AND i.run_id = r.id AND i.status = 'copying' AND i.lease_until < now()`,
      [runId],
    );
    const { rows } = await c.query(
      `SELECT r.failed_items, r.done_items, r.skipped_items, r.quota_hit_at,
              (SELECT count(*) FROM run_items WHERE run_id = r.id AND status = 'copying')::int AS copying,
              (SELECT count(*) FROM run_items WHERE run_id = r.id AND status = 'pending')::int AS pending
         FROM runs r WHERE r.id = $1 FOR UPDATE`,
      [runId],
    );
    const r = rows[0];
    if (r.copying > 0 || (r.pending > 0 && !r.quota_hit_at)) return undefined; // still at work
    const status = r.quota_hit_at
      ? 'quota_exceeded'
      : r.failed_items === 0
        ? 'succeeded'
        : r.done_items + r.skipped_items > 0
          ? 'partial'
          : 'failed';
    const error =
      status === 'quota_exceeded'
        ? `This month's traffic quota is used up; ${r.pending} item(s) wait for the next run after it renews or the limit is raised.`
        : status === 'failed' || status === 'partial'
          ? `${r.failed_items} item(s) failed: see the run's failed items for why.`
          : null;
    await c.query(`UPDATE runs SET status = $2, finished_at = now(), error = $3 WHERE id = $1 AND status = 'running'`, [
      runId,
      status,
      error,
    ]);
    await deps.notifier.runEnded(c, runId);
    return status;
  });
  if (!ended) return;
  await releaseLeftovers(deps, runId);
  // Everything the source offered is copied: it may let go of what it kept for the run (a Google
  // Photos Picker session). A failure here changes nothing the user relies on.
  if (ended === 'succeeded') {
    try {
      const { source } = await openEnds(deps.clouds, run);
      await source.release?.(undefined, { listedAt: run.plannedAt ?? new Date(0), complete: await copiedAll(db, run) });
    } catch {
      // The session expires by itself.
    }
  }
}

/**
 * Whether everything the source offers is at this task's destination, and no other task still needs
 * the source: no filter left anything out, nothing was skipped for a different file in its place,
 * and this is the only task reading the source (a Takeout source may then delete its archives).
 */
async function copiedAll(db: Db, run: RunRecord): Promise<boolean> {
  if (!complete(run.filter)) return false;
  const { rows } = await db.query<{ skipped: number; others: number }>(
    `SELECT (SELECT count(*) FROM run_items i WHERE i.run_id = $1 AND i.status = 'skipped'
               AND NOT EXISTS (SELECT 1 FROM manifest m WHERE m.task_id = $2 AND m.source_id = i.source_id))::int AS skipped,
            (SELECT count(*) FROM tasks WHERE source_cloud_id = $3 AND id <> $2)::int AS others`,
    [run.id, run.taskId, run.source.cloudId],
  );
  return rows[0].skipped === 0 && rows[0].others === 0;
}

async function releaseLeftovers(deps: { db: Db; clouds: Clouds }, runId: string): Promise<void> {
  const { db } = deps;
  const { rows } = await db.query<{
    id: string;
    upload_state: unknown;
    reserved_bytes: number;
    reserved_period: Date | null;
    held: boolean;
  }>(
    `SELECT id, upload_state, reserved_bytes, reserved_period, coalesce(lease_until > now(), false) AS held FROM run_items
      WHERE run_id = $1 AND status IN ('pending', 'copying') AND (upload_state IS NOT NULL OR reserved_bytes > 0)`,
    [runId],
  );
  if (!rows.length) return;
  // A lease may belong to a worker that died mid-upload: try again once it has run out.
  if (rows.some((r) => r.held)) throw new Error('items of the ended run are still held by a worker; retrying later');
  const run = (await loadRun(db, runId))!;
  const { destination } = await openEnds(deps.clouds, run);
  for (const row of rows) {
    if (row.upload_state) await destination.abandon?.(row.upload_state);
    await transaction(db, async (c) => {
      await c.query(
        'UPDATE run_items SET upload_state = NULL, reserved_bytes = 0, reserved_period = NULL WHERE id = $1',
        [row.id],
      );
      if (row.reserved_period) await settleTraffic(c, run.userId, row.reserved_period, row.reserved_bytes, 0);
    });
  }
}
