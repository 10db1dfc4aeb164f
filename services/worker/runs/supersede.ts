// A full-quality copy supersedes a reduced one. Some sources give a photo at reduced fidelity (a
// re-encoded or resized copy, without some of its metadata) and others give the same photo's
// original; both carry the same `identity`. A family should end up with the best copy once at a
// destination, never two files of one photo, and never lose the only copy they have: so
// - a reduced copy is not made where the original of its photo is already (the item is skipped, and
//   says where the original is);
// - an original copied where a reduced copy of its photo is takes its place: it is written over it
//   when it lands at the same path, else the reduced file is removed once the original is copied and
//   recorded, and only if no other copy in any manifest lies at that path. The reduced copy's
//   manifest row stays, marked 'superseded' and saying by what, so a later run does not copy it again.
import type { Logger } from 'pino';
import type pg from 'pg';
import type { Destination, SourceItem } from '../../../connectors/types.ts';
import type { Queryable } from '../../core/db.ts';
import type { RunRecord } from './context.ts';

/** A reduced copy at the destination, as its manifest row has it. */
export interface ReducedCopy {
  taskId: string;
  sourceId: string;
  destPath: string;
}

/** The copies of the batch's photos already at the run's destination cloud, by identity. */
export interface CopiesByIdentity {
  reduced: Map<string, ReducedCopy>;
  /** The destination paths of originals. */
  originals: Map<string, string>;
}

/** Looks up, in every task's manifest at this run's destination cloud, the copies of `items`' photos. */
export async function copiesByIdentity(q: Queryable, run: RunRecord, items: SourceItem[]): Promise<CopiesByIdentity> {
  const reduced = new Map<string, ReducedCopy>();
  const originals = new Map<string, string>();
  const identities = items.filter((i) => i.identity).map((i) => i.identity!);
  if (!identities.length) return { reduced, originals };
  const { rows } = await q.query<{
    identity: string;
    task_id: string;
    source_id: string;
    dest_path: string;
    fidelity: string;
  }>(
    `SELECT m.identity, m.task_id, m.source_id, m.dest_path, m.fidelity FROM manifest m JOIN tasks t ON t.id = m.task_id
      WHERE t.user_id = $1 AND t.destination_cloud_id = $2 AND m.fidelity IN ('reduced', 'original')
        AND m.identity = ANY($3::text[])`,
    [run.userId, run.destination.cloudId, identities],
  );
  for (const r of rows) {
    if (r.fidelity === 'reduced')
      reduced.set(r.identity, { taskId: r.task_id, sourceId: r.source_id, destPath: r.dest_path });
    else originals.set(r.identity, r.dest_path);
  }
  return { reduced, originals };
}

/**
 * What the policy makes of an item when planned: the reduced copy it supersedes, if any, or why it is
 * not copied at all (its original is there already).
 */
export function planFidelity(item: SourceItem, copies: CopiesByIdentity): { supersedes?: ReducedCopy; skip?: string } {
  if (!item.identity) return {};
  if (item.fidelity !== 'reduced') return { supersedes: copies.reduced.get(item.identity) };
  const original = copies.originals.get(item.identity);
  return original
    ? { skip: `The full-quality original of this photo is at the destination already: ${original}.` }
    : {};
}

/**
 * Once an original is recorded as copied to `destPath` (in the caller's transaction, after the
 * record): marks the reduced copy it supersedes, and says whether its file may be removed (it lies
 * elsewhere, and no other copy in any manifest at this destination lies at its path).
 */
export async function markSuperseded(
  c: pg.PoolClient,
  by: { taskId: string; sourceId: string; destPath: string },
  reduced: ReducedCopy,
  destinationCloudId: string,
): Promise<boolean> {
  const { rows } = await c.query<{ removable: boolean }>(
    `WITH superseded AS (
       UPDATE manifest SET fidelity = 'superseded',
              superseded_by = jsonb_build_object('taskId', $1::uuid, 'sourceId', $2::text, 'destPath', $3::text,
                                                 'at', now())
        WHERE task_id = $4 AND source_id = $5 AND fidelity = 'reduced'
       RETURNING dest_path)
     SELECT s.dest_path <> $3 AND NOT EXISTS (
              SELECT 1 FROM manifest m JOIN tasks t ON t.id = m.task_id
               WHERE t.destination_cloud_id = $6 AND m.dest_path = s.dest_path AND m.fidelity <> 'superseded'
                 AND NOT (m.task_id = $4 AND m.source_id = $5)) AS removable
       FROM superseded s`,
    [by.taskId, by.sourceId, by.destPath, reduced.taskId, reduced.sourceId, destinationCloudId],
  );
  return rows[0]?.removable === true;
}

/** Removes the file of a superseded reduced copy; one that cannot be removed is logged and left. */
export async function removeSuperseded(
  destination: Destination,
  reduced: ReducedCopy,
  signal: AbortSignal,
  log: Logger,
): Promise<void> {
  await destination
    .remove?.(reduced.destPath, signal)
    .catch((err) => log.warn({ err, path: reduced.destPath }, 'could not remove a superseded copy'));
}
