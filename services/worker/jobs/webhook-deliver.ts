import { QUEUES } from '../../core/queues.ts';
import { deliverWebhook } from '../../core/webhooks.ts';
import type { JobModule } from './index.ts';

export const webhookDeliverJob: JobModule<{ id: string }> = {
  queue: QUEUES.webhookDeliver,
  workOptions: { localConcurrency: 4, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 10 },
  handle: (job, deps) =>
    deliverWebhook(deps.db, deps.keyring, job.data.id, deps.config.allowPrivateEndpoints, deps.log),
};
