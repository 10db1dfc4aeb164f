// Leaving Ferry: the account's data as one JSON document, and the account's deletion. Deleting
// cancels its runs, revokes its sign-ins at the providers that offer it, and removes its rows in one
// transaction (credentials included); the audit log keeps its entries with the user left out.
import type { PgBoss } from 'pg-boss';
import type pg from 'pg';
import { connectors } from '../../connectors/index.ts';
import { OAUTH_CLIENTS } from '../../connectors/oauth.ts';
import type { Keyring } from './crypto.ts';
import type { Db } from './db.ts';
import type { OAuthClient, StoredTokens } from './oauth-tokens.ts';
import * as runState from './run-state.ts';

const REVOKE_TIMEOUT_MS = 10_000;
const PAGE = 1000;

/**
 * The account's clouds (without secrets), tasks, runs and manifests, as JSON text in pieces: a
 * manifest of a million photos is never one string in memory.
 */
export async function* exportAccount(db: Db, userId: string): AsyncGenerator<string> {
  const one = async (sql: string) => (await db.query(sql, [userId])).rows;
  const [account] = await one(
    `SELECT id, email, plan_id AS plan, locale, created_at AS "createdAt", email_verified_at AS "emailVerifiedAt",
            totp_enabled_at IS NOT NULL AS "twoFactor" FROM users WHERE id = $1`,
  );
  yield `{"exportedAt":${JSON.stringify(new Date())},"account":${JSON.stringify(account)}`;
  const clouds = await one(
    `SELECT id, kind, name, options, status, created_at AS "createdAt" FROM clouds WHERE user_id = $1
      ORDER BY created_at`,
  );
  yield `,"clouds":${JSON.stringify(clouds)}`;
  const tasks = await one(
    `SELECT id, name, source, destination, schedule, filter, options, notify - 'webhook' || jsonb_build_object(
              'webhook', notify->'webhook'->'url') AS notify, paused, created_at AS "createdAt"
       FROM tasks WHERE user_id = $1 ORDER BY created_at`,
  );
  yield `,"tasks":${JSON.stringify(tasks)}`;
  yield* rowsOf(
    db,
    'runs',
    `SELECT id, task_id AS "taskId", kind, trigger, status, created_at AS "createdAt", started_at AS "startedAt",
            finished_at AS "finishedAt", total_items AS "totalItems", done_items AS "doneItems",
            done_bytes AS "doneBytes", failed_items AS "failedItems", error, id::text AS key
       FROM runs WHERE user_id = $1 AND id::text > $2 ORDER BY id LIMIT ${PAGE}`,
    userId,
  );
  yield* rowsOf(
    db,
    'manifest',
    `SELECT m.task_id AS "taskId", m.source_id AS "sourceId", m.dest_path AS "destPath", m.dest_hash AS "destHash",
            m.source_size AS size, m.copied_at AS "copiedAt", m.task_id::text || '/' || m.source_id AS key
       FROM manifest m JOIN tasks t ON t.id = m.task_id
      WHERE t.user_id = $1 AND m.task_id::text || '/' || m.source_id > $2 ORDER BY 7 LIMIT ${PAGE}`,
    userId,
  );
  yield '}\n';
}

/** One array of the export, read a page at a time by `key`. */
async function* rowsOf(db: Db, name: string, sql: string, userId: string): AsyncGenerator<string> {
  yield `,${JSON.stringify(name)}:[`;
  let after = '';
  let first = true;
  for (;;) {
    const { rows } = await db.query<{ key: string }>(sql, [userId, after]);
    for (const { key: _, ...r } of rows) {
      yield `${first ? '' : ','}${JSON.stringify(r)}`;
      first = false;
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1].key;
  }
  yield ']';
}

export interface Grant {
  cloud: string;
  provider: string;
  tokens: StoredTokens;
}

/**
 * Deletes the account in the caller's transaction: its runs are cancelled first (their copy jobs
 * stop), then every row of it goes. Returns the OAuth sign-ins it held, to revoke once committed.
 */
export async function deleteAccount(
  c: pg.PoolClient,
  boss: PgBoss,
  keyring: Keyring,
  userId: string,
): Promise<Grant[]> {
  await c.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
  const { rows: active } = await c.query<{ id: string }>(
    `SELECT id FROM runs WHERE user_id = $1 AND status IN ('queued', 'running')`,
    [userId],
  );
  for (const r of active) await runState.cancel(c, boss, r.id);
  const { rows: clouds } = await c.query<{ name: string; kind: string; secrets: string | null }>(
    'SELECT name, kind, secrets FROM clouds WHERE user_id = $1',
    [userId],
  );
  const grants: Grant[] = [];
  for (const cl of clouds) {
    const provider = connectors.get(cl.kind)?.oauth?.provider;
    if (!provider || !cl.secrets) continue;
    try {
      grants.push({ cloud: cl.name, provider, tokens: JSON.parse(keyring.open(cl.secrets)) as StoredTokens });
    } catch {
      // Sealed with a key no longer configured: nothing to revoke with.
    }
  }
  // Tasks first: they hold their clouds (ON DELETE RESTRICT). Everything else of the account goes
  // with its row (ON DELETE CASCADE); the audit log keeps its entries (SET NULL).
  await c.query('DELETE FROM tasks WHERE user_id = $1', [userId]);
  await c.query('DELETE FROM users WHERE id = $1', [userId]);
  return grants;
}

/** Revokes each sign-in where its provider offers it; returns what happened to each, for the log. */
export async function revokeGrants(
  grants: Grant[],
  clients: Partial<Record<string, OAuthClient>>,
): Promise<{ cloud: string; provider: string; outcome: string }[]> {
  return Promise.all(
    grants.map(async (g) => {
      const how = OAUTH_CLIENTS[g.provider as keyof typeof OAUTH_CLIENTS]?.revoke;
      const client = clients[g.provider];
      if (!how || !client) return { cloud: g.cloud, provider: g.provider, outcome: 'not offered by the provider' };
      try {
        const url = new URL(how.path, client.tokenUrl);
        const signal = AbortSignal.timeout(REVOKE_TIMEOUT_MS);
        let res: Response;
        if (how.with === 'refresh_token') {
          res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ token: g.tokens.refreshToken ?? g.tokens.accessToken }),
            signal,
          });
        } else {
          // A fresh access token first: revoking it ends the refresh token behind it.
          const refreshed = await fetch(client.tokenUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'refresh_token',
              refresh_token: g.tokens.refreshToken ?? '',
              client_id: client.clientId,
              client_secret: client.clientSecret,
            }),
            signal,
          });
          const access = refreshed.ok
            ? ((await refreshed.json()) as { access_token?: string }).access_token
            : g.tokens.accessToken;
          res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${access}` }, signal });
        }
        await res.body?.cancel();
        return { cloud: g.cloud, provider: g.provider, outcome: res.ok ? 'revoked' : `refused (${res.status})` };
      } catch (err) {
        return { cloud: g.cloud, provider: g.provider, outcome: `failed (${(err as Error).name})` };
      }
    }),
  );
}
