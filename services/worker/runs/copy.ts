// Copying a run's items. Per item: take a lease on it, reserve quota, settle what is at
// the destination already, stream source → destination (the destination checks its own hash, and
// the source's where it has one, before it commits), then record the verified copy in one statement: item
// done, manifest, quota charged, run counters. A failing item is retried with backoff and, when it
// stays failed, recorded with its reason while the others go on.
// An upload never replaces a file unless replacing is meant (our own earlier copy, the overwrite
// policy): a file that appears at the path after the plan looked is left as it is, and the conflict
// policy decides again (settle).
import { pipeline, Transform, type Readable } from 'node:stream';
import { types } from 'node:util';
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { backoffMs, sleep } from '../../../connectors/lib/pacer.ts';
import { READ_INTO, type ReadInto, readIntoOf } from '../../../connectors/lib/bytes.ts';
import { hashStream, hasherFor, sameHash } from '../../../connectors/lib/hashes.ts';
import {
  CloudError,
  type Checkpoint,
  type Destination,
  type HashKind,
  type Source,
} from '../../../connectors/types.ts';
import { usagePeriod } from '../../core/accounts.ts';
import type { Clouds } from '../../core/clouds.ts';
import { transaction, type Db } from '../../core/db.ts';
import type { Notifier } from '../../core/notifications.ts';
import { QUEUES } from '../../core/queues.ts';
import * as runState from '../../core/run-state.ts';
import type { Timing } from '../../core/timing.ts';
import { failRun, loadRun, openEnds, type RunRecord } from './context.ts';
import { destinationPath, renamed, renamedFrom } from './select.ts';
import { markSuperseded, removeSuperseded } from './supersede.ts';
import { verifyCopy } from './verify.ts';
import * as metrics from '../../core/metrics.ts';
import { inBackup, keepsVersions, newestCopy, versionMoved, versionPath, versionsRoot } from './versions.ts';

/** Items copied at once by one copy job, unless the destination asks for more (features.itemsInParallel). */
const ITEMS_IN_PARALLEL = 4;
/** Copy jobs a run starts with: they share its items, on whichever workers pick them up. */
export const COPY_JOBS_PER_RUN = 4;
/** Attempts per item, within one claim, before it is recorded as failed. */
const ITEM_ATTEMPTS = 3;
/** Claims of one item (each after a worker died or stopped holding it) before it is given up. */
const MAX_CLAIMS = 10;
/** An item of unknown size reserves traffic in steps of this much as its bytes stream (less near the limit). */
const TOP_UP_BYTES = 4 * 1024 * 1024;
/** Files that appear, one after the other, at the paths an item's upload tries, before it gives up. */
const MAX_CONFLICTS = 5;

export interface CopyDeps {
  db: Db;
  timing: Timing;
  boss: PgBoss;
  clouds: Clouds;
  notifier: Notifier;
  log: Logger;
  /** The process is stopping (SIGTERM): claim nothing more, and hand the run over within graceMs. */
  draining?: { signal: AbortSignal; graceMs: number };
}

type ItemRow = runState.ClaimedItem;

export type Outcome =
  /** bytes: what was copied, and charged to the quota (0 for a verification, which copies nothing). */
  | { kind: 'done'; bytes: number; destPath: string; hash?: string }
  /** identical: the destination holds these very bytes already; recorded in the manifest as a copy. */
  | { kind: 'skipped'; reason: string; destPath: string; identical?: boolean }
  /** code: a word from a bounded set (a connector's reason, 'missing', 'gave_up'…) for the metrics. */
  | { kind: 'failed'; reason: string; code?: string };

/**
 * This worker's claim of an item: which attempt it is (its proof of ownership), the bytes the
 * destination acknowledged, and `lost`, aborted once the item turns out to be another claim's (this
 * worker held it past its lease and another took it up): the claim then drops out without changing
 * anything of the item, whose row, reservation and upload session are the other claim's now.
 */
interface Claim {
  readonly attempts: number;
  bytes: number;
  readonly lost: AbortController;
  /** When its lease runs out (this clock), as of its last renewal: see confirmHeld. */
  heldUntil: number;
}

class ClaimLost extends Error {
  constructor() {
    super('Another worker took this item over: this one held it past its lease.');
  }
}

const lose = (claim: Claim): ClaimLost => {
  const err = new ClaimLost();
  claim.lost.abort(err);
  return err;
};

/**
 * Called once an item's bytes are all read, just before the destination commits them. A claim
 * whose lease may have run out (its worker frozen or starved past it) renews it first and drops out
 * if another claim took the item meanwhile: a claim woken late must not write the file while the
 * item's new claim settles what is there. Free while the ticker keeps the lease fresh.
 */
