// Users, browser sessions, personal access tokens and the monthly traffic they are allowed.
import type { Db, Queryable } from './db.ts';
import { digest, hashPassword, newSecret, verifyPassword } from './crypto.ts';
import { AppError, errors } from './errors.ts';

export interface User {
  id: string;
  email: string;
  plan: string;
  /** The language of the user's mails. */
  locale: string;
  emailVerified: boolean;
  /** Administers this Ferry (see administers). */
  admin: boolean;
}

export interface Principal {
  user: User;
  /** How the request proved who it is; only cookie sessions need a CSRF token. */
  via: 'session' | 'token';
  csrfToken?: string;
  sessionDigest?: string;
}

const SESSION_DAYS = 30;
// Failed logins per account are counted in windows of this length (see login below).
const LOGIN_WINDOW_SECONDS = 15 * 60;
// Passed windows each login drops at most: more than logins can leave behind, a bounded cost each.
const SWEEP_ROWS = 100;

/** Logins to an address refused for a while; Retry-After says how long. */
export class LoginLockedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(seconds: number) {
    super(
      'rate_limited',
      429,
      `Too many failed logins for this account: try again in ${Math.ceil(seconds / 60)} minutes.`,
    );
    this.retryAfterSeconds = seconds;
  }
}
/** The right password for a suspended account: refused, and audited as such. */
export class SuspendedLoginError extends AppError {
  readonly userId: string;
  constructor(userId: string) {
    const e = errors.suspended();
    super(e.code, e.status, e.message);
    this.userId = userId;
  }
}
// A hash to compare against when the email is unknown, so both cases take the same time.
const dummyHash = hashPassword('ferry-timing-equaliser');

const userColumns =
  'u.id, u.email, u.plan_id AS plan, u.locale, u.email_verified_at IS NOT NULL AS "emailVerified", u.admin AS promoted';
/** A user as the queries above give it: promoted by command (FERRY_ADMINS names the other administrators). */
type UserRow = Omit<User, 'admin'> & { promoted: boolean };

/**
 * Whether a user administers this Ferry: promoted with the command line, or named by FERRY_ADMINS
 * with a confirmed address (unconfirmed, anyone could sign up first with the address named).
 */
export function administers(
  u: { email: string; admin: boolean; emailVerified: boolean },
  named: readonly string[],
): boolean {
  return u.admin || (u.emailVerified && named.includes(u.email.toLowerCase()));
}

/** The calendar month (UTC) a moment falls in: traffic quotas reset on the 1st. */
export function usagePeriod(at = new Date()): { start: Date; end: Date } {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return { start, end };
}

