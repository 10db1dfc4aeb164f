// A task's page: what it does in words, Run now (to the run's page; a run already going is linked),
// Verify backup (to the verification run's page), Edit, Pause/Resume, Delete (after saying the history
// goes too), its backup history (the snapshots, each browsable and restorable) and its runs.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, ApiError, must } from '../../api/client';
import { keys } from '../../api/queries';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage, Loading, messageOf, Page } from '../../ui/components';
import { historyWords } from '../history/messages';
import { SnapshotList, useVerify } from '../history/SnapshotList';
import RunHistory from '../runs/RunHistory';
import { DATE_LAYOUT } from './draft';
import { taskWords } from './messages';
import { taskQuery } from './queries';
import {
  useConflictWords,
  useEndWords,
  useFilterWords,
  useNextRunWords,
  useNotifyWords,
  useScheduleWords,
  useVersionsWords,
  type FilterFields,
  type Task,
} from './words';
import './tasks.css';

/** A refused Run now, with the run already going when there is one. */
class RunRefused extends ApiError {
  readonly runningId: string | null;
  constructor(err: ApiError, runningId: string | null) {
    super(err.status, err.code, err.message);
    this.runningId = runningId;
  }
}

export default function TaskPage() {
  const t = useMessages(taskWords);
  const { id = '' } = useParams();
  const task = useQuery(taskQuery(id));
  if (task.error) {
    return (
      <Page title={t.taskTitle}>
        <ErrorMessage error={task.error} onRetry={() => task.refetch()} />
      </Page>
    );
  }
  if (!task.data) {
    return (
      <Page title={t.taskTitle}>
        <Loading />
      </Page>
    );
  }
  return <TaskView task={task.data} />;
}

