// The dashboard in Chromium: a first visit leads step by step to a first backup; a busy account
// sees its runs going on move without a reload, then land in the last runs, the next scheduled
// run, the clouds that need reconnecting and the month's traffic. Desktop and phone.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { axeScan, newContext, PHONE, screenshot, signUp, startFerryAndBrowser, type WebFerry } from '../support/web.ts';
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
  const me = await (await page.request.get(`${ferry.url}/api/v1/me`)).json();
  const call = async (method: 'GET' | 'POST', url: string, data?: unknown): Promise<any> => {
    const res = await page.request.fetch(`${ferry.url}/api/v1${url}`, {
      method,
      data,
      headers: method === 'GET' ? {} : { 'x-csrf-token': me.csrfToken },
    });
    expect(res.ok()).toBeTruthy();
    return res.json();
  };
  const folder = async (name: string, files = 0) => {
    const dir = path.join(ferry.localRoot, me.id, name);
    await fs.mkdir(dir, { recursive: true });
    for (let i = 0; i < files; i++)
      await fs.writeFile(path.join(dir, `img-${String(i).padStart(2, '0')}.jpg`), Buffer.alloc(20 * 1024, i));
    return (await call('POST', '/clouds', { kind: 'local', name, options: { root: name } })).id as string;
  };
  return { me, call, folder };
}

async function noSidewaysScroll(page: Page) {
  const [scroll, client] = (await page.evaluate(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  )) as [number, number];
  expect(scroll).toBeLessThanOrEqual(client);
}

test(
  'a first visit shows the steps to a first backup, ' + 'each ticked when done, the next one with its button',
  async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signUp(page, ferry);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    const steps = page.getByRole('region', { name: 'Get started' });
    await steps.waitFor();
    const addCloud = page.getByRole('button', { name: 'Add cloud' });
    // one way forward at a time
    expect(await addCloud.count()).toBe(1);
    expect(await page.getByRole('button', { name: 'New task' }).count()).toBe(0);
    expect(await steps.getByText('Done').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'see how to back up Google Photos' }).getAttribute('href')).toBe(
      '/photos',
    );
    await page.getByText('Nothing is being copied right now.').waitFor();
    const traffic = page.getByRole('progressbar', { name: 'Traffic this month' });
    expect(await traffic.getAttribute('aria-valuenow')).toBe('0');
    expect((await traffic.getAttribute('aria-valuetext'))!).toMatch(/^0 B of [\d.,]+ [KMGT]?B used$/);
    await page.getByText(/^Your traffic renews on \d{1,2} \w{3} \d{4}\.$/).waitFor();
    expect(await axeScan(page)).toEqual([]);
    await screenshot(page, 'dashboard-first-visit-desktop');
    await page.setViewportSize(PHONE);
    await noSidewaysScroll(page);
    await screenshot(page, 'dashboard-first-visit-phone');

    // A keyboard user follows the step: the button opens the page for adding a cloud.
    await addCloud.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/clouds\/new$/);

    const a = await apiOf(page);
    await a.folder('Phone photos');
    await page.goto(`${ferry.url}/`);
    await steps.getByText('Done').waitFor();
    expect(await steps.getByText('Done').count()).toBe(1);
    // the second step now
    expect(await page.getByRole('button', { name: 'Add cloud' }).count()).toBe(1);

    await a.folder('Backup disk');
    await page.goto(`${ferry.url}/`);
    await page.getByRole('button', { name: 'New task' }).waitFor();
    expect(await steps.getByText('Done').count()).toBe(2);
    expect(await page.getByRole('button', { name: 'Add cloud' }).count()).toBe(0);
    await page.getByRole('button', { name: 'New task' }).press('Enter');
    await page.waitForURL(/\/tasks\/new$/);
    await context.close();
  },
);

test(
  'a busy dashboard: the run going on moves without a reload, then shows in the last runs; ' +
    'next run, clouds to reconnect, traffic',
  async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signUp(page, ferry);
    const a = await apiOf(page);
    const src = await a.folder('Camera', 16);
    // A cloud whose folder went away: its check fails and it needs the user.
    const gone = await a.folder('Old drive');
    await fs.rm(path.join(ferry.localRoot, a.me.id, 'Old drive'), { recursive: true });
    await a.call('POST', `/clouds/${gone}/check`);
    gate.open();
    const dst = (
      await a.call('POST', '/clouds', {
        kind: 's3',
        name: 'Bucket',
        options: ferry.s3.options({ endpoint: gate.endpoint }),
      })
    ).id;
    const task = await a.call('POST', '/tasks', {
      name: 'Camera backup',
      source: { cloudId: src },
      destination: { cloudId: dst, path: `${a.me.id}/camera` },
      schedule: { frequency: 'daily', time: '03:00', timezone: 'Europe/Berlin' },
    });
    gate.close();
    const { run } = await a.call('POST', `/tasks/${task.id}/runs`);

    await page.goto(`${ferry.url}/`);
    await page.evaluate(() => ((globalThis as { stayed?: boolean }).stayed = true));
    const now = page.getByRole('region', { name: 'Going on now' });
    const link = now.getByRole('link', { name: 'Camera backup' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(`/runs/${run.id}`);
    // not a first visit
    expect(await page.getByRole('region', { name: 'Get started' }).count()).toBe(0);

    const bar = now.getByRole('progressbar', { name: 'Camera backup' });
    gate.release(8);
    await now.getByText(/^8 of 16 files/).waitFor();
    const value = Number(await bar.getAttribute('aria-valuenow'));
    expect(value >= 50 && value < 100).toBeTruthy();
    expect(await bar.getAttribute('aria-valuetext')).toBe('160 KB of 320 KB (50%)');

    // The rest of the page.
    const reconnect = page.getByRole('region', { name: 'Clouds that need you' });
    expect(await reconnect.getByRole('link', { name: 'Old drive' }).getAttribute('href')).toBe(`/clouds/${gone}`);
    await reconnect.getByText('Not working').waitFor();
    const next = page.getByRole('region', { name: 'Next scheduled runs' });
    await next.getByRole('link', { name: 'Camera backup' }).waitFor();
    const nextRunAt = new Date(task.nextRunAt);
    expect(nextRunAt.getTime()).toBeGreaterThan(Date.now());
    await next
      .getByText(
        `on ${nextRunAt.getDate()} ${nextRunAt.toLocaleString('en-GB', { month: 'short' })} ${nextRunAt.getFullYear()}`,
        { exact: false },
      )
      .waitFor();
    expect(await axeScan(page)).toEqual([]);
    await screenshot(page, 'dashboard-busy-desktop');
    await page.setViewportSize(PHONE);
    await noSidewaysScroll(page);
    await screenshot(page, 'dashboard-busy-phone');

    // The run ends: it leaves "going on now" for the last runs, without a reload.
    gate.open();
    await now.getByText('Nothing is being copied right now.').waitFor({ timeout: 30_000 });
    const last = page.getByRole('region', { name: 'Last runs' });
    await last.getByRole('link', { name: 'Camera backup' }).waitFor();
    await last.getByText('Succeeded', { exact: true }).waitFor();
    // no reload
    expect(await page.evaluate(() => (globalThis as { stayed?: boolean }).stayed)).toBe(true);
    // The month's traffic counts what was copied.
    await page
      .getByRole('progressbar', { name: 'Traffic this month' })
      .and(page.locator('[aria-valuetext^="320 KB of"]'))
      .waitFor({ timeout: 30_000 });
    await context.close();
  },
);
