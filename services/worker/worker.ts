// buildWorker: the background side of Ferry. It owns pg-boss maintenance and cron, and works the
// queues listed in jobs/index.ts.
import type { Logger } from 'pino';
import type { PgBoss } from 'pg-boss';
import type { Config } from '../core/config.ts';
import type { Keyring } from '../core/crypto.ts';
import type { Db } from '../core/db.ts';
import { jobs } from './jobs/index.ts';

export interface WorkerDeps {
  config: Readonly<Config>;
  db: Db;
  boss: PgBoss;
  keyring: Keyring;
  log: Logger;
}

export async function buildWorker(deps: WorkerDeps) {
  const names = jobs.map((j) => j.queue);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`Two job modules handle queue ${dup}.`);
  for (const job of jobs) {
    await deps.boss.work(job.queue, job.workOptions ?? {}, (batch) => job.handle(batch, deps));
  }
  deps.log.info({ queues: names }, 'worker started');
  return {
    async stop() {
      // Workers stop as part of boss.stop(); nothing else to release yet.
    },
  };
}
