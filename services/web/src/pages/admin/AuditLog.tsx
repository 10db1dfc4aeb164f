// The audit log (/admin/audit), newest first: when, who (their address; or the command line, or
// someone not signed in), the action, its target, the IP address and the details as compact JSON.
// A filter by the kind of action (its prefix, such as "admin."), and "Show more" for older entries.
import { useInfiniteQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api, must } from '../../api/client';
import { useFormat, useMessages } from '../../i18n/i18n';
import { Empty, ErrorMessage, Loading, Page, Select } from '../../ui/components';
import { useHeld } from '../../ui/held';
import { adminWords } from './messages';
import { AdminNav } from './parts';
import { adminKeys, type AuditEntry } from './queries';
import './admin.css';

const PAGE = 50;
const GROUPS = ['admin.', 'user.', 'cloud.', 'task.', 'run.', 'token.'] as const;

export default function AuditLog() {
  const t = useMessages(adminWords);
  const f = useFormat();
  const [params, setParams] = useSearchParams();
  const action = (GROUPS as readonly string[]).includes(params.get('action') ?? '') ? params.get('action')! : '';
  const [shown, setShown] = useHeld(action);
  const log = useInfiniteQuery({
    queryKey: [...adminKeys.audit, action],
    queryFn: ({ pageParam }) =>
      must(
        api.GET('/api/v1/admin/audit', {
          params: { query: { action: action || undefined, cursor: pageParam, limit: PAGE } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = log.data?.pages.flatMap((p) => p.items) ?? [];
  /** Someone not signed in (a failed sign-in) or the operator on the command line (admin.*). */
  const who = (e: AuditEntry) =>
    e.userEmail ?? e.userId ?? (e.action.startsWith('admin.') ? t.commandLine : t.signedOut);

  return (
    <Page title={t.auditTitle}>
      <AdminNav />
      <div className="admin-filters">
        <Select
          label={t.actionFilter}
          value={shown}
          options={[{ value: '', label: t.actionAll }, ...GROUPS.map((g) => ({ value: g, label: t.actionGroups[g] }))]}
          onChange={(e) => {
            setShown(e.target.value);
            setParams(e.target.value ? { action: e.target.value } : {}, { replace: true });
          }}
        />
      </div>
      {log.isPending && <Loading />}
      <ErrorMessage error={log.error} onRetry={() => void log.refetch()} />
      {log.isSuccess && rows.length === 0 && (
        <Empty title={t.noEntries}>
          <p>{t.noEntriesText}</p>
        </Empty>
      )}
      {rows.length > 0 && (
        <table className="admin-table audit" role="table">
          <thead role="rowgroup">
            <tr role="row">
              <th scope="col" role="columnheader">
                {t.colTime}
              </th>
              <th scope="col" role="columnheader">
                {t.colWho}
              </th>
              <th scope="col" role="columnheader">
                {t.colAction}
              </th>
              <th scope="col" role="columnheader">
                {t.colTarget}
              </th>
              <th scope="col" role="columnheader">
                {t.colIp}
              </th>
              <th scope="col" role="columnheader">
                {t.colDetails}
              </th>
            </tr>
          </thead>
          <tbody role="rowgroup">
            {rows.map((e) => {
              const details = JSON.stringify(e.details);
              return (
                <tr key={e.id} role="row">
                  <th scope="row" role="rowheader">
                    {f.dateTime(e.at)}
                  </th>
                  <td role="cell" data-label={t.colWho}>
                    {who(e)}
                  </td>
                  <td role="cell" data-label={t.colAction}>
                    <code>{e.action}</code>
                  </td>
                  <td role="cell" data-label={t.colTarget}>
                    {e.targetId ?? '—'}
                  </td>
                  <td role="cell" data-label={t.colIp}>
                    {e.ip ?? '—'}
                  </td>
                  <td role="cell" data-label={t.colDetails}>
                    {details === '{}' ? '—' : <code className="admin-json">{details}</code>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {log.hasNextPage && (
        <button
          type="button"
          className="secondary more"
          onClick={() => void log.fetchNextPage()}
          disabled={log.isFetchingNextPage}
        >
          {t.more}
        </button>
      )}
    </Page>
  );
}
