// Google Photos as a guided path, in Chromium against the Google emulator: the guide (/photos)
// explains both ways; Google Photos is connected through the emulator's consent page, photos are
// picked on the emulator's picking page in a new tab, the app notices the selection without a
// reload and backs the picked photos up to a server folder (every byte compared with what Google
// served); a Takeout reader set up on the guide over a server folder shows an export waiting for
// its missing part, after "Back up now" the complete one backed up (checked against the export's
// truth), and a damaged part refused with the reason and what to do. An expired picking session
// offers to start again. One Ferry and one browser for the file; each test signs up its own user.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { APIRequestContext, Browser, Page } from 'playwright-core';
import { makeJpeg } from '../fakes/google/media.ts';
import { materialize } from '../support/archives.ts';
import { localFolder } from '../support/local-space.ts';
import { checkBackup, localFiles, sha256 } from '../support/takeout-check.ts';
import { takeoutFixture, writeExport } from '../support/takeout-export.ts';
import {
  axeScan,
  DESKTOP,
  newContext,
  PHONE,
  screenshot,
  signUp,
  startFerryAndBrowser,
  type WebFerry,
} from '../support/web.ts';

let ferry: WebFerry;
let browser: Browser;
beforeAll(async () => {
  [ferry, browser] = await startFerryAndBrowser();
});
afterAll(async () => {
  await browser?.close();
  await ferry?.stop();
});

/** The signed-in user (GET /me through the page's session) and the token its changes need. */
async function whoAmI(page: Page): Promise<{ id: string; csrf: string }> {
  const me = await (await page.request.get(`${ferry.url}/api/v1/me`)).json();
  return { id: me.id, csrf: me.csrfToken };
}

/** A JSON call of the API in the page's session; fails the test on an error answer. */
async function call<T = any>(
  request: APIRequestContext,
  csrf: string,
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  data?: unknown,
): Promise<T> {
  const res = await request.fetch(`${ferry.url}/api/v1${url}`, {
    method,
    data,
    headers: method === 'GET' ? {} : { 'x-csrf-token': csrf },
  });
  expect(res.ok()).toBeTruthy();
  return (await res.json()) as T;
}

