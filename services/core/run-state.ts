// The one home of a run's and its items' state: every write of `runs` and `run_items` is one of the
// named transitions below, so what a status may become, and what goes with it (a lease, a quota
// reservation, a counter, a job), is read in one place. Reads stay with their readers.
//
// An item is claimed by one copy job at a time: `attempts` counts the claims, and a claim proves it
// still holds its item by the attempt it took (see Held). A claim whose lease ran out while it still
// worked (another took the item up) changes nothing of the item any more: every transition on a held
// item says whether it still held it.
import type { PgBoss } from 'pg-boss';
import type pg from 'pg';
import { usagePeriod } from './accounts.ts';
import type { Queryable } from './db.ts';
import { inTransaction, QUEUES } from './queues.ts';
import { settleTraffic } from './quota.ts';
import { SNAPSHOT_RUN, TOTALS } from './snapshots.ts';
import * as metrics from './metrics.ts';
import { pathKey } from './path-key.ts';
import type { RunStatus } from './runs.ts';

/** A claim's hold on an item: the item, and which claim of it this is. */
export interface Held {
  id: string;
  attempts: number;
}

// ---- start ----------------------------------------------------------------------------------------

/** What a run does: copies the task's source, restores a point in time of its backup, or verifies it. */
export type RunKind = 'backup' | 'restore' | 'verify';

/** A restore's request, resolved when it is made: the point in time, what of it, and where to. */
export interface RestoreSpec {
  /** The point in time (ISO 8601): the end of the run named, or the time asked for. */
  at: string;
  /** The backup run whose end is `at`, when the restore named one. */
  runId: string | null;
  /** Files or folders of the backup, relative to the task's destination folder; empty: all of it. */
  paths: string[];
  destination: { cloudId: string; path: string };
  conflict: 'skip' | 'overwrite' | 'rename';
}

/**
 * Creates queued runs of the tasks (one unfinished run per task: a task with one already gets none)
 * and their plan jobs, in the caller's transaction. Returns the runs created.
 */
export async function start(
  c: pg.PoolClient,
  boss: PgBoss,
  tasks: Array<{ taskId: string; userId: string }>,
  trigger: 'manual' | 'schedule',
  kind: RunKind = 'backup',
  spec: RestoreSpec | null = null,
): Promise<Array<{ id: string; userId: string }>> {
  if (!tasks.length) return [];
  const { rows } = await c.query<{ id: string; user_id: string }>(
    `INSERT INTO runs (task_id, user_id, trigger, kind, spec)
     SELECT t, u, $3, $4, $5 FROM unnest($1::uuid[], $2::uuid[]) AS x(t, u)
     ON CONFLICT (task_id) WHERE status IN ('queued', 'running') DO NOTHING RETURNING id, user_id`,
    [tasks.map((t) => t.taskId), tasks.map((t) => t.userId), trigger, kind, spec && JSON.stringify(spec)],
  );
  metrics.runStarted(kind, trigger, rows.length);
  // Plan jobs are grouped by user: one user's slow plans wait for each other, not for everyone.
  if (rows.length)
    await boss.insert(
      QUEUES.runPlan,
      rows.map((r) => ({ data: { runId: r.id }, group: { id: r.user_id } })),
      { db: inTransaction(c) },
    );
  return rows.map((r) => ({ id: r.id, userId: r.user_id }));
}

