import { describe, expect, test } from '@jest/globals';
import { isTimeZone, nextRunAt, type Schedule } from '../../services/core/schedule.ts';

const at = (iso: string) => new Date(iso);
const next = (s: Schedule, after: string) => nextRunAt(s, at(after)).toISOString();

describe('nextRunAt', () => {
  test('daily at a local time, later today or tomorrow', () => {
    const s: Schedule = { frequency: 'daily', time: '03:30', timezone: 'Europe/Berlin' };
    expect(next(s, '2026-01-10T00:00:00Z')).toBe('2026-01-10T02:30:00.000Z'); // CET = UTC+1
    expect(next(s, '2026-01-10T02:30:00Z')).toBe('2026-01-11T02:30:00.000Z'); // strictly after
    expect(next(s, '2026-07-10T00:00:00Z')).toBe('2026-07-10T01:30:00.000Z'); // CEST = UTC+2
  });

  test('a local time skipped by the spring DST jump runs at the first instant after the jump', () => {
    // Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
    const s: Schedule = { frequency: 'daily', time: '02:30', timezone: 'Europe/Berlin' };
    expect(next(s, '2026-03-28T12:00:00Z')).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST
    expect(next(s, '2026-03-29T01:00:00Z')).toBe('2026-03-30T00:30:00.000Z'); // next day 02:30 CEST
    // New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT.
    const ny: Schedule = { frequency: 'daily', time: '02:15', timezone: 'America/New_York' };
    expect(next(ny, '2026-03-07T12:00:00Z')).toBe('2026-03-08T07:00:00.000Z'); // 03:00 EDT
  });

  test('a local time repeated by the autumn DST change runs once, at its first occurrence', () => {
    // Berlin, 25 October 2026: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
    const s: Schedule = { frequency: 'daily', time: '02:30', timezone: 'Europe/Berlin' };
    const first = next(s, '2026-10-24T12:00:00Z');
    expect(first).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST
    expect(next(s, first)).toBe('2026-10-26T01:30:00.000Z'); // not 01:30Z the same day (02:30 CET)
  });

  test('weekly on a weekday', () => {
    const s: Schedule = { frequency: 'weekly', time: '23:00', timezone: 'Asia/Tokyo', weekday: 1 }; // Monday
    // Sunday 2026-11-22 in Tokyo → Monday 2026-11-23 23:00 JST = 14:00Z
    expect(next(s, '2026-11-22T00:00:00Z')).toBe('2026-11-23T14:00:00.000Z');
    expect(next(s, '2026-11-23T14:00:00Z')).toBe('2026-11-30T14:00:00.000Z');
  });

  test('monthly on the 31st runs on the last day of short months', () => {
    const s: Schedule = { frequency: 'monthly', time: '12:00', timezone: 'UTC', monthday: 31 };
    const runs: string[] = [];
    let t = at('2026-01-01T00:00:00Z');
    for (let i = 0; i < 6; i++) {
      t = nextRunAt(s, t);
      runs.push(t.toISOString().slice(0, 10));
    }
    expect(runs).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31', '2026-06-30']);
    expect(next({ ...s, monthday: 29 }, '2028-02-01T00:00:00Z')).toBe('2028-02-29T12:00:00.000Z'); // leap year
  });

  test('monthly across a DST change keeps the local time', () => {
    const s: Schedule = { frequency: 'monthly', time: '09:00', timezone: 'America/Los_Angeles', monthday: 15 };
    expect(next(s, '2026-02-01T00:00:00Z')).toBe('2026-02-15T17:00:00.000Z'); // PST
    expect(next(s, '2026-03-16T00:00:00Z')).toBe('2026-04-15T16:00:00.000Z'); // PDT
  });

  test('zones with half-hour offsets and no DST', () => {
    expect(next({ frequency: 'daily', time: '00:00', timezone: 'Asia/Kolkata' }, '2026-05-01T00:00:00Z')).toBe(
      '2026-05-01T18:30:00.000Z',
    );
  });
});

test('isTimeZone accepts IANA names only', () => {
  for (const z of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])
    expect(isTimeZone(z)).toBe(true);
  for (const z of ['Mars/Olympus', '+01:00', '', 'Europe/../Berlin', 'europe berlin'])
    expect(isTimeZone(z)).toBe(false);
});
