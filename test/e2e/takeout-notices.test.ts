// The lifecycle mails of a Takeout source, through the notify sweep and a real SMTP server: an
// export more than 70 days late, and a yearly schedule that runs out within a month. Each is
// mailed once, to the owner, in the owner's language; a cloud that cannot be checked stops no other.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { QUEUES } from '../../services/core/queues.ts';
import { signup, startTestApp, type Actor, type TestApp } from '../support/app.ts';
import { localFolder } from '../support/local-space.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';

const PUBLIC_URL = 'https://ferry.example.org';
const SETUP_URL = 'https://takeout.google.com/takeout/custom/photos';
const DAY = 86_400_000;
let t: TestApp & { url: string };
let smtp: TestSmtp;
let root: string;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-takeout-notices-')));
  smtp = await startSmtp();
  t = await startTestApp(
    {
      FERRY_LOCAL_ROOTS: root,
      SMTP_URL: smtp.url,
      FERRY_PUBLIC_URL: PUBLIC_URL,
      FERRY_MAIL_FROM: 'Ferry <ferry@example.org>',
    },
    { worker: true },
  );
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
  await fs.rm(root, { recursive: true, force: true });
});

/** The cloud the exports are delivered to: a local folder, connected through the API. */
async function deliveryCloud(a: Actor, name: string): Promise<string> {
  const folder = name.replace(/\W+/g, '-');
  await localFolder(root, a, folder);
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/clouds',
    payload: { kind: 'local', name, options: { root: folder } },
    headers: a.bearer,
  });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

/** Google's export timestamp for a date: 20260501T101500Z. */
const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/**
 * A Takeout source reading `wrapped`, with the export sets it has
 * seen (dates, oldest first) as its state; or a raw `sets` value.
 */
async function takeoutCloud(a: Actor, name: string, wrapped: string, sets: Date[] | { raw: unknown }): Promise<string> {
  const {
    rows: [cloud],
  } = await t.db.query(
    `INSERT INTO clouds (user_id, kind, name, options) VALUES ($1, 'google-takeout', $2, $3) RETURNING id`,
    [a.id, name, JSON.stringify({ cloudId: wrapped, path: '', settleMinutes: 60, deleteArchives: false })],
  );
  // checkedAt: a run looked at the delivery folder just now (an export is called late only then).
  const value = Array.isArray(sets)
    ? { sets: sets.map((d) => ({ id: stamp(d), createdAt: d.toISOString() })), checkedAt: new Date().toISOString() }
    : sets.raw;
  await t.db.query(`INSERT INTO cloud_state (cloud_id, key, value) VALUES ($1, 'sets', $2)`, [
    cloud.id,
    JSON.stringify(value),
  ]);
  return cloud.id;
}

/** Runs the notify sweep through its queue, as the cron does, and waits until it is done. */
async function sweep(): Promise<void> {
  const id = await t.boss.send(QUEUES.notifySweep, {});
  expect(id).toBeTruthy();
  let state: string | undefined;
  await waitUntil(async () => {
    state = (await t.boss.getJobById(QUEUES.notifySweep, id!))?.state;
    return state === 'completed' || state === 'failed';
  });
  // the sweep does not fail
  expect(state).toBe('completed');
}

/** Every queued mail has been through the SMTP server (sent or given up). */
async function outboxDrained(): Promise<void> {
  await waitUntil(
    async () =>
      (await t.db.query('SELECT 1 FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL')).rows.length === 0,
  );
}

const noticesOf = (cloudId: string) =>
  t.db
    .query(`SELECT kind, recipient, subject, sent_at FROM mail_outbox WHERE dedupe_key LIKE $1 ORDER BY created_at`, [
      `notice:${cloudId}:%`,
    ])
    .then((r) => r.rows);
const longDate = (d: Date, lang: string) =>
  new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' }).format(d);

