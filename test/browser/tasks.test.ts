// Tasks in Chromium: the wizard from a server folder into S3 with a folder browser on both sides, a
// weekly schedule, filters and a conflict policy, checked against what the API stored; the list in
// words; editing, pausing and resuming, deleting after a confirmation; the whole wizard by keyboard
// alone (and its run's files landing in S3); a step the API refuses shows its message beside it and
// creates nothing; Run now while a run is going links to it. Screenshots of the list, each step
// (desktop and phone) and the task page. (test/browser/a11y.test.ts scans these pages with axe.)
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { APIRequestContext, Browser, Locator, Page } from 'playwright-core';
import { newContext, PHONE, screenshot, signUp, startFerryAndBrowser, type WebFerry } from '../support/web.ts';
import { startUploadGate, type UploadGate } from './upload-gate.ts';

let ferry: WebFerry;
let browser: Browser;
let gate: UploadGate;

beforeAll(async () => {
  [ferry, browser] = await startFerryAndBrowser();
  gate = await startUploadGate(ferry.s3.endpoint);
});
afterAll(async () => {
  await gate?.stop();
  await browser?.close();
  await ferry?.stop();
});

/** The signed-in user's API, as the app calls it (session cookie and CSRF token). */
async function apiOf(page: Page) {
  const request: APIRequestContext = page.request;
  const me = await (await request.get(`${ferry.url}/api/v1/me`)).json();
  const call = async (method: 'GET' | 'POST', url: string, data?: unknown): Promise<any> => {
    const res = await request.fetch(`${ferry.url}/api/v1${url}`, {
      method,
      data,
      headers: method === 'GET' ? {} : { 'x-csrf-token': me.csrfToken },
    });
    expect(res.ok()).toBeTruthy();
    return res.json();
  };
  return { me, call };
}
type Api = Awaited<ReturnType<typeof apiOf>>;

/**
 * The user's two clouds: "Family photos", a server folder with Holidays (two photos, a thumbnail
 * folder, a note) and School; "Backup bucket", S3 under the user's own prefix with a Backups folder.
 */
async function twoClouds(a: Api): Promise<{ photos: string; bucket: string; prefix: string }> {
  const root = path.join(ferry.localRoot, a.me.id, 'photos');
  await fs.mkdir(path.join(root, 'Holidays', '.thumbnails'), { recursive: true });
  await fs.mkdir(path.join(root, 'School'), { recursive: true });
  await fs.writeFile(path.join(root, 'Holidays', 'beach.jpg'), Buffer.alloc(3000, 7));
  await fs.writeFile(path.join(root, 'Holidays', 'hike.jpg'), Buffer.alloc(2000, 9));
  await fs.writeFile(path.join(root, 'Holidays', 'notes.txt'), 'sunny');
  await fs.writeFile(path.join(root, 'Holidays', '.thumbnails', 'beach.jpg'), Buffer.alloc(100, 1));
  await fs.writeFile(path.join(root, 'School', 'play.jpg'), Buffer.alloc(1000, 3));
  const prefix = `u-${a.me.id}`;
  await ferry.s3
    .client()
    .send(
      new PutObjectCommand({ Bucket: ferry.s3.bucket, Key: `${prefix}/Backups/readme.txt`, Body: 'backups live here' }),
    );
  const photos = (
    await a.call('POST', '/clouds', { kind: 'local', name: 'Family photos', options: { root: 'photos' } })
  ).id;
  const bucket = (
    await a.call('POST', '/clouds', { kind: 's3', name: 'Backup bucket', options: ferry.s3.options({ prefix }) })
  ).id;
  return { photos, bucket, prefix };
}

async function signedIn(viewport?: { width: number; height: number }) {
  const context = await newContext(browser, { viewport });
  const page = await context.newPage();
  await signUp(page, ferry);
  return { context, page, a: await apiOf(page) };
}

const stepHeading = (page: Page, name: string) =>
  page.getByRole('heading', { level: 2, name: new RegExp(`Step \\d of 5: ${name}`) });
const next = (page: Page) => page.getByRole('button', { name: 'Next', exact: true });

