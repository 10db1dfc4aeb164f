// Attempts counted per key (an address, an account) in windows of 15 minutes, in PostgreSQL so that
// every API process counts the same: logins per address, password resets per address, second
// factors and password checks per account. Unknown addresses count alike: a limit says nothing of
// whether an account exists.
import type { Db } from './db.ts';
import { digest } from './crypto.ts';
import { AppError } from './errors.ts';

export const ATTEMPT_WINDOW_SECONDS = 15 * 60;
// Passed windows each attempt drops at most: more than attempts can leave behind, a bounded cost each.
const SWEEP_ROWS = 100;

/** Attempts refused for a while; Retry-After says how long. */
export class TooManyAttemptsError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(seconds: number, what: string) {
    super('rate_limited', 429, `Too many ${what}: try again in ${Math.ceil(seconds / 60)} minutes.`);
    this.retryAfterSeconds = seconds;
  }
}

/** The key of what is counted: `kind` names the limit, `who` the address or account. */
export const attemptKey = (kind: 'login' | 'reset' | 'verify', who: string) =>
  digest(kind === 'login' ? who.toLowerCase() : `${kind}:${who.toLowerCase()}`);

/**
 * Counts an attempt, atomically, so attempts made at once from several processes cannot exceed the
 * limit between them; throws TooManyAttemptsError past `limit` within the window.
 */
export async function countAttempt(db: Db, key: string, limit: number, what: string): Promise<void> {
  // Only the caller's own row: a statement that also touched other keys' rows could lock them while
  // an attempt on one of those held its own and wanted ours (a deadlock).
  const { rows } = await db.query<{ failures: number; retry_after: number }>(
    `INSERT INTO login_failures AS f (email_digest, failures) VALUES ($1, 1)
     ON CONFLICT (email_digest) DO UPDATE SET
       failures = CASE WHEN f.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE f.failures + 1 END,
       window_start = CASE WHEN f.window_start <= now() - make_interval(secs => $2) THEN now()
         ELSE f.window_start END
     RETURNING failures, ceil(extract(epoch FROM f.window_start + make_interval(secs => $2) - now()))::int
       AS retry_after`,
    [key, ATTEMPT_WINDOW_SECONDS],
  );
  // Counts left from windows that have passed are dropped a few at a time, in a statement of their
  // own that skips rows another attempt holds: it never waits, so it never deadlocks.
  await db.query(
    `DELETE FROM login_failures WHERE ctid IN (
       SELECT ctid FROM login_failures WHERE window_start <= now() - make_interval(secs => $1) LIMIT $2
         FOR UPDATE SKIP LOCKED)`,
    [ATTEMPT_WINDOW_SECONDS, SWEEP_ROWS],
  );
  if (rows[0].failures > limit) throw new TooManyAttemptsError(Math.max(1, rows[0].retry_after), what);
}

/** A success clears the count. */
export async function clearAttempts(db: Db, key: string): Promise<void> {
  await db.query('DELETE FROM login_failures WHERE email_digest = $1', [key]);
}
