// Webhooks: a task may name a URL that is told how each of its runs ended. Each event is stored as
// a delivery, in the same transaction as the run's end, then POSTed by a job with retries.
//
// Signature (documented in README "Webhooks"): the header
//   Ferry-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// A receiver recomputes v1 with the task's secret over the timestamp, a dot and the raw body, compares
// in constant time, and rejects timestamps too far from its clock (replays). Ferry-Delivery carries
// the delivery id, the same on every retry, so a receiver can drop repeats.
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { PgBoss } from 'pg-boss';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Keyring } from './crypto.ts';
import { transaction, type Db } from './db.ts';
import { assertPublicHost, publicOnlyLookup } from '../../connectors/lib/net-guard.ts';
import { inTransaction, QUEUES } from './queues.ts';

export const WEBHOOK_EVENTS = ['run.succeeded', 'run.partial', 'run.failed', 'run.quota_exceeded'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

const TIMEOUT_MS = 10_000;
const GIVE_UP_AFTER_DAYS = 3;

export function signature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Queues an event for a task's webhook in the caller's transaction; one delivery per run and event. */
export async function queueWebhook(
  c: pg.PoolClient,
  boss: PgBoss,
  d: { userId: string; taskId: string; runId: string; url: string; event: WebhookEvent; data: unknown },
): Promise<void> {
  const id = randomUUID();
  const body = JSON.stringify({ id, event: d.event, createdAt: new Date().toISOString(), data: d.data });
  const { rows } = await c.query(
    `INSERT INTO webhook_deliveries (id, user_id, task_id, run_id, event, url, body) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (run_id, event) DO NOTHING RETURNING id`,
    [id, d.userId, d.taskId, d.runId, d.event, d.url, body],
  );
  if (rows[0]) await boss.send(QUEUES.webhookDeliver, { id }, { db: inTransaction(c) });
}

interface Response {
  status: number;
}

/** One POST: no redirects followed, private addresses refused unless allowed, bounded in time. */
async function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  allowPrivate: boolean,
): Promise<Response> {
  const target = new URL(url);
  if (!allowPrivate) await assertPublicHost(target.hostname); // literal IPs skip the lookup below
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      target,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'Ferry-Webhooks/1',
        },
        lookup: allowPrivate ? undefined : publicOnlyLookup,
        timeout: TIMEOUT_MS,
      },
      (res) => {
        res.resume(); // the answer's body does not matter
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Delivers one queued event; throws when it should be tried again. */
export async function deliverWebhook(
  db: Db,
  keyring: Keyring,
  id: string,
  allowPrivate: boolean,
  log: Logger,
): Promise<void> {
  const failure = await transaction(db, async (c) => {
    let row;
    try {
      ({
        rows: [row],
      } = await c.query(
        `SELECT d.id, d.url, d.event, d.body, d.delivered_at, d.failed_at, t.webhook_secret,
                d.created_at < now() - make_interval(days => $2) AS too_old
           FROM webhook_deliveries d JOIN tasks t ON t.id = d.task_id WHERE d.id = $1 FOR UPDATE OF d NOWAIT`,
        [id, GIVE_UP_AFTER_DAYS],
      ));
    } catch (err) {
      if ((err as { code?: string }).code === '55P03')
        return new Error('another worker is delivering this event right now');
      throw err;
    }
    if (!row || row.delivered_at || row.failed_at) return null;
    if (!row.webhook_secret) {
      await c.query(
        `UPDATE webhook_deliveries SET failed_at = now(), ` +
          `last_error = 'The task no longer has a webhook.' WHERE id = $1`,
        [id],
      );
      return null;
    }
    const secret = keyring.open(row.webhook_secret);
    const timestamp = Math.floor(Date.now() / 1000);
    let status: number | null = null;
    let error: string | null = null;
    try {
      ({ status } = await post(
        row.url,
        {
          'ferry-event': row.event,
          'ferry-delivery': row.id,
          'ferry-signature': signature(secret, timestamp, row.body),
        },
        row.body,
        allowPrivate,
      ));
      if (status < 200 || status >= 300) error = `The endpoint answered ${status}.`;
    } catch (err) {
      error = String((err as Error).message ?? err).slice(0, 500);
    }
    const giveUp = error !== null && row.too_old;
    await c.query(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = now(), last_status = $2,
        last_error = $3,
              delivered_at = CASE WHEN $3::text IS NULL THEN now() END, failed_at = CASE WHEN $4 THEN now() END
        WHERE id = $1`,
      [id, status, error, giveUp],
    );
    if (error === null) log.info({ deliveryId: id, event: row.event, status }, 'webhook delivered');
    return error !== null && !giveUp ? new Error(`webhook ${row.event} to ${new URL(row.url).host}: ${error}`) : null;
  });
  if (failure) throw failure;
}

/** Deliveries whose quick retries ran out: queued again, at most once per sweep. */
export async function requeueStaleWebhooks(db: Db, boss: PgBoss, everySeconds: number): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM webhook_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL
        AND coalesce(last_attempt_at, created_at) < now() - make_interval(secs => $1) ORDER BY created_at LIMIT 1000`,
    [everySeconds],
  );
  for (const { id } of rows)
    await boss.send(QUEUES.webhookDeliver, { id }, { singletonKey: `webhook-${id}`, singletonSeconds: everySeconds });
  return rows.length;
}
