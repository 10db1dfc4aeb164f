// "Back up Google Photos" (/photos): the two ways Ferry can back up a Google Photos library since
// Google closed its library to apps in 2025, each with what to do next. The whole library comes
// through Google Takeout's scheduled exports, read from the cloud they are delivered to; a few
// photos now come through Google's Photos Picker. Ferry never claims to read the library itself.
// Which kinds play these parts is what the server declares: the one that wraps a storage cloud and
// reports the exports delivered to it, and the one read through picked sessions.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, must, type components } from '../../api/client';
import { picksItems, reportsExports } from '../../api/providers';
import { cloudsQuery, keys, providersQuery } from '../../api/queries';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage, Field, Loading, Page, Select } from '../../ui/components';
import { oauthStart } from '../clouds/parts';
import { takeoutStores, useCloudLabel } from './kinds';
import { photos } from './messages';
import { takeoutQuery } from './queries';
import TakeoutSteps from './TakeoutSteps';
import './photos.css';

type Cloud = components['schemas']['Cloud'];
type Provider = components['schemas']['Provider'];

export default function PhotosGuide() {
  const t = useMessages(photos);
  const clouds = useQuery(cloudsQuery);
  const providers = useQuery(providersQuery);
  const reader = providers.data?.find(reportsExports);
  const picker = providers.data?.find(picksItems);
  return (
    <Page title={t.title}>
      <p className="lead">{t.intro}</p>
      <p className="muted">{t.limits}</p>
      {clouds.isPending || providers.isPending ? (
        <Loading />
      ) : clouds.error || providers.error ? (
        <ErrorMessage
          error={clouds.error ?? providers.error}
          onRetry={() => void (clouds.refetch(), providers.refetch())}
        />
      ) : (
        <>
          {reader && <TakeoutWay clouds={clouds.data.items} reader={reader} />}
          {picker && <PickerWay clouds={clouds.data.items} picker={picker} />}
        </>
      )}
    </Page>
  );
}

/** The whole library through Takeout: the readers there are, the steps, and the form for a new one. */
function TakeoutWay({ clouds, reader }: { clouds: Cloud[]; reader: Provider }) {
  const t = useMessages(photos);
  const readers = clouds.filter((c) => c.kind === reader.kind);
  // The server's own steps (naming the folder it reads) once a reader exists.
  const status = useQuery({ ...takeoutQuery(readers[0]?.id ?? ''), enabled: readers.length > 0 });
  const [folder, setFolder] = useState('Takeout');
  return (
    <section className="photos-way" aria-labelledby="way-takeout">
      <h2 id="way-takeout">{t.takeoutTitle}</h2>
      <p>{t.takeoutIntro}</p>
      {readers.length > 0 && (
        <>
          <h3>{t.takeoutClouds}</h3>
          <ul>
            {readers.map((c) => (
              <li key={c.id}>
                <Link to={`/clouds/${c.id}`}>{t.openCloud(c.name)}</Link>
              </li>
            ))}
          </ul>
        </>
      )}
      <TakeoutSteps status={status.data} folder={status.data ? status.data.folder || '/' : folder || '/'} />
      <TakeoutForm clouds={clouds} reader={reader} folder={folder} onFolder={setFolder} />
    </section>
  );
}

/** Creates the Takeout reader reading the chosen folder, then opens its page. */
function TakeoutForm({
  clouds,
  reader,
  folder,
  onFolder,
}: {
  clouds: Cloud[];
  reader: Provider;
  folder: string;
  onFolder: (f: string) => void;
}) {
  const t = useMessages(photos);
  const cloudLabel = useCloudLabel();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const stores = takeoutStores(clouds, reader);
  const [storeId, setStoreId] = useState('');
  const [name, setName] = useState(t.defaultName);
  const [deleteArchives, setDeleteArchives] = useState(false);
  const create = useMutation({
    mutationFn: (body: { cloudId: string; path: string; name: string; deleteArchives: boolean }) =>
      must(
        api.POST('/api/v1/clouds', {
          body: {
            kind: reader.kind,
            name: body.name,
            options: { cloudId: body.cloudId, path: body.path, deleteArchives: body.deleteArchives },
          },
        }),
      ),
    onSuccess: (cloud) => {
      void queryClient.invalidateQueries({ queryKey: keys.clouds });
      navigate(`/clouds/${cloud.id}`);
    },
  });

  if (!stores.length) {
    return (
      <div className="notice">
        <h3>{t.formTitle}</h3>
        <p>{t.noStore}</p>
        <p>
          <Link className="button" to="/clouds/new">
            {t.addCloud}
          </Link>
        </p>
      </div>
    );
  }
  const store = stores.some((s) => s.id === storeId) ? storeId : stores[0].id;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const path = folder
      .split('/')
      .map((s) => s.trim())
      .filter(Boolean)
      .join('/');
    create.mutate({ cloudId: store, path, name: name.trim() || t.defaultName, deleteArchives });
  };
  return (
    <form className="takeout-form" onSubmit={submit} aria-labelledby="takeout-form">
      <h3 id="takeout-form">{t.formTitle}</h3>
      <Select
        label={t.storeLabel}
        hint={
          <>
            {t.storeHint} {t.notListed} <Link to="/clouds/new">{t.addCloud}</Link>
          </>
        }
        value={store}
        onChange={(e) => setStoreId(e.target.value)}
        options={stores.map((s) => ({ value: s.id, label: cloudLabel(s) }))}
      />
      <Field
        label={t.folderLabel}
        hint={t.folderHint}
        value={folder}
        onChange={(e) => onFolder(e.target.value)}
        autoComplete="off"
      />
      <Field
        label={t.nameLabel}
        value={name}
        onChange={(e) => setName(e.target.value)}
        maxLength={200}
        autoComplete="off"
      />
      <div className="field">
        <label className="choice">
          <input
            type="checkbox"
            checked={deleteArchives}
            onChange={(e) => setDeleteArchives(e.target.checked)}
            aria-describedby="takeout-delete-hint"
          />
          {t.deleteLabel}
        </label>
        <p className="hint" id="takeout-delete-hint">
          {t.deleteHint}
        </p>
      </div>
      <div className="actions">
        <button type="submit" disabled={create.isPending}>
          {t.connectExports}
        </button>
      </div>
      <ErrorMessage error={create.error} />
    </form>
  );
}

/** A few photos now: connect Google Photos, or pick with a Google Photos cloud already there. */
function PickerWay({ clouds, picker }: { clouds: Cloud[]; picker: Provider }) {
  const t = useMessages(photos);
  const connected = clouds.filter((c) => c.kind === picker.kind);
  return (
    <section className="photos-way" aria-labelledby="way-picker">
      <h2 id="way-picker">{t.pickerTitle}</h2>
      <p>{t.pickerIntro}</p>
      <p className="muted">{t.reduced}</p>
      {connected.length > 0 && (
        <ul className="plain actions">
          {connected.map((c) => (
            <li key={c.id}>
              <Link className="button" to={`/clouds/${c.id}`}>
                {t.pickWith(c.name)}
              </Link>
            </li>
          ))}
        </ul>
      )}
      {picker.available ? (
        <p>
          {/* A top-level navigation: Google's consent page, then back to the new cloud's page. */}
          <a className={connected.length ? 'button secondary' : 'button'} href={oauthStart(picker.kind)}>
            {t.connectPhotos}
          </a>
        </p>
      ) : (
        <p className="notice warn">
          {t.photosUnavailable} {picker.unavailableReason ?? ''}
        </p>
      )}
    </section>
  );
}
