// Users, browser sessions, personal access tokens and the monthly traffic they are allowed.
import { transaction, type Db, type Queryable } from './db.ts';
import { digest, hashPassword, newSecret, verifyPassword } from './crypto.ts';
import { attemptKey, clearAttempts, countAttempt, TooManyAttemptsError } from './attempts.ts';
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
const SECOND_STEP_MINUTES = 5;
const RESET_MINUTES = 60;
/** Reset links one address may ask for in 15 minutes (attempts.ts). */
const RESETS_PER_WINDOW = 5;

/** Where a request came from, for the sessions list. */
export interface Origin {
  ip: string;
  userAgent?: string;
}

export interface Session {
  token: string;
  csrfToken: string;
  maxAgeSeconds: number;
}

export interface SessionInfo {
  id: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

/** Logins to an address refused for a while; Retry-After says how long. */
export class LoginLockedError extends TooManyAttemptsError {
  constructor(seconds: number) {
    super(seconds, 'failed logins for this account');
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

  async function newSession(q: Queryable, userId: string, from: Origin) {
    const token = newSecret();
    const csrfToken = newSecret();
    await q.query(
      `INSERT INTO sessions (id_digest, user_id, csrf_token, expires_at, ip, user_agent, last_used_at) ` +
        `VALUES ($1, $2, $3, now() + make_interval(days => $4), $5, $6, now())`,
      [digest(token), userId, csrfToken, SESSION_DAYS, from.ip, from.userAgent?.slice(0, 300) ?? null],
    );
    return { token, csrfToken, maxAgeSeconds: SESSION_DAYS * 86400 };
  }

  /** Checks the account's password, counted per account (a stolen session guessing it is slowed down). */
  async function checkPassword(userId: string, password: string): Promise<void> {
    const key = attemptKey('verify', userId);
    await countAttempt(db, key, opts.loginFailureLimit, 'wrong passwords or codes');
    const { rows } = await db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [
      userId,
    ]);
    if (!rows[0] || !(await verifyPassword(password, rows[0].password_hash))) throw errors.wrongPassword();
    await clearAttempts(db, key);
  }

