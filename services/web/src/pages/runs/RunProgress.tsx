// A run's progress: files and bytes done of the total, a bar, what was skipped or failed, and while
// it runs what waits, the speed and the time left; once ended, the same as a summary. `compact` is
// the dashboard's.
import { useFormat, useMessages } from '../../i18n/i18n';
import { ProgressBar } from '../../ui/components';
import { runWords } from './messages';
import { bytesShare, type Run } from './status';

type Progress = Pick<
  Run,
  'status' | 'totals' | 'done' | 'skipped' | 'failed' | 'waiting' | 'bytesPerSecond' | 'etaSeconds'
>;

export function RunProgress({ run, label, compact = false }: { run: Progress; label?: string; compact?: boolean }) {
  const t = useMessages(runWords);
  const f = useFormat();
  if (run.status === 'queued') return <p className="muted">{t.waitingTurn}</p>;
  if (run.totals.items === 0 && run.status === 'running') return <p className="muted">{t.planning}</p>;

  const running = run.status === 'running';
  const share = bytesShare(run);
  const text = t.bytesText(f.bytes(share.done), f.bytes(share.total), f.number(share.pct));
  const filesDone = run.done.items + run.skipped.items + run.failed.items;
  const bar = <ProgressBar label={label ?? t.bytesBar} value={share.pct} max={100} text={text} />;
  if (compact)
    return (
      <>
        {bar}
        <p className="muted run-compact">
          {t.filesText(f.number(filesDone), f.number(run.totals.items))}
          {run.bytesPerSecond > 0 && ` · ${t.perSecond(f.bytes(run.bytesPerSecond))}`}
          {run.etaSeconds != null && ` · ${t.timeLeft}: ${t.about(f.duration(run.etaSeconds))}`}
        </p>
      </>
    );
  return (
    <>
      {bar}
      <dl className="facts run-numbers">
        <dt>{t.filesBar}</dt>
        <dd>{t.filesText(f.number(filesDone), f.number(run.totals.items))}</dd>
        <dt>{t.skipped}</dt>
        <dd>{f.number(run.skipped.items)}</dd>
        <dt>{t.failedCount}</dt>
        <dd>{f.number(run.failed.items)}</dd>
        {running && run.waiting.items > 0 && (
          <>
            <dt>{t.waiting}</dt>
            <dd>
              {f.number(run.waiting.items)} <span className="muted">({t.waitingHint})</span>
            </dd>
          </>
        )}
        {running ? (
          <>
            <dt>{t.rate}</dt>
            <dd>{run.bytesPerSecond > 0 ? t.perSecond(f.bytes(run.bytesPerSecond)) : t.unknown}</dd>
            <dt>{t.timeLeft}</dt>
            <dd>{run.etaSeconds != null ? t.about(f.duration(run.etaSeconds)) : t.unknown}</dd>
          </>
        ) : (
          run.bytesPerSecond > 0 && (
            <>
              <dt>{t.averageRate}</dt>
              <dd>{t.perSecond(f.bytes(run.bytesPerSecond))}</dd>
            </>
          )
        )}
      </dl>
    </>
  );
}
