// Connected clouds: stored with their secrets sealed, opened for the connector that needs them.
import type pg from 'pg';
import { connectors, secretFields, type ConnectorDefinition, type ConnectorEnv } from '../../connectors/index.ts';
import { OAUTH_CLIENTS, type OAuthProvider } from '../../connectors/oauth.ts';
import { CloudError, type CloudConfig, type CloudHandle } from '../../connectors/types.ts';
import { sharedLimits } from './shared-limits.ts';
import { cloudState } from './cloud-state.ts';
import type { Config, OAuthClientConfig } from './config.ts';
import type { Keyring } from './crypto.ts';
import type { Db, Queryable } from './db.ts';
import { AppError, errors } from './errors.ts';
import { createTokenSource, type OAuthClient, type StoredTokens } from './oauth-tokens.ts';
import { checkAllowance } from './plans.ts';

/** What opening OAuth clouds needs: the configured clients, and what to do when a sign-in is revoked. */
export interface CloudsOAuth {
  clients: Partial<Record<OAuthProvider, OAuthClient & { authUrl: string }>>;
  onRevoked(c: pg.PoolClient, cloudId: string, reason: string): Promise<unknown>;
}

/** The OAuth clients the configuration provides (both id and secret set). */
export function oauthClientsOf(config: Pick<Config, 'oauth'>): CloudsOAuth['clients'] {
  const clients: CloudsOAuth['clients'] = {};
  for (const [provider, c] of Object.entries(config.oauth) as [OAuthProvider, OAuthClientConfig][]) {
    if (c.clientId && c.clientSecret)
      clients[provider] = {
        clientId: c.clientId,
        clientSecret: c.clientSecret,
        tokenUrl: c.tokenUrl,
        authUrl: c.authUrl,
      };
  }
  return clients;
}

// How long trying a new cloud's connection may take before it counts as unreachable.
const CONNECTION_CHECK_MS = 20_000;

