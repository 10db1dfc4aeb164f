import { QUEUES } from '../../core/queues.ts';
import { startDueRuns } from '../runs/schedule.ts';
import type { JobModule } from './index.ts';

export const scheduleTickJob: JobModule<object> = {
  queue: QUEUES.scheduleTick,
  cron: '* * * * *',
  handle: async (_job, deps) => {
    const started = await startDueRuns(deps.db, deps.boss);
    if (started) deps.log.info({ started }, 'scheduled runs started');
  },
};