/** The plan job takes the run up: queued → running. False when it was cancelled or ended meanwhile. */
export async function begin(q: Queryable, runId: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE runs SET status = 'running', started_at = coalesce(started_at, now())
      WHERE id = $1 AND status IN ('queued', 'running')`,
    [runId],
  );
  return Boolean(rowCount);
}

/** An item as the plan writes it: what to copy, where to, and whether it is to be copied at all. */
export interface PlannedItem {
  sourceId: string;
  path: string;
  size: number | null;
  modifiedAt: string | null;
  mediaType: string;
  version: string;
  hashes: Record<string, string>;
  destPath: string;
  /** Whatever is at destPath is this task's own earlier copy (or the reduced copy this one supersedes). */
  replacesOwn: boolean;
  /** Something was at destPath when planned (true when the destination cannot list). */
  destExists: boolean;
  fidelity: 'original' | 'reduced';
  identity: string | null;
  supersedes: unknown;
  status: 'pending' | 'skipped' | 'failed';
  error: string | null;
}

/** Writes a batch of the run's items; an item written by an earlier try of the plan stays as it is. */
export async function addItems(q: Queryable, runId: string, items: PlannedItem[]): Promise<void> {
  if (!items.length) return;
  await q.query(
    `INSERT INTO run_items (run_id, source_id, path, size, modified_at, media_type, version, hashes, dest_path,
                            dest_key, replaces_own, dest_exists, fidelity, identity, supersedes, status, error)
     SELECT $1, x.* FROM jsonb_to_recordset($2::jsonb) AS x(
       "sourceId" text, path text, size bigint, "modifiedAt" timestamptz, "mediaType" text, version text, hashes jsonb,
       "destPath" text, "destKey" text, "replacesOwn" boolean, "destExists" boolean, fidelity text, identity text,
       supersedes jsonb, status text, error text)
     ON CONFLICT (run_id, source_id) DO NOTHING`,
    // dest_key: the plan finds the paths it gave by it.
    [runId, JSON.stringify(items.map((i) => ({ ...i, destKey: pathKey(i.destPath) })))],
  );
}

/**
 * A plan that writes this many items has the table's statistics taken (ANALYZE, about 30,000 rows
 * sampled: a fraction of a second, whatever the table's size) when it gets there and when it ends.
 * Until autovacuum next looks, the planner would otherwise take a large run for a few items, and
 * read run_items through whichever index has run_id first: a poll of the run's progress scanned
 * every item of the run (20 ms at 20,000, growing with the run), as did a claim.
 */
export const FRESH_STATISTICS_AT = 10_000;
export const refreshStatistics = (q: Queryable) => q.query('ANALYZE run_items');

/**
 * The plan has written every item: the run's totals, and the items failed or skipped from the start
 * (nothing is copied yet, so these are all of them). Returns the totals.
 */
export async function planned(
  q: Queryable,
  runId: string,
  sequential: boolean,
): Promise<{ items: number; bytes: number }> {
  const { rows } = await q.query<{ n: number; bytes: number }>(
    `UPDATE runs r SET total_items = s.n, total_bytes = s.bytes, failed_items = s.failed, skipped_items = s.skipped,
            skipped_bytes = s.skipped_bytes, planned_at = now(), sequential = $2
       FROM (SELECT count(*)::int AS n, coalesce(sum(size), 0)::bigint AS bytes,
                    count(*) FILTER (WHERE status = 'failed')::int AS failed,
                    count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
                    coalesce(sum(size) FILTER (WHERE status = 'skipped'), 0)::bigint AS skipped_bytes
               FROM run_items WHERE run_id = $1) s
      WHERE r.id = $1 RETURNING s.n, s.bytes`,
    [runId, sequential],
  );
  if (rows[0].n >= FRESH_STATISTICS_AT) await refreshStatistics(q);
  return { items: rows[0].n, bytes: rows[0].bytes };
}

// ---- claim, renew ---------------------------------------------------------------------------------

/** An item as a claim of it holds it. */
export interface ClaimedItem {
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
  /** Which claim this is: the claim's proof of ownership in every later transition. */
  attempts: number;
  fidelity: 'original' | 'reduced';
  identity: string | null;
  /** The reduced copy of the same photo this original supersedes, if any (see supersede.ts). */
  supersedes: { taskId: string; sourceId: string; destPath: string } | null;
}

/**
 * Takes the run's next item: one whose holder's lease ran out (a dead worker's) first, else the next
 * pending one. Two look-ups, each straight down the (run_id, status, id) index: one query with both
 * conditions walked every item of the run already done, and so grew with the run (0.7 s a claim
 * at 600,000 done items, against 0.3 ms this way).
 *
 * The look-up from the start of the run's pending items (a job's first claim, or when none is left
 * past its last) asks for the status as a range and the rows in (status, id) order, not as `status =
 * 'pending' ORDER BY id`: given that, the planner may walk the primary key in id order and filter,
 * which it reckons cheap when the table holds few runs and most items wait (half the rows match, so
 * the first should come at once). But a run's items are one block of ids: the walk crossed every
 * item of the runs before it first, 1.2 s a claim on a second run of 200,000 items. A status range
 * is no constant the planner can drop from the order, so only the (run_id, status, id) index gives
 * that order without sorting the run's rows. (As row comparisons over (run_id, status), a run the
 * statistics did not know yet was read through the (run_id, source_id) index and sorted whole:
 * 300 ms a claim at 20,000 items.) Past the job's last claim the walk of the primary key starts
 * among the run's own items, and is as fast as the index under 32 lanes at once (the range form
 * took 2.5 ms a claim there, this 1.1). Items at work are few, and the statistics say so: that
 * look-up keeps its equalities, which let the planner see it (a row comparison is estimated
 * blindly, and with a filter beside it was planned as a scan of the whole table).
 */
export async function claim(
  q: Queryable,
  runId: string,
  leaseSeconds: number,
  from: { after: string; expired: boolean },
): Promise<ClaimedItem | undefined> {
  // Pending items are looked for past `after` first: an item claimed leaves a dead entry in the
  // status index until vacuum, and a look from the start walked every one of them (22 ms a claim
  // once 100,000 were done). Leases run out only when a claim is lost, so they are looked for when
  // the caller asks (COALESCE evaluates no more arguments than it needs).
  const { rows } = await q.query<ClaimedItem>({
    name: 'runState.claim',
    text: `UPDATE run_items SET status = 'copying', attempts = attempts + 1,
            lease_until = now() + make_interval(secs => $2), updated_at = now()
      WHERE id = coalesce(
              CASE WHEN $4 THEN (SELECT id FROM run_items
                WHERE run_id = $1 AND status = 'copying' AND lease_until < now()
                ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) END,
              CASE WHEN $3::bigint > 0 THEN (SELECT id FROM run_items
                WHERE run_id = $1 AND status = 'pending' AND id > $3::bigint
                ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) END,
              (SELECT id FROM run_items
                WHERE run_id = $1 AND status >= 'pending' AND status <= 'pending'
                ORDER BY status, id LIMIT 1 FOR UPDATE SKIP LOCKED))
      RETURNING id, source_id, path, size, modified_at, version, hashes, dest_path, replaces_own, dest_exists,
                upload_state, upload_mode, reserved_bytes, reserved_period, attempts, fidelity, identity, supersedes`,
    values: [runId, leaseSeconds, from.after, from.expired],
  });
  return rows[0];
}

/**
 * Extends the leases of the claims still holding their items, with their progress; returns the ids
 * of the items still held (a claim missing from it lost its item to another).
 */
export async function renew(
  q: Queryable,
  claims: Array<Held & { bytes: number }>,
  leaseSeconds: number,
): Promise<Set<string>> {
  if (!claims.length) return new Set();
  const { rows } = await q.query<{ id: string }>({
    name: 'runState.renew',
    text: `UPDATE run_items i SET lease_until = now() + make_interval(secs => $4), progress_bytes = p.bytes
       FROM unnest($1::bigint[], $2::bigint[], $3::int[]) AS p(id, bytes, attempts)
      WHERE i.id = p.id AND i.status = 'copying' AND i.attempts = p.attempts
      RETURNING i.id`,
    values: [claims.map((c) => c.id), claims.map((c) => c.bytes), claims.map((c) => c.attempts), leaseSeconds],
  });
  return new Set(rows.map((r) => String(r.id)));
}

// ---- quota reservations of a held item --------------------------------------------------------------

/**
 * What a claim of a run item is told when it asks for traffic: `full`, the bytes do not fit in the
 * quota; `lost`, the item is no longer this claim's to copy, so nothing was reserved.
 */
export type Refusal = 'full' | 'lost';

/**
 * Reserves `bytes` of this month's traffic for a held item, and notes the reservation on the item in
 * the same statement (so a crash cannot leave one without the other). Returns the month reserved in,
 * or why not. Bytes are reserved in one conditional UPDATE, so any number of workers in parallel can
 * never take more than the limit.
 */
export async function reserve(
  q: Queryable,
  userId: string,
  item: Held,
  bytes: number,
  now = new Date(),
): Promise<Date | Refusal> {
  const period = usagePeriod(now).start;
  for (let round = 0; round < 2; round++) {
    const { rows } = await q.query<{ ours: boolean; held: boolean }>({
      name: 'runState.reserve',
      text: `WITH item AS (
         SELECT id FROM run_items WHERE id = $4 AND status = 'copying' AND attempts = $5 FOR UPDATE),
       taken AS (
         UPDATE usage g SET reserved_bytes = g.reserved_bytes + $3
           FROM users u JOIN plans p ON p.id = u.plan_id
          WHERE g.user_id = $1 AND g.period_start = $2 AND u.id = $1 AND EXISTS (SELECT 1 FROM item)
            AND g.used_bytes + g.reserved_bytes + $3 <= coalesce(u.traffic_limit_bytes, p.monthly_traffic_bytes)
          RETURNING g.period_start),
       held AS (
         UPDATE run_items SET reserved_bytes = $3, reserved_period = taken.period_start FROM taken
          WHERE run_items.id = $4
         RETURNING run_items.id)
       SELECT EXISTS (SELECT 1 FROM item) AS ours, EXISTS (SELECT 1 FROM held) AS held`,
      values: [userId, period, bytes, item.id, item.attempts],
    });
    if (!rows[0].ours) return 'lost';
    if (rows[0].held) return period;
    // Nothing reserved: the bytes do not fit, or the month's row does not exist yet. Make sure it
    // exists (another worker may be making it at this moment) and ask once more.
    if (round === 0)
      await q.query('INSERT INTO usage (user_id, period_start) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        userId,
        period,
      ]);
  }
  return 'full';
}

/**
 * Adds `bytes` to the reservation of a held item, in `period`, the month it reserved in: 'ok', or
 * why not. An item whose size the source does not tell reserves this way as its bytes stream.
 */
export async function topUp(
  q: Queryable,
  userId: string,
  item: Held,
  period: Date,
  bytes: number,
): Promise<'ok' | Refusal> {
  const { rows } = await q.query<{ ours: boolean; grown: boolean }>({
    name: 'runState.topUp',
    text: `WITH item AS (
       SELECT id FROM run_items WHERE id = $4 AND status = 'copying' AND attempts = $5 AND reserved_period = $2
          FOR UPDATE),
     taken AS (
       UPDATE usage g SET reserved_bytes = g.reserved_bytes + $3
         FROM users u JOIN plans p ON p.id = u.plan_id
        WHERE g.user_id = $1 AND g.period_start = $2 AND u.id = $1 AND EXISTS (SELECT 1 FROM item)
          AND g.used_bytes + g.reserved_bytes + $3 <= coalesce(u.traffic_limit_bytes, p.monthly_traffic_bytes)
        RETURNING 1),
     grown AS (
       UPDATE run_items SET reserved_bytes = reserved_bytes + $3 WHERE id = $4 AND EXISTS (SELECT 1 FROM taken)
       RETURNING id)
     SELECT EXISTS (SELECT 1 FROM item) AS ours, EXISTS (SELECT 1 FROM grown) AS grown`,
    values: [userId, period, bytes, item.id, item.attempts],
  });
  if (!rows[0].ours) return 'lost';
  return rows[0].grown ? 'ok' : 'full';
}

// ---- a held item's upload ---------------------------------------------------------------------------

/** Runs `sql` on the item only while `item` still holds it; false when it no longer does. */
async function whileHeld(q: Queryable, item: Held, set: string, values: unknown[]): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE run_items SET ${set} WHERE id = $1 AND status = 'copying' AND attempts = $2`,
    [item.id, item.attempts, ...values],
  );
  return Boolean(rowCount);
}

