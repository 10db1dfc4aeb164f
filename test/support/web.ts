// The web app's end-to-end tests: Ferry started as `npm start` starts it (its own process, data
// folder and embedded PostgreSQL) against the Google, Dropbox and Microsoft emulators, s3rver and
// a real SMTP server, driven in Debian's Chromium by playwright-core. Screenshots go to
// test-artifacts/screenshots (not committed): of a failed page, and with FERRY_TEST_SCREENSHOTS=1 of every page.
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort } from '../../services/core/embedded-postgres.ts';
import { dropboxEnv, startDropboxFake, type DropboxFake } from '../fakes/dropbox.ts';
import { googleEnv, startGoogleFake, type GoogleFake } from '../fakes/google.ts';
import { microsoftEnv, startMicrosoftFake, type MicrosoftFake } from '../fakes/microsoft.ts';
import { createTestDatabase } from './db.ts';
import { spawnStartScript } from './npm-start.ts';
import { startS3, type TestS3 } from './s3.ts';
import { startSmtp, type TestSmtp } from './smtp.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = path.join(repo, 'test-artifacts');

export interface WebFerry {
  url: string;
  /** FERRY_LOCAL_ROOTS: a user's server folders live in `<localRoot>/<user id>/`. */
  localRoot: string;
  google: GoogleFake;
  dropbox: DropboxFake;
  microsoft: MicrosoftFake;
  s3: TestS3;
  smtp: TestSmtp;
  output(): string;
  stop(): Promise<void>;
}

const CLIENT = { clientId: 'ferry-web-test', clientSecret: 'ferry-web-test-secret' };

/**
 * Ferry with every provider configured, as a person would run it against the emulators. Its
 * database, under the test runner, is one of the suite's server (`DATABASE_URL`, a copy of the
 * migrated template) rather than an embedded server of its own: an initdb per file is CPU the
 * suite cannot spare, and test/e2e/start.test.ts covers the embedded start.
 */
