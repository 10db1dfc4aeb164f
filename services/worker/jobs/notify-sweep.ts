import { QUEUES } from '../../core/queues.ts';
import type { JobDefinition } from './index.ts';

export const notifySweepJob: JobDefinition<object> = {
  queue: QUEUES.notifySweep,
  policy: { retryLimit: 0, retryDelay: 0, expireInSeconds: 300 },
  cron: '*/10 * * * *',
  // Past their jobs' quick retries, undelivered mails and webhooks are queued again every sweep;
  // then the owners of clouds are told what their connectors say they should know.
  handle: async (_job, deps) => {
    const [{ requeueStaleMail }, { requeueStaleWebhooks }, { queueCloudNotices }] = await Promise.all([
      import('../../core/mail/outbox.ts'),
      import('../../core/webhooks.ts'),
      import('../cloud-notices.ts'),
    ]);
    const mails = await requeueStaleMail(deps.db, deps.boss, deps.timing.sweepSeconds);
    const webhooks = await requeueStaleWebhooks(deps.db, deps.boss, deps.timing.sweepSeconds);
    if (mails || webhooks) deps.log.info({ mails, webhooks }, 'undelivered notifications queued again');
    await queueCloudNotices(deps, deps.timing.now());
  },
};
