// Starting scheduled runs. Every minute one tick (pg-boss cron runs it on one worker) takes the due
// tasks in chunks, each chunk in one transaction: the runs, their plan jobs and the tasks' next
// times commit together, and FOR UPDATE SKIP LOCKED lets ticks that overlap share the work, so every
// due occurrence starts exactly once. A task whose previous run is still going skips this occurrence.
// Verifications (options.verifySchedule, due at tasks.next_verify_at) start the same way, but one
// that finds another run of its task at work waits for the next tick instead of skipping: a monthly
// check should not be lost to a backup that happened to be running.
import type { PgBoss } from 'pg-boss';
import { transaction, type Db } from '../../core/db.ts';
import * as runState from '../../core/run-state.ts';
import { nextRunAt, type Schedule } from '../../core/schedule.ts';

const CHUNK = 2000;

/** Starts the runs of every task due at `now`; returns how many runs were started. */
export async function startDueRuns(db: Db, boss: PgBoss, now = new Date()): Promise<number> {
  let started = 0;
  for (;;) {
    const n = await transaction(db, async (c) => {
      const due = await c.query<{ id: string; user_id: string; schedule: Schedule; next_run_at: Date }>(
        `SELECT id, user_id, schedule, next_run_at FROM tasks WHERE next_run_at <= $1
          ORDER BY next_run_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, CHUNK],
      );
      if (!due.rows.length) return -1;
      const runs = await runState.start(
        c,
        boss,
        due.rows.map((t) => ({ taskId: t.id, userId: t.user_id })),
        'schedule',
      );
      // The next occurrence after this one (and after now, should the service have been down).
      const next = due.rows.map((t) =>
        nextRunAt(t.schedule, new Date(Math.max(t.next_run_at.getTime(), now.getTime()))),
      );
      await c.query(
        `UPDATE tasks t SET next_run_at = v.next FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, next)
          WHERE t.id = v.id`,
        [due.rows.map((t) => t.id), next],
      );
      return runs.length;
    });
    if (n < 0) return started;
    started += n;
  }
}

/** Starts the verify runs of every task whose verification is due at `now`; returns how many started. */
export async function startDueVerifications(db: Db, boss: PgBoss, now = new Date()): Promise<number> {
  let started = 0;
  for (;;) {
    const n = await transaction(db, async (c) => {
      // A task with a run at work is left due (and not locked), for a later tick.
      const due = await c.query<{ id: string; user_id: string; schedule: Schedule | null; next_verify_at: Date }>(
        `SELECT id, user_id, options->'verifySchedule' AS schedule, next_verify_at FROM tasks
          WHERE next_verify_at <= $1
            AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.task_id = tasks.id AND r.status IN ('queued', 'running'))
          ORDER BY next_verify_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, CHUNK],
      );
      if (!due.rows.length) return -1;
      const scheduled = due.rows.filter((t) => t.schedule);
      const runs = await runState.start(
        c,
        boss,
        scheduled.map((t) => ({ taskId: t.id, userId: t.user_id })),
        'schedule',
        'verify',
      );
      // Tasks whose verification started move on to their next occurrence (after this one, and after
      // now); a task whose schedule is gone is due no more. One whose run began meanwhile stays due.
      const { rows: begun } = await c.query<{ task_id: string }>(
        'SELECT task_id FROM runs WHERE id = ANY($1::uuid[])',
        [runs.map((r) => r.id)],
      );
      const startedTasks = new Set(begun.map((r) => r.task_id));
      const moved = due.rows.filter((t) => !t.schedule || startedTasks.has(t.id));
      await c.query(
        `UPDATE tasks t SET next_verify_at = v.next FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, next)
          WHERE t.id = v.id`,
        [
          moved.map((t) => t.id),
          moved.map((t) =>
            t.schedule ? nextRunAt(t.schedule, new Date(Math.max(t.next_verify_at.getTime(), now.getTime()))) : null,
          ),
        ],
      );
      // Nothing moved in this chunk (each task's run began meanwhile): the rest waits for the next tick.
      return moved.length ? runs.length : -1;
    });
    if (n < 0) return started;
    started += n;
  }
}
