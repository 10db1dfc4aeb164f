// A Takeout reader's page (a cloud reading Takeout's exports from another): where the exports
// arrive, when the next is due, the export sets with their parts and what Ferry did with them, the
// tasks that back them up, and the set-up steps, always at hand.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api, must, type components } from '../../api/client';
import { useProvider, wrappedCloud } from '../../api/providers';
import { cloudsQuery, keys, tasksQuery } from '../../api/queries';
import { useFormat, useMessages } from '../../i18n/i18n';
import { ErrorMessage, Loading } from '../../ui/components';
import { useCloudLabel } from './kinds';
import { photos } from './messages';
import { takeoutKey, takeoutQuery } from './queries';
import TakeoutSteps from './TakeoutSteps';
import './photos.css';

type Cloud = components['schemas']['Cloud'];
type ExportStatus = components['schemas']['ExportStatus'];
type ExportSet = ExportStatus['sets'][number];
type Task = components['schemas']['Task'];

const partName = (n: number) => String(n).padStart(3, '0');
const fileName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const ENDED = new Set(['succeeded', 'partial', 'failed', 'cancelled', 'quota_exceeded']);

export default function TakeoutStatus({ cloud }: { cloud: Cloud }) {
  const t = useMessages(photos);
  const status = useQuery(takeoutQuery(cloud.id));
  const folder = typeof cloud.options.path === 'string' ? cloud.options.path : '';
  return (
    <section className="photos-extras" aria-labelledby="takeout-exports">
      <h2 id="takeout-exports">{t.exportsTitle}</h2>
      <Delivery cloud={cloud} status={status.data} />
      <BackupTasks cloud={cloud} />
      {status.isPending ? (
        <Loading />
      ) : status.error ? (
        <ErrorMessage error={status.error} onRetry={() => status.refetch()} />
      ) : (
        <Sets status={status.data} />
      )}
      {!status.isPending && (
        <p>
          <button type="button" className="secondary" onClick={() => status.refetch()} disabled={status.isFetching}>
            {t.refresh}
          </button>
        </p>
      )}
      <details className="takeout-setup">
        <summary>{t.stepsTitle}</summary>
        <TakeoutSteps status={status.data} folder={folder || 'Takeout'} heading={false} />
      </details>
    </section>
  );
}

/** Where the exports arrive, when the next one is due, and the warnings about the schedule. */
function Delivery({ cloud, status }: { cloud: Cloud; status?: ExportStatus }) {
  const t = useMessages(photos);
  const cloudLabel = useCloudLabel();
  const fmt = useFormat();
  const clouds = useQuery(cloudsQuery);
  const provider = useProvider(cloud.kind);
  const store = clouds.data && wrappedCloud(cloud, provider, clouds.data.items);
  const folder = status?.folder ?? (typeof cloud.options.path === 'string' ? cloud.options.path : '');
  return (
    <>
      <dl className="facts">
        <dt>{t.deliveredTo}</dt>
        <dd>
          {t.folderIn(folder)}{' '}
          {store ? (
            <Link to={`/clouds/${store.id}`}>{cloudLabel(store)}</Link>
          ) : clouds.isPending ? (
            '…'
          ) : (
            t.unknownCloud
          )}
        </dd>
        {status?.nextExpectedAt && (
          <>
            <dt>{t.nextExport}</dt>
            <dd>{fmt.date(status.nextExpectedAt)}</dd>
          </>
        )}
        {status?.scheduleEndsAt && (
          <>
            <dt>{t.scheduleEnds}</dt>
            <dd>{fmt.date(status.scheduleEndsAt)}</dd>
          </>
        )}
      </dl>
      {status?.late && status.nextExpectedAt && (
        <p className="notice warn">{t.late(fmt.date(status.nextExpectedAt))}</p>
      )}
      {status?.late && !status.nextExpectedAt && status.scheduleEndsAt && (
        <p className="notice warn">{t.endsSoon(fmt.date(status.scheduleEndsAt))}</p>
      )}
      {status?.endsSoon && status.scheduleEndsAt && !status.late && (
        <p className="notice warn">{t.endsSoon(fmt.date(status.scheduleEndsAt))}</p>
      )}
    </>
  );
}

/** The tasks reading this cloud, each with "Back up now"; or the way to create the first. */
function BackupTasks({ cloud }: { cloud: Cloud }) {
  const t = useMessages(photos);
  const tasks = useQuery(tasksQuery);
  if (tasks.isPending) return null;
  if (tasks.error) return <ErrorMessage error={tasks.error} onRetry={() => tasks.refetch()} />;
  const own = tasks.data.items.filter((x) => x.source.cloudId === cloud.id);
  return (
    <div className="photos-sub">
      <h3>{t.tasksTitle}</h3>
      {own.length === 0 ? (
        <>
          <p>{t.noTask}</p>
          <p>
            <Link className="button" to={`/tasks/new?source=${encodeURIComponent(cloud.id)}`}>
              {t.createTask}
            </Link>
          </p>
        </>
      ) : (
        <ul className="plain">
          {own.map((task) => (
            <RunNow key={task.id} task={task} cloudId={cloud.id} label={own.length === 1 ? undefined : task.name} />
          ))}
        </ul>
      )}
    </div>
  );
}