export interface Cloud {
  id: string;
  kind: string;
  name: string;
  options: Record<string, unknown>;
  status: 'ok' | 'needs_reauth' | 'error';
  lastError: string | null;
  checkedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

interface CloudRow extends Cloud {
  secrets: string | null;
}

const columns = `id, kind, name, options, status, last_error AS "lastError", checked_at AS "checkedAt",
  created_at AS "createdAt", updated_at AS "updatedAt", secrets`;

function publicView({ secrets: _, ...cloud }: CloudRow): Cloud {
  return cloud;
}

/** Turns a connector's CloudError into the API's error model. */
export function toAppError(err: unknown): unknown {
  if (!(err instanceof CloudError)) return err;
  switch (err.reason) {
    case 'invalid_options':
      return errors.invalid(err.message);
    case 'not_found':
      return errors.notFound(err.message.replace(/ not found\.$/, ''));
    case 'exists':
      return errors.conflict(err.message);
    default:
      return errors.cloudUnreachable(err.message, err);
  }
}

export function createClouds(db: Db, keyring: Keyring, processEnv: ConnectorEnv, oauth: CloudsOAuth) {
  // Pacing, pauses and exclusive sections of provider accounts are held in PostgreSQL, so that every
  // worker process on the database keeps to them together.
  const env: ConnectorEnv = { ...processEnv, shared: processEnv.shared ?? sharedLimits(db) };
  /** Why this server cannot connect such a cloud, or null. */
  function unavailable(def: ConnectorDefinition): string | null {
    if (!def.open) return `${def.title} cannot be connected on this server yet.`;
    if (def.oauth && !oauth.clients[def.oauth.provider]) {
      const v = OAUTH_CLIENTS[def.oauth.provider].env;
      return (
        `${def.title} needs an OAuth client on this server: ` +
        `the operator sets ${v}_CLIENT_ID and ${v}_CLIENT_SECRET.`
      );
    }
    return def.unavailable(env);
  }

  function definition(kind: string): ConnectorDefinition {
    const def = connectors.get(kind);
    if (!def) throw errors.invalid(`Unknown cloud kind "${kind}".`);
    return def;
  }

  /** Validates options against the connector and splits them into shown options and sealed secrets. */
  async function prepare(def: ConnectorDefinition, userId: string, input: unknown) {
    if (def.auth === 'oauth') {
      throw new AppError(
        'invalid_request',
        400,
        `A ${def.title} cloud is connected by signing in: GET /api/v1/oauth/${def.kind}/start.`,
      );
    }
    const why = unavailable(def);
    if (why) throw errors.providerUnavailable(why);
    const parsed = def.options.safeParse(input ?? {});
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `options.${i.path.join('.')}: ${i.message}`).join('; ');
      throw errors.invalid(detail);
    }
    let options: Record<string, unknown>;
    try {
      options = def.prepare ? await def.prepare(parsed.data, env, { userId }) : parsed.data;
    } catch (err) {
      throw toAppError(err);
    }
    // A wrapping kind is tried once the cloud it reads through is known to be the user's (create, update).
    if (!def.wraps) await tryConnection(def, userId, options);
    const secretNames = secretFields(def);
    const shown = Object.fromEntries(Object.entries(options).filter(([k]) => !secretNames.includes(k)));
    const secret = Object.fromEntries(Object.entries(options).filter(([k]) => secretNames.includes(k)));
    return {
      shown,
      sealed: secretNames.length ? keyring.seal(JSON.stringify(secret)) : null,
      options,
    };
  }

  /**
   * A cloud given by its credentials is reached before it is stored: a mistyped key or bucket, or
   * a folder Ferry cannot write, is refused with the service's own reason and nothing is saved,
   * rather than found out at the first night's backup. Kinds that read through another cloud are
   * tried through it when they say so (an encrypted folder: a wrong password on an existing vault),
   * not otherwise (Takeout: the delivery folder may only appear with the first export).
   */
  async function tryConnection(
    def: ConnectorDefinition,
    userId: string,
    options: Record<string, unknown>,
  ): Promise<void> {
    if ((def.wraps && !def.wraps.tried) || def.keepsState || !def.open) return;
    const wrapped = def.wraps ? (await openCloud(userId, def.wraps.cloudId(options))).handle : undefined;
    const handle = def.open({ options, ownerId: userId, wrapped }, env);
    try {
      await handle.check(AbortSignal.timeout(CONNECTION_CHECK_MS));
    } catch (err) {
      const nothingSaved = 'Nothing was saved.';
      if ((err as Error).name === 'TimeoutError') {
        throw errors.cloudUnreachable(
          `The cloud did not answer within ${CONNECTION_CHECK_MS / 1000} seconds. ${nothingSaved}`,
          err,
        );
      }
      if (!(err instanceof CloudError)) throw err;
      // What the user typed is wrong (credentials, bucket, folder): a 400 to correct; the service
      // being down or refusing for now: a 502 to try again later.
      if (err.reason === 'invalid_options' || err.reason === 'unauthorized' || err.reason === 'not_found') {
        throw errors.invalid(`${err.message} ${nothingSaved}`);
      }
      throw errors.cloudUnreachable(`${err.message} ${nothingSaved}`, err);
    }
  }

  /** A wrapping cloud must read through another cloud of the same user, of a kind that stores files. */
  async function checkWrapped(
    q: Queryable,
    userId: string,
    def: ConnectorDefinition,
    options: Record<string, unknown>,
    selfId?: string,
  ) {
    if (!def.wraps) return;
    const innerId = def.wraps.cloudId(options);
    const { rows } = await q.query<{ kind: string; name: string }>(
      'SELECT kind, name FROM clouds WHERE user_id = $1 AND id = $2',
      [userId, innerId],
    );
    const inner = rows[0] && connectors.get(rows[0].kind);
    if (!inner || innerId === selfId)
      throw errors.invalid(`options.cloudId: no cloud ${innerId} of yours to read ${def.title} from.`);
    if (!def.wraps.kinds.includes(inner.kind)) {
      const names = def.wraps.kinds.map((k) => connectors.get(k)!.title).join(', ');
      throw errors.invalid(
        `options.cloudId: ${def.title} cannot read through ${inner.title}; name one of these: ${names}.`,
      );
    }
  }

  /** The kinds that read through another cloud, and which one each reads. */
  const wrappingKinds = [...connectors.values()].filter((d) => d.wraps).map((d) => d.kind);

  /** `lock`: held until the transaction ends, so concurrent changes of one cloud go one at a time. */
  async function row(q: Queryable, userId: string, id: string, lock = false): Promise<CloudRow> {
    const { rows } = await q.query<CloudRow>(
      `SELECT ${columns} FROM clouds WHERE user_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      [userId, id],
    );
    if (!rows[0]) throw errors.notFound('Cloud');
    return rows[0];
  }

  function allOptions(r: CloudRow): Record<string, unknown> {
    return { ...r.options, ...(r.secrets ? (JSON.parse(keyring.open(r.secrets)) as object) : {}) };
  }

  /**
   * What a user's cloud is opened with: its options and secrets, its tokens, the cloud it reads
   * through, its state. `scope.pickerSessionId`: the picked session a task's run reads (kinds that
   * declare pickerSession).
   */
  async function configOf(
    userId: string,
    id: string,
    scope: { pickerSessionId?: string } = {},
  ): Promise<{ cloud: Cloud; def: ConnectorDefinition; config: CloudConfig }> {
    const r = await row(db, userId, id);
    const def = definition(r.kind);
    const why = unavailable(def);
    if (why) throw errors.providerUnavailable(why);
    const config: CloudConfig = {
      // OAuth clouds keep tokens, not options, in their secrets: the connector gets a TokenSource.
      options: def.oauth ? r.options : allOptions(r),
      ownerId: userId,
      state: def.keepsState ? cloudState(db, r.id) : undefined,
      pickerSessionId: def.pickerSession ? scope.pickerSessionId : undefined,
    };
    if (def.wraps) {
      // A wrapping cloud reads through another of the user's clouds, opened the same way.
      const inner = def.wraps.cloudId(r.options);
      try {
        config.wrapped = (await openCloud(userId, inner)).handle;
      } catch (err) {
        if (err instanceof AppError && err.status === 404) {
          throw new CloudError(
            'not_found',
            `The cloud '${r.name}' reads its archives from no longer exists: change its options to name another.`,
          );
        }
        throw err;
      }
    }
    if (def.oauth) {
      const client = oauth.clients[def.oauth.provider]!;
      const stored = JSON.parse(keyring.open(r.secrets!)) as StoredTokens;
      config.tokens = createTokenSource(
        { db, keyring, onRevoked: oauth.onRevoked },
        client,
        { id: r.id, name: r.name },
        stored,
      );
    }
    return { cloud: publicView(r), def, config };
  }

  /** Opens a user's cloud through its connector. */
  async function openCloud(
    userId: string,
    id: string,
    scope: { pickerSessionId?: string } = {},
  ): Promise<{ cloud: Cloud; handle: CloudHandle }> {
    const { cloud, def, config } = await configOf(userId, id, scope);
    return { cloud, handle: def.open!(config, env) };
  }

  return {
    unavailable,

    async list(userId: string): Promise<Cloud[]> {
      const { rows } = await db.query<CloudRow>(
        `SELECT ${columns} FROM clouds WHERE user_id = $1 ORDER BY created_at, id`,
        [userId],
      );
      return rows.map(publicView);
    },

    async get(userId: string, id: string): Promise<Cloud> {
      return publicView(await row(db, userId, id));
    },

    async create(
      q: Queryable,
      userId: string,
      input: { kind: string; name: string; options?: unknown },
    ): Promise<Cloud> {
      const def = definition(input.kind);
      await checkAllowance(q, userId, { cloud: input.kind });
      const { shown, sealed, options } = await prepare(def, userId, input.options);
      await checkWrapped(q, userId, def, shown);
      if (def.wraps) await tryConnection(def, userId, options);
      const { rows } = await q.query<CloudRow>(
        `INSERT INTO clouds (user_id, kind, name, options, secrets, key_id) ` +
          `VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columns}`,
        [userId, input.kind, input.name, shown, sealed, sealed ? keyring.currentId : null],
      );
      return publicView(rows[0]);
    },

    /** Renames and/or changes options; secrets left out of `options` keep their stored value. */
    async update(
      q: Queryable,
      userId: string,
      id: string,
      patch: { name?: string; options?: Record<string, unknown> },
    ): Promise<Cloud> {
      const current = await row(q, userId, id, true);
      let shown = current.options;
      let sealed = current.secrets;
      if (patch.options) {
        const def = definition(current.kind);
        let options: Record<string, unknown>;
        ({ shown, sealed, options } = await prepare(def, userId, { ...allOptions(current), ...patch.options }));
        await checkWrapped(q, userId, def, shown, id);
        if (def.wraps) await tryConnection(def, userId, options);
      }
      const { rows } = await q.query<CloudRow>(
        `UPDATE clouds SET name = $3, options = $4, secrets = $5, key_id = $6, status = CASE WHEN $7 THEN 'ok'
          ELSE status END,
                updated_at = now()
          WHERE user_id = $1 AND id = $2 RETURNING ${columns}`,
        [
          userId,
          id,
          patch.name ?? current.name,
          shown,
          sealed,
          sealed ? keyring.currentId : null,
          Boolean(patch.options),
        ],
      );
      return publicView(rows[0]);
    },

    async remove(q: Queryable, userId: string, id: string): Promise<void> {
      // Locked: of several deletes at once, the first deletes and the others then find no cloud (404).
      await row(q, userId, id, true);
      const { rows } = await q.query<{ name: string }>(
        'SELECT name FROM tasks WHERE user_id = $1 ' +
          'AND (source_cloud_id = $2 OR destination_cloud_id = $2) ORDER BY name LIMIT 3',
        [userId, id],
      );
      // Which cloud a wrapping cloud reads is its connector's to say (an option of its own).
      const candidates = await q.query<{ name: string; kind: string; options: Record<string, unknown> }>(
        'SELECT name, kind, options FROM clouds WHERE user_id = $1 AND kind = ANY($2) ORDER BY name',
        [userId, wrappingKinds],
      );
      const readers = candidates.rows.filter((r) => connectors.get(r.kind)?.wraps?.cloudId(r.options) === id);
      if (readers.length) {
        const names = readers.slice(0, 3).map((r) => `"${r.name}"`);
        throw errors.conflict(`This cloud is read through ${names.join(', ')}: delete or change that first.`);
      }
      if (rows.length) {
        throw errors.conflict(
          `This cloud is used by task${rows.length > 1 ? 's' : ''} ${rows.map((r) => `"${r.name}"`).join(', ')}: ` +
            `delete or change them first.`,
        );
      }
      await q.query('DELETE FROM clouds WHERE user_id = $1 AND id = $2', [userId, id]);
    },

    open: openCloud,
    configOf,

    /**
     * Stores the tokens of a completed sign-in. Signing in again to an account already connected
     * reconnects that cloud (new tokens, status ok) instead of adding a second one.
     */
    async connectOAuth(
      q: Queryable,
      userId: string,
      c: { kind: string; name: string; account: { id: string; name: string }; tokens: StoredTokens },
    ): Promise<{ cloud: Cloud; reconnected: boolean }> {
      const sealed = keyring.seal(JSON.stringify(c.tokens));
      const updated = await q.query<CloudRow>(
        `UPDATE clouds SET secrets = $4, key_id = $5, status = 'ok', last_error = NULL, options = options || $6,
          updated_at = now()
          WHERE user_id = $1 AND kind = $2 AND options->>'accountId' = $3 RETURNING ${columns}`,
        [userId, c.kind, c.account.id, sealed, keyring.currentId, { account: c.account.name }],
      );
      if (updated.rows[0]) return { cloud: publicView(updated.rows[0]), reconnected: true };
      await checkAllowance(q, userId, { cloud: c.kind });
      const { rows } = await q.query<CloudRow>(
        `INSERT INTO clouds (user_id, kind, name, options, secrets, key_id) ` +
          `VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columns}`,
        [userId, c.kind, c.name, { accountId: c.account.id, account: c.account.name }, sealed, keyring.currentId],
      );
      return { cloud: publicView(rows[0]), reconnected: false };
    },

    /** Records the outcome of a check so the UI can show which clouds need attention. */
    async recordCheck(userId: string, id: string, error: string | null): Promise<Cloud> {
      const { rows } = await db.query<CloudRow>(
        `UPDATE clouds SET checked_at = now(), last_error = $3,
                status = CASE WHEN status = 'needs_reauth' THEN status WHEN $3::text IS NULL THEN 'ok' ELSE 'error' END
          WHERE user_id = $1 AND id = $2 RETURNING ${columns}`,
        [userId, id, error],
      );
      if (!rows[0]) throw errors.notFound('Cloud');
      return publicView(rows[0]);
    },
  };
}

export type Clouds = ReturnType<typeof createClouds>;
