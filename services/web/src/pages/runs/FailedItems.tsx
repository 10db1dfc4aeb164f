// The files a run could not copy, each with the reason the API gives, a page at a time.
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, must } from '../../api/client';
import { keys } from '../../api/queries';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage, Loading } from '../../ui/components';
import { runWords } from './messages';

export function FailedItems({ runId, verify = false }: { runId: string; verify?: boolean }) {
  const t = useMessages(runWords);
  const items = useInfiniteQuery({
    queryKey: [...keys.run(runId), 'items', 'failed'],
    queryFn: ({ pageParam }) =>
      must(
        api.GET('/api/v1/runs/{id}/items', {
          params: { path: { id: runId }, query: { status: 'failed', cursor: pageParam, limit: 50 } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = items.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="failed-items">
      <h2 id="failed-items">{verify ? t.verifyFailedItems : t.failedItems}</h2>
      <p className="notice warn">{verify ? t.verifyFailedAdvice : t.failedAdvice}</p>
      {items.isPending && <Loading />}
      <ErrorMessage error={items.error} onRetry={() => void items.refetch()} />
      {rows.length > 0 && (
        <ul className="failed-items">
          {rows.map((item) => (
            <li key={item.id}>
              <span className="failed-path">{item.path}</span>
              <span className="failed-reason">
                <span className="muted">{t.reason}: </span>
                {item.error ?? t.noReason}
              </span>
            </li>
          ))}
        </ul>
      )}
      {items.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => void items.fetchNextPage()}
          disabled={items.isFetchingNextPage}
        >
          {t.loadMore}
        </button>
      )}
    </section>
  );
}
