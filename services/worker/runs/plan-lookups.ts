// What a backup's plan looks up while it lists the source, a batch of items at a time, in
// PostgreSQL rather than in memory: a library of a million files is planned in the memory of a
// batch. The task's manifest (what earlier runs copied, and where), the paths given to this run's
// items, the source ids listed (to find which files are gone, when some are) and the
// destination's paths (plan_listing, migrations/0015-plan-lookups.sql); for a restore, the files of
// the backup's destination (0016-restore-listing.sql).
import type { SourceItem } from '../../../connectors/types.ts';
import type { Db } from '../../core/db.ts';
import { pathKey } from '../../core/path-key.ts';
import type { KeyFilter } from './key-filter.ts';
import { renamed } from './select.ts';

/** An earlier copy of a listed item, and whether the backup found it gone from the source before. */
export interface Known {
  version: string | null;
  destPath: string | null;
  gone: boolean;
  /** Its newest copy is in the backup and not marked deleted. */
  live: boolean;
}

/** The manifest rows of `ids` and the state of their newest copy, in one round trip. */
export async function lookUp(db: Db, run: { taskId: string }, ids: string[]): Promise<Map<string, Known>> {
  const { rows } = await db.query<{
    id: string;
    version: string | null;
    dest_path: string | null;
    gone: boolean;
    live: boolean;
  }>(
    `SELECT x.id, m.source_version AS version, m.dest_path,
            c.deleted_at IS NOT NULL AS gone, c.source_id IS NOT NULL AND c.deleted_at IS NULL AS live
       FROM unnest($2::text[]) AS x(id)
       LEFT JOIN manifest m ON m.task_id = $1 AND m.source_id = x.id
       LEFT JOIN copies c ON c.task_id = $1 AND c.source_id = x.id AND c.replaced_at IS NULL`,
    [run.taskId, ids],
  );
  return new Map(rows.map((r) => [r.id, { version: r.version, destPath: r.dest_path, gone: r.gone, live: r.live }]));
}

/** How many of `ids` (distinct) have a newest copy not marked deleted. */
export async function liveAmong(db: Db, taskId: string, ids: string[]): Promise<number> {
  if (!ids.length) return 0;
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT DISTINCT unnest($2::text[]) AS id) x
       JOIN copies c ON c.task_id = $1 AND c.source_id = x.id AND c.replaced_at IS NULL AND c.deleted_at IS NULL`,
    [taskId, ids],
  );
  return rows[0].n;
}

/**
 * Paths a page of a destination's listing gives (S3 and Drive: 1,000): a listing of the backup
 * costs about its files / LISTING_PAGE requests, a look-up per file (or a listing of a folder) one each.
 */
export const LISTING_PAGE = 1_000;

/** How many files the backup holds now: the task's newest copies not marked deleted. */
export async function liveCopies(db: Db, taskId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM copies WHERE task_id = $1 AND replaced_at IS NULL AND deleted_at IS NULL`,
    [taskId],
  );
  return rows[0].n;
}

/** Records source ids the listing held, a batch at a time (for unlisted()). */
export async function addSourceIds(db: Db, runId: string, ids: string[]): Promise<void> {
  await db.query(
    `INSERT INTO plan_listing (run_id, kind, key) SELECT $1, 's', unnest($2::text[]) ON CONFLICT DO NOTHING`,
    [runId, ids],
  );
}

/**
 * Source ids of the task's newest copies, not marked deleted, that the listing did not hold: a page
 * of copies in index order, then which of them plan_listing has, by its key. (One anti-join let
 * the planner, on tables not yet analysed, compare every copy with every id listed: 28 s for
 * 20,000 files, growing with their square.)
 */
export async function* unlisted(db: Db, run: { id: string; taskId: string }): AsyncGenerator<string[]> {
  let after = '';
  for (;;) {
    const page = await db.query<{ source_id: string }>(
      `SELECT source_id FROM copies
        WHERE task_id = $1 AND replaced_at IS NULL AND deleted_at IS NULL AND source_id > $2
        ORDER BY source_id LIMIT 1000`,
      [run.taskId, after],
    );
    if (!page.rows.length) return;
    const ids = page.rows.map((r) => r.source_id);
    const listed = await db.query<{ key: string }>(
      `SELECT key FROM plan_listing WHERE run_id = $1 AND kind = 's' AND key = ANY($2::text[])`,
      [run.id, ids],
    );
    const seen = new Set(listed.rows.map((r) => r.key));
    const gone = ids.filter((id) => !seen.has(id));
    if (gone.length) yield gone;
    after = ids.at(-1)!;
  }
}

/** Records destination paths the plan found (their keys), a batch at a time. */
export async function addDestinationKeys(db: Db, runId: string, keys: string[]): Promise<void> {
  await db.query(
    `INSERT INTO plan_listing (run_id, kind, key) SELECT $1, 'd', unnest($2::text[]) ON CONFLICT DO NOTHING`,
    [runId, keys],
  );
}

