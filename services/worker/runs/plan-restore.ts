// Planning a restore: the files of the backup as it was at the restore's point in time (its
// history, copies), found at the task's destination, become the run's items, each to be copied to
// the restore's destination at its path in the backup. The copy jobs then copy them as any run's
// items: streamed, verified, resumable, charged to the quota, under the restore's conflict policy.
import { CloudError } from '../../../connectors/types.ts';
import { pathKey } from '../../core/path-key.ts';
import * as runState from '../../core/run-state.ts';
import { snapshotCopies, type SnapshotCopy } from '../../core/snapshots.ts';
import type { Ends, RunRecord } from './context.ts';
import { failRun, refusing } from './context.ts';
import {
  addBackupFiles,
  addDestinationKeys,
  atDestination,
  type BackupFile,
  inBackup,
  LISTING_PAGE,
  liveCopies,
} from './plan-lookups.ts';
import { startCopying, type PlanDeps } from './plan.ts';
import { joinPath } from './select.ts';

/** Copies of the point in time planned per batch, and files listed per batch. */
const INSERT_BATCH = 500;
const LISTING_BATCH = 5_000;

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

  // Nothing of the backup's history or of the two listings is held in memory beyond a page: the
  // copies of the point in time are read a page at a time, the listings go to plan_listing.
  // Listed when copies still at the destination come: a restore of removed copies only lists nothing.
  // A restore of part of a large backup lists only the folders its copies are in, at both ends.
  let most: Promise<number> | undefined;
  const mostFolders = () =>
    (most ??= spec.paths.length
      ? liveCopies(db, run.taskId).then((n) => Math.floor(n / LISTING_PAGE))
      : Promise.resolve(0));
  const backupPath = run.source.path ?? '';
  const listBackupFor = folderListing(backupPath, mostFolders, (folder) => listBackup(deps, run, ends, folder, signal));
  const listDestinationFor = ends.destinationListing
    ? folderListing(run.destination.path, mostFolders, (folder) => listDestination(deps, run, ends, folder, signal))
    : undefined;
  for await (const page of snapshotCopies(db, run.taskId, spec.at, spec.paths, INSERT_BATCH)) {
    let found = new Map<string, BackupFile>();
    let there: Set<string> | undefined;
    const present = page.filter((row) => row.removed_at === null);
    if (present.length) {
      if ((await listBackupFor(present.map((row) => row.dest_path))) === 'failed') return;
      const dests = present.map((row) => joinPath(run.destination.path, row.path));
      const destination = listDestinationFor ? await listDestinationFor(dests) : false;
      if (destination === 'failed') return;
      found = await inBackup(
        db,
        run.id,
        present.map((row) => pathKey(row.dest_path)),
      );
      if (destination) there = await atDestination(db, run.id, dests.map(pathKey));
    }
    const items = page.map((row) => itemOf(run, row, found.get(pathKey(row.dest_path)), there));
    await runState.addItems(db, run.id, items);
    const status = await db.query('SELECT status FROM runs WHERE id = $1', [run.id]);
    if (status.rows[0]?.status !== 'running') return; // cancelled meanwhile
  }
  await startCopying(deps, run, false);
}

/**
 * A listing of `root` into plan_listing, made as the paths that need it come. It is whole, at the
 * first paths, unless the restore is of part of a large backup (`most` > 0): then it lists the
 * folders of the paths (a listing is recursive: a folder covers those inside it) while they are at
 * most `most`, the backup's files / LISTING_PAGE. Below that, folder listings cost fewer requests
 * than the whole one: restoring an album of a million-photo backup lists the album, in a request or
 * two instead of a thousand. Past it, or for a path right in `root` (or outside it: a copy its
 * task wrote elsewhere once, which the whole listing does not find either), it lists the whole.
 * `list(folder)` lists one folder (null: the whole) and says true (listed), false (what is there
 * cannot be known) or 'failed' (the run was failed); so does the listing, for all it listed so far.
 */
