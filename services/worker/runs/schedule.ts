// Starting scheduled runs. Every minute one tick (pg-boss cron runs it on one worker) takes the due
// tasks in chunks, each chunk in one transaction: the runs, their plan jobs and the tasks' next
// times commit together, and FOR UPDATE SKIP LOCKED lets ticks that overlap share the work, so every
// due occurrence starts exactly once. A task whose previous run is still going skips this occurrence.
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