/** "Back up now" for one task; follows the run until it ends, then reads the exports again. */
function RunNow({ task, cloudId, label }: { task: Task; cloudId: string; label?: string }) {
  const t = useMessages(photos);
  const queryClient = useQueryClient();
  const [runId, setRunId] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: () => must(api.POST('/api/v1/tasks/{id}/runs', { params: { path: { id: task.id } } })),
    onSuccess: ({ run }) => {
      setRunId(run.id);
      void queryClient.invalidateQueries({ queryKey: keys.taskRuns(task.id) });
    },
  });
  const run = useQuery({
    queryKey: keys.run(runId ?? ''),
    queryFn: ({ signal }) => must(api.GET('/api/v1/runs/{id}', { params: { path: { id: runId! } }, signal })),
    enabled: runId !== null,
    refetchInterval: (q) => (q.state.data && ENDED.has(q.state.data.status) ? false : 2000),
  });
  const ended = run.data !== undefined && ENDED.has(run.data.status);
  // A run takes up the export sets as it starts; once it has ended the sets say what it did.
  useEffect(() => {
    if (ended) void queryClient.invalidateQueries({ queryKey: takeoutKey(cloudId) });
  }, [ended, cloudId, queryClient]);
  return (
    <li>
      <div className="actions">
        <button type="button" onClick={() => start.mutate()} disabled={start.isPending || (runId !== null && !ended)}>
          {label ? t.taskFrom(label) : t.backUpNow}
        </button>
        <Link to={`/tasks/${task.id}`}>{t.openTask(task.name)}</Link>
      </div>
      <ErrorMessage error={start.error} />
      {runId && (
        <p className="notice" role="status">
          {ended ? t.runEnded : t.started} <Link to={`/runs/${runId}`}>{ended ? t.seeRun : t.seeProgress}</Link>
        </p>
      )}
    </li>
  );
}

/** The export sets, newest first: each with its state in words and its parts. */
function Sets({ status }: { status: ExportStatus }) {
  const t = useMessages(photos);
  if (!status.sets.length) return <p className="notice">{t.noSets(status.folder || '/')}</p>;
  const sets = [...status.sets].reverse();
  return (
    <div className="photos-sub">
      <h3>{t.setsTitle}</h3>
      <ul className="plain export-sets">
        {sets.map((s) => (
          <ExportSetView key={s.id} set={s} />
        ))}
      </ul>
    </div>
  );
}

const BADGE: Record<ExportSet['state'], string> = { waiting: 'warn', ready: 'ok', ingested: 'ok', grown: 'warn' };

function ExportSetView({ set }: { set: ExportSet }) {
  const t = useMessages(photos);
  const fmt = useFormat();
  const headingId = `set-${set.id}`;
  const why = whyWaiting(set, t, fmt.dateTime);
  const refused = set.parts.filter((p) => p.error).length;
  return (
    <li className="card export-set">
      <h4 id={headingId}>{t.exportOf(fmt.dateTime(set.createdAt))}</h4>
      <p>
        <span className={`badge ${BADGE[set.state]}`}>{t.state[set.state]}</span>
      </p>
      {why && <p>{why}</p>}
      {refused > 0 && <p className="part-error">{t.refusedParts(refused)}</p>}
      <div className="table-wrap">
        <table aria-labelledby={headingId}>
          <thead>
            <tr>
              <th scope="col">{t.colPart}</th>
              <th scope="col">{t.colFile}</th>
              <th scope="col">{t.colSize}</th>
              <th scope="col">{t.colState}</th>
            </tr>
          </thead>
          <tbody>
            {set.parts.map((p) => (
              <tr key={p.path}>
                <td>{partName(p.number)}</td>
                <td className="file">{fileName(p.path)}</td>
                <td className="size">{p.size === undefined ? t.unknownSize : fmt.bytes(p.size)}</td>
                <td>
                  {p.error ? (
                    <>
                      <span className="badge bad">{t.partRefused}</span>
                      <span className="part-error">{p.error}</span>
                      <span className="hint">{t.refusedWhat}</span>
                    </>
                  ) : p.deleted ? (
                    t.partDeleted
                  ) : p.ingested ? (
                    t.partDone
                  ) : (
                    t.partWaiting
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </li>
  );
}

/** Why a set waits, in the reader's language: missing parts, a part just arrived, mixed kinds. */
function whyWaiting(set: ExportSet, t: (typeof photos)['en'], dateTime: (iso: string) => string): string | null {
  if (set.state !== 'waiting' && !(set.state === 'grown' && set.waitingFor)) return null;
  if (set.missing.length) return t.missing(set.missing);
  if (new Set(set.parts.map((p) => fileName(p.path).split('.').pop()?.toLowerCase())).size > 1) return t.mixed;
  const until = set.waitingFor?.match(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/)?.[0];
  if (until) return t.settling(dateTime(until));
  return set.waitingFor ?? null;
}
