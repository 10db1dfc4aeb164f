// What the operator's Prometheus scrapes. Two kinds of figures:
// - what this process saw (HTTP requests, provider calls and rate-limit waits, jobs, items recorded,
//   runs ended): counters and histograms in memory, summed over processes by Prometheus;
// - the state of the whole service (queues, active runs, traffic against quotas, mail and webhooks
//   waiting): read from PostgreSQL at scrape time, by API processes only (role api or all), so that
//   Prometheus does not add the same rows up once per process.
// Labels are bounded: route patterns, connector kinds, statuses and reason codes; never ids or paths.
import http from 'node:http';
import client from 'prom-client';
import { observePacers } from '../../connectors/lib/pacer.ts';
import { usagePeriod } from './accounts.ts';
import type { Queryable } from './db.ts';
import { BOSS_SCHEMA } from './queues.ts';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequests = new client.Histogram({
  name: 'ferry_http_request_duration_seconds',
  help: 'HTTP requests by route pattern, method and status, and how long they took',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: seconds,
  registers: [registry],
});

const providerCalls = new client.Counter({
  name: 'ferry_provider_calls_total',
  help: 'Calls to cloud providers by connector and outcome (ok, retried, failed)',
  labelNames: ['connector', 'outcome'] as const,
  registers: [registry],
});

const rateLimitWaits = new client.Counter({
  name: 'ferry_rate_limit_waits_total',
  help: 'Waits before a provider call: the account pacer out of tokens (pacer), a Retry-After, a backoff',
  labelNames: ['connector', 'why'] as const,
  registers: [registry],
});

const rateLimitWaitSeconds = new client.Counter({
  name: 'ferry_rate_limit_wait_seconds_total',
  help: 'Seconds spent waiting before provider calls',
  labelNames: ['connector', 'why'] as const,
  registers: [registry],
});

const jobDurations = new client.Histogram({
  name: 'ferry_job_duration_seconds',
  help: 'Jobs this process worked, by queue and outcome',
  labelNames: ['queue', 'outcome'] as const,
  buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
  registers: [registry],
});

const runsStarted = new client.Counter({
  name: 'ferry_runs_started_total',
  help: 'Runs created, by kind (backup, restore, verify) and trigger (manual, schedule)',
  labelNames: ['kind', 'trigger'] as const,
  registers: [registry],
});

const runsEnded = new client.Counter({
  name: 'ferry_runs_ended_total',
  help: 'Runs ended, by status',
  labelNames: ['status'] as const,
  registers: [registry],
});

const items = new client.Counter({
  name: 'ferry_items_total',
  help: 'Items recorded, by status (done, skipped, failed)',
  labelNames: ['status'] as const,
  registers: [registry],
});

const bytesCopied = new client.Counter({
  name: 'ferry_bytes_copied_total',
  help: 'Bytes copied (items done)',
  registers: [registry],
});

