// A task's backup through time: its snapshots (one per backup run that ended succeeded or partial),
// the backup as it was at one of them (a tree of folders and files, each file with its older
// copies), and a restore's request resolved into what its run will copy (a RestoreSpec).
//
// What was in the backup at a time T is read from `copies` (see migrations/0010-history.sql): the
// rows copied by T, not replaced by T, whose file the source still had at T. Times are carried as
// PostgreSQL gives them, to the microsecond: a JavaScript Date would cut a run's end to the
// millisecond and could leave out a copy recorded in the same millisecond.
import { connectors } from '../../connectors/index.ts';
import type { Db, Queryable } from './db.ts';
import { errors } from './errors.ts';
import { decodeCursor, pageOf, PAGE_SIZE, type Page } from './paging.ts';
import type { RestoreSpec } from './run-state.ts';

/** The rows of copies `c` in the backup of the task `task` at the time `at` (SQL expressions). */
const inSnapshot = (task: string, at: string) => `c.task_id = ${task} AND c.copied_at <= ${at}
  AND (c.replaced_at IS NULL OR c.replaced_at > ${at})
  AND (c.deleted_at IS NULL OR c.deleted_at > ${at})`;

/** The rows of copies `c` in the backup of task $1 at time $2. */
export const IN_SNAPSHOT = inSnapshot('$1', '$2::timestamptz');

/**
 * The files and bytes of the backup of run `r` at its end (`n`: files, `b`: bytes): what a point in
 * time keeps (run-state.ts, keepTotals) and is listed with.
 */
export const TOTALS = `SELECT count(*) AS n, coalesce(sum(c.size), 0) AS b FROM copies c
  WHERE ${inSnapshot('r.task_id', 'r.finished_at')}`;

/**
 * The folder of a path ('' at the top). Of copy `c`'s, as copies_folder_idx orders copies by it:
 * the same expression as migrations/0020-tree-indexes.sql's, or the planner will not use the index.
 */
const folderOf = (p: string) => `(CASE WHEN strpos(${p}, '/') = 0 THEN ''
        ELSE substr(${p}, 1, length(${p}) - strpos(reverse(${p}), '/')) END)`;
const FOLDER = folderOf('c.path');

/**
 * The ids of the copies of the backup of task $1 at time $2 at or below `p`, a file's path or a
 * folder's: the folder's own files, those of the folders below it, or the file in its folder. Three
 * ranges of copies_folder_idx, which pass over what lies between them ("p 2", "p.txt" beside "p").
 */
const atOrBelow = (p: string) => `(
  SELECT c.id FROM copies c WHERE ${IN_SNAPSHOT} AND ${FOLDER} COLLATE "C" = ${p}
  UNION ALL
  SELECT c.id FROM copies c
   WHERE ${IN_SNAPSHOT} AND ${FOLDER} COLLATE "C" >= ${p} || '/' AND ${FOLDER} COLLATE "C" < ${p} || '0'
  UNION ALL
  SELECT c.id FROM copies c
   WHERE ${IN_SNAPSHOT} AND ${FOLDER} COLLATE "C" = ${folderOf(p)} AND c.path COLLATE "C" = ${p})`;

/** In the tree of folder $3: what its descendants' paths begin with, and a bound past all of them. */
const BELOW = `(CASE WHEN $3 = '' THEN '' ELSE $3 || '/' END)`;
const BELOW_END = `CASE WHEN $3 = '' THEN chr(1114111) ELSE $3 || '0' END`;
/** The subfolder of $3 that folder w.f is, or is in. */
const SUBFOLDER = `split_part(substr(w.f, length(${BELOW}) + 1), '/', 1)`;

/**
 * One page of folder $3 of the backup of task $1 at time $2: its subfolders, then its files, by name
 * after the cursor ($4 kind, $5 name, $6 id), $7 rows at most.
 *
 * Both read copies_folder_idx. Subfolders: from the first folder below $3, a jump to the next
 * subfolder's first folder, one look-up per subfolder and never a read of what they hold. In byte
 * order a sibling may come between a folder and what is below it ("2019", "2019 trip", "2019/x"),
 * so a jump passes a folder's own files by going just past its name, then what is below it by going
 * past its "/" range. Files: the folder's own range of the index, from the cursor on.
 */
