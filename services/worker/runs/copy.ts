// Copying a run's items. Per item: take a lease on it, reserve quota, settle what is at
// the destination already, stream source → destination (the destination checks its own hash, and
// the source's where it has one, before it commits), then record the verified copy in one statement: item
// done, manifest, quota charged, run counters. A failing item is retried with backoff and, when it
// stays failed, recorded with its reason while the others go on.
// An upload never replaces a file unless replacing is meant (our own earlier copy, the overwrite
// policy): a file that appears at the path after the plan looked is left as it is, and the conflict
// policy decides again (settle).
import { pipeline, Transform, type Readable } from 'node:stream';
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { backoffMs, sleep } from '../../../connectors/pacer.ts';
import { hashStream, hasherFor, sameHash } from '../../../connectors/hashes.ts';
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
import { reserveTraffic, settleTraffic, topUpTraffic } from '../../core/quota.ts';
import { failRun, loadRun, openEnds, type RunRecord } from './context.ts';
import { destinationPath, renamed, renamedFrom } from './select.ts';

/** Items copied at once by one copy job, unless the destination asks for more (features.itemsInParallel). */
const ITEMS_IN_PARALLEL = 4;
/** Copy jobs a run starts with: they share its items, on whichever workers pick them up. */
export const COPY_JOBS_PER_RUN = 4;
/** Attempts per item, within one claim, before it is recorded as failed. */
const ITEM_ATTEMPTS = 3;
/** Claims of one item (each after a worker died or stopped holding it) before it is given up. */
const MAX_CLAIMS = 10;
/** A lease outlives a dead worker by this much; a live one renews it every second. */
const LEASE_SECONDS = 20;
const TICK_MS = 1000;
/** An item of unknown size reserves traffic in steps of this much as its bytes stream (less near the limit). */
const TOP_UP_BYTES = 4 * 1024 * 1024;
/** Files that appear, one after the other, at the paths an item's upload tries, before it gives up. */
const MAX_CONFLICTS = 5;

export interface CopyDeps {
  db: Db;
  boss: PgBoss;
  clouds: Clouds;
  notifier: Notifier;
  log: Logger;
}

interface ItemRow {
  id: string;
  source_id: string;
  path: string;
  size: number | null;
  modified_at: Date | null;
  version: string;
  hashes: Record<string, string>;
  dest_path: string;
  replaces_own: boolean;
  dest_exists: boolean;
  upload_state: unknown;
  /** The mode the upload session in upload_state was started with. */
  upload_mode: 'create' | 'replace' | null;
  reserved_bytes: number;
  reserved_period: Date | null;
  /** Which attempt this claim is: the claim's proof of ownership when recording. */
  attempts: number;
  fidelity: 'original' | 'reduced';
  identity: string | null;
  /** The reduced copy (a Picker copy) of the same photo this original replaces, if any. */
  supersedes: { taskId: string; sourceId: string; destPath: string } | null;
}

