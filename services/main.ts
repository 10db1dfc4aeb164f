// Ferry's process entry point: `npm start`. Starts the roles FERRY_ROLE asks for (API, worker or
// both) on the configured or embedded PostgreSQL, and shuts them down in order on SIGTERM/SIGINT.
import module from 'node:module';
import { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { buildApp } from './api/app.ts';
import { ConfigError, loadConfig, type Config } from './core/config.ts';
import { KeyError, type Keyring } from './core/crypto.ts';
import { createPool, migrate, MigrationError, type Db } from './core/db.ts';
import { DataFolderInUseError, embeddedDatabase } from './core/embedded-postgres.ts';
import { createLogger } from './core/logger.ts';
import { serveMetrics } from './core/metrics.ts';
import { BOSS_SCHEMA, ensureQueues } from './core/queues.ts';
import { loadKeyring } from './core/secret-key.ts';
import { defaultTiming } from './core/timing.ts';
import { buildWorker } from './worker/worker.ts';

export interface Ferry {
  url?: string;
  stop(): Promise<void>;
}

export async function startFerry(config: Readonly<Config>, log: Logger): Promise<Ferry> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err) => log.error({ err }, 'error during shutdown'));
  };
  try {
    let url = config.databaseUrl;
    if (!url) {
      const embedded = await embeddedDatabase(config.dataDir, log);
      cleanups.push(() => embedded.server.stop());
      url = embedded.url;
    }
    const db: Db = createPool(url);
    cleanups.push(() => db.end());
    const applied = await migrate(db);
    if (applied.length) log.info({ applied }, 'migrations applied');
    const keyring: Keyring = await loadKeyring(config, db);

    const worker = config.role !== 'api';
    // Only worker processes run pg-boss maintenance and cron; API processes just send jobs.
    const boss = new PgBoss({
      connectionString: url,
      schema: BOSS_SCHEMA,
      supervise: worker,
      schedule: worker,
      // A plan or copy job whose worker died (no heartbeat) is handed to another worker within ~20 s.
      superviseIntervalSeconds: 10,
      monitorIntervalSeconds: 10,
      useListenNotify: worker,
      max: 5,
    });
    boss.on('error', (err) => log.error({ err }, 'job queue error'));
    await boss.start();
    // Running jobs get FERRY_SHUTDOWN_SECONDS to finish or checkpoint; past it the lease covers them.
    cleanups.push(() => boss.stop({ graceful: true, timeout: config.shutdownSeconds * 1000 }));
    await ensureQueues(boss);

    if (worker) {
      const w = await buildWorker({
        config,
        db,
        boss,
        keyring,
        log,
        timing: { ...defaultTiming, leaseSeconds: config.leaseSeconds },
      });
      // Runs first when stopping (cleanups run last first): no copy lane claims another item.
      cleanups.push(async () => w.drain());
    }
    if (config.metricsPort !== undefined) {
      // Service-wide figures from API processes only: Prometheus would add a worker's copy up too.
      const metrics = await serveMetrics(config.metricsPort, config.host, db, config.role !== 'worker');
      cleanups.push(() => metrics.close());
    }
    let listening: string | undefined;
    if (config.role !== 'worker') {
      const closing = new AbortController();
      const app = await buildApp({ config, db, boss, keyring, logger: log, closing: closing.signal });
      listening = await app.listen({ port: config.port, host: config.host });
      cleanups.push(async () => {
        closing.abort();
        await app.close();
      });
      log.info({ url: listening, publicUrl: config.publicUrl, docs: `${config.publicUrl}/docs` }, 'Ferry is listening');
    }
    return { url: listening, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

const REPEAT_GRACE_MS = 3000;

async function main(): Promise<void> {
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  let ferry: Ferry | undefined;
  const shutDown = (f: Ferry) =>
    f.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  // One stop request often arrives twice: systemd, Docker and `kill -- -PGID` signal the whole
  // process group, and npm passes its own copy on to node. The same signal again within
  // REPEAT_GRACE_MS is that same request; a later one, or another signal, means "exit now" (the
  // embedded PostgreSQL is still stopped then: see embedded-postgres.ts).
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (first) {
      if (signal === first.signal && Date.now() - first.at < REPEAT_GRACE_MS) return;
      log.warn({ signal }, 'second stop request: exiting now');
      process.exit(130);
    }
    first = { signal, at: Date.now() };
    log.info({ signal }, 'shutting down: closing HTTP, letting running jobs finish, closing the database');
    if (ferry) void shutDown(ferry); // else Ferry is still starting: it stops as soon as it has started
  };
  // Listening from the start: a stop during a slow start is a graceful stop too.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    ferry = await startFerry(config, log);
  } catch (err) {
    // Configuration and key problems are the operator's to fix: say what, without a stack trace.
    if (
      err instanceof ConfigError ||
      err instanceof KeyError ||
      err instanceof MigrationError ||
      err instanceof DataFolderInUseError
    ) {
      log.fatal(err.message);
    } else log.fatal({ err }, 'Ferry could not start');
    process.exit(1);
  }
  // Node writes what it compiled to its compile cache (NODE_COMPILE_CACHE) at exit: now as well, so
  // that a process killed before it ever stops gracefully (out of memory, SIGKILL) leaves the next
  // start a warm cache. Nothing is written when every module came from the cache.
  module.flushCompileCache();
  if (first) void shutDown(ferry);
}

if (import.meta.main) await main();