async function confirmHeld(db: Db, itemId: string, claim: Claim, leaseSeconds: number): Promise<void> {
  if (Date.now() < claim.heldUntil - leaseSeconds * 500) return;
  const asked = Date.now();
  const held = await runState.renew(db, [{ id: itemId, attempts: claim.attempts, bytes: claim.bytes }], leaseSeconds);
  if (!held.has(String(itemId))) throw lose(claim);
  claim.heldUntil = asked + leaseSeconds * 1000;
}

/** Why a job stops its items early: the run was cancelled, or the worker is shutting down. */
class Stop extends Error {
  readonly cancelled: boolean;
  constructor(cancelled: boolean) {
    super(cancelled ? 'run cancelled' : 'worker shutting down');
    this.cancelled = cancelled;
  }
}

function retryable(err: unknown): boolean {
  if (err instanceof CloudError)
    return !['invalid_options', 'not_found', 'unauthorized', 'rate_limited', 'exists'].includes(err.reason);
  return true;
}

/** An item put back because the destination takes nothing more before `until` (a daily cap). */
interface Parked {
  until: Date;
  why: string;
}

/** A failure's code for the metrics: the connector's reason, or 'other'. */
const codeOf = (err: unknown) => (err instanceof CloudError ? err.reason : 'other');

function describe(err: unknown): string {
  // isNativeError, not instanceof: an error Node made (a socket's) may come from another realm (Jest's).
  return types.isNativeError(err) ? err.message : String(err);
}

/**
 * Works on a run until nothing is left to claim: this job and the run's other copy jobs (on any
 * worker) each take the next pending item as they finish one, so a run never waits on one
 * unlucky batch.
 */
export async function copyRun(deps: CopyDeps, runId: string, signal: AbortSignal): Promise<void> {
  const { db } = deps;
  const run = await loadRun(db, runId);
  if (run?.status !== 'running') return;
  let ends;
  try {
    ends = await openEnds(deps.clouds, run);
  } catch (err) {
    await failRun(deps, runId, describe(err));
    return;
  }

  // One ticker per job: renews the leases and progress of the items in flight, and stops them
  // within a second or two when the run is cancelled.
  const stop = new AbortController();
  const inFlight = new Map<string, Claim>();
  const onShutdown = () => stop.abort(new Stop(false));
  signal.addEventListener('abort', onShutdown, { once: true });
  const ticker = setInterval(() => {
    void (async () => {
      const claims = [...inFlight.entries()];
      const asked = Date.now();
      if (claims.length) {
        // Only the claims that still hold their item renew it; one that no longer does drops out.
        const held = await runState.renew(
          db,
          claims.map(([id, c]) => ({ id, attempts: c.attempts, bytes: c.bytes })),
          deps.timing.leaseSeconds,
        );
        for (const [id, claim] of claims) {
          if (held.has(String(id)))
            claim.heldUntil = Math.max(claim.heldUntil, asked + deps.timing.leaseSeconds * 1000);
          else if (inFlight.get(id) === claim) lose(claim);
        }
      }
      const { rows } = await db.query('SELECT status FROM runs WHERE id = $1', [runId]);
      if (rows[0]?.status !== 'running') stop.abort(new Stop(true));
    })().catch((err) => deps.log.warn({ err, runId }, 'progress tick failed'));
  }, deps.timing.renewMs);

  // The process is stopping: no lane claims another item; those in flight get until the grace period
  // is over to finish, then stop where they are, their uploads kept for whoever resumes them.
  let handingOver = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const onDrain = () => {
    handingOver = true;
    graceTimer = setTimeout(() => stop.abort(new Stop(false)), deps.draining!.graceMs);
  };
  if (deps.draining?.signal.aborted) onDrain();
  else deps.draining?.signal.addEventListener('abort', onDrain, { once: true });

  // Once an item did not fit in the quota, no job of the run claims more: the rest waits for the next run.
  let quotaHit = run.quotaHit;
  // Once the destination said it takes nothing more for a while, the run waits for it (parked).
  let parked: Parked | undefined;
  await runState.resume(db, runId); // back from a park
  // The job's lanes claim items in id order from where the last claim was; items whose lease ran
  // out (a claim lost) are looked for twice a lease, and before the job ends.
  let after = '0';
  let expiredLookedAt = 0;
  const claimNext = async () => {
    const expired = Date.now() - expiredLookedAt >= deps.timing.leaseSeconds * 500;
    if (expired) expiredLookedAt = Date.now();
    let item = await runState.claim(db, runId, deps.timing.leaseSeconds, { after, expired });
    if (!item && !expired) item = await runState.claim(db, runId, deps.timing.leaseSeconds, { after, expired: true });
    if (item && BigInt(item.id) > BigInt(after)) after = String(item.id);
    return item;
  };
  try {
    // If one lane fails (the database, say), the others are stopped and awaited before the job
    // fails, so no item is left copying under a lease nobody renews.
    const lanes = await Promise.allSettled(
      Array.from(
        { length: run.sequential ? 1 : (ends.destinationFeatures.itemsInParallel ?? ITEMS_IN_PARALLEL) },
        async () => {
          try {
            while (!stop.signal.aborted && !quotaHit && !parked && !handingOver) {
              const item = await claimNext();
              if (!item) return;
              const result = await copyOne(deps, run, ends.source, ends.destination, item, stop.signal, inFlight);
              if (result === 'quota') quotaHit = true;
              else if (result) parked = result;
            }
          } catch (err) {
            stop.abort(new Stop(false));
            throw err;
          }
        },
      ),
    );
    const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failed) {
      // What this job held is taken up by another once its lease runs out; make sure one comes.
      await maybeFinalize(deps, runId).catch(() => {});
      throw failed.reason;
    }
  } finally {
    clearInterval(ticker);
    clearTimeout(graceTimer);
    signal.removeEventListener('abort', onShutdown);
    deps.draining?.signal.removeEventListener('abort', onDrain);
  }
  if (signal.aborted) throw new Error('worker shut down before the run was copied; it will be taken up again');
  if (handingOver && !quotaHit && !parked) {
    // A job of its own for another worker, at once: this one ends as done, so that a rolling restart
    // spends none of the job's retries and nobody waits for a lease to run out.
    await deps.boss.send(QUEUES.runCopy, { runId }, { group: { id: run.userId } });
    deps.log.info({ runId }, 'stopping: run handed over to another worker');
    return;
  }
  if (parked) return park(deps, run, parked);
  await maybeFinalize(deps, runId);
}