/** Keeps the upload session of a held item, with the mode it was started in, so it can be resumed. */
export const saveUpload = (q: Queryable, item: Held, state: unknown, mode: 'create' | 'replace' | null) =>
  whileHeld(q, item, 'upload_state = $3, upload_mode = $4', [JSON.stringify(state), mode]);

/** Forgets a held item's upload session (never to be resumed). */
export const dropUpload = (q: Queryable, item: Held) =>
  whileHeld(q, item, 'upload_state = NULL, upload_mode = NULL', []);

/** The held item's copy goes to another path (a renamed copy). */
export const retarget = (q: Queryable, item: Held, destPath: string) =>
  whileHeld(q, item, 'dest_path = $3', [destPath]);

/** The source makes the held item wait before it gives its bytes (a video still processing), or no longer. */
export const waiting = (q: Queryable, item: Held, wait: { reason: string; until: string } | null) =>
  whileHeld(q, item, 'waiting = $3, waiting_until = $4', [wait?.reason ?? null, wait?.until ?? null]);

// ---- giving a held item back ----------------------------------------------------------------------

/** The worker shuts down: the item, with its upload session, waits for the next claim. */
export const putBack = (q: Queryable, item: Held) => whileHeld(q, item, "status = 'pending', lease_until = NULL", []);

