import { QUEUES } from '../../core/queues.ts';
import type { JobDefinition } from './index.ts';

export const scheduleTickJob: JobDefinition<object> = {
  queue: QUEUES.scheduleTick,
  policy: { retryLimit: 0, retryDelay: 0, expireInSeconds: 300 },
  cron: '* * * * *',
  handle: async (_job, deps) => {
    const { startDueRuns, startDueVerifications } = await import('../runs/schedule.ts');
    const started = await startDueRuns(deps.db, deps.boss, deps.timing.now());
    if (started) deps.log.info({ started }, 'scheduled runs started');
    // After the backups: a task whose backup just started verifies once that run has ended.
    const verifying = await startDueVerifications(deps.db, deps.boss, deps.timing.now());
    if (verifying) deps.log.info({ started: verifying }, 'scheduled verifications started');
  },
};