  return {
    async signup(q: Queryable, email: string, password: string, locale: string, from: Origin) {
      const hash = await hashPassword(password);
      const { rows } = await q.query<UserRow>(
        `INSERT INTO users AS u (email, password_hash, locale) ` +
          `VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING ${userColumns}`,
        [email, hash, locale],
      );
      if (!rows[0]) throw errors.emailTaken();
      return { user: toUser(rows[0]), session: await newSession(q, rows[0].id, from) };
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
    /**
     * Checks an address and password. With two-factor sign-in on, no session yet: a challenge the
     * second step (secondStep) answers with a code within SECOND_STEP_MINUTES.
     */
    async login(
      email: string,
      password: string,
      from: Origin,
    ): Promise<{ user: User; session: Session } | { user: User; challenge: string }> {
      const key = attemptKey('login', email);
      try {
        await countAttempt(db, key, opts.loginFailureLimit, 'failed logins for this account');
      } catch (err) {
        if (err instanceof TooManyAttemptsError) throw new LoginLockedError(err.retryAfterSeconds);
        throw err;
      }
      const { rows } = await db.query<UserRow & { password_hash: string; suspended: boolean; two: boolean }>(
        `SELECT ${userColumns}, u.password_hash, u.suspended_at IS NOT NULL AS suspended,
                u.totp_enabled_at IS NOT NULL AS two
           FROM users u WHERE lower(u.email) = lower($1)`,
        [email],
      );
      const row = rows[0];
      const ok = await verifyPassword(password, row?.password_hash ?? (await dummyHash));
      if (!row || !ok) throw errors.invalidCredentials();
      await clearAttempts(db, key);
      const { password_hash: _, suspended, two, ...user } = row;
      // Told only to whoever knows the password: it says nothing about the account to anyone else.
      if (suspended) throw new SuspendedLoginError(user.id);
      if (two) {
        const challenge = newSecret('fc_');
        await db.query(
          `INSERT INTO account_tokens (token_digest, user_id, purpose, expires_at)
           VALUES ($1, $2, 'second_factor', now() + make_interval(mins => $3))`,
          [digest(challenge), user.id, SECOND_STEP_MINUTES],
        );
        return { user: toUser(user), challenge };
      }
      return { user: toUser(user), session: await newSession(db, user.id, from) };
    },

    /**
     * The second step of a sign-in: `check` proves the code (two-factor.ts); the challenge is good
     * for one success, and wrong codes count against the account.
     */
    async secondStep(
      challenge: string,
      check: (userId: string) => Promise<boolean>,
      from: Origin,
    ): Promise<{ user: User; session: Session }> {
      const { rows } = await db.query<UserRow & { suspended: boolean }>(
        `SELECT ${userColumns}, u.suspended_at IS NOT NULL AS suspended FROM account_tokens t
           JOIN users u ON u.id = t.user_id
          WHERE t.token_digest = $1 AND t.purpose = 'second_factor' AND t.expires_at > now()`,
        [digest(challenge)],
      );
      if (!rows[0]) throw errors.invalidChallenge();
      const { suspended, ...user } = rows[0];
      if (suspended) throw new SuspendedLoginError(user.id);
      const key = attemptKey('verify', user.id);
      await countAttempt(db, key, opts.loginFailureLimit, 'wrong passwords or codes');
      if (!(await check(user.id))) throw errors.wrongCode();
      const used = await db.query('DELETE FROM account_tokens WHERE token_digest = $1', [digest(challenge)]);
      if (!used.rowCount) throw errors.invalidChallenge(); // taken by a step at the same moment
      await clearAttempts(db, key);
      return { user: toUser(user), session: await newSession(db, user.id, from) };
    },

    checkPassword,

    /** Runs a check of a code (two-factor.ts) counted against the account like a password. */
    async guardCode<T>(userId: string, check: () => Promise<T>): Promise<T> {
      const key = attemptKey('verify', userId);
      await countAttempt(db, key, opts.loginFailureLimit, 'wrong passwords or codes');
      const result = await check();
      await clearAttempts(db, key);
      return result;
    },

    /** Sets a new password after checking the current one; every other session of the account ends. */
    async changePassword(userId: string, current: string, next: string, keepSession?: string): Promise<void> {
      await checkPassword(userId, current);
      const hash = await hashPassword(next);
      await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, hash]);
      await db.query('DELETE FROM sessions WHERE user_id = $1 AND id_digest IS DISTINCT FROM $2', [
        userId,
        keepSession ?? null,
      ]);
      await clearAttempts(db, attemptKey('verify', userId));
    },

    /**
     * A forgotten password: a single-use link for the account with this address, good for an hour,
     * or undefined (no such account; the caller says the same either way). Asking again replaces
     * the earlier link. Counted per address, known or not.
     */
    async requestReset(email: string): Promise<{ user: User; token: string } | undefined> {
      await countAttempt(db, attemptKey('reset', email), RESETS_PER_WINDOW, 'password resets for this address');
      const { rows } = await db.query<UserRow>(
        `SELECT ${userColumns} FROM users u WHERE lower(u.email) = lower($1) AND u.suspended_at IS NULL`,
        [email],
      );
      if (!rows[0]) return undefined;
      const token = newSecret('fr_');
      await db.query(`DELETE FROM account_tokens WHERE user_id = $1 AND purpose = 'password_reset'`, [rows[0].id]);
      await db.query(
        `INSERT INTO account_tokens (token_digest, user_id, purpose, expires_at)
         VALUES ($1, $2, 'password_reset', now() + make_interval(mins => $3))`,
        [digest(token), rows[0].id, RESET_MINUTES],
      );
      return { user: toUser(rows[0]), token };
    },

