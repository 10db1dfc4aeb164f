// Runs of tasks and their items, as the API shows them, and starting and cancelling runs.
import type { PgBoss } from 'pg-boss';
import type pg from 'pg';
import type { Db, Queryable } from './db.ts';
import { errors } from './errors.ts';
import { decodeCursor, FIRST_KEY, pageOf, PAGE_SIZE, type Page } from './paging.ts';
import * as runState from './run-state.ts';

export const RUN_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'partial',
  'failed',
  'cancelled',
  'quota_exceeded',
] as const;
export const ITEM_STATUSES = ['pending', 'copying', 'done', 'skipped', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const isFinished = (s: RunStatus) => s !== 'queued' && s !== 'running';

interface RunRow {
  id: string;
  task_id: string;
  status: RunStatus;
  trigger: 'manual' | 'schedule';
  kind: runState.RunKind;
  spec: runState.RestoreSpec | null;
  versions_removed: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  total_items: number;
  total_bytes: number;
  done_items: number;
  done_bytes: number;
  skipped_items: number;
  skipped_bytes: number;
  failed_items: number;
  error: string | null;
  created_key: string;
  inflight_bytes: number;
  waiting_items: number;
}

export function runView(r: RunRow, now = Date.now()) {
  const elapsed = r.started_at ? ((r.finished_at?.getTime() ?? now) - r.started_at.getTime()) / 1000 : 0;
  // Bytes of large files still in flight count as done as far as the destination has them.
  const doneBytes = r.done_bytes + (r.status === 'running' ? r.inflight_bytes : 0);
  const bytesPerSecond = elapsed > 0 ? Math.round(doneBytes / elapsed) : 0;
  const remaining = Math.max(0, r.total_bytes - doneBytes - r.skipped_bytes);
  return {
    id: r.id,
    taskId: r.task_id,
    kind: r.kind,
    restore: r.spec,
    versionsRemoved: r.versions_removed,
    status: r.status,
    trigger: r.trigger,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    totals: { items: r.total_items, bytes: r.total_bytes },
    done: { items: r.done_items, bytes: doneBytes },
    skipped: { items: r.skipped_items, bytes: r.skipped_bytes },
    failed: { items: r.failed_items },
    // Items whose source makes them wait before it gives their bytes (a video still processing).
    waiting: { items: r.status === 'running' ? r.waiting_items : 0 },
    bytesPerSecond,
    etaSeconds: r.status === 'running' && bytesPerSecond > 0 ? Math.ceil(remaining / bytesPerSecond) : null,
    error: r.error,
  };
}
export type Run = ReturnType<typeof runView>;

// What runView reads, column by column (not r.*): a column added later must not change what a statement
// prepared before it returns (PostgreSQL refuses to run such a statement again). Only a running run has
// items being copied: for any other the subqueries are skipped (a list of finished runs would otherwise
// probe run_items twice a row for nothing, most of its reads).
const runColumns = `r.id, r.task_id, r.status, r.trigger, r.kind, r.spec, r.versions_removed, r.created_at,
  r.started_at, r.finished_at, r.total_items, r.total_bytes, r.done_items, r.done_bytes, r.skipped_items,
  r.skipped_bytes, r.failed_items, r.error, r.created_at::text AS created_key,
  CASE WHEN r.status = 'running' THEN (SELECT coalesce(sum(progress_bytes), 0) FROM run_items i
    WHERE i.run_id = r.id AND i.status = 'copying') ELSE 0 END::bigint AS inflight_bytes,
  CASE WHEN r.status = 'running' THEN (SELECT count(*) FROM run_items i
    WHERE i.run_id = r.id AND i.status = 'copying' AND i.waiting IS NOT NULL) ELSE 0 END::int AS waiting_items`;

/** A run as the API shows it, whoever owns it: for the worker's notifications. */
export async function runById(q: Queryable, id: string): Promise<Run | undefined> {
  const { rows } = await q.query<RunRow>(`SELECT ${runColumns} FROM runs r WHERE r.id = $1`, [id]);
  return rows[0] && runView(rows[0]);
}

// The API's reads of runs are named statements: each connection prepares one once and reuses its plan
// (the plan of a list costs the database more than running it), instead of parsing and planning it anew
// on every request.
export function createRuns(db: Db, boss: PgBoss) {
  async function row(q: Queryable, userId: string, id: string, lock = false): Promise<RunRow> {
    const { rows } = await q.query<RunRow>({
      name: lock ? 'runs.row.lock' : 'runs.row',
      text: `SELECT ${runColumns} FROM runs r WHERE r.user_id = $1 AND r.id = $2${lock ? ' FOR UPDATE' : ''}`,
      values: [userId, id],
    });
    if (!rows[0]) throw errors.notFound('Run');
    return rows[0];
  }

  return {
    /**
     * Queues a run of the task and its plan job, atomically. One unfinished run per task, whatever its
     * kind (a restore reads what a backup would be writing).
     */
    async start(
      client: pg.PoolClient,
      userId: string,
      taskId: string,
      trigger: 'manual' | 'schedule',
      kind: runState.RunKind = 'backup',
      spec: runState.RestoreSpec | null = null,
    ): Promise<Run> {
      const task = await client.query('SELECT id FROM tasks WHERE user_id = $1 AND id = $2 FOR UPDATE', [
        userId,
        taskId,
      ]);
      if (!task.rows[0]) throw errors.notFound('Task');
      const [run] = await runState.start(client, boss, [{ taskId, userId }], trigger, kind, spec);
      if (!run) throw errors.conflict('A run of this task is already queued or running.');
      return runView(await row(client, userId, run.id));
    },

    async get(userId: string, id: string): Promise<Run> {
      return runView(await row(db, userId, id));
    },

    async listForTask(userId: string, taskId: string, cursor?: string, limit = PAGE_SIZE): Promise<Page<Run>> {
      const before = decodeCursor(cursor, 2) ?? FIRST_KEY.descending;
      const { rows } = await db.query<RunRow>({
        name: 'runs.listForTask',
        text: `SELECT ${runColumns} FROM runs r WHERE r.user_id = $1 AND r.task_id = $2
            AND (r.created_at, r.id) < ($3::timestamptz, $4::uuid)
          ORDER BY r.created_at DESC, r.id DESC LIMIT $5`,
        values: [userId, taskId, before[0], before[1], limit + 1],
      });
      // A run of the caller's under the task shows the task is theirs (a task's runs go with it): the
      // task is looked up only for an empty page, to tell a task not theirs (404) from one with no runs.
      if (!rows.length) {
        const task = await db.query('SELECT 1 FROM tasks WHERE user_id = $1 AND id = $2', [userId, taskId]);
        if (!task.rows[0]) throw errors.notFound('Task');
      }
      return pageOf(
        rows,
        limit,
        (r) => [r.created_key, r.id],
        (r) => runView(r),
      );
    },

    /**
     * The account's runs across its tasks, newest first, each with its task's name; `active` keeps
     * the queued and running ones only (what the dashboard shows going on now).
     */
    async listForUser(
      userId: string,
      opts: { active?: boolean; cursor?: string; limit?: number } = {},
    ): Promise<Page<Run & { taskName: string }>> {
      const limit = opts.limit ?? PAGE_SIZE;
      const before = decodeCursor(opts.cursor, 2) ?? FIRST_KEY.descending;
      // Two statements, each with a plan of its own: the active runs are few and found another way.
      const { rows } = await db.query<RunRow & { task_name: string }>({
        name: opts.active ? 'runs.listForUser.active' : 'runs.listForUser',
        text: `SELECT ${runColumns}, t.name AS task_name FROM runs r JOIN tasks t ON t.id = r.task_id
          WHERE r.user_id = $1${opts.active ? ` AND r.status IN ('queued', 'running')` : ''}
            AND (r.created_at, r.id) < ($2::timestamptz, $3::uuid)
          ORDER BY r.created_at DESC, r.id DESC LIMIT $4`,
        values: [userId, before[0], before[1], limit + 1],
      });
      return pageOf(
        rows,
        limit,
        (r) => [r.created_key, r.id],
        (r) => ({ ...runView(r), taskName: r.task_name }),
      );
    },

    async items(userId: string, runId: string, status: string | undefined, cursor?: string, limit = PAGE_SIZE) {
      await row(db, userId, runId);
      const after = decodeCursor(cursor, 1);
      const { rows } = await db.query<{
        id: number;
        path: string;
        size: number | null;
        status: (typeof ITEM_STATUSES)[number];
        attempts: number;
        dest_path: string | null;
        error: string | null;
        waiting: string | null;
        waiting_until: Date | null;
        updated_at: Date;
      }>(
        `SELECT id, path, size, status, attempts, dest_path, error, updated_at,
                CASE WHEN status = 'copying' THEN waiting END AS waiting, waiting_until FROM run_items
          WHERE run_id = $1 AND ($2::text IS NULL OR status = $2) AND id > $3 ORDER BY id LIMIT $4`,
        [runId, status ?? null, after?.[0] ?? 0, limit + 1],
      );
      return pageOf(
        rows,
        limit,
        (r) => [r.id],
        (r) => ({
          id: String(r.id),
          path: r.path,
          size: r.size,
          status: r.status,
          attempts: r.attempts,
          destPath: r.dest_path,
          error: r.error,
          waiting: r.waiting ? { reason: r.waiting, until: r.waiting_until } : null,
          updatedAt: r.updated_at,
        }),
      );
    },

    /** Asks a run to stop (see run-state.ts: cancel). */
    async cancel(client: pg.PoolClient, userId: string, id: string): Promise<Run> {
      const r = await row(client, userId, id, true);
      if (isFinished(r.status)) throw errors.conflict(`The run already ended (${r.status}).`);
      await runState.cancel(client, boss, id);
      return runView(await row(client, userId, id));
    },
  };
}

export type Runs = ReturnType<typeof createRuns>;