describe('Takeout lifecycle mails', () => {
  test('an export 80 days late: one mail to the owner with what to check, and no second one', async () => {
    const a = await signup(t);
    const drive = await deliveryCloud(a, 'My Drive');
    const now = Date.now();
    const lastExport = new Date(now - 80 * DAY);
    const late = await takeoutCloud(a, 'Google Photos (Takeout)', drive, [new Date(now - 141 * DAY), lastExport]);
    // Beside it: one on time, one whose state cannot be read (that
    // cloud is logged and skipped), one that has seen no export yet.
    const onTime = await takeoutCloud(a, 'On time', drive, [new Date(now - 10 * DAY)]);
    const broken = await takeoutCloud(a, 'Broken state', drive, { raw: { sets: 'not a list' } });
    const fresh = await takeoutCloud(a, 'Fresh', drive, []);
    // Late too, but no run has looked at its folder for ten days: Ferry cannot tell, so it says nothing.
    const unwatched = await takeoutCloud(a, 'Unwatched', drive, {
      raw: {
        sets: [{ id: stamp(lastExport), createdAt: lastExport.toISOString() }],
        checkedAt: new Date(now - 10 * DAY).toISOString(),
      },
    });
    const mine = () => smtp.received.filter((m) => m.to === a.email);

    await sweep();
    await waitUntil(() => mine().length >= 1);
    await outboxDrained();
    expect(mine().length).toBe(1);
    const [m] = mine();
    expect(m.subject).toBe("Ferry: the Google Takeout export for 'Google Photos (Takeout)' is late");
    const expected = longDate(new Date(lastExport.getTime() + 61 * DAY), 'en');
    expect(
      m.text.startsWith(
        `The Google Takeout export expected around ${expected} has not arrived in 'Google Photos (Takeout)'.`,
      ),
    ).toBeTruthy();
    expect(m.text).toMatch(/takeout\.google\.com/);
    // the delivery cloud is named
    expect(m.text).toMatch(/that 'My Drive' has room for the export/);
    expect(m.text).toMatch(/the folder 'Google Photos \(Takeout\)' reads/);
    expect(m.text.includes(SETUP_URL) && m.text.includes(`${PUBLIC_URL}/clouds/${late}`)).toBeTruthy();
    expect(
      m.html.includes(`href="${SETUP_URL}"`) && m.html.includes(`href="${PUBLIC_URL}/clouds/${late}"`),
    ).toBeTruthy();

    const rows = await noticesOf(late);
    expect(rows.map((r) => [r.kind, r.recipient, r.subject, Boolean(r.sent_at)])).toEqual([
      ['cloud_notice', a.email, m.subject, true],
    ]);
    for (const quiet of [onTime, broken, fresh, unwatched]) expect(await noticesOf(quiet)).toEqual([]);

    // The export is still late at the next sweeps: nothing more is queued or sent.
    await sweep();
    await sweep();
    await outboxDrained();
    await new Promise((r) => setTimeout(r, 500));
    expect(mine().length).toBe(1);
    expect((await noticesOf(late)).length).toBe(1);

    // The next export arrives, and then it too is late: that is a new cause, mailed once.
    const next = new Date(now - 75 * DAY);
    await t.db.query(`UPDATE cloud_state SET value = $2 WHERE cloud_id = $1 AND key = 'sets'`, [
      late,
      JSON.stringify({
        sets: [new Date(now - 141 * DAY), lastExport, next].map((d) => ({ id: stamp(d), createdAt: d.toISOString() })),
        checkedAt: new Date().toISOString(),
      }),
    ]);
    await sweep();
    await waitUntil(() => mine().length >= 2);
    await sweep();
    await outboxDrained();
    expect(mine().length).toBe(2);
    expect(mine()[1].text).toContain(longDate(new Date(next.getTime() + 61 * DAY), 'en'));
  });

  test('a schedule that ends in 20 days: one mail in the owner’s language, with how to set up the next', async () => {
    const b = await signup(t);
    await t.db.query(`UPDATE users SET locale = 'de' WHERE id = $1`, [b.id]);
    const dropbox = await deliveryCloud(b, 'Dropbox Familie');
    const now = Date.now();
    // Five of the six exports have come, every 61 days; the sixth, the last, is due in 20 days.
    const first = now - 285 * DAY;
    const sets = [0, 1, 2, 3, 4].map((k) => new Date(first + k * 61 * DAY));
    const ending = await takeoutCloud(b, 'Fotos', dropbox, sets);
    const mine = () => smtp.received.filter((m) => m.to === b.email);

    await sweep();
    await waitUntil(() => mine().length >= 1);
    await sweep();
    await outboxDrained();
    await new Promise((r) => setTimeout(r, 500));
    expect(mine().length).toBe(1);
    const [m] = mine();
    const ends = longDate(new Date(first + 305 * DAY), 'de');
    expect(m.subject).toBe(`Ferry: Ihr Google-Takeout-Zeitplan für „Fotos“ endet am ${ends}`);
    expect(
      m.text.startsWith(
        `Ihr Google-Takeout-Zeitplan endet am ${ends}: Richten Sie einen neuen ein ` +
          `(nur Google Fotos, alle 2 Monate, .zip, 50 GB, Lieferung an „Dropbox Familie“)`,
      ),
    ).toBeTruthy();
    expect(m.text.includes(SETUP_URL) && m.text.includes(`${PUBLIC_URL}/clouds/${ending}`)).toBeTruthy();
    expect(m.html.includes('<html lang="de">') && m.html.includes(`href="${SETUP_URL}"`)).toBeTruthy();
    expect((await noticesOf(ending)).map((r) => [r.kind, r.recipient])).toEqual([['cloud_notice', b.email]]);
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
