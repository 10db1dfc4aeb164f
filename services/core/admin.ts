// What the operator's console does, for the admin API and the command line alike: every account
// with its usage, clouds, tasks and last run; a user's plan and own traffic limit; suspension; who
// administers; the audit log; the service's figures. Changes run in the caller's transaction, which
// also writes their audit entry (see admin routes and the CLI).
import type { PgBoss } from 'pg-boss';
import type pg from 'pg';
import { administers, usagePeriod } from './accounts.ts';
import type { Queryable } from './db.ts';
import { errors } from './errors.ts';
import { accountStatusMessage } from './mail/messages.ts';
import { queueMail } from './mail/outbox.ts';
import { decodeCursor, PAGE_SIZE, pageOf, type Page } from './paging.ts';
import * as runState from './run-state.ts';
import { nextRunAt, type Schedule } from './schedule.ts';

export interface AdminUser {
  id: string;
  email: string;
  plan: string;
  /** The user's own monthly traffic limit; null: the plan's. */
  trafficLimitBytes: number | null;
  /** Administers this Ferry; as read here, promoted with the command line only (see `named`). */
  admin: boolean;
  emailVerified: boolean;
  createdAt: Date;
  suspendedAt: Date | null;
  suspendedReason: string | null;
  usage: { periodStart: string; usedBytes: number; limitBytes: number };
  clouds: number;
  tasks: number;
  lastRun: { id: string; status: string; createdAt: string; finishedAt: string | null } | null;
}

const userColumns = `u.id, u.email, u.plan_id AS plan, u.traffic_limit_bytes AS "trafficLimitBytes", u.admin,
  u.email_verified_at IS NOT NULL AS "emailVerified", u.created_at AS "createdAt", u.created_at::text AS "createdKey",
  u.suspended_at AS "suspendedAt", u.suspended_reason AS "suspendedReason",
  coalesce(g.used_bytes, 0) AS "usedBytes", coalesce(u.traffic_limit_bytes, p.monthly_traffic_bytes) AS "limitBytes",
  (SELECT count(*)::int FROM clouds c WHERE c.user_id = u.id) AS clouds,
  (SELECT count(*)::int FROM tasks t WHERE t.user_id = u.id) AS tasks,
  (SELECT json_build_object('id', r.id, 'status', r.status, 'createdAt', r.created_at, 'finishedAt', r.finished_at)
     FROM runs r WHERE r.user_id = u.id ORDER BY r.created_at DESC LIMIT 1) AS "lastRun"`;
const userFrom = `users u JOIN plans p ON p.id = u.plan_id
  LEFT JOIN usage g ON g.user_id = u.id AND g.period_start = $1`;

type UserRow = Omit<AdminUser, 'usage'> & { createdKey: string; usedBytes: number; limitBytes: number };

function view(r: UserRow, periodStart: Date): AdminUser {
  const { createdKey: _, usedBytes, limitBytes, ...u } = r;
  return { ...u, usage: { periodStart: periodStart.toISOString(), usedBytes, limitBytes } };
}

/** The account as the operator sees it: administering also when FERRY_ADMINS names it (and it is confirmed). */
export const withNamedAdmins = (u: AdminUser, admins: readonly string[]): AdminUser => ({
  ...u,
  admin: administers(u, admins),
});

const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Accounts oldest first; `search` matches part of the address. */
export async function listUsers(
  q: Queryable,
  opts: { search?: string; cursor?: string; limit?: number; suspended?: boolean } = {},
): Promise<Page<AdminUser>> {
  const limit = opts.limit ?? PAGE_SIZE;
  const after = decodeCursor(opts.cursor, 2);
  const { start } = usagePeriod();
  const { rows } = await q.query<UserRow>(
    `SELECT ${userColumns} FROM ${userFrom}
      WHERE ($2::text IS NULL OR u.email ILIKE $2)
        AND ($3::boolean IS NULL OR (u.suspended_at IS NOT NULL) = $3)
        AND ($4::timestamptz IS NULL OR (u.created_at, u.id) > ($4::timestamptz, $5::uuid))
      ORDER BY u.created_at, u.id LIMIT $6`,
    [
      start,
      opts.search ? likePattern(opts.search) : null,
      opts.suspended ?? null,
      after?.[0] ?? null,
      after?.[1] ?? null,
      limit + 1,
    ],
  );
  return pageOf(
    rows,
    limit,
    (r) => [r.createdKey, r.id],
    (r) => view(r, start),
  );
}

