// The dashboard (/): the month's traffic, clouds that need reconnecting, runs going on now, the
// last runs and the next scheduled ones. A first visit (no clouds or no task yet) opens with the
// steps to a first backup instead.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { api, must } from '../../api/client';
import { cloudsQuery, keys, meQuery, tasksQuery } from '../../api/queries';
import { useFormat, useMessages } from '../../i18n/i18n';
import { ErrorMessage, Loading, Page, ProgressBar } from '../../ui/components';
import { RunProgress } from '../runs/RunProgress';
import { runWords } from '../runs/messages';
import { isActive, StatusBadge, type Run } from '../runs/status';
import { dashboardWords } from './messages';
import { GetStarted } from './GetStarted';
import './dashboard.css';

// Runs going on move every few seconds; the list follows them only while there are any.
const BUSY_REFRESH_MS = 3000;

const runsQuery = (which: 'active' | 'recent') => ({
  queryKey: [...keys.runs, which],
  queryFn: () =>
    must(
      api.GET('/api/v1/runs', {
        params: { query: which === 'active' ? { active: 'true' as const, limit: 20 } : { limit: 10 } },
      }),
    ),
});

export default function Dashboard() {
  const t = useMessages(dashboardWords);
  const me = useQuery(meQuery);
  const clouds = useQuery(cloudsQuery);
  const tasks = useQuery(tasksQuery);
  const active = useQuery({
    ...runsQuery('active'),
    refetchInterval: (q) => (q.state.data?.items.length ? BUSY_REFRESH_MS : false),
  });
  const recent = useQuery(runsQuery('recent'));
  // A run that leaves the list ended: it belongs in the last runs now, and its bytes in the traffic.
  const queryClient = useQueryClient();
  const going = useRef<string[]>([]);
  const ids = active.data?.items.map((r) => r.id) ?? [];
  const idsKey = ids.join(',');
  useEffect(() => {
    const now = idsKey ? idsKey.split(',') : [];
    const ended = going.current.some((id) => !now.includes(id));
    const started = now.some((id) => !going.current.includes(id));
    going.current = now;
    if (ended || started) void queryClient.invalidateQueries({ queryKey: runsQuery('recent').queryKey });
    if (ended) void queryClient.invalidateQueries({ queryKey: keys.me });
  }, [idsKey, queryClient]);

  if (clouds.isPending || tasks.isPending)
    return (
      <Page title={t.title}>
        <Loading />
      </Page>
    );
  const firstVisit = clouds.data && tasks.data && (clouds.data.items.length === 0 || tasks.data.items.length === 0);

  return (
    <Page title={t.title}>
      {me.data?.emailVerificationRequired && !me.data.emailVerified && (
        <div className="notice warn">
          <p>
            <strong>{t.unverified}.</strong> {t.unverifiedText}
          </p>
          <p>
            <Link to="/account">{t.toAccount}</Link>
          </p>
        </div>
      )}
      <ErrorMessage
        error={clouds.error ?? tasks.error}
        onRetry={() => void Promise.all([clouds.refetch(), tasks.refetch()])}
      />
      {firstVisit && <GetStarted clouds={clouds.data.items.length} tasks={tasks.data.items.length} />}
      <Reconnect />
      <section aria-labelledby="dash-now">
        <h2 id="dash-now">{t.now}</h2>
        <ErrorMessage error={active.error} onRetry={() => void active.refetch()} />
        {active.data && active.data.items.length === 0 && <p className="muted">{t.nowEmpty}</p>}
        {active.data && active.data.items.length > 0 && (
          <ul className="cards">
            {active.data.items.map((r) => (
              <li key={r.id} className="card quiet-label">
                <h3>
                  <Link to={`/runs/${r.id}`}>{r.taskName}</Link>
                </h3>
                <p>
                  <KindTag kind={r.kind} /> <StatusBadge status={r.status} />
                </p>
                <RunProgress run={r} label={r.taskName} compact />
              </li>
            ))}
          </ul>
        )}
      </section>
      <LastRuns
        runs={recent.data?.items.filter((r) => !isActive(r.status)).slice(0, 5)}
        error={recent.error}
        onRetry={() => void recent.refetch()}
      />
      <NextRuns />
      <Traffic />
    </Page>
  );
}

