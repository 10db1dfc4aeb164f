// A backup's history at its destination: the copies a changed file replaces are kept as versions
// under <destination folder>/.ferry-versions/<folder of the file>/<UTC time>-<name> (names sort by
// time and never collide), files gone from the source are marked deleted (their copies stay), and
// versions beyond the task's keep or older than its days are removed by the next run's plan.
// `copies` (migrations/0010-history.sql) holds all of it: a version is a row replaced by a newer one
// whose dest_path is under the versions folder and whose removed_at is still null.
import path from 'node:path';
import type { Logger } from 'pino';
import type { Destination } from '../../../connectors/types.ts';
import type { Db, Queryable } from '../../core/db.ts';
import * as runState from '../../core/run-state.ts';
import type { RunRecord } from './context.ts';
import { joinPath } from './select.ts';

/** The folder of kept versions, in the task's destination folder. */
export const VERSIONS_FOLDER = '.ferry-versions';

/** Where a file is in the backup: its destination path relative to the task's destination folder. */
export function inBackup(folder: string, destPath: string): string {
  return folder && destPath.startsWith(`${folder}/`) ? destPath.slice(folder.length + 1) : destPath;
}

/** The versions folder of a backup in `folder`, ending in '/'. */
export const versionsRoot = (folder: string) => `${joinPath(folder, VERSIONS_FOLDER)}/`;

/** Where the copy at `destPath` is kept as a version replaced at `at`: 20261202T154100.123Z-name. */
export function versionPath(folder: string, destPath: string, at: Date): string {
  const rel = inBackup(folder, destPath);
  const stamp = at.toISOString().replace(/[-:]/g, '');
  const dir = path.posix.dirname(rel);
  return joinPath(folder, `${VERSIONS_FOLDER}/${dir === '.' ? '' : dir}/${stamp}-${path.posix.basename(rel)}`);
}

/** Whether the task keeps the copies its changed files replace. */
export const keepsVersions = (run: RunRecord) => run.kind === 'backup' && run.options.versions !== undefined;

/** Where the file's newest copy is, as `copies` has it; undefined when it has none. */
export async function newestCopy(q: Queryable, taskId: string, sourceId: string): Promise<string | undefined> {
  const { rows } = await q.query<{ dest_path: string }>(
    'SELECT dest_path FROM copies WHERE task_id = $1 AND source_id = $2 AND replaced_at IS NULL',
    [taskId, sourceId],
  );
  return rows[0]?.dest_path;
}

/** The file's newest copy was moved from `from` to the version path `to`: recorded at once. */
export async function versionMoved(q: Queryable, taskId: string, sourceId: string, from: string, to: string) {
  await q.query(
    `UPDATE copies SET dest_path = $4
      WHERE task_id = $1 AND source_id = $2 AND replaced_at IS NULL AND dest_path = $3`,
    [taskId, sourceId, from, to],
  );
}

const BATCH = 1000;

/**
 * After a complete listing of the source: files of `present` it no longer holds are marked deleted
 * (the copy stays at the destination), and files of `back`, found deleted before and listed again
 * unchanged (so not copied), get a new newest row in the place of the deleted one: the same copy,
 * in the backup again from now on. Returns how many of each.
 */
export async function recordListing(
  db: Db,
  run: RunRecord,
  gone: string[],
  back: string[],
): Promise<{ deleted: number; back: number }> {
  let deleted = 0;
  let returned = 0;
  for (let i = 0; i < gone.length; i += BATCH) {
    const { rowCount } = await db.query(
      `UPDATE copies SET deleted_at = now()
        WHERE task_id = $1 AND source_id = ANY($2::text[]) AND replaced_at IS NULL AND deleted_at IS NULL`,
      [run.taskId, gone.slice(i, i + BATCH)],
    );
    deleted += rowCount ?? 0;
  }
  for (let i = 0; i < back.length; i += BATCH) {
    // The INSERT reads what the UPDATE returns: the old row stops being the newest first.
    const { rowCount } = await db.query(
      `WITH old AS (
         UPDATE copies SET replaced_at = now()
          WHERE task_id = $1 AND source_id = ANY($2::text[]) AND replaced_at IS NULL AND deleted_at IS NOT NULL
         RETURNING *)
       INSERT INTO copies (task_id, source_id, run_id, path, dest_path, source_path, size, source_mtime,
                           source_version, dest_hash)
       SELECT task_id, source_id, $3, path, dest_path, source_path, size, source_mtime, source_version, dest_hash
         FROM old`,
      [run.taskId, back.slice(i, i + BATCH), run.id],
    );
    returned += rowCount ?? 0;
  }
  return { deleted, back: returned };
}

/**
 * Removes the task's versions beyond its keep (per file, newest kept) or replaced longer ago than
 * its days: each from the destination, then marked removed, and counted in the run's
 * versions_removed. Returns how many were removed.
 */
export async function pruneVersions(
  db: Db,
  run: RunRecord,
  destination: Destination,
  now: Date,
  signal: AbortSignal,
  log: Logger,
): Promise<number> {
  const policy = run.options.versions;
  if (!policy || !destination.remove) return 0;
  const root = versionsRoot(run.backup.path);
  const { rows } = await db.query<{ id: string; source_id: string; dest_path: string; replaced_at: Date }>(
    `SELECT id, source_id, dest_path, replaced_at FROM copies
      WHERE task_id = $1 AND replaced_at IS NOT NULL AND removed_at IS NULL AND left(dest_path, length($2)) = $2
      ORDER BY source_id, replaced_at DESC, id DESC`,
    [run.taskId, root],
  );
  const oldest = policy.days === undefined ? undefined : now.getTime() - policy.days * 86_400_000;
  let removed = 0;
  let rank = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    rank = i > 0 && rows[i - 1].source_id === r.source_id ? rank + 1 : 0;
    const beyondKeep = policy.keep !== undefined && rank >= policy.keep;
    const tooOld = oldest !== undefined && r.replaced_at.getTime() < oldest;
    if (!beyondKeep && !tooOld) continue;
    signal.throwIfAborted();
    try {
      await destination.remove(r.dest_path, signal);
    } catch (err) {
      if (signal.aborted) throw err;
      // Tried again by the next run; the backup goes on.
      log.warn({ err, runId: run.id, path: r.dest_path }, 'a kept version could not be removed');
      continue;
    }
    await db.query('UPDATE copies SET removed_at = now() WHERE id = $1 AND removed_at IS NULL', [r.id]);
    await runState.versionsRemoved(db, run.id, 1);
    removed++;
  }
  if (removed)
    log.info({ runId: run.id, removed, ...policy }, 'kept versions removed (beyond keep or older than days)');
  return removed;
}
