// timestamptz read by Ferry's own reader: the same moment pg's default reader gives for every text PostgreSQL
// writes in its ISO style, whatever the session's time zone, and the default reader's answer for anything else.
import { expect, test } from '@jest/globals';
import pg from 'pg';
import { parseTimestamptz } from '../../services/core/pg-timestamps.ts';

// Read before services/core/db.ts (imported by nothing here) could replace it.
const reference = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text');
const moment = (v: unknown) => (v instanceof Date ? v.getTime() : v);

test('every form PostgreSQL writes reads as the default reader reads it', () => {
  const texts = [
    '2026-12-05 09:30:01.123456+00',
    '2026-12-05 09:30:01+00',
    '2026-12-05 09:30:01.5+05:30',
    '2026-12-05 09:30:01.999999-08',
    '2026-12-05 23:59:59.9999-09:30',
    '1970-01-01 00:00:00.0001+00',
    '1969-12-31 23:59:59.999+00',
    '2024-02-29 12:00:00+14',
    // Left to the default reader: years below 100, BC, five-digit years, offsets with seconds, infinity.
    '0099-01-01 00:00:00+00',
    '0044-03-15 12:00:00+00 BC',
    '12026-12-05 09:30:01+00',
    '1890-01-01 00:00:00+00:53:28',
    'infinity',
    '-infinity',
  ];
  for (const text of texts) expect([text, moment(parseTimestamptz(text))]).toEqual([text, moment(reference(text))]);
  for (let i = 0; i < 5000; i++) {
    const t = Math.floor(Math.random() * 4e12);
    const micros = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
    const offset = Math.floor(Math.random() * 27) - 13;
    const local = new Date(t + offset * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
    const text = `${local}.${micros}${offset < 0 ? '-' : '+'}${String(Math.abs(offset)).padStart(2, '0')}`;
    expect([text, moment(parseTimestamptz(text))]).toEqual([text, moment(reference(text))]);
  }
});
