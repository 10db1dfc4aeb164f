// Planning a verification: every copy the backup holds now (its newest copies, and the versions it
// keeps: the task's copies rows not removed from the destination) becomes an item, checked at the
// destination by verify.ts. A task whose backup predates the copies table (none of its rows there)
// is checked against its manifest, which holds the newest copy of each file.
import * as runState from '../../core/run-state.ts';
import type { Ends, RunRecord } from './context.ts';
import { startCopying, type PlanDeps } from './plan.ts';

const BATCH = 500;

interface CopyRow {
  id: string;
  path: string;
  dest_path: string;
  size: string | null;
  source_mtime: Date | null;
  source_version: string;
  dest_hash: string | null;
}

/** "kind:value" as the manifest keeps it, as an item's hashes; a hash in another form is left out. */
function hashesOf(destHash: string | null): Record<string, string> {
  const at = destHash?.indexOf(':') ?? -1;
  if (!destHash || at <= 0 || at === destHash.length - 1) return {};
  return { [destHash.slice(0, at)]: destHash.slice(at + 1) };
}

function itemOf(r: CopyRow): runState.PlannedItem {
  return {
    sourceId: r.id,
    path: r.path,
    size: r.size === null ? null : Number(r.size),
    modifiedAt: r.source_mtime?.toISOString() ?? null,
    mediaType: 'other',
    version: r.source_version,
    hashes: hashesOf(r.dest_hash),
    destPath: r.dest_path,
    replacesOwn: false,
    destExists: true,
    fidelity: 'original',
    identity: null,
    supersedes: null,
    status: 'pending',
    error: null,
  };
}

export async function planVerify(deps: PlanDeps, run: RunRecord, _ends: Ends, _signal: AbortSignal): Promise<void> {
  const { db } = deps;
  const any = await db.query('SELECT 1 FROM copies WHERE task_id = $1 LIMIT 1', [run.taskId]);
  // Paged by id (keyset): a large backup is read and written a batch at a time.
  const page = any.rows.length
    ? `SELECT id::text, path, dest_path, size::text, source_mtime, source_version, dest_hash
         FROM copies WHERE task_id = $1 AND removed_at IS NULL AND id > $2::bigint ORDER BY id LIMIT $3`
    : // The path in the backup: the manifest's destination path less the task's folder (as 0010 back-filled).
      `SELECT m.source_id AS id, CASE WHEN $4 = '' THEN m.dest_path
                               WHEN left(m.dest_path, length($4) + 1) = $4 || '/'
                                 THEN substr(m.dest_path, length($4) + 2)
                               ELSE m.dest_path END AS path,
              m.dest_path, m.source_size::text AS size, m.source_mtime, m.source_version, m.dest_hash
         FROM manifest m WHERE m.task_id = $1 AND m.fidelity <> 'superseded' AND m.source_id > $2
        ORDER BY m.source_id LIMIT $3`;
  // The key of the last row written: a copy's id, or a manifest row's source id.
  let after = any.rows.length ? '0' : '';
  for (;;) {
    const params: unknown[] = [run.taskId, after, BATCH];
    if (!any.rows.length) params.push(run.backup.path ?? '');
    const { rows } = await db.query<CopyRow>(page, params);
    if (!rows.length) break;
    await runState.addItems(db, run.id, rows.map(itemOf));
    after = rows[rows.length - 1].id;
    // Cancelled meanwhile: stop writing items (finalize and cancel see to the run).
    const status = await db.query('SELECT status FROM runs WHERE id = $1', [run.id]);
    if (status.rows[0]?.status !== 'running') return;
  }
  await startCopying(deps, run, false);
}
