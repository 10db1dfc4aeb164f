// A first visit, from nothing to a first backup, with the keyboard alone (Tab, Shift+Tab, Enter,
// Space, arrows and typing; never a click): open Ferry, create an account, follow the dashboard's
// first steps to add a server folder with photos and an S3 bucket, create a task with the wizard,
// run it and watch the run move and reach its end on its page without a reload; then the bytes in
// the bucket are the photos' bytes.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  DESKTOP,
  newContext,
  newEmail,
  PASSWORD,
  screenshot,
  startFerryAndBrowser,
  type WebFerry,
} from '../support/web.ts';
import { startUploadGate, type UploadGate } from './upload-gate.ts';

let ferry: WebFerry;
let browser: Browser;
// The bucket is reached through a gate that can hold uploads, so the run is watched going and
// moving on its page however fast or slow the machine is.
let gate: UploadGate;

beforeAll(async () => {
  [ferry, browser] = await startFerryAndBrowser();
  gate = await startUploadGate(ferry.s3.endpoint);
});
afterAll(async () => {
  await browser?.close();
  await gate?.stop();
  await ferry?.stop();
});

/** Whether `target` has the focus, and what has it in words (for a message when Tab cannot reach something). */
function focusOn(target: unknown): [boolean, string] {
  const el = (globalThis as any).document.activeElement;
  if (el === target) return [true, ''];
  if (!el || el.tagName === 'BODY') return [false, '(nothing)'];
  const name: string = el.getAttribute('aria-label') ?? el.labels?.[0]?.textContent ?? el.textContent ?? '';
  return [
    false,
    `<${el.tagName.toLowerCase()}${el.type ? ` type=${el.type}` : ''}> ` +
      `"${name.trim().replace(/\s+/g, ' ').slice(0, 60)}"`,
  ];
}

/**
 * Presses Tab (or Shift+Tab) until `target` has the focus. Fails naming what the keyboard went
 * through, so a control that Tab never reaches is reported with its page.
 */
