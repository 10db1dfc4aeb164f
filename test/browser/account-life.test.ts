// The account's life cycle as a person goes through it in Chromium: a forgotten password (the mail,
// its link, a new password), a new password on the Account page, the sessions list and ending
// another browser's session, two-factor sign-in (set up from the key the page shows, signing in
// with the app's code and with a recovery code, turned off), downloading one's data and deleting
// the account. Codes are computed here as an authenticator app would (otpauth).
import fs from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as OTPAuth from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import {
  axeScan,
  newContext,
  newEmail,
  PASSWORD,
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

const NEW_PASSWORD = 'a brand new passphrase';

async function signIn(page: Page, email: string, password = PASSWORD) {
  if (new URL(page.url()).pathname !== '/signin') await page.goto(`${ferry.url}/signin`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const nav = (page: Page, name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true });
const region = (page: Page, name: string) => page.getByRole('region', { name, exact: true });

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
}

async function toAccount(page: Page) {
  await nav(page, 'Account').click();
  await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
}

/** No serious or critical axe violation, and no sideways scrolling. */
async function checkPage(page: Page, what: string, axe = true) {
  if (axe) expect({ what, violations: await axeScan(page) }).toEqual({ what, violations: [] });
  const overflow = await page.evaluate<number>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );
  expect(overflow).toBeLessThanOrEqual(0);
}

