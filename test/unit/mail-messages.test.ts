import { describe, expect, test } from '@jest/globals';
import {
  cloudNoticeMessage,
  reauthMessage,
  runEndedMessage,
  type CloudNoticeMail,
  type RunSummary,
} from '../../services/core/mail/messages.ts';
import { localeFrom, wordsFor } from '../../services/core/mail/strings.ts';
import { exportLate, scheduleEnding } from '../../connectors/google-takeout/messages.ts';
import { labelled } from '../support/labelled.ts';

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
    expect(subject({})).toBe("Ferry: 'Family photos → S3' finished — 1,204 photos, 3.1 GB");
    expect(subject({ doneByType: { photo: 1200, video: 4, other: 0 } })).toBe(
      "Ferry: 'Family photos → S3' finished — 1,204 photos and videos, 3.1 GB",
    );
    expect(subject({ done: { items: 1, bytes: 5_000_000 }, doneByType: { photo: 0, video: 1, other: 0 } })).toBe(
      "Ferry: 'Family photos → S3' finished — 1 video, 5 MB",
    );
    expect(subject({ doneByType: { photo: 1200, video: 0, other: 4 } })).toBe(
      "Ferry: 'Family photos → S3' finished — 1,204 files, 3.1 GB",
    );
    expect(subject({ done: { items: 0, bytes: 0 }, doneByType: { photo: 0, video: 0, other: 0 } })).toBe(
      "Ferry: 'Family photos → S3' finished — nothing new to copy",
    );
    expect(subject({ status: 'partial', failed: { items: 3 } })).toBe(
      "Ferry: 'Family photos → S3' finished with 3 failed — 1,204 photos, 3.1 GB",
    );
    expect(
      subject({
        status: 'failed',
        done: { items: 0, bytes: 0 },
        error: 'Listing the source failed: the folder does not exist',
      }),
    ).toBe("Ferry: 'Family photos → S3' failed — Listing the source failed: the folder does not exist");
    expect(subject({ status: 'quota_exceeded', pending: 40 })).toBe(
      "Ferry: 'Family photos → S3' paused — monthly traffic quota used up (1,204 photos, 3.1 GB copied)",
    );
    expect(subject({}, 'de')).toBe('Ferry: „Family photos → S3“ fertig — 1.204 Fotos, 3,1 GB');
    // French groups digits with a narrow no-break space
    expect(subject({}, 'fr')).toBe('Ferry : « Family photos → S3 » terminée — 1\u202f204 photos, 3,1 GB');
    // unknown languages fall back to English
    expect(subject({}, 'xx')).toBe("Ferry: 'Family photos → S3' finished — 1,204 photos, 3.1 GB");
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
    // no header injection through the subject
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.text).toMatch(/Copied: +1,204 photos, 3\.1 GB/);
    expect(m.text).toMatch(/Skipped \(already there\): +17, 52 MB/);
    expect(m.text).toMatch(/Duration: +12 min 30 s/);
    expect(m.text).toMatch(/Average speed: +4\.2 MB\/s/);
    expect(m.text).toMatch(/First failures:\n {2}- a\/<b>\.jpg: The S3 service answered 503 SlowDown/);
    expect(m.text).toContain(`${url}/runs/${base.runId}`);
    // escaped
    expect(!m.html.includes('<script>') && m.html.includes('&#60;script&#62;')).toBeTruthy();
    expect(m.html).toContain('<code>a/&#60;b&#62;.jpg</code>');
  });
});

