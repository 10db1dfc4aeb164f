import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runEndedMessage, type RunSummary } from '../../services/core/mail/messages.ts';
import { localeFrom, wordsFor } from '../../services/core/mail/strings.ts';

const base: RunSummary = {
  runId: '0b5c9a1e-5d1b-4c55-9d1a-2f0a8a2f7c11',
  taskName: 'Family photos → S3',
  status: 'succeeded',
  startedAt: new Date('2026-11-22T03:00:00Z'),
  finishedAt: new Date('2026-11-22T03:12:30Z'),
  done: { items: 1204, bytes: 3_140_000_000 },
  skipped: { items: 17, bytes: 52_000_000 },
  failed: { items: 0 },
  pending: 0,
  doneByType: { photo: 1204, video: 0, other: 0 },
  failures: [],
  error: null,
  renewsOn: new Date('2026-12-01T00:00:00Z'),
};
const url = 'https://ferry.example.org';

describe('run mails', () => {
  test('subjects a person can scan, for each outcome', () => {
    const subject = (r: Partial<RunSummary>, locale = 'en') => runEndedMessage({ ...base, ...r }, locale, url).subject;
    assert.equal(subject({}), "Ferry: 'Family photos → S3' finished — 1,204 photos, 3.1 GB");
    assert.equal(subject({ doneByType: { photo: 1200, video: 4, other: 0 } }), "Ferry: 'Family photos → S3' finished — 1,204 photos and videos, 3.1 GB");
    assert.equal(subject({ done: { items: 1, bytes: 5_000_000 }, doneByType: { photo: 0, video: 1, other: 0 } }), "Ferry: 'Family photos → S3' finished — 1 video, 5 MB");
    assert.equal(subject({ doneByType: { photo: 1200, video: 0, other: 4 } }), "Ferry: 'Family photos → S3' finished — 1,204 files, 3.1 GB");
    assert.equal(subject({ done: { items: 0, bytes: 0 }, doneByType: { photo: 0, video: 0, other: 0 } }), "Ferry: 'Family photos → S3' finished — nothing new to copy");
    assert.equal(subject({ status: 'partial', failed: { items: 3 } }), "Ferry: 'Family photos → S3' finished with 3 failed — 1,204 photos, 3.1 GB");
    assert.equal(subject({ status: 'failed', done: { items: 0, bytes: 0 }, error: 'Listing the source failed: the folder does not exist' }), "Ferry: 'Family photos → S3' failed — Listing the source failed: the folder does not exist");
    assert.equal(subject({ status: 'quota_exceeded', pending: 40 }), "Ferry: 'Family photos → S3' paused — monthly traffic quota used up (1,204 photos, 3.1 GB copied)");
    assert.equal(subject({}, 'de'), 'Ferry: „Family photos → S3“ fertig — 1.204 Fotos, 3,1 GB');
    assert.equal(subject({}, 'fr'), 'Ferry : « Family photos → S3 » terminée — 1\u202f204 photos, 3,1 GB', 'French groups digits with a narrow no-break space');
    assert.equal(subject({}, 'xx'), "Ferry: 'Family photos → S3' finished — 1,204 photos, 3.1 GB", 'unknown languages fall back to English');
  });

  test('the body has the figures, the first failures and the link; the HTML escapes what users typed', () => {
    const m = runEndedMessage(
      {
        ...base,
        taskName: 'My <script>alert(1)</script> & "stuff"\r\nBcc: evil@example.com',
        status: 'partial',
        failed: { items: 2 },
        failures: [{ path: 'a/<b>.jpg', error: 'The S3 service answered 503 SlowDown' }],
      },
      'en',
      url,
    );
    assert.ok(!/[\r\n]/.test(m.subject), 'no header injection through the subject');
    assert.match(m.text, /Copied: +1,204 photos, 3\.1 GB/);
    assert.match(m.text, /Skipped \(already there\): +17, 52 MB/);
    assert.match(m.text, /Duration: +12 min 30 s/);
    assert.match(m.text, /Average speed: +4\.2 MB\/s/);
    assert.match(m.text, /First failures:\n {2}- a\/<b>\.jpg: The S3 service answered 503 SlowDown/);
    assert.ok(m.text.includes(`${url}/runs/${base.runId}`));
    assert.ok(!m.html.includes('<script>') && m.html.includes('&#60;script&#62;'), 'escaped');
    assert.ok(m.html.includes('<code>a/&#60;b&#62;.jpg</code>'));
  });
});

describe('languages', () => {
  test('Accept-Language picks the best language Ferry speaks', () => {
    assert.equal(localeFrom('de-CH,de;q=0.9,en;q=0.8'), 'de');
    assert.equal(localeFrom('es-ES,fr;q=0.5,en;q=0.4'), 'fr');
    assert.equal(localeFrom('en;q=0.2,de;q=0.9'), 'de');
    assert.equal(localeFrom('es'), undefined);
    assert.equal(localeFrom('de;q=0'), undefined);
    assert.equal(localeFrom(undefined), undefined);
  });

  test('numbers and sizes as the language writes them', () => {
    assert.equal(wordsFor('en').bytes(999), '999 B');
    assert.equal(wordsFor('en').bytes(1_000), '1 kB');
    assert.equal(wordsFor('de').bytes(3_140_000_000), '3,1 GB');
    assert.equal(wordsFor('en').counted(1, 'photo'), '1 photo');
    assert.equal(wordsFor('fr').counted(0, 'photo'), '0 photo');
    assert.equal(wordsFor('de').counted(2, 'file'), '2 Dateien');
    assert.equal(wordsFor('en').duration(3725), '1 h 2 min');
  });
});
