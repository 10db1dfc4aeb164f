// The one list of job modules. Each handles one queue of core/queues.ts, one job at a time.
import type { Job, WorkOptions } from 'pg-boss';
import type { WorkerContext } from '../worker.ts';
import { mailSendJob } from './mail-send.ts';
import { notifySweepJob } from './notify-sweep.ts';
import { runCopyJob } from './run-copy.ts';
import { runFinalizeJob } from './run-finalize.ts';
import { runPlanJob } from './run-plan.ts';
import { scheduleTickJob } from './schedule-tick.ts';
import { webhookDeliverJob } from './webhook-deliver.ts';

export interface JobModule<T = unknown> {
  queue: string;
  workOptions?: Omit<WorkOptions, 'batchSize'>;
  /** Cron expression (UTC) for queues pg-boss fills on a schedule. */
  cron?: string;
  /** Throws to fail the job: pg-boss then retries it, and dead-letters it once retries run out. */
  handle(job: Job<T>, ctx: WorkerContext): Promise<void>;
}

export const jobs: JobModule<never>[] = [
  runPlanJob,
  runCopyJob,
  runFinalizeJob,
  scheduleTickJob,
  mailSendJob,
  webhookDeliverJob,
  notifySweepJob,
] as JobModule<never>[];
