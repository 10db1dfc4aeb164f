// Every account, oldest first: a search by address and "suspended only" (kept in the page's address,
// so Back returns to the same list), then a table of each account's plan, traffic, clouds, tasks and
// last run, with "Show more" for the next page.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, must } from '../../api/client';
import { useFormat, useMessages } from '../../i18n/i18n';
import { Empty, ErrorMessage, Field, Loading } from '../../ui/components';
import { useHeld } from '../../ui/held';
import { adminWords } from './messages';
import { LastRun } from './parts';
import { adminKeys, plansQuery } from './queries';

const PAGE = 50;

export function UserList() {
  const t = useMessages(adminWords);
  const f = useFormat();
  const heading = useId();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const suspendedOnly = params.get('suspended') === 'true';
  const [typed, setTyped] = useState(q);
  const [onlyTicked, setOnlyTicked] = useHeld(suspendedOnly);
  const plans = useQuery(plansQuery);
  const users = useInfiniteQuery({
    queryKey: [...adminKeys.users, { q, suspendedOnly }],
    queryFn: ({ pageParam }) =>
      must(
        api.GET('/api/v1/admin/users', {
          params: {
            query: {
              q: q || undefined,
              suspended: suspendedOnly ? 'true' : undefined,
              cursor: pageParam,
              limit: PAGE,
            },
          },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = users.data?.pages.flatMap((p) => p.items) ?? [];
  const planName = (id: string) => plans.data?.items.find((p) => p.id === id)?.name ?? id;

  const show = (next: { q?: string; suspended?: boolean }) => {
    const p = new URLSearchParams();
    const nq = (next.q ?? q).trim();
    if (nq) p.set('q', nq);
    if (next.suspended ?? suspendedOnly) p.set('suspended', 'true');
    setParams(p, { replace: true });
  };
  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    show({ q: typed });
  };

  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{t.accounts}</h2>
      <form className="admin-filters" role="search" onSubmit={onSearch}>
        <Field
          label={t.search}
          hint={t.searchHint}
          type="search"
          value={typed}
          maxLength={254}
          autoComplete="off"
          onChange={(e) => setTyped(e.target.value)}
        />
        <button type="submit">{t.searchButton}</button>
        <label className="choice">
          <input
            type="checkbox"
            checked={onlyTicked}
            onChange={(e) => {
              setOnlyTicked(e.target.checked);
              show({ suspended: e.target.checked });
            }}
          />
          <span>{t.suspendedOnly}</span>
        </label>
      </form>

      {users.isPending && <Loading />}
      <ErrorMessage error={users.error} onRetry={() => void users.refetch()} />
      {users.isSuccess && rows.length === 0 && (
        <Empty title={t.noAccounts}>
          <p>{t.noAccountsText}</p>
        </Empty>
      )}
      {rows.length > 0 && (
        <table className="admin-table" role="table">
          <thead role="rowgroup">
            <tr role="row">
              <th scope="col" role="columnheader">
                {t.colAddress}
              </th>
              <th scope="col" role="columnheader">
                {t.colPlan}
              </th>
              <th scope="col" role="columnheader">
                {t.colTraffic}
              </th>
              <th scope="col" role="columnheader">
                {t.colClouds}
              </th>
              <th scope="col" role="columnheader">
                {t.colTasks}
              </th>
              <th scope="col" role="columnheader">
                {t.colLastRun}
              </th>
            </tr>
          </thead>
          <tbody role="rowgroup">
            {rows.map((u) => (
              <tr key={u.id} role="row">
                <th scope="row" role="rowheader">
                  <Link to={`/admin/users/${u.id}`}>{u.email}</Link>
                  {u.suspendedAt && <span className="badge bad">{t.suspendedBadge}</span>}
                  {u.admin && <span className="badge">{t.adminBadge}</span>}
                </th>
                <td role="cell" data-label={t.colPlan}>
                  {planName(u.plan)}
                </td>
                <td role="cell" data-label={t.colTraffic}>
                  {t.ofLimit(f.bytes(u.usage.usedBytes), f.bytes(u.usage.limitBytes))}
                </td>
                <td role="cell" data-label={t.colClouds}>
                  {f.number(u.clouds)}
                </td>
                <td role="cell" data-label={t.colTasks}>
                  {f.number(u.tasks)}
                </td>
                <td role="cell" data-label={t.colLastRun}>
                  <LastRun run={u.lastRun} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {users.hasNextPage && (
        <button
          type="button"
          className="secondary more"
          onClick={() => void users.fetchNextPage()}
          disabled={users.isFetchingNextPage}
        >
          {t.more}
        </button>
      )}
    </section>
  );
}
