// The web app's weight and speed in Chromium, as a visitor meets it:
//   1. the first page a signed-out visitor loads (/, sent on to /signin): the JavaScript and CSS
//      transferred (raw and gzipped) and the time from navigation start to a usable page (the
//      "Sign in" button visible and enabled);
//   2. the same for the dashboard after sign-in and for the task wizard (/tasks/new), with the code
//      those pages load on demand (scripts the first page's HTML does not name).
// Each figure is the median of 5 cold loads (a new browser context each: empty cache, no
// connections kept). Checked against the issue's budget: the first page at most 150 KB of
// JavaScript gzipped.
// Usage: npm run build, then node bench/web.ts   (writes bench/results/web.json)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Browser, Page, Response } from 'playwright-core';
import { launchBrowser, newContext, PASSWORD, newEmail, startWebFerry, DESKTOP } from '../test/support/web.ts';
import { repo, writeResults } from './support.ts';

const RUNS = 5;
const BUDGET_FIRST_PAGE_GZIP = 150 * 1000;

const dist = path.join(repo, 'services/web/dist');
if (!fs.existsSync(path.join(dist, 'index.html'))) {
  console.error('No build of the web app in services/web/dist: run `npm run build` first.');
  process.exit(1);
}
// The scripts the page's HTML names (the entry and what it preloads): everything else is loaded on
// demand. Read from the Ferry measured (it loaded the build when it started).
let entryAssets = new Set<string>();

interface Asset {
  url: string;
  kind: 'script' | 'stylesheet';
  raw: number;
  gzip: number;
}

/** One response's bytes: as decoded, and as sent gzipped (or as zlib would gzip it when it was not). */
async function assetOf(res: Response, kind: Asset['kind']): Promise<Asset> {
  const body = await res.body();
  const encoding = (await res.headerValue('content-encoding')) ?? '';
  let gzip: number;
  if (/gzip/.test(encoding)) gzip = (await res.request().sizes()).responseBodySize;
  else gzip = zlib.gzipSync(body, { level: 9 }).length;
  return { url: new URL(res.url()).pathname, kind, raw: body.length, gzip };
}

interface Load {
  ms: number;
  assets: Asset[];
}

// Injected before any of the page's own scripts: notes the moment (performance.now(), from the
// navigation's start) the page is first usable by `ready`, checked on every change of the DOM.
function watchReady(spec: { button?: string; path: string }) {
  // Runs in the page; the server-side typecheck has no DOM types, so the page's globals are untyped.
  const g = globalThis as any;
  const doc = g.document;
  const visible = (el: any) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && g.getComputedStyle(el).visibility !== 'hidden';
  };
  const ready = () => {
    if (spec.button) {
      return [...doc.querySelectorAll('button')].some(
        (b: any) => b.textContent?.trim() === spec.button && !b.disabled && visible(b),
      );
    }
    // A signed-in page: its heading shown and nothing left saying it is loading.
    const h1 = doc.querySelector('main h1');
    return (
      !!h1 &&
      visible(h1) &&
      ![...doc.querySelectorAll('[role=status]')].some((s: any) => /Loading/.test(s.textContent ?? ''))
    );
  };
  const check = () => {
    if (g.__usableAt === undefined && ready()) g.__usableAt = g.performance.now();
  };
  new g.MutationObserver(check).observe(doc, { childList: true, subtree: true, attributes: true });
}

