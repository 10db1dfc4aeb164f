// The operator's console as an operator uses it in Chromium: Ferry started with FERRY_ADMINS naming
// an address, which administers once it is confirmed (FERRY_VERIFY_EMAIL=1: through the mailed
// link). The Admin link, the accounts with their plans, a new plan given to a user, suspending and
// resuming that user (as that user sees it too), and the audit log that records it.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  newContext,
  newEmail,
  PASSWORD,
  screenshot,
  signUp,
  startFerryAndBrowser,
  type WebFerry,
} from '../support/web.ts';

const OPERATOR = newEmail('operator');
let ferry: WebFerry;
let browser: Browser;
/** The operator's own signed-in browser, and a plain user's. */
let operator: { context: BrowserContext; page: Page };
let user: { context: BrowserContext; page: Page; email: string };

/** A link of the app's main navigation. */
const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

/** Confirms `email` as its owner does: the mailed link, then Confirm. */
async function confirmAddress(page: Page, email: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let link: string | undefined;
  while (!link) {
    const mail = ferry.smtp.received.find((m) => m.to === email);
    link = mail && new RegExp(`${ferry.url.replace(/[.]/g, '\\.')}/verify\\?token=\\S+`).exec(mail.text)?.[0];
    if (!link) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await page.goto(link);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('heading', { level: 1, name: 'Address confirmed' }).waitFor();
}

/** The first mail to `email` whose subject matches, once it arrives. */
async function mailTo(email: string, subject: RegExp) {
  for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 100))) {
    const mail = ferry.smtp.received.find((m) => m.to === email && subject.test(m.subject));
    if (mail) return mail;
    expect(Date.now()).toBeLessThan(deadline);
  }
}