async function noSidewaysScroll(page: Page, what: string) {
  const [scroll, client] = (await page.evaluate(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  )) as number[];
  expect({ what, sideways: scroll > client }).toEqual({ what, sideways: false });
}

test(
  'the wizard creates a weekly task chosen through both folder browsers; ' +
    'the list says it in words; edit, pause, resume, delete',
  async () => {
    const { context, page, a } = await signedIn();

    // Without clouds: the list says to add them first, with the way to do it.
    await page.goto(`${ferry.url}/tasks`);
    await page.getByRole('heading', { name: 'Add your clouds first' }).waitFor();
    expect(await page.getByRole('link', { name: 'Add cloud' }).getAttribute('href')).toBe('/clouds/new');
    const { photos, bucket } = await twoClouds(a);
    await page.reload();
    await page.getByRole('heading', { name: 'No tasks yet' }).waitFor();
    await page.getByText('A task copies a folder of one cloud into another, now or on a schedule.').waitFor();
    await screenshot(page, 'tasks-list-empty');

    await page.getByRole('button', { name: 'New task' }).click();
    await page.waitForURL(/\/tasks\/new$/);

    // 1: what to back up — the Holidays folder of Family photos, found by opening it.
    await stepHeading(page, 'What to back up').waitFor();
    await page.getByRole('radio', { name: /Family photos/ }).check();
    const source = page.getByRole('group', { name: 'Folder to back up' });
    await source.getByRole('button', { name: 'Open School' }).waitFor();
    await source.getByRole('button', { name: 'Open Holidays' }).click();
    await source.getByText('Showing Holidays').waitFor();
    await source.getByText('and 3 files').waitFor();
    await source.getByRole('button', { name: 'Open .thumbnails' }).waitFor();
    await source.getByRole('button', { name: 'Choose this folder' }).click();
    await source.getByText('This folder is chosen.').waitFor();
    expect(await source.getByText('Chosen folder:').textContent()).toBe('Chosen folder: Holidays');
    await screenshot(page, 'task-wizard-1-source-desktop');
    await next(page).click();

    // 2: where to — the bucket's Backups folder, and a new folder inside it.
    await stepHeading(page, 'Where to').waitFor();
    await page.getByRole('radio', { name: /Backup bucket/ }).check();
    const dest = page.getByRole('group', { name: 'Folder to copy into' });
    await dest.getByRole('button', { name: 'Open Backups' }).click();
    await dest.getByText('Showing Backups').waitFor();
    await dest.getByRole('button', { name: 'Choose this folder' }).click();
    await page.getByLabel('New folder inside it (optional)').fill('Family');
    await page.getByText('The copies go to: Backup bucket, Backups › Family').waitFor();
    await screenshot(page, 'task-wizard-2-destination-desktop');
    await next(page).click();

    // 3: when — weekly, Sunday 03:30 in Berlin. The time zone starts as the browser's own.
    await stepHeading(page, 'When').waitFor();
    await page.getByRole('radio', { name: 'Every week' }).check();
    const browserZone = (await page.evaluate('Intl.DateTimeFormat().resolvedOptions().timeZone')) as string;
    expect(await page.getByLabel('Time zone').inputValue()).toBe(browserZone);
    await page.getByLabel('Day of the week').selectOption({ label: 'Sunday' });
    await page.getByLabel('Time of day').fill('03:30');
    await page.getByLabel('Time zone').fill('Europe/Berlin');
    await screenshot(page, 'task-wizard-3-when-desktop');
    await next(page).click();

    // 4: options — photos and videos only, thumbnails left out, keep both on a clash.
    await stepHeading(page, 'Options').waitFor();
    await page.getByRole('radio', { name: 'Photos and videos only' }).check();
    await page.getByLabel('Leave out files matching (optional)').fill('**/.thumbnails/**');
    await page.getByRole('radio', { name: /Keep both/ }).check();
    await screenshot(page, 'task-wizard-4-options-desktop');
    await next(page).click();

    // 5: the name defaults to "<source> to <destination>"; the summary says it all.
    await stepHeading(page, 'Name and create').waitFor();
    expect(await page.getByLabel('Name of the task').inputValue()).toBe('Family photos to Backup bucket');
    await page.getByText('Every Sunday at 03:30 (Europe/Berlin)').waitFor();
    await page.getByText('Photos and videos, leaving out **/.thumbnails/**').waitFor();
    await screenshot(page, 'task-wizard-5-name-desktop');
    await page.getByRole('button', { name: 'Create task' }).click();

    await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
    const taskId = page.url().split('/').pop()!;
    await page.getByRole('heading', { level: 1, name: 'Family photos to Backup bucket' }).waitFor();
    await page.getByText('Family photos, Holidays').waitFor();
    await page.getByText('Backup bucket, Backups › Family').waitFor();
    await screenshot(page, 'task-page-desktop');

    // Exactly what was chosen.
    const { items } = await a.call('GET', '/tasks');
    expect(items.length).toBe(1);
    const task = items[0];
    expect(task.id).toBe(taskId);
    expect(task.name).toBe('Family photos to Backup bucket');
    expect(task.source).toEqual({ cloudId: photos, path: 'Holidays' });
    expect(task.destination).toEqual({ cloudId: bucket, path: 'Backups/Family' });
    expect(task.schedule).toEqual({ frequency: 'weekly', time: '03:30', timezone: 'Europe/Berlin', weekday: 0 });
    expect(task.filter).toEqual({ mediaTypes: ['photo', 'video'], exclude: ['**/.thumbnails/**'] });
    expect(task.options).toEqual({ conflict: 'rename', verify: true });
    expect(task.notify).toEqual({ on: 'failure' });
    expect(task.paused).toBe(false);
    const berlin = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      weekday: 'long',
      hour: '2-digit',
      minute: '2-digit',
    }).format(new Date(task.nextRunAt));
    expect(berlin).toBe('Sunday 03:30');

    // The list: the schedule in words and the next run as the browser's clock says it.
    await page.getByRole('link', { name: 'Tasks' }).click();
    const card = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('link', { name: 'Family photos to Backup bucket' }) });
    await card.getByText('Every Sunday at 03:30 (Europe/Berlin)').waitFor();
    // The next run on the schedule's own clock, naming its zone (the browser's is not Berlin here).
    const nextRun = new Intl.DateTimeFormat('en-GB', {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone: 'Europe/Berlin',
    }).format(new Date(task.nextRunAt));
    expect(nextRun).toMatch(/^Sun.*03:30$/);
    await card.getByText(`${nextRun} (Europe/Berlin)`).waitFor();
    await card.getByText('Not yet').waitFor();
    await screenshot(page, 'tasks-list-full');

    // Edit: the same form, filled; change the time and save.
    await card.getByRole('link', { name: 'Family photos to Backup bucket' }).click();
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(/\/edit$/);
    await page.getByRole('heading', { level: 1, name: 'Change “Family photos to Backup bucket”' }).waitFor();
    await page.getByRole('radio', { name: /Family photos/, checked: true }).waitFor();
    await next(page).click();
    await stepHeading(page, 'Where to').waitFor();
    await page.getByRole('radio', { name: /Backup bucket/, checked: true }).waitFor();
    // Changing a task, any step is a click away in the list of steps.
    const steps = page.getByRole('list', { name: 'Steps' });
    await steps.getByRole('button', { name: 'When' }).click();
    await stepHeading(page, 'When').waitFor();
    expect(await page.getByLabel('Time of day').inputValue()).toBe('03:30');
    await page.getByLabel('Time of day').fill('04:15');
    await steps.getByRole('button', { name: 'Options' }).click();
    await stepHeading(page, 'Options').waitFor();
    await page.getByRole('radio', { name: /Keep both/, checked: true }).waitFor();
    await steps.getByRole('button', { name: 'Name and create' }).click();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(new RegExp(`/tasks/${taskId}$`));
    await page.getByText('Every Sunday at 04:15 (Europe/Berlin)').waitFor();
    const edited = await a.call('GET', `/tasks/${taskId}`);
    expect(edited.schedule).toEqual({ frequency: 'weekly', time: '04:15', timezone: 'Europe/Berlin', weekday: 0 });
    // what was not changed stays
    expect(edited.filter).toEqual(task.filter);
    expect(edited.destination).toEqual(task.destination);

    // Pause, then resume.
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await page.getByText('Paused: no scheduled run starts until you resume it.').waitFor();
    const paused = await a.call('GET', `/tasks/${taskId}`);
    expect(paused.paused).toBe(true);
    expect(paused.nextRunAt).toBe(null);
    expect(paused.schedule).toEqual(edited.schedule);
    await page.getByRole('link', { name: 'Tasks' }).click();
    await page.getByRole('listitem').getByText('Paused', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Family photos to Backup bucket' }).click();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    const resumed = await a.call('GET', `/tasks/${taskId}`);
    expect(resumed.paused).toBe(false);
    expect(resumed.nextRunAt).toBeTruthy();

    // Delete: a confirmation that says the history goes too; keeping it changes nothing.
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Delete this task?' }).waitFor();
    await page.getByText('Its history of runs is deleted too.').waitFor();
    await page.getByRole('button', { name: 'Keep it' }).click();
    expect((await a.call('GET', '/tasks')).items.length).toBe(1);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete task' }).click();
    await page.waitForURL(/\/tasks$/);
    await page.getByRole('heading', { name: 'No tasks yet' }).waitFor();
    expect((await a.call('GET', '/tasks')).items).toEqual([]);
    await context.close();
  },
);

