import { QUEUES } from '../../core/queues.ts';
import { failAbandonedRunOf } from './dead-run.ts';
import type { JobDefinition } from './index.ts';

export const runFinalizeJob: JobDefinition<{ runId: string }> = {
  queue: QUEUES.runFinalize,
  policy: { retryLimit: 10, retryDelay: 10, expireInSeconds: 600 },
  workOptions: (timing) => ({
    localConcurrency: 2,
    pollingIntervalSeconds: timing.pollSeconds.runs,
    notifyPollingIntervalSeconds: 5,
  }),
  handle: async (job, deps) => {
    const { finalizeRun } = await import('../runs/finalize.ts');
    await finalizeRun(deps, job.data.runId);
  },
  deadLetter: failAbandonedRunOf(QUEUES.runFinalize),
};