/**
 * Gives a held item back with its reservation released, in the caller's transaction: `cancelled`
 * (the run was cancelled: its upload session is dropped too), `parked` (the destination takes no
 * uploads until a time: the session is kept, and the claim does not count), or `quota` (it does not
 * fit in the traffic quota: the run stops claiming, the session is dropped when `dropSession`).
 * Returns the upload session the item had, for the caller to abandon (null: none), or undefined when
 * the claim no longer held the item, and then nothing changed.
 */
export async function giveBack(
  c: pg.PoolClient,
  userId: string,
  runId: string,
  item: Held,
  why: 'cancelled' | 'parked' | 'quota',
  dropSession: boolean,
): Promise<unknown> {
  const { rows } = await c.query<{ reserved_period: Date | null; reserved_bytes: number; upload_state: unknown }>(
    `UPDATE run_items i SET status = 'pending', lease_until = NULL, reserved_bytes = 0, reserved_period = NULL,
            attempts = CASE WHEN $3 THEN greatest(i.attempts - 1, 0) ELSE i.attempts END,
            upload_state = CASE WHEN $4 THEN NULL ELSE i.upload_state END,
            upload_mode = CASE WHEN $4 THEN NULL ELSE i.upload_mode END
       FROM (SELECT reserved_period, reserved_bytes, upload_state FROM run_items WHERE id = $1 FOR UPDATE) old
      WHERE i.id = $1 AND i.status = 'copying' AND i.attempts = $2
     RETURNING old.reserved_period, old.reserved_bytes, old.upload_state`,
    [item.id, item.attempts, why === 'parked', dropSession || why === 'cancelled'],
  );
  if (!rows[0]) return undefined;
  if (why === 'quota')
    await c.query('UPDATE runs SET quota_hit_at = coalesce(quota_hit_at, now()) WHERE id = $1', [runId]);
  if (rows[0].reserved_period)
    await settleTraffic(c, userId, rows[0].reserved_period, Number(rows[0].reserved_bytes), 0);
  return rows[0].upload_state ?? null;
}