test(
  'a step the API refuses shows its message beside the field ' + 'and creates nothing; the wizard on a phone',
  async () => {
    const { context, page, a } = await signedIn(PHONE);
    const { photos } = await twoClouds(a);
    await page.goto(`${ferry.url}/tasks/new`);
    await stepHeading(page, 'What to back up').waitFor();

    // Next without a cloud: told what to do, no step skipped.
    await next(page).click();
    await page.getByRole('alert').getByText('Choose a cloud first.').waitFor();
    await stepHeading(page, 'What to back up').waitFor();
    // A cloud whose folder has gone: the browser says so inside itself, in the API's words.
    await fs.mkdir(path.join(ferry.localRoot, a.me.id, 'gone'));
    await a.call('POST', '/clouds', { kind: 'local', name: 'Old disk', options: { root: 'gone' } });
    await fs.rm(path.join(ferry.localRoot, a.me.id, 'gone'), { recursive: true });
    await page.reload();
    await page.getByRole('radio', { name: /Old disk/ }).check();
    const broken = page.getByRole('group', { name: 'Folder to back up' }).getByRole('alert');
    await broken.getByRole('button', { name: 'Try again' }).waitFor();
    const said = (await broken.textContent())!;
    expect(said).toMatch(/not found|folder/i);
    // no JSON, no stack
    expect(said).not.toMatch(/[{}]|"error"|at \w+ \(/);
    await screenshot(page, 'task-wizard-1-folder-gone-phone');
    // A cloud's page offers "New task" with itself as the source: ?source= preselects it.
    await page.goto(`${ferry.url}/tasks/new?source=${photos}`);
    await stepHeading(page, 'What to back up').waitFor();
    await page.getByRole('radio', { name: /Family photos/, checked: true }).waitFor();
    await page.getByRole('group', { name: 'Folder to back up' }).getByRole('button', { name: 'Open School' }).waitFor();
    await noSidewaysScroll(page, 'step 1');
    await screenshot(page, 'task-wizard-1-source-phone');
    await next(page).click();

    await stepHeading(page, 'Where to').waitFor();
    // The same cloud and an overlapping folder: the API's reason, under the step.
    await page.getByRole('radio', { name: /Family photos/ }).check();
    await next(page).click();
    await page.getByText(/source and destination folders overlap on the same cloud/).waitFor();
    await stepHeading(page, 'Where to').waitFor();
    await page.getByRole('radio', { name: /Backup bucket/ }).check();
    await page
      .getByRole('group', { name: 'Folder to copy into' })
      .getByRole('button', { name: 'Open Backups' })
      .waitFor();
    await noSidewaysScroll(page, 'step 2');
    await screenshot(page, 'task-wizard-2-destination-phone');
    await next(page).click();

    // A day of the month out of range: the API's own message beside that field.
    await stepHeading(page, 'When').waitFor();
    await page.getByRole('radio', { name: 'Every month' }).check();
    const monthday = page.getByLabel('Day of the month');
    await monthday.fill('40');
    await page.getByLabel('Time zone').fill('Europe/Paris');
    await next(page).click();
    await page.getByText(/^body\.schedule\.monthday: .*31/).waitFor();
    expect(await monthday.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await monthday.getAttribute('aria-describedby'))!.split(' ');
    const errorText = await page.locator(`[id="${describedBy.find((d) => d.endsWith('-error'))}"]`).textContent();
    // the message is read with the field
    expect(errorText!).toMatch(/schedule\.monthday/);
    // focus goes to the refused field
    expect(await monthday.evaluate((el: any) => el === el.ownerDocument.activeElement)).toBe(true);
    await stepHeading(page, 'When').waitFor();
    await noSidewaysScroll(page, 'step 3 with its error');
    await screenshot(page, 'task-wizard-3-when-refused-phone');
    // nothing created
    expect((await a.call('GET', '/tasks')).items).toEqual([]);

    await monthday.fill('15');
    await next(page).click();
    await stepHeading(page, 'Options').waitFor();
    await noSidewaysScroll(page, 'step 4');
    await screenshot(page, 'task-wizard-4-options-phone');
    await next(page).click();
    await stepHeading(page, 'Name and create').waitFor();
    await page.getByText('Every month on day 15 at 02:00 (Europe/Paris)').waitFor();
    await noSidewaysScroll(page, 'step 5');
    await screenshot(page, 'task-wizard-5-name-phone');
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { level: 1, name: 'Family photos to Backup bucket' }).waitFor();
    await noSidewaysScroll(page, 'task page');
    await screenshot(page, 'task-page-phone');
    const [task] = (await a.call('GET', '/tasks')).items;
    expect(task.schedule).toEqual({ frequency: 'monthly', time: '02:00', timezone: 'Europe/Paris', monthday: 15 });
    await page.getByRole('link', { name: 'Tasks' }).click();
    await page.getByText('Every month on day 15 at 02:00 (Europe/Paris)').waitFor();
    await noSidewaysScroll(page, 'list');
    await screenshot(page, 'tasks-list-phone');
    await context.close();
  },
);