export function createAccounts(
  db: Db,
  opts: { loginFailureLimit: number; admins?: readonly string[] } = { loginFailureLimit: 10 },
) {
  const named = opts.admins ?? [];
  const toUser = ({ promoted, ...u }: UserRow): User => ({
    ...u,
    admin: administers({ ...u, admin: promoted }, named),
  });

  async function newSession(q: Queryable, userId: string) {
    const token = newSecret();
    const csrfToken = newSecret();
    await q.query(
      `INSERT INTO sessions (id_digest, user_id, csrf_token, expires_at) ` +
        `VALUES ($1, $2, $3, now() + make_interval(days => $4))`,
      [digest(token), userId, csrfToken, SESSION_DAYS],
    );
    return { token, csrfToken, maxAgeSeconds: SESSION_DAYS * 86400 };
  }

  return {
    async signup(q: Queryable, email: string, password: string, locale: string) {
      const hash = await hashPassword(password);
      const { rows } = await q.query<UserRow>(
        `INSERT INTO users AS u (email, password_hash, locale) ` +
          `VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING ${userColumns}`,
        [email, hash, locale],
      );
      if (!rows[0]) throw errors.emailTaken();
      return { user: toUser(rows[0]), session: await newSession(q, rows[0].id) };
    },

    /** The address a mailed link would confirm, changing nothing; undefined when the link is unknown or expired. */
    async pendingVerification(token: string): Promise<{ email: string } | undefined> {
      const { rows } = await db.query<{ email: string }>(
        `SELECT u.email FROM email_verifications v JOIN users u ON u.id = v.user_id ` +
          `WHERE v.token_digest = $1 AND v.expires_at > now()`,
        [digest(token)],
      );
      return rows[0];
    },

    /** Confirms the address a mailed link was sent to; undefined when the link is unknown or expired. */
    async verifyEmail(token: string): Promise<{ email: string } | undefined> {
      const { rows } = await db.query<{ email: string }>(
        `WITH used AS (DELETE FROM email_verifications WHERE token_digest = $1 AND expires_at > now() RETURNING user_id)
         UPDATE users u SET email_verified_at = coalesce(u.email_verified_at, now()) FROM used
           WHERE u.id = used.user_id RETURNING u.email`,
        [digest(token)],
      );
      return rows[0];
    },

    /**
     * Checks a password. Each attempt counts against the address first, atomically, so attempts made
     * at once from several processes cannot exceed the limit between them; a success clears the count.
     * Unknown addresses are counted alike and take as long: neither tells whether an account exists.
     */
    async login(email: string, password: string) {
      const key = digest(email.toLowerCase());
      // Only the caller's own row: a statement that also touched other addresses' rows could lock
      // them while a login to one of those held its own and wanted ours (a deadlock).
      const { rows: counted } = await db.query<{ failures: number; retry_after: number }>(
        `INSERT INTO login_failures AS f (email_digest, failures) VALUES ($1, 1)
         ON CONFLICT (email_digest) DO UPDATE SET
           failures = CASE WHEN f.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE f.failures + 1 END,
           window_start = CASE WHEN f.window_start <= now() - make_interval(secs => $2) THEN now()
             ELSE f.window_start END
         RETURNING failures, ceil(extract(epoch FROM f.window_start + make_interval(secs => $2) - now()))::int
           AS retry_after`,
        [key, LOGIN_WINDOW_SECONDS],
      );
      // Counts left from windows that have passed are dropped a few at a time, in a statement of
      // their own that skips rows another login holds: it never waits, so it never deadlocks.
      await db.query(
        `DELETE FROM login_failures WHERE ctid IN (
           SELECT ctid FROM login_failures WHERE window_start <= now() - make_interval(secs => $1) LIMIT $2
             FOR UPDATE SKIP LOCKED)`,
        [LOGIN_WINDOW_SECONDS, SWEEP_ROWS],
      );
      if (counted[0].failures > opts.loginFailureLimit) throw new LoginLockedError(Math.max(1, counted[0].retry_after));
      const { rows } = await db.query<UserRow & { password_hash: string; suspended: boolean }>(
        `SELECT ${userColumns}, u.password_hash, u.suspended_at IS NOT NULL AS suspended
           FROM users u WHERE lower(u.email) = lower($1)`,
        [email],
      );
      const row = rows[0];
      const ok = await verifyPassword(password, row?.password_hash ?? (await dummyHash));
      if (!row || !ok) throw errors.invalidCredentials();
      await db.query('DELETE FROM login_failures WHERE email_digest = $1', [key]);
      const { password_hash: _, suspended, ...user } = row;
      // Told only to whoever knows the password: it says nothing about the account to anyone else.
      if (suspended) throw new SuspendedLoginError(user.id);
      return { user: toUser(user), session: await newSession(db, user.id) };
    },

    async logout(sessionDigest: string) {
      await db.query('DELETE FROM sessions WHERE id_digest = $1', [sessionDigest]);
    },

    async bySession(token: string): Promise<Principal | undefined> {
      // A suspended account's sessions were ended; one its suspension raced with is refused here.
      const { rows } = await db.query<UserRow & { csrf_token: string; id_digest: string }>(
        `SELECT ${userColumns}, s.csrf_token, s.id_digest FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id_digest = $1 AND s.expires_at > now() AND u.suspended_at IS NULL`,
        [digest(token)],
      );
      const { csrf_token, id_digest, ...r } = rows[0] ?? {};
      if (!rows[0]) return undefined;
      return { user: toUser(r as UserRow), via: 'session', csrfToken: csrf_token, sessionDigest: id_digest };
    },

    async byToken(token: string): Promise<Principal | undefined> {
      const { rows } = await db.query<UserRow & { suspended: boolean }>(
        `UPDATE api_tokens t SET last_used_at = now() FROM users u
          WHERE t.token_digest = $1 AND u.id = t.user_id
          RETURNING ${userColumns}, u.suspended_at IS NOT NULL AS suspended`,
        [digest(token)],
      );
      if (!rows[0]) return undefined;
      // The token is the account's own: its holder may be told why it no longer works.
      const { suspended, ...user } = rows[0];
      if (suspended) throw errors.suspended();
      return { user: toUser(user), via: 'token' };
    },

    /** Sets the language of the user's mails (and of the web app once signed in); answers the user. */
    async setLocale(q: Queryable, userId: string, locale: string): Promise<User> {
      const { rows } = await q.query<UserRow>(
        `UPDATE users u SET locale = $2 WHERE u.id = $1 RETURNING ${userColumns}`,
        [userId, locale],
      );
      if (!rows[0]) throw errors.notFound('User');
      return toUser(rows[0]);
    },

    async usage(userId: string) {
      const { start, end } = usagePeriod();
      const { rows } = await db.query<{ used: number; limit: number }>(
        `SELECT coalesce(g.used_bytes, 0) AS used, coalesce(u.traffic_limit_bytes, p.monthly_traffic_bytes) AS limit
           FROM users u JOIN plans p ON p.id = u.plan_id
           LEFT JOIN usage g ON g.user_id = u.id AND g.period_start = $2
          WHERE u.id = $1`,
        [userId, start],
      );
      return {
        periodStart: start.toISOString(),
        periodEnd: end.toISOString(),
        usedBytes: rows[0].used,
        limitBytes: rows[0].limit,
      };
    },

    async createToken(userId: string, name: string, q: Queryable = db) {
      const token = newSecret('fy_');
      const { rows } = await q.query<{ id: string; name: string; createdAt: Date }>(
        `INSERT INTO api_tokens (user_id, name, token_digest) ` +
          `VALUES ($1, $2, $3) RETURNING id, name, created_at AS "createdAt"`,
        [userId, name, digest(token)],
      );
      return { ...rows[0], token };
    },

    async listTokens(userId: string) {
      const { rows } = await db.query<{ id: string; name: string; createdAt: Date; lastUsedAt: Date | null }>(
        `SELECT id, name, created_at AS "createdAt", last_used_at AS "lastUsedAt" ` +
          `FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id`,
        [userId],
      );
      return rows;
    },

    async deleteToken(userId: string, id: string) {
      const { rowCount } = await db.query('DELETE FROM api_tokens WHERE user_id = $1 AND id = $2', [userId, id]);
      if (!rowCount) throw errors.notFound('Token');
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
