// The wizard's form as the person fills it in, and the task the API takes from it. The API's own
// rules decide what is valid (POST /tasks/check per step); this only translates between the two.
import type { components, paths } from '../../api/client';

type Task = components['schemas']['Task'];
type CreateBody = paths['/api/v1/tasks']['post']['requestBody']['content']['application/json'];

export type Frequency = 'none' | 'daily' | 'weekly' | 'monthly';
export type LayoutChoice = 'keep' | 'date' | 'custom';
export const DATE_LAYOUT = '{yyyy}/{mm}/{name}';

export interface Draft {
  name: string;
  /** The name follows the chosen clouds until the person types their own. */
  nameEdited: boolean;
  sourceCloudId: string;
  sourcePath: string;
  /** Kept from the task being edited: a Google Photos picking. */
  pickerSessionId?: string;
  destCloudId: string;
  destPath: string;
  newFolder: string;
  frequency: Frequency;
  time: string;
  timezone: string;
  weekday: string;
  monthday: string;
  media: 'all' | 'media';
  include: string;
  exclude: string;
  minSizeMb: string;
  maxSizeMb: string;
  after: string;
  before: string;
  /** Filter fields this form does not show (e.g. includeTrashed), kept as they were. */
  filterRest: Record<string, unknown>;
  conflict: 'skip' | 'overwrite' | 'rename';
  verify: boolean;
  layoutChoice: LayoutChoice;
  layout: string;
  /** Older copies kept as versions (options.versions); off by default. */
  keepVersions: boolean;
  versionsKeep: string;
  versionsDays: string;
  /** The task's own verification schedule (options.verifySchedule); 'none' by default. */
  verifyFrequency: Frequency;
  verifyTime: string;
  verifyTimezone: string;
  verifyWeekday: string;
  verifyMonthday: string;
  /** Options this form does not show (e.g. objectLock), kept as they were. */
  optionsRest: Record<string, unknown>;
  notifyOn: 'never' | 'failure' | 'always';
  notifyEmail: string;
  webhookUrl: string;
  webhookSecret: string;
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function emptyDraft(sourceCloudId = ''): Draft {
  return {
    name: '',
    nameEdited: false,
    sourceCloudId,
    sourcePath: '',
    destCloudId: '',
    destPath: '',
    newFolder: '',
    frequency: 'none',
    time: '02:00',
    timezone: browserTimeZone(),
    weekday: '0',
    monthday: '1',
    media: 'all',
    include: '',
    exclude: '',
    minSizeMb: '',
    maxSizeMb: '',
    after: '',
    before: '',
    filterRest: {},
    conflict: 'skip',
    verify: true,
    layoutChoice: 'keep',
    layout: '',
    keepVersions: false,
    versionsKeep: '10',
    versionsDays: '',
    verifyFrequency: 'none',
    verifyTime: '03:00',
    verifyTimezone: browserTimeZone(),
    verifyWeekday: '0',
    verifyMonthday: '1',
    optionsRest: {},
    notifyOn: 'failure',
    notifyEmail: '',
    webhookUrl: '',
    webhookSecret: '',
  };
}

// As useFormat().bytes shows sizes: binary megabytes under the name "MB".
const MB = 1024 * 1024;
const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
const mb = (text: string) => (text.trim() === '' ? undefined : Math.round(Number(text.replace(',', '.')) * MB));
const fromMb = (bytes: unknown) => (typeof bytes === 'number' ? String(bytes / MB) : '');
const joinPath = (...parts: string[]) =>
  parts
    .flatMap((p) => p.split('/'))
    .map((p) => p.trim())
    .filter(Boolean)
    .join('/');

/** The form filled from a task, for editing it. */
export function draftOf(task: Task): Draft {
  const { include, exclude, mediaTypes, minSize, maxSize, after, before, ...filterRest } = task.filter as Record<
    string,
    unknown
  >;
  const {
    conflict,
    verify,
    layout: savedLayout,
    versions,
    verifySchedule,
    ...optionsRest
  } = task.options as {
    conflict?: Draft['conflict'];
    verify?: boolean;
    layout?: string;
    versions?: { keep?: number; days?: number };
    verifySchedule?: Task['schedule'];
  };
  const options = { conflict, verify, layout: savedLayout };
  const v = verifySchedule ?? null;
  const notify = task.notify as { on?: Draft['notifyOn']; email?: string; webhook?: { url?: string } };
  const s = task.schedule;
  const layout = options.layout ?? '';
  return {
    ...emptyDraft(task.source.cloudId),
    name: task.name,
    nameEdited: true,
    sourcePath: task.source.path ?? '',
    pickerSessionId: task.source.pickerSessionId,
    destCloudId: task.destination.cloudId,
    destPath: task.destination.path,
    frequency: s ? s.frequency : 'none',
    time: s?.time ?? '02:00',
    timezone: s?.timezone ?? browserTimeZone(),
    weekday: String(s?.weekday ?? 0),
    monthday: String(s?.monthday ?? 1),
    media: Array.isArray(mediaTypes) && !mediaTypes.includes('other') ? 'media' : 'all',
    include: Array.isArray(include) ? include.join('\n') : '',
    exclude: Array.isArray(exclude) ? exclude.join('\n') : '',
    minSizeMb: fromMb(minSize),
    maxSizeMb: fromMb(maxSize),
    after: typeof after === 'string' ? after.slice(0, 10) : '',
    before: typeof before === 'string' ? before.slice(0, 10) : '',
    filterRest,
    conflict: options.conflict ?? 'skip',
    verify: options.verify ?? true,
    layoutChoice: !layout ? 'keep' : layout === DATE_LAYOUT ? 'date' : 'custom',
    layout,
    keepVersions: Boolean(versions),
    versionsKeep: versions?.keep ? String(versions.keep) : '',
    versionsDays: versions?.days ? String(versions.days) : '',
    verifyFrequency: v ? v.frequency : 'none',
    verifyTime: v?.time ?? '03:00',
    verifyTimezone: v?.timezone ?? browserTimeZone(),
    verifyWeekday: String(v?.weekday ?? 0),
    verifyMonthday: String(v?.monthday ?? 1),
    optionsRest,
    notifyOn: notify.on ?? 'failure',
    notifyEmail: notify.email ?? '',
    webhookUrl: notify.webhook?.url ?? '',
  };
}

/** The number in a field, or the text itself for the API to refuse in its own words. */
const numberOr = (text: string): number => {
  const n = Number(text.trim());
  return (text.trim() === '' || Number.isNaN(n) ? text : n) as number;
};

export function sourceOf(d: Draft): CreateBody['source'] {
  return {
    cloudId: d.sourceCloudId,
    path: d.sourcePath,
    ...(d.pickerSessionId ? { pickerSessionId: d.pickerSessionId } : {}),
  };
}

export function destinationPath(d: Draft): string {
  return joinPath(d.destPath, d.newFolder);
}

export function destinationOf(d: Draft): CreateBody['destination'] {
  return { cloudId: d.destCloudId, path: destinationPath(d) };
}

/** The fields of one schedule in the form: the task's own, or its verification's. */
export interface ScheduleFields {
  frequency: Frequency;
  time: string;
  timezone: string;
  weekday: string;
  monthday: string;
}

function scheduleFrom(s: ScheduleFields): CreateBody['schedule'] | null {
  if (s.frequency === 'none') return null;
  return {
    frequency: s.frequency,
    time: s.time.trim(),
    timezone: s.timezone.trim(),
    ...(s.frequency === 'weekly' ? { weekday: Number(s.weekday) } : {}),
    ...(s.frequency === 'monthly' ? { monthday: numberOr(s.monthday) } : {}),
  };
}

export function scheduleOf(d: Draft): CreateBody['schedule'] | null {
  return scheduleFrom(d);
}

export function verifyScheduleFields(d: Draft): ScheduleFields {
  return {
    frequency: d.verifyFrequency,
    time: d.verifyTime,
    timezone: d.verifyTimezone,
    weekday: d.verifyWeekday,
    monthday: d.verifyMonthday,
  };
}

/** The verification schedule's fields as draft fields, for a change made to them. */
export function verifyPatch(p: Partial<ScheduleFields>): Partial<Draft> {
  const out: Partial<Draft> = {};
  if (p.frequency !== undefined) out.verifyFrequency = p.frequency;
  if (p.time !== undefined) out.verifyTime = p.time;
  if (p.timezone !== undefined) out.verifyTimezone = p.timezone;
  if (p.weekday !== undefined) out.verifyWeekday = p.weekday;
  if (p.monthday !== undefined) out.verifyMonthday = p.monthday;
  return out;
}

export function filterOf(d: Draft): NonNullable<CreateBody['filter']> {
  const include = lines(d.include);
  const exclude = lines(d.exclude);
  const f: Record<string, unknown> = { ...d.filterRest };
  if (d.media === 'media') f.mediaTypes = ['photo', 'video'];
  if (include.length) f.include = include;
  if (exclude.length) f.exclude = exclude;
  const min = mb(d.minSizeMb);
  const max = mb(d.maxSizeMb);
  if (min !== undefined) f.minSize = Number.isNaN(min) ? d.minSizeMb : min;
  if (max !== undefined) f.maxSize = Number.isNaN(max) ? d.maxSizeMb : max;
  if (d.after) f.after = d.after;
  if (d.before) f.before = d.before;
  return f as NonNullable<CreateBody['filter']>;
}

export function optionsOf(d: Draft): NonNullable<CreateBody['options']> {
  const layout = d.layoutChoice === 'keep' ? '' : d.layoutChoice === 'date' ? DATE_LAYOUT : d.layout.trim();
  const keep = d.versionsKeep.trim();
  const days = d.versionsDays.trim();
  const versions = d.keepVersions
    ? { ...(keep ? { keep: numberOr(keep) } : {}), ...(days ? { days: numberOr(days) } : {}) }
    : null;
  const verifySchedule = scheduleFrom(verifyScheduleFields(d));
  return {
    ...d.optionsRest,
    conflict: d.conflict,
    verify: d.verify,
    ...(layout ? { layout } : {}),
    // Kept with no limit given: the API asks for one, and says so beside the fields.
    ...(versions ? { versions } : {}),
    ...(verifySchedule ? { verifySchedule } : {}),
  } as NonNullable<CreateBody['options']>;
}

export function notifyOf(d: Draft): NonNullable<CreateBody['notify']> {
  const email = d.notifyEmail.trim();
  const url = d.webhookUrl.trim();
  const secret = d.webhookSecret;
  return {
    on: d.notifyOn,
    ...(email ? { email } : {}),
    ...(url ? { webhook: { url, ...(secret ? { secret } : {}) } } : {}),
  };
}

/** The whole task for POST /tasks. */
export function createBodyOf(d: Draft): CreateBody {
  const schedule = scheduleOf(d);
  return {
    name: d.name.trim(),
    source: sourceOf(d),
    destination: destinationOf(d),
    ...(schedule ? { schedule } : {}),
    filter: filterOf(d),
    options: optionsOf(d),
    notify: notifyOf(d),
  };
}

/** The whole task for PATCH /tasks/:id: a removed schedule is null. */
export function patchBodyOf(d: Draft) {
  return { ...createBodyOf(d), schedule: scheduleOf(d) };
}

/** Which step (0-based) an API message is about, from the field it names ("body.schedule.monthday: …"). */
export function stepOfMessage(message: string): number | null {
  const field = /^(?:body\.)?([a-zA-Z]+)/.exec(message)?.[1];
  switch (field) {
    case 'source':
      return 0;
    case 'destination':
      return 1;
    case 'schedule':
      return 2;
    case 'filter':
    case 'options':
    case 'notify':
      return 3;
    case 'name':
      return 4;
    default:
      return null;
  }
}

/**
 * The parts of an API message about one field (messages join their problems with "; "), e.g.
 * fieldMessage("body.schedule.monthday: Too big…", "schedule.monthday").
 */
export function fieldMessage(message: string | undefined, field: string): string | null {
  if (!message) return null;
  const parts = message.split('; ').filter((p) => {
    const at = p.indexOf(':');
    const where = (at < 0 ? '' : p.slice(0, at)).replace(/^body\./, '');
    return where === field || where.startsWith(`${field}.`);
  });
  return parts.length ? parts.join('; ') : null;
}
