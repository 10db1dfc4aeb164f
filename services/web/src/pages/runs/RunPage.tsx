// One run (/runs/:id): what it is, its live progress while it goes on, and once it ended, how it
// ended in words, what could not be copied and why, and whom Ferry told.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, must } from '../../api/client';
import { keys } from '../../api/queries';
import { useFormat, useMessages } from '../../i18n/i18n';
import { ErrorMessage, Loading, Page } from '../../ui/components';
import { FailedItems } from './FailedItems';
import { runWords } from './messages';
import { Outcome } from './Outcome';
import { RunProgress } from './RunProgress';
import { isActive, RunKind, StatusBadge, type Run } from './status';
import { useRunEvents } from './useRunEvents';
import './runs.css';

export default function RunPage() {
  const { id = '' } = useParams();
  const t = useMessages(runWords);
  const f = useFormat();
  const run = useQuery({
    queryKey: keys.run(id),
    queryFn: () => must(api.GET('/api/v1/runs/{id}', { params: { path: { id } } })),
  });
  const taskId = run.data?.taskId;
  const task = useQuery({
    queryKey: keys.task(taskId ?? ''),
    queryFn: () => must(api.GET('/api/v1/tasks/{id}', { params: { path: { id: taskId! } } })),
    enabled: Boolean(taskId),
  });
  const active = run.data ? isActive(run.data.status) : false;
  const stream = useRunEvents(id, taskId, active);

  if (run.isPending)
    return (
      <Page title={t.title}>
        <Loading />
      </Page>
    );
  if (run.error)
    return (
      <Page title={t.title}>
        <ErrorMessage error={run.error} onRetry={() => void run.refetch()} />
      </Page>
    );

  const r = run.data;
  const taskName = task.data?.name;
  return (
    <Page title={taskName ? t.titleOfKind[r.kind](taskName) : t.title} actions={<RunActions run={r} />}>
      <dl className="facts">
        <dt>{t.task}</dt>
        <dd>
          <Link to={`/tasks/${r.taskId}`}>{taskName ?? t.task}</Link>
        </dd>
        <dt>{t.kindLabel}</dt>
        <dd>
          <RunKind run={r} />
        </dd>
        {r.restore && (
          <>
            <dt>{t.restorePaths}</dt>
            <dd>
              {r.restore.paths.length
                ? r.restore.paths.map((p) => (
                    <span key={p} className="line">
                      {p}
                    </span>
                  ))
                : t.restoreEverything}
            </dd>
          </>
        )}
        {r.versionsRemoved > 0 && (
          <>
            <dt>{t.versionsRemoved}</dt>
            <dd>{f.number(r.versionsRemoved)}</dd>
          </>
        )}
        <dt>{t.statusLabel}</dt>
        <dd>
          <StatusBadge status={r.status} />
        </dd>
        <dt>{t.trigger}</dt>
        <dd>{t.triggers[r.trigger]}</dd>
        {!r.startedAt && (
          <>
            <dt>{t.queuedAt}</dt>
            <dd>{f.dateTime(r.createdAt)}</dd>
          </>
        )}
        <dt>{t.startedAt}</dt>
        <dd>{r.startedAt ? f.dateTime(r.startedAt) : t.notYet}</dd>
        {r.finishedAt && (
          <>
            <dt>{t.finishedAt}</dt>
            <dd>{f.dateTime(r.finishedAt)}</dd>
          </>
        )}
      </dl>

      {stream.state === 'reconnecting' && (
        <p className="notice warn" role="status">
          {t.reconnecting}
        </p>
      )}
      {stream.state === 'closed' && (
        <div className="notice warn" role="status">
          <p>
            {t.streamClosed} {stream.message}
          </p>
          <button type="button" className="secondary" onClick={() => void run.refetch()}>
            {t.reload}
          </button>
        </div>
      )}

      {!active && <Outcome run={r} />}
      {(active || r.totals.items > 0) && (
        <section aria-labelledby="run-progress">
          <h2 id="run-progress">{t.progress}</h2>
          <RunProgress run={r} />
        </section>
      )}
      {!active && r.failed.items > 0 && <FailedItems runId={r.id} verify={r.kind === 'verify'} />}
      {!active && <Notifications run={r} />}
    </Page>
  );
}

/** "Cancel run" (asked once more first) while the run goes on; "Run now" once it ended. */
function RunActions({ run }: { run: Run }) {
  const t = useMessages(runWords);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const dialog = useRef<HTMLDialogElement>(null);
  const keep = useRef<HTMLButtonElement>(null);

  const cancel = useMutation({
    mutationFn: () => must(api.POST('/api/v1/runs/{id}/cancel', { params: { path: { id: run.id } } })),
    onSuccess: (r) => {
      dialog.current?.close();
      queryClient.setQueryData<Run>(keys.run(run.id), (old) => ({ ...old, ...r }));
      void queryClient.invalidateQueries({ queryKey: keys.runs });
      void queryClient.invalidateQueries({ queryKey: keys.taskRuns(run.taskId) });
    },
  });
  const runNow = useMutation({
    mutationFn: () => must(api.POST('/api/v1/tasks/{id}/runs', { params: { path: { id: run.taskId } } })),
    onSuccess: ({ run: started }) => {
      queryClient.setQueryData(keys.run(started.id), started);
      void queryClient.invalidateQueries({ queryKey: keys.taskRuns(run.taskId) });
      void queryClient.invalidateQueries({ queryKey: keys.runs });
      navigate(`/runs/${started.id}`);
    },
  });

  if (!isActive(run.status))
    return (
      <div className="run-actions">
        <button type="button" onClick={() => runNow.mutate()} disabled={runNow.isPending}>
          {t.runNow}
        </button>
        <ErrorMessage error={runNow.error} />
      </div>
    );
  return (
    <div className="run-actions">
      <button
        type="button"
        className="danger"
        onClick={() => {
          cancel.reset();
          dialog.current?.showModal();
          // The safe answer first: Enter or Space keeps the run going.
          keep.current?.focus();
        }}
      >
        {t.cancelRun}
      </button>
      <dialog ref={dialog} aria-labelledby="cancel-title" aria-describedby="cancel-text" className="confirm">
        <h2 id="cancel-title">{t.cancelTitle}</h2>
        <p id="cancel-text">{t.cancelText}</p>
        <ErrorMessage error={cancel.error} />
        <div className="actions">
          <button type="button" className="danger" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            {t.cancelYes}
          </button>
          <button ref={keep} type="button" className="secondary" onClick={() => dialog.current?.close()}>
            {t.cancelNo}
          </button>
        </div>
      </dialog>
    </div>
  );
}

/** The mails and webhook calls the run caused, and whether they arrived. */
function Notifications({ run }: { run: Run }) {
  const t = useMessages(runWords);
  const f = useFormat();
  if (!run.notifications?.length) return null;
  return (
    <section aria-labelledby="run-notifications">
      <h2 id="run-notifications">{t.notifications}</h2>
      <ul className="plain-list">
        {run.notifications.map((n, i) => (
          <li key={i}>
            {t.to(t.channel[n.channel], n.to)}:{' '}
            <span className={n.status === 'delivered' ? 'badge ok' : n.status === 'failed' ? 'badge bad' : 'badge'}>
              {t.delivery[n.status]}
            </span>
            {n.deliveredAt && <span className="muted"> {f.dateTime(n.deliveredAt)}</span>}
            {n.status !== 'delivered' && n.lastError && <span className="muted"> ({n.lastError})</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
