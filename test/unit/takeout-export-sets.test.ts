import { expect, test } from '@jest/globals';
import { exportSets, partsToIngest, schedule } from '../../connectors/google-takeout/export-sets.ts';

const at = (iso: string) => Date.parse(iso);
const part = (stamp: string, n: number, arrived: string, ext = 'zip') => ({
  path: `Takeout/takeout-${stamp}-${String(n).padStart(3, '0')}.${ext}`,
  size: 1000 + n,
  modifiedAt: arrived,
});

test('parts are grouped by timestamp; a set is ready once contiguous from 001 and settled', () => {
  const files = [
    part('20240712T112341Z', 2, '2024-07-12T12:10:00Z'),
    part('20240712T112341Z', 1, '2024-07-12T12:00:00Z'),
    part('20240912T080000Z', 1, '2024-09-12T08:30:00Z'),
    part('20240912T080000Z', 3, '2024-09-12T08:40:00Z'),
    { path: 'Takeout/notes.txt', size: 3 },
    { path: 'Takeout/takeout-20240712T112341Z-001.zip.partial', size: 3 },
  ];
  const sets = exportSets(files, { now: at('2024-09-12T09:00:00Z') });
  expect(sets.map((s) => [s.id, s.parts.map((p) => p.number), s.ready])).toEqual([
    ['20240712T112341Z', [1, 2], true],
    ['20240912T080000Z', [1, 3], false],
  ]);
  expect(sets[1].missing).toEqual([2]);
  expect(sets[1].waitingFor!).toMatch(/Part 002 not there yet/);
  expect(sets[0].createdAt.toISOString()).toBe('2024-07-12T11:23:41.000Z');
});

test('a complete set waits for the settle time after its newest part, then is ready', () => {
  const files = [
    part('20240912T080000Z', 1, '2024-09-12T08:30:00Z'),
    part('20240912T080000Z', 2, '2024-09-12T08:50:00Z'),
  ];
  const early = exportSets(files, { now: at('2024-09-12T09:10:00Z') })[0];
  expect(early.ready).toBe(false);
  expect(early.waitingFor!).toMatch(/arrived recently; waiting until 2024-09-12T09:50:00.000Z/);
  expect(exportSets(files, { now: at('2024-09-12T09:51:00Z') })[0].ready).toBe(true);
  // configurable
  expect(exportSets(files, { now: at('2024-09-12T09:10:00Z'), settleMs: 10 * 60_000 })[0].ready).toBe(true);
});

test('a set that grows after it was ingested is taken up again for its new parts only', () => {
  const before = exportSets([part('20240912T080000Z', 1, '2024-09-12T08:30:00Z')], {
    now: at('2024-09-13T00:00:00Z'),
  })[0];
  const ingested = new Set(partsToIngest(before, new Set()).map((p) => p.path));
  const grown = exportSets(
    [part('20240912T080000Z', 1, '2024-09-12T08:30:00Z'), part('20240912T080000Z', 2, '2024-09-14T08:30:00Z')],
    { now: at('2024-09-15T00:00:00Z') },
  )[0];
  expect(partsToIngest(grown, ingested).map((p) => p.number)).toEqual([2]);
});

test('zip and tgz parts of one export are refused; .tgz sets are recognised', () => {
  const mixed = exportSets(
    [part('20240912T080000Z', 1, '2024-09-12T08:30:00Z'), part('20240912T080000Z', 2, '2024-09-12T08:31:00Z', 'tgz')],
    { now: at('2024-10-01T00:00:00Z') },
  )[0];
  expect(mixed.ready).toBe(false);
  expect(mixed.waitingFor!).toMatch(/both \.zip and \.tgz/);
  const tgz = exportSets([part('20240912T080000Z', 1, '2024-09-12T08:30:00Z', 'tgz')], {
    now: at('2024-10-01T00:00:00Z'),
  })[0];
  expect([tgz.format, tgz.ready]).toEqual(['tgz', true]);
});

test('the schedule: next export two months on, late after 70 days, ending within a month after five more', () => {
  const first = exportSets([part('20240101T000000Z', 1, '2024-01-01T01:00:00Z')], { now: at('2024-02-01T00:00:00Z') });
  const s1 = schedule(first, at('2024-02-01T00:00:00Z'));
  expect(s1.nextExpected!.toISOString()).toBe('2024-03-02T00:00:00.000Z');
  expect([s1.late, s1.endsSoon]).toEqual([false, false]);
  // 71 days after the last export
  expect(schedule(first, at('2024-03-12T00:00:00Z')).late).toBe(true);
  // the sixth export, 5 × 61 days on, is the last
  expect(s1.scheduleEnds!.toISOString()).toBe('2024-11-01T00:00:00.000Z');
  expect(schedule(first, at('2024-10-05T00:00:00Z')).endsSoon).toBe(true);
  expect(schedule(first, at('2024-09-20T00:00:00Z')).endsSoon).toBe(false);
  expect(schedule([], at('2024-10-01T00:00:00Z'))).toEqual({ late: false, endsSoon: false });
});

test(
  'the schedule is the run of exports two months apart that ends with the latest: ' +
    'a renewed schedule and an export once do not hide it',
  () => {
    const d = (iso: string) => ({ createdAt: new Date(iso) });
    // A year's schedule (6 exports), then a new one set up three weeks before it ran out.
    const renewed = [
      d('2024-01-01'),
      d('2024-03-02'),
      d('2024-05-02'),
      d('2024-07-02'),
      d('2024-09-01'),
      d('2024-11-01'),
      d('2024-11-20'),
      d('2025-01-20'),
    ];
    const s = schedule(renewed, at('2025-02-01T00:00:00Z'));
    expect(s.scheduleEnds!.toISOString()).toBe(
      new Date(at('2024-11-20T00:00:00Z') + 5 * 61 * 86_400_000).toISOString(),
    );
    // 85 days after the latest, within the new schedule
    expect(schedule(renewed, at('2025-04-15T00:00:00Z')).late).toBe(true);
    // An "export once" between two scheduled ones: the schedule still ends 5 × 61 days after its first.
    const withOnce = [d('2024-01-01'), d('2024-02-01'), d('2024-03-02')];
    expect(schedule(withOnce, at('2024-04-01T00:00:00Z')).scheduleEnds!.toISOString()).toBe('2024-11-01T00:00:00.000Z');
    // A new schedule set up before the old one ran out: its own year counts.
    const overlapping = [
      d('2024-01-01'),
      d('2024-03-02'),
      d('2024-05-02'),
      d('2024-07-02'),
      d('2024-09-01'),
      d('2024-10-15'),
      d('2024-11-01'),
      d('2024-12-15'),
    ];
    expect(schedule(overlapping, at('2025-01-01T00:00:00Z')).scheduleEnds!.toISOString()).toBe(
      new Date(at('2024-10-15T00:00:00Z') + 5 * 61 * 86_400_000).toISOString(),
    );
  },
);