export const TREE = `WITH RECURSIVE walk(f) AS (
   (SELECT ${FOLDER} COLLATE "C" FROM copies c
     WHERE ${IN_SNAPSHOT} AND $4::int IS DISTINCT FROM 1
       AND ${FOLDER} COLLATE "C" >= CASE WHEN $3 = '' THEN chr(1) ELSE $3 || '/' END
       AND ${FOLDER} COLLATE "C" < ${BELOW_END}
     ORDER BY 1 LIMIT 1)
   UNION ALL
   SELECT n.f FROM walk w, LATERAL (
     SELECT ${FOLDER} COLLATE "C" AS f FROM copies c
      WHERE ${IN_SNAPSHOT}
        AND ${FOLDER} COLLATE "C" >= CASE WHEN w.f = ${BELOW} || ${SUBFOLDER} THEN w.f || chr(1)
                                          ELSE ${BELOW} || ${SUBFOLDER} || '0' END
        AND ${FOLDER} COLLATE "C" < ${BELOW_END}
      ORDER BY 1 LIMIT 1) n
 ), entries AS (
   SELECT DISTINCT 0 AS kind, ${SUBFOLDER} AS name, 0::bigint AS id FROM walk w
   UNION ALL
   (SELECT 1, substr(c.path, length(${BELOW}) + 1), c.id FROM copies c
     WHERE ${IN_SNAPSHOT} AND ${FOLDER} COLLATE "C" = $3
       AND c.path COLLATE "C" >= CASE WHEN $4::int = 1 THEN ${BELOW} || $5 ELSE '' END
       AND ($4::int IS DISTINCT FROM 1 OR c.path COLLATE "C" > ${BELOW} || $5 OR c.id > $6::bigint)
     ORDER BY c.path COLLATE "C", c.id LIMIT $7)
 ), page AS (
   SELECT * FROM entries e
    WHERE $4::int IS NULL OR (e.kind, e.name COLLATE "C", e.id) > ($4::int, $5::text, $6::bigint)
    ORDER BY e.kind, e.name COLLATE "C", e.id LIMIT $7
 )
 SELECT p.kind, p.name, p.id, c.source_id, c.size, c.source_mtime, c.copied_at, c.dest_hash,
        c.removed_at IS NOT NULL AS removed
   FROM page p LEFT JOIN copies c ON p.kind = 1 AND c.id = p.id
  ORDER BY p.kind, p.name COLLATE "C", p.id`;

/** A timestamptz column as ISO 8601 in UTC, to the microsecond. */
const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Backup runs that are points in time. */
export const SNAPSHOT_RUN = `r.kind = 'backup' AND r.status IN ('succeeded', 'partial') AND r.finished_at IS NOT NULL`;

export interface Snapshot {
  runId: string;
  at: string;
  status: 'succeeded' | 'partial';
  /** Files and bytes of the whole backup at that time. */
  files: number;
  bytes: number;
  /** What that run copied. */
  copied: { items: number; bytes: number };
}

export interface FileVersion {
  copiedAt: Date;
  replacedAt: Date | null;
  size: number | null;
  hash: string | null;
  restorable: boolean;
}

export type TreeEntry =
  | { type: 'folder'; name: string; path: string }
  | {
      type: 'file';
      name: string;
      path: string;
      size: number | null;
      modifiedAt: Date | null;
      copiedAt: Date;
      hash: string | null;
      /** The copy is still at the destination (not overwritten, nor a version removed). */
      restorable: boolean;
      versions: FileVersion[];
    };

/** A point in time of a backup: T, and the run that ended then, when one was named. */
export interface Point {
  at: string;
  runId: string | null;
}

/** Which point: a run's end, a time, or (neither) now. */
export interface PointQuery {
  runId?: string;
  asOf?: string;
}

export interface RestoreRequest extends PointQuery {
  paths?: string[];
  destination: { cloudId: string; path: string };
  conflict?: RestoreSpec['conflict'];
}

/** `child` is `parent` or below it ('' holds everything). */
function within(parent: string, child: string): boolean {
  return parent === '' || child === parent || child.startsWith(`${parent}/`);
}

