// `npm start` serves the web app on its own origin: hashed assets cached for good, the page for
// the app's paths, and the API, docs and health answers unchanged beside it.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from '@jest/globals';
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
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /text\/html/);
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  assert.match(page.headers.get('content-security-policy')!, /default-src 'self'/);
  const html = await page.text();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  assert.ok(
    assets.some((a) => a.endsWith('.js')),
    html,
  );
  for (const a of assets) {
    const res = await fetch(`${ferry.url}${a}`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.status, 200, a);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(a, /-[\w-]{8}\.(js|css)$/, 'asset names carry their content hash');
    await res.arrayBuffer();
  }

  // The app's own paths answer its page; a deep link too.
  for (const p of ['/clouds', '/runs/7d3c1a8e-0000-4000-8000-000000000000', '/tasks/new?x=1']) {
    const res = await fetch(`${ferry.url}${p}`, { headers: { accept: 'text/html' } });
    assert.equal(res.status, 200, p);
    assert.equal(await res.text(), html);
  }
  // The API's misses stay the API's: JSON errors, even for a browser.
  const miss = await fetch(`${ferry.url}/api/v1/nothing`, { headers: { accept: 'text/html' } });
  assert.equal(miss.status, 404);
  assert.deepEqual(await miss.json(), { error: { code: 'not_found', message: 'No route GET /api/v1/nothing.' } });
  const missingAsset = await fetch(`${ferry.url}/assets/nothing-12345678.js`);
  assert.equal(missingAsset.status, 404);
  assert.equal((await fetch(`${ferry.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${ferry.url}/openapi.json`)).status, 200);
  assert.equal((await fetch(`${ferry.url}/docs/`)).status, 200);
  // A script asking for JSON at an app path gets the API's 404, not a page.
  assert.equal((await fetch(`${ferry.url}/clouds`, { headers: { accept: 'application/json' } })).status, 404);
});

test('a signed-out visitor opening a deep link is sent to sign-in', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${ferry.url}/tasks`);
  await page.waitForURL(/\/signin\?next=%2Ftasks/);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await context.close();
});
