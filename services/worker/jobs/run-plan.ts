import { QUEUES } from '../../core/queues.ts';
import { failAbandonedRunOf } from './dead-run.ts';
import type { JobDefinition } from './index.ts';

export const runPlanJob: JobDefinition<{ runId: string }> = {
  queue: QUEUES.runPlan,
  // Liveness from heartbeats, as for copy jobs: a worker killed while planning has its plan taken up
  // by another within about 20 s, not when the job expires hours later.
  policy: { retryLimit: 5, retryDelay: 10, expireInSeconds: 4 * 3600, heartbeatSeconds: 10 },
  // Plan jobs are sent with the user as their group. Across all workers, one plan at a time per
  // user: a user's slow plans (a big archive to index, a slow listing) wait for each other,
  // never for every slot, so other users' runs are planned meanwhile.
  workOptions: (timing) => ({
    localConcurrency: 2,
    groupConcurrency: 1,
    pollingIntervalSeconds: timing.pollSeconds.runs,
    notifyPollingIntervalSeconds: 5,
  }),
  handle: async (job, deps) => {
    const { planRun } = await import('../runs/plan.ts');
    await planRun(deps, job.data.runId, job.signal);
  },
  deadLetter: failAbandonedRunOf(QUEUES.runPlan),
};