function TaskView({ task }: { task: Task }) {
  const t = useMessages(taskWords);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const scheduleWords = useScheduleWords();
  const nextRunWords = useNextRunWords();
  const endWords = useEndWords();
  const filterWords = useFilterWords();
  const conflictWords = useConflictWords();
  const notifyWords = useNotifyWords();
  const versionsWords = useVersionsWords();
  const [confirming, setConfirming] = useState(false);
  const h = useMessages(historyWords);
  const verify = useVerify(task.id);

  const changed = (saved: Task) => {
    queryClient.setQueryData(keys.task(saved.id), saved);
    void queryClient.invalidateQueries({ queryKey: keys.tasks, exact: true });
  };

  const runNow = useMutation({
    mutationFn: async () => {
      try {
        return await must(api.POST('/api/v1/tasks/{id}/runs', { params: { path: { id: task.id } } }));
      } catch (err) {
        // "Already running": find that run, so the message can lead to it.
        if (err instanceof ApiError && err.status === 409) {
          const runs = await must(
            api.GET('/api/v1/tasks/{id}/runs', { params: { path: { id: task.id }, query: { limit: 5 } } }),
          ).catch(() => null);
          const going = runs?.items.find((r) => r.status === 'queued' || r.status === 'running');
          throw new RunRefused(err, going?.id ?? null);
        }
        throw err;
      }
    },
    onSuccess: ({ run }) => {
      void queryClient.invalidateQueries({ queryKey: keys.taskRuns(task.id) });
      void queryClient.invalidateQueries({ queryKey: keys.runs });
      navigate(`/runs/${run.id}`);
    },
  });

  const pause = useMutation({
    mutationFn: (paused: boolean) =>
      must(api.PATCH('/api/v1/tasks/{id}', { params: { path: { id: task.id } }, body: { paused } })),
    onSuccess: changed,
  });

  const remove = useMutation({
    mutationFn: () => must(api.DELETE('/api/v1/tasks/{id}', { params: { path: { id: task.id } } })),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: keys.task(task.id) });
      void queryClient.invalidateQueries({ queryKey: keys.tasks, exact: true });
      void queryClient.invalidateQueries({ queryKey: keys.runs });
      navigate('/tasks');
    },
  });

  // The confirmation takes the focus when it opens, and gives it back to Delete when it closes.
  const confirmHeading = useRef<HTMLHeadingElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const opened = useRef(false);
  useEffect(() => {
    if (confirming) confirmHeading.current?.focus();
    else if (opened.current) deleteButton.current?.focus();
    opened.current = confirming;
  }, [confirming]);

  const options = task.options as {
    conflict?: string;
    layout?: string;
    versions?: { keep?: number; days?: number };
    verifySchedule?: Task['schedule'];
  };
  const layout = !options.layout ? t.layoutAsIs : options.layout === DATE_LAYOUT ? t.layoutDate : options.layout;
  const refused = runNow.error;

  return (
    <Page
      title={task.name}
      actions={
        <>
          <button type="button" onClick={() => runNow.mutate()} disabled={runNow.isPending}>
            {runNow.isPending ? t.starting : t.runNow}
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => verify.mutate()}
            disabled={verify.isPending}
            title={h.verifyHint}
          >
            {verify.isPending ? h.verifying : h.verify}
          </button>
          <Link className="button secondary" to={`/tasks/${task.id}/edit`}>
            {t.edit}
          </Link>
          <button
            type="button"
            className="secondary"
            onClick={() => pause.mutate(!task.paused)}
            disabled={pause.isPending}
          >
            {task.paused ? t.resume : t.pause}
          </button>
          <button
            type="button"
            className="secondary"
            ref={deleteButton}
            onClick={() => setConfirming(true)}
            aria-expanded={confirming}
          >
            {t.delete}
          </button>
        </>
      }
    >
      {refused && (
        <div className="error" role="alert">
          <p>{messageOf(refused)}</p>
          {refused instanceof RunRefused && refused.runningId && (
            <p>
              <Link to={`/runs/${refused.runningId}`}>{t.runningNow}</Link>
            </p>
          )}
        </div>
      )}
      <ErrorMessage error={pause.error} />
      <ErrorMessage error={verify.error} />
      {confirming && (
        <section className="notice warn confirm" aria-labelledby="confirm-delete">
          <h2 id="confirm-delete" ref={confirmHeading} tabIndex={-1}>
            {t.deleteTitle}
          </h2>
          <p>{t.deleteText}</p>
          <ErrorMessage error={remove.error} />
          <div className="actions">
            <button type="button" className="danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
              {t.deleteConfirm}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              {t.deleteKeep}
            </button>
          </div>
        </section>
      )}
      {task.paused && <p className="notice warn">{t.pausedText}</p>}
      <section aria-labelledby="what-it-does">
        <h2 id="what-it-does">{t.whatItDoes}</h2>
        <dl className="facts task-facts">
          <dt>{t.from}</dt>
          <dd>{endWords(task.source)}</dd>
          <dt>{t.to}</dt>
          <dd>{endWords(task.destination)}</dd>
          <dt>{t.when}</dt>
          <dd>
            {task.paused && <span className="badge warn">{t.paused}</span>} {scheduleWords(task.schedule)}
          </dd>
          {task.nextRunAt && (
            <>
              <dt>{t.nextRun}</dt>
              <dd>{nextRunWords(task.nextRunAt, task.schedule?.timezone)}</dd>
            </>
          )}
          <dt>{t.files}</dt>
          <dd>{filterWords(task.filter as FilterFields)}</dd>
          <dt>{t.whenExists}</dt>
          <dd>{conflictWords(options.conflict)}</dd>
          <dt>{t.arrange}</dt>
          <dd>{layout}</dd>
          <dt>{t.versionsTitle}</dt>
          <dd>{versionsWords(options.versions)}</dd>
          <dt>{t.verifyTitle}</dt>
          <dd>
            {options.verifySchedule ? scheduleWords(options.verifySchedule) : t.verifyOff}
            {task.nextVerifyAt && (
              <span className="line muted">
                {t.nextVerify(nextRunWords(task.nextVerifyAt, options.verifySchedule?.timezone))}
              </span>
            )}
          </dd>
          <dt>{t.notifications}</dt>
          <dd>
            {notifyWords(task.notify).map((l) => (
              <span key={l} className="line">
                {l}
              </span>
            ))}
          </dd>
        </dl>
      </section>
      <SnapshotList taskId={task.id} />
      <RunHistory taskId={task.id} />
    </Page>
  );
}