// ---- park -------------------------------------------------------------------------------------------

/**
 * The run waits until the destination takes uploads again: the copy job for then is queued first,
 * so whoever reads the run's message can count on it carrying on.
 */
export async function park(
  q: Queryable,
  boss: PgBoss,
  run: { id: string; userId: string },
  until: Date,
  message: string,
): Promise<void> {
  await boss.sendAfter(
    QUEUES.runCopy,
    { runId: run.id },
    { group: { id: run.userId }, singletonKey: `park-${run.id}`, singletonSeconds: 60 },
    until,
  );
  await q.query(`UPDATE runs SET error = $2 WHERE id = $1 AND status = 'running'`, [run.id, message]);
}

/** A copy job takes the run up again: a park's message goes. */
export async function resume(q: Queryable, runId: string): Promise<void> {
  await q.query(`UPDATE runs SET error = NULL WHERE id = $1 AND status = 'running' AND error IS NOT NULL`, [runId]);
}

// ---- record -----------------------------------------------------------------------------------------

/** An item's outcome, as recorded: its row, its manifest row, the quota, the run's counters. */
export interface Outcome {
  item: Held;
  status: 'done' | 'skipped' | 'failed';
  destPath: string;
  error: string | null;
  /** Bytes charged to the quota: what was copied (0 for a skipped or failed item). */
  charged: number;
  /** Bytes counted in the run's done or skipped bytes. */
  size: number;
  userId: string;
  runId: string;
  /** The month the item reserved in, and how much it holds: released, less what is charged. */
  period: Date;
  reserved: number;
  /** The manifest row of a verified copy (or of an identical file found in place), if any. */
  manifest: {
    taskId: string;
    sourceId: string;
    sourceSize: number | null;
    sourceMtime: Date | null;
    sourceVersion: string;
    destHash: string | null;
    fidelity: 'original' | 'reduced';
    identity: string | null;
    /** Where the file is in the backup (destPath relative to the task's destination folder). */
    path: string;
    /** The file's path in the source. */
    sourcePath: string;
  } | null;
}