/**
 * The destination takes nothing more before `until` (a daily upload cap): rather than
 * burn retries, the run waits, says so, and a copy job is queued for then.
 */
async function park(deps: CopyDeps, run: RunRecord, p: Parked): Promise<void> {
  const message = `Paused until ${p.until.toISOString()}: ${p.why} The run carries on by itself then.`;
  await runState.park(deps.db, deps.boss, run, p.until, message);
  deps.log.info({ runId: run.id, until: p.until }, 'run parked until the destination takes uploads again');
}

/**
 * Once this job finds nothing left to claim: queues the finalize job when nothing is left to copy
 * (or the quota ran out), or else a look again once leases could have run out, in case the
 * workers holding (or meant to take) the rest died.
 */
export async function maybeFinalize(deps: Pick<CopyDeps, 'db' | 'boss' | 'timing'>, runId: string): Promise<void> {
  const { rows } = await deps.db.query<{ copying: boolean; pending: boolean; quota: boolean; user_id: string }>(
    // Once the quota ran out nobody claims the rest, so an item whose holder died (its lease ran
    // out) is not at work: finalize puts it back with the others that wait for the next run. Each
    // look takes the first item of the run's in that status, as run-state.ts's claim does (the
    // pending ones as a range of the (run_id, status, id) index, in its order): counting every
    // item of the run took 0.5 s at 200,000, and an EXISTS was planned as a scan of the whole table.
    `WITH r AS (SELECT quota_hit_at IS NOT NULL AS quota, user_id FROM runs WHERE id = $1)
     SELECT (SELECT i.id FROM run_items i
              WHERE i.run_id = $1 AND i.status = 'copying' AND (NOT r.quota OR i.lease_until >= now())
              ORDER BY i.id LIMIT 1) IS NOT NULL AS copying,
            (SELECT i.id FROM run_items i
              WHERE (i.run_id, i.status) >= ($1, 'pending') AND (i.run_id, i.status) <= ($1, 'pending')
              ORDER BY i.run_id, i.status, i.id LIMIT 1) IS NOT NULL AS pending,
            r.quota, r.user_id
       FROM r`,
    [runId],
  );
  const r = rows[0];
  if (!r.copying && (!r.pending || r.quota)) {
    await deps.boss.send(QUEUES.runFinalize, { runId });
  } else {
    await deps.boss.sendAfter(
      QUEUES.runCopy,
      { runId },
      { group: { id: r.user_id }, singletonKey: `sweep-${runId}`, singletonSeconds: deps.timing.leaseSeconds },
      deps.timing.leaseSeconds,
    );
  }
}

