// When a scheduled task runs next: a local wall-clock time in the task's IANA time zone.
//
// Daylight saving time: a local time that does not exist that day (clocks jump over it) runs at the
// first instant after the jump; a local time that occurs twice (clocks fall back) runs once, at the
// first occurrence. A monthly day past the end of a short month runs on its last day.

export interface Schedule {
  frequency: 'daily' | 'weekly' | 'monthly';
  /** HH:MM, 24-hour. */
  time: string;
  timezone: string;
  /** 0 = Sunday … 6 = Saturday; weekly only. */
  weekday?: number;
  /** 1–31; monthly only. */
  monthday?: number;
}

const MINUTE = 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(name: string): boolean {
  // Named zones only ("Europe/Berlin", "UTC"); Intl would also take raw offsets like "+01:00",
  // which have no DST rules and are not what a person means by their time zone.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock time of `utc` in the zone, as milliseconds of a UTC date with the same fields. */
function localMs(utc: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(utc))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

const offsetAt = (utc: number, tz: string) => localMs(utc, tz) - Math.floor(utc / 1000) * 1000;

/** The first instant whose local time in `tz` is `local` (fields as UTC ms), or the instant the clocks jump past it. */
export function zonedInstant(local: number, tz: string): number {
  const offsets = new Set([
    offsetAt(local - 36 * 3600_000, tz),
    offsetAt(local + 36 * 3600_000, tz),
    offsetAt(local, tz),
  ]);
  const matches = [...offsets].map((off) => local - off).filter((utc) => localMs(utc, tz) === local);
  if (matches.length) return Math.min(...matches);
  // In a gap: find the transition, on a minute boundary, between the instants that map just below and above.
  let lo = local - Math.max(...offsets);
  let hi = local - Math.min(...offsets);
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (localMs(mid, tz) < local) lo = mid;
    else hi = mid;
  }
  return hi;
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** The first time the schedule is due strictly after `after`. */
export function nextRunAt(s: Schedule, after: Date): Date {
  const [hh, mm] = s.time.split(':').map(Number);
  const startLocal = new Date(localMs(after.getTime(), s.timezone));
  // Today's slot may already be past, and a DST gap can only move a slot forward: looking one day
  // back costs nothing and keeps the loop simple. 370 days cover any monthly schedule.
  for (let d = -1; d < 370; d++) {
    const day = new Date(Date.UTC(startLocal.getUTCFullYear(), startLocal.getUTCMonth(), startLocal.getUTCDate() + d));
    const y = day.getUTCFullYear();
    const m = day.getUTCMonth();
    const date = day.getUTCDate();
    if (s.frequency === 'weekly' && day.getUTCDay() !== s.weekday) continue;
    if (s.frequency === 'monthly' && date !== Math.min(s.monthday ?? 1, daysInMonth(y, m))) continue;
    const at = zonedInstant(Date.UTC(y, m, date, hh, mm), s.timezone);
    if (at > after.getTime()) return new Date(at);
  }
  throw new Error('unreachable: every schedule is due within a year');
}
