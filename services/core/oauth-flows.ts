// Sign-ins in progress: connecting a cloud by the OAuth authorization-code flow with PKCE. The
// state, the code verifier and the cloud's name are kept here, not in browser cookies, keyed to
// the Ferry session (or access token) that started the sign-in: a callback is taken only from that
// same session, once, within ten minutes. Cookies alone would let a state and verifier lifted from
// one browser, sent with another account's session, put the first person's cloud in that account.
import crypto from 'node:crypto';
import type { Db } from './db.ts';
import { digest, newSecret } from './crypto.ts';

/** How long a started sign-in may take: the provider's consent page, and back. */
export const FLOW_SECONDS = 600;
const TIMEOUT_MS = 30_000;
/** Sign-ins one session (or access token) may have open at once: a few tabs' worth. */
export const MAX_OPEN_FLOWS = 5;
// An expired sign-in is kept this much longer, so its late callback can say it expired.
const EXPIRED_KEPT_SECONDS = 3600;
// Expired sign-ins each start drops at most.
const SWEEP_ROWS = 100;

/** Who started a sign-in: the user, and the digest of the session cookie or token they used. */
export interface Starter {
  userId: string;
  startedBy: string;
}

export interface TakenFlow {
  verifier: string;
  name: string | null;
  expired: boolean;
}

/** What the provider's token endpoint answers to a code. */
export interface CodeTokens {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  id_token?: string;
}

export function createOAuthFlows(db: Db) {
  return {
    /**
     * Records a new sign-in; returns the state and PKCE challenge for the authorize URL. A starter
     * keeps at most MAX_OPEN_FLOWS: the oldest beyond them are dropped in the same statement, so a
     * session starting in a loop leaves no more rows than that behind.
     */
    async start(
      by: Starter,
      kind: string,
      name: string | undefined,
    ): Promise<{ state: string; codeChallenge: string }> {
      const state = newSecret();
      const verifier = newSecret();
      // Only the starter's own rows, locked newest first: two starts of one session at once take
      // the locks in the same order, and never touch another starter's rows.
      await db.query(
        `WITH oldest AS (
           DELETE FROM oauth_flows WHERE state_digest IN (
             SELECT state_digest FROM oauth_flows WHERE started_by = $3
              ORDER BY created_at DESC, state_digest DESC OFFSET $8 FOR UPDATE))
         INSERT INTO oauth_flows (state_digest, user_id, started_by, kind, verifier, name, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
        [digest(state), by.userId, by.startedBy, kind, verifier, name ?? null, FLOW_SECONDS, MAX_OPEN_FLOWS - 1],
      );
      // Sign-ins never finished are forgotten a while after they could no longer finish (until then
      // a late callback is told it expired), a few at a time, in a statement of their own that skips
      // rows a start or callback holds: it never waits on them.
      await db.query(
        `DELETE FROM oauth_flows WHERE ctid IN (
           SELECT ctid FROM oauth_flows WHERE expires_at < now() - make_interval(secs => $1) LIMIT $2
             FOR UPDATE SKIP LOCKED)`,
        [EXPIRED_KEPT_SECONDS, SWEEP_ROWS],
      );
      return { state, codeChallenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
    },

    /**
     * Takes (uses up) the sign-in `state` names, if this very session started it for this kind of
     * cloud. undefined: unknown, used already, or started by another session or account; those
     * are left as they are, so someone else's callback cannot spoil the owner's sign-in.
     */
    async take(by: Starter, kind: string, state: string): Promise<TakenFlow | undefined> {
      const { rows } = await db.query<TakenFlow>(
        `DELETE FROM oauth_flows WHERE state_digest = $1 AND kind = $2 AND user_id = $3 AND started_by = $4
         RETURNING verifier, name, expires_at <= now() AS expired`,
        [digest(state), kind, by.userId, by.startedBy],
      );
      return rows[0];
    },
  };
}

export type OAuthFlows = ReturnType<typeof createOAuthFlows>;

/** The provider's authorize URL for a started sign-in. */
export function authorizeUrl(
  authUrl: string,
  p: {
    clientId: string;
    redirectUri: string;
    scopes: string[];
    state: string;
    codeChallenge: string;
    extra: Record<string, string>;
  },
): string {
  const url = new URL(authUrl);
  const params = {
    response_type: 'code',
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    scope: p.scopes.join(' '),
    state: p.state,
    code_challenge: p.codeChallenge,
    code_challenge_method: 'S256',
    ...p.extra,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/** Trades the code the provider sent back for tokens (RFC 6749 §4.1.3, with the PKCE verifier). */
export async function exchangeCode(
  client: { clientId: string; clientSecret: string; tokenUrl: string },
  p: { code: string; redirectUri: string; verifier: string },
  signal?: AbortSignal,
): Promise<CodeTokens> {
  const res = await fetch(client.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: p.code,
      redirect_uri: p.redirectUri,
      code_verifier: p.verifier,
      client_id: client.clientId,
      client_secret: client.clientSecret,
    }),
    signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]) : AbortSignal.timeout(TIMEOUT_MS),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok || typeof body.access_token !== 'string') {
    const why = [body.error, body.error_description].filter((x) => typeof x === 'string').join(': ');
    throw new Error(`the token request was answered ${res.status}${why ? ` (${why})` : ''}`);
  }
  return body as unknown as CodeTokens;
}
