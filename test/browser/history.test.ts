// A task's backup history in Chromium: a folder on this server backed up twice (one photo changed
// between the runs, through the folder itself), the history listing both points in time, the newer
// one showing the changed photo's older version, the first one browsed folder by folder and one of
// its folders restored into a new folder: the restore's run page ends "Succeeded", and the bytes on
// disk are the first run's. Verify backup starts a verification that ends on its own run page; the
// wizard keeps versions and schedules verification; an encrypted folder is added once its warning
// is acknowledged.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
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

/** The signed-in user's API, as the app calls it (session cookie and CSRF token). */
async function apiOf(page: Page) {
  const me = await (await page.request.get(`${ferry.url}/api/v1/me`)).json();
  const call = async (method: 'GET' | 'POST', url: string, data?: unknown): Promise<any> => {
    const res = await page.request.fetch(`${ferry.url}/api/v1${url}`, {
      method,
      data,
      headers: method === 'GET' ? {} : { 'x-csrf-token': me.csrfToken },
    });
    if (!res.ok()) throw new Error(`${method} ${url}: ${res.status()} ${await res.text()}`);
    return res.json();
  };
  return { call, space: path.join(ferry.localRoot, me.id as string) };
}

/** Files of a folder and its subfolders, by their path in it. */
async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) {
      const full = path.join(e.parentPath, e.name);
      out.set(path.relative(dir, full).split(path.sep).join('/'), await fs.readFile(full));
    }
  return out;
}

