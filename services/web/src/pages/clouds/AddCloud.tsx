// Adding a cloud: a button per sign-in provider the server has configured (the others shown with
// the server's reason), the way to Google Photos' guided set-up, and forms for S3 storage and a
// folder on this server, and an encrypted folder (rclone's crypt format) inside one of the user's
// clouds, whose password cannot be recovered: the form says so before it creates it. Ferry tries a
// cloud's connection before saving it (POST /clouds refuses one it cannot reach, with the reason),
// so a saved cloud is one that works.
// A sign-in that failed comes back here as ?error=&message= (the API's words, shown as text).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, must } from '../../api/client';
import { guided, useKindName } from '../../api/providers';
import { cloudsQuery, keys, providersQuery } from '../../api/queries';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage, Field, Loading, Page } from '../../ui/components';
import FolderBrowser from '../tasks/FolderBrowser';
import { Choices } from '../tasks/parts';
import { cloudWords } from './messages';
import { oauthStart, type Cloud, type Provider } from './parts';
import './clouds.css';

export default function AddCloud() {
  const t = useMessages(cloudWords);
  const providers = useQuery(providersQuery);
  const [params] = useSearchParams();
  const failed = params.get('error') ? params.get('message') || params.get('error') : null;

  const list = providers.data ?? [];
  const byKind = (kind: string) => list.find((p) => p.kind === kind);
  // Kinds the Google Photos guide sets up are connected there, not here.
  const signIns = list.filter((p) => p.auth === 'oauth' && !guided(p));

  return (
    <Page title={t.addTitle}>
      {failed && (
        <div className="error" role="alert">
          <p>
            <strong>{t.startFailed}</strong>
          </p>
          <p>{failed}</p>
          <p>{t.startAgain}</p>
        </div>
      )}
      <p>{t.addIntro}</p>
      {providers.isPending ? (
        <Loading />
      ) : providers.error ? (
        <ErrorMessage error={providers.error} onRetry={() => providers.refetch()} />
      ) : (
        <>
          {signIns.length > 0 && <SignIns providers={signIns} />}
          <section aria-labelledby="photos-title">
            <h2 id="photos-title">{t.photosTitle}</h2>
            <p>{t.photosText}</p>
            <p>
              <Link className="button secondary" to="/photos">
                {t.photosLink}
              </Link>
            </p>
          </section>
          <div className="add-forms">
            {byKind('s3') && (
              <Unavailable provider={byKind('s3')!} title={t.s3Title}>
                <S3Form />
              </Unavailable>
            )}
            {byKind('local') && (
              <Unavailable provider={byKind('local')!} title={t.localTitle}>
                <LocalForm />
              </Unavailable>
            )}
            {byKind('crypt') && (
              <Unavailable provider={byKind('crypt')!} title={t.cryptTitle}>
                <CryptForm provider={byKind('crypt')!} />
              </Unavailable>
            )}
          </div>
        </>
      )}
    </Page>
  );
}