function Traffic() {
  const t = useMessages(dashboardWords);
  const f = useFormat();
  const me = useQuery(meQuery);
  if (!me.data) return null;
  const { usedBytes, limitBytes, periodEnd } = me.data.usage;
  return (
    <section aria-labelledby="dash-traffic" className="quiet-label">
      <h2 id="dash-traffic">{t.traffic}</h2>
      <ProgressBar
        label={t.traffic}
        value={usedBytes}
        max={limitBytes}
        text={t.trafficText(f.bytes(usedBytes), f.bytes(limitBytes))}
      />
      <p className="muted">{t.renews(f.date(periodEnd))}</p>
      {limitBytes > 0 && usedBytes >= limitBytes && <p className="notice warn">{t.trafficFull}</p>}
    </section>
  );
}

/** Clouds Ferry cannot reach, each linking to its page where it is reconnected. */
function Reconnect() {
  const t = useMessages(dashboardWords);
  const clouds = useQuery(cloudsQuery);
  const broken = clouds.data?.items.filter((c) => c.status !== 'ok') ?? [];
  if (broken.length === 0) return null;
  return (
    <section aria-labelledby="dash-reconnect" className="notice warn">
      <h2 id="dash-reconnect">{t.reconnect}</h2>
      <p>{t.reconnectText}</p>
      <ul className="dash-list">
        {broken.map((c) => (
          <li key={c.id}>
            <Link to={`/clouds/${c.id}`}>{c.name}</Link>{' '}
            <span className="badge bad">{c.status === 'needs_reauth' ? t.needsReauth : t.cloudError}</span>
            {c.lastError && <span className="muted"> {c.lastError}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

type RunInList = NonNullable<Awaited<ReturnType<ReturnType<typeof runsQuery>['queryFn']>>>['items'][number];

function LastRuns({ runs, error, onRetry }: { runs?: RunInList[]; error: unknown; onRetry: () => void }) {
  const t = useMessages(dashboardWords);
  const f = useFormat();
  return (
    <section aria-labelledby="dash-last">
      <h2 id="dash-last">{t.last}</h2>
      <ErrorMessage error={error} onRetry={onRetry} />
      {runs && runs.length === 0 && <p className="muted">{t.lastEmpty}</p>}
      {runs && runs.length > 0 && (
        <ul className="dash-list">
          {runs.map((r) => (
            <li key={r.id}>
              <Link to={`/runs/${r.id}`}>{r.taskName}</Link> <KindAndStatus run={r} />{' '}
              <span className="muted">{f.dateTime(r.finishedAt ?? r.startedAt ?? r.createdAt)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function NextRuns() {
  const t = useMessages(dashboardWords);
  const f = useFormat();
  const tasks = useQuery(tasksQuery);
  if (!tasks.data || tasks.data.items.length === 0) return null;
  const next = tasks.data.items
    .filter((task) => task.nextRunAt)
    .sort((a, b) => Date.parse(a.nextRunAt!) - Date.parse(b.nextRunAt!))
    .slice(0, 5);
  return (
    <section aria-labelledby="dash-next">
      <h2 id="dash-next">{t.next}</h2>
      {next.length === 0 && <p className="muted">{t.nextEmpty}</p>}
      {next.length > 0 && (
        <ul className="dash-list">
          {next.map((task) => (
            <li key={task.id}>
              <Link to={`/tasks/${task.id}`}>{task.name}</Link>{' '}
              <span className="muted">{t.at(f.dateTime(task.nextRunAt!))}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** A restore or a verification says so beside its task's name; a backup, the usual run, says nothing. */
function KindTag({ kind }: { kind: Run['kind'] }) {
  const t = useMessages(runWords);
  return kind === 'backup' ? null : <span className="badge">{t.kinds[kind]}</span>;
}

function KindAndStatus({ run }: { run: Pick<Run, 'kind' | 'status'> }) {
  return (
    <>
      {run.kind !== 'backup' && (
        <>
          <KindTag kind={run.kind} />{' '}
        </>
      )}
      <StatusBadge status={run.status} />
    </>
  );
}
