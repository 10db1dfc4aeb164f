// The runs of one task, newest first, each linking to its run page; the task page shows it.
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, must } from '../../api/client';
import { keys } from '../../api/queries';
import { useFormat, useMessages } from '../../i18n/i18n';
import { Empty, ErrorMessage, Loading } from '../../ui/components';
import { runWords } from './messages';
import { isActive, RunKind, StatusBadge } from './status';
import './runs.css';

const PAGE = 20;

export default function RunHistory({ taskId }: { taskId: string }) {
  const t = useMessages(runWords);
  const f = useFormat();
  const runs = useInfiniteQuery({
    queryKey: keys.taskRuns(taskId),
    queryFn: ({ pageParam }) =>
      must(
        api.GET('/api/v1/tasks/{id}/runs', {
          params: { path: { id: taskId }, query: { cursor: pageParam, limit: PAGE } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // A run going on changes its row every few seconds; the run page itself is live.
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((r) => isActive(r.status))) ? 3000 : false),
  });
  const rows = runs.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section aria-labelledby="run-history">
      <h2 id="run-history">{t.history}</h2>
      {runs.isPending && <Loading />}
      <ErrorMessage error={runs.error} onRetry={() => void runs.refetch()} />
      {runs.isSuccess && rows.length === 0 && (
        <Empty title={t.historyEmpty}>
          <p>{t.historyEmptyText}</p>
        </Empty>
      )}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table className="run-history">
            <thead>
              <tr>
                <th scope="col">{t.date}</th>
                <th scope="col">{t.trigger}</th>
                <th scope="col">{t.result}</th>
                <th scope="col">{t.copied}</th>
                <th scope="col">{t.failedCol}</th>
                <th scope="col">{t.size}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const when = f.dateTime(r.startedAt ?? r.createdAt);
                return (
                  <tr key={r.id}>
                    <td>
                      <Link to={`/runs/${r.id}`} aria-label={t.open(when)}>
                        {when}
                      </Link>
                      {/* A backup is the usual run; a restore or a verification says what it is. */}
                      {r.kind !== 'backup' && (
                        <span className="line muted">
                          <RunKind run={r} />
                        </span>
                      )}
                      {r.versionsRemoved > 0 && (
                        <span className="line muted">
                          {t.versionsRemoved}: {f.number(r.versionsRemoved)}
                        </span>
                      )}
                    </td>
                    <td>{t.triggers[r.trigger]}</td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td>{f.number(r.done.items)}</td>
                    <td>{f.number(r.failed.items)}</td>
                    <td>{f.bytes(r.done.bytes)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {runs.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => void runs.fetchNextPage()}
          disabled={runs.isFetchingNextPage}
        >
          {t.loadMore}
        </button>
      )}
    </section>
  );
}
