// How the API writes its answers: timestamps exactly as Date.prototype.toISOString writes them, and nothing the
// response schema does not name (a row's secrets or internal columns never reach a client by accident).
import { expect, test } from '@jest/globals';
import { z } from 'zod';
import { isoString } from '../../services/core/iso-time.ts';
import { run, timestamp } from '../../services/api/schemas.ts';
import { serializerCompiler } from '../../services/api/serializer.ts';

const write = (schema: z.ZodType, data: unknown) =>
  serializerCompiler({ schema, method: 'GET', url: '/t', httpStatus: '200' })(data);

test('isoString writes what toISOString writes, at the edges of days, years and its range', () => {
  const moments = [
    0,
    -1,
    1,
    Date.UTC(2024, 1, 29, 23, 59, 59, 999),
    Date.UTC(2026, 11, 31, 23, 59, 59, 999),
    Date.UTC(2027, 0, 1),
    -62_167_219_200_000, // 0000-01-01
    -62_167_219_200_001, // the year before: -000001
    253_402_300_799_999, // 9999-12-31T23:59:59.999Z
    253_402_300_800_000, // +010000
  ];
  for (let i = 0; i < 20_000; i++) moments.push(Math.floor((Math.random() - 0.2) * 1e13));
  for (const t of moments) expect([t, isoString(new Date(t))]).toEqual([t, new Date(t).toISOString()]);
  expect(() => isoString(new Date(Number.NaN))).toThrow(RangeError);
});

test('an answer holds the properties of its schema only, its dates in ISO 8601', () => {
  const schema = z.object({
    id: z.uuid(),
    at: timestamp,
    until: timestamp.nullable(),
    options: z.record(z.string(), z.unknown()),
    inner: z.object({ name: z.string() }).nullable(),
  });
  const at = new Date(Date.UTC(2026, 11, 5, 9, 30, 1, 7));
  const body = write(schema, {
    id: '9b2f4c1e-8d3a-4f5b-9c6d-7e8f9a0b1c2d',
    at,
    until: null,
    options: { bucket: 'photos', region: 'eu' },
    inner: { name: 'NAS', token: 'secret-inner' },
    passwordHash: 'secret-outer',
  });
  expect(JSON.parse(body)).toEqual({
    id: '9b2f4c1e-8d3a-4f5b-9c6d-7e8f9a0b1c2d',
    at: '2026-12-05T09:30:01.007Z',
    until: null,
    options: { bucket: 'photos', region: 'eu' },
    inner: { name: 'NAS' },
  });
  expect(body).not.toContain('secret');
});

test('a run writes its restore, or null when it has none', () => {
  const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
  const base = {
    id: '9b2f4c1e-8d3a-4f5b-9c6d-7e8f9a0b1c2d',
    taskId: '1b2f4c1e-8d3a-4f5b-9c6d-7e8f9a0b1c2d',
    kind: 'restore',
    versionsRemoved: 0,
    status: 'succeeded',
    trigger: 'manual',
    createdAt: at,
    startedAt: at,
    finishedAt: null,
    totals: { items: 2, bytes: 10 },
    done: { items: 2, bytes: 10 },
    skipped: { items: 0, bytes: 0 },
    failed: { items: 0 },
    waiting: { items: 0 },
    bytesPerSecond: 5,
    etaSeconds: null,
    error: null,
  };
  const restore = {
    at: '2026-01-01T00:00:00.000Z',
    runId: null,
    paths: ['2019/a.jpg'],
    destination: { cloudId: '2b2f4c1e-8d3a-4f5b-9c6d-7e8f9a0b1c2d', path: 'back' },
    conflict: 'rename',
  };
  expect(JSON.parse(write(run, { ...base, restore: null }))).toEqual({
    ...base,
    restore: null,
    createdAt: '2026-01-02T03:04:05.006Z',
    startedAt: '2026-01-02T03:04:05.006Z',
  });
  expect(JSON.parse(write(run, { ...base, restore })).restore).toEqual(restore);
});