/** Presses Tab until `target` has the focus (the keyboard is the only way in). */
async function tabTo(page: Page, target: Locator, max = 60) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el: any) => el === el.ownerDocument.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target}`);
}

/** In a radio group that has the focus, moves with the arrow keys until `target` is checked. */
async function arrowTo(page: Page, target: Locator) {
  if (!(await target.isChecked())) await page.keyboard.press('Space');
  for (let i = 0; i < 8 && !(await target.isChecked()); i++) await page.keyboard.press('ArrowDown');
  expect(await target.isChecked()).toBe(true);
}

test('keyboard only: Tab, arrows, Space, Enter and typing create a task; Run now copies its files', async () => {
  const { context, page, a } = await signedIn();
  const { prefix } = await twoClouds(a);
  await page.goto(`${ferry.url}/tasks/new`);
  await stepHeading(page, 'What to back up').waitFor();

  // 1: the first cloud in the list by Tab, Holidays opened with Enter, chosen with Space.
  await tabTo(page, page.getByRole('radio', { name: /Family photos/ }));
  await arrowTo(page, page.getByRole('radio', { name: /Family photos/ }));
  const source = page.getByRole('group', { name: 'Folder to back up' });
  await tabTo(page, source.getByRole('button', { name: 'Open Holidays' }));
  await page.keyboard.press('Enter');
  await source.getByText('Showing Holidays').waitFor();
  await tabTo(page, source.getByRole('button', { name: 'Choose this folder' }));
  await page.keyboard.press('Space');
  await source.getByText('This folder is chosen.').waitFor();
  await tabTo(page, next(page));
  await page.keyboard.press('Enter');

  // 2: focus is on the step's heading; the bucket by arrows, a new folder typed.
  const where = stepHeading(page, 'Where to');
  await where.waitFor();
  // focus moves to the new step
  expect(await where.evaluate((el: any) => el === el.ownerDocument.activeElement)).toBe(true);
  await tabTo(page, page.getByRole('radio').first());
  await arrowTo(page, page.getByRole('radio', { name: /Backup bucket/ }));
  await page
    .getByRole('group', { name: 'Folder to copy into' })
    .getByRole('button', { name: 'Open Backups' })
    .waitFor();
  await tabTo(page, page.getByLabel('New folder inside it (optional)'));
  await page.keyboard.type('Keyboard');
  await page.keyboard.press('Enter'); // Enter in a field goes on, as in any form

  // 3: every day, by arrows from "Only when I press Run now".
  await stepHeading(page, 'When').waitFor();
  await tabTo(page, page.getByRole('radio', { name: 'Only when I press Run now' }));
  await arrowTo(page, page.getByRole('radio', { name: 'Every day' }));
  await tabTo(page, page.getByLabel('Time of day'));
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('21:45');
  await tabTo(page, next(page));
  await page.keyboard.press('Enter');

  // 4 and 5: defaults, then Create task.
  await stepHeading(page, 'Options').waitFor();
  await tabTo(page, next(page));
  await page.keyboard.press('Enter');
  await stepHeading(page, 'Name and create').waitFor();
  await tabTo(page, page.getByRole('button', { name: 'Create task' }));
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
  await page.getByRole('heading', { level: 1, name: 'Family photos to Backup bucket' }).waitFor();

  const [task] = (await a.call('GET', '/tasks')).items;
  expect(task.source.path).toBe('Holidays');
  expect(task.destination.path).toBe('Keyboard');
  const zone = (await page.evaluate('Intl.DateTimeFormat().resolvedOptions().timeZone')) as string;
  expect(task.schedule).toEqual({ frequency: 'daily', time: '21:45', timezone: zone });

  // Run now, by keyboard too: the run's page, and the files in the bucket.
  await tabTo(page, page.getByRole('button', { name: 'Run now' }));
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const landed = async (key: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const out = await ferry.s3
          .client()
          .send(new GetObjectCommand({ Bucket: ferry.s3.bucket, Key: `${prefix}/Keyboard/${key}` }));
        return Buffer.from(await out.Body!.transformToByteArray());
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  expect(await landed('beach.jpg')).toEqualBytes(Buffer.alloc(3000, 7));
  expect(await landed('hike.jpg')).toEqualBytes(Buffer.alloc(2000, 9));
  await context.close();
});

test('Run now while a run is going: the API says so, and the page links to the run going on', async () => {
  const { context, page, a } = await signedIn();
  const root = path.join(ferry.localRoot, a.me.id, 'held');
  await fs.mkdir(root, { recursive: true });
  await fs.writeFile(path.join(root, 'one.jpg'), Buffer.alloc(500, 5));
  const src = (await a.call('POST', '/clouds', { kind: 'local', name: 'Held photos', options: { root: 'held' } })).id;
  // Uploads wait at the gate while it is closed: the first run stays going as long as the test needs.
  const dst = (
    await a.call('POST', '/clouds', {
      kind: 's3',
      name: 'Gated bucket',
      options: ferry.s3.options({ endpoint: gate.endpoint, prefix: `g-${a.me.id}` }),
    })
  ).id;
  const task = await a.call('POST', '/tasks', {
    name: 'Held',
    source: { cloudId: src },
    destination: { cloudId: dst, path: 'x' },
  });
  gate.close();
  try {
    await page.goto(`${ferry.url}/tasks/${task.id}`);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    const runId = page.url().split('/').pop()!;
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Held' }).waitFor();
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('alert').getByText('A run of this task is already queued or running.').waitFor();
    expect(await page.getByRole('link', { name: 'See the run going on now' }).getAttribute('href')).toBe(
      `/runs/${runId}`,
    );
    // still on the task page
    expect(page.url()).toMatch(new RegExp(`/tasks/${task.id}$`));
    await a.call('POST', `/runs/${runId}/cancel`);
  } finally {
    gate.open();
  }
  await context.close();
});