async function tabTo(page: Page, target: Locator, { back = false, max = 80 } = {}): Promise<void> {
  await target.waitFor();
  const seen: string[] = [];
  for (let i = 0; i <= max; i++) {
    // One round trip a key: whether the target (found afresh: pages re-render) has the focus, and what has it.
    const [there, what] = await target.evaluate(focusOn);
    if (there) return;
    if (i) seen.push(what);
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(
    `On ${new URL(page.url()).pathname}, ${back ? 'Shift+Tab' : 'Tab'} never reached ${target}; ` +
      `the focus went through:\n  ${[...new Set(seen)].join('\n  ')}`,
  );
}

/** Tabs to a field and types into it. */
async function typeInto(page: Page, field: Locator, text: string): Promise<void> {
  await tabTo(page, field);
  await page.keyboard.type(text);
  expect(await field.inputValue()).toBe(text);
}

/** Tabs to a button or link and presses Enter. */
async function press(page: Page, control: Locator, key = 'Enter'): Promise<void> {
  await tabTo(page, control);
  await page.keyboard.press(key);
}

/**
 * Chooses `option` in the radio group `group` as a keyboard user does: Tab into the group (it
 * stops once, on the checked radio or the first), then the arrow keys.
 */
async function chooseRadio(page: Page, group: Locator, option: Locator): Promise<void> {
  await group.waitFor();
  const count = await group.getByRole('radio').count();
  const radios = group.getByRole('radio');
  for (let i = 0; i < 80; i++) {
    const inGroup = await radios.evaluateAll((els) => els.includes((globalThis as any).document.activeElement));
    if (inGroup) break;
    await page.keyboard.press('Tab');
  }
  for (let i = 0; i <= count; i++) {
    if (await option.isChecked()) return;
    // Space checks the radio that has the focus when none is checked yet; arrows move and check.
    await page.keyboard.press(i === 0 ? 'Space' : 'ArrowDown');
  }
  expect(await option.isChecked()).toBeTruthy();
}

/** The app's button or link of this name (the contract names some controls; either role works). */
const control = (scope: Page | Locator, name: string | RegExp) =>
  scope
    .getByRole('button', { name, exact: true })
    .or(scope.getByRole('link', { name, exact: true }))
    .first();

const sha256 = (b: Buffer | Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

test(
  'a first visit, keyboard only: an account, a server folder and an S3 bucket, ' +
    'a task, its run watched to the end, the photos in the bucket',
  async () => {
    const context = await newContext(browser, { viewport: DESKTOP });
    const page = await context.newPage();
    try {
      // Open Ferry: a visitor is sent to sign in, and from there to create an account.
      await page.goto(`${ferry.url}/`);
      await page.waitForURL(/\/signin/);
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      // The first Tab offers to skip to the content, and Enter goes there.
      await page.keyboard.press('Tab');
      expect((await page.evaluate(focusOn, null))[1]).toBe('<a> "Skip to content"');
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe('main');
      await press(page, page.getByRole('link', { name: 'Create an account' }));
      await page.waitForURL(/\/signup/);
      await page.getByRole('heading', { level: 1, name: 'Create account' }).waitFor();
      await typeInto(page, page.getByLabel('Email', { exact: true }), newEmail('journey'));
      await typeInto(page, page.getByLabel('Password', { exact: true }), PASSWORD);
      await screenshot(page, 'journey-1-signup');
      await press(page, page.getByRole('button', { name: 'Create account' }));
      const dashboard = page.getByRole('heading', { level: 1, name: 'Dashboard' });
      await dashboard.waitFor();
      // A new page puts the focus on its heading: the next Tab goes into it.
      // the focus is on the new page’s heading
      expect((await dashboard.evaluate(focusOn))[0]).toBe(true);

      // The photos are on this server, in the user's own space.
      const me = (await (await page.request.get(`${ferry.url}/api/v1/me`)).json()) as { id: string };
      const photos = path.join(ferry.localRoot, me.id, 'Photos');
      const sources = new Map<string, string>();
      for (const [rel, size] of [
        ['IMG_0001.jpg', 40_000],
        ['IMG_0002.jpg', 55_000],
        ['2024/Summer/IMG_0100.jpg', 70_000],
        ['2024/Summer/VID_0101.mp4', 120_000],
        ['2024/IMG_0200.heic', 33_000],
      ] as const) {
        const body = crypto.randomBytes(size);
        await fs.mkdir(path.dirname(path.join(photos, rel)), { recursive: true });
        await fs.writeFile(path.join(photos, rel), body);
        sources.set(rel, sha256(body));
      }

      // The dashboard's first steps: add the cloud to copy from.
      await screenshot(page, 'journey-2-dashboard-empty');
      await press(page, control(page.getByRole('main'), 'Add cloud'));
      await page.waitForURL(/\/clouds\/new/);
      const folderForm = page.getByRole('region', { name: 'Folder on this server' });
      await typeInto(page, folderForm.getByLabel('Folder in your space', { exact: true }), 'Photos');
      await press(page, folderForm.getByRole('button', { name: 'Check and add folder' }));
      await page.waitForURL(/\/clouds\/[0-9a-f-]{36}/);
      await page.getByText('Added.', { exact: false }).first().waitFor();

      // Back to the dashboard (from the navigation, with Shift+Tab), and the next step: where the copies go.
      await press(page, page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }));
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      // The first step shows as done once the clouds are read again: only then is the "Add cloud"
      // button the second step's (the first step's, still shown until then, goes away under the focus).
      await page.getByRole('main').getByText('✓ Done').waitFor();
      await press(page, control(page.getByRole('main'), 'Add cloud'));
      await page.waitForURL(/\/clouds\/new/);
      const s3Form = page.getByRole('region', { name: 'Amazon S3 or compatible storage' });
      await typeInto(page, s3Form.getByLabel('Service address', { exact: true }), gate.endpoint);
      await typeInto(page, s3Form.getByLabel('Region', { exact: true }), 'us-east-1');
      await typeInto(page, s3Form.getByLabel('Bucket', { exact: true }), ferry.s3.bucket);
      await typeInto(page, s3Form.getByLabel('Access key ID', { exact: true }), ferry.s3.accessKeyId);
      await typeInto(page, s3Form.getByLabel('Secret access key', { exact: true }), ferry.s3.secretAccessKey);
      const pathStyle = s3Form.getByRole('checkbox', { name: 'Use path-style addresses' });
      await press(page, pathStyle, 'Space');
      // Space ticks the path-style box
      expect(await pathStyle.isChecked()).toBeTruthy();
      await screenshot(page, 'journey-3-add-s3');
      await press(page, s3Form.getByRole('button', { name: 'Check and add storage' }));
      await page.waitForURL(/\/clouds\/[0-9a-f-]{36}/);
      await page.getByText('Added.', { exact: false }).first().waitFor();

      // The last step: a task, through the wizard.
      await press(page, page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }));
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      await press(page, control(page.getByRole('main'), 'New task'));
      await page.waitForURL(/\/tasks\/new/);
      // 1: what to back up: the server folder, its top.
      await chooseRadio(
        page,
        page.getByRole('group', { name: 'Cloud to back up' }),
        page.getByRole('radio', { name: /^Photos/ }),
      );
      await page.getByRole('group', { name: 'Folder to back up' }).waitFor();
      await screenshot(page, 'journey-4-wizard-source');
      await press(page, page.getByRole('button', { name: 'Next' }));
      // 2: where to: the bucket, in a new folder.
      await chooseRadio(
        page,
        page.getByRole('group', { name: 'Cloud to copy into' }),
        page.getByRole('radio', { name: new RegExp(`^${ferry.s3.bucket}`) }),
      );
      await typeInto(page, page.getByLabel('New folder inside it (optional)', { exact: true }), 'Family backup');
      await screenshot(page, 'journey-5-wizard-destination');
      await press(page, page.getByRole('button', { name: 'Next' }));
      // 3: when: only when Run now is pressed (the default); 4: options as they are.
      await page.getByRole('group', { name: 'How often' }).waitFor();
      await press(page, page.getByRole('button', { name: 'Next' }));
      await page.getByRole('group', { name: 'Which files' }).waitFor();
      await press(page, page.getByRole('button', { name: 'Next' }));
      // 5: the name it offers, and create.
      await page.getByLabel('Name of the task', { exact: true }).waitFor();
      await screenshot(page, 'journey-6-wizard-name');
      await press(page, page.getByRole('button', { name: 'Create task' }));
      await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);

      // Run it, and watch the run on its page: held at first, then moving, then done, with no reload.
      gate.close();
      await press(page, page.getByRole('button', { name: 'Run now' }));
      await page.waitForURL(/\/runs\/[0-9a-f-]{36}/);
      await page.evaluate(() => ((globalThis as any).__notReloaded = true));
      const bar = page.getByRole('progressbar').first();
      await bar.waitFor();
      expect(await bar.getAttribute('aria-valuenow')).toBe('0');
      await page.getByRole('button', { name: 'Cancel run' }).waitFor();
      await screenshot(page, 'journey-7-run-going');
      gate.release(2);
      const percent = async () => Number(await bar.getAttribute('aria-valuenow'));
      for (const deadline = Date.now() + 30_000; (await percent()) === 0; ) {
        // the bar never moved after two uploads went through
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await percent()).toBeLessThan(100);
      gate.open();
      await page.getByText('All done:', { exact: false }).waitFor({ timeout: 60_000 });
      expect(await bar.getAttribute('aria-valuenow')).toBe('100');
      await page.getByText(`${sources.size} of ${sources.size} files`).waitFor();
      // the page was not reloaded
      expect(await page.evaluate(() => (globalThis as any).__notReloaded)).toBe(true);
      await screenshot(page, 'journey-8-run-done');

      // The bytes in the bucket are the photos' bytes, under the new folder.
      const s3 = ferry.s3.client();
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: ferry.s3.bucket, Prefix: 'Family backup/' }));
      const landed = new Map<string, string>();
      for (const o of listed.Contents ?? []) {
        const got = await s3.send(new GetObjectCommand({ Bucket: ferry.s3.bucket, Key: o.Key! }));
        landed.set(o.Key!.slice('Family backup/'.length), sha256(await got.Body!.transformToByteArray()));
      }
      expect(Object.fromEntries([...landed].sort())).toEqual(Object.fromEntries([...sources].sort()));
    } catch (err) {
      await screenshot(page, 'journey-failed', { failed: true }).catch(() => {});
      throw err;
    } finally {
      await context.close();
    }
  },
);
