// The one list of job modules. Each handles one queue of core/queues.ts.
import type { Job, WorkOptions } from 'pg-boss';
import type { WorkerDeps } from '../worker.ts';

export interface JobModule {
  queue: string;
  workOptions?: WorkOptions;
  /** Throws to fail the job: pg-boss then retries it, and dead-letters it once retries run out. */
  handle(jobs: Job<unknown>[], deps: WorkerDeps): Promise<void>;
}

export const jobs: JobModule[] = [];
