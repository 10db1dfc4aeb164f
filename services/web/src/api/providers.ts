// What the app knows about a kind of cloud is what the server declares (GET /providers): its name
// in each language, the kinds it reads through, the actions it offers beyond the common routes and
// whether it is read through picked sessions. Pages branch on these, never on a kind's id, so a
// connector added to the server shows up without a change here.
import { useQuery } from '@tanstack/react-query';
import { useLang } from '../i18n/i18n';
import type { components } from './client';
import { providersQuery } from './queries';

type Provider = components['schemas']['Provider'];
type Cloud = components['schemas']['Cloud'];

const offers = (p: Provider | undefined, method: Provider['actions'][number]['method'], path: string) =>
  !!p?.actions.some((a) => a.method === method && a.path === path);

/** Its clouds report the exports delivered to the cloud they read (GET /clouds/{id}/takeout). */
export const reportsExports = (p: Provider | undefined): boolean => !!p?.wraps.length && offers(p, 'GET', 'takeout');

/** Its clouds are read through sessions their owner fills by picking (POST /clouds/{id}/picker-sessions). */
export const picksItems = (p: Provider | undefined): boolean =>
  !!p?.pickerSession && offers(p, 'POST', 'picker-sessions');

/**
 * Its clouds are set up on the Google Photos guide (/photos), not on the Add-cloud page, and their
 * page leads to their backups from the part of its own (the export sets, the Picker).
 */
export const guided = (p: Provider | undefined): boolean => reportsExports(p) || picksItems(p);

/** The server's declaration of a cloud's kind, once the list has loaded. */
export function useProvider(kind: string): Provider | undefined {
  return useQuery(providersQuery).data?.find((p) => p.kind === kind);
}

/** A kind's name in the app's language ('' until the list has loaded). */
export function useKindName(): (kind: string) => string {
  const { lang } = useLang();
  const list = useQuery(providersQuery).data;
  return (kind) => (list ? (list.find((p) => p.kind === kind)?.titles[lang] ?? kind) : '');
}

/** A kind as said after a cloud's own name ("folder on this server"), in the app's language. */
export function useKindNoun(): (kind: string) => string | undefined {
  const { lang } = useLang();
  const list = useQuery(providersQuery).data;
  return (kind) => list?.find((p) => p.kind === kind)?.nouns[lang];
}

/**
 * The cloud a wrapping cloud reads through: the one of its owner's clouds, of a kind it may wrap,
 * whose id is among its options. Undefined when that cloud no longer exists.
 */
export function wrappedCloud(cloud: Cloud, provider: Provider | undefined, clouds: Cloud[]): Cloud | undefined {
  const ids = new Set(Object.values(cloud.options).filter((v) => typeof v === 'string'));
  return clouds.find((c) => ids.has(c.id) && (provider?.wraps as string[] | undefined)?.includes(c.kind));
}
