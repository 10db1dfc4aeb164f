// The one list of Ferry's jobs. Each job module defines its job whole: the queue it works, the
// queue's policy (retries, expiry, heartbeats; every queue has a dead-letter queue), how workers take
// its jobs, and its handler. A handler loads its code when it first runs, so any process (the API
// too) can import this list to create the queues without loading the worker's code.
import type { Job, JobWithMetadata, WorkOptions } from 'pg-boss';
import type { QueuePolicy } from '../../core/queues.ts';
import type { Timing } from '../../core/timing.ts';
import type { WorkerContext } from '../worker.ts';
import { mailSendJob } from './mail-send.ts';
import { notifySweepJob } from './notify-sweep.ts';
import { runCopyJob } from './run-copy.ts';
import { runFinalizeJob } from './run-finalize.ts';
import { runPlanJob } from './run-plan.ts';
import { scheduleTickJob } from './schedule-tick.ts';
import { webhookDeliverJob } from './webhook-deliver.ts';

export interface JobDefinition<T = unknown> {
  queue: string;
  policy: QueuePolicy;
  /** How a worker takes the queue's jobs (one at a time, always): its concurrency and polling. */
  workOptions?: (timing: Timing) => Omit<WorkOptions, 'batchSize'>;
  /** Cron expression (UTC) for queues pg-boss fills on a schedule. */
  cron?: string;
  /** Throws to fail the job: pg-boss then retries it, and dead-letters it once retries run out. */
  handle(job: Job<T>, ctx: WorkerContext): Promise<void>;
  /**
   * What becomes of the job's work once its retries ran out (pg-boss moved it to the dead-letter
   * queue, with its last error as `sourceOutput`). Without it the dead letter just stays on view.
   */
  deadLetter?(job: JobWithMetadata<T>, ctx: WorkerContext): Promise<void>;
}

export const jobs: JobDefinition<never>[] = [
  runPlanJob,
  runCopyJob,
  runFinalizeJob,
  scheduleTickJob,
  mailSendJob,
  webhookDeliverJob,
  notifySweepJob,
] as JobDefinition<never>[];