describe('what users and clouds named, in plain-text bodies', () => {
  /** Every line of the body that starts like a mail header a forger would want. */
  const headerLines = (text: string) =>
    text
      .split(/\r\n|\r|\n|\u2028|\u2029|\u0085/)
      .filter((l) => /^(bcc|cc|to|from|subject|content-type):/i.test(l.trim()));

  test('a stored task name with line breaks renders on one line, as do failed paths and errors', () => {
    const m = runEndedMessage(
      {
        ...base,
        taskName: 'x\nBcc: victim@example.com',
        status: 'partial',
        failed: { items: 1 },
        failures: [{ path: 'a\r\nTo: victim@example.com\u2028b.jpg', error: 'denied\nCc: victim@example.com' }],
        error: 'Listing failed\u0085From: evil@example.com',
      },
      'en',
      url,
    );
    expect(headerLines(m.text)).toEqual([]);
    expect(m.text).toMatch(/^Task: +x Bcc: victim@example\.com$/m);
    expect(m.text).toMatch(/^ {2}- a To: victim@example\.com b\.jpg: denied Cc: victim@example\.com$/m);
    // no control characters but the line ends Ferry writes
    expect(m.text).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/);
  });

  test('control characters in cloud names and reasons are flattened in every mail', () => {
    const r = reauthMessage(
      { cloudId: base.runId, cloudName: 'NAS\u001b[31m\nBcc: v@example.com', reason: 'revoked\r\nTo: v@example.com' },
      'en',
      url,
    );
    expect(headerLines(r.text)).toEqual([]);
    expect(r.text + r.subject).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    // A connector's words carry the names it was given: the mail flattens every line of them.
    const notice = exportLate('k', new Date('2026-05-01T10:15:00.000Z'), {
      cloud: 'Photos\nBcc: v@example.com',
      delivery: 'Drive\nTo: v@example.com',
    });
    const n = cloudNoticeMessage({ cloudId: base.runId, notice }, 'en', url);
    expect(headerLines(n.text)).toEqual([]);
  });
});

describe('cloud notices', () => {
  test('a notice is laid out from its words in the owner’s language, with a link to the cloud', () => {
    const cloudId = '0f0e1d2c-3b4a-4596-8877-665544332211';
    const said = (lang: string) => ({
      subject: `${lang}: check the cloud`,
      body: [`${lang} first`, [`${lang} one`, `${lang} two`], `${lang} last`],
    });
    const notice = { key: 'any', mail: { en: said('en'), de: said('de'), fr: said('fr') } };
    const m = cloudNoticeMessage({ cloudId, notice }, 'de', url);
    expect(m.subject).toBe('de: check the cloud');
    expect(m.text).toBe(
      [
        'de first',
        '  - de one',
        '  - de two',
        '',
        'de last',
        '',
        `Cloud in Ferry öffnen: ${url}/clouds/${cloudId}`,
        '',
        '-- ',
        wordsFor('de').t.footer,
        '',
      ].join('\n'),
    );
    expect(m.html).toContain('<p>de first</p><ul><li>de one</li><li>de two</li></ul><p>de last</p>');
    // no action button when the connector gives none
    expect(m.html).not.toContain('background:#0969da');
    // A language Ferry does not speak: English.
    expect(cloudNoticeMessage({ cloudId, notice }, 'es', url).subject).toBe('en: check the cloud');
  });
});