/** Which of `keys` the destination listing held. */
export async function atDestination(db: Db, runId: string, keys: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ key: string }>(
    `SELECT key FROM plan_listing WHERE run_id = $1 AND kind = 'd' AND key = ANY($2::text[])`,
    [runId, keys],
  );
  return new Set(rows.map((r) => r.key));
}

/** A file of the backup's destination, as a restore's plan reads it from its listing. */
export type BackupFile = Pick<SourceItem, 'id' | 'size' | 'version' | 'hashes' | 'mediaType' | 'modifiedAt'>;

/** Records files a restore's plan found at the backup's destination, by their path's key. */
export async function addBackupFiles(db: Db, runId: string, files: Map<string, BackupFile>): Promise<void> {
  await db.query(
    `INSERT INTO plan_listing (run_id, kind, key, item)
     SELECT $1, 'b', x.key, x.item FROM unnest($2::text[], $3::jsonb[]) AS x(key, item) ON CONFLICT DO NOTHING`,
    [runId, [...files.keys()], [...files.values()].map((f) => JSON.stringify(f))],
  );
}

/** The files of `keys` that the listing of the backup's destination held. */
export async function inBackup(db: Db, runId: string, keys: string[]): Promise<Map<string, BackupFile>> {
  const { rows } = await db.query<{ key: string; item: BackupFile }>(
    `SELECT key, item FROM plan_listing WHERE run_id = $1 AND kind = 'b' AND key = ANY($2::text[])`,
    [runId, keys],
  );
  return new Map(rows.map((r) => [r.key, r.item]));
}

/** What the plan recorded of its listings goes: before it starts (over) and however it ends (planRun). */
export async function clearListing(db: Db, runId: string): Promise<void> {
  await db.query('DELETE FROM plan_listing WHERE run_id = $1', [runId]);
}

/**
 * Rows written before dest_key existed get theirs, so that uniquePaths() finds every path held: the
 * task's manifest rows (once per task, by its first plan since), and the run's items a plan
 * interrupted by the upgrade wrote.
 */
export async function fillDestKeys(db: Db, run: { id: string; taskId: string }): Promise<void> {
  const tables = [
    { table: 'manifest', owner: 'task_id', id: run.taskId },
    { table: 'run_items', owner: 'run_id', id: run.id },
  ];
  for (const { table, owner, id } of tables) {
    for (;;) {
      const { rows } = await db.query<{ source_id: string; dest_path: string }>(
        `SELECT source_id, dest_path FROM ${table} WHERE ${owner} = $1 AND dest_key IS NULL LIMIT 5000`,
        [id],
      );
      if (!rows.length) break;
      await db.query(
        `UPDATE ${table} t SET dest_key = x.key FROM unnest($2::text[], $3::text[]) AS x(id, key)
          WHERE t.${owner} = $1 AND t.source_id = x.id`,
        [id, rows.map((r) => r.source_id), rows.map((r) => pathKey(r.dest_path))],
      );
    }
  }
}

/** An item wanting a destination path; `own(sourceId)`: a copy is its own, and does not take the path from it. */
export interface PathWanted {
  dest: string;
  own: (sourceId: string) => boolean;
}

/**
 * Destination paths for a batch of items, so that none lands on another's: a path planned for
 * another item of this run (run_items), or held by another item's copy in the task's manifest, is
 * taken, and the later item gets "name (1).jpg". Paths are compared by key (pathKey). `planned`:
 * the keys this run planned so far; only those it may hold are looked for in run_items, and the
 * batch's own are added to it.
 */
export async function uniquePaths(
  db: Db,
  run: { id: string; taskId: string },
  wanted: PathWanted[],
  planned: KeyFilter,
): Promise<string[]> {
  const holders = new Map<string, string[]>();
  const find = async (keys: string[]) => {
    const fresh = [...new Set(keys)].filter((k) => !holders.has(k));
    if (!fresh.length) return;
    for (const k of fresh) holders.set(k, []);
    // A superseded reduced copy holds no path: the original took its place, or it was removed.
    const { rows } = await db.query<{ key: string; source_id: string }>(
      `SELECT dest_key AS key, source_id FROM manifest
        WHERE task_id = $1 AND dest_key = ANY($3::text[]) AND fidelity <> 'superseded'
       UNION ALL
       SELECT dest_key, source_id FROM run_items WHERE run_id = $2 AND dest_key = ANY($4::text[])`,
      [run.taskId, run.id, fresh, fresh.filter((k) => planned.mayHave(k))],
    );
    for (const r of rows) holders.get(r.key)!.push(r.source_id);
  };
  await find(wanted.map((w) => pathKey(w.dest)));
  const inBatch = new Set<string>();
  const paths: string[] = [];
  for (const w of wanted) {
    let candidate = w.dest;
    for (let n = 1; ; n++) {
      const key = pathKey(candidate);
      await find([key]);
      if (!inBatch.has(key) && holders.get(key)!.every(w.own)) {
        inBatch.add(key);
        break;
      }
      candidate = renamed(w.dest, n);
    }
    paths.push(candidate);
  }
  for (const key of inBatch) planned.add(key);
  return paths;
}
