// Restoring from a snapshot: what is restored (the whole backup, a folder or a file, as it was at
// that time), into which cloud and folder (the wizard's folder browser) and what to do with a file
// already there (keep both, by default). Starting it goes to the run's page, like Run now.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useKindName } from '../../api/providers';
import { cloudsQuery, keys, providersQuery } from '../../api/queries';
import { useFormat, useMessages } from '../../i18n/i18n';
import { ErrorMessage, Field, Loading } from '../../ui/components';
import FolderBrowser from '../tasks/FolderBrowser';
import { Choices } from '../tasks/parts';
import { folderWords, type Task } from '../tasks/words';
import { startRestore, type Conflict, type Snapshot } from './api';
import { historyWords } from './messages';

const joinPath = (...parts: string[]) =>
  parts
    .flatMap((p) => p.split('/'))
    .map((p) => p.trim())
    .filter(Boolean)
    .join('/');

export function RestorePanel({
  task,
  snapshot,
  paths,
  onClose,
}: {
  task: Task;
  snapshot: Snapshot;
  /** Files or folders of the backup; empty: all of it. */
  paths: string[];
  onClose: () => void;
}) {
  const t = useMessages(historyWords);
  const f = useFormat();
  const kindName = useKindName();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const clouds = useQuery(cloudsQuery);
  const providers = useQuery(providersQuery);
  const destinations = (clouds.data?.items ?? []).filter(
    (c) => providers.data?.find((p) => p.kind === c.kind)?.destination,
  );
  // Back where it came from is the usual wish; keeping both copies (the default) makes it safe.
  const [cloudId, setCloudId] = useState('');
  const [folder, setFolder] = useState('');
  const [newFolder, setNewFolder] = useState('');
  const [conflict, setConflict] = useState<Conflict>('rename');
  useEffect(() => {
    if (cloudId || !destinations.length) return;
    const source = destinations.find((c) => c.id === task.source.cloudId);
    setCloudId(source?.id ?? destinations[0].id);
    setFolder(source ? (task.source.path ?? '') : '');
  }, [cloudId, destinations, task.source]);

  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const restore = useMutation({
    mutationFn: () =>
      startRestore(task.id, {
        runId: snapshot.runId,
        ...(paths.length ? { paths } : {}),
        destination: { cloudId, path: joinPath(folder, newFolder) },
        conflict,
      }),
    onSuccess: (run) => {
      queryClient.setQueryData(keys.run(run.id), run);
      void queryClient.invalidateQueries({ queryKey: keys.taskRuns(task.id) });
      void queryClient.invalidateQueries({ queryKey: keys.runs });
      navigate(`/runs/${run.id}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    restore.mutate();
  };
  const cloud = destinations.find((c) => c.id === cloudId);

  return (
    <section className="restore-panel notice" aria-labelledby="restore-title">
      <h2 id="restore-title" ref={heading} tabIndex={-1}>
        {t.restoreTitle}
      </h2>
      <form onSubmit={submit}>
        <h3>{t.whatRestored}</h3>
        {paths.length ? (
          <ul className="what">
            {paths.map((p) => (
              <li key={p}>{folderWords(p, t.top)}</li>
            ))}
          </ul>
        ) : (
          <p className="what">{t.everything}</p>
        )}
        <p className="muted">{t.asOf(f.dateTime(snapshot.at))}</p>
        {!clouds.data || !providers.data ? (
          <Loading />
        ) : destinations.length === 0 ? (
          <p className="notice warn">{t.noDestinations}</p>
        ) : (
          <>
            <Choices
              legend={t.destCloud}
              hint={t.destHint}
              name="restore-cloud"
              value={cloudId}
              onChange={(id) => {
                setCloudId(id);
                setFolder('');
              }}
              options={destinations.map((c) => ({
                value: c.id,
                label: (
                  <>
                    {c.name} <span className="muted">({kindName(c.kind)})</span>
                  </>
                ),
              }))}
            />
            {cloudId && <FolderBrowser cloudId={cloudId} value={folder} onChange={setFolder} label={t.destFolder} />}
            <Field
              label={t.newFolder}
              hint={t.newFolderHint}
              value={newFolder}
              onChange={(e) => setNewFolder(e.target.value)}
              autoComplete="off"
            />
            <p>{t.goesTo(`${cloud?.name ?? ''}, ${folderWords(joinPath(folder, newFolder), t.topFolder)}`)}</p>
            <Choices
              legend={t.conflict}
              name="restore-conflict"
              value={conflict}
              onChange={setConflict}
              options={[
                { value: 'rename', label: t.conflictRename },
                { value: 'skip', label: t.conflictSkip },
                { value: 'overwrite', label: t.conflictOverwrite },
              ]}
            />
          </>
        )}
        <ErrorMessage error={restore.error} />
        <div className="actions">
          <button type="submit" disabled={restore.isPending || !cloudId}>
            {restore.isPending ? t.starting : t.startRestore}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            {t.close}
          </button>
        </div>
      </form>
    </section>
  );
}
