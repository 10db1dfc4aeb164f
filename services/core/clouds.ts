// Connected clouds: stored with their secrets sealed, opened for the connector that needs them.
import { connectors, secretFields, type ConnectorDefinition, type ConnectorEnv } from '../../connectors/index.ts';
import { CloudError, type CloudHandle } from '../../connectors/types.ts';
import type { Keyring } from './crypto.ts';
import type { Db, Queryable } from './db.ts';
import { AppError, errors } from './errors.ts';

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
    default:
      return errors.cloudUnreachable(err.message, err);
  }
}

export function createClouds(db: Db, keyring: Keyring, env: ConnectorEnv) {
  function definition(kind: string): ConnectorDefinition {
    const def = connectors.get(kind);
    if (!def) throw errors.invalid(`Unknown cloud kind "${kind}".`);
    return def;
  }

  /** Validates options against the connector and splits them into shown options and sealed secrets. */
  async function prepare(def: ConnectorDefinition, input: unknown) {
    if (def.auth === 'oauth') {
      throw new AppError('invalid_request', 400, `A ${def.title} cloud is connected by signing in: GET /api/v1/oauth/${def.kind}/start.`);
    }
    const why = def.unavailable(env);
    if (why || !def.open) throw errors.providerUnavailable(why ?? `${def.title} cannot be connected on this server yet.`);
    const parsed = def.options.safeParse(input ?? {});
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `options.${i.path.join('.')}: ${i.message}`).join('; ');
      throw errors.invalid(detail);
    }
    let options: Record<string, unknown>;
    try {
      options = def.prepare ? await def.prepare(parsed.data, env) : parsed.data;
    } catch (err) {
      throw toAppError(err);
    }
    const secretNames = secretFields(def);
    const shown = Object.fromEntries(Object.entries(options).filter(([k]) => !secretNames.includes(k)));
    const secret = Object.fromEntries(Object.entries(options).filter(([k]) => secretNames.includes(k)));
    return {
      shown,
      sealed: secretNames.length ? keyring.seal(JSON.stringify(secret)) : null,
    };
  }

  async function row(q: Queryable, userId: string, id: string): Promise<CloudRow> {
    const { rows } = await q.query<CloudRow>(`SELECT ${columns} FROM clouds WHERE user_id = $1 AND id = $2`, [userId, id]);
    if (!rows[0]) throw errors.notFound('Cloud');
    return rows[0];
  }

  function allOptions(r: CloudRow): Record<string, unknown> {
    return { ...r.options, ...(r.secrets ? (JSON.parse(keyring.open(r.secrets)) as object) : {}) };
  }

  return {
    async list(userId: string): Promise<Cloud[]> {
      const { rows } = await db.query<CloudRow>(`SELECT ${columns} FROM clouds WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
      return rows.map(publicView);
    },

    async get(userId: string, id: string): Promise<Cloud> {
      return publicView(await row(db, userId, id));
    },

    async create(q: Queryable, userId: string, input: { kind: string; name: string; options?: unknown }): Promise<Cloud> {
      const { shown, sealed } = await prepare(definition(input.kind), input.options);
      const { rows } = await q.query<CloudRow>(
        `INSERT INTO clouds (user_id, kind, name, options, secrets, key_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columns}`,
        [userId, input.kind, input.name, shown, sealed, sealed ? keyring.currentId : null],
      );
      return publicView(rows[0]);
    },

    /** Renames and/or changes options; secrets left out of `options` keep their stored value. */
    async update(q: Queryable, userId: string, id: string, patch: { name?: string; options?: Record<string, unknown> }): Promise<Cloud> {
      const current = await row(q, userId, id);
      let shown = current.options;
      let sealed = current.secrets;
      if (patch.options) {
        ({ shown, sealed } = await prepare(definition(current.kind), { ...allOptions(current), ...patch.options }));
      }
      const { rows } = await q.query<CloudRow>(
        `UPDATE clouds SET name = $3, options = $4, secrets = $5, key_id = $6, status = CASE WHEN $7 THEN 'ok' ELSE status END,
                updated_at = now()
          WHERE user_id = $1 AND id = $2 RETURNING ${columns}`,
        [userId, id, patch.name ?? current.name, shown, sealed, sealed ? keyring.currentId : null, Boolean(patch.options)],
      );
      return publicView(rows[0]);
    },

    async remove(q: Queryable, userId: string, id: string): Promise<void> {
      await row(q, userId, id);
      const { rows } = await q.query<{ name: string }>(
        'SELECT name FROM tasks WHERE user_id = $1 AND (source_cloud_id = $2 OR destination_cloud_id = $2) ORDER BY name LIMIT 3',
        [userId, id],
      );
      if (rows.length) {
        throw errors.conflict(`This cloud is used by task${rows.length > 1 ? 's' : ''} ${rows.map((r) => `"${r.name}"`).join(', ')}: delete or change them first.`);
      }
      await q.query('DELETE FROM clouds WHERE user_id = $1 AND id = $2', [userId, id]);
    },

    /** Opens a user's cloud through its connector. */
    async open(userId: string, id: string): Promise<{ cloud: Cloud; handle: CloudHandle }> {
      const r = await row(db, userId, id);
      const def = definition(r.kind);
      if (!def.open) throw errors.providerUnavailable(`${def.title} cannot be used on this server yet.`);
      return { cloud: publicView(r), handle: def.open({ options: allOptions(r) }, env) };
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