/** Copies one claimed item; 'quota' when it did not fit in the user's traffic quota. */
async function copyOne(
  deps: CopyDeps,
  run: RunRecord,
  source: Source,
  destination: Destination,
  item: ItemRow,
  signal: AbortSignal,
  inFlight: Map<string, Claim>,
): Promise<'quota' | Parked | undefined> {
  const { db } = deps;
  if (item.attempts > MAX_CLAIMS) {
    // Taken up this often without an outcome (workers dying on it): give up on it, with the reason.
    await destination.abandon?.(item.upload_state).catch(() => {});
    const reason = `Gave up after ${MAX_CLAIMS} attempts that ended without a result (worker crashes or restarts).`;
    await record(
      db,
      run,
      item,
      { kind: 'failed', reason, code: 'gave_up' },
      item.reserved_period ?? deps.timing.now(),
      item.reserved_bytes,
    );
    return;
  }
  const claim: Claim = {
    attempts: item.attempts,
    bytes: 0,
    lost: new AbortController(),
    heldUntil: Date.now() + deps.timing.leaseSeconds * 1000,
  };
  inFlight.set(item.id, claim);
  try {
    if (run.kind === 'verify') {
      // Nothing is copied or charged: the copy at the destination is checked against its record.
      const checked = await verifyCopy(destination, item, AbortSignal.any([signal, claim.lost.signal])).catch(
        (err): Outcome => ({ kind: 'failed', reason: describe(err), code: codeOf(err) }),
      );
      if (!signal.aborted && !claim.lost.signal.aborted)
        await record(db, run, item, checked, item.reserved_period ?? deps.timing.now(), item.reserved_bytes);
      else if (!claim.lost.signal.aborted) await runState.putBack(db, item);
      return;
    }
    // Quota: reserved once per item (a resumed item keeps its reservation); an item whose size is
    // not known reserves more as its bytes stream (TrafficMeter).
    let period = item.reserved_period;
    let reserved = item.reserved_bytes;
    if (!period) {
      const bytes = item.size ?? 0;
      const got = await runState.reserve(db, run.userId, item, bytes, deps.timing.now());
      if (got === 'lost') return;
      if (got === 'full') return (await quotaUsedUp(deps, run, item)) ? 'quota' : undefined;
      period = got;
      reserved = bytes;
    }
    const meter = new TrafficMeter(db, run.userId, item, claim, period, reserved, deps.timing.leaseSeconds);
    // The copy stops when the job does (cancel, shutdown), when the quota runs out mid-stream, or
    // when the item turns out to be another claim's.
    const itemSignal = AbortSignal.any([signal, meter.signal, claim.lost.signal]);

    let outcome: Outcome;
    let refused = false;
    try {
      outcome = await transfer(
        run,
        source,
        destination,
        item,
        claim,
        itemSignal,
        (bytes) => (claim.bytes = bytes),
        db,
        meter,
        deps.timing,
      );
    } catch (err) {
      await meter.close();
      // Another worker copies the item now: whatever this claim would do to it is that one's to do.
      if (claim.lost.signal.aborted) {
        deps.log.info(
          { runId: run.id, itemId: item.id, attempt: item.attempts },
          'claim of an item lost to another worker; dropping out',
        );
        return;
      }
      if (meter.signal.aborted) {
        // The quota ran out while the bytes streamed: nothing was committed, the item goes back for
        // the next run with its upload let go and its reservation released, as for an item that did
        // not fit to begin with.
        return (await quotaUsedUp(deps, run, item, destination)) ? 'quota' : undefined;
      }
      if (signal.aborted) {
        if ((signal.reason as Stop).cancelled) {
          // Cancelled: drop the unfinished upload and the reservation; nothing was copied.
          const session = await transaction(db, (c) =>
            runState.giveBack(c, run.userId, run.id, item, 'cancelled', true),
          );
          if (session !== undefined) await destination.abandon?.(session).catch(() => {});
        } else {
          // Shutting down: leave the item and its upload session for the next worker.
          await runState.putBack(db, item);
        }
        return;
      }
      if (err instanceof CloudError && err.reason === 'rate_limited') {
        // Not a failure of the item: it waits (with its upload session) until the destination takes
        // uploads again; its reservation is let go meanwhile and the claim does not count.
        await transaction(db, (c) => runState.giveBack(c, run.userId, run.id, item, 'parked', false));
        return { until: err.retryAt ?? new Date(deps.timing.now().getTime() + deps.timing.parkMs), why: err.message };
      }
      outcome = { kind: 'failed', reason: describe(err), code: codeOf(err) };
      refused = err instanceof CloudError && err.reason === 'unauthorized';
    }
    await meter.close();
    const { recorded, removeSuperseded: remove } = await record(db, run, item, outcome, period!, meter.reserved);
    // The original is in place: the reduced copy it supersedes, elsewhere at this destination, goes.
    if (remove && item.supersedes)
      await removeSuperseded(destination, item.supersedes, signal, deps.log.child({ runId: run.id }));
    // A cloud that refuses Ferry's credentials would fail every item after this one: the run ends
    // now, with the reason (a cloud whose sign-in was revoked is marked needs_reauth already).
    if (refused && recorded && outcome.kind === 'failed') await failRun(deps, run.id, outcome.reason);
  } finally {
    inFlight.delete(item.id);
  }
}