type Outcome =
  | { kind: 'done'; bytes: number; destPath: string; hash?: string }
  /** identical: the destination holds these very bytes already; recorded in the manifest as a copy. */
  | { kind: 'skipped'; reason: string; destPath: string; identical?: boolean }
  | { kind: 'failed'; reason: string };

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

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
      if (claims.length) {
        // Only the claims that still hold their item renew it; one that no longer does drops out.
        const { rows } = await db.query<{ id: string }>(
          `UPDATE run_items i SET lease_until = now() + make_interval(secs => $4), progress_bytes = p.bytes
             FROM unnest($1::bigint[], $2::bigint[], $3::int[]) AS p(id, bytes, attempts)
            WHERE i.id = p.id AND i.status = 'copying' AND i.attempts = p.attempts
            RETURNING i.id`,
          [claims.map(([id]) => id), claims.map(([, c]) => c.bytes), claims.map(([, c]) => c.attempts), LEASE_SECONDS],
        );
        const held = new Set(rows.map((r) => String(r.id)));
        for (const [id, claim] of claims) if (!held.has(String(id)) && inFlight.get(id) === claim) lose(claim);
      }
      const { rows } = await db.query('SELECT status FROM runs WHERE id = $1', [runId]);
      if (rows[0]?.status !== 'running') stop.abort(new Stop(true));
    })().catch((err) => deps.log.warn({ err, runId }, 'progress tick failed'));
  }, TICK_MS);

  // Once an item did not fit in the quota, no job of the run claims more: the rest waits for the next run.
  let quotaHit = run.quotaHit;
  // Once the destination said it takes nothing more for a while, the run waits for it (parked).
  let parked: Parked | undefined;
  await db.query(`UPDATE runs SET error = NULL WHERE id = $1 AND status = 'running' AND error IS NOT NULL`, [runId]); // back from a park
  try {
    // If one lane fails (the database, say), the others are stopped and awaited before the job
    // fails, so no item is left copying under a lease nobody renews.
    const lanes = await Promise.allSettled(
      Array.from(
        { length: run.sequential ? 1 : (ends.destinationFeatures.itemsInParallel ?? ITEMS_IN_PARALLEL) },
        async () => {
          try {
            while (!stop.signal.aborted && !quotaHit && !parked) {
              const item = await claimNext(db, runId);
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
    signal.removeEventListener('abort', onShutdown);
  }
  if (signal.aborted) throw new Error('worker shut down before the run was copied; it will be taken up again');
  if (parked) return park(deps, run, parked);
  await maybeFinalize(deps, runId);
}

/**
 * The destination takes nothing more before `until` (Google Drive's 750 GB a day): rather than
 * burn retries, the run waits, says so, and a copy job is queued for then.
 */
async function park(deps: CopyDeps, run: RunRecord, p: Parked): Promise<void> {
  const message = `Paused until ${p.until.toISOString()}: ${p.why} The run carries on by itself then.`;
  // The job first: whoever reads the message can count on the run carrying on.
  await deps.boss.sendAfter(
    QUEUES.runCopy,
    { runId: run.id },
    { group: { id: run.userId }, singletonKey: `park-${run.id}`, singletonSeconds: 60 },
    p.until,
  );
  await deps.db.query(`UPDATE runs SET error = $2 WHERE id = $1 AND status = 'running'`, [run.id, message]);
  deps.log.info({ runId: run.id, until: p.until }, 'run parked until the destination takes uploads again');
}

/**
 * Once this job finds nothing left to claim: queues the finalize job when nothing is left to copy
 * (or the quota ran out), or else a look again once leases could have run out, in case the
 * workers holding (or meant to take) the rest died.
 */
export async function maybeFinalize(deps: Pick<CopyDeps, 'db' | 'boss'>, runId: string): Promise<void> {
  const { rows } = await deps.db.query<{ copying: number; pending: number; quota: boolean; user_id: string }>(
    // Once the quota ran out nobody claims the rest, so an item whose holder died (its lease ran
    // out) is not at work: finalize puts it back with the others that wait for the next run.
    `WITH r AS (SELECT quota_hit_at IS NOT NULL AS quota, user_id FROM runs WHERE id = $1)
     SELECT count(*) FILTER (WHERE i.status = 'copying' AND (NOT r.quota OR i.lease_until >= now()))::int AS copying,
            count(*) FILTER (WHERE i.status = 'pending')::int AS pending, r.quota, r.user_id
       FROM r LEFT JOIN run_items i ON i.run_id = $1 GROUP BY r.quota, r.user_id`,
    [runId],
  );
  const r = rows[0];
  if (r.copying === 0 && (r.pending === 0 || r.quota)) {
    await deps.boss.send(QUEUES.runFinalize, { runId });
  } else {
    await deps.boss.sendAfter(
      QUEUES.runCopy,
      { runId },
      { group: { id: r.user_id }, singletonKey: `sweep-${runId}`, singletonSeconds: LEASE_SECONDS },
      LEASE_SECONDS,
    );
  }
}

/** Takes the run's next item that is pending, or whose holder's lease ran out (a dead worker's). */
async function claimNext(db: Db, runId: string): Promise<ItemRow | undefined> {
  const { rows } = await db.query<ItemRow>(
    `UPDATE run_items SET status = 'copying', attempts = attempts + 1, lease_until = now() + make_interval(secs => $2), updated_at = now()
      WHERE id = (SELECT id FROM run_items WHERE run_id = $1 AND (status = 'pending' OR (status = 'copying' AND lease_until < now()))
                   ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id, source_id, path, size, modified_at, version, hashes, dest_path, replaces_own, dest_exists, upload_state, upload_mode, reserved_bytes, reserved_period,
                attempts, fidelity, identity, supersedes`,
    [runId, LEASE_SECONDS],
  );
  return rows[0];
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
    await record(db, run, item, { kind: 'failed', reason }, item.reserved_period ?? new Date(), item.reserved_bytes);
    return;
  }
  const claim: Claim = { attempts: item.attempts, bytes: 0, lost: new AbortController() };
  inFlight.set(item.id, claim);
  try {
    // Quota: reserved once per item (a resumed item keeps its reservation); an item whose size is
    // not known reserves more as its bytes stream (TrafficMeter).
    let period = item.reserved_period;
    let reserved = item.reserved_bytes;
    if (!period) {
      const bytes = item.size ?? 0;
      const got = await reserveTraffic(db, run.userId, item.id, item.attempts, bytes);
      if (got === 'lost') return;
      if (got === 'full') return (await quotaUsedUp(deps, run, item)) ? 'quota' : undefined;
      period = got;
      reserved = bytes;
    }
    const meter = new TrafficMeter(db, run.userId, item, claim, period, reserved);
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
          const session = await transaction(db, async (c) => {
            const { rows } = await c.query<{ upload_state: unknown }>(
              `UPDATE run_items i SET status = 'pending', upload_state = NULL, upload_mode = NULL, lease_until = NULL, reserved_bytes = 0, reserved_period = NULL
                 FROM (SELECT upload_state FROM run_items WHERE id = $1 FOR UPDATE) old
                WHERE i.id = $1 AND i.status = 'copying' AND i.attempts = $2
               RETURNING old.upload_state`,
              [item.id, item.attempts],
            );
            if (!rows[0]) return undefined;
            await settleTraffic(c, run.userId, period!, meter.reserved, 0);
            return rows[0].upload_state ?? null;
          });
          if (session !== undefined) await destination.abandon?.(session).catch(() => {});
        } else {
          // Shutting down: leave the item and its upload session for the next worker.
          await db.query(
            `UPDATE run_items SET status = 'pending', lease_until = NULL WHERE id = $1 AND status = 'copying' AND attempts = $2`,
            [item.id, item.attempts],
          );
        }
        return;
      }
      if (err instanceof CloudError && err.reason === 'rate_limited') {
        // Not a failure of the item: it waits (with its upload session) until the destination takes
        // uploads again; its reservation is let go meanwhile and the claim does not count.
        await transaction(db, async (c) => {
          const { rowCount } = await c.query(
            `UPDATE run_items SET status = 'pending', lease_until = NULL, attempts = greatest(attempts - 1, 0), reserved_bytes = 0, reserved_period = NULL
              WHERE id = $1 AND status = 'copying' AND attempts = $2`,
            [item.id, item.attempts],
          );
          if (rowCount) await settleTraffic(c, run.userId, period!, meter.reserved, 0);
        });
        return { until: err.retryAt ?? new Date(Date.now() + 3600_000), why: err.message };
      }
      outcome = { kind: 'failed', reason: describe(err) };
      refused = err instanceof CloudError && err.reason === 'unauthorized';
    }
    await meter.close();
    const { recorded, removeSuperseded } = await record(db, run, item, outcome, period!, meter.reserved);
    if (
      removeSuperseded &&
      outcome.kind === 'done' &&
      item.supersedes &&
      item.supersedes.destPath !== outcome.destPath
    ) {
      // The original is in place: the reduced copy it supersedes, elsewhere at this destination, goes.
      await destination
        .remove?.(item.supersedes.destPath, signal)
        .catch((err) =>
          deps.log.warn({ err, runId: run.id, path: item.supersedes?.destPath }, 'could not remove a superseded copy'),
        );
    }
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
    const { rows } = await c.query<{ reserved_period: Date | null; reserved_bytes: number; upload_state: unknown }>(
      `UPDATE run_items i SET status = 'pending', lease_until = NULL, reserved_bytes = 0, reserved_period = NULL,
              upload_state = CASE WHEN $3 THEN NULL ELSE i.upload_state END, upload_mode = CASE WHEN $3 THEN NULL ELSE i.upload_mode END
         FROM (SELECT reserved_period, reserved_bytes, upload_state FROM run_items WHERE id = $1 FOR UPDATE) old
        WHERE i.id = $1 AND i.status = 'copying' AND i.attempts = $2
       RETURNING old.reserved_period, old.reserved_bytes, old.upload_state`,
      [item.id, item.attempts, Boolean(abandon)],
    );
    if (!rows[0]) return undefined;
    await c.query(`UPDATE runs SET quota_hit_at = coalesce(quota_hit_at, now()) WHERE id = $1`, [run.id]);
    if (rows[0].reserved_period)
      await settleTraffic(c, run.userId, rows[0].reserved_period, Number(rows[0].reserved_bytes), 0);
    await deps.notifier.quotaUsedUp(c, run.userId, run.id, usagePeriod().start);
    return rows[0].upload_state ?? null;
  });
  if (session === undefined) return false;
  if (abandon) await abandon.abandon?.(session).catch(() => {});
  return true;
}