test('the history lists each backup, shows a changed file’s version, and restores a folder as it was', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signUp(page, ferry);
  const a = await apiOf(page);

  // The source: two photos in Albums/Summer and a note at the top.
  const source = path.join(a.space, 'Phone');
  const summer = path.join(source, 'Albums', 'Summer');
  await fs.mkdir(summer, { recursive: true });
  const first = { beach: Buffer.alloc(3000, 'first beach '), dunes: Buffer.alloc(2000, 'dunes ') };
  await fs.writeFile(path.join(summer, 'beach.jpg'), first.beach);
  await fs.writeFile(path.join(summer, 'dunes.jpg'), first.dunes);
  await fs.writeFile(path.join(source, 'notes.txt'), 'shopping list');
  await fs.mkdir(path.join(a.space, 'Backup'), { recursive: true });
  const phone = await a.call('POST', '/clouds', { kind: 'local', name: 'Phone', options: { root: 'Phone' } });
  const disk = await a.call('POST', '/clouds', { kind: 'local', name: 'Backup disk', options: { root: 'Backup' } });
  const task = await a.call('POST', '/tasks', {
    name: 'Phone backup',
    source: { cloudId: phone.id },
    destination: { cloudId: disk.id, path: 'Phone' },
    options: { versions: { keep: 5 } },
  });

  // The first backup, with Run now on the task page, watched to its end.
  await page.goto(`${ferry.url}/tasks/${task.id}`);
  await page.getByRole('heading', { level: 2, name: 'Backup history' }).waitFor();
  await page.getByText('No backup yet').waitFor();
  await page.getByRole('button', { name: 'Run now' }).click();
  await page.getByRole('heading', { level: 1, name: 'Run of Phone backup' }).waitFor();
  await page.getByText('Succeeded', { exact: true }).waitFor({ timeout: 30_000 });

  // The beach photo changes at the source (another size, a later time), then the second backup.
  const second = Buffer.alloc(4500, 'second beach ');
  await fs.writeFile(path.join(summer, 'beach.jpg'), second);
  const later = new Date(Date.now() + 60_000);
  await fs.utimes(path.join(summer, 'beach.jpg'), later, later);
  const { run } = await a.call('POST', `/tasks/${task.id}/runs`);
  for (const deadline = Date.now() + 30_000; ; ) {
    const r = await a.call('GET', `/runs/${run.id}`);
    if (r.status === 'succeeded') break;
    if (!['queued', 'running'].includes(r.status)) {
      const failed = await a.call('GET', `/runs/${run.id}/items?status=failed`);
      throw new Error(`the second backup ended ${r.status}: ${r.error} ${JSON.stringify(failed.items)}`);
    }
    expect(Date.now()).toBeLessThan(deadline);
    await new Promise((done) => setTimeout(done, 200));
  }

  // The history: two points in time, newest first, each with the whole backup's files.
  await page.goto(`${ferry.url}/tasks/${task.id}`);
  const history = page.getByRole('region', { name: 'Backup history' });
  const links = history.getByRole('link', { name: /^Backup of / });
  await links.nth(1).waitFor();
  expect(await links.count()).toBe(2);
  const rows = history.getByRole('row');
  expect(await rows.nth(1).getByRole('cell').nth(2).textContent()).toBe('3');
  expect(await rows.nth(2).getByRole('cell').nth(2).textContent()).toBe('3');
  await screenshot(page, 'history-task');

  // The newer backup: the changed photo has one older version, of the first run's size.
  await links.first().click();
  await page.getByRole('heading', { level: 1, name: /^Backup of / }).waitFor();
  await page.getByRole('link', { name: 'Open folder Albums' }).click();
  await page.getByRole('link', { name: 'Open folder Summer' }).click();
  const beachRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /^beach\.jpg/ }) });
  await beachRow.getByText('1 older version').click();
  const versions = page.getByRole('table', { name: 'Older versions of beach.jpg' });
  await versions.waitFor();
  expect(await versions.getByRole('row').count()).toBe(2);
  await versions.getByRole('cell', { name: '2.9 KB' }).waitFor();
  expect(await versions.getByRole('row').nth(1).getByRole('cell').nth(3).textContent()).toBe('Yes');
  await beachRow.getByRole('cell', { name: '4.4 KB' }).waitFor();
  expect(await axeScan(page)).toEqual([]);
  await screenshot(page, 'history-versions');

  // The first backup, browsed from its top: the photo as it was then, and no older version yet.
  await page.goto(`${ferry.url}/tasks/${task.id}`);
  await links.nth(1).click();
  await page.getByRole('heading', { level: 1, name: /^Backup of / }).waitFor();
  await page.getByRole('rowheader', { name: 'notes.txt' }).waitFor();
  await page.getByRole('link', { name: 'Open folder Albums' }).click();
  await page.getByRole('navigation', { name: 'Folder' }).getByText('Albums').waitFor();
  // Back to the top with the breadcrumbs, and down again.
  await page.getByRole('navigation', { name: 'Folder' }).getByRole('link', { name: 'Top' }).click();
  await page.getByRole('link', { name: 'Open folder Albums' }).click();
  await page.getByRole('link', { name: 'Open folder Summer' }).click();
  const oldBeach = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /^beach\.jpg/ }) });
  await oldBeach.getByRole('cell', { name: '2.9 KB' }).waitFor();
  expect(await oldBeach.getByText(/older version/).count()).toBe(0);

  // Restore the Summer folder of that time into a new folder of the phone's cloud.
  await page.getByRole('button', { name: 'Restore this folder' }).click();
  const panel = page.getByRole('region', { name: 'Restore' });
  await panel.getByText('Albums › Summer').waitFor();
  // Chosen by default once the clouds are loaded (a moment after the panel shows): waited for, not read at once.
  await panel.getByRole('radio', { name: /^Phone/, checked: true }).waitFor({ timeout: 10_000 });
  await panel
    .getByRole('radio', { name: /^Keep both: the restored one gets a new name/, checked: true })
    .waitFor({ timeout: 10_000 });
  await panel.getByLabel('New folder inside it (optional)').fill('Restored');
  await panel.getByText('The files go to: Phone, Restored').waitFor();
  expect(await axeScan(page)).toEqual([]);
  await screenshot(page, 'history-restore');
  // On a phone the page and its panel fit the width: nothing scrolls sideways.
  await page.setViewportSize(PHONE);
  const wide = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth);
  expect(wide).toBeLessThanOrEqual(PHONE.width);
  await page.setViewportSize(DESKTOP);
  await panel.getByRole('button', { name: 'Start restoring' }).click();

  // The restore's own run page, to its end.
  await page.getByRole('heading', { level: 1, name: 'Restore of Phone backup' }).waitFor();
  await page.getByText(/^Restore: The backup as it was on .*, into Phone, Restored$/).waitFor();
  await page.getByText('Succeeded', { exact: true }).waitFor({ timeout: 30_000 });
  await screenshot(page, 'history-restored');

  // On disk: the Summer folder as the first run copied it, and nothing else of the backup.
  const restored = await filesUnder(path.join(source, 'Restored'));
  const names = [...restored.keys()].sort();
  expect(names.map((n) => path.posix.basename(n))).toEqual(['beach.jpg', 'dunes.jpg']);
  for (const n of names) expect(n.endsWith(`Summer/${path.posix.basename(n)}`)).toBe(true);
  expect(restored.get(names[0])).toEqualBytes(first.beach);
  expect(restored.get(names[1])).toEqualBytes(first.dunes);
  // The source's own photo is untouched.
  expect(await fs.readFile(path.join(summer, 'beach.jpg'))).toEqualBytes(second);

  // Verify backup: a verification run, on its own page, ends having checked every copy.
  await page.goto(`${ferry.url}/tasks/${task.id}`);
  await page.getByRole('button', { name: 'Verify backup' }).click();
  await page.getByRole('heading', { level: 1, name: 'Verification of Phone backup' }).waitFor();
  await page.getByText('Succeeded', { exact: true }).waitFor({ timeout: 30_000 });
  await page.getByText(/^Verified: /).waitFor();

  // The task's options in the wizard: the versions it keeps, and a monthly verification set there.
  await page.goto(`${ferry.url}/tasks/${task.id}`);
  await page.getByRole('link', { name: 'Edit' }).click();
  const steps = page.getByRole('list', { name: 'Steps' });
  await steps.getByRole('button', { name: 'Options' }).click();
  await page.getByRole('checkbox', { name: 'Keep older versions of changed files', checked: true }).waitFor();
  expect(await page.getByLabel('Versions to keep of each file').inputValue()).toBe('5');
  await page.getByLabel('Remove versions older than (days)').fill('90');
  const verification = page.getByRole('group', { name: 'How often to verify' });
  await verification.getByRole('radio', { name: 'Only when I press Verify backup', checked: true }).waitFor();
  await verification.getByRole('radio', { name: 'Every month' }).check();
  await page.getByLabel('Day of the month').fill('15');
  await page.getByLabel('Time of day').fill('04:00');
  await page.getByLabel('Time zone').fill('Europe/Paris');
  await steps.getByRole('button', { name: 'Name and create' }).click();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.waitForURL(new RegExp(`/tasks/${task.id}$`));
  await page.getByText('Kept: the last 5 of each file, for 90 days').waitFor();
  await page.getByText('Every month on day 15 at 04:00 (Europe/Paris)').waitFor();
  // when the next verification is due, said as the next run is
  await page.getByText(/^Next: .*15/).waitFor();
  const saved = await a.call('GET', `/tasks/${task.id}`);
  expect(saved.options.versions).toEqual({ keep: 5, days: 90 });
  expect(saved.options.verifySchedule).toEqual({
    frequency: 'monthly',
    time: '04:00',
    timezone: 'Europe/Paris',
    monthday: 15,
  });

  // An encrypted folder in the backup disk: not created before the passwords match and the
  // warning that a lost password is a lost backup has been acknowledged.
  await page.goto(`${ferry.url}/clouds/new`);
  const crypt = page.getByRole('region', { name: 'Encrypted folder' });
  await crypt.getByRole('radio', { name: /^Backup disk/ }).check();
  await crypt.getByLabel('New folder inside it (optional)').fill('Vault');
  await crypt.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
  await crypt.getByLabel('Password again').fill('correct horse battery stapler');
  await crypt.getByLabel('Second password (salt), optional').fill('pepper');
  await crypt.getByText('If you lose this password, you lose the backup').waitFor();
  const acknowledged = crypt.getByRole('checkbox', { name: /^I have written the password down/ });
  await acknowledged.check();
  await crypt.getByRole('button', { name: 'Check and add encrypted folder' }).click();
  await crypt.getByText('The two passwords are not the same.').waitFor();
  await crypt.getByLabel('Password again').fill('correct horse battery staple');
  await acknowledged.uncheck();
  await crypt.getByRole('button', { name: 'Check and add encrypted folder' }).click();
  // The browser holds the form back until the warning is acknowledged.
  expect(await acknowledged.evaluate((e) => (e as any).validity.valueMissing as boolean)).toBe(true);
  expect(page.url()).toBe(`${ferry.url}/clouds/new`);
  await acknowledged.check();
  await crypt.getByRole('button', { name: 'Check and add encrypted folder' }).click();
  await page.waitForURL(/\/clouds\/[0-9a-f-]{36}\?added=1$/);
  await page.getByText('Encrypted files stored in').waitFor();
  await page.getByText(/^Kept sealed, never shown\./).waitFor();
  const clouds = await a.call('GET', '/clouds');
  const vault = clouds.items.find((c: { kind: string }) => c.kind === 'crypt');
  expect(vault.options).toMatchObject({ cloudId: disk.id, path: 'Vault', filenameEncryption: 'standard' });
  // the passwords are never sent back
  expect(JSON.stringify(vault)).not.toMatch(/correct horse|pepper/);
  await context.close();
}, 120_000);
