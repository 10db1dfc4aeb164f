// Ferry's pg-boss queues: their names, which any process sends to, and their creation. Each queue's
// policy is defined with its job (worker/jobs/). Every queue has a dead-letter queue, so a job that
// exhausted its retries stays visible instead of vanishing.
import type { PgBoss } from 'pg-boss';
import type pg from 'pg';

/** pg-boss keeps its tables in a schema of its own. */
export const BOSS_SCHEMA = 'pgboss';

export const QUEUES = {
  /** Plans a run: lists the source, writes the run's items, enqueues their copies. */
  runPlan: 'run-plan',
  /** Copies a batch of a run's items. */
  runCopy: 'run-copy',
  /** Sets a run's final status once nothing is left to copy; cleans up after a cancel. */
  runFinalize: 'run-finalize',
  /** Every minute: starts the runs of scheduled tasks that are due. */
  scheduleTick: 'schedule-tick',
  /** Sends one mail of the outbox. */
  mailSend: 'mail-send',
  /** Delivers one webhook event. */
  webhookDeliver: 'webhook-deliver',
  /** Every few minutes: queues again the mails and webhooks whose quick retries ran out. */
  notifySweep: 'notify-sweep',
} as const;

/** The queue where pg-boss moves a queue's jobs once their retries ran out. */
export const deadLetterOf = (queue: string) => `${queue}-dead`;

/** A queue's policy: its jobs' retries (seconds, with backoff), expiry, and heartbeats. */
export interface QueuePolicy {
  retryLimit: number;
  retryDelay: number;
  retryDelayMax?: number;
  expireInSeconds: number;
  heartbeatSeconds?: number;
}

/** pg-boss sends through the caller's transaction, so a change and the job it calls for commit together. */
export const inTransaction = (client: pg.PoolClient) => ({
  executeSql: (text: string, values?: unknown[]) => client.query(text, values),
});

/**
 * Creates the queues and their dead-letter queues, each with its job's policy; safe to call from
 * every process at every start. The job list loads no handler code (see worker/jobs/index.ts).
 */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  const { jobs } = await import('../worker/jobs/index.ts');
  for (const { queue: name, policy } of jobs) {
    const deadLetter = deadLetterOf(name);
    // createQueue is idempotent (ON CONFLICT DO NOTHING under an advisory lock), so it leaves an
    // existing queue as it was: updateQueue brings its retries, expiry and heartbeats up to date.
    await boss.createQueue(deadLetter, { retentionSeconds: 30 * 86400 });
    // notify: creating a job wakes the workers at once instead of at their next poll.
    const options = { ...policy, retryBackoff: true, deadLetter, notify: true };
    await boss.createQueue(name, options);
    await boss.updateQueue(name, options);
  }
}
