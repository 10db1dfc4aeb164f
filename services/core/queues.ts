// Names and policies of Ferry's pg-boss queues. Every queue has a dead-letter queue, so a job that
// exhausted its retries stays visible instead of vanishing.
import type { PgBoss } from 'pg-boss';

/** pg-boss keeps its tables in a schema of its own. */
export const BOSS_SCHEMA = 'pgboss';

export const QUEUES = {
  /** Plans a run: lists the source, writes the run's items, enqueues their copies. */
  runPlan: 'run-plan',
} as const;

const policies: Record<string, { retryLimit: number; retryDelay: number; expireInSeconds: number }> = {
  [QUEUES.runPlan]: { retryLimit: 5, retryDelay: 10, expireInSeconds: 3600 },
};

/** Creates the queues and their dead-letter queues; safe to call from every process at every start. */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  for (const [name, policy] of Object.entries(policies)) {
    const deadLetter = `${name}-dead`;
    // createQueue is idempotent (ON CONFLICT DO NOTHING under an advisory lock).
    await boss.createQueue(deadLetter, { retentionSeconds: 30 * 86400 });
    await boss.createQueue(name, { ...policy, retryBackoff: true, deadLetter });
  }
}
