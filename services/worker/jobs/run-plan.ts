import { QUEUES } from '../../core/queues.ts';
import { planRun } from '../runs/plan.ts';
import type { JobModule } from './index.ts';

export const runPlanJob: JobModule<{ runId: string }> = {
  queue: QUEUES.runPlan,
  workOptions: { localConcurrency: 2, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 5 },
  handle: (job, deps) => planRun(deps, job.data.runId, job.signal),
};
