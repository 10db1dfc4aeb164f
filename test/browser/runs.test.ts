// The run page in Chromium: live progress over the event stream without a reload (and catching up
// after the stream is lost), the outcome in words, the failed files with their reasons, cancelling,
// Run now. Runs copy from a server folder into s3rver behind a gate that holds the uploads until the
// test lets them through, so a run lasts as long as the test watches it, however busy the machine.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { APIRequestContext, Browser, Page } from 'playwright-core';
import {
  axeScan,
  newContext,
  PASSWORD,
  screenshot,
  signUp,
  startFerryAndBrowser,
  type WebFerry,
} from '../support/web.ts';
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
  return { me, call, space: path.join(ferry.localRoot, me.id) };
}

type Api = Awaited<ReturnType<typeof apiOf>>;

/** A server folder of `count` files of `size` bytes, as a cloud. */
async function folderCloud(a: Api, name: string, count: number, size: number): Promise<string> {
  const dir = path.join(a.space, name);
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++)
    await fs.writeFile(path.join(dir, `photo-${String(i).padStart(3, '0')}.jpg`), Buffer.alloc(size, i % 251));
  return (await a.call('POST', '/clouds', { kind: 'local', name, options: { root: name } })).id;
}

/**
 * A task from a folder of files into the gated S3 bucket under `prefix`, and a run of it started
 * with the gate closed: no upload lands until the test releases it.
 */
async function heldRun(
  a: Api,
  name: string,
  count: number,
  size = 20 * 1024,
): Promise<{ taskId: string; runId: string; prefix: string }> {
  const src = await folderCloud(a, name, count, size);
  gate.open(); // creating the cloud writes to check it can
  const dst = (
    await a.call('POST', '/clouds', {
      kind: 's3',
      name: `${name} bucket`,
      options: ferry.s3.options({ endpoint: gate.endpoint }),
    })
  ).id;
  const prefix = `${a.me.id}/${name}`;
  const task = await a.call('POST', '/tasks', {
    name,
    source: { cloudId: src },
    destination: { cloudId: dst, path: prefix },
  });
  gate.close();
  const { run } = await a.call('POST', `/tasks/${task.id}/runs`);
  return { taskId: task.id, runId: run.id, prefix };
}

async function objectsUnder(prefix: string): Promise<{ key: string; size: number }[]> {
  const out = await ferry.s3.client().send(new ListObjectsV2Command({ Bucket: ferry.s3.bucket, Prefix: `${prefix}/` }));
  return (out.Contents ?? []).map((o) => ({ key: o.Key!, size: o.Size! }));
}

const bar = (page: Page) => page.getByRole('progressbar', { name: 'Data copied' });

