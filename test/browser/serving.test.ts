// `npm start` serves the web app on its own origin: hashed assets cached for good, the page for
// the app's paths, and the API, docs and health answers unchanged beside it.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { newContext, startFerryAndBrowser, type WebFerry } from '../support/web.ts';

let ferry: WebFerry;
let browser: Browser;
beforeAll(async () => {
  [ferry, browser] = await startFerryAndBrowser();
});
afterAll(async () => {
  await browser?.close();
  await ferry?.stop();
});

test('the app is served at / with immutable hashed assets; /api, /docs and /healthz keep their meaning', async () => {
  const page = await fetch(`${ferry.url}/`, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')!).toMatch(/text\/html/);
  expect(page.headers.get('cache-control')).toBe('no-cache');
  expect(page.headers.get('content-security-policy')!).toMatch(/default-src 'self'/);
  const html = await page.text();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  expect(assets.some((a) => a.endsWith('.js'))).toBeTruthy();
  for (const a of assets) {
    const res = await fetch(`${ferry.url}${a}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // asset names carry their content hash
    expect(a).toMatch(/-[\w-]{8}\.(js|css)$/);
    await res.arrayBuffer();
  }

  // The app's own paths answer its page; a deep link too.
  for (const p of ['/clouds', '/runs/7d3c1a8e-0000-4000-8000-000000000000', '/tasks/new?x=1']) {
    const res = await fetch(`${ferry.url}${p}`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(html);
  }
  // The API's misses stay the API's: JSON errors, even for a browser.
  const miss = await fetch(`${ferry.url}/api/v1/nothing`, { headers: { accept: 'text/html' } });
  expect(miss.status).toBe(404);
  expect(await miss.json()).toEqual({ error: { code: 'not_found', message: 'No route GET /api/v1/nothing.' } });
  const missingAsset = await fetch(`${ferry.url}/assets/nothing-12345678.js`);
  expect(missingAsset.status).toBe(404);
  expect((await fetch(`${ferry.url}/healthz`)).status).toBe(200);
  expect((await fetch(`${ferry.url}/openapi.json`)).status).toBe(200);
  expect((await fetch(`${ferry.url}/docs/`)).status).toBe(200);
  // A script asking for JSON at an app path gets the API's 404, not a page.
  expect((await fetch(`${ferry.url}/clouds`, { headers: { accept: 'application/json' } })).status).toBe(404);
});

test('a signed-out visitor opening a deep link is sent to sign-in', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${ferry.url}/tasks`);
  await page.waitForURL(/\/signin\?next=%2Ftasks/);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await context.close();
});