// The Takeout source words its notices (connectors/google-takeout/messages.ts); the mail module lays
// them out as every cloud notice.
describe('Takeout lifecycle mails', () => {
  const setupUrl = 'https://takeout.google.com/takeout/custom/photos';
  const cloudId = '5f1c2b7e-8a51-4c1f-9f0e-3a7d2c9b1e44';
  const names = { cloud: 'Google Photos <Takeout>', delivery: 'My "Drive"' as string | null };
  const lateOf = (n = names): CloudNoticeMail => ({
    cloudId,
    notice: exportLate('late:20260301T101500Z', new Date('2026-05-01T10:15:00.000Z'), n),
  });
  const endingOf = (n = names): CloudNoticeMail => ({
    cloudId,
    notice: scheduleEnding('ends:2027-01-04', new Date('2027-01-04T10:15:00.000Z'), n),
  });
  const late = lateOf();
  const ending = endingOf();

  test('each language renders both mails, with a one-line subject, the date, the setup link and the cloud link', () => {
    const cases = [
      ['en', 'May 1, 2026', 'January 4, 2027'],
      ['de', '1. Mai 2026', '4. Januar 2027'],
      ['fr', '1 mai 2026', '4 janvier 2027'],
    ] as const;
    for (const [locale, lateDate, endDate] of cases) {
      for (const [n, date] of [
        [late, lateDate],
        [ending, endDate],
      ] as const) {
        const m = cloudNoticeMessage(n, locale, url);
        const what = `${locale} ${n.notice.key}`;
        labelled(what, () => {
          expect(m.subject.length > 10 && !/[\r\n]/.test(m.subject)).toBeTruthy();
          expect(m.subject).toContain('Google Photos <Takeout>');
          expect(m.text).toContain(date);
          expect(m.text.includes(setupUrl) && m.text.includes(`${url}/clouds/${cloudId}`)).toBeTruthy();
          expect(
            m.html.includes(`href="${setupUrl}"`) && m.html.includes(`href="${url}/clouds/${cloudId}"`),
          ).toBeTruthy();
          expect(m.html).toContain(`<html lang="${locale}">`);
          expect(!m.html.includes('<Takeout>') && m.html.includes('My &#34;Drive&#34;')).toBeTruthy();
          if (n === late) expect(m.html).toContain('&#60;Takeout&#62;');
        });
      }
    }
  });

  test('the late mail says what to check; the ending mail how to set up the next schedule', () => {
    const m = cloudNoticeMessage(late, 'en', url);
    expect(m.subject).toBe("Ferry: the Google Takeout export for 'Google Photos <Takeout>' is late");
    expect(m.text).toMatch(
      /^The Google Takeout export expected around May 1, 2026 has not arrived in 'Google Photos <Takeout>'\./,
    );
    expect(m.text).toMatch(/\n {2}- that your scheduled export is still active at takeout\.google\.com/);
    expect(m.text).toMatch(/\n {2}- that 'My "Drive"' has room for the export/);
    expect(m.text).toMatch(/\n {2}- that the archives go to the folder 'Google Photos <Takeout>' reads\./);
    expect((m.html.match(/<li>/g) ?? []).length).toBe(3);

    const e = cloudNoticeMessage(ending, 'en', url);
    expect(e.subject).toBe("Ferry: your Google Takeout schedule for 'Google Photos <Takeout>' ends on January 4, 2027");
    const advice =
      'Your Google Takeout schedule ends on January 4, 2027: set up a new one (Google Photos only, ' +
      `every 2 months, .zip, 50 GB, delivered to 'My "Drive"') so your backups keep coming.`;
    expect(e.text.startsWith(advice)).toBeTruthy();
    expect(e.text).toContain(`Set up the export in Google Takeout: ${setupUrl}`);
    // Without the delivery cloud's name, the mail says which cloud reads the exports.
    expect(cloudNoticeMessage(endingOf({ ...names, delivery: null }), 'en', url).text).toMatch(
      /delivered to the cloud 'Google Photos <Takeout>' reads\)/,
    );
    expect(cloudNoticeMessage(endingOf({ ...names, delivery: null }), 'de', url).text).toMatch(
      /Lieferung an die Cloud, die „Google Photos <Takeout>“ liest\)/,
    );
  });

  test('a cloud name with line breaks stays out of the headers', () => {
    const m = cloudNoticeMessage(lateOf({ ...names, cloud: 'Photos\r\nBcc: evil@example.com' }), 'fr', url);
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.subject).toBe("Ferry : l'export Google Takeout pour « Photos Bcc: evil@example.com » est en retard");
  });
});

describe('languages', () => {
  test('Accept-Language picks the best language Ferry speaks', () => {
    expect(localeFrom('de-CH,de;q=0.9,en;q=0.8')).toBe('de');
    expect(localeFrom('es-ES,fr;q=0.5,en;q=0.4')).toBe('fr');
    expect(localeFrom('en;q=0.2,de;q=0.9')).toBe('de');
    expect(localeFrom('es')).toBe(undefined);
    expect(localeFrom('de;q=0')).toBe(undefined);
    expect(localeFrom(undefined)).toBe(undefined);
  });

  test('numbers and sizes as the language writes them', () => {
    expect(wordsFor('en').bytes(999)).toBe('999 B');
    expect(wordsFor('en').bytes(1_000)).toBe('1 kB');
    expect(wordsFor('de').bytes(3_140_000_000)).toBe('3,1 GB');
    expect(wordsFor('en').counted(1, 'photo')).toBe('1 photo');
    expect(wordsFor('fr').counted(0, 'photo')).toBe('0 photo');
    expect(wordsFor('de').counted(2, 'file')).toBe('2 Dateien');
    expect(wordsFor('en').duration(3725)).toBe('1 h 2 min');
  });
});
