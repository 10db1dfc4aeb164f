// Every page of the app, with data on it, at 1280×800 light and dark and at 390×844 (phone): axe-core
// finds no serious or critical violation (in the dark theme, of the rules colours decide; on the
// phone, of those layout decides), the phone never scrolls sideways, the dark theme is really dark.
// A screenshot of each is kept with FERRY_TEST_SCREENSHOTS=1, of a broken one always
// (test-artifacts/screenshots/a11y-<page>-<viewport>.png). One Ferry and one browser for the file;
// one signed-in session shared by the three contexts, which go through the pages side by side. The
// user is also the operator (FERRY_ADMINS, address confirmed), so the console's pages are scanned too.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import axe from 'axe-core';
import type { APIRequestContext, Browser, BrowserContext, Page } from 'playwright-core';
import {
  axeScan,
  DESKTOP,
  newContext,
  newEmail,
  PASSWORD,
  PHONE,
  screenshot,
  startFerryAndBrowser,
  type WebFerry,
} from '../support/web.ts';

let ferry: WebFerry;
let browser: Browser;
let session: { name: string; value: string };
/** The ids of what the user owns, for the pages that show one thing. */
let ids: { localCloud: string; s3Cloud: string; task: string; run: string; user: string };
const OPERATOR = newEmail('a11y');