/** Waits (up to 15 s) until `read` gives `want`, then checks it. */
async function eventually<T>(read: () => Promise<T>, want: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await read();
    if (want(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The link of the newest mail to `email` whose text has `path?token=`. */
async function mailedLink(email: string, path: string): Promise<string> {
  const pattern = new RegExp(`${ferry.url.replace(/[.]/g, '\\.')}${path}\\?token=\\S+`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const link = ferry.smtp.received
      .filter((m) => m.to === email)
      .map((m) => pattern.exec(m.text)?.[0])
      .findLast(Boolean);
    if (link) return link;
    expect(Date.now()).toBeLessThan(deadline);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Run in the page: whether the element has the focus. */
const focused = (el: unknown) => (globalThis as any).document.activeElement === el;

const loginStatus = async (email: string, password: string) =>
  (
    await fetch(`${ferry.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    })
  ).status;

test('a forgotten password: the mail’s link sets a new one, which signs in; the old one no longer does', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const { email } = await signUp(page, ferry);
  await signOut(page);

  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByRole('heading', { level: 1, name: 'Forgot your password?' }).waitFor();
  await page.getByRole('button', { name: 'Send the link' }).click();
  await page.getByText('Enter your email address.').waitFor();
  await checkPage(page, 'forgot password');
  // An address without an account gets the same answer, and no mail.
  const stranger = newEmail('stranger');
  await page.getByLabel('Email').fill(stranger);
  await page.getByRole('button', { name: 'Send the link' }).click();
  const sent = page.getByRole('status').filter({ hasText: 'If an account has this address, a link is on its way' });
  await sent.waitFor();
  expect(await sent.textContent()).toContain('it works once within an hour');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await sent.waitFor();
  await screenshot(page, 'account-life-forgot');
  const link = await mailedLink(email, '/reset-password');
  expect(ferry.smtp.received.some((m) => m.to === stranger)).toBe(false);

  await page.goto(link);
  await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
  await checkPage(page, 'reset password');
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('Repeat the new password').fill('not the same passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('The two passwords are not the same.').waitFor();
  await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('heading', { level: 1, name: 'Password changed' }).waitFor();
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();

  // The old password is refused, the new one signs in.
  await signIn(page, email);
  await page.getByRole('alert').getByText('Wrong email or password.').waitFor();
  await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await nav(page, 'Dashboard').waitFor();

  // The link worked once: now it says so, with the way to ask again.
  await page.goto(link);
  await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
  await page.getByLabel('New password', { exact: true }).fill('yet another passphrase');
  await page.getByLabel('Repeat the new password').fill('yet another passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('heading', { level: 1, name: 'This link cannot be used' }).waitFor();
  await checkPage(page, 'reset link used');
  await page.getByRole('link', { name: 'Ask for a new link' }).click();
  await page.getByRole('heading', { level: 1, name: 'Forgot your password?' }).waitFor();
  expect(await loginStatus(email, NEW_PASSWORD)).toBe(200);
  await context.close();
});

test('the password changes on the Account page: the current one is asked, the new one signs in', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const { email } = await signUp(page, ferry);
  await toAccount(page);
  const section = region(page, 'Password');

  await section.getByLabel('Current password').fill('not my password at all');
  await section.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await section.getByLabel('Repeat the new password').fill('something else entirely');
  await section.getByRole('button', { name: 'Change password' }).click();
  await section.getByText('The two new passwords are not the same.').waitFor();
  await section.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
  await section.getByRole('button', { name: 'Change password' }).click();
  await section.getByRole('alert').getByText('The password is wrong.').waitFor();

  await section.getByLabel('Current password').fill(PASSWORD);
  await section.getByRole('button', { name: 'Change password' }).click();
  await section.getByRole('status').getByText('Password changed.').waitFor();
  // the fields are emptied
  expect(await section.getByLabel('Current password').inputValue()).toBe('');
  // This browser stays signed in.
  expect((await page.request.get(`${ferry.url}/api/v1/me`)).status()).toBe(200);
  expect(await loginStatus(email, PASSWORD)).toBe(401);

  await signOut(page);
  await signIn(page, email, NEW_PASSWORD);
  await nav(page, 'Dashboard').waitFor();
  await context.close();
});

test('a new address: asked on the Account page, confirmed from its mailed link, then used to sign in', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const { email } = await signUp(page, ferry);
  await toAccount(page);
  const section = region(page, 'Your email address');
  await section.getByRole('button', { name: 'Change your address…' }).click();
  const next = `moved-${crypto.randomUUID().slice(0, 8)}@example.org`;
  await section.getByLabel('New address').fill(next);
  await section.getByLabel('Current password').fill('not my password at all');
  await section.getByRole('button', { name: 'Send the link' }).click();
  await section.getByRole('alert').getByText('The password is wrong.').waitFor();
  await section.getByLabel('Current password').fill(PASSWORD);
  await section.getByRole('button', { name: 'Send the link' }).click();
  await section.getByRole('status').getByText(`A link is on its way to ${next}.`, { exact: false }).waitFor();
  await checkPage(page, 'address link sent');
  // The old address is told; the new one gets the link, whose page confirms with its button.
  const told = async () => ferry.smtp.received.some((m) => m.to === email && m.text.includes(next));
  expect(await eventually(told, Boolean)).toBe(true);
  await page.goto(await mailedLink(next, '/api/v1/auth/email-change'));
  await page.getByRole('button', { name: 'Confirm the new address' }).click();
  await page.getByRole('heading', { name: 'Confirmed' }).waitFor();
  expect(await loginStatus(email, PASSWORD)).toBe(401);
  expect(await loginStatus(next, PASSWORD)).toBe(200);
  await context.close();
});

test('the sessions list shows both browsers; ending the other signs it out, as does “everywhere else”', async () => {
  const [contextA, contextB] = [await newContext(browser), await newContext(browser)];
  const a = await contextA.newPage();
  const b = await contextB.newPage();
  const { email } = await signUp(a, ferry);
  await signIn(b, email);
  await nav(b, 'Dashboard').waitFor();

  await toAccount(a);
  const sessions = region(a, 'Sessions');
  const items = sessions.getByRole('listitem');
  expect(
    await eventually(
      () => items.count(),
      (n) => n === 2,
    ),
  ).toBe(2);
  // This browser is marked, has no End button; both are named from their User-Agent.
  const mine = items.filter({ hasText: 'This device' });
  expect(await mine.count()).toBe(1);
  expect(await mine.getByRole('button').count()).toBe(0);
  expect(await items.filter({ hasText: 'Chrome on Linux' }).count()).toBe(2);
  expect(await items.first().textContent()).toContain('IP address: 127.0.0.1');
  await screenshot(a, 'account-life-sessions');
  await checkPage(a, 'the Account page with two sessions');
  await a.setViewportSize(PHONE);
  await checkPage(a, 'the Account page on a phone', false);
  await a.setViewportSize({ width: 1280, height: 800 });

  await sessions.getByRole('button', { name: /^End session: Chrome on Linux, signed in / }).click();
  await sessions.getByRole('status').getByText('The session is ended').waitFor();
  expect(
    await eventually(
      () => items.count(),
      (n) => n === 1,
    ),
  ).toBe(1);
  // B, on its next page, is at sign-in.
  await b.reload();
  await b.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();

  // Signed in again in B; "Sign out everywhere else" ends it, A stays.
  await signIn(b, email);
  await nav(b, 'Dashboard').waitFor();
  await a.reload();
  expect(
    await eventually(
      () => items.count(),
      (n) => n === 2,
    ),
  ).toBe(2);
  await sessions.getByRole('button', { name: 'Sign out everywhere else' }).click();
  await sessions.getByRole('status').getByText('Signed out on 1 other device.').waitFor();
  expect(
    await eventually(
      () => items.count(),
      (n) => n === 1,
    ),
  ).toBe(1);
  expect(await sessions.getByRole('button', { name: 'Sign out everywhere else' }).count()).toBe(0);
  await nav(b, 'Account').click();
  await b.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  expect((await a.request.get(`${ferry.url}/api/v1/me`)).status()).toBe(200);
  await contextA.close();
  await contextB.close();
});

test(
  'two-factor sign-in: set up from the page’s key, then signing in asks for the app’s code or a recovery code; ' +
    'turned off',
  async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const { email } = await signUp(page, ferry);
    await toAccount(page);
    const section = region(page, 'Two-factor sign-in');
    await section.getByText('Off', { exact: true }).waitFor();

    await section.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    const qr = section.getByRole('img', { name: 'QR code to scan with your authenticator app' });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;charset=utf-8,/);
    // the policy lets the image show
    const shown = () => qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
    expect(await eventually(shown, (w) => w > 0)).toBeGreaterThan(0);
    const secret = await section.getByLabel('Setup key').inputValue();
    expect(secret).toMatch(/^[A-Z2-7]+=*$/);
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    await screenshot(page, 'account-life-two-factor-setup');
    await checkPage(page, 'two-factor set-up');

    // A wrong code is told; the right one turns it on and shows the recovery codes once.
    await section
      .getByLabel('The 6-digit code the app shows now')
      .fill(totp.generate({ timestamp: Date.now() - 600_000 }));
    await section.getByRole('button', { name: 'Turn on' }).click();
    await section.getByRole('alert').getByText('The code is wrong').waitFor();
    await section.getByLabel('The 6-digit code the app shows now').fill(totp.generate());
    await section.getByRole('button', { name: 'Turn on' }).click();
    await section.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    await section.getByText('Store these somewhere safe now').waitFor();
    const codes = await section.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      section.getByRole('button', { name: 'Download as a text file' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('ferry-recovery-codes.txt');
    const file = await fs.readFile((await download.path())!, 'utf8');
    for (const code of codes) expect(file).toContain(code);
    await screenshot(page, 'account-life-recovery-codes');
    await checkPage(page, 'the recovery codes');
    await section.getByRole('button', { name: 'I have stored them' }).click();
    await section.getByText('On', { exact: true }).waitFor();
    expect(await section.getByText(codes[0]).count()).toBe(0);
    expect((await (await page.request.get(`${ferry.url}/api/v1/me`)).json()).twoFactor).toBe(true);

    // Signing in: the password, then the code step, the focus in its field.
    await signOut(page);
    await signIn(page, email);
    const codeField = page.getByLabel('Code from your authenticator app, or a recovery code');
    await codeField.waitFor();
    expect(await codeField.evaluate(focused)).toBe(true);
    expect((await page.request.get(`${ferry.url}/api/v1/me`)).status()).toBe(401);
    await checkPage(page, 'sign-in, the code step');
    await screenshot(page, 'account-life-signin-code');
    await codeField.fill('12345');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('The code is wrong').waitFor();
    // The app's next code (the one that turned it on is spent).
    await codeField.fill(totp.generate({ timestamp: Date.now() + 30_000 }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await nav(page, 'Dashboard').waitFor();

    // A recovery code works once.
    await signOut(page);
    await signIn(page, email);
    await codeField.fill(codes[0]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await nav(page, 'Dashboard').waitFor();
    await signOut(page);
    await signIn(page, email);
    await codeField.fill(codes[0]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('The code is wrong').waitFor();

    // A challenge gone stale (5 minutes, here answered as the API would): back to the password, the
    // address kept.
    await page.route('**/api/v1/auth/login/second-factor', (route) =>
      route.fulfill({
        status: 400,
        json: { error: { code: 'invalid_token', message: 'This sign-in has expired or was completed.' } },
      }),
    );
    await codeField.fill(codes[1]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('This sign-in took too long or was already completed.').waitFor();
    expect(await page.getByLabel('Email').inputValue()).toBe(email);
    expect(await page.getByLabel('Password', { exact: true }).evaluate(focused)).toBe(true);
    await page.unroute('**/api/v1/auth/login/second-factor');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await codeField.fill(codes[1]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await nav(page, 'Dashboard').waitFor();

    // Turning it off asks for the password and a code.
    await toAccount(page);
    await section.getByRole('button', { name: 'Turn off…' }).click();
    await section.getByLabel('Your password').fill('not my password at all');
    await section.getByLabel('Code from your authenticator app, or a recovery code').fill(codes[2]);
    await section.getByRole('button', { name: 'Turn off two-factor sign-in' }).click();
    await section.getByRole('alert').getByText('The password is wrong.').waitFor();
    await section.getByLabel('Your password').fill(PASSWORD);
    await section.getByRole('button', { name: 'Turn off two-factor sign-in' }).click();
    await section.getByRole('status').getByText('Two-factor sign-in is off.').waitFor();
    await section.getByText('Off', { exact: true }).waitFor();
    await signOut(page);
    await signIn(page, email);
    await nav(page, 'Dashboard').waitFor();
    await context.close();
  },
);

test('the data downloads as JSON; deleting the account says what goes and what stays, then it is gone', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const { email } = await signUp(page, ferry);
  await toAccount(page);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    region(page, 'Your data').getByRole('button', { name: 'Download your data' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^ferry-\d{4}-\d{2}-\d{2}\.json$/);
  const data = JSON.parse(await fs.readFile((await download.path())!, 'utf8'));
  expect(data.account.email).toBe(email);

  const section = region(page, 'Delete your account');
  await section.getByRole('button', { name: 'Delete your account…' }).click();
  await section.getByText('The files Ferry copied stay where they are, at their destinations.').waitFor();
  await section.getByText('connections to your clouds are revoked').waitFor();
  await screenshot(page, 'account-life-delete');
  await checkPage(page, 'deleting the account');
  // no code asked: two-factor sign-in is off
  expect(await section.getByLabel('Code from your authenticator app, or a recovery code').count()).toBe(0);
  await section.getByRole('button', { name: 'Keep my account' }).click();
  await section.getByRole('button', { name: 'Delete your account…' }).click();
  await section.getByLabel('Your password').fill('not my password at all');
  await section.getByRole('button', { name: 'Yes, delete my account' }).click();
  await section.getByRole('alert').getByText('The password is wrong.').waitFor();
  await section.getByLabel('Your password').fill(PASSWORD);
  await section.getByRole('button', { name: 'Yes, delete my account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your account is deleted' }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/goodbye');
  await checkPage(page, 'goodbye');
  expect((await page.request.get(`${ferry.url}/api/v1/me`)).status()).toBe(401);
  expect(await loginStatus(email, PASSWORD)).toBe(401);
  const mails = async () => ferry.smtp.received.filter((m) => m.to === email).length;
  expect(await eventually(mails, (n) => n > 0)).toBeGreaterThan(0);
  await context.close();
});
