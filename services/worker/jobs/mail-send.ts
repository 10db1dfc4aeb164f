import { sendQueuedMail } from '../../core/mail/outbox.ts';
import { QUEUES } from '../../core/queues.ts';
import type { JobModule } from './index.ts';

export const mailSendJob: JobModule<{ id: string }> = {
  queue: QUEUES.mailSend,
  workOptions: { localConcurrency: 2, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 10 },
  handle: (job, deps) => sendQueuedMail(deps.db, deps.mailer, job.data.id, deps.log),
};