function folderListing(
  root: string,
  most: () => Promise<number>,
  list: (folder: string | null) => Promise<boolean | 'failed'>,
) {
  const listed = new Set<string>();
  let whole: Promise<boolean | 'failed'> | undefined;
  let known = true;
  const covered = (folder: string) => {
    const parts = folder.split('/');
    return parts.some((_, i) => listed.has(parts.slice(0, i + 1).join('/')));
  };
  const below = (f: string) => f !== root && (root === '' || f.startsWith(`${root}/`));
  return async (paths: string[]): Promise<boolean | 'failed'> => {
    if (whole) return whole;
    // The folders of these paths not listed yet, outer ones first, without those inside another.
    const folders: string[] = [];
    const fresh = new Set(paths.map((p) => p.slice(0, Math.max(0, p.lastIndexOf('/')))));
    for (const f of [...fresh].sort((a, b) => a.length - b.length))
      if (!covered(f) && !folders.some((o) => f.startsWith(`${o}/`))) folders.push(f);
    if (!folders.length) return known;
    if (listed.size + folders.length > (await most()) || !folders.every(below)) {
      whole = list(null);
      return whole;
    }
    for (const folder of folders) {
      listed.add(folder);
      const done = await list(folder);
      if (done === 'failed') return done;
      known &&= done;
    }
    return known;
  };
}

/**
 * Lists the backup's destination into plan_listing: each copy there by its full path, with its id,
 * version, size and hashes as that cloud reads them back (a crypt destination decrypts names and
 * sizes), as a backup's plan lists its destination. Versions kept by the task are in the same
 * folder (.ferry-versions/), so one listing finds every copy. `folder`: only this folder of the
 * backup (see folderListing); if it is gone, its copies fail one by one.
 */
async function listBackup(
  deps: PlanDeps,
  run: RunRecord,
  ends: Ends,
  folder: string | null,
  signal: AbortSignal,
): Promise<true | 'failed'> {
  const backupPath = run.source.path ?? '';
  const at = folder ?? backupPath;
  let files = new Map<string, BackupFile>();
  let count = 0;
  const flush = async () => {
    await addBackupFiles(deps.db, run.id, files);
    files = new Map();
  };
  try {
    for await (const item of ends.source.list(at, signal)) {
      const { id, size, version, hashes, mediaType, modifiedAt } = item;
      files.set(pathKey(joinPath(at, item.path)), { id, size, version, hashes, mediaType, modifiedAt });
      count++;
      if (files.size >= LISTING_BATCH) await flush();
    }
    await flush();
  } catch (err) {
    if (signal.aborted) throw err; // shutting down: pg-boss retries the plan, which starts over idempotently
    // No such folder: told below for the whole backup, copy by copy for one of its folders.
    if (!(err instanceof CloudError && err.reason === 'not_found')) {
      await failRun(
        deps,
        run.id,
        `Reading the backup failed: ${(err as Error).message}`,
        refusing(err, run.source.cloudId),
      );
      return 'failed';
    }
  }
  // Nothing at all where the backup is: not a few copies gone but the whole folder (moved, deleted),
  // or a destination that does not give back what it was given: one clear error, not one per file.
  if (!count && folder === null) {
    await failRun(
      deps,
      run.id,
      `Nothing of the backup was found in its folder "${backupPath || '/'}" at its destination: ` +
        'the folder was moved or deleted, or the destination cannot be read back as it was written ' +
        '(Google Photos keeps albums, not folders): nothing can be restored from it.',
    );
    return 'failed';
  }
  return true;
}

/** One copy of the snapshot as the run's item: to be copied, or failed when the copy is not there. */
function itemOf(
  run: RunRecord,
  row: SnapshotCopy,
  found: BackupFile | undefined,
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
 * Lists the paths at the restore's destination into plan_listing, as plan.ts lists a backup's
 * destination: true once listed, false when they cannot be known (each file is then checked before
 * its copy), 'failed' when the run was failed. `folder`: only this folder of it (see folderListing).
 */
async function listDestination(
  deps: PlanDeps,
  run: RunRecord,
  ends: Ends,
  folder: string | null,
  signal: AbortSignal,
): Promise<boolean | 'failed'> {
  if (!ends.destinationListing) return false;
  const at = folder ?? run.destination.path;
  let keys: string[] = [];
  try {
    for await (const d of ends.destinationListing.list(at, signal)) {
      keys.push(pathKey(joinPath(at, d.path)));
      if (keys.length >= LISTING_BATCH) {
        await addDestinationKeys(deps.db, run.id, keys);
        keys = [];
      }
    }
    await addDestinationKeys(deps.db, run.id, keys);
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
    // A folder not there yet holds nothing; anything else is unknown.
    return err instanceof CloudError && err.reason === 'not_found';
  }
  return true;
}
