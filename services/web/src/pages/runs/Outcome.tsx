// How an ended run ended, in words, and what happens next or what to do.
import { useQuery } from '@tanstack/react-query';
import { meQuery } from '../../api/queries';
import { useFormat, useMessages } from '../../i18n/i18n';
import { runWords } from './messages';
import type { Run } from './status';

export function Outcome({ run }: { run: Run }) {
  const t = useMessages(runWords);
  const f = useFormat();
  const me = useQuery(meQuery);
  const files = (n: number) => ({ n, text: t.files(n, f.number(n)) });
  const skipped = run.skipped.items > 0 && <p>{t.skippedNote(files(run.skipped.items))}</p>;

  let body;
  switch (run.status) {
    case 'succeeded':
      body = (
        <div className="notice">
          <p>
            {run.kind === 'verify'
              ? t.verifySucceeded(files(run.done.items))
              : run.totals.items === 0
                ? t.nothingNew
                : t.succeeded(files(run.done.items))}
          </p>
          {skipped}
        </div>
      );
      break;
    case 'partial':
      body = (
        <div className="notice warn">
          <p>
            {run.kind === 'verify'
              ? t.verifyPartial(files(run.failed.items), files(run.done.items))
              : t.partial(files(run.failed.items), files(run.done.items))}
          </p>
          {skipped}
        </div>
      );
      break;
    case 'failed':
      body = (
        <div className="notice warn">
          <p>{run.error ? t.failed(run.error) : t.failedNoReason}</p>
          <p>{t.failedNext}</p>
        </div>
      );
      break;
    case 'cancelled':
      body = (
        <div className="notice">
          <p>{t.cancelled}</p>
        </div>
      );
      break;
    case 'quota_exceeded':
      body = (
        <div className="notice warn">
          <p>{t.quota}</p>
          {me.data && <p>{t.quotaNext(f.date(me.data.usage.periodEnd))}</p>}
        </div>
      );
      break;
    default:
      return null;
  }
  return (
    <section aria-labelledby="run-outcome">
      <h2 id="run-outcome">{t.outcome}</h2>
      {body}
      {run.versionsRemoved > 0 && <p>{t.versionsRemovedText(run.versionsRemoved)}</p>}
    </section>
  );
}
