// Names and policies of Ferry's pg-boss queues. Every queue has a dead-letter queue, so a job that
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

interface Policy {
  retryLimit: number;
  retryDelay: number;
  retryDelayMax?: number;
  expireInSeconds: number;
  heartbeatSeconds?: number;
}

export const POLICIES: Record<string, Policy> = {
  [QUEUES.runPlan]: { retryLimit: 5, retryDelay: 10, expireInSeconds: 4 * 3600 },
  // A copy of a large file runs long: liveness comes from heartbeats, so a killed worker's batch is
  // taken up by another within seconds rather than at expiry.
  [QUEUES.runCopy]: { retryLimit: 5, retryDelay: 5, expireInSeconds: 12 * 3600, heartbeatSeconds: 10 },
  [QUEUES.runFinalize]: { retryLimit: 10, retryDelay: 10, expireInSeconds: 600 },
  [QUEUES.scheduleTick]: { retryLimit: 0, retryDelay: 0, expireInSeconds: 300 },
  // Quick retries with backoff (seconds, then minutes); past them the sweep tries every 10 minutes.
  // Heartbeats: a send that died with its worker is tried again within seconds.
  [QUEUES.mailSend]: { retryLimit: 10, retryDelay: 5, retryDelayMax: 600, expireInSeconds: 300, heartbeatSeconds: 10 },
  [QUEUES.webhookDeliver]: {
    retryLimit: 10,
    retryDelay: 2,
    retryDelayMax: 600,
    expireInSeconds: 300,
    heartbeatSeconds: 10,
  },
  [QUEUES.notifySweep]: { retryLimit: 0, retryDelay: 0, expireInSeconds: 300 },
};

/** pg-boss sends through the caller's transaction, so a change and the job it calls for commit together. */
export const inTransaction = (client: pg.PoolClient) => ({
  executeSql: (text: string, values?: unknown[]) => client.query(text, values),
});

/** Creates the queues and their dead-letter queues; safe to call from every process at every start. */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  for (const [name, policy] of Object.entries(POLICIES)) {
    const deadLetter = `${name}-dead`;
    // createQueue is idempotent (ON CONFLICT DO NOTHING under an advisory lock).
    await boss.createQueue(deadLetter, { retentionSeconds: 30 * 86400 });
    // notify: creating a job wakes the workers at once instead of at their next poll.
    await boss.createQueue(name, { ...policy, retryBackoff: true, deadLetter, notify: true });
  }
}
