// "Back up Google Photos" (/photos): the two ways Ferry can back up a Google Photos library since
// Google closed its library to apps in 2025, each with what to do next. The whole library comes
// through Google Takeout's scheduled exports, read from the cloud they are delivered to; a few
// photos now come through Google's Photos Picker. Ferry never claims to read the library itself.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, must, type components } from '../../api/client';
import { cloudsQuery, keys, providersQuery } from '../../api/queries';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage, Field, Loading, Page, Select } from '../../ui/components';
import { cloudLabel, kindWords, TAKEOUT_STORE_KINDS, takeoutStores } from './kinds';
import { photos } from './messages';
import { takeoutQuery } from './queries';
import TakeoutSteps from './TakeoutSteps';
import './photos.css';

type Cloud = components['schemas']['Cloud'];

export default function PhotosGuide() {
  const t = useMessages(photos);
  const clouds = useQuery(cloudsQuery);
  return (
    <Page title={t.title}>
      <p className="lead">{t.intro}</p>
      <p className="muted">{t.limits}</p>
      {clouds.isPending ? (
        <Loading />
      ) : clouds.error ? (
        <ErrorMessage error={clouds.error} onRetry={() => clouds.refetch()} />
      ) : (
        <>
          <TakeoutWay clouds={clouds.data.items} />
          <PickerWay clouds={clouds.data.items} />
        </>
      )}
    </Page>
  );
}

/** The whole library through Takeout: the readers there are, the steps, and the form for a new one. */
function TakeoutWay({ clouds }: { clouds: Cloud[] }) {
  const t = useMessages(photos);
  const readers = clouds.filter((c) => c.kind === 'google-takeout');
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
      <TakeoutForm clouds={clouds} folder={folder} onFolder={setFolder} />
    </section>
  );
}

const STORE_ORDER = TAKEOUT_STORE_KINDS as readonly string[];

/** Creates the `google-takeout` cloud reading the chosen folder, then opens its page. */
function TakeoutForm({ clouds, folder, onFolder }: { clouds: Cloud[]; folder: string; onFolder: (f: string) => void }) {
  const t = useMessages(photos);
  const words = useMessages(kindWords);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const stores = takeoutStores(clouds).sort((a, b) => STORE_ORDER.indexOf(a.kind) - STORE_ORDER.indexOf(b.kind));
  const [storeId, setStoreId] = useState('');
  const [name, setName] = useState(t.defaultName);
  const [deleteArchives, setDeleteArchives] = useState(false);
  const create = useMutation({
    mutationFn: (body: { cloudId: string; path: string; name: string; deleteArchives: boolean }) =>
      must(
        api.POST('/api/v1/clouds', {
          body: {
            kind: 'google-takeout',
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
        options={stores.map((s) => ({ value: s.id, label: cloudLabel(s, words) }))}
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
function PickerWay({ clouds }: { clouds: Cloud[] }) {
  const t = useMessages(photos);
  const providers = useQuery(providersQuery);
  const connected = clouds.filter((c) => c.kind === 'google-photos');
  const provider = providers.data?.find((p) => p.kind === 'google-photos');
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
      {providers.isPending ? (
        <Loading />
      ) : providers.error ? (
        <ErrorMessage error={providers.error} onRetry={() => providers.refetch()} />
      ) : provider?.available ? (
        <p>
          {/* A top-level navigation: Google's consent page, then back to the new cloud's page. */}
          <a className={connected.length ? 'button secondary' : 'button'} href="/api/v1/oauth/google-photos/start">
            {t.connectPhotos}
          </a>
        </p>
      ) : (
        <p className="notice warn">
          {t.photosUnavailable} {provider?.unavailableReason ?? ''}
        </p>
      )}
    </section>
  );
}
