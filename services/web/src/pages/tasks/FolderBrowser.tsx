// A folder browser over GET /clouds/:id/entries. `value` is the chosen folder's path ('' for the
// cloud's top); `onChange` is called with the folder the user chooses. Folders open with a button
// each (so the keyboard alone does everything), breadcrumbs go back up, and "Choose this folder"
// picks the folder being shown. Files are only counted: a task copies whole folders.
import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { api, must } from '../../api/client';
import { keys } from '../../api/queries';
import { useFormat, useMessages } from '../../i18n/i18n';
import { ErrorMessage, Loading } from '../../ui/components';
import { taskWords } from './messages';
import { folderWords } from './words';
import './tasks.css';

export interface FolderBrowserProps {
  cloudId: string;
  value: string;
  onChange: (path: string) => void;
  /** The accessible name of the browser, e.g. "Source folder". */
  label: string;
}

const join = (parent: string, name: string) => (parent ? `${parent}/${name}` : name);

export default function FolderBrowser({ cloudId, value, onChange, label }: FolderBrowserProps) {
  const t = useMessages(taskWords);
  const f = useFormat();
  const labelId = useId();
  // The folder being shown starts at the chosen one, and follows a new cloud back to its top.
  const [path, setPath] = useState(value);
  const shownCloud = useRef(cloudId);
  useEffect(() => {
    if (shownCloud.current !== cloudId) {
      shownCloud.current = cloudId;
      setPath(value);
    }
  }, [cloudId, value]);

  const entries = useInfiniteQuery({
    queryKey: [...keys.entries(cloudId, path), 'pages'],
    queryFn: ({ pageParam, signal }) =>
      must(
        api.GET('/api/v1/clouds/{id}/entries', {
          params: { path: { id: cloudId }, query: { path, cursor: pageParam } },
          signal,
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 30_000,
  });
  const items = entries.data?.pages.flatMap((p) => p.items) ?? [];
  const folders = items.filter((e) => e.type === 'folder');
  const files = items.length - folders.length;

  // After opening a folder or going up, the keyboard continues from the folder shown.
  const where = useRef<HTMLParagraphElement>(null);
  const moved = useRef(false);
  const go = (next: string) => {
    moved.current = true;
    setPath(next);
  };
  useEffect(() => {
    if (moved.current) where.current?.focus();
    moved.current = false;
  }, [path]);

  const crumbs = path.split('/').filter(Boolean);
  return (
    <div role="group" aria-labelledby={labelId} className="folder-browser">
      <p id={labelId} className="fb-label">
        {label}
      </p>
      <nav aria-label={`${label}: ${t.path}`} className="fb-crumbs">
        <ol>
          <li>
            {crumbs.length ? (
              <button type="button" className="link" onClick={() => go('')}>
                {t.top}
              </button>
            ) : (
              <span aria-current="location">{t.top}</span>
            )}
          </li>
          {crumbs.map((name, i) => {
            const to = crumbs.slice(0, i + 1).join('/');
            return (
              <li key={to}>
                {i < crumbs.length - 1 ? (
                  <button type="button" className="link" onClick={() => go(to)}>
                    {name}
                  </button>
                ) : (
                  <span aria-current="location">{name}</span>
                )}
              </li>
            );
          })}
        </ol>
      </nav>
      <p ref={where} tabIndex={-1} className="fb-where" aria-live="polite">
        {t.showing(folderWords(path, t.topFolder))}
      </p>
      {!entries.data ? (
        entries.error ? (
          <ErrorMessage error={entries.error} onRetry={() => entries.refetch()} />
        ) : (
          <Loading />
        )
      ) : (
        <>
          {folders.length ? (
            <ul className="fb-list">
              {folders.map((e) => (
                <li key={e.path}>
                  <button
                    type="button"
                    className="fb-folder"
                    aria-label={t.open(e.name)}
                    onClick={() => go(join(path, e.name))}
                  >
                    <FolderIcon /> {e.name}
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t.noFolders}</p>
          )}
          {files > 0 && <p className="muted fb-files">{t.filesHere(files, f.number(files))}</p>}
          {entries.hasNextPage && (
            <button
              type="button"
              className="secondary"
              onClick={() => entries.fetchNextPage()}
              disabled={entries.isFetchingNextPage}
            >
              {t.loadMore}
            </button>
          )}
          {entries.isFetchNextPageError && <ErrorMessage error={entries.error} />}
        </>
      )}
      <div className="fb-choose">
        {path === value ? (
          <p className="fb-chosen-here">
            <span aria-hidden="true">✓ </span>
            {t.thisIsChosen}
          </p>
        ) : (
          <button type="button" onClick={() => onChange(path)}>
            {t.chooseThis}
          </button>
        )}
        <p>
          {t.chosen} <strong>{folderWords(value, t.topFolder)}</strong>
        </p>
      </div>
    </div>
  );
}

/** A folder drawn in the text's colour: no emoji font needed. */
function FolderIcon() {
  return (
    <svg className="fb-icon" viewBox="0 0 20 16" width="20" height="16" aria-hidden="true" focusable="false">
      <path
        d="M1 3a2 2 0 0 1 2-2h4.2l2 2H17a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2z"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.6"
      />
    </svg>
  );
}
