// Planning a restore: the files of the backup as it was at the restore's point in time (its
// history, copies), found at the task's destination, become the run's items, each to be copied to
// the restore's destination at its path in the backup. The copy jobs then copy them as any run's
// items: streamed, verified, resumable, charged to the quota, under the restore's conflict policy.
import { CloudError, type SourceItem } from '../../../connectors/types.ts';
import * as runState from '../../core/run-state.ts';
import { snapshotCopies, type SnapshotCopy } from '../../core/snapshots.ts';
import type { Ends, RunRecord } from './context.ts';
import { failRun, refusing } from './context.ts';
import { startCopying, type PlanDeps } from './plan.ts';
import { pathKey } from '../../core/path-key.ts';
import { joinPath } from './select.ts';

const INSERT_BATCH = 500;

export async function planRestore(deps: PlanDeps, run: RunRecord, ends: Ends, signal: AbortSignal): Promise<void> {
  const { db } = deps;
  const spec = run.spec;
  if (!spec) {
    await failRun(deps, run.id, 'This restore has no point in time to restore.');
    return;
  }
  // A destination that lists only part of what it holds (Google Photos shows only what was picked)
  // cannot say which copies are there: nothing could be restored from it.
  if (ends.sourceFeatures.partialListing) {
    await failRun(
      deps,
      run.id,
      "The backup's destination cannot be read back completely, so nothing can be restored from it.",
    );
    return;
  }

  const rows = await snapshotCopies(db, run.taskId, spec.at, spec.paths);

  // The copies at the backup's destination now, by their full path there, in one listing (as a
  // backup's plan lists its destination): each copy's id, version, size and hashes as that cloud
  // reads them back (a crypt destination decrypts names and sizes). Versions kept by the task are
  // in the same folder (.ferry-versions/), so one listing finds every copy.
  const backupPath = run.source.path ?? '';
  const atBackup = new Map<string, SourceItem>();
  if (rows.some((r) => r.removed_at === null)) {
    try {
      for await (const item of ends.source.list(backupPath, signal))
        atBackup.set(pathKey(joinPath(backupPath, item.path)), item);
    } catch (err) {
      if (signal.aborted) throw err; // shutting down: pg-boss retries the plan, which starts over idempotently
      // No backup folder at all: told below.
      if (!(err instanceof CloudError && err.reason === 'not_found')) {
        await failRun(
          deps,
          run.id,
          `Reading the backup failed: ${(err as Error).message}`,
          refusing(err, run.source.cloudId),
        );
        return;
      }
    }
    // Nothing at all where the backup is: not a few copies gone but the whole folder (moved, deleted),
    // or a destination that does not give back what it was given: one clear error, not one per file.
    if (!atBackup.size) {
      await failRun(
        deps,
        run.id,
        `Nothing of the backup was found in its folder "${backupPath || '/'}" at its destination: ` +
          'the folder was moved or deleted, or the destination cannot be read back as it was written ' +
          '(Google Photos keeps albums, not folders): nothing can be restored from it.',
      );
      return;
    }
  }

  // What is at the restore's destination already: the conflict policy applies to those paths.
  const existing = await listDestination(deps, run, ends, signal);
  if (existing === 'failed') return;

  let batch: runState.PlannedItem[] = [];
  const flush = async () => {
    if (!batch.length) return true;
    await runState.addItems(db, run.id, batch);
    batch = [];
    const status = await db.query('SELECT status FROM runs WHERE id = $1', [run.id]);
    return status.rows[0]?.status === 'running';
  };
  for (const row of rows) {
    batch.push(itemOf(run, row, atBackup.get(pathKey(row.dest_path)), existing));
    if (batch.length >= INSERT_BATCH && !(await flush())) return; // cancelled meanwhile
  }
  if (!(await flush())) return;
  await startCopying(deps, run, false);
}

/** One copy of the snapshot as the run's item: to be copied, or failed when the copy is not there. */
function itemOf(
  run: RunRecord,
  row: SnapshotCopy,
  found: SourceItem | undefined,
  existing: Set<string> | undefined,
): runState.PlannedItem {
  const destPath = joinPath(run.destination.path, row.path);
  const taken = row.copied_at.toISOString();
  const missing = (error: string): runState.PlannedItem => ({
    // Not read from anywhere: an id of its own that no listed file can have (a path has no ':' prefix of this form).
    sourceId: `ferry-copy:${row.id}`,
    path: row.path,
    size: row.size,
    modifiedAt: row.source_mtime?.toISOString() ?? null,
    mediaType: 'other',
    version: '',
    hashes: {},
    destPath,
    replacesOwn: false,
    destExists: false,
    fidelity: 'original',
    identity: null,
    supersedes: null,
    status: 'failed',
    error,
  });
  if (row.removed_at !== null)
    return missing(
      `${row.path}: the copy of ${taken} was removed from the destination on ` +
        `${row.removed_at.toISOString()} (${row.dest_path})`,
    );
  if (!found) return missing(`${row.path}: the copy of ${taken} is no longer at the destination (${row.dest_path})`);
  // Another file in the copy's place (changed by hand at the destination) is not the copy of then.
  if (row.size !== null && found.size !== undefined && found.size !== row.size)
    return missing(
      `${row.path}: the file at ${row.dest_path} is not the copy of ${taken} ` +
        `(${found.size} bytes instead of ${row.size})`,
    );
  return {
    sourceId: found.id,
    path: row.path,
    size: found.size ?? row.size,
    modifiedAt: row.source_mtime?.toISOString() ?? found.modifiedAt ?? null,
    mediaType: found.mediaType,
    version: found.version,
    hashes: found.hashes ?? {},
    destPath,
    replacesOwn: false,
    destExists: existing ? existing.has(pathKey(destPath)) : true,
    fidelity: 'original',
    identity: null,
    supersedes: null,
    status: 'pending',
    error: null,
  };
}

/**
 * The paths at the restore's destination, as plan.ts lists a backup's destination; undefined when
 * they cannot be known (each file is then checked before its copy); 'failed' when the run was failed.
 */
async function listDestination(
  deps: PlanDeps,
  run: RunRecord,
  ends: Ends,
  signal: AbortSignal,
): Promise<Set<string> | undefined | 'failed'> {
  if (!ends.destinationListing) return undefined;
  const existing = new Set<string>();
  try {
    for await (const d of ends.destinationListing.list(run.destination.path, signal))
      existing.add(pathKey(joinPath(run.destination.path, d.path)));
  } catch (err) {
    if (signal.aborted) throw err;
    if (refusing(err, run.destination.cloudId)) {
      await failRun(
        deps,
        run.id,
        `The destination refused Ferry's credentials: ${(err as Error).message}`,
        run.destination.cloudId,
      );
      return 'failed';
    }
    if (!(err instanceof CloudError && err.reason === 'not_found')) return undefined;
  }
  return existing;
}
