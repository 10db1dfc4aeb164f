import { QUEUES } from '../../core/queues.ts';
import type { JobDefinition } from './index.ts';

export const webhookDeliverJob: JobDefinition<{ id: string }> = {
  queue: QUEUES.webhookDeliver,
  // As mail: quick retries with backoff, then the sweep; heartbeats for a delivery whose worker died.
  policy: { retryLimit: 10, retryDelay: 2, retryDelayMax: 600, expireInSeconds: 300, heartbeatSeconds: 10 },
  workOptions: (timing) => ({
    localConcurrency: 4,
    pollingIntervalSeconds: timing.pollSeconds.notifications,
    notifyPollingIntervalSeconds: 10,
  }),
  handle: async (job, deps) => {
    const { deliverWebhook } = await import('../../core/webhooks.ts');
    await deliverWebhook(deps.db, deps.keyring, job.data.id, deps.config.allowPrivateEndpoints, deps.log);
  },
};
