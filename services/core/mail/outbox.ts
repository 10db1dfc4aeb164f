// The mail outbox. A mail is written in the same transaction as the change that causes it, with its
// send job, so a crash can delay it but never lose it. Sending holds the mail's row lock, so two
// jobs for one mail never send it side by side, and records the acceptance right after the server
// gave it; a worker killed between the two sends it again with the same Message-ID, which mail
// clients fold into the first copy.
import { randomUUID } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import type pg from 'pg';
import type { Logger } from 'pino';
import { transaction, type Db } from '../db.ts';
import { inTransaction, QUEUES } from '../queues.ts';
import { isPermanent, type Mailer } from './mailer.ts';
import type { Message } from './messages.ts';

/** Mails that could not be delivered for this long are given up, with the reason. */
const GIVE_UP_AFTER_DAYS = 7;

export interface MailToQueue {
  userId: string | null;
  runId?: string | null;
  kind:
    | 'run_ended'
    | 'quota_used_up'
    | 'cloud_needs_reauth'
    | 'verify_address'
    | 'cloud_notice'
    | 'confirm_notify_address'
    | 'account_suspended'
    | 'account_resumed'
    | 'password_reset'
    | 'account_deleted'
    | 'email_change'
    | 'email_change_notice';
  to: string;
  /** One mail per cause: a second mail with the same key is not queued. */
  dedupeKey: string;
  message: Message;
}

/**
 * At most this many mails per account in any hour: more than a person gets from their backups on
 * a bad day, few enough that an account cannot make Ferry a mail cannon (many tasks, runs started
 * in a loop). Mail past it is recorded as failed, with the reason, and not sent; only mail not
 * refused counts, so an account steadily over the cap still gets the cap's worth every hour. A
 * once-only notice to the account's own address (DEFERRED_KINDS) is not refused but sent once the
 * hour has room: its cause is mailed once, and would be lost.
 */
export const MAILS_PER_HOUR = 20;
export const RATE_LIMITED = `rate limited: more than ${MAILS_PER_HOUR} mails for this account within an hour`;

/**
 * Mails whose links are credentials (confirm an address, set a password): once sent or given up,
 * their bodies are not kept, so no copy of the database holds a link that still works.
 */
const LINK_KINDS: readonly MailToQueue['kind'][] = [
  'verify_address',
  'confirm_notify_address',
  'password_reset',
  'email_change',
];
const SCRUBBED = '[sent: the link it carried is not kept]';

/** Mailed once per cause, to the account itself: past the cap they wait instead of being refused. */
const DEFERRED_KINDS: ReadonlySet<MailToQueue['kind']> = new Set([
  'quota_used_up',
  'cloud_needs_reauth',
  'cloud_notice',
]);

