// Who is told what, and when. Each method runs inside the transaction of the change it reports, so
// the notification is queued if and only if the change commits.
import type { PgBoss } from 'pg-boss';
import type pg from 'pg';
import type { CloudNotice } from '../../connectors/types.ts';
import { usagePeriod } from './accounts.ts';
import { digest, newSecret } from './crypto.ts';
import type { Queryable } from './db.ts';
import {
  cloudNoticeMessage,
  confirmNotifyMessage,
  links,
  quotaUsedUpMessage,
  reauthMessage,
  runEndedMessage,
  verifyMessage,
  type RunSummary,
} from './mail/messages.ts';
import { queueMail } from './mail/outbox.ts';
import { isFinished, runById, type RunStatus } from './runs.ts';
import type { TaskNotify } from './task-spec.ts';
import { queueWebhook, type WebhookEvent } from './webhooks.ts';

/** How many failed items a run's mail lists. */
const FAILURES_LISTED = 5;
const VERIFY_DAYS = 7;
/** An address named for notifications gets at most one confirmation mail this often. */
const CONFIRM_AGAIN_HOURS = 24;

/** A connector's notice is mailed once per cloud and notice key. */
export const noticeDedupeKey = (cloudId: string, key: string) => `notice:${cloudId}:${key}`;

