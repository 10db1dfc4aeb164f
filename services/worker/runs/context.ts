// What every run job needs: the run and its task as stored, and the two clouds opened.
import type { Destination, Features, Source } from '../../../connectors/types.ts';
import { CloudError } from '../../../connectors/types.ts';
import type { Clouds } from '../../core/clouds.ts';
import { transaction, type Db, type Queryable } from '../../core/db.ts';
import type { Notifier } from '../../core/notifications.ts';
import { BOSS_SCHEMA, QUEUES } from '../../core/queues.ts';
import * as runState from '../../core/run-state.ts';
import type { RunStatus } from '../../core/runs.ts';
import type { TaskFilter, TaskOptions } from '../../core/task-spec.ts';

export interface RunRecord {
  id: string;
  userId: string;
  taskId: string;
  kind: runState.RunKind;
  /** A restore's request (kind 'restore'). */
  spec: runState.RestoreSpec | null;
  status: RunStatus;
  quotaHit: boolean;
  /**
   * What the run reads and where it writes: the task's source and destination for a backup (and a
   * verify, which reads the destination only); for a restore, the task's destination is read and
   * the restore's destination written.
   */
  source: { cloudId: string; path?: string; pickerSessionId?: string };
  destination: { cloudId: string; path: string };
  /** The task's destination: where its backup is, whatever the run. */
  backup: { cloudId: string; path: string };
  filter: TaskFilter;
  options: TaskOptions;
  /** When the plan finished listing the source. */
  plannedAt: Date | null;
  /** The source reads front to back: one item at a time, in order. */
  sequential: boolean;
}

export async function loadRun(q: Queryable, runId: string): Promise<RunRecord | undefined> {
  const { rows } = await q.query(
    `SELECT r.id, r.user_id, r.task_id, r.kind, r.spec, r.status, r.quota_hit_at, r.planned_at, r.sequential,
            t.source, t.destination, t.filter, t.options
       FROM runs r JOIN tasks t ON t.id = r.task_id WHERE r.id = $1`,
    [runId],
  );
  const r = rows[0];
  if (!r) return undefined;
  const spec: runState.RestoreSpec | null = r.spec;
  const options: TaskOptions = { conflict: 'skip', verify: true, ...r.options };
  return {
    id: r.id,
    userId: r.user_id,
    taskId: r.task_id,
    kind: r.kind,
    spec,
    status: r.status,
    quotaHit: r.quota_hit_at !== null,
    // A restore reads the backup (where the task writes) and writes where it was asked to, under
    // the conflict policy it was given; the task's filter and layout made the backup already.
    source: spec ? r.destination : r.source,
    destination: spec ? spec.destination : r.destination,
    backup: r.destination,
    filter: spec ? {} : r.filter,
    options: spec ? { conflict: spec.conflict, verify: true } : options,
    plannedAt: r.planned_at,
    sequential: r.sequential,
  };
}

export interface Ends {
  source: Source;
  destination: Destination;
  /** The destination cloud read as a source, when it can be: lists what is already there. */
  destinationListing?: Source;
  sourceFeatures: Features;
  destinationFeatures: Features;
}

/** Opens the run's source and destination clouds; a cloud that cannot play its part is a CloudError. */
export async function openEnds(clouds: Clouds, run: RunRecord): Promise<Ends> {
  const dst = await clouds.open(run.userId, run.destination.cloudId);
  if (!dst.handle.destination)
    throw new CloudError('invalid_options', `${dst.cloud.name} cannot be written as a destination.`);
  // A verify reads nothing but the destination: the source may be gone or unreachable meanwhile.
  if (run.kind === 'verify')
    return {
      source: unreadable(dst.cloud.name),
      destination: dst.handle.destination,
      destinationListing: dst.handle.source,
      sourceFeatures: dst.handle.features,
      destinationFeatures: dst.handle.features,
    };
  const src = await clouds.open(run.userId, run.source.cloudId, { pickerSessionId: run.source.pickerSessionId });
  if (!src.handle.source) throw new CloudError('invalid_options', `${src.cloud.name} cannot be read as a source.`);
  return {
    source: src.handle.source,
    destination: dst.handle.destination,
    destinationListing: dst.handle.source,
    sourceFeatures: src.handle.features,
    destinationFeatures: dst.handle.features,
  };
}

/** A source that is not read: a verify's. */
function unreadable(name: string): Source {
  const refuse = () => {
    throw new CloudError('invalid_options', `A verification does not read ${name} as a source.`);
  };
  return { list: refuse, open: refuse };
}

/**
 * Ends a run that cannot go on (its clouds are gone, unreachable, …) with the reason, and tells its
 * owner. `refusedBy`: the cloud that refused its credentials, which then needs reconnecting.
 */
export async function failRun(
  deps: { db: Db; notifier: Notifier },
  runId: string,
  error: string,
  refusedBy?: string,
): Promise<void> {
  await transaction(deps.db, async (c) => {
    if (!(await runState.fail(c, runId, error))) return;
    if (refusedBy) await deps.notifier.cloudNeedsReauth(c, refusedBy, error);
    await deps.notifier.runEnded(c, runId);
  });
}

/** The cloud to reconnect when `err` is a refusal of its credentials. */
export const refusing = (err: unknown, cloudId: string) =>
  err instanceof CloudError && err.reason === 'unauthorized' ? cloudId : undefined;

/**
 * A job of the run ran out of retries (its worker died on it every time, or the database kept failing
 * it): without an end the run would wait for ever. It fails with the last error and what to do; what
 * it copied so far is kept and counted. A copy job is one of several: while another copy job of the
 * run is queued or at work, the run carries on with that one.
 */
export async function failAbandonedRun(
  deps: { db: Db; notifier: Notifier },
  job: { name: string; runId: string; tries: number; output: unknown },
): Promise<void> {
  if (job.name === QUEUES.runCopy) {
    const { rows } = await deps.db.query(
      `SELECT 1 FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND data->>'runId' = $2
          AND state IN ('created', 'retry', 'active') LIMIT 1`,
      [QUEUES.runCopy, job.runId],
    );
    if (rows.length) return;
  }
  const output = job.output as { message?: unknown } | null;
  const last = typeof output?.message === 'string' ? output.message : 'its worker stopped without a word';
  const step =
    job.name === QUEUES.runPlan ? 'Listing what to copy' : job.name === QUEUES.runCopy ? 'Copying' : 'Ending';
  const attempts = `${job.tries} attempt${job.tries === 1 ? '' : 's'}`;
  await failRun(
    deps,
    job.runId,
    `${step} stopped after ${attempts}; the last ended with: ${last}. What was copied is kept: ` +
      'start the run again to carry on, and tell the operator if it stops the same way.',
  );
}
