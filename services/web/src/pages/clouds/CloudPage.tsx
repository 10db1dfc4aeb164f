// A cloud's page: its name, kind, status and options in words (never a secret: the API returns
// none), checking the connection, renaming, reconnecting a sign-in, removing it (a cloud that tasks
// or a Takeout reader depend on is refused by the API, which names them), and what its kind adds
// (CloudExtras: Takeout export sets, picking Google Photos), each as the server declares the kind.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { api, ApiError, must } from '../../api/client';
import { guided, useKindName, useProvider, wrappedCloud } from '../../api/providers';
import { cloudsQuery, keys } from '../../api/queries';
import { useFormat, useMessages } from '../../i18n/i18n';
import { ErrorMessage, Field, Loading, NotFound, Page } from '../../ui/components';
import CloudExtras from '../photos/CloudExtras';
import { NewTaskButton } from '../tasks/TaskList';
import { cloudWords } from './messages';
import { cloudQuery, oauthStart, StatusBadge, type Cloud, type Provider } from './parts';
import './clouds.css';

export default function CloudPage() {
  const { id = '' } = useParams();
  const t = useMessages(cloudWords);
  const cloud = useQuery(cloudQuery(id));

  if (cloud.isPending) return <Loading />;
  // Deleted, another user's, or not an id at all: the API's 404 (or 400) is the app's "not found".
  if (cloud.error instanceof ApiError && (cloud.error.status === 404 || cloud.error.status === 400))
    return <NotFound />;
  if (cloud.error) {
    return (
      <Page title={t.cloudTitle}>
        <ErrorMessage error={cloud.error} onRetry={() => cloud.refetch()} />
      </Page>
    );
  }
  return <CloudView cloud={cloud.data} />;
}

function CloudView({ cloud }: { cloud: Cloud }) {
  const t = useMessages(cloudWords);
  const fmt = useFormat();
  const kindName = useKindName();
  const provider = useProvider(cloud.kind);
  const [params] = useSearchParams();
  // Said after a sign-in or a save, while it is still true.
  const landed =
    cloud.status !== 'ok'
      ? null
      : params.has('reconnected')
        ? t.reconnected
        : params.has('connected')
          ? t.connected
          : params.has('added')
            ? t.added
            : null;

  return (
    <Page
      title={cloud.name}
      // Google Photos and Takeout readers lead to their backups from their own part below.
      actions={provider?.source && !guided(provider) ? <NewTaskButton source={cloud.id} /> : undefined}
    >
      {landed && (
        <p className="notice" role="status">
          {landed}
        </p>
      )}
      {cloud.status === 'needs_reauth' && <p className="notice warn">{t.needsReauth}</p>}
      {cloud.status === 'error' && <p className="notice warn">{t.hasError}</p>}

      <h2>{t.details}</h2>
      <dl className="facts">
        <dt>{t.kindLabel}</dt>
        <dd>{kindName(cloud.kind)}</dd>
        <dt>{t.statusLabel}</dt>
        <dd>
          <StatusBadge status={cloud.status} />
        </dd>
        {cloud.status !== 'ok' && cloud.lastError && (
          <>
            <dt>{t.lastError}</dt>
            <dd>{cloud.lastError}</dd>
          </>
        )}
        <dt>{t.lastChecked}</dt>
        <dd>{cloud.checkedAt ? fmt.dateTime(cloud.checkedAt) : t.never}</dd>
        <OptionFacts cloud={cloud} provider={provider} />
      </dl>

      <div className="cloud-sections">
        <section aria-labelledby="connection-title">
          <h2 id="connection-title">{t.connectionTitle}</h2>
          <CheckConnection
            cloud={cloud}
            more={
              // Signing in again to the same account reconnects this cloud (core/clouds.ts connectOAuth).
              provider?.auth === 'oauth' && (
                <a className="button secondary" href={oauthStart(cloud.kind)} aria-describedby="reconnect-hint">
                  {t.reconnect}
                </a>
              )
            }
          />
          {provider?.auth === 'oauth' && (
            <p className="hint" id="reconnect-hint">
              {t.reconnectHint(kindName(cloud.kind))}
            </p>
          )}
        </section>

        <CloudExtras cloud={cloud} provider={provider} />

        <section aria-labelledby="rename-title">
          <h2 id="rename-title">{t.renameTitle}</h2>
          <Rename cloud={cloud} />
        </section>

        <section aria-labelledby="remove-title">
          <h2 id="remove-title">{t.removeTitle}</h2>
          <Remove cloud={cloud} />
        </section>
      </div>
    </Page>
  );
}

/**
 * The cloud's options, in words, for the kinds the app has forms for and for a cloud that reads
 * through another; secrets are never returned.
 */