/**
 * An item does not fit in the user's traffic quota: it goes back to pending with what it had
 * reserved let go (and its unfinished upload, with `abandon`: the destination), the run ends
 * quota_exceeded and the next run takes up what is left. The user hears of it once a month,
 * whichever run hits it first. False, and nothing done, when the item is no longer this claim's.
 */
async function quotaUsedUp(deps: CopyDeps, run: RunRecord, item: ItemRow, abandon?: Destination): Promise<boolean> {
  const session = await transaction(deps.db, async (c) => {
    const held = await runState.giveBack(c, run.userId, run.id, item, 'quota', Boolean(abandon));
    if (held === undefined) return undefined;
    await deps.notifier.quotaUsedUp(c, run.userId, run.id, usagePeriod(deps.timing.now()).start);
    return held;
  });
  if (session === undefined) return false;
  if (abandon) await abandon.abandon?.(session).catch(() => {});
  return true;
}

/**
 * Traffic reserved for one item as its bytes stream: bytes past what is reserved go on only once a
 * top-up is reserved, so an item whose size the source did not tell (some photo services)
 * cannot take the user past the limit. When one does not fit, `signal` aborts the copy.
 */
class TrafficMeter {
  /** What the item holds now, as the database has it once close() returned. */
  reserved: number;
  private readonly quota = new AbortController();
  private topping: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly db: Db;
  private readonly userId: string;
  private readonly item: ItemRow;
  private readonly claim: Claim;
  private readonly period: Date;
  private readonly leaseSeconds: number;
  constructor(
    db: Db,
    userId: string,
    item: ItemRow,
    claim: Claim,
    period: Date,
    reserved: number,
    leaseSeconds: number,
  ) {
    this.db = db;
    this.userId = userId;
    this.item = item;
    this.claim = claim;
    this.period = period;
    this.reserved = reserved;
    this.leaseSeconds = leaseSeconds;
  }

  get signal(): AbortSignal {
    return this.quota.signal;
  }

  /**
   * The item's bytes from `offset`, each chunk let through once the traffic up to its end is
   * reserved, and their end once the claim is sure to hold the item still (confirmHeld). A source
   * that reads into an upload's buffers (READ_INTO) keeps doing so, through the same gate.
   */
  gate(stream: Readable, offset: number): Readable {
    let at = offset;
    const pass = (n: number): Promise<void> | undefined => {
      at += n;
      if (at <= this.reserved) return undefined;
      const topping = this.reserve(at);
      this.topping = topping;
      return topping;
    };
    const end = () => confirmHeld(this.db, this.item.id, this.claim, this.leaseSeconds);
    const gate = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        const topping = pass(chunk.length);
        if (!topping) return done(null, chunk);
        topping.then(() => done(null, chunk), done);
      },
      flush: (done) => {
        end().then(() => done(), done);
      },
    });
    const into = readIntoOf(stream);
    if (!into) return pipeline(stream, gate, () => {});
    // The source is piped in only once the gate is read as a stream: an upload that reads into its
    // buffers never does, and would otherwise see the stream read ahead and counted with its bytes.
    let piped = false;
    const readAsStream = gate._read.bind(gate);
    gate._read = (size) => {
      if (!piped) pipeline(stream, gate, () => {});
      piped = true;
      readAsStream(size);
    };
    gate.once('close', () => piped || stream.destroy());
    // Unpiped, the source's own error (its abort, when the run is cancelled) has no listener, and
    // one would end the process; the reads report it (cancel in test/browser/runs crashed Ferry).
    stream.on('error', () => {});
    const readInto: ReadInto = async (buf) => {
      const n = await into(buf);
      await (n === 0 ? end() : pass(n));
      return n;
    };
    return Object.assign(gate, { [READ_INTO]: readInto });
  }

  private async reserve(upTo: number): Promise<void> {
    if (this.closed) throw new Error('The copy of this item has ended.');
    const need = upTo - this.reserved;
    const take = async (bytes: number) => {
      const got = await runState.topUp(this.db, this.userId, this.item, this.period, bytes);
      if (got === 'ok') this.reserved += bytes;
      return got;
    };
    // A step ahead, so most chunks go through without asking; just what is needed near the limit.
    let got = await take(Math.max(need, TOP_UP_BYTES));
    if (got === 'full' && need < TOP_UP_BYTES) got = await take(need);
    if (got === 'ok') return;
    // Not this claim's item any more: it drops out quietly (not a quota that ran out).
    if (got === 'lost') throw lose(this.claim);
    const err = new CloudError(
      'failed',
      'The monthly traffic quota was used up while this item was copied; ' +
        "it is copied by the run after the quota's renewal.",
    );
    this.quota.abort(err);
    throw err;
  }

  /** No more top-ups; waits for the one under way, so `reserved` is what the item holds. */
  async close(): Promise<void> {
    this.closed = true;
    await this.topping.catch(() => {});
  }
}

