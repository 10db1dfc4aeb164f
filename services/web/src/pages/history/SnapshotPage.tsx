// One snapshot of a task's backup (/tasks/:id/history/:runId?path=…): the backup as it was when that
// run ended, folder by folder (the folder is in the address, so Back goes up again), each file with
// its size, dates and older versions, and Restore for the whole backup, the folder shown, a folder
// or a file.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useFormat, useMessages } from '../../i18n/i18n';
import { ErrorMessage, Loading, Page } from '../../ui/components';
import { taskQuery } from '../tasks/queries';
import type { Task } from '../tasks/words';
import { fetchTree, historyKeys, snapshotQuery, type FileVersion, type Snapshot, type TreeEntry } from './api';
import { historyWords } from './messages';
import { RestorePanel } from './RestorePanel';
import '../tasks/tasks.css';
import './history.css';

export default function SnapshotPage() {
  const t = useMessages(historyWords);
  const f = useFormat();
  const { id = '', runId = '' } = useParams();
  const task = useQuery(taskQuery(id));
  const snapshot = useQuery(snapshotQuery(id, runId));
  const failed = task.error || snapshot.error;
  const title = snapshot.data ? t.title(f.dateTime(snapshot.data.at)) : t.titleLoading;
  if (failed)
    return (
      <Page title={title}>
        <ErrorMessage error={failed} onRetry={() => void Promise.all([task.refetch(), snapshot.refetch()])} />
      </Page>
    );
  if (!task.data || snapshot.isPending)
    return (
      <Page title={title}>
        <Loading />
      </Page>
    );
  if (!snapshot.data)
    return (
      <Page title={title}>
        <p className="notice warn">{t.unknownSnapshot}</p>
        <p>
          <Link to={`/tasks/${id}`}>{t.backToTask(task.data.name)}</Link>
        </p>
      </Page>
    );
  return <SnapshotView task={task.data} snapshot={snapshot.data} />;
}