test(
  'a run shows live progress that rises to 100% and ends "Succeeded" ' +
    'without a reload, catching up after its stream was cut',
  async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signUp(page, ferry);
    const a = await apiOf(page);
    const { runId, taskId, prefix } = await heldRun(a, 'Holiday', 24);

    // The first connection to the event stream is cut: the page says so, reconnects and catches up. The second
    // is held until the test has seen "Reconnecting…": on a busy machine the page could otherwise show it and be
    // live again between two looks.
    let streams = 0;
    let seen!: () => void;
    const reconnectingSeen = new Promise<void>((resolve) => (seen = resolve));
    await page.route(`**/api/v1/runs/${runId}/events`, async (route) => {
      if (++streams === 1) return route.abort('connectionreset');
      await reconnectingSeen;
      return route.continue();
    });
    await page.goto(`${ferry.url}/runs/${runId}`);
    // A mark on the window: a reload would wipe it.
    await page.evaluate(() => ((globalThis as { stayed?: boolean }).stayed = true));
    await page.getByRole('heading', { level: 1, name: 'Run of Holiday' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();
    seen();
    await page.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor({ state: 'detached' });
    // the page opened the stream again
    expect(streams).toBeGreaterThanOrEqual(2);

    // A quarter of the files, then half: the bar follows, as a person would see it.
    const value = async () => Number(await bar(page).getAttribute('aria-valuenow'));
    gate.release(6);
    await page.getByText('6 of 24 files', { exact: true }).waitFor({ timeout: 30_000 });
    const quarter = await value();
    expect(quarter >= 25 && quarter < 100).toBeTruthy();
    expect(await page.getByText('Running', { exact: true }).count()).toBe(1);
    await page.getByText('Time left', { exact: true }).waitFor();
    await screenshot(page, 'run-running');
    gate.release(6);
    await page.getByText('12 of 24 files', { exact: true }).waitFor({ timeout: 30_000 });
    const half = await value();
    expect(half >= 50 && half < 100 && half > quarter).toBeTruthy();

    gate.open();
    await page.getByText('Succeeded', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await value()).toBe(100);
    expect(await bar(page).getAttribute('aria-valuetext')).toBe('480 KB of 480 KB (100%)');
    await page.getByText('All done: 24 files copied.').waitFor();
    await page.getByText('24 of 24 files', { exact: true }).waitFor();
    // no reload
    expect(await page.evaluate(() => (globalThis as { stayed?: boolean }).stayed)).toBe(true);
    await screenshot(page, 'run-succeeded');

    // What the page said is what happened: every file is in the bucket.
    const objects = await objectsUnder(prefix);
    expect(objects.length).toBe(24);
    expect(objects.every((o) => o.size === 20 * 1024)).toBeTruthy();

    // The task link leads to its task; Run now starts another run and opens it.
    expect(await page.getByRole('link', { name: 'Holiday' }).getAttribute('href')).toBe(`/tasks/${taskId}`);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/runs/') && !u.pathname.endsWith(runId));
    const second = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByText('Succeeded', { exact: true }).waitFor();
    // Nothing changed at the source: the second run has nothing to copy, and says so.
    await page.getByText('Nothing new to copy: every file was backed up already by an earlier run.').waitFor();
    const runs = await a.call('GET', `/tasks/${taskId}/runs`);
    expect(runs.items.map((r: any) => r.id)).toEqual([second, runId]);
    expect(runs.items[0].trigger).toEqual('manual');
    expect(await axeScan(page)).toEqual([]);
    await context.close();
  },
);

test(
  'a run with files that could not be copied says "Partly done" and lists each ' +
    'with its reason, 50 at a time; the task page lists its runs',
  async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signUp(page, ferry);
    const a = await apiOf(page);
    const src = await folderCloud(a, 'Albums', 60, 1024);
    // At the destination, folders have taken the names of 52 photos: those cannot be written.
    for (let i = 0; i < 52; i++)
      await fs.mkdir(path.join(a.space, 'Disk', `photo-${String(i).padStart(3, '0')}.jpg`), { recursive: true });
    const dst = (await a.call('POST', '/clouds', { kind: 'local', name: 'Disk', options: { root: 'Disk' } })).id;
    const task = await a.call('POST', '/tasks', {
      name: 'Albums to disk',
      source: { cloudId: src },
      destination: { cloudId: dst, path: '' },
    });
    const idle = await a.call('POST', '/tasks', {
      name: 'Never run',
      source: { cloudId: src },
      destination: { cloudId: dst, path: 'other' },
    });
    const { run } = await a.call('POST', `/tasks/${task.id}/runs`);

    await page.goto(`${ferry.url}/runs/${run.id}`);
    await page.getByText('Partly done', { exact: true }).waitFor({ timeout: 60_000 });
    await page.getByText('Partly done: 52 files could not be copied; 8 files were copied.').waitFor();
    const section = page.getByRole('region', { name: 'Files that could not be copied' });
    await section.getByText('Run the task again to retry these files.', { exact: false }).waitFor();
    const rows = section.getByRole('listitem');
    await rows.nth(49).waitFor();
    // a page at a time
    expect(await rows.count()).toBe(50);
    await section.getByRole('button', { name: 'Load more' }).click();
    await rows.nth(51).waitFor();
    // all shown
    expect(await section.getByRole('button', { name: 'Load more' }).count()).toBe(0);

    // Each with the reason the API gives, as it gives it.
    const failed = [...(await a.call('GET', `/runs/${run.id}/items?status=failed&limit=200`)).items];
    expect(failed.length).toBe(52);
    for (const item of [failed[0], failed[50], failed[51]]) {
      expect(item.error && item.error.length > 10).toBeTruthy();
      const row = rows.filter({ hasText: item.path });
      expect(await row.count()).toBe(1);
      expect(await row.textContent()).toBe(`${item.path}Why: ${item.error}`);
    }
    // no raw JSON or stack
    expect((await page.locator('main').textContent())!).not.toMatch(/\{"|stack|at [A-Za-z]+ \(/);
    await screenshot(page, 'run-partial');
    expect(await axeScan(page)).toEqual([]);

    // The task's page lists the run, linking to it; a task that never ran says what to do.
    await page.getByRole('link', { name: 'Albums to disk' }).click();
    await page.waitForURL(new RegExp(`/tasks/${task.id}$`));
    const history = page.getByRole('region', { name: 'Past runs' });
    const row = history.getByRole('row').filter({ has: page.getByRole('link', { name: /^Run of / }) });
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.getByRole('link').getAttribute('href')).toBe(`/runs/${run.id}`);
    expect((await row.getByRole('cell').allTextContents()).slice(1)).toEqual([
      'You (Run now)',
      'Partly done',
      '8',
      '52',
      '8 KB',
    ]);
    await page.goto(`${ferry.url}/tasks/${idle.id}`);
    await page
      .getByRole('region', { name: 'Past runs' })
      .getByRole('heading', { name: 'This task has not run yet' })
      .waitFor();
    await context.close();
  },
);

test('"Cancel run" asks first, then the run stops and says "Cancelled"', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signUp(page, ferry);
  const a = await apiOf(page);
  const { runId, prefix } = await heldRun(a, 'Archive', 40, 5000);
  await page.goto(`${ferry.url}/runs/${runId}`);
  gate.release(4);
  await page.getByText('4 of 40 files', { exact: true }).waitFor({ timeout: 30_000 });
  await page.getByText('Running', { exact: true }).waitFor();

  // Changing one's mind keeps it running; the question opens on the safe answer (keyboard only).
  const cancelRun = page.getByRole('button', { name: 'Cancel run' });
  await cancelRun.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Cancel this run?' });
  await dialog.waitFor();
  expect(
    await dialog.getByRole('button', { name: 'Keep running' }).evaluate((b) => b === b.ownerDocument.activeElement),
  ).toBe(true);
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'hidden' });
  expect((await a.call('GET', `/runs/${runId}`)).status).toBe('running');

  await cancelRun.click();
  await dialog.waitFor();
  await screenshot(page, 'run-cancel-confirm');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  await page.getByText('Cancelled', { exact: true }).waitFor();
  await page.getByText('This run was cancelled.', { exact: false }).waitFor();
  await page.getByRole('button', { name: 'Run now' }).waitFor();
  expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
  const ended = await a.call('GET', `/runs/${runId}`);
  expect(ended.status).toBe('cancelled');
  expect(ended.done.items).toBeLessThan(40);
  await screenshot(page, 'run-cancelled');
  // Uploads still held at the gate go nowhere: the run gave them up.
  gate.open();
  await gate.settled();
  expect((await objectsUnder(prefix)).length).toBeLessThan(40);
  expect(await axeScan(page)).toEqual([]);
  await context.close();
});

test('a session that ends while a run is watched leads to sign-in, and back to the run, still live', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const { email } = await signUp(page, ferry);
  const a = await apiOf(page);
  const { runId } = await heldRun(a, 'Trip', 4);
  await page.goto(`${ferry.url}/runs/${runId}`);
  await page.getByRole('heading', { level: 1, name: 'Run of Trip' }).waitFor();

  // Signed out elsewhere: the stream is cut, and the page goes to sign-in instead of showing an error.
  const out = await page.request.post(`${ferry.url}/api/v1/auth/logout`, {
    headers: { 'x-csrf-token': a.me.csrfToken },
  });
  expect(out.status()).toBe(204);
  await page.waitForURL((u) => u.pathname === '/signin' && u.searchParams.get('next') === `/runs/${runId}`, {
    timeout: 30_000,
  });
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === `/runs/${runId}`);
  gate.open();
  await page.getByText('Succeeded', { exact: true }).waitFor({ timeout: 30_000 });
  await page.getByText('All done: 4 files copied.').waitFor();
  await context.close();
});
