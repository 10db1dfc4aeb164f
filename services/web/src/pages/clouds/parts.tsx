// What the clouds pages share: a cloud's status as a badge with text, the query for one cloud, and
// where an OAuth sign-in starts.
import { queryOptions } from '@tanstack/react-query';
import { api, must, type components } from '../../api/client';
import { keys } from '../../api/queries';
import { useMessages } from '../../i18n/i18n';
import { cloudWords } from './messages';

export type Cloud = components['schemas']['Cloud'];
export type Provider = components['schemas']['Provider'];

export const cloudQuery = (id: string) =>
  queryOptions({
    queryKey: keys.cloud(id),
    queryFn: () => must(api.GET('/api/v1/clouds/{id}', { params: { path: { id } } })),
  });

/**
 * Where the browser goes to connect (or reconnect) a cloud by signing in: a top-level navigation
 * to Ferry's start, then the provider's consent page, then back to the cloud's page.
 */
export function oauthStart(kind: string, name?: string): string {
  const q = name?.trim() ? `?${new URLSearchParams({ name: name.trim() })}` : '';
  return `/api/v1/oauth/${encodeURIComponent(kind)}/start${q}`;
}

const BADGE: Record<Cloud['status'], string> = { ok: 'ok', needs_reauth: 'warn', error: 'bad' };

/** The status in words on a coloured badge: the colour is never the only sign. */
export function StatusBadge({ status }: { status: Cloud['status'] }) {
  const t = useMessages(cloudWords);
  return <span className={`badge ${BADGE[status]}`}>{t.status[status]}</span>;
}