/** One button per sign-in provider: a link to Ferry's start when the server has it configured. */
function SignIns({ providers }: { providers: Provider[] }) {
  const t = useMessages(cloudWords);
  const kindName = useKindName();
  const [name, setName] = useState('');
  const id = useId();
  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t.signInTitle}</h2>
      <p>{t.signInIntro}</p>
      <div className="name-first">
        <Field
          label={t.nameOptional}
          hint={t.nameOptionalHint}
          value={name}
          maxLength={200}
          onChange={(e) => setName(e.target.value)}
          autoComplete="off"
        />
      </div>
      <ul className="providers">
        {providers.map((p) => {
          const title = kindName(p.kind);
          return (
            <li key={p.kind}>
              {p.available ? (
                // A plain link: the browser leaves for the provider's page and comes back.
                <a className="button" href={oauthStart(p.kind, name)}>
                  {t.connect(title)}
                </a>
              ) : (
                <>
                  <button type="button" disabled aria-describedby={`${id}-${p.kind}`}>
                    {t.connect(title)}
                  </button>
                  <p className="hint" id={`${id}-${p.kind}`}>
                    {t.notAvailable} {p.unavailableReason}
                  </p>
                </>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** A form's section, or the server's reason why this kind cannot be added here. */
function Unavailable({ provider, title, children }: { provider: Provider; title: string; children: ReactNode }) {
  const t = useMessages(cloudWords);
  const id = useId();
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {provider.available ? (
        children
      ) : (
        <p className="notice warn">
          {t.notAvailable} {provider.unavailableReason}
        </p>
      )}
    </section>
  );
}

/** Saving a cloud: POST /clouds (which tries the connection first), then its page. */
function useCreate() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: (body: { kind: 's3' | 'local' | 'crypt'; name: string; options: Record<string, unknown> }) =>
      must(api.POST('/api/v1/clouds', { body })),
    onSuccess: (cloud: Cloud) => {
      queryClient.setQueryData(keys.cloud(cloud.id), cloud);
      void queryClient.invalidateQueries({ queryKey: keys.clouds, exact: true });
      navigate(`/clouds/${cloud.id}?added=1`);
    },
  });
}

function S3Form() {
  const t = useMessages(cloudWords);
  const create = useCreate();
  const [f, setF] = useState({
    name: '',
    endpoint: '',
    region: '',
    bucket: '',
    prefix: '',
    accessKeyId: '',
    secretAccessKey: '',
    forcePathStyle: false,
  });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const pathStyleId = useId();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const options: Record<string, unknown> = {
      region: f.region.trim(),
      bucket: f.bucket.trim(),
      accessKeyId: f.accessKeyId.trim(),
      secretAccessKey: f.secretAccessKey,
      forcePathStyle: f.forcePathStyle,
    };
    if (f.endpoint.trim()) options.endpoint = f.endpoint.trim();
    if (f.prefix.trim()) options.prefix = f.prefix.trim();
    create.mutate({ kind: 's3', name: f.name.trim() || f.bucket.trim(), options });
  };

  return (
    <form onSubmit={submit} aria-describedby={`${pathStyleId}-intro`}>
      <p id={`${pathStyleId}-intro`}>{t.s3Intro}</p>
      <Field
        label={t.name}
        hint={t.s3NameHint}
        value={f.name}
        onChange={set('name')}
        maxLength={200}
        autoComplete="off"
      />
      <Field
        label={t.endpoint}
        hint={t.endpointHint}
        value={f.endpoint}
        onChange={set('endpoint')}
        type="url"
        inputMode="url"
        autoComplete="off"
        spellCheck={false}
      />
      <Field
        label={t.region}
        hint={t.regionHint}
        value={f.region}
        onChange={set('region')}
        required
        autoComplete="off"
        spellCheck={false}
      />
      <Field
        label={t.bucket}
        hint={t.bucketHint}
        value={f.bucket}
        onChange={set('bucket')}
        required
        autoComplete="off"
        spellCheck={false}
      />
      <Field
        label={t.prefix}
        hint={t.prefixHint}
        value={f.prefix}
        onChange={set('prefix')}
        autoComplete="off"
        spellCheck={false}
      />
      <Field
        label={t.accessKeyId}
        value={f.accessKeyId}
        onChange={set('accessKeyId')}
        required
        autoComplete="off"
        spellCheck={false}
      />
      <Field
        label={t.secretAccessKey}
        hint={t.secretHint}
        value={f.secretAccessKey}
        onChange={set('secretAccessKey')}
        type="password"
        required
        autoComplete="new-password"
      />
      <div className="field">
        <label className="choice" htmlFor={pathStyleId}>
          <input
            id={pathStyleId}
            type="checkbox"
            checked={f.forcePathStyle}
            onChange={(e) => setF({ ...f, forcePathStyle: e.target.checked })}
            aria-describedby={`${pathStyleId}-hint`}
          />
          {t.pathStyle}
        </label>
        <p className="hint" id={`${pathStyleId}-hint`}>
          {t.pathStyleHint}
        </p>
      </div>
      <Submit pending={create.isPending} label={t.connectS3} error={create.error} />
    </form>
  );
}

function LocalForm() {
  const t = useMessages(cloudWords);
  const create = useCreate();
  const [name, setName] = useState('');
  const [root, setRoot] = useState('');
  const introId = useId();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    // In full (from the server's root) or relative to the user's space: the API tells which it is.
    const folder = root.trim().replace(/(.)\/+$/, '$1');
    const last = folder.split('/').filter(Boolean).pop();
    create.mutate({ kind: 'local', name: name.trim() || last || t.localDefaultName, options: { root: folder } });
  };

  return (
    <form onSubmit={submit} aria-describedby={introId}>
      <p id={introId}>{t.localIntro}</p>
      <Field
        label={t.name}
        hint={t.localNameHint}
        value={name}
        onChange={(e) => setName(e.target.value)}
        maxLength={200}
        autoComplete="off"
      />
      <Field
        label={t.root}
        hint={t.rootHint}
        value={root}
        onChange={(e) => setRoot(e.target.value)}
        autoComplete="off"
        spellCheck={false}
      />
      <Submit pending={create.isPending} label={t.connectLocal} error={create.error} />
    </form>
  );
}

/**
 * An encrypted folder: the cloud and folder it keeps its files in (one of the user's clouds of a
 * kind it may wrap), the password twice, the optional salt, and whether names are encrypted. It
 * cannot be created before the person has read, and ticked, that a lost password is a lost backup.
 */
