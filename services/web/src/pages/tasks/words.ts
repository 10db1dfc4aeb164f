// A task said in words: its schedule, its folders, its filter and its notifications, as the list,
// the task page and the wizard's summary show them.
import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { components } from '../../api/client';
import { cloudsQuery } from '../../api/queries';
import { useFormat, useLang, useMessages, type Lang } from '../../i18n/i18n';
import { taskWords } from './messages';

export type Task = components['schemas']['Task'];
export type Cloud = components['schemas']['Cloud'];
type Schedule = NonNullable<Task['schedule']>;

const LOCALES: Record<Lang, string> = { en: 'en-GB', de: 'de-DE', fr: 'fr-FR' };

/** The weekday names, Sunday first (the API's 0 … 6), in the app's language. */
export function weekdayNames(lang: Lang): string[] {
  const f = new Intl.DateTimeFormat(LOCALES[lang], { weekday: 'long', timeZone: 'UTC' });
  // 2023-01-01 was a Sunday.
  return Array.from({ length: 7 }, (_, i) => f.format(new Date(Date.UTC(2023, 0, 1 + i))));
}

/** "Every day at 02:00 (Europe/Berlin)" and its kind, or the words for no schedule. */
export function useScheduleWords(): (s: Schedule | null) => string {
  const t = useMessages(taskWords);
  const { lang } = useLang();
  const days = useMemo(() => weekdayNames(lang), [lang]);
  return (s) => {
    if (!s) return t.notScheduled;
    if (s.frequency === 'daily') return t.daily(s.time, s.timezone);
    if (s.frequency === 'weekly') return t.weekly(days[s.weekday ?? 0], s.time, s.timezone);
    return t.monthly(s.monthday ?? 1, s.time, s.timezone);
  };
}

/** A folder path as a person reads it: "Photos › 2024", or "the top folder". */
export function folderWords(path: string | undefined, top: string): string {
  const parts = (path ?? '').split('/').filter(Boolean);
  return parts.length ? parts.join(' › ') : top;
}

/** "Cloud name, Photos › 2024" for one end of a task. */
export function useEndWords(): (end: { cloudId: string; path?: string }) => string {
  const t = useMessages(taskWords);
  const clouds = useQuery(cloudsQuery);
  return (end) => {
    const cloud = clouds.data?.items.find((c) => c.id === end.cloudId);
    return t.copiesFrom(cloud?.name ?? (clouds.isPending ? '…' : t.unknownCloud), folderWords(end.path, t.topFolder));
  };
}

export interface FilterFields {
  include?: string[];
  exclude?: string[];
  mediaTypes?: string[];
  minSize?: number;
  maxSize?: number;
  after?: string;
  before?: string;
}

/** "Photos and videos, only **\/*.jpg, at most 2 GB" */
export function useFilterWords(): (f: FilterFields) => string {
  const t = useMessages(taskWords);
  const fmt = useFormat();
  return (f) => {
    const media = f.mediaTypes?.length && !f.mediaTypes.includes('other');
    const parts = [media ? t.mediaOnly : t.everything];
    if (f.include?.length) parts.push(t.patternsOnly(f.include.join(', ')));
    if (f.exclude?.length) parts.push(t.patternsLeftOut(f.exclude.join(', ')));
    if (f.minSize !== undefined) parts.push(t.sizeAtLeast(fmt.bytes(f.minSize)));
    if (f.maxSize !== undefined) parts.push(t.sizeAtMost(fmt.bytes(f.maxSize)));
    if (f.after) parts.push(t.dateFrom(fmt.date(f.after)));
    if (f.before) parts.push(t.dateBefore(fmt.date(f.before)));
    return parts.join(', ');
  };
}

export function useConflictWords(): (c: unknown) => string {
  const t = useMessages(taskWords);
  return (c) => (c === 'overwrite' ? t.conflictOverwrite : c === 'rename' ? t.conflictRename : t.conflictSkip);
}

/** "Kept: the last 5 of each file, for 90 days", or that versions are not kept. */
export function useVersionsWords(): (v: { keep?: number; days?: number } | undefined) => string {
  const t = useMessages(taskWords);
  return (v) => (v && (v.keep || v.days) ? t.versionsKept(v.keep, v.days) : t.versionsOff);
}

export function useNotifyWords(): (n: Record<string, unknown>) => string[] {
  const t = useMessages(taskWords);
  return (n) => {
    const to =
      typeof n.email === 'string'
        ? `${n.email}${n.emailConfirmed === false ? ` ${t.unconfirmed}` : ''}`
        : t.yourAddress;
    const lines = [n.on === 'never' ? t.emailNever : n.on === 'always' ? t.emailAlways(to) : t.emailFailure(to)];
    const hook = n.webhook as { url?: string } | undefined;
    if (hook?.url) lines.push(t.webhookTo(hook.url));
    return lines;
  };
}

/**
 * When the next run starts, on the clock of the schedule's time zone (as the schedule itself is
 * said), naming that zone when it is not the browser's: "Sun 6 Dec 2026, 03:30 (Europe/Berlin)".
 */
export function useNextRunWords(): (iso: string, timeZone?: string) => string {
  const { lang } = useLang();
  return (iso, timeZone) => {
    const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const zone = timeZone && timeZone !== own ? timeZone : undefined;
    const when = new Intl.DateTimeFormat(LOCALES[lang], {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone: zone,
    }).format(new Date(iso));
    return zone ? `${when} (${zone})` : when;
  };
}