/** A date column's value as node-postgres writes a Date: its local calendar day. */
const day = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/**
 * Records a held item's outcome: its row, the manifest and the file's history in `copies`, the quota
 * (charged for what was copied, released otherwise) and the run's counters. One statement, so one
 * round trip and one commit per file, all or nothing. Only the claim that holds the item records it:
 * one whose lease ran out and was taken over changes nothing, so nothing is counted or charged twice.
 * False when it did not.
 */
export async function record(q: Queryable, o: Outcome): Promise<boolean> {
  const values = {
    itemId: o.item.id,
    attempts: o.item.attempts,
    status: o.status,
    destPath: o.destPath,
    error: o.error,
    charged: o.charged,
    size: o.size,
    userId: o.userId,
    runId: o.runId,
    period: day(o.period),
    reserved: o.reserved,
    ...o.manifest,
    destKey: pathKey(o.destPath),
    inManifest: o.manifest !== null,
  };
  const { rowCount } = await q.query({
    name: 'runState.record',
    text: `WITH v AS (
       SELECT * FROM jsonb_to_record($1::jsonb) AS v(
         "itemId" bigint, attempts int, status text, "destPath" text, error text, charged bigint, size bigint,
         "userId" uuid, "runId" uuid, period date, reserved bigint, "inManifest" boolean, "taskId" uuid,
         "sourceId" text, "sourceSize" bigint, "sourceMtime" timestamptz, "sourceVersion" text, "destHash" text,
         fidelity text, identity text, path text, "destKey" text, "sourcePath" text)),
     item AS (
       UPDATE run_items i SET status = v.status, dest_path = v."destPath", error = v.error,
              progress_bytes = CASE WHEN v.status = 'done' THEN v.size ELSE i.progress_bytes END,
              upload_state = NULL, upload_mode = NULL, waiting = NULL, waiting_until = NULL, lease_until = NULL,
              updated_at = now()
         FROM v WHERE i.id = v."itemId" AND i.status = 'copying' AND i.attempts = v.attempts
       RETURNING i.id),
     copy AS (
       INSERT INTO manifest (task_id, source_id, source_size, source_mtime, source_version, dest_path, dest_key,
                             dest_hash, fidelity, identity)
       SELECT v."taskId", v."sourceId", v."sourceSize", v."sourceMtime", v."sourceVersion", v."destPath", v."destKey",
              v."destHash", v.fidelity, v.identity
         FROM v WHERE v."inManifest" AND EXISTS (SELECT 1 FROM item)
       ON CONFLICT (task_id, source_id) DO UPDATE SET source_size = excluded.source_size,
              source_mtime = excluded.source_mtime, source_version = excluded.source_version,
              dest_path = excluded.dest_path, dest_key = excluded.dest_key, dest_hash = excluded.dest_hash,
              fidelity = excluded.fidelity,
              identity = excluded.identity, copied_at = now()),
     -- The file's newest copy so far. The same version at the same place (and not found deleted) is
     -- this copy already: nothing changes. Else it stops being the newest, and is gone from the
     -- destination when this copy went to its place (overwritten; a kept version moved away first).
     newest AS (
       SELECT c.id, c.source_version, c.dest_path, c.deleted_at
         FROM copies c, v
        WHERE v."inManifest" AND EXISTS (SELECT 1 FROM item) AND c.task_id = v."taskId"
          AND c.source_id = v."sourceId" AND c.replaced_at IS NULL
          FOR UPDATE OF c),
     closed AS (
       UPDATE copies c SET replaced_at = now(),
              removed_at = CASE WHEN c.dest_path = v."destPath" THEN coalesce(c.removed_at, now()) ELSE c.removed_at END
         FROM v, newest n
        WHERE c.id = n.id
          AND NOT (n.source_version = v."sourceVersion" AND n.dest_path = v."destPath" AND n.deleted_at IS NULL)
       RETURNING c.id),
     -- After closed (it reads it), so the one newest row per file is never two.
     added AS (
       INSERT INTO copies (task_id, source_id, run_id, path, dest_path, source_path, size, source_mtime,
                           source_version, dest_hash)
       SELECT v."taskId", v."sourceId", v."runId", v.path, v."destPath", v."sourcePath", v."sourceSize",
              v."sourceMtime", v."sourceVersion", v."destHash"
         FROM v WHERE v."inManifest" AND EXISTS (SELECT 1 FROM item)
          AND (NOT EXISTS (SELECT 1 FROM newest) OR EXISTS (SELECT 1 FROM closed))),
     quota AS (
       INSERT INTO usage AS g (user_id, period_start, used_bytes)
       SELECT v."userId", v.period, v.charged FROM v WHERE EXISTS (SELECT 1 FROM item)
       ON CONFLICT (user_id, period_start) DO UPDATE SET
              reserved_bytes = greatest(0, g.reserved_bytes - (SELECT reserved FROM v)),
              used_bytes = g.used_bytes + excluded.used_bytes)
     UPDATE runs r SET
            done_items = r.done_items + (v.status = 'done')::int,
            done_bytes = r.done_bytes + CASE WHEN v.status = 'done' THEN v.size ELSE 0 END,
            skipped_items = r.skipped_items + (v.status = 'skipped')::int,
            skipped_bytes = r.skipped_bytes + CASE WHEN v.status = 'skipped' THEN v.size ELSE 0 END,
            failed_items = r.failed_items + (v.status = 'failed')::int
       FROM v WHERE r.id = v."runId" AND EXISTS (SELECT 1 FROM item)`,
    values: [JSON.stringify(values)],
  });
  return Boolean(rowCount);
}

