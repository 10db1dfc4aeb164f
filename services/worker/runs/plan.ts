// Planning a run: list the source, keep what the filter selects and the manifest does not already
// hold, write the run's items, then start the copy jobs that share them.
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { CloudError, type SourceItem } from '../../../connectors/types.ts';
import type { Clouds } from '../../core/clouds.ts';
import type { Db } from '../../core/db.ts';
import { QUEUES } from '../../core/queues.ts';
import type { Notifier } from '../../core/notifications.ts';
import { failRun, loadRun, openEnds, refusing, type RunRecord } from './context.ts';
import { COPY_JOBS_PER_RUN } from './copy.ts';
import { destinationPath, joinPath, pathKey, renamed, selected } from './select.ts';

const INSERT_BATCH = 500;

export interface PlanDeps {
  db: Db;
  boss: PgBoss;
  clouds: Clouds;
  notifier: Notifier;
  log: Logger;
}

export async function planRun(deps: PlanDeps, runId: string, signal: AbortSignal): Promise<void> {
  const { db, boss } = deps;
  const started = await db.query(
    `UPDATE runs SET status = 'running', started_at = coalesce(started_at, now()) WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
    [runId],
  );
  if (!started.rowCount) return; // cancelled before it began, or already finished
  const run = (await loadRun(db, runId))!;

  let ends;
  try {
    ends = await openEnds(deps.clouds, run);
  } catch (err) {
    await failRun(deps, runId, (err as Error).message);
    return;
  }

  // What earlier runs of this task copied: an item whose version is unchanged is not copied again.
  const manifest = new Map<string, { version: string; destPath: string }>();
  const m = await db.query<{ source_id: string; source_version: string; dest_path: string }>(
    'SELECT source_id, source_version, dest_path FROM manifest WHERE task_id = $1',
    [run.taskId],
  );
  // The paths those copies hold, and whose they are: a new item is never planned onto another
  // item's copy (phone B's IMG_0001.jpg onto phone A's of the same month, copied by an earlier run).
  const held = new Map<string, string>();
  for (const r of m.rows) {
    manifest.set(r.source_id, { version: r.source_version, destPath: r.dest_path });
    held.set(pathKey(r.dest_path), r.source_id);
  }

  // What is at the destination already, in one listing instead of a look-up per file (as rclone
  // does): its paths, formed as destination paths are (the listing's paths are relative to the
  // folder listed; ids are not paths on Drive, Dropbox or OneDrive). Only paths found here are
  // checked against the conflict policy before their copy; a file that appears at one of our paths
  // later is caught by the upload itself, which never replaces a file unless told to (copy.ts).
  let existing: Set<string> | undefined;
  if (ends.destinationListing) {
    existing = new Set();
    try {
      for await (const d of ends.destinationListing.list(run.destination.path, signal))
        existing.add(pathKey(joinPath(run.destination.path, d.path)));
    } catch (err) {
      if (refusing(err, run.destination.cloudId)) {
        await failRun(
          deps,
          runId,
          `The destination refused Ferry's credentials: ${(err as Error).message}`,
          run.destination.cloudId,
        );
        return;
      }
      if (!(err instanceof CloudError && err.reason === 'not_found')) existing = undefined; // unknown: check each file
    }
  }

  // Two items whose layout gives the same path (two IMG_0001.jpg of one month), or paths a
  // destination that ignores case takes for one (IMG.JPG and img.jpg on Dropbox), must not land on
  // each other, in this run or across runs: a path planned for another item of this run, or held in
  // the manifest by another item's copy, is taken, and the later one gets "name (1).jpg". An item's
  // own copy (`own`: the item, or the reduced copy it supersedes) does not take its path from it.
  const planned = new Set<string>();
  const uniquePath = (dest: string, own: (sourceId: string) => boolean) => {
    const taken = (p: string) => {
      const key = pathKey(p);
      const holder = held.get(key);
      return planned.has(key) || (holder !== undefined && !own(holder));
    };
    let candidate = dest;
    for (let n = 1; taken(candidate); n++) candidate = renamed(dest, n);
    planned.add(pathKey(candidate));
    return candidate;
  };

  let batch: SourceItem[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const { reduced, originals } = await copiesByIdentity(db, run, batch);
    const rows = batch.map((item) => {
      // An original that supersedes a reduced copy (a Picker copy) of the same photo at this
      // destination: it replaces that file when it lands at the same path, else the file is removed
      // once the original is copied.
      const supersedes = item.fidelity !== 'reduced' && item.identity ? reduced.get(item.identity) : undefined;
      const own = (sourceId: string) =>
        sourceId === item.id || (supersedes?.taskId === run.taskId && supersedes.sourceId === sourceId);
      const dest = uniquePath(destinationPath(item, run.destination.path, run.options.layout), own);
      const exists = existing ? existing.has(pathKey(dest)) : true;
      // A reduced copy of a photo whose original is at this destination already is not made.
      const original = item.fidelity === 'reduced' && item.identity ? originals.get(item.identity) : undefined;
      const planned = item.problem
        ? { status: 'failed', reason: item.problem }
        : original
          ? {
              status: 'skipped',
              reason: `The original of this photo, from Google Takeout, is at the destination already: ${original}.`,
            }
          : { status: 'pending', reason: null };
      return [
        item.id,
        item.path,
        item.size ?? null,
        item.modifiedAt ?? null,
        item.mediaType,
        item.version,
        JSON.stringify(item.hashes ?? {}),
        dest,
        manifest.get(item.id)?.destPath === dest || supersedes?.destPath === dest,
        exists,
        item.fidelity ?? 'original',
        item.identity ?? null,
        supersedes ? JSON.stringify(supersedes) : null,
        planned.status,
        planned.reason,
      ];
    });
    const cols = (i: number) => rows.map((r) => r[i]);
    await db.query(
      `INSERT INTO run_items (run_id, source_id, path, size, modified_at, media_type, version, hashes, dest_path, replaces_own, dest_exists, fidelity, identity, supersedes, status, error)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::text[], $7::text[], $8::jsonb[], $9::text[], $10::boolean[], $11::boolean[], $12::text[], $13::text[], $14::jsonb[], $15::text[], $16::text[])
       ON CONFLICT (run_id, source_id) DO NOTHING`,
      [
        runId,
        cols(0),
        cols(1),
        cols(2),
        cols(3),
        cols(4),
        cols(5),
        cols(6),
        cols(7),
        cols(8),
        cols(9),
        cols(10),
        cols(11),
        cols(12),
        cols(13),
        cols(14),
      ],
    );
    batch = [];
    const status = await db.query('SELECT status FROM runs WHERE id = $1', [runId]);
    if (status.rows[0]?.status !== 'running') throw new PlanStopped();
  };

  try {
    for await (const item of ends.source.list(run.source.path ?? '', signal)) {
      if (!selected(item, run.filter)) continue;
      if (manifest.get(item.id)?.version === item.version) continue;
      batch.push(item);
      if (batch.length >= INSERT_BATCH) await flush();
    }
    await flush();
  } catch (err) {
    if (err instanceof PlanStopped) return;
    if (signal.aborted) throw err; // shutting down: pg-boss retries the plan, which starts over idempotently
    await failRun(
      deps,
      runId,
      `Listing the source failed: ${(err as Error).message}`,
      refusing(err, run.source.cloudId),
    );
    return;
  }

  const sequential = ends.sourceFeatures.sequentialReads === true;
  // Items failed or skipped from the start (nothing is copied yet, so these are all of them).
  const totals = await db.query<{ n: number; bytes: number }>(
    `UPDATE runs r SET total_items = s.n, total_bytes = s.bytes, failed_items = s.failed, skipped_items = s.skipped, skipped_bytes = s.skipped_bytes,
            planned_at = now(), sequential = $2
       FROM (SELECT count(*)::int AS n, coalesce(sum(size), 0)::bigint AS bytes, count(*) FILTER (WHERE status = 'failed')::int AS failed,
                    count(*) FILTER (WHERE status = 'skipped')::int AS skipped, coalesce(sum(size) FILTER (WHERE status = 'skipped'), 0)::bigint AS skipped_bytes
               FROM run_items WHERE run_id = $1) s
      WHERE r.id = $1 RETURNING s.n, s.bytes`,
    [runId, sequential],
  );
  deps.log.info({ runId, items: totals.rows[0].n, bytes: totals.rows[0].bytes }, 'run planned');

  // The copy jobs share the run's items between them (see copy.ts): a few of them are enough, and
  // pg-boss spreads them over the workers, at most four at once per user.
  // A source read front to back (.tgz) is copied by one job, item after item.
  const jobs = Math.min(sequential ? 1 : COPY_JOBS_PER_RUN, Math.ceil(totals.rows[0].n / 4));
  if (jobs)
    await boss.insert(
      QUEUES.runCopy,
      Array.from({ length: jobs }, () => ({ data: { runId }, group: { id: run.userId } })),
    );
  else await boss.send(QUEUES.runFinalize, { runId });
}

