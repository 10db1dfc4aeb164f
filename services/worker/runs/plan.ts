// Planning a run: list the source, keep what the filter selects and the manifest does not already
// hold, write the run's items, then start the copy jobs that share them.
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { CloudError, type SourceItem } from '../../../connectors/types.ts';
import type { Clouds } from '../../core/clouds.ts';
import type { Db } from '../../core/db.ts';
import type { Notifier } from '../../core/notifications.ts';
import { QUEUES } from '../../core/queues.ts';
import { pathKey } from '../../core/path-key.ts';
import * as runState from '../../core/run-state.ts';
import type { Timing } from '../../core/timing.ts';
import { failRun, loadRun, openEnds, refusing, type RunRecord } from './context.ts';
import { plannedKeys } from './key-filter.ts';
import { planRestore } from './plan-restore.ts';
import { planVerify } from './plan-verify.ts';
import { COPY_JOBS_PER_RUN } from './copy.ts';
import { destinationPath, joinPath, selected } from './select.ts';
import { copiesByIdentity, planFidelity } from './supersede.ts';
import { pruneVersions, recordListing } from './versions.ts';
import {
  addDestinationKeys,
  addSourceIds,
  atDestination,
  clearListing,
  fillDestKeys,
  type Known,
  liveAmong,
  liveCopies,
  LISTING_PAGE,
  lookUp,
  uniquePaths,
  unlisted,
} from './plan-lookups.ts';

/** Items planned per batch, and ids or paths listed per batch. */
const INSERT_BATCH = 500;
const LISTING_BATCH = 5_000;

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
  const begun = await runState.begin(db, runId); // not if cancelled before it began, finished or deleted
  // What an attempt whose worker died listed goes: the plan starts over, or its run is over.
  await clearListing(db, runId);
  if (!begun) return;
  try {
    await planBegun(deps, runId, signal);
  } finally {
    // However the plan ended (a failed plan's listing, a million rows, would stay until its run goes).
    await clearListing(db, runId).catch((err) => deps.log.warn({ err, runId }, "a plan's listing was not cleared"));
  }
}

