// The clouds list: each cloud with its name, kind and status in words, leading to its page; an
// empty list says what a cloud is and offers to add the first.
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { cloudsQuery } from '../../api/queries';
import { useMessages } from '../../i18n/i18n';
import { Empty, ErrorMessage, Loading, Page } from '../../ui/components';
import { cloudWords } from './messages';
import { useKindName } from '../../api/providers';
import { StatusBadge } from './parts';
import './clouds.css';

/** A button, as the app's contract names it ("Add cloud"), that opens the page for adding one. */
export function AddCloudButton() {
  const t = useMessages(cloudWords);
  const navigate = useNavigate();
  return (
    <button type="button" onClick={() => navigate('/clouds/new')}>
      {t.addCloud}
    </button>
  );
}

export default function CloudList() {
  const t = useMessages(cloudWords);
  const kindName = useKindName();
  const clouds = useQuery(cloudsQuery);
  const items = clouds.data?.items ?? [];

  return (
    <Page title={t.listTitle} actions={items.length ? <AddCloudButton /> : undefined}>
      {clouds.isPending ? (
        <Loading />
      ) : clouds.error ? (
        <ErrorMessage error={clouds.error} onRetry={() => clouds.refetch()} />
      ) : items.length === 0 ? (
        <Empty title={t.emptyTitle} action={<AddCloudButton />}>
          <p>{t.emptyText}</p>
        </Empty>
      ) : (
        <ul className="cards">
          {items.map((c) => (
            <li key={c.id} className="card cloud-card">
              <h2>
                <Link to={`/clouds/${c.id}`}>{c.name}</Link>
              </h2>
              <p className="kind">{kindName(c.kind)}</p>
              <StatusBadge status={c.status} />
              {c.status !== 'ok' && c.lastError && <p className="last-error">{c.lastError}</p>}
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}
