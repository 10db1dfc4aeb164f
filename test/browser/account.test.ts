// Signing up, in and out, confirming the address through the mail Ferry sends, the Account page
// (language, traffic, access tokens) and the expired session, as a person does them in Chromium.
// One Ferry for the file, with address confirmation on (FERRY_VERIFY_EMAIL=1): the other tests do
// not mind it, and the confirmation test needs it.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import {
  axeScan,
  DESKTOP,
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
  [ferry, browser] = await startFerryAndBrowser({ FERRY_VERIFY_EMAIL: '1' });
});
afterAll(async () => {
  await browser?.close();
  await ferry?.stop();
});

async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A link of the navigation (the dashboard may link to the same page in other words). */
const nav = (page: Page, name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true });

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
}

/**
 * No sideways scrolling of the whole page, and (once per page: it takes a while) no serious or critical axe violation.
 */
async function checkPage(page: Page, what: string, axe = true) {
  if (axe) expect({ what, violations: await axeScan(page) }).toEqual({ what, violations: [] });
  const overflow = await page.evaluate<number>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );
  expect(overflow).toBeLessThanOrEqual(0);
}

/** The confirmation link in the newest mail Ferry sent to `email`. */
async function mailedLink(email: string, count = 1): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const mails = ferry.smtp.received.filter((m) => m.to === email);
    if (mails.length >= count) {
      const m = mails[mails.length - 1];
      const link = new RegExp(`${ferry.url.replace(/[.]/g, '\\.')}/verify\\?token=\\S+`).exec(m.text)?.[0];
      expect(link).toBeTruthy();
      return link!;
    }
    expect(Date.now()).toBeLessThan(deadline);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('sign up, sign out and in again; a wrong password and a taken address are told beside the form', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${ferry.url}/signup`);
  await page.getByRole('heading', { level: 1, name: 'Create account' }).waitFor();
  // Too short a password is told before anything is sent.
  await page.getByLabel('Email').fill(newEmail('short'));
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('Use at least 10 characters.').waitFor();
  expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
  await screenshot(page, 'account-signup-desktop');
  await checkPage(page, 'sign-up', false); // axe: a11y.test.ts scans the signed-out pages

  const { email } = await signUp(page, ferry);
  const me = await (await page.request.get(`${ferry.url}/api/v1/me`)).json();
  expect(me.email).toBe(email);
  // the app’s language went with the sign-up
  expect(me.locale).toBe('en');
  await signOut(page);
  await screenshot(page, 'account-signin-desktop');
  await checkPage(page, 'sign-in', false);
  // signed out for the API too
  expect((await page.request.get(`${ferry.url}/api/v1/me`)).status()).toBe(401);

  // A wrong password: the API's words, announced, right under the form; nothing else happens.
  await signIn(page, email, 'not the right password');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  expect((await alert.textContent())?.trim()).toBe('Wrong email or password.');
  expect(new URL(page.url()).pathname).toBe('/signin');
  // the message is in the form it concerns
  expect(await page.locator('form').getByRole('alert').isVisible()).toBeTruthy();

  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await nav(page, 'Dashboard').waitFor();
  expect(new URL(page.url()).pathname).toBe('/');
  // Signed in, the sign-in page goes straight on.
  await page.goto(`${ferry.url}/signin`);
  await page.waitForURL(`${ferry.url}/`);
  await nav(page, 'Dashboard').waitFor();
  await signOut(page);

  // The same address again, in another case: taken, said beside the form, with the way to sign in.
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Email').fill(email.toUpperCase());
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('alert').getByText('An account with this email already exists. Log in instead.').waitFor();
  await page.getByRole('link', { name: 'Sign in with this address instead' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  // the address comes along
  expect(await page.getByLabel('Email').inputValue()).toBe(email.toUpperCase());

  // The phone layout of both forms.
  await page.setViewportSize(PHONE);
  await screenshot(page, 'account-signin-phone');
  await checkPage(page, 'sign-in on a phone', false);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Create account' }).waitFor();
  await screenshot(page, 'account-signup-phone');
  await checkPage(page, 'sign-up on a phone', false);
  await context.close();
});

test(
  'the address is confirmed through the mailed link: ' +
    'the app’s page names it, Confirm confirms, the Account page shows it',
  async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const { email } = await signUp(page, ferry);
    const first = await mailedLink(email);

    // Unconfirmed: the Account page says so and mails a new link on request.
    await nav(page, 'Account').click();
    await page.getByText('Not confirmed yet').waitFor();
    await page.getByRole('button', { name: 'Send the link again' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `A new link is on its way to ${email}` })
      .waitFor();
    const second = await mailedLink(email, 2);
    expect(second).not.toBe(first);

    // A link Ferry never sent says what to do.
    await page.goto(`${ferry.url}/verify?token=fv_not-one-ferry-sent`);
    await page.getByRole('heading', { level: 1, name: 'This link cannot be used' }).waitFor();
    await page.getByText('Send the link again').waitFor();

    await page.goto(second);
    await page.getByRole('heading', { level: 1, name: 'Confirm your email address' }).waitFor();
    await page.getByText(`A Ferry account was created with the address ${email}.`).waitFor();
    await screenshot(page, 'account-verify-desktop');
    await checkPage(page, 'the confirmation page');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'account-verify-phone');
    await checkPage(page, 'the confirmation page on a phone', false);
    await page.setViewportSize(DESKTOP);
    const still = await (await page.request.get(`${ferry.url}/api/v1/me`)).json();
    // opening the link confirms nothing
    expect(still.emailVerified).toBe(false);

    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { level: 1, name: 'Address confirmed' }).waitFor();
    await page.getByText(`${email} is confirmed.`).waitFor();
    await page.getByRole('link', { name: 'Go to your account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
    await page.getByText('Confirmed', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Send the link again' }).count()).toBe(0);
    expect((await (await page.request.get(`${ferry.url}/api/v1/me`)).json()).emailVerified).toBe(true);

    // Used, the link says so.
    await page.goto(second);
    await page.getByRole('heading', { level: 1, name: 'This link cannot be used' }).waitFor();
    await context.close();
  },
);

test('the language switches the app at once and is saved to the account, for the mails', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const { email } = await signUp(page, ferry);
  await nav(page, 'Account').click();
  await page.getByRole('combobox', { name: 'Language' }).selectOption({ label: 'Deutsch' });
  await nav(page, 'Übersicht').waitFor();
  await page.getByRole('heading', { level: 1, name: 'Konto' }).waitFor();
  await page.getByText('Gespeichert. Ferry schreibt dir ab jetzt auf Deutsch.').waitFor();
  expect(await nav(page, 'Dashboard').count()).toBe(0);
  // users.locale, which the mails read
  expect((await (await page.request.get(`${ferry.url}/api/v1/me`)).json()).locale).toBe('de');
  // Kept: a new visit speaks German from the account, not from the (English) browser.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Konto' }).waitFor();
  await page.getByRole('combobox', { name: 'Sprache' }).selectOption('fr');
  await nav(page, 'Tableau de bord').waitFor();
  await page.getByText('Enregistré. Ferry vous écrira désormais en français.').waitFor();
  expect((await (await page.request.get(`${ferry.url}/api/v1/me`)).json()).locale).toBe('fr');
  // Signed out, the app keeps speaking French, the API's refusals included.
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  // The account page (with its own E-mail) is gone once sign-in shows.
  await page.getByRole('heading', { level: 1, name: 'Se connecter' }).waitFor();
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill('not the right password');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('alert').getByText('Adresse e-mail ou mot de passe incorrect.').waitFor();
  await context.close();
});

test(
  'an access token: created, shown once with a warning, works as a Bearer; ' +
    'revoked after a question, it no longer works',
  async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signUp(page, ferry);
    await nav(page, 'Account').click();
    await page.getByRole('heading', { name: 'No access tokens' }).waitFor();
    await page.getByRole('progressbar', { name: 'Used so far' }).waitFor();
    expect((await page.getByRole('progressbar', { name: 'Used so far' }).getAttribute('aria-valuetext')) ?? '').toMatch(
      /^0 B of [\d.,]+ GB$/,
    );

    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText('Give the token a name.').waitFor();
    await page.getByLabel('Token name').fill('Backup script');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByRole('heading', { name: 'Your new token “Backup script”' }).waitFor();
    await page.getByText('Ferry will not show it again').waitFor();
    const token = await page.getByLabel('The token').inputValue();
    expect(token).toMatch(/^fy_/);
    await page
      .getByRole('row', { name: /Backup script/ })
      .getByRole('cell', { name: 'Never' })
      .waitFor();
    await screenshot(page, 'account-token-desktop');
    await checkPage(page, 'the Account page with a new token');

    const asScript = () => fetch(`${ferry.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await asScript()).status).toBe(200);
    // Shown once: after a reload the page has it no more; the list says it was used.
    await page.reload();
    await page.getByRole('row', { name: /Backup script/ }).waitFor();
    expect(await page.getByLabel('The token').count()).toBe(0);
    expect(await page.content()).not.toContain(token);
    // last used is shown
    expect(
      await page
        .getByRole('row', { name: /Backup script/ })
        .getByRole('cell', { name: 'Never' })
        .count(),
    ).toBe(0);

    await page.setViewportSize(PHONE);
    await screenshot(page, 'account-phone');
    await checkPage(page, 'the Account page on a phone', false);
    await page.setViewportSize(DESKTOP);

    // Revoking asks first; keeping it changes nothing.
    await page.getByRole('button', { name: 'Revoke “Backup script”' }).click();
    await page.getByText('Scripts that use it stop working at once.').waitFor();
    await page.getByRole('button', { name: 'Keep it' }).click();
    expect((await asScript()).status).toBe(200);
    await page.getByRole('button', { name: 'Revoke “Backup script”' }).click();
    await page.getByRole('button', { name: 'Yes, revoke it' }).click();
    await page.getByText('“Backup script” is revoked.').waitFor();
    await page.getByRole('heading', { name: 'No access tokens' }).waitFor();
    expect((await asScript()).status).toBe(401);
    await screenshot(page, 'account-desktop');
    await context.close();
  },
);