async function planBegun(deps: PlanDeps, runId: string, signal: AbortSignal): Promise<void> {
  const { db } = deps;
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

  // Nothing of the task's manifest, the destination or the listing is held in memory beyond a
  // batch: each batch of listed items is looked up in PostgreSQL (plan-lookups.ts).
  await fillDestKeys(db, run);
  const planned = await plannedKeys(db, runId);
  const partial = ends.sourceFeatures.partialListing === true;

  // What is at the destination already, in one listing instead of a look-up per file (as rclone
  // does): its paths, formed as destination paths are (the listing's paths are relative to the
  // folder listed; ids are not paths on Drive, Dropbox or OneDrive). Only paths found here are
  // checked against the conflict policy before their copy; a file that appears at one of our paths
  // later is caught by the upload itself, which never replaces a file unless told to (copy.ts).
  // Listed when the first item is to be copied: a run that finds nothing new lists no destination.
  // Nor does one with few files to copy into a large backup (a night's new photos in a library of a
  // million): each of those is looked up where it lands instead, which costs fewer requests than a
  // listing until they are more than the backup's files / LISTING_PAGE (a million paths took 26 s to
  // list and record; ten look-ups take nothing). False: unknown, every file is checked.
  let destinationListed: Promise<boolean> | undefined;
  let listAbove: Promise<number> | undefined;
  let toCopy = 0;
  const destinationKnown = async (files: number): Promise<boolean> => {
    toCopy += files;
    listAbove ??= liveCopies(db, run.taskId).then((n) => Math.floor(n / LISTING_PAGE));
    if (!destinationListed && toCopy <= (await listAbove)) return false;
    destinationListed ??= listDestination();
    return destinationListed;
  };
  const listDestination = async (): Promise<boolean> => {
    if (!ends.destinationListing) return false;
    let keys: string[] = [];
    try {
      for await (const d of ends.destinationListing.list(run.destination.path, signal)) {
        keys.push(pathKey(joinPath(run.destination.path, d.path)));
        if (keys.length >= LISTING_BATCH) {
          await addDestinationKeys(db, runId, keys);
          keys = [];
        }
      }
      await addDestinationKeys(db, runId, keys);
      return true;
    } catch (err) {
      if (signal.aborted) throw err;
      if (refusing(err, run.destination.cloudId)) throw new DestinationRefused((err as Error).message);
      // A folder not there yet holds nothing; anything else is unknown.
      return err instanceof CloudError && err.reason === 'not_found';
    }
  };

  // Two items whose layout gives the same path (two IMG_0001.jpg of one month), or paths a
  // destination that ignores case takes for one (IMG.JPG and img.jpg on Dropbox), must not land on
  // each other, in this run or across runs (uniquePaths). An item's own copy (the item, or the
  // reduced copy it supersedes) does not take its path from it.
  let written = 0;
  const plan = async (batch: SourceItem[], known: Map<string, Known>) => {
    const copies = await copiesByIdentity(db, run, batch);
    const fidelity = batch.map((item) => planFidelity(item, copies));
    const dests = await uniquePaths(
      db,
      run,
      batch.map((item, i) => {
        const { supersedes } = fidelity[i];
        return {
          dest: destinationPath(item, run.destination.path, run.options.layout),
          own: (sourceId: string) =>
            sourceId === item.id || (supersedes?.taskId === run.taskId && supersedes.sourceId === sourceId),
        };
      }),
      planned,
    );
    const listed = await destinationKnown(batch.length);
    const there = listed ? await atDestination(db, runId, dests.map(pathKey)) : undefined;
    const items = batch.map((item, i): runState.PlannedItem => {
      const { supersedes, skip } = fidelity[i];
      const dest = dests[i];
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
        replacesOwn: known.get(item.id)?.destPath === dest || supersedes?.destPath === dest,
        destExists: there ? there.has(pathKey(dest)) : true,
        fidelity: item.fidelity ?? 'original',
        identity: item.identity ?? null,
        supersedes: supersedes ?? null,
        ...outcome,
      };
    });
    await runState.addItems(db, runId, items);
    // A run this large needs the planner to know it while it is still being planned (its progress is polled).
    const before = written;
    written += items.length;
    if (before < runState.FRESH_STATISTICS_AT && written >= runState.FRESH_STATISTICS_AT)
      await runState.refreshStatistics(db);
  };

  // A batch of listed items: those the manifest holds at the same version are not copied again
  // (those found gone before are back), the others are planned. Listed ids whose newest copy is in
  // the backup are counted (`matched`): when they come to every file the backup holds, none is gone.
  let selectedBatch: SourceItem[] = [];
  let listedIds: string[] = [];
  let back = 0;
  let matched = 0;
  const stillRunning = async () => {
    const status = await db.query('SELECT status FROM runs WHERE id = $1', [runId]);
    if (status.rows[0]?.status !== 'running') throw new PlanStopped();
  };
  const flush = async (batch: SourceItem[], ids: string[]) => {
    const known = await lookUp(
      db,
      run,
      batch.map((i) => i.id),
    );
    if (!partial) {
      for (const k of known.values()) if (k.live) matched++;
      matched += await liveAmong(
        db,
        run.taskId,
        ids.filter((id) => !known.has(id)),
      );
    }
    const unchanged = (item: SourceItem) => known.get(item.id)?.version === item.version;
    const returned = batch.filter((i) => unchanged(i) && known.get(i.id)!.gone).map((i) => i.id);
    if (returned.length) {
      const { back: n } = await recordListing(db, run, [], returned);
      back += n;
      matched += n;
    }
    const changed = batch.filter((i) => !unchanged(i));
    if (changed.length) await plan(changed, known);
    await stillRunning();
  };
  // A batch is looked up and written while the source lists the next: the listing's waits (a folder's
  // files, a cloud's next page) and PostgreSQL's overlap. Batches are flushed one after the other, in order.
  let flushing: Promise<void> = Promise.resolve();
  const flushBehind = async () => {
    await flushing;
    flushing = flush(selectedBatch, listedIds);
    flushing.catch(() => {}); // awaited by the next flush, or at the end
    selectedBatch = [];
    listedIds = [];
  };

  // The listing is complete: unless the source lists only part of what it holds (a picker session,
  // the latest Takeout export), a file of the backup it did not list was deleted at the source.
  // Which ones needs the listing's ids: recorded only then, by listing the source again, since a
  // listing that holds every file of the backup (the usual run) then records nothing. (A source
  // that lists an id twice makes `matched` too high: deletions are then found by a later run.)
  const gone = async (): Promise<number> => {
    if (partial || matched >= (await liveCopies(db, run.taskId))) return 0;
    let ids: string[] = [];
    for await (const item of ends.source.list(run.source.path ?? '', signal)) {
      ids.push(item.id);
      if (ids.length >= LISTING_BATCH) {
        await addSourceIds(db, runId, ids);
        ids = [];
        await stillRunning();
      }
    }
    await addSourceIds(db, runId, ids);
    let deleted = 0;
    for await (const unheld of unlisted(db, run)) deleted += (await recordListing(db, run, unheld, [])).deleted;
    return deleted;
  };

  // Items read from a stream they share (the entries of a .tgz archive) are copied one at a time, in order.
  let sequential = false;
  let deleted = 0;
  try {
    try {
      for await (const item of ends.source.list(run.source.path ?? '', signal)) {
        if (!partial) listedIds.push(item.id);
        if (selected(item, run.filter)) {
          if (item.sequential) sequential = true;
          selectedBatch.push(item);
        }
        if (selectedBatch.length >= INSERT_BATCH || listedIds.length >= LISTING_BATCH) await flushBehind();
      }
      await flushBehind();
    } finally {
      // Nothing of this plan writes once it has ended, however it ended.
      await flushing.catch(() => {});
    }
    await flushing;
    deleted = await gone();
  } catch (err) {
    if (err instanceof PlanStopped) return;
    if (signal.aborted) throw err; // shutting down: pg-boss retries the plan, which starts over idempotently
    if (err instanceof DestinationRefused) {
      await failRun(
        deps,
        runId,
        `The destination refused Ferry's credentials: ${err.message}`,
        run.destination.cloudId,
      );
      return;
    }
    await failRun(
      deps,
      runId,
      `Listing the source failed: ${(err as Error).message}`,
      refusing(err, run.source.cloudId),
    );
    return;
  }

  if (deleted || back)
    deps.log.info({ runId, deleted, back }, 'files gone from the source, or back, recorded in the backup history');
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
/** The destination refused Ferry's credentials while the plan listed it. */
class DestinationRefused extends Error {}