export function createNotifier(deps: { boss: PgBoss; publicUrl: string }) {
  const { boss, publicUrl } = deps;

  return {
    /**
     * A run ended: its mail, as the task's notify policy asks, and its webhook event. Cancelled runs are not reported.
     */
    async runEnded(c: pg.PoolClient, runId: string): Promise<void> {
      const { rows } = await c.query(
        `SELECT r.id, r.user_id, r.task_id, r.kind, r.status, r.started_at, r.finished_at, r.done_items, r.done_bytes,
          r.skipped_items,
                r.skipped_bytes, r.failed_items, r.error, t.name AS task_name, t.notify, u.email, u.locale,
                EXISTS (SELECT 1 FROM notify_addresses na WHERE na.user_id = r.user_id
                  AND na.email = lower(t.notify->>'email')
                         AND na.confirmed_at IS NOT NULL) AS notify_confirmed,
                (SELECT count(*) FROM run_items WHERE run_id = r.id AND status = 'pending')::int AS pending
           FROM runs r JOIN tasks t ON t.id = r.task_id JOIN users u ON u.id = r.user_id WHERE r.id = $1`,
        [runId],
      );
      const r = rows[0];
      if (!r || !isFinished(r.status as RunStatus) || r.status === 'cancelled') return;
      const notify = { on: 'failure', ...r.notify } as TaskNotify & { webhook?: { url: string } };

      if (notify.on === 'always' || (notify.on === 'failure' && r.status !== 'succeeded')) {
        const types = await c.query<{ media_type: 'photo' | 'video' | 'other'; n: number }>(
          `SELECT media_type, count(*)::int AS n FROM run_items ` +
            `WHERE run_id = $1 AND status = 'done' GROUP BY media_type`,
          [runId],
        );
        const failures = await c.query<{ path: string; error: string | null }>(
          `SELECT path, error FROM run_items WHERE run_id = $1 AND status = 'failed' ORDER BY id LIMIT $2`,
          [runId, FAILURES_LISTED],
        );
        const summary: RunSummary = {
          runId,
          kind: r.kind,
          taskName: r.task_name,
          status: r.status,
          startedAt: r.started_at,
          finishedAt: r.finished_at ?? new Date(),
          done: { items: r.done_items, bytes: r.done_bytes },
          skipped: { items: r.skipped_items, bytes: r.skipped_bytes },
          failed: { items: r.failed_items },
          pending: r.pending,
          doneByType: {
            photo: 0,
            video: 0,
            other: 0,
            ...Object.fromEntries(types.rows.map((t) => [t.media_type, t.n])),
          },
          failures: failures.rows.map((f) => ({ path: f.path, error: f.error ?? 'unknown error' })),
          error: r.error,
          renewsOn: usagePeriod(r.finished_at ?? new Date()).end,
        };
        await queueMail(c, boss, publicUrl, {
          userId: r.user_id,
          runId,
          kind: 'run_ended',
          // An address other than the account's gets run mail only once its owner confirmed it
          // wants it; until then the account hears, as it would without one.
          to:
            notify.email && (r.notify_confirmed || notify.email.toLowerCase() === r.email.toLowerCase())
              ? notify.email
              : r.email,
          dedupeKey: `run:${runId}`,
          message: runEndedMessage(summary, r.locale, publicUrl),
        });
      }

      if (notify.webhook?.url) {
        const run = await runById(c, runId);
        await queueWebhook(c, boss, {
          userId: r.user_id,
          taskId: r.task_id,
          runId,
          url: notify.webhook.url,
          event: `run.${r.status}` as WebhookEvent,
          data: { task: { id: r.task_id, name: r.task_name }, run: { ...run, url: links.run(publicUrl, runId) } },
        });
      }
    },

    /** An item did not fit in the user's traffic quota: one mail per user and month. */
    async quotaUsedUp(c: pg.PoolClient, userId: string, runId: string, period: Date): Promise<void> {
      const { rows } = await c.query(
        // Reserved bytes are those of copies in flight, which will be charged when they finish.
        `SELECT u.email, u.locale, coalesce(g.used_bytes + g.reserved_bytes, 0)
          AS used, coalesce(u.traffic_limit_bytes, p.monthly_traffic_bytes) AS limit
           FROM users u JOIN plans p ON p.id = u.plan_id LEFT JOIN usage g ON g.user_id = u.id AND g.period_start = $2
          WHERE u.id = $1`,
        [userId, period],
      );
      const u = rows[0];
      if (!u) return;
      await queueMail(c, boss, publicUrl, {
        userId,
        runId,
        kind: 'quota_used_up',
        to: u.email,
        dedupeKey: `quota:${userId}:${period.toISOString().slice(0, 10)}`,
        message: quotaUsedUpMessage(
          { usedBytes: u.used, limitBytes: u.limit, renewsOn: usagePeriod(period).end },
          u.locale,
          publicUrl,
        ),
      });
    },

    /**
     * A cloud refused its credentials (a revoked sign-in, a deleted key): it is marked needs_reauth
     * and its owner mailed, once per time it loses its sign-in. Returns whether it changed.
     */
    async cloudNeedsReauth(c: pg.PoolClient, cloudId: string, reason: string): Promise<boolean> {
      const { rows } = await c.query(
        `UPDATE clouds cl SET status = 'needs_reauth', last_error = $2, checked_at = now()
           FROM users u WHERE cl.id = $1 AND u.id = cl.user_id AND cl.status <> 'needs_reauth'
         RETURNING cl.user_id, cl.name, u.email, u.locale, extract(epoch FROM now())::bigint AS at`,
        [cloudId, reason],
      );
      const r = rows[0];
      if (!r) return false;
      await queueMail(c, boss, publicUrl, {
        userId: r.user_id,
        kind: 'cloud_needs_reauth',
        to: r.email,
        dedupeKey: `reauth:${cloudId}:${r.at}`,
        message: reauthMessage({ cloudId, cloudName: r.name, reason }, r.locale, publicUrl),
      });
      return true;
    },

    /**
     * A connector asked for the owner to be told something about a cloud (a Takeout export is late,
     * its schedule ends): one mail per cloud and notice key, in the owner's language, in the words
     * the connector gave. Returns whether a mail was queued (false: mailed before, or the cloud is gone).
     */
    async cloudNotice(c: pg.PoolClient, cloudId: string, notice: CloudNotice): Promise<boolean> {
      const dedupeKey = noticeDedupeKey(cloudId, notice.key);
      // Most sweeps find the notice mailed already.
      const sent = await c.query('SELECT 1 FROM mail_outbox WHERE dedupe_key = $1', [dedupeKey]);
      if (sent.rows.length) return false;
      const { rows } = await c.query(
        'SELECT cl.user_id, u.email, u.locale FROM clouds cl JOIN users u ON u.id = cl.user_id WHERE cl.id = $1',
        [cloudId],
      );
      const r = rows[0];
      if (!r) return false;
      const queued = await queueMail(c, boss, publicUrl, {
        userId: r.user_id,
        kind: 'cloud_notice',
        to: r.email,
        dedupeKey,
        message: cloudNoticeMessage({ cloudId, notice }, r.locale, publicUrl),
      });
      return queued !== null;
    },

    /**
     * A task names `address` for its notifications: unless it is the account's own or confirmed
     * already, it is recorded and mailed a link to confirm it (once a day at most, whatever the
     * saves), and nothing else until then.
     */
    async askToConfirm(
      c: pg.PoolClient,
      user: { id: string; email: string; locale: string },
      address: string,
    ): Promise<void> {
      const email = address.toLowerCase();
      if (email === user.email.toLowerCase()) return;
      await c.query('INSERT INTO notify_addresses (user_id, email) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        user.id,
        email,
      ]);
      const token = newSecret('fn_');
      const { rows } = await c.query(
        `UPDATE notify_addresses SET token_digest = $3, token_expires_at = now() + make_interval(days => $4),
          asked_at = now()
          WHERE user_id = $1 AND email = $2 AND confirmed_at IS NULL
            AND (asked_at IS NULL OR asked_at < now() - make_interval(hours => $5)) RETURNING email`,
        [user.id, email, digest(token), VERIFY_DAYS, CONFIRM_AGAIN_HOURS],
      );
      if (!rows[0]) return;
      await queueMail(c, boss, publicUrl, {
        userId: user.id,
        kind: 'confirm_notify_address',
        to: address,
        dedupeKey: `confirm-notify:${digest(token)}`,
        message: confirmNotifyMessage({ owner: user.email, address, token }, user.locale, publicUrl),
      });
    },

    /** Mails a link that confirms the user's address; earlier links stay valid until they expire. */
    async verifyAddress(c: pg.PoolClient, user: { id: string; email: string; locale: string }): Promise<void> {
      const token = newSecret('fv_');
      await c.query(
        `INSERT INTO email_verifications (token_digest, user_id, expires_at) ` +
          `VALUES ($1, $2, now() + make_interval(days => $3))`,
        [digest(token), user.id, VERIFY_DAYS],
      );
      await queueMail(c, boss, publicUrl, {
        userId: user.id,
        kind: 'verify_address',
        to: user.email,
        dedupeKey: `verify:${digest(token)}`,
        message: verifyMessage({ email: user.email, token }, user.locale, publicUrl),
      });
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;

/** Follows a confirmation link: the address it was mailed to may now get run mail. undefined: unknown or expired. */
export async function confirmNotifyAddress(q: Queryable, token: string): Promise<{ email: string } | undefined> {
  const { rows } = await q.query<{ email: string }>(
    `UPDATE notify_addresses SET confirmed_at = coalesce(confirmed_at, now()), token_digest = NULL,
      token_expires_at = NULL
      WHERE token_digest = $1 AND token_expires_at > now() RETURNING email`,
    [digest(token)],
  );
  return rows[0];
}

/** What became of a run's notifications, for GET /runs/:id. */
export async function runNotifications(q: Queryable, runId: string) {
  const { rows } = await q.query<{
    channel: 'email' | 'webhook';
    event: string;
    to: string;
    status: 'pending' | 'delivered' | 'failed';
    attempts: number;
    last_status: number | null;
    last_error: string | null;
    delivered_at: Date | null;
  }>({
    // Named: GET /runs/:id asks for it on every poll, and its plan costs more than running it.
    name: 'notifications.ofRun',
    text: `SELECT 'email' AS channel, kind AS event, recipient AS to, attempts, NULL::int AS last_status, last_error,
            sent_at AS delivered_at,
            CASE WHEN sent_at IS NOT NULL THEN 'delivered' WHEN failed_at IS NOT NULL THEN 'failed' ELSE 'pending' END
              AS status, created_at
       FROM mail_outbox WHERE run_id = $1
     UNION ALL
     SELECT 'webhook', event, url, attempts, last_status, last_error, delivered_at,
            CASE WHEN delivered_at IS NOT NULL THEN 'delivered' WHEN failed_at IS NOT NULL THEN 'failed'
              ELSE 'pending' END, created_at
       FROM webhook_deliveries WHERE run_id = $1
     ORDER BY created_at`,
    values: [runId],
  });
  return rows.map((r) => ({
    channel: r.channel,
    event: r.event,
    to: r.to,
    status: r.status,
    attempts: r.attempts,
    lastStatus: r.last_status,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
  }));
}
