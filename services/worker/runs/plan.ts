// Planning a run: list the source, keep what the filter selects and the manifest does not already
// hold, write the run's items, then start the copy jobs that share them.
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { CloudError, type SourceItem } from '../../../connectors/types.ts';
import type { Clouds } from '../../core/clouds.ts';
import type { Db } from '../../core/db.ts';
import type { Notifier } from '../../core/notifications.ts';
import { QUEUES } from '../../core/queues.ts';
import * as runState from '../../core/run-state.ts';
import type { Timing } from '../../core/timing.ts';
import { failRun, loadRun, openEnds, refusing, type RunRecord } from './context.ts';
import { planRestore } from './plan-restore.ts';
import { planVerify } from './plan-verify.ts';
import { COPY_JOBS_PER_RUN } from './copy.ts';
import { destinationPath, joinPath, pathKey, renamed, selected } from './select.ts';
import { copiesByIdentity, planFidelity } from './supersede.ts';
import { newestCopies, pruneVersions, recordListing } from './versions.ts';

const INSERT_BATCH = 500;

export interface PlanDeps {
  db: Db;
  boss: PgBoss;
  clouds: Clouds;
  notifier: Notifier;
  log: Logger;
  timing: Timing;
}

export async function planRun(deps: PlanDeps, runId: string, signal: AbortSignal): Promise<void> {
  const { db } = deps;
  if (!(await runState.begin(db, runId))) return; // cancelled before it began, or already finished
  const run = (await loadRun(db, runId))!;

  let ends;
  try {
    ends = await openEnds(deps.clouds, run);
  } catch (err) {
    await failRun(deps, runId, (err as Error).message);
    return;
  }
  // A task that locks what it writes (options.objectLock) is refused once, before anything is written,
  // when its destination cannot keep the lock (an S3 bucket without Object Lock).
  if (run.kind === 'backup' && run.options.objectLock) {
    try {
      if (!ends.destination.checkRetention)
        throw new Error('Only S3 destinations can lock what Ferry writes (options.objectLock).');
      await ends.destination.checkRetention(signal);
    } catch (err) {
      if (signal.aborted) throw err;
      await failRun(deps, runId, (err as Error).message, refusing(err, run.destination.cloudId));
      return;
    }
  }
  // A restore copies a point in time of the backup, a verify checks it: their items come from its history.
  if (run.kind === 'restore') return planRestore(deps, run, ends, signal);
  if (run.kind === 'verify') return planVerify(deps, run, ends, signal);

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
    const copies = await copiesByIdentity(db, run, batch);
    const items = batch.map((item): runState.PlannedItem => {
      const { supersedes, skip } = planFidelity(item, copies);
      // The reduced copy an original supersedes is its own copy: it does not take its path from it.
      const own = (sourceId: string) =>
        sourceId === item.id || (supersedes?.taskId === run.taskId && supersedes.sourceId === sourceId);
      const dest = uniquePath(destinationPath(item, run.destination.path, run.options.layout), own);
      const outcome = item.problem
        ? ({ status: 'failed', error: item.problem } as const)
        : skip
          ? ({ status: 'skipped', error: skip } as const)
          : ({ status: 'pending', error: null } as const);
      return {
        sourceId: item.id,
        path: item.path,
        size: item.size ?? null,
        modifiedAt: item.modifiedAt ?? null,
        mediaType: item.mediaType,
        version: item.version,
        hashes: item.hashes ?? {},
        destPath: dest,
        replacesOwn: manifest.get(item.id)?.destPath === dest || supersedes?.destPath === dest,
        destExists: existing ? existing.has(pathKey(dest)) : true,
        fidelity: item.fidelity ?? 'original',
        identity: item.identity ?? null,
        supersedes: supersedes ?? null,
        ...outcome,
      };
    });
    await runState.addItems(db, runId, items);
    batch = [];
    const status = await db.query('SELECT status FROM runs WHERE id = $1', [runId]);
    if (status.rows[0]?.status !== 'running') throw new PlanStopped();
  };

  // The files whose newest copy is there, and those found gone from the source by an earlier run:
  // what this listing no longer holds is gone now, what it holds again is back.
  const { present, gone } = await newestCopies(db, run.taskId);
  const back: string[] = [];

  // Items read from a stream they share (the entries of a .tgz archive) are copied one at a time, in order.
  let sequential = false;
  try {
    for await (const item of ends.source.list(run.source.path ?? '', signal)) {
      present.delete(item.id);
      if (!selected(item, run.filter)) continue;
      if (manifest.get(item.id)?.version === item.version) {
        if (gone.has(item.id)) back.push(item.id);
        continue;
      }
      if (item.sequential) sequential = true;
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

  // The listing is complete: unless the source lists only part of what it holds (a picker session,
  // the latest Takeout export), a file of the backup it did not list was deleted at the source.
  const listed = await recordListing(db, run, ends.sourceFeatures.partialListing ? [] : [...present], back);
  if (listed.deleted || listed.back)
    deps.log.info({ runId, ...listed }, 'files gone from the source, or back, recorded in the backup history');
  // Kept versions beyond the task's keep or days go, and the run says how many.
  await pruneVersions(db, run, ends.destination, deps.timing.now(), signal, deps.log);

  await startCopying(deps, run, sequential);
}

/** The run's items are written: the copy jobs take them up (or finalize ends a run with none). */
export async function startCopying(deps: PlanDeps, run: RunRecord, sequential: boolean): Promise<void> {
  const totals = await runState.planned(deps.db, run.id, sequential);
  deps.log.info({ runId: run.id, kind: run.kind, ...totals }, 'run planned');

  // The copy jobs share the run's items between them (see copy.ts): a few of them are enough, and
  // pg-boss spreads them over the workers, at most four at once per user.
  // A source read front to back (.tgz) is copied by one job, item after item.
  const jobs = Math.min(sequential ? 1 : COPY_JOBS_PER_RUN, Math.ceil(totals.items / 4));
  if (jobs)
    await deps.boss.insert(
      QUEUES.runCopy,
      Array.from({ length: jobs }, () => ({ data: { runId: run.id }, group: { id: run.userId } })),
    );
  else await deps.boss.send(QUEUES.runFinalize, { runId: run.id });
}

class PlanStopped extends Error {}
