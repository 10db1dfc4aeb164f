import { POLICIES, QUEUES } from '../../core/queues.ts';
import { copyBatch } from '../runs/copy.ts';
import type { JobModule } from './index.ts';

export const runCopyJob: JobModule<{ runId: string; itemIds: string[] }> = {
  queue: QUEUES.runCopy,
  // Four batches per worker process; across all workers, at most four at once per user, so one
  // user's big backup cannot hold every worker while others wait.
  workOptions: { localConcurrency: 4, groupConcurrency: 4, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 5 },
  handle: (job, deps) => copyBatch(deps, job.data.runId, job.data.itemIds, job.signal, job.retryCount >= POLICIES[QUEUES.runCopy].retryLimit),
};