export function createSnapshots(db: Db) {
  async function taskOf(q: Queryable, userId: string, taskId: string) {
    const { rows } = await q.query<{ destination: { cloudId: string; path: string } }>(
      'SELECT destination FROM tasks WHERE user_id = $1 AND id = $2',
      [userId, taskId],
    );
    if (!rows[0]) throw errors.notFound('Task');
    return rows[0];
  }

  /** Resolves a point of the task's backup; refuses a time before its first snapshot. */
  async function point(q: Queryable, userId: string, taskId: string, p: PointQuery): Promise<Point> {
    if (p.runId !== undefined && p.asOf !== undefined) throw errors.invalid('Give runId or asOf, not both.');
    if (p.runId !== undefined) {
      const { rows } = await q.query<{ at: string | null; snapshot: boolean }>(
        `SELECT ${iso('r.finished_at')} AS at, (${SNAPSHOT_RUN}) AS snapshot
           FROM runs r WHERE r.id = $1 AND r.task_id = $2 AND r.user_id = $3`,
        [p.runId, taskId, userId],
      );
      if (!rows[0]) throw errors.notFound('Run');
      if (!rows[0].snapshot)
        throw errors.invalid('runId: that run is no snapshot: only backup runs that ended succeeded or partial are.');
      return { at: rows[0].at!, runId: p.runId };
    }
    // A time to come is now: copies made later than now are not in the backup "as of" it yet.
    const { rows } = await q.query<{ at: string; first: string | null; before: boolean }>(
      `SELECT ${iso('t.at')} AS at, ${iso('f.first')} AS first, (f.first IS NULL OR t.at < f.first) AS before
         FROM (SELECT least(coalesce($2::timestamptz, now()), now()) AS at) t,
              (SELECT min(r.finished_at) AS first FROM runs r WHERE r.task_id = $1 AND ${SNAPSHOT_RUN}) f`,
      [taskId, p.asOf ?? null],
    );
    const r = rows[0];
    if (r.before)
      throw errors.invalid(
        r.first
          ? `No backup of this task existed then: its first snapshot is of ${r.first}.`
          : 'No backup of this task existed then: it has no snapshot yet (no backup run has ended).',
      );
    return { at: r.at, runId: null };
  }

  return {
    point,

    /** The task's snapshots, newest first. */
    async list(userId: string, taskId: string, cursor?: string, limit = PAGE_SIZE): Promise<Page<Snapshot>> {
      await taskOf(db, userId, taskId);
      const before = decodeCursor(cursor, 2);
      const { rows } = await db.query<{
        id: string;
        at: string;
        status: 'succeeded' | 'partial';
        done_items: number;
        done_bytes: number;
        files: number;
        bytes: number;
      }>(
        // Each point in time keeps the backup's files and bytes then (run-state.ts, keepTotals); one
        // that ended under a Ferry older than that has them counted here.
        `SELECT r.id, ${iso('r.finished_at')} AS at, r.status, r.done_items, r.done_bytes,
                coalesce(r.backup_files, t.n)::int AS files, coalesce(r.backup_bytes, t.b)::bigint AS bytes
           FROM runs r LEFT JOIN LATERAL (${TOTALS} AND r.backup_files IS NULL) t ON true
          WHERE r.task_id = $1 AND ${SNAPSHOT_RUN}
            AND ($2::timestamptz IS NULL OR (r.finished_at, r.id) < ($2::timestamptz, $3::uuid))
          ORDER BY r.finished_at DESC, r.id DESC LIMIT $4`,
        [taskId, before?.[0] ?? null, before?.[1] ?? null, limit + 1],
      );
      return pageOf(
        rows,
        limit,
        (r) => [r.at, r.id],
        (r) => ({
          runId: r.id,
          at: r.at,
          status: r.status,
          files: r.files,
          bytes: r.bytes,
          copied: { items: r.done_items, bytes: r.done_bytes },
        }),
      );
    },

    /**
     * One folder of the backup at a point in time: its folders, then its files, each sorted by name
     * (byte order: the same whatever the database's locale).
     */
    async tree(
      userId: string,
      taskId: string,
      q: PointQuery & { path: string; cursor?: string; limit?: number },
    ): Promise<Point & { path: string } & Page<TreeEntry>> {
      await taskOf(db, userId, taskId);
      const at = await point(db, userId, taskId, q);
      const limit = q.limit ?? PAGE_SIZE;
      const after = decodeCursor(q.cursor, 3);
      const { rows } = await db.query<{
        kind: number;
        name: string;
        id: number;
        size: number | null;
        source_mtime: Date | null;
        copied_at: Date | null;
        dest_hash: string | null;
        removed: boolean;
        source_id: string | null;
      }>(TREE, [taskId, at.at, q.path, after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null, limit + 1]);
      if (!rows.length && q.path !== '' && !q.cursor) {
        throw errors.invalid(`path: the backup held no folder "${q.path}" then.`);
      }
      // The files' older copies, for the whole page in one look-up. A file's copies are recorded one
      // after the other, so its older ones are those of smaller id.
      const ids = rows.flatMap((r) => (r.source_id === null ? [] : [r.source_id]));
      const older = await db.query<{
        id: number;
        source_id: string;
        copied_at: Date;
        replaced_at: Date | null;
        size: number | null;
        dest_hash: string | null;
        restorable: boolean;
      }>(
        `SELECT o.id, o.source_id, o.copied_at, o.replaced_at, o.size, o.dest_hash, o.removed_at IS NULL AS restorable
           FROM copies o WHERE o.task_id = $1 AND o.source_id = ANY($2::text[]) ORDER BY o.id DESC`,
        [taskId, ids],
      );
      const versionsOf = (sourceId: string, id: number): FileVersion[] =>
        older.rows
          .filter((o) => o.source_id === sourceId && Number(o.id) < Number(id))
          .map((o) => ({
            copiedAt: o.copied_at,
            replacedAt: o.replaced_at,
            size: o.size,
            hash: o.dest_hash,
            restorable: o.restorable,
          }));
      const full = (name: string) => (q.path ? `${q.path}/${name}` : name);
      const page = pageOf(
        rows,
        limit,
        (r) => [r.kind, r.name, Number(r.id)],
        (r): TreeEntry =>
          r.kind === 0
            ? { type: 'folder', name: r.name, path: full(r.name) }
            : {
                type: 'file',
                name: r.name,
                path: full(r.name),
                size: r.size,
                modifiedAt: r.source_mtime,
                copiedAt: r.copied_at!,
                hash: r.dest_hash,
                restorable: !r.removed,
                versions: versionsOf(r.source_id!, r.id),
              },
      );
      return { ...at, path: q.path, ...page };
    },

    /**
     * A restore's request as its run will carry it: the point in time resolved, the destination
     * checked (the user's, writable, not inside the backup itself), each path one of the backup's
     * files or folders at that time. Paths come normalised (cloudPath); '' is the whole backup.
     */
    async resolveRestore(q: Queryable, userId: string, taskId: string, req: RestoreRequest): Promise<RestoreSpec> {
      const task = await taskOf(q, userId, taskId);
      const at = await point(q, userId, taskId, req);

      const { rows: clouds } = await q.query<{ kind: string; name: string }>(
        'SELECT kind, name FROM clouds WHERE user_id = $1 AND id = $2',
        [userId, req.destination.cloudId],
      );
      if (!clouds[0]) throw errors.invalid('destination.cloudId: no such cloud.');
      const def = connectors.get(clouds[0].kind);
      if (!def?.destination)
        throw errors.invalid(`destination.cloudId: ${def?.title ?? clouds[0].kind} cannot be written to.`);
      // Into the backup, or a folder holding it: the restore would write over the copies it reads.
      const [backup, into] = [task.destination.path, req.destination.path];
      if (req.destination.cloudId === task.destination.cloudId && (within(backup, into) || within(into, backup)))
        throw errors.invalid(
          'destination.path: that folder is inside the backup itself or holds it; restore into a folder beside it.',
        );

      const asked = [...new Set(req.paths ?? [])];
      const paths = asked.includes('') ? [] : asked;
      if (paths.length) {
        const { rows } = await q.query<{ p: string }>(
          `SELECT x.p FROM unnest($3::text[]) WITH ORDINALITY AS x(p, n)
            WHERE NOT EXISTS ${atOrBelow('x.p')} ORDER BY x.n LIMIT 1`,
          [taskId, at.at, paths],
        );
        if (rows[0]) throw errors.invalid(`paths: "${rows[0].p}" is no file or folder of the backup at ${at.at}.`);
      }
      return {
        at: at.at,
        runId: at.runId,
        paths,
        destination: { cloudId: req.destination.cloudId, path: req.destination.path },
        conflict: req.conflict ?? 'rename',
      };
    },
  };
}
export type Snapshots = ReturnType<typeof createSnapshots>;

