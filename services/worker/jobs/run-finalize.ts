import { QUEUES } from '../../core/queues.ts';
import { finalizeRun } from '../runs/finalize.ts';
import type { JobModule } from './index.ts';

export const runFinalizeJob: JobModule<{ runId: string }> = {
  queue: QUEUES.runFinalize,
  workOptions: { localConcurrency: 2, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 5 },
  handle: (job, deps) => finalizeRun(deps, job.data.runId),
};