/** Waits until `check` passes (it throws until then), as the user would wait for a result. */
async function eventually<T>(what: string, check: () => Promise<T>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Screenshots at the phone size too (restoring the desktop), with no sideways scrolling there. */
async function bothSizes(page: Page, name: string) {
  await screenshot(page, `${name}-desktop`);
  await page.setViewportSize(PHONE);
  const wide = await page.evaluate(() => {
    const root = (globalThis as any).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
  expect(wide).toBeLessThanOrEqual(0);
  await screenshot(page, `${name}-phone`);
  await page.setViewportSize(DESKTOP);
}

async function noSeriousViolations(page: Page, where: string) {
  expect({ where, violations: await axeScan(page) }).toEqual({ where, violations: [] });
}

// The two ways are independent (each test its own user): they run side by side.
describe('Google Photos', () => {
  test.concurrent(
    'pick photos in Google Photos in a new tab; ' +
      'the app notices the selection and backs them up to a server folder',
    async () => {
      const context = await newContext(browser);
      const page = await context.newPage();
      await signUp(page, ferry);
      const me = await whoAmI(page);
      const dest = await localFolder(ferry.localRoot, me, 'Backup');
      await call(page.request, me.csrf, 'POST', '/clouds', {
        kind: 'local',
        name: 'Home server',
        options: { root: 'Backup' },
      });
      const library = [
        {
          filename: 'Beach day.jpg',
          id: await ferry.google.photos.addMedia({
            filename: 'Beach day.jpg',
            bytes: makeJpeg(901, 6000),
            createTime: '2026-08-14T10:00:00Z',
          }),
        },
        {
          filename: 'Grandma.jpg',
          id: await ferry.google.photos.addMedia({
            filename: 'Grandma.jpg',
            bytes: makeJpeg(902, 7000),
            createTime: '2026-09-01T16:30:00Z',
          }),
        },
        {
          filename: 'Not this one.jpg',
          id: await ferry.google.photos.addMedia({ filename: 'Not this one.jpg', bytes: makeJpeg(903, 5000) }),
        },
      ];

      // The guide explains both ways, and never claims the library is read directly.
      await page.getByRole('link', { name: 'Dashboard' }).waitFor();
      await page.goto(`${ferry.url}/photos`);
      await page.getByRole('heading', { level: 1, name: 'Back up Google Photos' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'Your whole library, automatically' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'A few photos now, by picking them' }).waitFor();
      expect(
        await page
          .getByRole('link', { name: /Open Google Takeout/ })
          .first()
          .getAttribute('href'),
      ).toBe('https://takeout.google.com/takeout/custom/photos');
      // A server folder can receive the exports, so the form is there.
      await page.getByLabel('Cloud that receives the exports').waitFor();
      await noSeriousViolations(page, '/photos');
      await bothSizes(page, 'photos-guide');

      // Connect Google Photos through the emulator's consent page; back on the new cloud's page.
      await page.getByRole('link', { name: 'Connect Google Photos' }).click();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(/\/clouds\/[0-9a-f-]{36}/);
      const cloudUrl = page.url();
      // Its kind in words; its backups start from picking, not from a task of its own.
      await page
        .getByRole('definition')
        .filter({ hasText: /^Google Photos$/ })
        .waitFor();
      // no "New task" on its page
      expect(await page.getByRole('button', { name: 'New task' }).count()).toBe(0);

      // Pick: Google's page opens in a new tab.
      const [tab] = await Promise.all([
        context.waitForEvent('page'),
        page.getByRole('button', { name: 'Pick photos' }).click(),
      ]);
      await tab.waitForURL(/\/picker\/[^/]+\/autoclose$/);
      await page.getByText('Waiting for you to finish picking in the Google Photos tab…').waitFor();
      await bothSizes(page, 'photos-picker-waiting');
      await tab.getByLabel(library[0].filename).check();
      await tab.getByLabel(library[1].filename).check();
      await tab.getByRole('button', { name: 'Done' }).click();
      await tab.getByText('2 items selected').waitFor();
      await tab.close();

      // The app notices without a reload (it polls at the interval Google asks for: 5 s).
      await page.getByText('2 items picked').waitFor({ timeout: 20_000 });
      // still on the cloud page
      expect(page.url().split('?')[0]).toBe(cloudUrl.split('?')[0]);
      await noSeriousViolations(page, 'picker done');
      await bothSizes(page, 'photos-picker-done');

      // Back them up to the server folder, into a folder of the user's choosing.
      await page.getByLabel('Back up to').selectOption({ label: 'Home server (folder on this server)' });
      // An existing folder can be looked up in the folder browser, opened on demand.
      await fs.mkdir(path.join(dest, 'Family'));
      await page.getByText('Choose a folder that is already there').click();
      await page.getByRole('group', { name: 'Folders in that cloud' }).getByText('Family').waitFor();
      await page.getByRole('textbox', { name: 'Folder' }).fill('Picked in Google Photos');
      await page.getByRole('button', { name: 'Back them up' }).click();
      await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
      const runId = page.url().split('/').pop()!;
      // The run's own page follows it to its end, live.
      await page.getByText('Succeeded', { exact: true }).waitFor({ timeout: 60_000 });
      await page.getByText('All done: 2 files copied.').waitFor();

      // The bytes at the destination are exactly what Google served for the two picked items.
      const files = await eventually('the picked photos arrive', async () => {
        const run = await call(page.request, me.csrf, 'GET', `/runs/${runId}`);
        expect(run.status).toBe('succeeded');
        return localFiles(path.join(dest, 'Picked in Google Photos'));
      });
      expect([...files.keys()].sort()).toEqual([library[0].filename, library[1].filename].sort());
      for (const item of library.slice(0, 2)) {
        expect(sha256(files.get(item.filename)!.bytes)).toBe(sha256(await ferry.google.photos.served(item.id)));
      }
      const tasks = await call(page.request, me.csrf, 'GET', '/tasks');
      expect(tasks.items.length).toBe(1);
      // the task reads the picker session
      expect(tasks.items[0].source.pickerSessionId).toBeTruthy();

      // A picking session that expires (Google's sessions last a week here) says so and offers to start again.
      await page.goto(cloudUrl);
      const [again] = await Promise.all([
        context.waitForEvent('page'),
        page.getByRole('button', { name: 'Pick photos' }).click(),
      ]);
      await page.getByText('Waiting for you to finish picking in the Google Photos tab…').waitFor();
      await again.close();
      ferry.google.photos.advanceClock(8 * 24 * 3_600_000);
      await page
        .getByText('This picking session has expired or was closed. Start again to pick.')
        .waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: 'Start again' }).waitFor();
      await context.close();
    },
  );

  test.concurrent(
    'Takeout: set up on the guide over a server folder; one export waits for its missing part, ' +
      'the complete one is backed up, a damaged part is refused with what to do',
    async () => {
      const context = await newContext(browser);
      const page = await context.newPage();
      await signUp(page, ferry);
      const me = await whoAmI(page);

      // Google delivered export 0 whole (three parts) and only part 002 of export 1.
      const fixture = takeoutFixture();
      const delivery = await localFolder(ferry.localRoot, me, 'Server', 'Takeout');
      await writeExport(fixture, 0, delivery);
      const late = fixture.exports[1];
      const part2 = path.join(delivery, late.parts[1].name);
      await fs.writeFile(part2, materialize(late.parts[1].file));
      await fs.utimes(part2, late.createdAt, late.createdAt);
      // And a part that is no archive at all (a download cut short): refused, with what to do.
      const broken = path.join(delivery, 'takeout-20261001T090000Z-001.zip');
      await fs.writeFile(broken, Buffer.alloc(4096, 7));
      await fs.utimes(broken, new Date('2026-10-01T09:00:00Z'), new Date('2026-10-01T09:00:00Z'));
      const backupDir = await localFolder(ferry.localRoot, me, 'Backup');
      await call(page.request, me.csrf, 'POST', '/clouds', {
        kind: 'local',
        name: 'Server',
        options: { root: 'Server' },
      });
      const backup = await call(page.request, me.csrf, 'POST', '/clouds', {
        kind: 'local',
        name: 'Backup disk',
        options: { root: 'Backup' },
      });

      // Set up the Takeout reader on the guide: the receiving cloud and its folder.
      await page.goto(`${ferry.url}/photos`);
      await page
        .getByLabel('Cloud that receives the exports')
        .selectOption({ label: 'Server (folder on this server)' });
      expect(await page.getByRole('textbox', { name: 'Folder' }).inputValue()).toBe('Takeout');
      await page.getByRole('button', { name: 'Watch this folder' }).click();
      await page.waitForURL(/\/clouds\/[0-9a-f-]{36}/);
      const takeoutId = new URL(page.url()).pathname.split('/').pop()!;

      // The export sets as the API reports them, in words.
      await page.getByRole('heading', { level: 2, name: 'Exports from Google Takeout' }).waitFor();
      // Its kind, and the cloud it reads, in words; its backups start from its own part, not "New task".
      await page
        .getByRole('definition')
        .filter({ hasText: /^Google Photos \(Takeout exports\)$/ })
        .waitFor();
      await page
        .getByRole('definition')
        .filter({ hasText: /^Server$/ })
        .waitFor();
      await page.getByRole('link', { name: 'Server (folder on this server)' }).waitFor();
      // no "New task" on its page
      expect(await page.getByRole('button', { name: 'New task' }).count()).toBe(0);
      const waiting = page
        .getByRole('listitem')
        .filter({ has: page.getByRole('heading', { name: /^Export of 1 Jul 2026/ }) });
      const complete = page
        .getByRole('listitem')
        .filter({ has: page.getByRole('heading', { name: /^Export of 1 May 2026/ }) });
      await waiting.getByText('Waiting for parts').waitFor();
      await waiting.getByText('Part 001 has not arrived yet.').waitFor();
      await complete.getByText('Complete: the next backup takes it up').waitFor();
      // a header and the three parts
      expect(await complete.getByRole('row').count()).toBe(1 + 3);
      expect(await page.getByRole('link', { name: 'Create a backup task' }).getAttribute('href')).toBe(
        `/tasks/new?source=${takeoutId}`,
      );
      await page.getByText('Set up the export at Google (once a year)').waitFor();
      await noSeriousViolations(page, 'takeout cloud page');
      await bothSizes(page, 'photos-takeout-waiting');

      // A task from it (through the API), then "Back up now" on the page.
      await call(page.request, me.csrf, 'POST', '/tasks', {
        name: 'Google Photos to the backup disk',
        source: { cloudId: takeoutId },
        destination: { cloudId: backup.id, path: 'Photos' },
      });
      await page.reload();
      await page.getByRole('button', { name: 'Back up now' }).click();
      // A small export's run may end before its "started" notice is seen (a loaded machine): either will do.
      await page
        .getByText(/Backup started\.|The backup ended\./)
        .first()
        .waitFor({ timeout: 30_000 });
      await page.getByText('The backup ended.', { exact: false }).waitFor({ timeout: 90_000 });
      await complete.getByText('Backed up', { exact: true }).first().waitFor();
      await waiting.getByText('Waiting for parts').waitFor();
      // each part of the complete export is backed up
      expect(await complete.getByRole('cell', { name: 'Backed up', exact: true }).count()).toBe(3);
      const refused = page
        .getByRole('listitem')
        .filter({ has: page.getByRole('heading', { name: /^Export of 1 Oct 2026/ }) });
      await refused.getByText('One part cannot be read: see below what to do.').waitFor();
      const status = await call(page.request, me.csrf, 'GET', `/clouds/${takeoutId}/takeout`);
      const reason = status.sets.find((x: { id: string }) => x.id === '20261001T090000Z').parts[0].error;
      expect(reason).toBeTruthy();
      await refused.getByText(reason, { exact: true }).waitFor();
      await refused
        .getByText(
          'Once a good copy replaces this file ' +
            '(download the part again from Google Takeout), the next backup takes it up.',
          { exact: false },
        )
        .waitFor();

      // What arrived is export 0, each photo once, as the export's truth says.
      checkBackup(await localFiles(path.join(backupDir, 'Photos')), fixture, 0, 'after Back up now');
      await noSeriousViolations(page, 'takeout cloud page after the backup');
      await bothSizes(page, 'photos-takeout-ingested');

      // In German, the kind and the cloud the exports arrive in are named in German.
      await call(page.request, me.csrf, 'PATCH', '/me', { locale: 'de' });
      await page.reload();
      await page
        .getByRole('definition')
        .filter({ hasText: /^Google Fotos \(Takeout-Exporte\)$/ })
        .waitFor();
      await page.getByRole('link', { name: 'Server (Ordner auf diesem Server)' }).waitFor();
      await context.close();
    },
  );
});
