// buildWorker: the background side of Ferry. It owns pg-boss maintenance and cron, and works the
// queues listed in jobs/index.ts. Any number of worker processes can share the same database.
import type { Logger } from 'pino';
import type { PgBoss } from 'pg-boss';
import { createClouds, oauthClientsOf, type Clouds } from '../core/clouds.ts';
import { connectorEnvOf, type Config } from '../core/config.ts';
import type { Keyring } from '../core/crypto.ts';
import { createLanePool, type Db } from '../core/db.ts';
import { createMailer, type Mailer } from '../core/mail/mailer.ts';
import { createNotifier, type Notifier } from '../core/notifications.ts';
import { deadLetterOf, QUEUES } from '../core/queues.ts';
import { defaultTiming, type Timing } from '../core/timing.ts';
import { jobDone } from '../core/metrics.ts';
import { jobs } from './jobs/index.ts';

export interface WorkerDeps {
  config: Readonly<Config>;
  db: Db;
  boss: PgBoss;
  keyring: Keyring;
  log: Logger;
  /** The clock and the durations jobs keep to; the defaults unless a test drives time. */
  timing?: Timing;
}

export interface WorkerContext extends WorkerDeps {
  timing: Timing;
  clouds: Clouds;
  notifier: Notifier;
  mailer: Mailer;
  /** Aborted when the process starts to stop: long jobs hand their work over within graceMs. */
  draining: { signal: AbortSignal; graceMs: number };
  /** The copy lanes' connections (db.ts: createLanePool). */
  lanes: Db;
}

/** Copy jobs at once per worker process (run-copy.ts), each with up to this many lanes (copy.ts). */
const LANE_CONNECTIONS = 4 * 8 + 4;

export async function buildWorker(deps: WorkerDeps): Promise<{ drain(): void }> {
  const notifier = createNotifier({ boss: deps.boss, publicUrl: deps.config.publicUrl });
  const draining = new AbortController();
  const lanes = createLanePool(deps.db, LANE_CONNECTIONS);
  // Closed once pg-boss has stopped: no copy job uses it any more.
  deps.boss.once('stopped', () => void lanes.end().catch(() => {}));
  const ctx: WorkerContext = {
    ...deps,
    lanes,
    timing: deps.timing ?? defaultTiming,
    clouds: createClouds(deps.db, deps.keyring, connectorEnvOf(deps.config), {
      clients: oauthClientsOf(deps.config),
      onRevoked: (c, cloudId, reason) => notifier.cloudNeedsReauth(c, cloudId, reason),
    }),
    notifier,
    mailer: createMailer(deps.config, deps.log),
    // Two seconds of FERRY_SHUTDOWN_SECONDS are kept for putting items back and handing the job over.
    draining: { signal: draining.signal, graceMs: Math.max(1000, deps.config.shutdownSeconds * 1000 - 2000) },
  };
  const known = new Set<string>(Object.values(QUEUES));
  const handled = jobs.map((j) => j.queue);
  for (const q of known) if (!handled.includes(q as never)) throw new Error(`No job module handles queue ${q}.`);
  if (new Set(handled).size !== handled.length) throw new Error('Two job modules handle the same queue.');

  for (const job of jobs) {
    await deps.boss.work(job.queue, { ...job.workOptions?.(ctx.timing), batchSize: 1 }, async ([j]) => {
      const started = performance.now();
      try {
        await job.handle(j as never, ctx);
        jobDone(job.queue, 'ok', performance.now() - started);
      } catch (err) {
        jobDone(job.queue, 'failed', performance.now() - started);
        deps.log.warn({ err, queue: job.queue, jobId: j.id, retry: j.retryCount }, 'job failed');
        throw err;
      }
    });
    if (job.cron) await deps.boss.schedule(job.queue, job.cron);
    const { deadLetter } = job;
    if (deadLetter)
      await deps.boss.work(
        deadLetterOf(job.queue),
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: ctx.timing.pollSeconds.runs },
        async ([j]) => {
          deps.log.warn({ queue: job.queue, jobId: j.sourceId, error: j.sourceOutput }, 'job dead-lettered');
          await deadLetter(j as never, ctx);
        },
      );
  }
  // The workers stop with drain() (copy jobs hand their runs over), then boss.stop(), which lets
  // running jobs finish within FERRY_SHUTDOWN_SECONDS.
  deps.log.info({ queues: handled }, 'worker started');
  return { drain: () => draining.abort() };
}
