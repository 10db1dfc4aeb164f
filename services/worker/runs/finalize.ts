// Finalizing a run: once nothing is left to copy, its status follows from its items, and the mail
// and webhook that report it are queued in the same transaction. Then, and
// for a cancelled run, what unfinished items still hold is let go: their upload sessions are
// discarded and their quota reservations released (the next run makes items of its own).
import type { Clouds } from '../../core/clouds.ts';
import { transaction, type Db } from '../../core/db.ts';
import type { Notifier } from '../../core/notifications.ts';
import { runEnded } from '../../core/metrics.ts';
import * as runState from '../../core/run-state.ts';
import { loadRun, openEnds, type RunRecord } from './context.ts';
import { complete } from './select.ts';

export async function finalizeRun(deps: { db: Db; clouds: Clouds; notifier: Notifier }, runId: string): Promise<void> {
  const { db } = deps;
  const run = await loadRun(db, runId);
  if (!run) return;
  if (run.status === 'cancelled') return releaseLeftovers(deps, runId);
  if (run.status !== 'running') return;
  const ended = await transaction(db, async (c) => {
    const status = await runState.finalize(c, runId);
    if (status) await deps.notifier.runEnded(c, runId);
    return status;
  });
  if (!ended) return;
  runEnded(ended);
  await releaseLeftovers(deps, runId);
  // Everything the source offered is copied: it may let go of what it kept for the run (a session
  // opened for it, say). A failure here changes nothing the user relies on. Only a backup's source:
  // a restore reads the backup itself, which must never let go of anything.
  if (ended === 'succeeded' && run.kind === 'backup') {
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
 * and this is the only task reading the source (a source that keeps archives may then delete them).
 */
async function copiedAll(db: Db, run: RunRecord): Promise<boolean> {
  if (!complete(run.filter)) return false;
  const { rows } = await db.query<{ skipped: number; others: number }>(
    `SELECT (SELECT count(*) FROM run_items i WHERE i.run_id = $1 AND i.status = 'skipped'
               AND NOT EXISTS (SELECT 1 FROM manifest m WHERE m.task_id = $2 AND m.source_id = i.source_id)
            )::int AS skipped,
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
    `SELECT id, upload_state, reserved_bytes, reserved_period, coalesce(lease_until > now(), false) AS held
       FROM run_items
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
    await transaction(db, (c) => runState.letGo(c, run.userId, row));
  }
}
