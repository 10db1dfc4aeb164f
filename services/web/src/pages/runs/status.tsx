// A run's status as a badge in words, what the run is (a backup, a restore of which point in time to
// where, a verification), and the numbers every run view shares.
import { useQuery } from '@tanstack/react-query';
import type { components } from '../../api/client';
import { cloudsQuery } from '../../api/queries';
import { useFormat, useMessages } from '../../i18n/i18n';
import { runWords } from './messages';

export type Run = components['schemas']['Run'];
export type RunStatus = Run['status'];

export const isActive = (s: RunStatus) => s === 'queued' || s === 'running';

const BADGE: Record<RunStatus, string> = {
  queued: 'badge',
  running: 'badge',
  succeeded: 'badge ok',
  partial: 'badge warn',
  failed: 'badge bad',
  cancelled: 'badge',
  quota_exceeded: 'badge warn',
};

export function StatusBadge({ status }: { status: RunStatus }) {
  const t = useMessages(runWords);
  return <span className={BADGE[status]}>{t.status[status]}</span>;
}

/** "Backup", "Verification", or "Restore: the backup as it was on …, into Cloud, Folder". */
export function RunKind({ run }: { run: Pick<Run, 'kind' | 'restore'> }) {
  const t = useMessages(runWords);
  const f = useFormat();
  const clouds = useQuery(cloudsQuery);
  if (run.kind !== 'restore' || !run.restore) return <>{t.kinds[run.kind]}</>;
  const { at, destination } = run.restore;
  const cloud = clouds.data?.items.find((c) => c.id === destination.cloudId)?.name ?? '…';
  const folder = destination.path.split('/').filter(Boolean).join(' › ');
  return (
    <>
      {t.kinds.restore}: {t.restoreOf(f.dateTime(at), folder ? `${cloud}, ${folder}` : cloud)}
    </>
  );
}

/** Bytes accounted for (copied or already there) against the run's total, as a percentage. */
export function bytesShare(run: Pick<Run, 'totals' | 'done' | 'skipped'>): {
  done: number;
  total: number;
  pct: number;
} {
  const done = run.done.bytes + run.skipped.bytes;
  const total = run.totals.bytes;
  // A run of empty files has nothing to measure in bytes: count its files instead.
  if (total === 0) {
    const items = run.done.items + run.skipped.items;
    return { done, total, pct: run.totals.items > 0 ? Math.min(100, Math.floor((items / run.totals.items) * 100)) : 0 };
  }
  return { done, total, pct: Math.min(100, Math.floor((done / total) * 100)) };
}