function OptionFacts({ cloud, provider }: { cloud: Cloud; provider: Provider | undefined }) {
  const t = useMessages(cloudWords);
  const o = cloud.options as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === 'string' && o[k] ? (o[k] as string) : null);
  const wraps = !!provider?.wraps.length;
  const clouds = useQuery({ ...cloudsQuery, enabled: wraps });
  const facts: [string, ReactNode][] = [];
  if (wraps) {
    const from = clouds.data && wrappedCloud(cloud, provider, clouds.data.items);
    const fromName = from ? from.name : clouds.isPending ? '…' : t.unknownCloud;
    // An encrypted folder (it says how it treats names) stores into the cloud it wraps; the others read exports.
    const names = str('filenameEncryption');
    if (names)
      facts.push(
        [t.storedIn, fromName],
        [t.storedFolder, str('path') ?? '/'],
        [t.names, names === 'off' ? t.namesReadable : t.namesEncrypted],
        [t.passwordKept, t.passwordSealed],
      );
    else facts.push([t.readsFrom, fromName], [t.exportFolder, str('path') ?? '/']);
  } else
    switch (cloud.kind) {
      case 's3':
        facts.push(
          [t.serviceAddress, str('endpoint') ?? t.amazon],
          [t.region, str('region')],
          [t.bucket, str('bucket')],
          [t.prefixFact, str('prefix') ?? t.wholeBucket],
        );
        facts.push([t.pathStyleOn, o.forcePathStyle ? t.yes : t.no]);
        break;
      case 'local':
        facts.push([t.folderOnServer, str('root')]);
        break;
      default:
        if (str('account')) facts.push([t.account, str('account')]);
    }
  return (
    <>
      {facts
        .filter(([, v]) => v !== null)
        .map(([k, v]) => (
          <Fact key={k} label={k}>
            {v}
          </Fact>
        ))}
    </>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** POST /clouds/:id/check: the result said in words; the cloud's status updates everywhere. */
function CheckConnection({ cloud, more }: { cloud: Cloud; more?: ReactNode }) {
  const t = useMessages(cloudWords);
  const queryClient = useQueryClient();
  const check = useMutation({
    mutationFn: () => must(api.POST('/api/v1/clouds/{id}/check', { params: { path: { id: cloud.id } } })),
    onSuccess: (result) => {
      queryClient.setQueryData(keys.cloud(cloud.id), result.cloud);
      void queryClient.invalidateQueries({ queryKey: keys.clouds, exact: true });
    },
  });
  return (
    <>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => check.mutate()} disabled={check.isPending}>
          {t.check}
        </button>
        {more}
      </div>
      <div role="status">
        {check.isPending && <p className="muted">{t.checking}</p>}
        {check.data?.ok && <p>{t.checkWorks}</p>}
      </div>
      {check.data && !check.data.ok && (
        <div className="error" role="alert">
          <p>
            {t.checkFailed} {check.data.error}
          </p>
        </div>
      )}
      <ErrorMessage error={check.error} />
    </>
  );
}

function Rename({ cloud }: { cloud: Cloud }) {
  const t = useMessages(cloudWords);
  const queryClient = useQueryClient();
  const [name, setName] = useState(cloud.name);
  const rename = useMutation({
    mutationFn: (newName: string) =>
      must(api.PATCH('/api/v1/clouds/{id}', { params: { path: { id: cloud.id } }, body: { name: newName } })),
    onSuccess: (updated) => {
      queryClient.setQueryData(keys.cloud(cloud.id), updated);
      void queryClient.invalidateQueries({ queryKey: keys.clouds, exact: true });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    rename.mutate(name.trim());
  };
  return (
    <form onSubmit={submit}>
      <div className="inline-form">
        <Field
          label={t.name}
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={200}
          autoComplete="off"
        />
        <button type="submit" disabled={rename.isPending || !name.trim() || name.trim() === cloud.name}>
          {t.rename}
        </button>
      </div>
      <div role="status">{rename.isSuccess && rename.data.name === cloud.name && <p>{t.renamed}</p>}</div>
      <ErrorMessage error={rename.error} />
    </form>
  );
}

/** Removing takes a second step; the API's refusal (what depends on the cloud) is shown beside it. */
function Remove({ cloud }: { cloud: Cloud }) {
  const t = useMessages(cloudWords);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const remove = useMutation({
    mutationFn: () => must(api.DELETE('/api/v1/clouds/{id}', { params: { path: { id: cloud.id } } })),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: keys.cloud(cloud.id), exact: true });
      void queryClient.invalidateQueries({ queryKey: keys.clouds, exact: true });
      navigate('/clouds');
    },
  });
  // The second step takes the keyboard focus, so it is heard and reached at once.
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  return (
    <>
      <p>{t.removeText}</p>
      {confirming ? (
        <div className="confirm">
          <p>
            <strong>{t.confirmRemove(cloud.name)}</strong>
          </p>
          <div className="actions">
            <button
              ref={confirmButton}
              type="button"
              className="danger"
              onClick={() => remove.mutate()}
              disabled={remove.isPending}
            >
              {t.yesRemove}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setConfirming(false);
                remove.reset();
              }}
            >
              {t.keep}
            </button>
          </div>
          <ErrorMessage error={remove.error} />
        </div>
      ) : (
        <div className="actions">
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            {t.remove}
          </button>
        </div>
      )}
    </>
  );
}