/** A JSON call of the API in the user's session; fails the test on an error answer. */
async function call<T = any>(
  request: APIRequestContext,
  csrf: string,
  method: 'GET' | 'POST',
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

beforeAll(async () => {
  [ferry, browser] = await startFerryAndBrowser({ FERRY_ADMINS: OPERATOR });

  // The user and their data, made through the API: a server folder with photos, an S3 bucket, and
  // a task from the photos into a second server folder where one photo's name is taken by a folder
  // (so its finished run has a failed item: the listing skips a FIFO, so mkfifo gives none).
  const context = await newContext(browser);
  const request = context.request;
  const signup = await request.post(`${ferry.url}/api/v1/auth/signup`, {
    data: { email: OPERATOR, password: PASSWORD },
  });
  expect(signup.status()).toBe(201);
  const { user, csrfToken } = (await signup.json()) as { user: { id: string }; csrfToken: string };
  // FERRY_ADMINS counts a confirmed address: the mailed link, confirmed; and a plan of the operator's.
  await call(request, csrfToken, 'POST', '/auth/verify');
  const mail = (await ferry.smtp.waitFor(1)).find((m) => m.to === OPERATOR);
  const token = new URL(/http\S+\/verify\?token=\S+/.exec(mail?.text ?? '')![0]).searchParams.get('token');
  const confirmed = await request.post(`${ferry.url}/api/v1/auth/verify/confirm`, {
    data: { token },
    headers: { accept: 'application/json' },
  });
  expect(confirmed.status()).toBe(200);
  await call(request, csrfToken, 'POST', '/admin/plans', {
    id: 'team',
    name: 'Team',
    monthlyTrafficBytes: 50 * 1024 ** 3,
    maxTasks: 10,
    allowedProviders: ['local', 's3'],
  });
  const photos = path.join(ferry.localRoot, user.id, 'Photos');
  await fs.mkdir(path.join(photos, '2024'), { recursive: true });
  await fs.writeFile(path.join(photos, '2024', 'beach.jpg'), Buffer.alloc(20_000, 1));
  await fs.writeFile(path.join(photos, 'garden.jpg'), Buffer.alloc(30_000, 2));
  await fs.mkdir(path.join(ferry.localRoot, user.id, 'Backup', 'garden.jpg'), { recursive: true });

  const local = await call(request, csrfToken, 'POST', '/clouds', {
    kind: 'local',
    name: 'Family photos',
    options: { root: 'Photos' },
  });
  const backup = await call(request, csrfToken, 'POST', '/clouds', {
    kind: 'local',
    name: 'Backup disk',
    options: { root: 'Backup' },
  });
  const s3 = await call(request, csrfToken, 'POST', '/clouds', {
    kind: 's3',
    name: 'Backup bucket',
    options: ferry.s3.options(),
  });
  const task = await call(request, csrfToken, 'POST', '/tasks', {
    name: 'Photos to the backup disk',
    source: { cloudId: local.id },
    destination: { cloudId: backup.id, path: '' },
    schedule: { frequency: 'daily', time: '02:00', timezone: 'Europe/Berlin' },
  });
  const { run } = await call(request, csrfToken, 'POST', `/tasks/${task.id}/runs`);
  let ended: any;
  for (const deadline = Date.now() + 30_000; ; ) {
    ended = await call(request, csrfToken, 'GET', `/runs/${run.id}`);
    if (!['queued', 'running'].includes(ended.status)) break;
    expect(Date.now()).toBeLessThan(deadline);
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(ended.status).toBe('partial');
  expect(ended.failed.items).toBe(1);
  ids = { localCloud: local.id, s3Cloud: s3.id, task: task.id, run: run.id, user: user.id };
  const cookie = (await context.cookies(ferry.url)).find((c) => c.name === 'ferry_session');
  // signing up set the session cookie
  expect(cookie).toBeTruthy();
  session = { name: cookie!.name, value: cookie!.value };
  await context.close();
});

afterAll(async () => {
  await browser?.close();
  await ferry?.stop();
});

interface Route {
  name: string;
  path: () => string;
  signedIn: boolean;
  /** Steps to take on the page before scanning it (a wizard's later steps); each is scanned too. */
  steps?: { name: string; go: (page: Page) => Promise<void> }[];
}

/** The wizard's later steps, each reached with Next (a new task: choosing the clouds first). */
function wizardSteps(fresh: boolean): Route['steps'] {
  const next = async (page: Page, n: number) => {
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { level: 2, name: new RegExp(`^Step ${n} of`) }).waitFor();
    await settled(page);
  };
  return [
    {
      name: 'where-to',
      go: async (page) => {
        if (fresh) await page.getByRole('radio', { name: /^Family photos/ }).check();
        await settled(page);
        await next(page, 2);
        if (fresh) await page.getByRole('radio', { name: /^Backup bucket/ }).check();
        await settled(page);
      },
    },
    {
      name: 'when',
      go: async (page) => {
        await next(page, 3);
        // Every week shows all of the step's fields: the day, the time, the time zone.
        await page.getByRole('radio', { name: 'Every week' }).check();
      },
    },
    { name: 'options', go: (page) => next(page, 4) },
    { name: 'name', go: (page) => next(page, 5) },
  ];
}

// Every route of services/web/src/routes.tsx.
const ROUTES: Route[] = [
  { name: 'signin', path: () => '/signin', signedIn: false },
  { name: 'signup', path: () => '/signup', signedIn: false },
  { name: 'verify-bad-token', path: () => '/verify?token=not-a-real-token', signedIn: false },
  { name: 'forgot-password', path: () => '/forgot-password', signedIn: false },
  { name: 'reset-password', path: () => '/reset-password?token=fr_not-a-real-token', signedIn: false },
  { name: 'goodbye', path: () => '/goodbye', signedIn: false },
  { name: 'dashboard', path: () => '/', signedIn: true },
  { name: 'clouds', path: () => '/clouds', signedIn: true },
  { name: 'clouds-new', path: () => '/clouds/new', signedIn: true },
  { name: 'cloud', path: () => `/clouds/${ids.localCloud}`, signedIn: true },
  { name: 'cloud-s3', path: () => `/clouds/${ids.s3Cloud}`, signedIn: true },
  { name: 'photos', path: () => '/photos', signedIn: true },
  { name: 'tasks', path: () => '/tasks', signedIn: true },
  { name: 'tasks-new', path: () => '/tasks/new', signedIn: true, steps: wizardSteps(true) },
  { name: 'task', path: () => `/tasks/${ids.task}`, signedIn: true },
  { name: 'task-edit', path: () => `/tasks/${ids.task}/edit`, signedIn: true, steps: wizardSteps(false) },
  { name: 'run', path: () => `/runs/${ids.run}`, signedIn: true },
  // The task's run ended partial, so it is a point in time of its backup history.
  {
    name: 'snapshot',
    path: () => `/tasks/${ids.task}/history/${ids.run}`,
    signedIn: true,
    steps: [
      {
        name: 'restore',
        go: async (page) => {
          await page.getByRole('button', { name: 'Restore this backup' }).click();
          await page.getByRole('heading', { level: 2, name: 'Restore' }).waitFor();
          await settled(page);
        },
      },
    ],
  },
  { name: 'account', path: () => '/account', signedIn: true },
  // The operator's console.
  { name: 'admin', path: () => '/admin', signedIn: true },
  {
    name: 'admin-user',
    path: () => `/admin/users/${ids.user}`,
    signedIn: true,
    steps: [
      {
        name: 'suspend-ask',
        go: async (page) => {
          await page.getByRole('button', { name: 'Suspend this account…' }).click();
          await page.getByLabel('Reason (optional)').waitFor();
        },
      },
    ],
  },
  {
    name: 'admin-plans',
    path: () => '/admin/plans',
    signedIn: true,
    steps: [
      {
        name: 'edit',
        go: async (page) => {
          await page.getByRole('button', { name: 'Edit the plan “Team”' }).click();
          await page.getByRole('heading', { level: 2, name: 'Change the plan “Team”' }).waitFor();
          await page.getByRole('checkbox', { name: 'Folder on this server' }).waitFor();
        },
      },
      {
        name: 'remove-ask',
        go: async (page) => {
          await page.getByRole('button', { name: 'Remove the plan “Free”' }).click();
          await page.getByRole('button', { name: 'Yes, remove it' }).waitFor();
        },
      },
    ],
  },
  { name: 'admin-audit', path: () => '/admin/audit', signedIn: true },
  { name: 'not-found', path: () => '/no/such/page', signedIn: true },
];

/** Waits until the page shows its heading and nothing says it is still loading. */
async function settled(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page
    .getByText(/^(Loading…|Wird geladen…|Chargement…)$/)
    .first()
    .waitFor({ state: 'hidden' });
}

interface Viewport {
  name: string;
  size: { width: number; height: number };
  colorScheme: 'light' | 'dark';
}

const VIEWPORTS: Viewport[] = [
  { name: 'desktop', size: DESKTOP, colorScheme: 'light' },
  { name: 'dark', size: DESKTOP, colorScheme: 'dark' },
  { name: 'phone', size: PHONE, colorScheme: 'light' },
];

/** What is wrong with the page as it is now, in words; empty when nothing is. */
async function problemsOf(page: Page, where: string, viewport: Viewport): Promise<string[]> {
  const problems: string[] = [];
  for (const v of await scan(
    page,
    viewport.name === 'desktop' ? undefined : viewport.colorScheme === 'dark' ? COLOUR_RULES : LAYOUT_RULES,
  ))
    problems.push(`${where}: axe ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(', ')}`);
  const { scrollWidth, innerWidth, background } = await page.evaluate(() => {
    const g = globalThis as any;
    return {
      scrollWidth: g.document.documentElement.scrollWidth,
      innerWidth: g.innerWidth,
      background: g.getComputedStyle(g.document.body).backgroundColor,
    };
  });
  if (scrollWidth > innerWidth)
    problems.push(`${where}: the page scrolls sideways (${scrollWidth} px wide in a ${innerWidth} px window)`);
  // Nor is a link of the navigation hidden in a box that scrolls sideways.
  for (const link of await page.getByRole('navigation', { name: 'Main' }).getByRole('link').all()) {
    const box = await link.boundingBox();
    if (box && (box.x < 0 || box.x + box.width > innerWidth))
      problems.push(`${where}: the navigation's link "${await link.textContent()}" is outside the window`);
  }
  const [r, g, b] = background.match(/\d+/g)!.map(Number);
  const dark = r + g + b < 3 * 100;
  if (dark !== (viewport.colorScheme === 'dark'))
    problems.push(`${where}: the background is ${background} in the ${viewport.colorScheme} theme`);
  return problems;
}

/**
 * Opens `route` in the app. The first page of a session is loaded; the others are reached as a
 * link would reach them (the app's router follows history), so axe-core, parsed once per loaded
 * page, stays loaded: injecting it takes longer than the scan itself.
 */
async function visit(page: Page, url: string, load: boolean): Promise<void> {
  if (load) await page.goto(url);
  else
    await page.evaluate((to) => {
      const g = globalThis as any;
      g.history.pushState(null, '', to);
      g.dispatchEvent(new g.PopStateEvent('popstate', { state: null }));
    }, new URL(url).pathname + new URL(url).search);
  await page.waitForURL(url);
}

// The dark theme changes colours only (the same page, the same layout as the light one at this
// size), so there axe checks what colours decide; the light desktop run checks everything. The
// phone has the same document as the desktop (only the style sheet's layout differs), so there
// axe checks what layout decides: colours over what now overlaps, the size of what is tapped,
// regions that scroll; names, labels, roles and structure are the desktop run's.
const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];
const LAYOUT_RULES = [
  ...COLOUR_RULES,
  'target-size',
  'scrollable-region-focusable',
  'meta-viewport',
  'meta-viewport-large',
];

