import { QUEUES } from '../../core/queues.ts';
import { failAbandonedRunOf } from './dead-run.ts';
import type { JobDefinition } from './index.ts';

export const runCopyJob: JobDefinition<{ runId: string }> = {
  queue: QUEUES.runCopy,
  // A copy of a large file runs long: liveness comes from heartbeats, so a killed worker's batch is
  // taken up by another within seconds rather than at expiry.
  policy: { retryLimit: 5, retryDelay: 5, expireInSeconds: 12 * 3600, heartbeatSeconds: 10 },
  // Four copy jobs per worker process; across all workers, at most four at once per user, so one
  // user's big backup cannot hold every worker while others wait.
  workOptions: (timing) => ({
    localConcurrency: 4,
    groupConcurrency: 4,
    pollingIntervalSeconds: timing.pollSeconds.runs,
    notifyPollingIntervalSeconds: 5,
  }),
  handle: async (job, deps) => {
    const { copyRun } = await import('../runs/copy.ts');
    await copyRun({ ...deps, db: deps.lanes }, job.data.runId, job.signal);
  },
  deadLetter: failAbandonedRunOf(QUEUES.runCopy),
};
