import { QUEUES } from '../../core/queues.ts';
import type { JobDefinition } from './index.ts';

export const mailSendJob: JobDefinition<{ id: string }> = {
  queue: QUEUES.mailSend,
  // Quick retries with backoff (seconds, then minutes); past them the sweep tries again.
  // Heartbeats: a send that died with its worker is tried again within seconds.
  policy: { retryLimit: 10, retryDelay: 5, retryDelayMax: 600, expireInSeconds: 300, heartbeatSeconds: 10 },
  workOptions: (timing) => ({
    localConcurrency: 2,
    pollingIntervalSeconds: timing.pollSeconds.notifications,
    notifyPollingIntervalSeconds: 10,
  }),
  handle: async (job, deps) => {
    const { sendQueuedMail } = await import('../../core/mail/outbox.ts');
    await sendQueuedMail(deps.db, deps.mailer, job.data.id, deps.log);
  },
};
