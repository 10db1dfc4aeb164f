// A connector's records about one cloud (CloudState), kept in the cloud_state table.
import type { CloudState } from '../../connectors/types.ts';
import type { Db } from './db.ts';

export function cloudState(db: Db, cloudId: string): CloudState {
  return {
    async get(key) {
      const { rows } = await db.query('SELECT value FROM cloud_state WHERE cloud_id = $1 AND key = $2', [cloudId, key]);
      return rows[0]?.value;
    },
    async putIfAbsent(key, value) {
      await db.query('INSERT INTO cloud_state (cloud_id, key, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        cloudId,
        key,
        JSON.stringify(value),
      ]);
      const { rows } = await db.query('SELECT value FROM cloud_state WHERE cloud_id = $1 AND key = $2', [cloudId, key]);
      return rows[0]?.value;
    },
    async set(key, value) {
      await db.query(
        `INSERT INTO cloud_state (cloud_id, key, value) VALUES ($1, $2, $3)
         ON CONFLICT (cloud_id, key) DO UPDATE SET value = excluded.value, updated_at = now()`,
        [cloudId, key, JSON.stringify(value)],
      );
    },
    async list(prefix) {
      const { rows } = await db.query<{ key: string; value: unknown }>(
        `SELECT key, value FROM cloud_state WHERE cloud_id = $1 AND starts_with(key, $2) ORDER BY seq`,
        [cloudId, prefix],
      );
      return rows;
    },
  };
}