function SnapshotView({ task, snapshot }: { task: Task; snapshot: Snapshot }) {
  const t = useMessages(historyWords);
  const f = useFormat();
  const [search] = useSearchParams();
  const path = (search.get('path') ?? '').split('/').filter(Boolean).join('/');
  // What the restore panel restores; null: closed.
  const [restoring, setRestoring] = useState<string[] | null>(null);

  const tree = useInfiniteQuery({
    queryKey: historyKeys.tree(task.id, snapshot.runId, path),
    queryFn: ({ pageParam, signal }) => fetchTree(task.id, snapshot.runId, path, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // A point in time does not change.
    staleTime: 5 * 60_000,
  });
  const entries = tree.data?.pages.flatMap((p) => p.entries) ?? [];
  const here = (p: string) =>
    `/tasks/${task.id}/history/${snapshot.runId}${p ? `?${new URLSearchParams({ path: p })}` : ''}`;
  const crumbs = path.split('/').filter(Boolean);

  return (
    <Page
      title={t.title(f.dateTime(snapshot.at))}
      actions={
        <button type="button" onClick={() => setRestoring(path ? [path] : [])} aria-expanded={restoring !== null}>
          {path ? t.restoreFolder : t.restoreAll}
        </button>
      }
    >
      <p>
        <Link to={`/tasks/${task.id}`}>{t.backToTask(task.name)}</Link>
      </p>
      <dl className="facts" aria-label={t.facts}>
        <dt>{t.taken}</dt>
        <dd>{f.dateTime(snapshot.at)}</dd>
        <dt>{t.result}</dt>
        <dd>
          <span className={snapshot.status === 'succeeded' ? 'badge ok' : 'badge warn'}>
            {t.status[snapshot.status]}
          </span>
        </dd>
        <dt>{t.files}</dt>
        <dd>{t.totals(snapshot.files, f.number(snapshot.files), f.bytes(snapshot.bytes))}</dd>
      </dl>
      {restoring && (
        <RestorePanel
          key={restoring.join('\n')}
          task={task}
          snapshot={snapshot}
          paths={restoring}
          onClose={() => setRestoring(null)}
        />
      )}
      <nav aria-label={t.path} className="fb-crumbs">
        <ol>
          <li>{crumbs.length ? <Link to={here('')}>{t.top}</Link> : <span aria-current="location">{t.top}</span>}</li>
          {crumbs.map((name, i) => {
            const to = crumbs.slice(0, i + 1).join('/');
            return (
              <li key={to}>
                {i < crumbs.length - 1 ? (
                  <Link to={here(to)}>{name}</Link>
                ) : (
                  <span aria-current="location">{name}</span>
                )}
              </li>
            );
          })}
        </ol>
      </nav>
      {!tree.data ? (
        tree.error ? (
          <ErrorMessage error={tree.error} onRetry={() => void tree.refetch()} />
        ) : (
          <Loading />
        )
      ) : entries.length === 0 ? (
        <p className="muted">{t.folderEmpty}</p>
      ) : (
        <div className="table-wrap">
          <table className="snapshot-tree">
            <thead>
              <tr>
                <th scope="col">{t.name}</th>
                <th scope="col">{t.size}</th>
                <th scope="col">{t.modified}</th>
                <th scope="col">{t.copied}</th>
                <th scope="col">{t.actions}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <EntryRow key={`${e.type}:${e.path}`} entry={e} to={here} onRestore={(p) => setRestoring([p])} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {tree.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => void tree.fetchNextPage()}
          disabled={tree.isFetchingNextPage}
        >
          {t.loadMore}
        </button>
      )}
      {tree.isFetchNextPageError && <ErrorMessage error={tree.error} />}
    </Page>
  );
}

function EntryRow({
  entry: e,
  to,
  onRestore,
}: {
  entry: TreeEntry;
  to: (path: string) => string;
  onRestore: (path: string) => void;
}) {
  const t = useMessages(historyWords);
  const f = useFormat();
  const restore = (
    <button
      type="button"
      className="secondary"
      aria-label={t.restoreItem(e.name)}
      onClick={() => onRestore(e.path)}
      disabled={e.type === 'file' && !e.restorable}
    >
      {t.restore}
    </button>
  );
  if (e.type === 'folder')
    return (
      <tr>
        <th scope="row" className="name-cell">
          <Link to={to(e.path)} aria-label={t.openFolder(e.name)}>
            {e.name}/
          </Link>
        </th>
        <td />
        <td />
        <td />
        <td>{restore}</td>
      </tr>
    );
  return (
    <tr>
      <th scope="row" className="name-cell">
        {e.name}
        {!e.restorable && <span className="line muted">{t.notRestorableHint}</span>}
        {e.versions.length > 0 && <Versions name={e.name} versions={e.versions} />}
      </th>
      <td className="num">{e.size === null ? t.unknown : f.bytes(e.size)}</td>
      <td>{e.modifiedAt ? f.dateTime(e.modifiedAt) : t.unknown}</td>
      <td>{f.dateTime(e.copiedAt)}</td>
      <td>{restore}</td>
    </tr>
  );
}

/** A file's older copies, newest first: when each was backed up and replaced, and whether it is still there. */
function Versions({ name, versions }: { name: string; versions: FileVersion[] }) {
  const t = useMessages(historyWords);
  const f = useFormat();
  return (
    <details className="versions">
      <summary>{t.versions(versions.length)}</summary>
      <table aria-label={t.versionsOf(name)}>
        <thead>
          <tr>
            <th scope="col">{t.copied}</th>
            <th scope="col">{t.replaced}</th>
            <th scope="col">{t.size}</th>
            <th scope="col">{t.restorable}</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={`${v.copiedAt}:${v.hash ?? ''}`}>
              <td>{f.dateTime(v.copiedAt)}</td>
              <td>{v.replacedAt ? f.dateTime(v.replacedAt) : '—'}</td>
              <td className="num">{v.size === null ? t.unknown : f.bytes(v.size)}</td>
              <td>{v.restorable ? t.yes : t.no}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
