// The OAuth tokens of a connected cloud: sealed in clouds.secrets, handed to its connector as a
// TokenSource. Refreshing takes the cloud's row lock, so of all the workers that find the token
// stale at once, one refreshes and the others use what it stored; a rotated refresh token
// (Microsoft) is saved in the same transaction. A refused refresh (invalid_grant: revoked, expired)
// marks the cloud needs_reauth and tells its owner, once.
import type pg from 'pg';
import type { TokenSource } from '../../connectors/oauth.ts';
import { CloudError } from '../../connectors/types.ts';
import type { Keyring } from './crypto.ts';
import { transaction, type Db } from './db.ts';

/** What clouds.secrets holds for an OAuth cloud. */
export interface StoredTokens {
  accessToken: string;
  refreshToken?: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
}

/** Refresh this long before the provider would refuse the token. */
const EARLY_MS = 60_000;
const TIMEOUT_MS = 30_000;

/** Refreshes in flight in this process, per cloud: concurrent callers share one. */
const inFlight = new Map<string, Promise<StoredTokens>>();

export interface TokenDeps {
  db: Db;
  keyring: Keyring;
  /** Marks the cloud needs_reauth and queues the reconnect mail, in the caller's transaction. */
  onRevoked(c: pg.PoolClient, cloudId: string, reason: string): Promise<unknown>;
}

/** Asks the provider for new tokens; CloudError('unauthorized') when it refuses the refresh token. */
export async function refreshAt(
  client: OAuthClient,
  refreshToken: string,
  signal?: AbortSignal,
): Promise<{ tokens: Omit<StoredTokens, 'refreshToken'> & { refreshToken?: string }; refused?: string }> {
  let res: Response;
  try {
    res = await fetch(client.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }),
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]) : AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new CloudError(
      'unreachable',
      `The sign-in service did not answer (${(err as Error).message}); trying again later.`,
      { cause: err },
    );
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.ok && typeof body.access_token === 'string') {
    return {
      tokens: {
        accessToken: body.access_token,
        refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
        expiresAt: Date.now() + Number(body.expires_in ?? 3600) * 1000,
      },
    };
  }
  // invalid_grant: the refresh token was revoked, expired or used up. Anything else is the
  // provider's trouble or ours (a wrong client secret), not the user's.
  if (body.error === 'invalid_grant')
    return { tokens: { accessToken: '', expiresAt: 0 }, refused: String(body.error_description ?? body.error) };
  throw new CloudError(
    'unreachable',
    `The sign-in service answered ${res.status} ${String(body.error ?? '')}: trying again later.`,
  );
}

export function createTokenSource(
  deps: TokenDeps,
  client: OAuthClient,
  cloud: { id: string; name: string },
  initial: StoredTokens,
): TokenSource {
  let current = initial;
  const revokedMessage = `Ferry's sign-in to '${cloud.name}' was revoked or has expired: reconnect the cloud.`;

  async function refreshStored(stale: string, signal?: AbortSignal): Promise<StoredTokens> {
    const result = await transaction(deps.db, async (c) => {
      const { rows } = await c.query<{ secrets: string; status: string }>(
        'SELECT secrets, status FROM clouds WHERE id = $1 FOR UPDATE',
        [cloud.id],
      );
      if (!rows[0]) throw new CloudError('not_found', `The cloud '${cloud.name}' was removed.`);
      if (rows[0].status === 'needs_reauth') return { refused: revokedMessage };
      const stored = JSON.parse(deps.keyring.open(rows[0].secrets)) as StoredTokens;
      // Another worker refreshed it meanwhile: use its token.
      if (stored.accessToken !== stale && stored.expiresAt - EARLY_MS > Date.now()) return { tokens: stored };
      if (!stored.refreshToken) {
        await deps.onRevoked(c, cloud.id, revokedMessage);
        return { refused: revokedMessage };
      }
      const fresh = await refreshAt(client, stored.refreshToken, signal);
      if (fresh.refused) {
        await deps.onRevoked(c, cloud.id, `${revokedMessage} (${fresh.refused})`);
        return { refused: revokedMessage };
      }
      const next: StoredTokens = { ...fresh.tokens, refreshToken: fresh.tokens.refreshToken ?? stored.refreshToken };
      await c.query('UPDATE clouds SET secrets = $2, key_id = $3, updated_at = now() WHERE id = $1', [
        cloud.id,
        deps.keyring.seal(JSON.stringify(next)),
        deps.keyring.currentId,
      ]);
      return { tokens: next };
    });
    if ('refused' in result && result.refused) throw new CloudError('unauthorized', result.refused);
    return (result as { tokens: StoredTokens }).tokens;
  }

  async function refresh(stale: string, signal?: AbortSignal): Promise<string> {
    if (current.accessToken !== stale && current.expiresAt - EARLY_MS > Date.now()) return current.accessToken;
    let shared = inFlight.get(cloud.id);
    if (!shared) {
      shared = refreshStored(stale, signal).finally(() => inFlight.delete(cloud.id));
      inFlight.set(cloud.id, shared);
    }
    current = await shared;
    return current.accessToken;
  }

  return {
    async get(signal) {
      if (current.expiresAt - EARLY_MS > Date.now()) return current.accessToken;
      return refresh(current.accessToken, signal);
    },
    refresh,
  };
}