/** The plan removed `n` more kept versions from the destination (beyond the task's keep or days). */
export async function versionsRemoved(q: Queryable, runId: string, n: number): Promise<void> {
  if (n > 0) await q.query('UPDATE runs SET versions_removed = versions_removed + $2 WHERE id = $1', [runId, n]);
}

// ---- fail, finalize, cancel -------------------------------------------------------------------------

/** Ends a run that cannot go on, with the reason. False when it had ended already. */
export async function fail(q: Queryable, runId: string, error: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE runs SET status = 'failed', error = $2, finished_at = now()
      WHERE id = $1 AND status IN ('queued', 'running')`,
    [runId, error],
  );
  if (rowCount) metrics.runEnded('failed');
  return Boolean(rowCount);
}

/**
 * Once nothing is left to copy, the run's final status follows from its items; in the caller's
 * transaction. Returns it, or undefined while the run is still at work (or not running).
 */
export async function finalize(c: pg.PoolClient, runId: string): Promise<RunStatus | undefined> {
  // Past the quota nobody claims items any more: one whose holder died (lease run out) waits for
  // the next run like the other pending ones, instead of holding the run open for ever.
  await c.query(
    `UPDATE run_items i SET status = 'pending', lease_until = NULL FROM runs r
      WHERE r.id = $1 AND r.quota_hit_at IS NOT NULL AND i.run_id = r.id AND i.status = 'copying'
        AND i.lease_until < now()`,
    [runId],
  );
  const { rows } = await c.query(
    `SELECT r.status, r.failed_items, r.done_items, r.skipped_items, r.quota_hit_at,
            (SELECT count(*) FROM run_items WHERE run_id = r.id AND status = 'copying')::int AS copying,
            (SELECT count(*) FROM run_items WHERE run_id = r.id AND status = 'pending')::int AS pending
       FROM runs r WHERE r.id = $1 FOR UPDATE`,
    [runId],
  );
  const r = rows[0];
  if (r?.status !== 'running') return undefined;
  if (r.copying > 0 || (r.pending > 0 && !r.quota_hit_at)) return undefined; // still at work
  const status: RunStatus = r.quota_hit_at
    ? 'quota_exceeded'
    : r.failed_items === 0
      ? 'succeeded'
      : r.done_items + r.skipped_items > 0
        ? 'partial'
        : 'failed';
  const error =
    status === 'quota_exceeded'
      ? `This month's traffic quota is used up; ${r.pending} item(s) wait for the next run ` +
        'after it renews or the limit is raised.'
      : status === 'failed' || status === 'partial'
        ? `${r.failed_items} item(s) failed: see the run's failed items for why.`
        : null;
  await c.query(`UPDATE runs SET status = $2, finished_at = now(), error = $3 WHERE id = $1 AND status = 'running'`, [
    runId,
    status,
    error,
  ]);
  await keepTotals(c, runId);
  return status;
}

