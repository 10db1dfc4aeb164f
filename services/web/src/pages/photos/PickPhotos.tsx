// Picking on a Google Photos cloud's page: start a Photos Picker session, open Google's picking page
// in a new tab, wait (polling at the interval Google asks for) until the person pressed Done there,
// then back the picked items up: a task whose source is the session, run at once, followed on the
// run's page. The session's id stays in the address (?pick=…), so a reload keeps waiting for it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError, must, type components } from '../../api/client';
import { cloudsQuery, keys, providersQuery } from '../../api/queries';
import { useFormat, useMessages } from '../../i18n/i18n';
import { Empty, ErrorMessage, Field, Loading, Select } from '../../ui/components';
import FolderBrowser from '../tasks/FolderBrowser';
import { destinations, useCloudLabel } from './kinds';
import { photos } from './messages';
import { pickerKey } from './queries';
import './photos.css';

type Cloud = components['schemas']['Cloud'];
type PickerSession = components['schemas']['PickerSession'];

/**
 * Google's picking page, closing itself once the person pressed Done (Picker API: /autoclose).
 * Only a web address is ever opened, whatever the answer held.
 */
const pickerUrl = (uri: string) => (/^https?:\/\//i.test(uri) ? `${uri.replace(/\/+$/, '')}/autoclose` : 'about:blank');

export default function PickPhotos({ cloud }: { cloud: Cloud }) {
  const t = useMessages(photos);
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const sessionId = params.get('pick');

  const start = useMutation({
    mutationFn: () => must(api.POST('/api/v1/clouds/{id}/picker-sessions', { params: { path: { id: cloud.id } } })),
  });
  const pick = () => {
    // The tab is opened within the click (a popup opened later, once the API answered, would be
    // blocked), then sent to Google's page; without it the link below opens the page.
    const tab = window.open('', '_blank');
    start.mutate(undefined, {
      onSuccess: (s) => {
        queryClient.setQueryData(pickerKey(cloud.id, s.id), s);
        setParams(
          (p) => {
            p.set('pick', s.id);
            return p;
          },
          { replace: true },
        );
        if (tab) {
          tab.opener = null;
          tab.location.href = pickerUrl(s.pickerUri);
        }
      },
      onError: () => tab?.close(),
    });
  };

  const session = useQuery({
    queryKey: pickerKey(cloud.id, sessionId ?? ''),
    queryFn: ({ signal }) =>
      must(
        api.GET('/api/v1/clouds/{id}/picker-sessions/{sid}', {
          params: { path: { id: cloud.id, sid: sessionId! } },
          signal,
        }),
      ),
    enabled: sessionId !== null,
    staleTime: 1000,
    // Google says how often to ask; the person is in the other tab meanwhile, so this one keeps asking.
    refetchInterval: (q) =>
      q.state.data?.mediaItemsSet || q.state.error ? false : Math.max(1, q.state.data?.pollIntervalSeconds ?? 5) * 1000,
    refetchIntervalInBackground: true,
  });
  const expired =
    (session.error instanceof ApiError && session.error.status === 404) ||
    (session.data !== undefined && !session.data.mediaItemsSet && Date.parse(session.data.expireTime) < Date.now());

  const pickButton = (label: string, secondary = false) => (
    <button type="button" className={secondary ? 'secondary' : undefined} onClick={pick} disabled={start.isPending}>
      {label}
    </button>
  );

  return (
    <section className="photos-extras" aria-labelledby="pick-photos">
      <h2 id="pick-photos">{t.pickTitle}</h2>
      <p>{t.pickIntro}</p>
      <p className="muted">{t.reduced}</p>
      {sessionId === null ? (
        <div className="actions">{pickButton(t.pickButton)}</div>
      ) : session.isPending ? (
        <Loading />
      ) : expired ? (
        <div className="notice warn">
          <p>{t.expired}</p>
          <div className="actions">{pickButton(t.startAgain)}</div>
        </div>
      ) : session.error ? (
        <ErrorMessage error={session.error} onRetry={() => session.refetch()} />
      ) : session.data.mediaItemsSet ? (
        <>
          <p className="notice" role="status">
            <strong>
              {session.data.itemCount === undefined
                ? t.pickedDone
                : t.picked(session.data.itemCount, fmt.number(session.data.itemCount))}
            </strong>
          </p>
          <BackUpPicked cloud={cloud} session={session.data} />
          <div className="actions">{pickButton(t.pickOther, true)}</div>
        </>
      ) : (
        <Waiting session={session.data} />
      )}
      {start.isPending && <p role="status">{t.starting}</p>}
      <ErrorMessage error={start.error} />
    </section>
  );
}

function Waiting({ session }: { session: PickerSession }) {
  const t = useMessages(photos);
  const fmt = useFormat();
  return (
    <div className="notice picker-waiting">
      <p role="status">
        <span className="spinner" aria-hidden="true" /> {t.waitingPick}
      </p>
      <p className="muted">{t.pickBefore(fmt.dateTime(session.expireTime))}</p>
      <p>
        <a href={pickerUrl(session.pickerUri)} target="_blank" rel="noopener noreferrer">
          {t.reopen}
        </a>
      </p>
    </div>
  );
}

/** Where the picked items go: a destination cloud and a folder; then a task, run at once. */
function BackUpPicked({ cloud, session }: { cloud: Cloud; session: PickerSession }) {
  const t = useMessages(photos);
  const cloudLabel = useCloudLabel();
  const fmt = useFormat();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const clouds = useQuery(cloudsQuery);
  const providers = useQuery(providersQuery);
  const [destId, setDestId] = useState('');
  const [folder, setFolder] = useState(t.destFolderDefault);
  const [folderError, setFolderError] = useState<string | null>(null);
  // Browsing is optional (the folder typed may not exist yet): the browser opens on demand, from
  // the cloud's top, and a folder chosen there is written into the field.
  const [browsing, setBrowsing] = useState(false);
  const [existing, setExisting] = useState('');
  const headingId = useId();
  // A task made for this session is reused if starting its run failed and the person tries again.
  const made = useRef<{ sessionId: string; taskId: string } | null>(null);

  const backUp = useMutation({
    mutationFn: async ({ dest, path }: { dest: string; path: string }) => {
      let taskId = made.current?.sessionId === session.id ? made.current.taskId : null;
      if (!taskId) {
        const task = await must(
          api.POST('/api/v1/tasks', {
            body: {
              name: t.taskName(cloud.name, fmt.date(new Date())),
              source: { cloudId: cloud.id, pickerSessionId: session.id },
              destination: { cloudId: dest, path },
            },
          }),
        );
        taskId = task.id;
        made.current = { sessionId: session.id, taskId };
        void queryClient.invalidateQueries({ queryKey: keys.tasks });
      }
      return must(api.POST('/api/v1/tasks/{id}/runs', { params: { path: { id: taskId } } }));
    },
    onSuccess: ({ run }) => navigate(`/runs/${run.id}`),
  });

  if (clouds.isPending || providers.isPending) return <Loading />;
  if (clouds.error || providers.error)
    return (
      <ErrorMessage
        error={clouds.error ?? providers.error}
        onRetry={() => void (clouds.refetch(), providers.refetch())}
      />
    );
  const dests = destinations(clouds.data.items, providers.data, cloud.kind);
  if (!dests.length) {
    return (
      <Empty
        title={t.backupTitle}
        action={
          <Link className="button" to="/clouds/new">
            {t.addCloud}
          </Link>
        }
      >
        <p>{t.noDest}</p>
      </Empty>
    );
  }
  const dest = dests.some((d) => d.id === destId) ? destId : dests[0].id;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const path = folder
      .split('/')
      .map((s) => s.trim())
      .filter(Boolean)
      .join('/');
    if (!path) {
      setFolderError(t.folderRequired);
      return;
    }
    setFolderError(null);
    backUp.mutate({ dest, path });
  };

  return (
    <form className="pick-backup" onSubmit={submit} aria-labelledby={headingId} noValidate>
      <h3 id={headingId}>{t.backupTitle}</h3>
      <Select
        label={t.destLabel}
        value={dest}
        onChange={(e) => {
          setDestId(e.target.value);
          setExisting('');
        }}
        options={dests.map((d) => ({ value: d.id, label: cloudLabel(d) }))}
      />
      <Field
        label={t.destFolderLabel}
        hint={t.destFolderHint}
        value={folder}
        onChange={(e) => setFolder(e.target.value)}
        error={folderError}
        autoComplete="off"
      />
      <details className="pick-browse" open={browsing} onToggle={(e) => setBrowsing(e.currentTarget.open)}>
        <summary>{t.browse}</summary>
        {browsing && (
          <FolderBrowser
            cloudId={dest}
            value={existing}
            label={t.browseLabel}
            onChange={(p) => {
              setExisting(p);
              setFolder(p);
              setFolderError(null);
            }}
          />
        )}
      </details>
      <div className="actions">
        <button type="submit" disabled={backUp.isPending}>
          {t.backUp}
        </button>
      </div>
      <ErrorMessage error={backUp.error} />
    </form>
  );
}