export async function getUser(q: Queryable, id: string): Promise<AdminUser> {
  const { start } = usagePeriod();
  const { rows } = await q.query<UserRow>(`SELECT ${userColumns} FROM ${userFrom} WHERE u.id = $2`, [start, id]);
  if (!rows[0]) throw errors.notFound('User');
  return view(rows[0], start);
}

/** The account with this address or id (for the command line), locked for a change. */
export async function findUser(q: Queryable, who: string): Promise<{ id: string; email: string }> {
  const byId = /^[0-9a-f-]{36}$/i.test(who);
  const { rows } = await q.query<{ id: string; email: string }>(
    `SELECT id, email FROM users WHERE ${byId ? 'id = $1::uuid' : 'lower(email) = lower($1)'} FOR UPDATE`,
    [who],
  );
  if (!rows[0]) throw errors.notFound(`User ${who}`);
  return rows[0];
}

/** Sets a user's plan and/or own traffic limit (null: the plan's); returns what changed, before and after. */
export async function updateUser(
  q: Queryable,
  id: string,
  patch: { plan?: string; trafficLimitBytes?: number | null },
): Promise<{ before: Record<string, unknown>; after: AdminUser }> {
  const { rows } = await q.query<{ plan: string; trafficLimitBytes: number | null }>(
    `SELECT plan_id AS plan, traffic_limit_bytes AS "trafficLimitBytes" FROM users WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (!rows[0]) throw errors.notFound('User');
  if (patch.plan !== undefined) {
    const plan = await q.query('SELECT 1 FROM plans WHERE id = $1', [patch.plan]);
    if (!plan.rowCount) throw errors.invalid(`There is no plan "${patch.plan}": GET /api/v1/admin/plans lists them.`);
  }
  await q.query(
    `UPDATE users SET plan_id = coalesce($2, plan_id),
            traffic_limit_bytes = CASE WHEN $3 THEN $4 ELSE traffic_limit_bytes END WHERE id = $1`,
    [id, patch.plan ?? null, patch.trafficLimitBytes !== undefined, patch.trafficLimitBytes ?? null],
  );
  return { before: rows[0], after: await getUser(q, id) };
}

/**
 * Holds every schedule of a user's tasks (their account is suspended): no scheduled run or
 * verification is due until releaseSchedules. Waits for a scheduler tick that holds the tasks.
 */
async function holdSchedules(q: Queryable, userId: string): Promise<void> {
  await q.query('UPDATE tasks SET next_run_at = NULL, next_verify_at = NULL WHERE user_id = $1', [userId]);
}

/** Releases held schedules, counting from `now` as a resumed task does (tasks.ts): missed runs are not made up. */
async function releaseSchedules(q: Queryable, userId: string, now: Date): Promise<void> {
  const { rows } = await q.query<{ id: string; schedule: Schedule | null; verify: Schedule | null }>(
    `SELECT id, schedule, options->'verifySchedule' AS verify FROM tasks WHERE user_id = $1 AND NOT paused`,
    [userId],
  );
  await q.query(
    `UPDATE tasks t SET next_run_at = v.run, next_verify_at = v.verify
       FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS v(id, run, verify) WHERE t.id = v.id`,
    [
      rows.map((r) => r.id),
      rows.map((r) => (r.schedule ? nextRunAt(r.schedule, now) : null)),
      rows.map((r) => (r.verify ? nextRunAt(r.verify, now) : null)),
    ],
  );
}

/**
 * Suspends an account: its sessions end, its queued and running runs are cancelled, its schedules
 * are held and it is mailed. Its clouds, tasks and backups stay as they are.
 */
export async function suspend(
  c: pg.PoolClient,
  boss: PgBoss,
  publicUrl: string,
  id: string,
  reason: string | null,
): Promise<{ user: AdminUser; cancelledRuns: number }> {
  const { rows } = await c.query<{ email: string; locale: string; suspended: boolean }>(
    'SELECT email, locale, suspended_at IS NOT NULL AS suspended FROM users WHERE id = $1 FOR UPDATE',
    [id],
  );
  const u = rows[0];
  if (!u) throw errors.notFound('User');
  if (u.suspended) throw errors.conflict('This account is suspended already.');
  await c.query('UPDATE users SET suspended_at = now(), suspended_reason = $2 WHERE id = $1', [id, reason]);
  await c.query('DELETE FROM sessions WHERE user_id = $1', [id]);
  // Schedules first: this waits for a scheduler tick holding the user's tasks, so the runs that
  // tick started are committed, and cancelled below, before no new one can start.
  await holdSchedules(c, id);
  const { rows: active } = await c.query<{ id: string }>(
    `SELECT id FROM runs WHERE user_id = $1 AND status IN ('queued', 'running')`,
    [id],
  );
  for (const r of active) await runState.cancel(c, boss, r.id);
  await queueMail(c, boss, publicUrl, {
    userId: id,
    kind: 'account_suspended',
    to: u.email,
    dedupeKey: `suspended:${id}:${Date.now()}`,
    message: accountStatusMessage({ suspended: true, reason }, u.locale),
  });
  return { user: await getUser(c, id), cancelledRuns: active.length };
}

/** Lifts a suspension: the account can sign in again and its schedules count on from now. */
export async function resume(c: pg.PoolClient, boss: PgBoss, publicUrl: string, id: string): Promise<AdminUser> {
  const { rows } = await c.query<{ email: string; locale: string; suspended: boolean }>(
    'SELECT email, locale, suspended_at IS NOT NULL AS suspended FROM users WHERE id = $1 FOR UPDATE',
    [id],
  );
  const u = rows[0];
  if (!u) throw errors.notFound('User');
  if (!u.suspended) throw errors.conflict('This account is not suspended.');
  await c.query('UPDATE users SET suspended_at = NULL, suspended_reason = NULL WHERE id = $1', [id]);
  await releaseSchedules(c, id, new Date());
  await queueMail(c, boss, publicUrl, {
    userId: id,
    kind: 'account_resumed',
    to: u.email,
    dedupeKey: `resumed:${id}:${Date.now()}`,
    message: accountStatusMessage({ suspended: false }, u.locale),
  });
  return getUser(c, id);
}

/** Promotes a user to administrator or takes it back; false when nothing changed. */
export async function setAdmin(q: Queryable, id: string, admin: boolean): Promise<boolean> {
  const { rowCount } = await q.query('UPDATE users SET admin = $2 WHERE id = $1 AND admin <> $2', [id, admin]);
  return Boolean(rowCount);
}

export interface AuditRow {
  id: number;
  at: Date;
  userId: string | null;
  userEmail: string | null;
  action: string;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** The audit log, newest first; by one user's actions, by action (or its prefix, "admin."). */
export async function auditLog(
  q: Queryable,
  opts: { userId?: string; action?: string; cursor?: string; limit?: number } = {},
): Promise<Page<AuditRow>> {
  const limit = opts.limit ?? PAGE_SIZE;
  const before = decodeCursor(opts.cursor, 1);
  const action = opts.action?.endsWith('.') ? `${opts.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : opts.action;
  const { rows } = await q.query<AuditRow>(
    `SELECT a.id::int AS id, a.created_at AS at, a.user_id AS "userId", u.email AS "userEmail", a.action,
            a.target_id AS "targetId", a.ip, a.details
       FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
      WHERE ($1::uuid IS NULL OR a.user_id = $1) AND ($2::text IS NULL OR a.action LIKE $2)
        AND ($3::bigint IS NULL OR a.id < $3)
      ORDER BY a.id DESC LIMIT $4`,
    [opts.userId ?? null, action ?? null, before?.[0] ?? null, limit + 1],
  );
  return pageOf(
    rows,
    limit,
    (r) => [r.id],
    (r) => r,
  );
}

export interface Stats {
  users: { total: number; suspended: number; admins: number; signedUpLast30Days: number };
  clouds: { total: number; byKind: Record<string, number>; needingReauth: number };
  tasks: { total: number; scheduled: number; paused: number };
  runs: { queued: number; running: number; endedLast24Hours: Record<string, number> };
  traffic: { periodStart: string; usedBytes: number; reservedBytes: number; usersOverQuota: number };
  mail: { pending: number; failedLast24Hours: number };
}

/** The service's figures at a glance. */
export async function stats(q: Queryable, admins: readonly string[]): Promise<Stats> {
  const { start } = usagePeriod();
  const one = async <T>(sql: string, params: unknown[] = []) =>
    (await q.query<T & pg.QueryResultRow>(sql, params)).rows;
  const [users] = await one<Stats['users']>(
    `SELECT count(*)::int AS total, count(suspended_at)::int AS suspended,
            count(*) FILTER (WHERE admin OR (email_verified_at IS NOT NULL AND lower(email) = ANY($1)))::int AS admins,
            count(*) FILTER (WHERE created_at > now() - interval '30 days')::int AS "signedUpLast30Days" FROM users`,
    [admins],
  );
  const kinds = await one<{ kind: string; n: number; reauth: number }>(
    `SELECT kind, count(*)::int AS n, count(*) FILTER (WHERE status = 'needs_reauth')::int AS reauth
       FROM clouds GROUP BY kind ORDER BY kind`,
  );
  const [tasks] = await one<Stats['tasks']>(
    `SELECT count(*)::int AS total, count(schedule)::int AS scheduled, count(*) FILTER (WHERE paused)::int AS paused
       FROM tasks`,
  );
  const [active] = await one<{ queued: number; running: number }>(
    `SELECT count(*) FILTER (WHERE status = 'queued')::int AS queued,
            count(*) FILTER (WHERE status = 'running')::int AS running
       FROM runs WHERE status IN ('queued', 'running')`,
  );
  const ended = await one<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM runs WHERE finished_at > now() - interval '24 hours'
      GROUP BY status ORDER BY status`,
  );
  const [traffic] = await one<{ used: number; reserved: number; over: number }>(
    `SELECT coalesce(sum(g.used_bytes), 0)::bigint AS used, coalesce(sum(g.reserved_bytes), 0)::bigint AS reserved,
            count(*) FILTER (WHERE g.used_bytes >= coalesce(u.traffic_limit_bytes, p.monthly_traffic_bytes))::int
              AS over
       FROM usage g JOIN users u ON u.id = g.user_id JOIN plans p ON p.id = u.plan_id WHERE g.period_start = $1`,
    [start],
  );
  const [mail] = await one<Stats['mail']>(
    `SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL)::int AS pending,
            count(*) FILTER (WHERE failed_at > now() - interval '24 hours')::int AS "failedLast24Hours"
       FROM mail_outbox WHERE (sent_at IS NULL AND failed_at IS NULL) OR failed_at > now() - interval '24 hours'`,
  );
  return {
    users,
    clouds: {
      total: kinds.reduce((n, k) => n + k.n, 0),
      byKind: Object.fromEntries(kinds.map((k) => [k.kind, k.n])),
      needingReauth: kinds.reduce((n, k) => n + k.reauth, 0),
    },
    tasks,
    runs: { ...active, endedLast24Hours: Object.fromEntries(ended.map((e) => [e.status, e.n])) },
    traffic: {
      periodStart: start.toISOString(),
      usedBytes: traffic.used,
      reservedBytes: traffic.reserved,
      usersOverQuota: traffic.over,
    },
    mail,
  };
}