test('an expired session returns to sign-in with a notice, then back to the same page', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const { email } = await signUp(page, ferry);
  await nav(page, 'Account').click();
  await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();

  await context.clearCookies();
  await page.getByLabel('Token name').fill('after expiry');
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByText('Your session has ended. Sign in again to continue.').waitFor();
  const at = new URL(page.url());
  expect(at.pathname).toBe('/signin');
  expect(at.searchParams.get('next')).toBe('/account');

  await signIn(page, email);
  await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/account');
  await context.close();
});

test('sign-in returns only to pages of this app: a `next` pointing elsewhere lands on the dashboard', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const { email } = await signUp(page, ferry);
  await signOut(page);

  await page.goto(`${ferry.url}/signin?next=${encodeURIComponent('//evil.example/x')}`);
  await signIn(page, email);
  await nav(page, 'Dashboard').waitFor();
  expect(page.url()).toBe(`${ferry.url}/`);

  // Signed in, the sign-in page goes straight to `next`: the same rule.
  for (const next of ['https://evil.example/', '/\\evil.example', '/\t/evil.example', 'javascript:alert(1)']) {
    await page.goto(`${ferry.url}/signin?next=${encodeURIComponent(next)}`);
    await page.waitForURL(`${ferry.url}/`);
    await nav(page, 'Dashboard').waitFor();
    expect(page.url()).toBe(`${ferry.url}/`);
  }
  await page.goto(`${ferry.url}/signin?next=${encodeURIComponent('/account?x=1')}`);
  await page.waitForURL(`${ferry.url}/account?x=1`);
  await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
  await context.close();
});