    /** Sets the password a reset link allows, once; every session ends. The user, or undefined for a bad link. */
    async confirmReset(token: string, password: string): Promise<User | undefined> {
      const hash = await hashPassword(password);
      const { rows } = await db.query<UserRow>(
        `WITH used AS (DELETE FROM account_tokens WHERE token_digest = $1 AND purpose = 'password_reset'
                         AND expires_at > now() RETURNING user_id)
         UPDATE users u SET password_hash = $2 FROM used WHERE u.id = used.user_id RETURNING ${userColumns}`,
        [digest(token), hash],
      );
      if (!rows[0]) return undefined;
      await db.query('DELETE FROM sessions WHERE user_id = $1', [rows[0].id]);
      await clearAttempts(db, attemptKey('login', rows[0].email));
      return toUser(rows[0]);
    },

    /**
     * A change of address, asked with the password: a single-use link for the new address, good for a
     * day. The address is taken only when it is confirmed (and still free then).
     */
    async requestEmailChange(userId: string, password: string, email: string): Promise<string> {
      await checkPassword(userId, password);
      const taken = await db.query('SELECT 1 FROM users WHERE lower(email) = lower($1)', [email]);
      if (taken.rowCount) throw errors.emailTaken();
      const token = newSecret('fe_');
      await db.query(`DELETE FROM account_tokens WHERE user_id = $1 AND purpose = 'email_change'`, [userId]);
      await db.query(
        `INSERT INTO account_tokens (token_digest, user_id, purpose, email, expires_at)
         VALUES ($1, $2, 'email_change', $3, now() + interval '1 day')`,
        [digest(token), userId, email],
      );
      return token;
    },

    /** The change a link would make, changing nothing; undefined when the link is unknown or expired. */
    async pendingEmailChange(token: string): Promise<{ oldEmail: string; newEmail: string } | undefined> {
      const { rows } = await db.query<{ oldEmail: string; newEmail: string }>(
        `SELECT u.email AS "oldEmail", t.email AS "newEmail" FROM account_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.token_digest = $1 AND t.purpose = 'email_change' AND t.expires_at > now()`,
        [digest(token)],
      );
      return rows[0];
    },

    /** Takes the new address a link confirms, once; undefined for a bad link. */
    async confirmEmailChange(token: string): Promise<{ id: string; oldEmail: string; email: string } | undefined> {
      return transaction(db, async (c) => {
        const { rows } = await c.query<{ user_id: string; email: string; old: string }>(
          `DELETE FROM account_tokens t USING users u WHERE t.token_digest = $1 AND t.purpose = 'email_change'
             AND t.expires_at > now() AND u.id = t.user_id RETURNING t.user_id, t.email, u.email AS old`,
          [digest(token)],
        );
        if (!rows[0]) return undefined;
        // Taken since it was asked (by a signup, even one at this very moment: the unique index says so).
        await c
          .query('UPDATE users SET email = $2, email_verified_at = now() WHERE id = $1', [
            rows[0].user_id,
            rows[0].email,
          ])
          .catch((err: { code?: string }) => {
            throw err.code === '23505' ? errors.emailTaken() : err;
          });
        return { id: rows[0].user_id, oldEmail: rows[0].old, email: rows[0].email };
      });
    },

    /** The account's browser sessions, newest first; `current` marks the one asking. */
    async listSessions(userId: string, currentDigest?: string) {
      const { rows } = await db.query<SessionInfo & { id_digest: string }>(
        `SELECT id, created_at AS "createdAt", last_used_at AS "lastUsedAt", expires_at AS "expiresAt", ip,
                user_agent AS "userAgent", id_digest
           FROM sessions WHERE user_id = $1 AND expires_at > now() ORDER BY created_at DESC, id`,
        [userId],
      );
      return rows.map(({ id_digest, ...r }) => ({ ...r, current: id_digest === currentDigest }));
    },

    async endSession(userId: string, id: string): Promise<void> {
      const { rowCount } = await db.query('DELETE FROM sessions WHERE user_id = $1 AND id = $2', [userId, id]);
      if (!rowCount) throw errors.notFound('Session');
    },

