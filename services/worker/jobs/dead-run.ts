import type { JobWithMetadata } from 'pg-boss';
import type { WorkerContext } from '../worker.ts';

/** The dead-letter handler of a run's jobs (plan, copy, finalize): see failAbandonedRun. */
export const failAbandonedRunOf =
  (queue: string) =>
  async (job: JobWithMetadata<{ runId: string }>, deps: WorkerContext): Promise<void> => {
    const { failAbandonedRun } = await import('../runs/context.ts');
    await failAbandonedRun(deps, {
      name: queue,
      runId: job.data.runId,
      tries: (job.sourceRetryCount ?? 0) + 1,
      output: job.sourceOutput,
    });
  };