function CryptForm({ provider }: { provider: Provider }) {
  const t = useMessages(cloudWords);
  const kindName = useKindName();
  const create = useCreate();
  const clouds = useQuery(cloudsQuery);
  const wrappable = (clouds.data?.items ?? []).filter((c) => (provider.wraps as string[]).includes(c.kind));
  const [f, setF] = useState({
    name: '',
    cloudId: '',
    folder: '',
    newFolder: '',
    password: '',
    again: '',
    salt: '',
    names: 'standard' as 'standard' | 'off',
    understood: false,
  });
  const set = (patch: Partial<typeof f>) => setF((old) => ({ ...old, ...patch }));
  const [differ, setDiffer] = useState(false);
  const id = useId();
  const cloudId = f.cloudId || wrappable[0]?.id || '';
  const path = [f.folder, f.newFolder]
    .flatMap((p) => p.split('/'))
    .map((p) => p.trim())
    .filter(Boolean)
    .join('/');
  const cloud = wrappable.find((c) => c.id === cloudId);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (f.password !== f.again) {
      setDiffer(true);
      return;
    }
    setDiffer(false);
    const options: Record<string, unknown> = {
      cloudId,
      path,
      password: f.password,
      filenameEncryption: f.names,
    };
    if (f.salt) options.salt = f.salt;
    const last = path.split('/').pop();
    create.mutate({ kind: 'crypt', name: f.name.trim() || `${cloud?.name ?? ''} ${last ?? ''}`.trim(), options });
  };

  if (clouds.isPending) return <Loading />;
  if (!wrappable.length) return <p className="notice warn">{t.cryptNeedsCloud}</p>;
  return (
    <form onSubmit={submit} aria-describedby={`${id}-intro`}>
      <p id={`${id}-intro`}>{t.cryptIntro}</p>
      <Field
        label={t.name}
        hint={t.cryptNameHint}
        value={f.name}
        onChange={(e) => set({ name: e.target.value })}
        maxLength={200}
        autoComplete="off"
      />
      <Choices
        legend={t.cryptCloud}
        name="crypt-cloud"
        value={cloudId}
        onChange={(v) => set({ cloudId: v, folder: '' })}
        options={wrappable.map((c) => ({
          value: c.id,
          label: (
            <>
              {c.name} <span className="muted">({kindName(c.kind)})</span>
            </>
          ),
        }))}
      />
      {cloudId && (
        <FolderBrowser cloudId={cloudId} value={f.folder} onChange={(p) => set({ folder: p })} label={t.cryptFolder} />
      )}
      <Field
        label={t.cryptNewFolder}
        hint={t.cryptNewFolderHint}
        value={f.newFolder}
        onChange={(e) => set({ newFolder: e.target.value })}
        autoComplete="off"
      />
      <p>{t.cryptGoesTo(`${cloud?.name ?? ''}, ${path.split('/').join(' › ') || t.topFolder}`)}</p>
      <Field
        label={t.password}
        hint={t.passwordHint}
        type="password"
        value={f.password}
        onChange={(e) => set({ password: e.target.value })}
        required
        maxLength={1024}
        autoComplete="new-password"
      />
      <Field
        label={t.passwordAgain}
        type="password"
        value={f.again}
        onChange={(e) => set({ again: e.target.value })}
        required
        maxLength={1024}
        autoComplete="new-password"
        error={differ ? t.passwordsDiffer : null}
      />
      <Field
        label={t.salt}
        hint={t.saltHint}
        type="password"
        value={f.salt}
        onChange={(e) => set({ salt: e.target.value })}
        maxLength={1024}
        autoComplete="new-password"
      />
      <Choices
        legend={t.nameEncryption}
        name="crypt-names"
        value={f.names}
        onChange={(v) => set({ names: v })}
        options={[
          { value: 'standard', label: t.nameStandard },
          { value: 'off', label: t.nameOff },
        ]}
      />
      <div className="notice warn crypt-warning" role="note" aria-labelledby={`${id}-warning`}>
        <h3 id={`${id}-warning`}>{t.cryptWarningTitle}</h3>
        <p>{t.cryptWarning}</p>
        <p>{t.cryptRclone}</p>
        <label className="choice">
          <input
            type="checkbox"
            checked={f.understood}
            onChange={(e) => set({ understood: e.target.checked })}
            required
          />
          <span>{t.cryptUnderstood}</span>
        </label>
      </div>
      <Submit pending={create.isPending} label={t.connectCrypt} error={create.error} />
    </form>
  );
}

/** The form's button, what happens while the connection is tried, and the API's answer beside it. */
function Submit({ pending, label, error }: { pending: boolean; label: string; error: unknown }) {
  const t = useMessages(cloudWords);
  return (
    <>
      <p className="hint">{t.checkedFirst}</p>
      <div className="actions">
        <button type="submit" disabled={pending}>
          {label}
        </button>
        {pending && (
          <span role="status" className="muted">
            {t.checking}
          </span>
        )}
      </div>
      <ErrorMessage error={error} />
    </>
  );
}