export async function startWebFerry(env: Record<string, string> = {}): Promise<WebFerry> {
  const [google, dropbox, microsoft, s3, smtp, database] = await Promise.all([
    startGoogleFake(CLIENT),
    startDropboxFake(CLIENT),
    startMicrosoftFake(CLIENT),
    startS3('web-test'),
    startSmtp(),
    // Outside the test runner (the benchmark), Ferry starts its embedded server as npm start does.
    process.env.FERRY_TEST_PG_URL ? createTestDatabase() : null,
  ]);
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-web-'));
  const localRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-web-local-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('FERRY_') && k !== 'DATABASE_URL' && k !== 'PORT' && k !== 'SMTP_URL',
    ),
  );
  const child: ChildProcess = spawnStartScript(
    {
      ...clean,
      FERRY_DATA_DIR: dataDir,
      ...(database ? { DATABASE_URL: database.url } : {}),
      PORT: String(port),
      FERRY_PUBLIC_URL: url,
      FERRY_LOCAL_ROOTS: localRoot,
      FERRY_ALLOW_PRIVATE_ENDPOINTS: '1',
      FERRY_AUTH_RATE_LIMIT: '1000',
      FERRY_LOG_LEVEL: 'warn',
      // The suite's password hashing cost (test/support/global-setup.ts), not Ferry's.
      ...(process.env.FERRY_TEST_SCRYPT_N ? { FERRY_TEST_SCRYPT_N: process.env.FERRY_TEST_SCRYPT_N } : {}),
      SMTP_URL: smtp.url,
      ...googleEnv(google),
      ...dropboxEnv(dropbox),
      ...microsoftEnv(microsoft),
      ...env,
    },
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid!, 'SIGTERM');
      const killed = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
      await exited;
      clearTimeout(killed);
    }
    await Promise.all([
      google.close(),
      dropbox.close(),
      microsoft.close(),
      s3.close(),
      smtp.stop(),
      database?.drop({ waitForConnections: 5000 }),
    ]);
    if (!database) spawnSync('pkill', ['-KILL', '-f', `postgres -D ${dataDir}`]);
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.rm(localRoot, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Ferry exited (${child.exitCode}):\n${out}`);
    }
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Ferry was not ready within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, localRoot, google, dropbox, microsoft, s3, smtp, output: () => out, stop };
}

/**
 * Debian's old headless shell (package chromium-headless-shell): Chromium's Blink and V8 without the
 * full browser around them, as Playwright's own headless mode runs. Measured on browser/tasks, it
 * took 15 CPU seconds where the full browser in its headless mode took 19 to 20.
 */
const HEADLESS_SHELL = '/usr/lib/chromium/chromium-headless-shell';

// Chromium on this closed network: no sandbox as root, no background connections.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? HEADLESS_SHELL;
  await fs.access(executablePath, fs.constants.X_OK).catch(() => {
    throw new Error(
      `No browser at ${executablePath}: install Debian's headless shell (apt-get install chromium-headless-shell), ` +
        'or set CHROMIUM_PATH to a Chromium.',
    );
  });
  return chromium.launch({
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * Ferry and a browser, started side by side. When one fails to start the other is stopped: a
 * browser left running keeps the test file's process alive, and the whole suite waits for it.
 */
export async function startFerryAndBrowser(env: Record<string, string> = {}): Promise<[WebFerry, Browser]> {
  const [ferry, browser] = await Promise.allSettled([startWebFerry(env), launchBrowser()]);
  if (ferry.status === 'fulfilled' && browser.status === 'fulfilled') return [ferry.value, browser.value];
  if (ferry.status === 'fulfilled') await ferry.value.stop();
  if (browser.status === 'fulfilled') await browser.value.close();
  throw ferry.status === 'rejected' ? ferry.reason : (browser as PromiseRejectedResult).reason;
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

/** A fresh browser profile (no cookies) with English as the browser's language. */
export async function newContext(
  browser: Browser,
  opts: { viewport?: { width: number; height: number }; locale?: string; colorScheme?: 'light' | 'dark' } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? DESKTOP,
    locale: opts.locale ?? 'en-US',
    colorScheme: opts.colorScheme ?? 'light',
  });
  context.setDefaultTimeout(15_000);
  return context;
}

/**
 * A screenshot of the page as it is now, kept as a test artifact: of a page that failed, always; of the
 * others, when FERRY_TEST_SCREENSHOTS is set. Each costs Chromium about a quarter of a CPU second (its
 * compositor draws the whole page again, the browser encodes it): the browser files take some 300, 80
 * of the suite's CPU seconds, for pictures only a person reviewing the app's look reads.
 */
export async function screenshot(page: Page, name: string, { failed = false } = {}): Promise<void> {
  if (!failed && !process.env.FERRY_TEST_SCREENSHOTS) return;
  const file = path.join(ARTIFACTS, 'screenshots', `${name}.png`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
}

let counter = 0;
/** A unique address for a new account. */
export const newEmail = (tag = 'user') => `${tag}-${process.pid}-${Date.now()}-${++counter}@example.com`;
export const PASSWORD = 'a long enough passphrase';

/** Signs up through the app's own form and waits for the dashboard. */
export async function signUp(page: Page, ferry: WebFerry, email = newEmail()): Promise<{ email: string }> {
  await page.goto(`${ferry.url}/signup`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('link', { name: 'Dashboard' }).waitFor();
  return { email };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core on the page as it is now: the serious and critical violations. */
export async function axeScan(page: Page): Promise<AxeViolation[]> {
  // Evaluated, not added as a script tag: the app's policy allows no inline script. Once per
  // document: loading axe takes longer than a scan.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axe.source);
  const result = await page.evaluate(async () => {
    // Runs in the page: the whole document (axe's default context).
    const r = await (globalThis as unknown as { axe: typeof axe }).axe.run({ resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
