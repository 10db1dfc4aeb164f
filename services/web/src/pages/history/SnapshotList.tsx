// The task page's "Backup history": the task's snapshots, newest first, each opening the backup as
// it was then; and "Verify backup", which starts a verification run and goes to its page.
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { keys } from '../../api/queries';
import { useFormat, useMessages } from '../../i18n/i18n';
import { Empty, ErrorMessage, Loading } from '../../ui/components';
import { fetchSnapshots, historyKeys, startVerify } from './api';
import { historyWords } from './messages';
import './history.css';

const PAGE = 20;

export function SnapshotList({ taskId }: { taskId: string }) {
  const t = useMessages(historyWords);
  const f = useFormat();
  const snapshots = useInfiniteQuery({
    queryKey: historyKeys.snapshots(taskId),
    queryFn: ({ pageParam }) => fetchSnapshots(taskId, pageParam, PAGE),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = snapshots.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section aria-labelledby="backup-history">
      <h2 id="backup-history">{t.history}</h2>
      <p className="muted">{t.historyIntro}</p>
      {snapshots.isPending && <Loading />}
      <ErrorMessage error={snapshots.error} onRetry={() => void snapshots.refetch()} />
      {snapshots.isSuccess && rows.length === 0 && (
        <Empty title={t.empty}>
          <p>{t.emptyText}</p>
        </Empty>
      )}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table className="snapshots">
            <thead>
              <tr>
                <th scope="col">{t.date}</th>
                <th scope="col">{t.result}</th>
                <th scope="col">{t.files}</th>
                <th scope="col">{t.size}</th>
                <th scope="col">{t.copiedCol}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => {
                const when = f.dateTime(s.at);
                return (
                  <tr key={s.runId}>
                    <td>
                      <Link to={`/tasks/${taskId}/history/${s.runId}`} aria-label={t.open(when)}>
                        {when}
                      </Link>
                    </td>
                    <td>
                      <span className={s.status === 'succeeded' ? 'badge ok' : 'badge warn'}>{t.status[s.status]}</span>
                    </td>
                    <td>{f.number(s.files)}</td>
                    <td>{f.bytes(s.bytes)}</td>
                    <td>
                      {f.number(s.copied.items)} · {f.bytes(s.copied.bytes)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {snapshots.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => void snapshots.fetchNextPage()}
          disabled={snapshots.isFetchingNextPage}
        >
          {t.loadMore}
        </button>
      )}
    </section>
  );
}

/** "Verify backup": a verification run of the task, then its page (the run page shows its progress). */
export function useVerify(taskId: string) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: () => startVerify(taskId),
    onSuccess: (run) => {
      queryClient.setQueryData(keys.run(run.id), run);
      void queryClient.invalidateQueries({ queryKey: keys.taskRuns(taskId) });
      void queryClient.invalidateQueries({ queryKey: keys.runs });
      navigate(`/runs/${run.id}`);
    },
  });
}
