import { QUEUES } from '../../core/queues.ts';
import { copyRun } from '../runs/copy.ts';
import type { JobModule } from './index.ts';

export const runCopyJob: JobModule<{ runId: string }> = {
  queue: QUEUES.runCopy,
  // Four copy jobs per worker process; across all workers, at most four at once per user, so one
  // user's big backup cannot hold every worker while others wait.
  workOptions: {
    localConcurrency: 4,
    groupConcurrency: 4,
    pollingIntervalSeconds: 0.5,
    notifyPollingIntervalSeconds: 5,
  },
  handle: (job, deps) => copyRun(deps, job.data.runId, job.signal),
};