/** Where an item's copy goes, and whether its upload may replace a file there. */
interface Target {
  path: string;
  mode: 'create' | 'replace';
}

/** Where the copy goes: what the plan saw at the destination, and the task's conflict policy. */
async function resolveTarget(
  run: RunRecord,
  source: Source,
  destination: Destination,
  item: ItemRow,
  signal: AbortSignal,
  db: Db,
  timing: Timing,
): Promise<Outcome | Target> {
  // Our own earlier copy of this item, kept as a version when the task keeps them; else replaced
  // (and so is the reduced copy an original supersedes).
  if (item.replaces_own && keepsVersions(run)) {
    if (await keepVersion(run, destination, item, signal, db, timing)) return { path: item.dest_path, mode: 'create' };
  }
  if (item.replaces_own) return { path: item.dest_path, mode: 'replace' };
  // Resuming our own upload, as it was started (a renamed copy's path is dest_path by now).
  if (item.upload_state) return { path: item.dest_path, mode: item.upload_mode ?? 'create' };
  // Nothing was there when planned: should a file appear meanwhile, the upload finds it.
  if (!item.dest_exists) return { path: item.dest_path, mode: 'create' };
  return settle(run, source, destination, item, item.dest_path, signal);
}

/**
 * Moves the item's earlier copy at its path to the backup's versions folder, on the server, and
 * records the move at once (the file's newest row in `copies` points at the version): the new copy
 * then goes to the path with mode 'create', and so never over the old bytes. Idempotent: a newest row
 * already at a version path (an earlier attempt moved it, then died) is not moved again, and nothing
 * at the path (not_found) is nothing to keep. False when this item's earlier copy is not one the
 * history knows of (the reduced copy an original supersedes, a copy older than the history): it is
 * replaced as before.
 */
async function keepVersion(
  run: RunRecord,
  destination: Destination,
  item: ItemRow,
  signal: AbortSignal,
  db: Db,
  timing: Timing,
): Promise<boolean> {
  const at = await newestCopy(db, run.taskId, item.source_id);
  if (at !== item.dest_path) {
    // Moved by an earlier attempt (a source's own file may be under a folder named like the versions'
    // one, a backup of a backup: its copy at its own path is moved as any other).
    return Boolean(at?.startsWith(versionsRoot(run.backup.path)));
  }
  if (!destination.move)
    throw new CloudError(
      'invalid_options',
      'This destination cannot move files, so it cannot keep versions: turn the task’s versions off.',
    );
  const to = versionPath(run.backup.path, item.dest_path, timing.now());
  try {
    await destination.move(item.dest_path, to, signal);
  } catch (err) {
    if (err instanceof CloudError && err.reason === 'not_found') return true; // nothing there to keep
    throw err;
  }
  await versionMoved(db, run.taskId, item.source_id, item.dest_path, to);
  return true;
}

/**
 * A file may be at `at` (the plan listed one, or put() found one): whether it is this very
 * content, and else the task's conflict policy, decide what becomes of the copy. Only the
 * overwrite policy replaces it.
 */