class PlanStopped extends Error {}

interface ReducedCopy {
  taskId: string;
  sourceId: string;
  destPath: string;
}

/**
 * Copies at this run's destination cloud of the photos in `items`, by identity: the reduced ones
 * (Picker copies) an original supersedes, and the originals that make a new reduced copy needless.
 */
async function copiesByIdentity(
  db: Db,
  run: RunRecord,
  items: SourceItem[],
): Promise<{ reduced: Map<string, ReducedCopy>; originals: Map<string, string> }> {
  const reduced = new Map<string, ReducedCopy>();
  const originals = new Map<string, string>();
  const identities = items.filter((i) => i.identity).map((i) => i.identity!);
  if (!identities.length) return { reduced, originals };
  const { rows } = await db.query<{
    identity: string;
    task_id: string;
    source_id: string;
    dest_path: string;
    fidelity: string;
  }>(
    `SELECT m.identity, m.task_id, m.source_id, m.dest_path, m.fidelity FROM manifest m JOIN tasks t ON t.id = m.task_id
      WHERE t.user_id = $1 AND t.destination_cloud_id = $2 AND m.fidelity IN ('reduced', 'original') AND m.identity = ANY($3::text[])`,
    [run.userId, run.destination.cloudId, identities],
  );
  for (const r of rows) {
    if (r.fidelity === 'reduced')
      reduced.set(r.identity, { taskId: r.task_id, sourceId: r.source_id, destPath: r.dest_path });
    else originals.set(r.identity, r.dest_path);
  }
  return { reduced, originals };
}
