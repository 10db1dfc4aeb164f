// The tasks list: each task with where it copies from and to, its schedule in words, its next run
// and its last run's outcome. Empty, it says what a task is (and, without two clouds, to add them).
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { cloudsQuery, tasksQuery } from '../../api/queries';
import { useFormat, useMessages } from '../../i18n/i18n';
import { Empty, ErrorMessage, Loading, Page } from '../../ui/components';
import { StatusBadge } from '../runs/status';
import { taskWords } from './messages';
import { latestRunsQuery } from './queries';
import { useEndWords, useNextRunWords, useScheduleWords } from './words';
import './tasks.css';

/** The button the app's contract names "New task"; it opens the wizard. */
export function NewTaskButton({ source }: { source?: string }) {
  const t = useMessages(taskWords);
  const navigate = useNavigate();
  return (
    <button
      type="button"
      onClick={() => navigate(source ? `/tasks/new?source=${encodeURIComponent(source)}` : '/tasks/new')}
    >
      {t.newTask}
    </button>
  );
}

export default function TaskList() {
  const t = useMessages(taskWords);
  const f = useFormat();
  const tasks = useQuery(tasksQuery);
  const clouds = useQuery(cloudsQuery);
  // The last outcome is a nicety: the list shows without it when it cannot be had.
  const runs = useQuery({ ...latestRunsQuery, retry: false });
  const scheduleWords = useScheduleWords();
  const nextRunWords = useNextRunWords();
  const endWords = useEndWords();
  const items = tasks.data?.items ?? [];
  const lastRun = (taskId: string) => runs.data?.items.find((r) => r.taskId === taskId);
  const fewClouds = clouds.data !== undefined && clouds.data.items.length < 2;

  return (
    <Page title={t.listTitle} actions={items.length ? <NewTaskButton /> : undefined}>
      {tasks.isPending || clouds.isPending ? (
        <Loading />
      ) : tasks.error || clouds.error ? (
        <ErrorMessage
          error={tasks.error ?? clouds.error}
          onRetry={() => void Promise.all([tasks.refetch(), clouds.refetch()])}
        />
      ) : items.length === 0 ? (
        fewClouds ? (
          <Empty
            title={t.needCloudsTitle}
            action={
              <Link className="button" to="/clouds/new">
                {t.addCloud}
              </Link>
            }
          >
            <p>{t.emptyText}</p>
            <p>{t.needCloudsText}</p>
          </Empty>
        ) : (
          <Empty title={t.emptyTitle} action={<NewTaskButton />}>
            <p>{t.emptyText}</p>
          </Empty>
        )
      ) : (
        <ul className="cards task-cards">
          {items.map((task) => {
            const last = lastRun(task.id);
            return (
              <li key={task.id} className="card task-card">
                <h2>
                  <Link to={`/tasks/${task.id}`}>{task.name}</Link>
                </h2>
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
                  {runs.data && (
                    <>
                      <dt>{t.lastRun}</dt>
                      <dd>
                        {last ? (
                          <Link to={`/runs/${last.id}`} className="last-run">
                            <StatusBadge status={last.status} /> <span>{f.dateTime(last.createdAt)}</span>
                          </Link>
                        ) : (
                          t.never
                        )}
                      </dd>
                    </>
                  )}
                </dl>
              </li>
            );
          })}
        </ul>
      )}
    </Page>
  );
}