/**
 * Traffic reserved for one item as its bytes stream: bytes past what is reserved go on only once a
 * top-up is reserved, so an item whose size the source did not tell (Google Photos Picker items)
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
  constructor(db: Db, userId: string, item: ItemRow, claim: Claim, period: Date, reserved: number) {
    this.db = db;
    this.userId = userId;
    this.item = item;
    this.claim = claim;
    this.period = period;
    this.reserved = reserved;
  }

  get signal(): AbortSignal {
    return this.quota.signal;
  }

  /** The item's bytes from `offset`, each chunk let through once the traffic up to its end is reserved. */
  gate(stream: Readable, offset: number): Readable {
    let at = offset;
    const gate = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        at += chunk.length;
        if (at <= this.reserved) return done(null, chunk);
        const topping = this.reserve(at);
        this.topping = topping;
        topping.then(() => done(null, chunk), done);
      },
    });
    return pipeline(stream, gate, () => {});
  }

  private async reserve(upTo: number): Promise<void> {
    if (this.closed) throw new Error('The copy of this item has ended.');
    const need = upTo - this.reserved;
    const take = async (bytes: number) => {
      const got = await topUpTraffic(this.db, this.userId, this.item.id, this.claim.attempts, this.period, bytes);
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
      "The monthly traffic quota was used up while this item was copied; it is copied by the run after the quota's renewal.",
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
): Promise<Outcome | Target> {
  // Our own earlier copy of this item, or the reduced copy this original supersedes: replaced.
  if (item.replaces_own) return { path: item.dest_path, mode: 'replace' };
  // Resuming our own upload, as it was started (a renamed copy's path is dest_path by now).
  if (item.upload_state) return { path: item.dest_path, mode: item.upload_mode ?? 'create' };
  // Nothing was there when planned: should a file appear meanwhile, the upload finds it.
  if (!item.dest_exists) return { path: item.dest_path, mode: 'create' };
  return settle(run, source, destination, item, item.dest_path, signal);
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
    // Often our own copy from an attempt that was cut off before it was recorded.
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
  const theirs = await destination.hashOf(at, signal, listed);
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
): Promise<Outcome> {
  // Every write to the item's row is this claim's only while it holds the item.
  const held = async (sql: string, params: unknown[]) => {
    const { rowCount } = await db.query(`${sql} AND status = 'copying' AND attempts = $${params.length + 1}`, [
      ...params,
      claim.attempts,
    ]);
    if (!rowCount) throw lose(claim);
  };
  let target = await resolveTarget(run, source, destination, item, signal);

  let state: unknown = item.upload_state;
  let mode = item.upload_mode;
  const checkpoint: Checkpoint = {
    get state() {
      return state;
    },
    async save(next) {
      state = next;
      // The session's mode goes with it: a resumed upload replaces a file only if it was meant to.
      await held('UPDATE run_items SET upload_state = $2, upload_mode = $3 WHERE id = $1', [
        item.id,
        JSON.stringify(next),
        mode,
      ]);
    },
  };
  const dropSession = async () => {
    if (!state) return;
    // Let go only while the session is this claim's: a claim that took the item over resumes it.
    await held('UPDATE run_items SET upload_state = NULL, upload_mode = NULL WHERE id = $1', [item.id]);
    await destination.abandon?.(state).catch(() => {});
    state = null;
  };

  // The source may wait before it gives the bytes (a video still being processed): the item's row
  // says so while it does. Written in order, and only while the item is being copied.
  let waits: Promise<unknown> = Promise.resolve();
  const onWaiting = (wait: { reason: string; until: string } | null) => {
    waits = waits
      .then(() =>
        db.query(
          `UPDATE run_items SET waiting = $2, waiting_until = $3 WHERE id = $1 AND status = 'copying' AND attempts = $4`,
          [item.id, wait?.reason ?? null, wait?.until ?? null, claim.attempts],
        ),
      )
      .catch(() => {});
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
        await sleep(backoffMs(attempt, 1000, 15_000), signal);
      }
    }
  };

  try {
    for (let conflicts = 0; ; conflicts++) {
      if (!('path' in target)) return target;
      if (target.path !== item.dest_path)
        await held('UPDATE run_items SET dest_path = $2 WHERE id = $1', [item.id, target.path]);
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
 * Records an item's outcome: its row, the manifest (for a verified copy, or an identical file
 * found in place), the quota (charged for what was copied, released otherwise) and the run's
 * counters. One statement, so one round trip and one commit per file, all or nothing.
 */
async function record(
  db: Db,
  run: RunRecord,
  item: ItemRow,
  outcome: Outcome,
  period: Date,
  reserved: number,
): Promise<{ recorded: boolean; removeSuperseded: boolean }> {
  const status = outcome.kind;
  const manifest = outcome.kind === 'done' || (outcome.kind === 'skipped' && outcome.identical);
  const destPath = outcome.kind === 'failed' ? item.dest_path : outcome.destPath;
  const charged = outcome.kind === 'done' ? outcome.bytes : 0;
  const size = item.size ?? charged;
  const counters = {
    done: 'done_items = done_items + 1, done_bytes = done_bytes + $9',
    skipped: 'skipped_items = skipped_items + 1, skipped_bytes = skipped_bytes + $9',
    failed: 'failed_items = failed_items + 1',
  }[status];
  // Only the attempt that holds the item records it: a worker whose lease ran out and was taken
  // over changes nothing, so nothing is counted or charged twice.
  const { rows } = await db.query<{ remove_superseded: number }>(
    `WITH item AS (
       UPDATE run_items SET status = $2, dest_path = $3, error = $4, progress_bytes = CASE WHEN $2 = 'done' THEN $9 ELSE progress_bytes END,
              upload_state = NULL, upload_mode = NULL, waiting = NULL, waiting_until = NULL, lease_until = NULL, updated_at = now()
        WHERE id = $1 AND status = 'copying' AND attempts = $18 RETURNING id),
     copy AS (
       INSERT INTO manifest (task_id, source_id, source_size, source_mtime, source_version, dest_path, dest_hash, fidelity, identity)
       SELECT $10, $11, $12, $13, $14, $3, $15, $19, $20 FROM item WHERE $16
       ON CONFLICT (task_id, source_id) DO UPDATE SET source_size = $12, source_mtime = $13, source_version = $14, dest_path = $3, dest_hash = $15,
              fidelity = $19, identity = $20, copied_at = now()),
     superseded AS (
       UPDATE manifest SET fidelity = 'superseded',
              superseded_by = jsonb_build_object('taskId', $10::uuid, 'sourceId', $11::text, 'destPath', $3::text, 'at', now())
        WHERE $2 = 'done' AND task_id = ($21::jsonb->>'taskId')::uuid AND source_id = $21::jsonb->>'sourceId' AND fidelity = 'reduced'
          AND EXISTS (SELECT 1 FROM item)
       RETURNING dest_path),
     quota AS (
       INSERT INTO usage AS g (user_id, period_start, used_bytes) SELECT $5, $6, $8 FROM item
       ON CONFLICT (user_id, period_start) DO UPDATE SET reserved_bytes = greatest(0, g.reserved_bytes - $7), used_bytes = g.used_bytes + $8)
     UPDATE runs SET ${counters} WHERE id = $17 AND EXISTS (SELECT 1 FROM item)
     RETURNING
       -- The superseded copy's file may go: this copy marked it, and no other copy in any manifest
       -- at this destination lies at its path (a copy written over it there, say).
       (SELECT count(*) FROM superseded s WHERE NOT EXISTS (
          SELECT 1 FROM manifest m JOIN tasks t ON t.id = m.task_id
           WHERE t.destination_cloud_id = $22 AND m.dest_path = s.dest_path AND m.fidelity <> 'superseded'
             AND NOT (m.task_id = ($21::jsonb->>'taskId')::uuid AND m.source_id = $21::jsonb->>'sourceId')))::int AS remove_superseded`,
    [
      item.id,
      status,
      destPath,
      outcome.kind === 'done' ? null : outcome.reason,
      run.userId,
      period,
      reserved,
      charged,
      size,
      run.taskId,
      item.source_id,
      item.size,
      item.modified_at,
      item.version,
      outcome.kind === 'done' ? (outcome.hash ?? null) : null,
      manifest,
      run.id,
      item.attempts,
      item.fidelity,
      item.identity,
      item.supersedes ? JSON.stringify(item.supersedes) : null,
      run.destination.cloudId,
    ],
  );
  return { recorded: rows.length > 0, removeSuperseded: rows[0]?.remove_superseded > 0 };
}