const itemsFailed = new client.Counter({
  name: 'ferry_items_failed_total',
  help: 'Items that failed, by reason code (not_found, corrupt, auth, quota, …; other when unknown)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

// Every pacer of this process reports here: calls by outcome, waits by cause.
observePacers({
  call: (connector, outcome) => providerCalls.inc({ connector, outcome }),
  wait(connector, why, ms) {
    rateLimitWaits.inc({ connector, why });
    rateLimitWaitSeconds.inc({ connector, why }, ms / 1000);
  },
});

export function jobDone(queue: string, outcome: 'ok' | 'failed', ms: number): void {
  jobDurations.observe({ queue, outcome }, ms / 1000);
}

export function runStarted(kind: string, trigger: string, n = 1): void {
  if (n > 0) runsStarted.inc({ kind, trigger }, n);
}

export function runEnded(status: string): void {
  runsEnded.inc({ status });
}

/** An item's outcome as recorded; `reason` a code from a bounded set for a failure. */
export function itemRecorded(status: 'done' | 'skipped' | 'failed', bytes: number, reason?: string): void {
  items.inc({ status });
  if (status === 'done') bytesCopied.inc(bytes);
  if (status === 'failed') itemsFailed.inc({ reason: reason ?? 'other' });
}

// ---- the whole service, read from PostgreSQL at scrape time -----------------------------------------

const gauge = (name: string, help: string, labelNames: string[] = []) =>
  new client.Gauge({ name, help, labelNames, registers: [] });

const cluster = {
  queueDepth: gauge('ferry_queue_jobs', 'Jobs waiting in a queue (created or retry)', ['queue']),
  queueAge: gauge('ferry_queue_oldest_job_age_seconds', 'How long the oldest job due in a queue has waited', ['queue']),
  runsActive: gauge('ferry_runs_active', 'Runs queued or running', ['status']),
  usedBytes: gauge('ferry_traffic_used_bytes', "Traffic used this month, all users' summed"),
  limitBytes: gauge('ferry_traffic_limit_bytes', 'Traffic limits of the users who used any this month, summed'),
  nearLimit: gauge('ferry_users_near_traffic_limit', 'Users past 90% of their monthly traffic'),
  mailPending: gauge('ferry_mails_pending', 'Mails not sent yet'),
  mailFailing: gauge('ferry_mails_failing', 'Mails not sent yet whose last attempt failed'),
  webhooksPending: gauge('ferry_webhooks_pending', 'Webhook deliveries not delivered and not given up'),
  webhooksFailed: gauge('ferry_webhooks_failed', 'Webhook deliveries given up'),
};

/** The cluster-wide figures, read in one round trip (each from an index or a small table). */
async function readCluster(db: Queryable): Promise<void> {
  const { rows } = await db.query<{ figures: Record<string, unknown> }>(
    `SELECT jsonb_build_object(
       'queues', (SELECT coalesce(jsonb_agg(q), '[]') FROM (
          SELECT name, count(*)::int AS n,
                 coalesce(extract(epoch FROM now() - min(start_after) FILTER (WHERE start_after <= now())), 0)::float8
                   AS age
            FROM ${BOSS_SCHEMA}.job WHERE state IN ('created', 'retry') GROUP BY name) q),
       'runs', (SELECT coalesce(jsonb_object_agg(status, n), '{}') FROM (
          SELECT status, count(*)::int AS n FROM runs WHERE status IN ('queued', 'running') GROUP BY status) r),
       'traffic', (SELECT jsonb_build_object(
          'used', coalesce(sum(g.used_bytes), 0)::float8,
          'limit', coalesce(sum(coalesce(u.traffic_limit_bytes, p.monthly_traffic_bytes)), 0)::float8,
          'near', count(*) FILTER (WHERE g.used_bytes > 0.9 * coalesce(u.traffic_limit_bytes, p.monthly_traffic_bytes)))
          FROM usage g JOIN users u ON u.id = g.user_id JOIN plans p ON p.id = u.plan_id
         WHERE g.period_start = $1),
       'mail', (SELECT jsonb_build_object(
          'pending', count(*), 'failing', count(*) FILTER (WHERE last_error IS NOT NULL))
          FROM mail_outbox WHERE sent_at IS NULL),
       'webhooks', (SELECT jsonb_build_object(
          'pending', (SELECT count(*) FROM webhook_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL),
          'failed', (SELECT count(*) FROM webhook_deliveries WHERE failed_at IS NOT NULL)))
     ) AS figures`,
    [usagePeriod().start],
  );
  const f = rows[0].figures as {
    queues: { name: string; n: number; age: number }[];
    runs: Record<string, number>;
    traffic: { used: number; limit: number; near: number };
    mail: { pending: number; failing: number };
    webhooks: { pending: number; failed: number };
  };
  cluster.queueDepth.reset();
  cluster.queueAge.reset();
  for (const q of f.queues) {
    cluster.queueDepth.set({ queue: q.name }, q.n);
    cluster.queueAge.set({ queue: q.name }, q.age);
  }
  for (const status of ['queued', 'running']) cluster.runsActive.set({ status }, f.runs[status] ?? 0);
  cluster.usedBytes.set(f.traffic.used);
  cluster.limitBytes.set(f.traffic.limit);
  cluster.nearLimit.set(f.traffic.near);
  cluster.mailPending.set(f.mail.pending);
  cluster.mailFailing.set(f.mail.failing);
  cluster.webhooksPending.set(f.webhooks.pending);
  cluster.webhooksFailed.set(f.webhooks.failed);
}

const clusterRegistry = new client.Registry();
for (const g of Object.values(cluster)) clusterRegistry.registerMetric(g);

/**
 * The text Prometheus scrapes: this process's figures and, with `db` (API processes), the whole
 * service's. A database that does not answer leaves the service's figures out, not the scrape.
 */
export async function scrape(db?: Queryable): Promise<{ contentType: string; text: string }> {
  let text = await registry.metrics();
  if (db) {
    try {
      await readCluster(db);
      text += await clusterRegistry.metrics();
    } catch {
      text += '# the database did not answer: the service-wide figures are left out of this scrape\n';
    }
  }
  return { contentType: registry.contentType, text };
}

/**
 * FERRY_METRICS_PORT: /metrics (no token: a port for the private network Prometheus scrapes from),
 * and /healthz and /readyz, so that a worker, which has no HTTP server of its own, can be probed too.
 */
export async function serveMetrics(
  port: number,
  host: string,
  db: Queryable,
  cluster: boolean,
): Promise<{ close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = (status: number, type: string, body: string) =>
      res.writeHead(status, { 'content-type': type }).end(body);
    if (req.method !== 'GET') return answer(405, 'text/plain', 'GET only\n');
    if (path === '/healthz') return answer(200, 'application/json', '{"status":"ok"}');
    if (path === '/readyz')
      return void db.query('SELECT 1').then(
        () => answer(200, 'application/json', '{"status":"ready"}'),
        () => answer(503, 'application/json', '{"status":"unavailable"}'),
      );
    if (path !== '/metrics') return answer(404, 'text/plain', 'not found\n');
    void scrape(cluster ? db : undefined).then(
      ({ contentType, text }) => answer(200, contentType, text),
      () => answer(500, 'text/plain', 'metrics failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { close: () => new Promise((resolve) => server.close(() => resolve())) };
}