    /** Ends every session of the account but `keep` (the one asking); returns how many ended. */
    async endSessions(userId: string, keep?: string): Promise<number> {
      const { rowCount } = await db.query('DELETE FROM sessions WHERE user_id = $1 AND id_digest IS DISTINCT FROM $2', [
        userId,
        keep ?? null,
      ]);
      return rowCount ?? 0;
    },

    async logout(sessionDigest: string) {
      await db.query('DELETE FROM sessions WHERE id_digest = $1', [sessionDigest]);
    },

    async bySession(token: string): Promise<Principal | undefined> {
      // A suspended account's sessions were ended; one its suspension raced with is refused here.
      const { rows } = await db.query<UserRow & { csrf_token: string; id_digest: string; stale: boolean }>({
        name: 'accounts.bySession',
        text: `SELECT ${userColumns}, s.csrf_token, s.id_digest,
                s.last_used_at IS NULL OR s.last_used_at < now() - interval '1 minute' AS stale
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id_digest = $1 AND s.expires_at > now() AND u.suspended_at IS NULL`,
        values: [digest(token)],
      });
      const { csrf_token, id_digest, stale, ...r } = rows[0] ?? {};
      if (!rows[0]) return undefined;
      // "Last used", to the minute: one write a minute per session, not one per request.
      if (stale) await db.query('UPDATE sessions SET last_used_at = now() WHERE id_digest = $1', [id_digest]);
      return { user: toUser(r as UserRow), via: 'session', csrfToken: csrf_token, sessionDigest: id_digest };
    },

    async byToken(token: string, ip?: string): Promise<Principal | undefined> {
      const { rows } = await db.query<UserRow & { suspended: boolean; token_id: string; stale: boolean }>({
        name: 'accounts.byToken',
        text: `SELECT ${userColumns}, u.suspended_at IS NOT NULL AS suspended, t.id AS token_id,
                t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute'
                  OR t.last_used_ip IS DISTINCT FROM coalesce($2, t.last_used_ip) AS stale
           FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_digest = $1`,
        values: [digest(token), ip ?? null],
      });
      if (!rows[0]) return undefined;
      // The token is the account's own: its holder may be told why it no longer works.
      const { suspended, token_id, stale, ...user } = rows[0];
      if (suspended) throw errors.suspended();
      // "Last used", to the minute and from which address: a write when either changes, not one per
      // request (a script polling a run would otherwise write a row and its WAL for every read).
      if (stale) {
        await db.query(
          `UPDATE api_tokens SET last_used_at = now(), last_used_ip = coalesce($2, last_used_ip) WHERE id = $1`,
          [token_id, ip ?? null],
        );
      }
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
      const { rows } = await db.query<{ used: number; limit: number }>({
        name: 'accounts.usage',
        text: `SELECT coalesce(g.used_bytes, 0) AS used,
                coalesce(u.traffic_limit_bytes, p.monthly_traffic_bytes) AS limit
           FROM users u JOIN plans p ON p.id = u.plan_id
           LEFT JOIN usage g ON g.user_id = u.id AND g.period_start = $2
          WHERE u.id = $1`,
        values: [userId, start],
      });
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
      const { rows } = await db.query<{
        id: string;
        name: string;
        createdAt: Date;
        lastUsedAt: Date | null;
        lastUsedFrom: string | null;
      }>(
        `SELECT id, name, created_at AS "createdAt", last_used_at AS "lastUsedAt", last_used_ip AS "lastUsedFrom" ` +
          `FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id`,
        [userId],
      );
      return rows;
    },

    /** Revokes every token of the account; returns how many. */
    async deleteTokens(userId: string): Promise<number> {
      const { rowCount } = await db.query('DELETE FROM api_tokens WHERE user_id = $1', [userId]);
      return rowCount ?? 0;
    },

    async deleteToken(userId: string, id: string) {
      const { rowCount } = await db.query('DELETE FROM api_tokens WHERE user_id = $1 AND id = $2', [userId, id]);
      if (!rowCount) throw errors.notFound('Token');
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