async function signIn(page: Page, email: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The row of the accounts list (on /admin) for `email`. */
const accountRow = (page: Page, email: string) => page.getByRole('row').filter({ hasText: email });

beforeAll(async () => {
  [ferry, browser] = await startFerryAndBrowser({ FERRY_VERIFY_EMAIL: '1', FERRY_ADMINS: OPERATOR });
  const context = await newContext(browser);
  const page = await context.newPage();
  await signUp(page, ferry, OPERATOR);
  await confirmAddress(page, OPERATOR);
  operator = { context, page };
});

afterAll(async () => {
  await browser?.close();
  await ferry?.stop();
});

test('the Admin link shows for the confirmed operator only; a plain user is refused the console', async () => {
  const { page } = operator;
  await page.goto(`${ferry.url}/`);
  await nav(page, 'Admin').click();
  await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Figures' }).waitFor();
  await accountRow(page, OPERATOR).waitFor();

  const context = await newContext(browser);
  const plain = await context.newPage();
  const { email } = await signUp(plain, ferry);
  await confirmAddress(plain, email);
  user = { context, page: plain, email };
  await plain.goto(`${ferry.url}/`);
  await nav(plain, 'Account').waitFor();
  expect(await nav(plain, 'Admin').count()).toBe(0);
  // Typed in, the console says once that it is not theirs, and shows nothing of it.
  await plain.goto(`${ferry.url}/admin`);
  await plain.getByRole('alert').filter({ hasText: 'This page is for the administrators of this Ferry.' }).waitFor();
  expect(await plain.getByRole('alert').count()).toBe(1);
  expect(await plain.getByRole('row').count()).toBe(0);
});

test('the accounts list shows a user with their plan; a new plan given to them shows on their row', async () => {
  const { page } = operator;
  await page.goto(`${ferry.url}/admin`);
  const row = accountRow(page, user.email);
  await row.getByRole('cell', { name: 'Free', exact: true }).waitFor();
  await row.getByRole('cell', { name: '0 B of 5 GB' }).waitFor();
  expect(await row.getByRole('cell').last().textContent()).toBe('Never');
  // Searching by part of the address leaves the others out.
  await page.getByLabel('Search by address').fill(user.email.split('@')[0]);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/\?q=/);
  await expect(accountRow(page, OPERATOR).count()).resolves.toBe(0);
  await row.waitFor();
  await screenshot(page, 'admin-accounts-desktop');

  // A new plan, on the Plans page.
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Plans' }).click();
  await page.getByRole('heading', { level: 1, name: 'Plans' }).waitFor();
  await page.getByRole('row', { name: /Free/ }).waitFor();
  await page.getByRole('button', { name: 'Create plan' }).click();
  await page.getByText('Give the plan a name.').waitFor();
  await page.getByLabel('ID').fill('team');
  await page.getByLabel('Name', { exact: true }).fill('Team');
  await page.getByLabel('Monthly traffic in GB').fill('50');
  await page.getByLabel('Tasks at most').fill('10');
  await page.getByRole('radio', { name: 'Only the kinds ticked below' }).check();
  await page.getByRole('checkbox', { name: 'Folder on this server' }).check();
  await page.getByRole('button', { name: 'Create plan' }).click();
  await page.getByRole('status').filter({ hasText: 'The plan “Team” is created.' }).waitFor();
  const team = page.getByRole('row', { name: /Team/ });
  await team.getByRole('cell', { name: '50 GB' }).waitFor();
  await team.getByRole('cell', { name: 'No limit' }).waitFor();
  await screenshot(page, 'admin-plans-desktop');

  // Given to the user on their page.
  await page.goto(`${ferry.url}/admin`);
  await accountRow(page, user.email).getByRole('link', { name: user.email }).click();
  await page.getByRole('heading', { level: 1, name: user.email }).waitFor();
  await page.getByRole('combobox', { name: 'Plan' }).selectOption({ label: 'Team (team)' });
  await page.getByRole('button', { name: 'Save plan and traffic' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  expect(await page.getByRole('progressbar', { name: 'Traffic used this month' }).getAttribute('aria-valuetext')).toBe(
    '0 B of 50 GB',
  );
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Accounts' }).click();
  const moved = accountRow(page, user.email);
  await moved.getByRole('cell', { name: 'Team', exact: true }).waitFor();
  await moved.getByRole('cell', { name: '0 B of 50 GB' }).waitFor();

  // An own limit beats the plan's traffic; "the plan's" again undoes it.
  await moved.getByRole('link', { name: user.email }).click();
  await page.getByRole('radio', { name: 'A limit of its own' }).check();
  await page.getByLabel('Own limit in GB').fill('7.5');
  await page.getByRole('button', { name: 'Save plan and traffic' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await page.getByText('7.5 GB', { exact: true }).waitFor();
  await page.getByRole('radio', { name: 'The plan’s (50 GB)' }).check();
  await page.getByRole('button', { name: 'Save plan and traffic' }).click();
  await page.getByRole('definition').filter({ hasText: 'The plan’s' }).waitFor();

  // The plan cannot go while the user is on it: the server says why.
  await page.goto(`${ferry.url}/admin/plans`);
  await page.getByRole('row', { name: /Team/ }).getByRole('cell', { name: '1', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Remove the plan “Team”' }).click();
  await page.getByText('1 account is on it').waitFor();
  await page.getByRole('button', { name: 'Yes, remove it' }).click();
  await page
    .getByRole('alert')
    .filter({ hasText: '1 account is on the plan "Team": move them to another first.' })
    .waitFor();
  await screenshot(page, 'admin-plan-remove-refused-desktop');
  await page.getByRole('button', { name: 'Keep it' }).click();
  await page.getByRole('row', { name: /Team/ }).waitFor();
});

test('a suspended user is signed out and refused with the suspension message; resumed, they sign in', async () => {
  const { page } = operator;
  // Suspending oneself is refused, in the server's words.
  await page.goto(`${ferry.url}/admin`);
  await accountRow(page, OPERATOR).getByRole('link', { name: OPERATOR }).click();
  await page.getByRole('heading', { level: 1, name: OPERATOR }).waitFor();
  await page.getByRole('button', { name: 'Suspend this account…' }).click();
  await page.getByRole('button', { name: 'Yes, suspend it' }).click();
  await page.getByRole('alert').filter({ hasText: 'You cannot suspend your own account.' }).waitFor();

  await page.goto(`${ferry.url}/admin`);
  await accountRow(page, user.email).getByRole('link', { name: user.email }).click();
  await page.getByRole('heading', { level: 1, name: user.email }).waitFor();
  await page.getByText('The account is active.').waitFor();
  await page.getByRole('button', { name: 'Suspend this account…' }).click();
  // The step says what it does before anything happens.
  await page.getByRole('heading', { name: `Suspend ${user.email}?` }).waitFor();
  for (const effect of ['refuses its sign-in', 'cancels its runs', 'holds its schedules', 'mails the user'])
    await page.getByText(effect).waitFor();
  await page.getByRole('button', { name: 'Keep it active' }).click();
  await page.getByText('The account is active.').waitFor();
  await page.getByRole('button', { name: 'Suspend this account…' }).click();
  await page.getByLabel('Reason (optional)').fill('Payment overdue');
  await screenshot(page, 'admin-suspend-desktop');
  await page.getByRole('button', { name: 'Yes, suspend it' }).click();
  await page.getByRole('status').filter({ hasText: 'The account is suspended.' }).waitFor();
  await page.getByText('Reason: Payment overdue').waitFor();
  await page.getByRole('button', { name: 'Resume this account' }).waitFor();

  // The list: Suspended on the row, and among the suspended only.
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Accounts' }).click();
  await accountRow(page, user.email).getByText('Suspended', { exact: true }).waitFor();
  await page.getByRole('checkbox', { name: 'Suspended accounts only' }).check();
  await page.waitForURL(/suspended=true/);
  await accountRow(page, user.email).waitFor();
  await expect(accountRow(page, OPERATOR).count()).resolves.toBe(0);
  await screenshot(page, 'admin-suspended-desktop');

  // The user, mailed with the reason; their next page load lands on sign-in, which refuses them.
  const mail = await mailTo(user.email, /suspended/);
  expect(mail.text).toContain('Payment overdue');
  await user.page.goto(`${ferry.url}/tasks`);
  await user.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await signIn(user.page, user.email);
  await user.page.getByRole('alert').filter({ hasText: 'This account is suspended' }).waitFor();
  expect(new URL(user.page.url()).pathname).toBe('/signin');

  // Resumed, they sign in.
  await accountRow(page, user.email).getByRole('link', { name: user.email }).click();
  await page.getByRole('button', { name: 'Resume this account' }).click();
  await page.getByRole('status').filter({ hasText: 'The account is active again.' }).waitFor();
  await page.getByRole('button', { name: 'Suspend this account…' }).waitFor();
  await signIn(user.page, user.email);
  await nav(user.page, 'Dashboard').waitFor();
});

test('the audit log lists the suspension by the operator, newest first, and filters by kind of action', async () => {
  const { page } = operator;
  await page.goto(`${ferry.url}/admin`);
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
  await page.getByRole('combobox', { name: 'Actions' }).selectOption({ label: 'Administration (admin.)' });
  await page.waitForURL(/action=admin\./);
  const suspend = page.getByRole('row').filter({ hasText: 'admin.user.suspend' });
  await suspend.getByRole('cell', { name: OPERATOR }).waitFor();
  await suspend.getByText('Payment overdue').waitFor();
  // Only admin.* actions, the newest (the resumption) first.
  const actions = await page.locator('tbody tr td:nth-of-type(2)').allTextContents();
  expect(actions.length).toBeGreaterThan(3);
  expect(actions.every((a) => a.startsWith('admin.'))).toBe(true);
  expect(actions[0]).toBe('admin.user.resume');
  expect(actions).toContain('admin.plan.create');
  await screenshot(page, 'admin-audit-desktop');

  // All actions: the users' own too (sign-ups, and the refused sign-in of the suspended user).
  await page.getByRole('combobox', { name: 'Actions' }).selectOption({ label: 'All actions' });
  await page
    .getByRole('row')
    .filter({ hasText: 'user.login_suspended' })
    .getByRole('cell', { name: user.email })
    .waitFor();
  await page.getByRole('row').filter({ hasText: 'user.signup' }).first().waitFor();
});
