import { requeueStaleMail } from '../../core/mail/outbox.ts';
import { QUEUES } from '../../core/queues.ts';
import { requeueStaleWebhooks } from '../../core/webhooks.ts';
import type { JobModule } from './index.ts';

/** Past its job's quick retries, an undelivered mail or webhook is tried again every 10 minutes. */
const EVERY_SECONDS = 600;

export const notifySweepJob: JobModule<object> = {
  queue: QUEUES.notifySweep,
  cron: '*/10 * * * *',
  handle: async (_job, deps) => {
    const mails = await requeueStaleMail(deps.db, deps.boss, EVERY_SECONDS);
    const webhooks = await requeueStaleWebhooks(deps.db, deps.boss, EVERY_SECONDS);
    if (mails || webhooks) deps.log.info({ mails, webhooks }, 'undelivered notifications queued again');
  },
};
