// Clouds in the web app, as a person uses them in Chromium: connecting Dropbox through the
// emulator's consent page (and refusing it), adding S3 storage and a server folder with the
// connection tried before saving, checking, renaming, reconnecting and removing. The list, the add
// page and local/S3 cloud pages are scanned with axe in a11y.test.ts; here the page of a signed-in cloud.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { axeScan, newContext, PHONE, screenshot, signUp, startFerryAndBrowser, type WebFerry } from '../support/web.ts';

let ferry: WebFerry;
let browser: Browser;
let signed: { endpoint: string; close(): Promise<void> };
beforeAll(async () => {
  [ferry, browser] = await startFerryAndBrowser();
  signed = await startSignatureCheck(ferry.s3.endpoint, ferry.s3.secretAccessKey);
});
afterAll(async () => {
  await signed?.close();
  await browser?.close();
  await ferry?.stop();
});

/**
 * s3rver checks an access key's id but not the SigV4 signature its secret makes. This proxy in
 * front of it does, as S3 itself does (AWS Signature Version 4, header form): a request signed
 * with another secret is answered 403 SignatureDoesNotMatch; the others pass through.
 */
async function startSignatureCheck(target: string, secret: string) {
  const upstream = new URL(target);
  const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac('sha256', key).update(data).digest();
  const rfc3986 = (v: string) =>
    encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const SIGV4_AUTHORIZATION = new RegExp(
    String.raw`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?` +
      'SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$',
  );
  const valid = (req: http.IncomingMessage) => {
    const auth = SIGV4_AUTHORIZATION.exec(req.headers.authorization ?? '');
    if (!auth) return false;
    const [, , day, region, service, signedHeaders, signature] = auth;
    const [rawPath, rawQuery = ''] = req.url!.split('?');
    const query = rawQuery
      .split('&')
      .filter(Boolean)
      .map((pair) => pair.split('=').map((x) => rfc3986(decodeURIComponent(x ?? ''))))
      .map(([k, v = '']) => `${k}=${v}`)
      .sort()
      .join('&');
    const names = signedHeaders.split(';');
    const headers = names
      .map(
        (n) =>
          `${n}:${String(req.headers[n] ?? '')
            .trim()
            .replace(/\s+/g, ' ')}\n`,
      )
      .join('');
    const canonical = [req.method, rawPath, query, headers, signedHeaders, req.headers['x-amz-content-sha256']].join(
      '\n',
    );
    const amzDate = String(req.headers['x-amz-date']);
    const scope = `${day}/${region}/${service}/aws4_request`;
    const toSign = [
      'AWS4-HMAC-SHA256',
      amzDate,
      scope,
      crypto.createHash('sha256').update(canonical).digest('hex'),
    ].join('\n');
    const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
    return hmac(key, toSign).toString('hex') === signature;
  };
  const server = http.createServer((req, res) => {
    if (!valid(req)) {
      req.resume();
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The ' +
          'request signature we calculated does not match the signature you provided.</Message></Error>',
      );
      return;
    }
    const up = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode!, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.socket?.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type CloudRow = { id: string; kind: string; name: string; status: string; options: Record<string, unknown> };

/** The signed-in user's clouds, as the API has them. */
async function cloudsOf(page: Page): Promise<CloudRow[]> {
  const res = await page.request.get(`${ferry.url}/api/v1/clouds`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { items: CloudRow[] }).items;
}

async function me(page: Page): Promise<{ id: string; csrfToken: string }> {
  return (await page.request.get(`${ferry.url}/api/v1/me`)).json();
}

/** A change through the API as the signed-in user (session cookie plus the CSRF token). */
async function post(page: Page, url: string, data: unknown): Promise<{ id: string }> {
  const res = await page.request.post(`${ferry.url}/api/v1${url}`, {
    data,
    headers: { 'x-csrf-token': (await me(page)).csrfToken },
  });
  expect(res.status()).toBe(201);
  return res.json();
}

async function noSeriousViolations(page: Page, where: string) {
  expect({ where, violations: await axeScan(page) }).toEqual({ where, violations: [] });
}

async function newPage(viewport?: { width: number; height: number }) {
  const context = await newContext(browser, viewport ? { viewport } : {});
  return { context, page: await context.newPage() };
}

const region = (page: Page, name: string) => page.getByRole('region', { name });

test(
  'Dropbox: connected through its consent page, the cloud’s page says so, ' +
    'the list shows it; reconnecting keeps one cloud',
  async () => {
    const { context, page } = await newPage();
    await signUp(page, ferry);
    await page.getByRole('link', { name: 'Clouds' }).click();
    await page.getByRole('heading', { level: 2, name: 'No clouds yet' }).waitFor();
    await screenshot(page, 'clouds-list-empty');

    await page.getByRole('button', { name: 'Add cloud' }).click();
    await page.waitForURL(`${ferry.url}/clouds/new`);
    await page.getByRole('link', { name: 'Connect Dropbox' }).waitFor();
    // Google Photos goes through its guided set-up.
    expect(await page.getByRole('link', { name: 'Set up Google Photos backup' }).getAttribute('href')).toBe('/photos');
    await screenshot(page, 'clouds-add-desktop');

    await page.getByLabel('Name (optional)').fill('Family Dropbox');
    await page.getByRole('link', { name: 'Connect Dropbox' }).click();
    // The emulator's consent page, as Dropbox's own: allow.
    await page.getByRole('heading', { name: `Signed in as ${ferry.dropbox.account.email}` }).waitFor();
    await page.getByRole('button', { name: 'Allow' }).click();

    await page.waitForURL(/\/clouds\/[0-9a-f-]{36}\?connected=1$/);
    await page.getByRole('heading', { level: 1, name: 'Family Dropbox' }).waitFor();
    await page.getByText('Connected. Ferry can now back up from and to this cloud.').waitFor();
    const id = /\/clouds\/([0-9a-f-]{36})/.exec(page.url())![1];
    expect((await cloudsOf(page)).map((c) => [c.id, c.kind, c.name, c.status, c.options.account])).toEqual([
      [id, 'dropbox', 'Family Dropbox', 'ok', ferry.dropbox.account.email],
    ]);
    // The kind and the account in words.
    await page
      .getByRole('definition')
      .filter({ hasText: /^Dropbox$/ })
      .waitFor();
    await page.getByRole('definition').filter({ hasText: ferry.dropbox.account.email }).waitFor();
    await screenshot(page, 'clouds-page-dropbox');
    await noSeriousViolations(page, 'cloud page');

    // Dropbox withdraws the sign-in: the check says so and the cloud needs reconnecting.
    ferry.dropbox.oauth.revoke();
    await page.getByRole('button', { name: 'Check connection' }).click();
    await page
      .getByRole('alert')
      .getByText(/The connection does not work: .*reconnect the cloud/)
      .waitFor();
    await page.getByRole('definition').getByText('Needs reconnecting').waitFor();
    await page.getByText('Ferry can no longer reach this cloud').waitFor();
    await screenshot(page, 'clouds-page-needs-reconnecting');
    await page.getByRole('link', { name: 'Clouds' }).click();
    await page.getByRole('listitem').filter({ hasText: 'Family Dropbox' }).getByText('Needs reconnecting').waitFor();
    await page.getByRole('link', { name: 'Family Dropbox' }).click();

    // Reconnecting: the same account, the same cloud, working again.
    await page.getByRole('link', { name: 'Reconnect' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${ferry.url}/clouds/${id}?reconnected=1`);
    await page.getByText('Reconnected. Ferry uses the new sign-in from now on.').waitFor();
    await page.getByRole('definition').getByText('Connected', { exact: true }).waitFor();
    expect((await cloudsOf(page)).map((c) => [c.id, c.status])).toEqual([[id, 'ok']]);

    await page.getByRole('link', { name: 'Clouds' }).click();
    const card = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Family Dropbox' }) });
    await card.getByText('Connected', { exact: true }).waitFor();
    await card.getByText('Dropbox', { exact: true }).waitFor();
    await context.close();
  },
);

test(
  'a refused consent or a tampered sign-in lands on the app’s page, ' +
    'which says what happened and offers to start again; nothing is saved',
  async () => {
    const { context, page } = await newPage();
    await signUp(page, ferry);
    await page.goto(`${ferry.url}/clouds/new`);
    await page.getByRole('link', { name: 'Connect Dropbox' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(/\/clouds\/new\?error=invalid_request&message=/);
    const alert = page.getByRole('alert');
    await alert.getByText('Dropbox did not grant access (access_denied). Start again to connect it.').waitFor();
    await alert.getByText('Start again below.').waitFor();
    await page.getByRole('link', { name: 'Connect Dropbox' }).waitFor();
    await screenshot(page, 'clouds-add-refused');

    // A callback whose state Ferry never issued (a tampered or stale address).
    await page.goto(`${ferry.url}/api/v1/oauth/dropbox/callback?code=stolen&state=forged`);
    await page.waitForURL(/\/clouds\/new\?error=/);
    await page
      .getByRole('alert')
      .getByText(/state mismatch/)
      .waitFor();
    // The message is shown as text, never as markup.
    await page.goto(`${ferry.url}/clouds/new?error=x&message=${encodeURIComponent('<img src=x onerror=alert(1)>Bad')}`);
    await page.getByRole('alert').getByText('<img src=x onerror=alert(1)>Bad').waitFor();
    expect(await page.locator('main img').count()).toBe(0);
    expect(await cloudsOf(page)).toEqual([]);

    // A provider this server has no sign-in for (every one is configured in this Ferry, so the
    // answer is altered on its way): shown disabled, with the server's reason beside it.
    await page.route('**/api/v1/providers', async (route) => {
      const res = await route.fetch();
      const providers = (await res.json()) as { kind: string; available: boolean; unavailableReason: string | null }[];
      for (const p of providers.filter((x) => x.kind === 'onedrive'))
        Object.assign(p, { available: false, unavailableReason: 'OneDrive needs an OAuth client on this server.' });
      await route.fulfill({ response: res, json: providers });
    });
    await page.goto(`${ferry.url}/clouds/new`);
    const onedrive = page.getByRole('button', { name: 'Connect OneDrive' });
    expect(await onedrive.isDisabled()).toBeTruthy();
    await page.getByText('Not available here: OneDrive needs an OAuth client on this server.').waitFor();
    expect(await page.getByRole('link', { name: 'Connect OneDrive' }).count()).toBe(0);
    await context.close();
  },
);

test(
  'S3: wrong keys are refused beside the form and nothing is saved; ' +
    'right keys are saved, listed, checked and renamed',
  async () => {
    const { context, page } = await newPage();
    await signUp(page, ferry);
    await page.goto(`${ferry.url}/clouds/new`);
    const s3 = ferry.s3.options() as Record<string, string>;
    const form = region(page, 'Amazon S3 or compatible storage');
    // Through the proxy that checks signatures, as S3 does.
    await form.getByLabel('Service address', { exact: true }).fill(signed.endpoint);
    await form.getByLabel('Region', { exact: true }).fill(s3.region);
    await form.getByLabel('Bucket', { exact: true }).fill(ferry.s3.bucket);
    await form.getByLabel('Folder in the bucket (optional)', { exact: true }).fill('family/');
    await form.getByLabel('Access key ID', { exact: true }).fill(s3.accessKeyId);
    await form.getByLabel('Secret access key', { exact: true }).fill('not the secret');
    await form.getByLabel('Use path-style addresses').check();
    await form.getByRole('button', { name: 'Check and add storage' }).click();
    await form
      .getByRole('alert')
      .getByText(/refused these credentials for bucket web-test \(\w+\)\. Check the access key.*Nothing was saved\./)
      .waitFor();
    expect(page.url()).toBe(`${ferry.url}/clouds/new`);
    expect(await cloudsOf(page)).toEqual([]);
    await screenshot(page, 'clouds-add-s3-refused');
    // A key id the service does not know, likewise.
    await form.getByLabel('Access key ID', { exact: true }).fill('NOT-A-KEY');
    await form.getByLabel('Secret access key', { exact: true }).fill(s3.secretAccessKey);
    // The alert above is still there until the new answer: wait for the answer itself.
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${ferry.url}/api/v1/clouds` && r.request().method() === 'POST'),
      form.getByRole('button', { name: 'Check and add storage' }).click(),
    ]);
    expect(answer.status()).toBe(400);
    await form
      .getByRole('alert')
      .getByText(/refused these credentials for bucket web-test/)
      .waitFor();
    expect(await cloudsOf(page)).toEqual([]);

    await form.getByLabel('Access key ID', { exact: true }).fill(s3.accessKeyId);
    await form.getByLabel('Name', { exact: true }).fill('Photo bucket');
    await form.getByRole('button', { name: 'Check and add storage' }).click();
    await page.waitForURL(/\/clouds\/[0-9a-f-]{36}\?added=1$/);
    await page.getByRole('heading', { level: 1, name: 'Photo bucket' }).waitFor();
    await page.getByText('Added. Ferry reached it and can back up from and to it.').waitFor();
    for (const fact of ['Amazon S3 or compatible', signed.endpoint, 'web-test', 'family', 'Yes']) {
      await page
        .getByRole('definition')
        .filter({ hasText: new RegExp(`^${fact.replace(/[.]/g, '\\.')}$`) })
        .first()
        .waitFor();
    }
    const [row] = await cloudsOf(page);
    expect([row.kind, row.name, row.options.bucket, row.options.prefix, row.options.secretAccessKey]).toEqual([
      's3',
      'Photo bucket',
      'web-test',
      'family',
      undefined,
    ]);
    // no key on the page
    expect(await page.content()).not.toContain(s3.secretAccessKey);

    await page.getByRole('button', { name: 'Check connection' }).click();
    await page.getByText('The connection works.').waitFor();
    await page
      .getByRole('definition')
      .filter({ hasText: /^Not yet$/ })
      .waitFor({ state: 'detached' });

    await page.getByLabel('Name', { exact: true }).fill('Photo archive');
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Photo archive' }).waitFor();
    expect((await cloudsOf(page))[0].name).toBe('Photo archive');
    await page.getByRole('link', { name: 'Clouds' }).click();
    await page.getByRole('link', { name: 'Photo archive' }).waitFor();
    await page.getByText('Amazon S3 or compatible').waitFor();
    await context.close();
  },
);

test('a folder on the server: one in the user’s own space is added; one outside it is refused', async () => {
  const { context, page } = await newPage();
  await signUp(page, ferry);
  const { id: userId } = await me(page);
  await fs.mkdir(path.join(ferry.localRoot, userId, 'Photos'), { recursive: true });
  await page.goto(`${ferry.url}/clouds/new`);
  const form = region(page, 'Folder on this server');
  for (const outside of ['../..', '/etc', 'Nothing/here']) {
    await form.getByLabel('Folder in your space', { exact: true }).fill(outside);
    await form.getByRole('button', { name: 'Check and add folder' }).click();
    await form
      .getByRole('alert')
      .getByText(
        outside === 'Nothing/here'
          ? /There is no folder "Nothing\/here" in your space/
          : /must be a folder in your own space/,
      )
      .waitFor();
  }
  expect(await cloudsOf(page)).toEqual([]);

  await form.getByLabel('Folder in your space', { exact: true }).fill('Photos');
  await form.getByRole('button', { name: 'Check and add folder' }).click();
  await page.getByRole('heading', { level: 1, name: 'Photos' }).waitFor();
  await page
    .getByRole('definition')
    .filter({ hasText: path.join(ferry.localRoot, userId, 'Photos') })
    .waitFor();
  expect((await cloudsOf(page)).map((c) => [c.kind, c.name, c.options.root])).toEqual([
    ['local', 'Photos', path.join(ferry.localRoot, userId, 'Photos')],
  ]);
  await screenshot(page, 'clouds-page-local');
  await context.close();
});

test(
  'removing: a cloud a task uses stays, and the message names the task; ' +
    'a free one goes; its address then says not found',
  async () => {
    const { context, page } = await newPage();
    await signUp(page, ferry);
    const { id: userId } = await me(page);
    for (const f of ['Photos', 'Backup']) await fs.mkdir(path.join(ferry.localRoot, userId, f), { recursive: true });
    const photos = await post(page, '/clouds', { kind: 'local', name: 'Photos', options: { root: 'Photos' } });
    const backup = await post(page, '/clouds', { kind: 'local', name: 'Backup', options: { root: 'Backup' } });
    await post(page, '/tasks', {
      name: 'Nightly photos',
      source: { cloudId: photos.id },
      destination: { cloudId: backup.id, path: 'photos' },
    });
    const spare = await post(page, '/clouds', { kind: 's3', name: 'Spare bucket', options: ferry.s3.options() });

    await page.goto(`${ferry.url}/clouds`);
    await page.getByRole('link', { name: 'Spare bucket' }).waitFor();
    await screenshot(page, 'clouds-list-full');

    await page.getByRole('link', { name: 'Photos', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Photos' }).waitFor();
    await page.getByRole('button', { name: 'Remove cloud' }).click();
    await page.getByText('Remove Photos from Ferry?').waitFor();
    await screenshot(page, 'clouds-page-remove-confirm');
    await page.getByRole('button', { name: 'Yes, remove it' }).click();
    await page
      .getByRole('alert')
      .getByText('This cloud is used by task "Nightly photos": delete or change them first.')
      .waitFor();
    expect(page.url()).toBe(`${ferry.url}/clouds/${photos.id}`);
    // the cloud stays
    expect((await cloudsOf(page)).some((c) => c.id === photos.id)).toBeTruthy();

    await page.goto(`${ferry.url}/clouds/${spare.id}`);
    await page.getByRole('button', { name: 'Remove cloud' }).click();
    // Changing one's mind leaves it be.
    await page.getByRole('button', { name: 'Keep it' }).click();
    await page.getByRole('button', { name: 'Remove cloud' }).click();
    await page.getByRole('button', { name: 'Yes, remove it' }).click();
    await page.waitForURL(`${ferry.url}/clouds`);
    await page.getByRole('link', { name: 'Backup' }).waitFor();
    expect(await page.getByRole('link', { name: 'Spare bucket' }).count()).toBe(0);
    expect(!(await cloudsOf(page)).some((c) => c.id === spare.id)).toBeTruthy();

    await page.goto(`${ferry.url}/clouds/${spare.id}`);
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    await context.close();
  },
);

test('on a phone the page for adding a cloud fits the screen and works with the keyboard alone', async () => {
  const { context, page } = await newPage(PHONE);
  await signUp(page, ferry);
  await page.goto(`${ferry.url}/clouds/new`);
  await page.getByRole('link', { name: 'Connect Dropbox' }).waitFor();
  await screenshot(page, 'clouds-add-phone');
  // no sideways scrolling
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);

  // The folder form by keyboard: Tab into its fields, Enter to send.
  const { id: userId } = await me(page);
  await fs.mkdir(path.join(ferry.localRoot, userId, 'Phone'), { recursive: true });
  const form = region(page, 'Folder on this server');
  await form.getByLabel('Name', { exact: true }).focus();
  await page.keyboard.type('My phone');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Phone');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'My phone' }).waitFor();
  await page.getByRole('button', { name: 'Check connection' }).waitFor();
  // the cloud page fits too
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
  await screenshot(page, 'clouds-page-phone');
  await context.close();
});