/** One cold load of `url` in a fresh context (optionally signed in by `cookie`), until usable. */
async function coldLoad(
  browser: Browser,
  url: string,
  spec: { button?: string; path: string },
  cookie?: { name: string; value: string },
): Promise<Load> {
  const context = await newContext(browser, { viewport: DESKTOP });
  if (cookie) await context.addCookies([{ ...cookie, url: new URL(url).origin }]);
  const page: Page = await context.newPage();
  await page.addInitScript(watchReady, spec);
  const pending: Promise<Asset>[] = [];
  page.on('response', (res) => {
    const type = res.request().resourceType();
    if (type === 'script' || type === 'stylesheet') pending.push(assetOf(res, type));
  });
  await page.goto(url);
  await page
    .waitForFunction(() => (globalThis as any).__usableAt !== undefined, undefined, { timeout: 30_000 })
    .catch(() => {
      throw new Error(
        `${url} was not usable within 30 s ` +
          `(${spec.button ? `no enabled "${spec.button}" button` : 'no heading, or still loading'})`,
      );
    });
  const ms: number = await page.evaluate(() => (globalThis as any).__usableAt);
  // Everything the page asked for by now counts, including code fetched just after it was usable.
  await page.waitForLoadState('networkidle');
  const assets = await Promise.all(pending);
  // A load that ended elsewhere (sent to sign-in, say) measured another page.
  const landed = new URL(page.url()).pathname;
  if (landed !== spec.path) throw new Error(`loading ${url} ended at ${landed}, not ${spec.path}`);
  await context.close();
  return { ms, assets };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sum = (assets: Asset[], kind: Asset['kind'], key: 'raw' | 'gzip', only?: (a: Asset) => boolean) =>
  assets.filter((a) => a.kind === kind && (!only || only(a))).reduce((n, a) => n + a[key], 0);

async function measure(
  browser: Browser,
  name: string,
  url: string,
  spec: { button?: string; path: string },
  cookie?: { name: string; value: string },
) {
  const loads: Load[] = [];
  for (let i = 0; i < RUNS; i++) loads.push(await coldLoad(browser, url, spec, cookie));
  // Bytes are the same on every load; the first load's list is reported.
  const assets = loads[0].assets;
  const onDemand = (a: Asset) => !entryAssets.has(a.url);
  return {
    page: name,
    url: new URL(url).pathname,
    jsBytes: sum(assets, 'script', 'raw'),
    jsGzipBytes: sum(assets, 'script', 'gzip'),
    jsOnDemandGzipBytes: sum(assets, 'script', 'gzip', onDemand),
    cssBytes: sum(assets, 'stylesheet', 'raw'),
    cssGzipBytes: sum(assets, 'stylesheet', 'gzip'),
    scripts: assets.filter((a) => a.kind === 'script').map((a) => `${a.url} (${a.gzip} B gzipped)`),
    usableMsMedian: Math.round(median(loads.map((l) => l.ms))),
    usableMsAll: loads.map((l) => Math.round(l.ms)),
  };
}

const [ferry, browser] = await Promise.all([startWebFerry(), launchBrowser()]);
try {
  const indexHtml = await (await fetch(`${ferry.url}/`, { headers: { accept: 'text/html' } })).text();
  entryAssets = new Set([...indexHtml.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]));
  // A signed-in session for the pages behind sign-in: one account, its cookie given to each cold context.
  const signup = await fetch(`${ferry.url}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: newEmail('bench'), password: PASSWORD }),
  });
  if (!signup.ok) throw new Error(`sign-up failed: ${signup.status} ${await signup.text()}`);
  const [name, value] = signup.headers.get('set-cookie')!.split(';')[0].split('=');
  const cookie = { name, value };

  const rows = [
    await measure(browser, 'first page (signed out: / → /signin)', `${ferry.url}/`, {
      button: 'Sign in',
      path: '/signin',
    }),
    await measure(browser, 'dashboard (signed in)', `${ferry.url}/`, { path: '/' }, cookie),
    await measure(browser, 'task wizard (signed in)', `${ferry.url}/tasks/new`, { path: '/tasks/new' }, cookie),
  ];

  const kb = (n: number) => (n / 1000).toFixed(1).padStart(7);
  console.log(`\nWeb app in Chromium, median of ${RUNS} cold loads each (KB = 1000 bytes)\n`);
  console.log('page                                     JS raw  JS gzip  on demand  CSS raw  CSS gzip  usable ms');
  for (const r of rows) {
    console.log(
      `${r.page.padEnd(38)} ${kb(r.jsBytes)} ${kb(r.jsGzipBytes)}    ${kb(r.jsOnDemandGzipBytes)} ${kb(r.cssBytes)}` +
        `   ${kb(r.cssGzipBytes)}  ${String(r.usableMsMedian).padStart(9)}`,
    );
  }
  const first = rows[0];
  const withinBudget = first.jsGzipBytes <= BUDGET_FIRST_PAGE_GZIP;
  console.log(
    `\nbudget: first page ≤ ${BUDGET_FIRST_PAGE_GZIP / 1000} KB of JavaScript ` +
      `gzipped: ${(first.jsGzipBytes / 1000).toFixed(1)} KB, ${withinBudget ? 'within' : 'OVER'}`,
  );
  for (const r of rows) console.log(`\n${r.page}:\n  ${r.scripts.join('\n  ')}`);
  const budget = { firstPageJsGzipBytes: BUDGET_FIRST_PAGE_GZIP, withinBudget };
  console.log(`\nresults: ${await writeResults('web', { budget, pages: rows })}`);
  if (!withinBudget) process.exitCode = 1;
} finally {
  await browser.close();
  await ferry.stop();
}
