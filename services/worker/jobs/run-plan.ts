import { QUEUES } from '../../core/queues.ts';
import { planRun } from '../runs/plan.ts';
import type { JobModule } from './index.ts';

export const runPlanJob: JobModule<{ runId: string }> = {
  queue: QUEUES.runPlan,
  // Plan jobs are sent with the user as their group. Across all workers, one plan at a time per
  // user: a user's slow plans (a big Takeout part to index, a slow listing) wait for each other,
  // never for every slot, so other users' runs are planned meanwhile.
  workOptions: {
    localConcurrency: 2,
    groupConcurrency: 1,
    pollingIntervalSeconds: 0.5,
    notifyPollingIntervalSeconds: 5,
  },
  handle: (job, deps) => planRun(deps, job.data.runId, job.signal),
};