async function settle(
  run: RunRecord,
  source: Source,
  destination: Destination,
  item: ItemRow,
  at: string,
  signal: AbortSignal,
): Promise<Outcome | Target> {
  const existing = await destination.stat(at, signal);
  if (!existing) return { path: at, mode: 'create' };
  if (
    (item.size === null || existing.size === item.size) &&
    (await sameContent(source, destination, item, at, signal))
  ) {
    // Nothing was there when planned, and an earlier claim of this item was cut off (its worker
    // killed or frozen) after its upload and before its record: the copy is this run's own.
    if (item.attempts > 1 && !item.dest_exists) return { kind: 'done', bytes: existing.size, destPath: at };
    // Else it was there before: the same bytes, so nothing to copy.
    return {
      kind: 'skipped',
      reason: 'An identical file is already at the destination.',
      destPath: at,
      identical: true,
    };
  }
  switch (run.options.conflict) {
    case 'skip':
      return {
        kind: 'skipped',
        reason: 'A different file already exists at the destination (conflict policy: skip).',
        destPath: at,
      };
    case 'overwrite':
      return { path: at, mode: 'replace' };
    case 'rename': {
      // The next free name of the item's own name: a claim that resumes a copy renamed by an earlier
      // claim (dest_path "name (1).jpg" by now) goes on to "name (2).jpg", not "name (1) (1).jpg".
      const own = destinationPath(
        { path: item.path, modifiedAt: item.modified_at?.toISOString() },
        run.destination.path,
        run.options.layout,
      );
      const base = renamedFrom(own, item.dest_path) ? own : item.dest_path;
      for (let n = 1; n < 1000; n++) {
        const candidate = renamed(base, n);
        if (!(await destination.stat(candidate, signal))) return { path: candidate, mode: 'create' };
      }
      return { kind: 'failed', reason: 'No free name found for the renamed copy.' };
    }
  }
}

/**
 * Whether the file at `at` is the item's content: the destination's own hash of it, against the
 * hash of the same kind of the item (the one its listing gave, else computed by reading it once).
 * False whenever either side cannot tell: never identical when unsure.
 */
async function sameContent(
  source: Source,
  destination: Destination,
  item: ItemRow,
  at: string,
  signal: AbortSignal,
): Promise<boolean> {
  if (!destination.hashOf) return false;
  // A destination that computes its hash by reading the file computes one the listing gave, if any.
  const listed = (Object.keys(item.hashes) as HashKind[]).find((k) => item.hashes[k] && hasherFor(k));
  // Unknown may mean replaced while read (S3 answers 412 to a read of the object headed): a claim
  // that lost this item to us, woken from a freeze, completing its upload of these same bytes. The
  // file there now is read once more, so that our own copy is not taken for someone else's.
  const theirs = (await destination.hashOf(at, signal, listed)) ?? (await destination.hashOf(at, signal, listed));
  if (!theirs) return false;
  let ours = item.hashes[theirs.kind];
  if (!ours) {
    if (!hasherFor(theirs.kind)) return false; // a multipart ETag: not computable from the bytes
    ours = (await hashStream(
      theirs.kind,
      await source.open({ id: item.source_id, size: item.size ?? undefined, version: item.version }, { signal }),
    ))!;
  }
  return sameHash(theirs.kind, ours, theirs.value);
}