/** A copy of the backup at a point in time, as a restore reads it. */
export interface SnapshotCopy {
  id: number;
  path: string;
  dest_path: string;
  size: number | null;
  source_mtime: Date | null;
  copied_at: Date;
  removed_at: Date | null;
}

/**
 * The copies in the backup of `taskId` at `at`, at or below `paths` (none: all), in path order, a
 * page at a time: read through a cursor, so that a backup of a million files is never in memory whole.
 */
export async function* snapshotCopies(
  db: Db,
  taskId: string,
  at: string,
  paths: string[],
  pageSize = 1000,
): AsyncGenerator<SnapshotCopy[]> {
  const query = paths.length
    ? `SELECT c.id, c.path, c.dest_path, c.size, c.source_mtime, c.copied_at, c.removed_at FROM copies c
        WHERE c.id IN (SELECT s.id FROM unnest($3::text[]) AS x(p), LATERAL ${atOrBelow('x.p')} s)
        ORDER BY c.path COLLATE "C", c.id`
    : `SELECT c.id, c.path, c.dest_path, c.size, c.source_mtime, c.copied_at, c.removed_at FROM copies c
        WHERE ${IN_SNAPSHOT} AND cardinality($3::text[]) = 0 ORDER BY c.path COLLATE "C", c.id`;
  const client = await db.connect();
  let open = false;
  try {
    await client.query('BEGIN READ ONLY');
    open = true;
    await client.query(`DECLARE snapshot_copies NO SCROLL CURSOR FOR ${query}`, [taskId, at, paths]);
    for (;;) {
      const { rows } = await client.query<SnapshotCopy>(`FETCH ${pageSize} FROM snapshot_copies`);
      if (!rows.length) break;
      yield rows;
    }
  } finally {
    // Also when the caller stops early (a cancelled restore): the cursor goes with its transaction.
    if (open) await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}