/**
 * axeScan (test/support/web.ts) without injecting axe-core again into a page that has it, and with
 * the rules limited to `only` when given.
 */
async function scan(page: Page, only?: string[]) {
  if (!(await page.evaluate(() => 'axe' in globalThis))) {
    if (!only) return axeScan(page);
    await page.evaluate(axe.source);
  }
  const violations = await page.evaluate(async (rules) => {
    const g = globalThis as any;
    const r = await g.axe.run(g.document, {
      resultTypes: ['violations'],
      ...(rules ? { runOnly: { type: 'rule', values: rules } } : {}),
    });
    return r.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n: any) => n.target.join(' ')),
    }));
  }, only ?? null);
  return (violations as Awaited<ReturnType<typeof axeScan>>).filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
}

async function scanAll(viewport: Viewport): Promise<string[]> {
  const context: BrowserContext = await newContext(browser, {
    viewport: viewport.size,
    colorScheme: viewport.colorScheme,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  let signedIn: boolean | null = null;
  // Signed out first, then the shared session for the rest.
  for (const route of [...ROUTES.filter((r) => !r.signedIn), ...ROUTES.filter((r) => r.signedIn)]) {
    const where = `${route.name} (${viewport.name})`;
    const load = signedIn !== route.signedIn;
    if (route.signedIn && !signedIn) await context.addCookies([{ ...session, url: ferry.url }]);
    signedIn = route.signedIn;
    try {
      await visit(page, `${ferry.url}${route.path()}`, load);
      await settled(page);
      problems.push(...(await problemsOf(page, where, viewport)));
      await screenshot(page, `a11y-${route.name}-${viewport.name}`);
      for (const step of route.steps ?? []) {
        const stepWhere = `${route.name}/${step.name} (${viewport.name})`;
        await step.go(page);
        problems.push(...(await problemsOf(page, stepWhere, viewport)));
        await screenshot(page, `a11y-${route.name}-${step.name}-${viewport.name}`);
      }
    } catch (err) {
      await screenshot(page, `a11y-${route.name}-${viewport.name}-broken`, { failed: true }).catch(() => {});
      problems.push(`${where}: ${(err as Error).message.split('\n')[0]}`);
      signedIn = null; // load the next page afresh
    }
  }
  await context.close();
  return problems;
}

// The three go side by side: most of the time is the browser's and the server's, not this process's.
const scans = new Map<string, Promise<string[]>>();
const scanOf = (viewport: Viewport) => {
  if (scans.size === 0)
    for (const v of VIEWPORTS)
      scans.set(
        v.name,
        scanAll(v).catch((err: Error) => [`${v.name}: ${err.message}`]),
      );
  return scans.get(viewport.name)!;
};

for (const viewport of VIEWPORTS) {
  const { size, colorScheme } = viewport;
  test(`every page passes axe and fits at ${size.width}×${size.height} ${colorScheme}`, async () => {
    const problems = await scanOf(viewport);
    expect(problems).toEqual([]);
  });
}