async function transfer(
  run: RunRecord,
  source: Source,
  destination: Destination,
  item: ItemRow,
  claim: Claim,
  signal: AbortSignal,
  progress: (bytes: number) => void,
  db: Db,
  meter: TrafficMeter,
  timing: Timing,
): Promise<Outcome> {
  // Every write to the item's row is this claim's only while it holds the item.
  const held = async (written: Promise<boolean>) => {
    if (!(await written)) throw lose(claim);
  };
  let target = await resolveTarget(run, source, destination, item, signal, db, timing);

  let state: unknown = item.upload_state;
  let mode = item.upload_mode;
  const checkpoint: Checkpoint = {
    get state() {
      return state;
    },
    async save(next) {
      state = next;
      // The session's mode goes with it: a resumed upload replaces a file only if it was meant to.
      await held(runState.saveUpload(db, item, next, mode));
    },
  };
  const dropSession = async () => {
    if (!state) return;
    // Let go only while the session is this claim's: a claim that took the item over resumes it.
    await held(runState.dropUpload(db, item));
    await destination.abandon?.(state).catch(() => {});
    state = null;
  };

  // The source may wait before it gives the bytes (a video still being processed): the item's row
  // says so while it does. Written in order, and only while the item is being copied.
  let waits: Promise<unknown> = Promise.resolve();
  const onWaiting = (wait: { reason: string; until: string } | null) => {
    waits = waits.then(() => runState.waiting(db, item, wait)).catch(() => {});
  };
  const open = async (offset: number) =>
    meter.gate(
      await source.open(
        { id: item.source_id, size: item.size ?? undefined, version: item.version },
        { offset, signal, onWaiting },
      ),
      offset,
    );

  const upload = async (to: Target): Promise<Outcome> => {
    mode = to.mode;
    for (let attempt = 0; ; attempt++) {
      try {
        const stored = await destination.put(to.path, open, {
          mode: to.mode,
          size: item.size ?? undefined,
          // The source's own md5, where it has one: the destination refuses to commit other bytes
          // (a truncated or damaged download), so a good earlier copy is never replaced by them.
          expectedMd5: item.hashes.md5,
          modifiedAt: item.modified_at?.toISOString(),
          // The task's Object Lock (S3): nobody can delete or overwrite this copy for its days from now.
          retention: run.options.objectLock && {
            mode: run.options.objectLock.mode,
            until: new Date(timing.now().getTime() + run.options.objectLock.days * 86_400_000),
          },
          signal,
          checkpoint,
          onProgress: progress,
        });
        if (item.size !== null && stored.size !== item.size) {
          throw new CloudError('corrupt', `The destination stored ${stored.size} bytes of ${item.size}.`);
        }
        return {
          kind: 'done',
          bytes: stored.size,
          destPath: to.path,
          hash: stored.hash ? `${stored.hash.kind}:${stored.hash.value}` : undefined,
        };
      } catch (err) {
        // What was uploaded does not match: never resume from it.
        if (err instanceof CloudError && err.reason === 'corrupt') await dropSession();
        if (signal.aborted || !retryable(err) || attempt + 1 >= ITEM_ATTEMPTS) {
          if (!signal.aborted) await dropSession();
          throw err;
        }
        await sleep(backoffMs(attempt, timing.itemRetryMs.first, timing.itemRetryMs.max), signal);
      }
    }
  };

  try {
    for (let conflicts = 0; ; conflicts++) {
      if (!('path' in target)) return target;
      if (target.path !== item.dest_path) await held(runState.retarget(db, item, target.path));
      try {
        return await upload(target);
      } catch (err) {
        // A file appeared at the path after the plan or settle() looked: put() left it as it was,
        // and the policy decides again now that one is there.
        if (
          !(err instanceof CloudError && err.reason === 'exists') ||
          target.mode === 'replace' ||
          conflicts + 1 >= MAX_CONFLICTS
        )
          throw err;
        target = await settle(run, source, destination, item, target.path, signal);
      }
    }
  } finally {
    await waits;
  }
}

/**
 * Records an item's outcome (see run-state.ts: record); an original that was copied also takes the
 * place of the reduced copy it supersedes, in the same transaction (see supersede.ts). `recorded`:
 * whether this claim still held the item; `removeSuperseded`: whether the reduced copy's file goes.
 */
async function record(
  db: Db,
  run: RunRecord,
  item: ItemRow,
  outcome: Outcome,
  period: Date,
  reserved: number,
): Promise<{ recorded: boolean; removeSuperseded: boolean }> {
  const destPath = outcome.kind === 'failed' ? item.dest_path : outcome.destPath;
  const charged = outcome.kind === 'done' ? outcome.bytes : 0;
  // Only a backup's copies are the task's: a restore's and a verification's items leave its manifest be.
  const inManifest =
    run.kind === 'backup' && (outcome.kind === 'done' || (outcome.kind === 'skipped' && outcome.identical === true));
  const values: runState.Outcome = {
    item,
    status: outcome.kind,
    destPath,
    error: outcome.kind === 'done' ? null : outcome.reason,
    charged,
    size: item.size ?? charged,
    userId: run.userId,
    runId: run.id,
    period,
    reserved,
    manifest: inManifest
      ? {
          taskId: run.taskId,
          sourceId: item.source_id,
          sourceSize: item.size,
          sourceMtime: item.modified_at,
          sourceVersion: item.version,
          destHash: outcome.kind === 'done' ? (outcome.hash ?? null) : null,
          fidelity: item.fidelity,
          identity: item.identity,
          path: inBackup(run.backup.path, destPath),
          sourcePath: item.path,
        }
      : null,
  };
  const supersedes = outcome.kind === 'done' ? item.supersedes : null;
  const done = !supersedes
    ? { recorded: await runState.record(db, values), removeSuperseded: false }
    : await transaction(db, async (c) => {
        if (!(await runState.record(c, values))) return { recorded: false, removeSuperseded: false };
        const by = { taskId: run.taskId, sourceId: item.source_id, destPath };
        return { recorded: true, removeSuperseded: await markSuperseded(c, by, supersedes, run.destination.cloudId) };
      });
  if (done.recorded) metrics.itemRecorded(outcome.kind, charged, outcome.kind === 'failed' ? outcome.code : undefined);
  return done;
}