/** Queues a mail in the caller's transaction; returns its id, or null when its cause was mailed already. */
export async function queueMail(
  c: pg.PoolClient,
  boss: PgBoss,
  publicUrl: string,
  m: MailToQueue,
): Promise<string | null> {
  const id = randomUUID();
  // Counted per account, so one account's flood never holds back another's mail. Two transactions
  // queuing at the same moment may both pass the count: a mail or two over, never a flood.
  // Mail the limiter refused does not count. A mail counts at its created_at: when it was queued,
  // or for a notice that waits, when it is due (in the future until then). The hour has room
  // again once the MAILS_PER_HOUR-th newest leaves it; no row is found while there are fewer.
  const full = m.userId
    ? (
        await c.query<{ free_at: Date; own: boolean }>(
          `SELECT o.created_at + interval '1 hour' AS free_at, lower(u.email) = lower($4) AS own
             FROM mail_outbox o JOIN users u ON u.id = o.user_id
            WHERE o.user_id = $1 AND o.created_at > now() - interval '1 hour' AND o.last_error IS DISTINCT FROM $2
            ORDER BY o.created_at DESC OFFSET $3 LIMIT 1`,
          [m.userId, RATE_LIMITED, MAILS_PER_HOUR - 1, m.to],
        )
      ).rows[0]
    : undefined;
  const deferTo = full?.own && DEFERRED_KINDS.has(m.kind) ? full.free_at : null;
  const limited = Boolean(full) && !deferTo;
  const { rows } = await c.query<{ id: string }>(
    `INSERT INTO mail_outbox (id, user_id, run_id, kind, recipient, subject, text_body, html_body, message_id,
      dedupe_key, last_error, failed_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $11::text IS NOT NULL
       THEN now() END, coalesce($12::timestamptz, now()))
     ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
    [
      id,
      m.userId,
      m.runId ?? null,
      m.kind,
      m.to,
      m.message.subject,
      m.message.text,
      m.message.html,
      `<${id}@${new URL(publicUrl).hostname}>`,
      m.dedupeKey,
      limited ? RATE_LIMITED : null,
      deferTo,
    ],
  );
  if (!rows[0]) return null;
  // A notice that waits is sent by a job due when the hour has room (the sweep, should that job be lost).
  if (!limited)
    await boss.send(QUEUES.mailSend, { id }, { db: inTransaction(c), ...(deferTo ? { startAfter: deferTo } : {}) });
  return id;
}

const LOCKED = '55P03';

/**
 * Sends one queued mail. Returns quietly when it was sent already or refused for good; throws when
 * it should be tried again (the job's retries, then the sweep, do that).
 */
export async function sendQueuedMail(db: Db, mailer: Mailer, id: string, log: Logger): Promise<void> {
  const failure = await transaction(db, async (c) => {
    let row;
    try {
      ({
        rows: [row],
      } = await c.query(
        `SELECT id, recipient, subject, text_body, html_body, message_id, created_at, sent_at, failed_at,
                created_at < now() - make_interval(days => $2) AS too_old, created_at > now() AS not_yet
           FROM mail_outbox WHERE id = $1 FOR UPDATE NOWAIT`,
        [id, GIVE_UP_AFTER_DAYS],
      ));
    } catch (err) {
      if ((err as { code?: string }).code === LOCKED) return new Error('another worker is sending this mail right now');
      throw err;
    }
    // A notice waiting for its account's hour to have room is sent by its own job when it does.
    if (!row || row.sent_at || row.failed_at || row.not_yet) return null;
    try {
      await mailer.send({
        id: row.id,
        messageId: row.message_id,
        to: row.recipient,
        subject: row.subject,
        text: row.text_body,
        html: row.html_body,
        date: row.created_at,
      });
    } catch (err) {
      const reason = String((err as Error).message ?? err).slice(0, 500);
      const giveUp = isPermanent(err) || row.too_old;
      await c.query(
        `UPDATE mail_outbox SET attempts = attempts + 1, last_attempt_at = now(), ` +
          `last_error = $2, failed_at = CASE WHEN $3 THEN now() END,
           text_body = CASE WHEN $3 AND kind = ANY($4) THEN '${SCRUBBED}' ELSE text_body END,
           html_body = CASE WHEN $3 AND kind = ANY($4) THEN '${SCRUBBED}' ELSE html_body END WHERE id = $1`,
        [id, reason, giveUp, LINK_KINDS],
      );
      if (giveUp) {
        log.warn({ mailId: id, to: row.recipient, reason }, 'mail given up');
        return null;
      }
      return err as Error;
    }
    await c.query(
      `UPDATE mail_outbox SET attempts = attempts + 1, last_attempt_at = now(), last_error = NULL, sent_at = now(),
         text_body = CASE WHEN kind = ANY($2) THEN '${SCRUBBED}' ELSE text_body END,
         html_body = CASE WHEN kind = ANY($2) THEN '${SCRUBBED}' ELSE html_body END WHERE id = $1`,
      [id, LINK_KINDS],
    );
    log.info({ mailId: id, to: row.recipient, subject: row.subject }, 'mail sent');
    return null;
  });
  if (failure) throw failure;
}

/** Mails whose quick retries ran out (a long SMTP outage): queued again, at most once per sweep. */
export async function requeueStaleMail(db: Db, boss: PgBoss, everySeconds: number): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL
        AND coalesce(last_attempt_at, created_at) < now() - make_interval(secs => $1) ORDER BY created_at LIMIT 1000`,
    [everySeconds],
  );
  for (const { id } of rows)
    await boss.send(QUEUES.mailSend, { id }, { singletonKey: `mail-${id}`, singletonSeconds: everySeconds });
  return rows.length;
}
