// A verification run's mail says what it checked, in every language Ferry speaks: no "copied",
// no speed, and the copies that were missing or changed.
import { describe, expect, test } from '@jest/globals';
import { runEndedMessage, type RunSummary } from '../../services/core/mail/messages.ts';

const base: RunSummary = {
  runId: '0b5c9a1e-5d1b-4c55-9d1a-2f0a8a2f7c11',
  kind: 'verify',
  taskName: 'Family photos → S3',
  status: 'succeeded',
  startedAt: new Date('2026-11-22T03:00:00Z'),
  finishedAt: new Date('2026-11-22T03:01:30Z'),
  done: { items: 1204, bytes: 3_140_000_000 },
  skipped: { items: 0, bytes: 0 },
  failed: { items: 0 },
  pending: 0,
  doneByType: { photo: 0, video: 0, other: 1204 },
  failures: [],
  error: null,
  renewsOn: new Date('2026-12-01T00:00:00Z'),
};
const url = 'https://ferry.example.org';
const message = (r: Partial<RunSummary>, locale = 'en') => runEndedMessage({ ...base, ...r }, locale, url);

describe('verification mails', () => {
  test('subjects say verified, and what was missing or changed', () => {
    expect(message({}).subject).toBe("Ferry: 'Family photos → S3' verified — 1,204 files, 3.1 GB, all intact");
    const partial = { status: 'partial' as const, failed: { items: 3 }, done: { items: 1201, bytes: 3e9 } };
    expect(message(partial).subject).toBe(
      "Ferry: 'Family photos → S3' verified — 3 missing or changed, 1,201 files, 3 GB intact",
    );
    expect(message({ status: 'failed', done: { items: 0, bytes: 0 }, error: 'Bucket gone' }).subject).toBe(
      "Ferry: verifying 'Family photos → S3' failed — Bucket gone",
    );
    expect(message(partial, 'de').subject).toBe(
      'Ferry: „Family photos → S3“ geprüft — 3 fehlend oder verändert, 1.201 Dateien, 3 GB unversehrt',
    );
    expect(message(partial, 'fr').subject).toMatch(/^Ferry : « Family photos → S3 » vérifiée — 3 manquante/);
  });

  test('the body lists what was found intact and the failures, and nothing about copying', () => {
    const m = message({
      status: 'partial',
      failed: { items: 1 },
      failures: [{ path: 'a.jpg', error: 'a.jpg: missing at the destination (vault/a.jpg)' }],
      error: "1 item(s) failed: see the run's failed items for why.",
    });
    expect(m.text).toContain('Verified: some copies are missing or changed at the destination.');
    expect(m.text).toMatch(/Intact: +1,204 files, 3\.1 GB/);
    expect(m.text).toContain('  - a.jpg: a.jpg: missing at the destination (vault/a.jpg)');
    expect(m.text).not.toContain('Copied');
    expect(m.text).not.toContain('Average speed');
    expect(m.html).toContain('Verified: some copies are missing or changed at the destination.');
    // A backup's mail is unchanged.
    expect(message({ kind: 'backup' }).subject).toBe("Ferry: 'Family photos → S3' finished — 1,204 files, 3.1 GB");
  });
});
