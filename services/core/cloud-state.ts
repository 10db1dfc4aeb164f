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
    async drop(prefix, keep) {
      await db.query(
        `DELETE FROM cloud_state WHERE cloud_id = $1 AND starts_with(key, $2)
           AND ($3::text IS NULL OR NOT starts_with(key, $3))`,
        [cloudId, prefix, keep ?? null],
      );
    },
    rows: {
      async add(list, rows) {
        if (!rows.length) return;
        await db.query(
          `INSERT INTO cloud_rows (cloud_id, list, n, key, value)
           SELECT $1, $2, x.n, x.key, x.value FROM unnest($3::int[], $4::text[], $5::jsonb[]) AS x(n, key, value)
           ON CONFLICT DO NOTHING`,
          [cloudId, list, rows.map((r) => r.n), rows.map((r) => r.key), rows.map((r) => JSON.stringify(r.value))],
        );
      },
      async get(list, key) {
        const { rows } = await db.query(
          'SELECT value FROM cloud_rows WHERE cloud_id = $1 AND list = $2 AND key = $3 ORDER BY n LIMIT 1',
          [cloudId, list, key],
        );
        return rows[0]?.value;
      },
      async page(list, after, limit) {
        const { rows } = await db.query<{ n: number; key: string; value: unknown }>(
          `SELECT n, key, value FROM cloud_rows WHERE cloud_id = $1 AND list = $2 AND n > $3 ORDER BY n LIMIT $4`,
          [cloudId, list, after, limit],
        );
        return rows;
      },
      async dropAllBut(keep) {
        await db.query('DELETE FROM cloud_rows WHERE cloud_id = $1 AND list <> ALL($2::text[])', [cloudId, keep]);
      },
    },
  };
}