/**
 * Keeps with a backup run that ended succeeded or partial (a point in time) the files and bytes of
 * the backup then, in the caller's transaction: what the history says of that time never changes,
 * and listing the points in time then reads them (see migrations/0019-snapshot-totals.sql).
 */
export async function keepTotals(q: Queryable, runId: string): Promise<void> {
  await q.query(`UPDATE runs r SET (backup_files, backup_bytes) = (${TOTALS}) WHERE r.id = $1 AND ${SNAPSHOT_RUN}`, [
    runId,
  ]);
}

/**
 * What an unfinished item of an ended run still holds is let go (its session was abandoned by the
 * caller): the session is forgotten and its reservation released, in the caller's transaction.
 */
export async function letGo(
  c: pg.PoolClient,
  userId: string,
  item: { id: string; reserved_period: Date | null; reserved_bytes: number },
): Promise<void> {
  await c.query('UPDATE run_items SET upload_state = NULL, reserved_bytes = 0, reserved_period = NULL WHERE id = $1', [
    item.id,
  ]);
  if (item.reserved_period) await settleTraffic(c, userId, item.reserved_period, item.reserved_bytes, 0);
}

/**
 * Asks a run to stop, in the caller's transaction: a queued run ends at once; a running one is
 * marked cancelled and its copy jobs, which watch the run's status, abort their streams. The
 * finalize job cleans up the upload sessions that no running job will abort itself. False when the
 * run had ended already.
 */
export async function cancel(c: pg.PoolClient, boss: PgBoss, runId: string): Promise<boolean> {
  const { rowCount } = await c.query(
    `UPDATE runs SET status = 'cancelled', finished_at = now() WHERE id = $1 AND status IN ('queued', 'running')`,
    [runId],
  );
  if (!rowCount) return false;
  metrics.runEnded('cancelled');
  await boss.send(QUEUES.runFinalize, { runId }, { db: inTransaction(c) });
  return true;
}
