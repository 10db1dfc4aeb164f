// An emulator of Microsoft's identity platform and of Microsoft Graph's OneDrive API
// (https://learn.microsoft.com/graph/api/resources/onedrive), written from the documented HTTP API:
// OAuth at /common/oauth2/v2.0/{authorize,token}; Graph at /v1.0 (driveItems by path and id,
// children paged by $top and an opaque @odata.nextLink, $select, content downloads answered with a
// 302 to a pre-authenticated, expiring URL that honours Range, simple uploads, upload sessions at
// /upload/sessions/{id}); Graph's error JSON for every rule it enforces. Content lives on disk in a
// temporary folder, removed on close. It serves HTTPS, as Microsoft does (and as the Graph client
// requires), with the test run's certificate (test/support/test-ca.ts).
import crypto from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { serverTls } from '../support/test-ca.ts';
import { createOAuthServer, type FakeAccount, type OAuthServer } from './oauth.ts';
import { DriveStore, type ConflictBehavior, type Item } from './microsoft/drive.ts';
import {
  defaultError,
  drain,
  errorBody,
  GraphFailure,
  jsonBody,
  parseRange,
  sendFailure,
  sendJson,
} from './microsoft/http.ts';
import { Uploads } from './microsoft/uploads.ts';

export const AUTHORIZE_PATH = '/common/oauth2/v2.0/authorize';
export const TOKEN_PATH = '/common/oauth2/v2.0/token';
/** Simple uploads (PUT …/content) are limited to 250 MB; larger files need an upload session. */
const SIMPLE_UPLOAD_MAX = 250 * 1000 * 1000;
const MAX_TOP = 1000;
const DEFAULT_TOP = 200;

export interface Fault {
  method?: string;
  /** Over the URL's path, without the query. */
  path?: RegExp;
  times?: number;
  status?: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  body?: unknown;
  /** Destroys the socket before answering (the request is not processed). */
  reset?: boolean;
  /** Processes the request, then sends the headers and only this many body bytes before destroying the socket. */
  truncate?: number;
}

export interface MicrosoftFakeOptions {
  /** A fixed port (npm run fakes); default: any free one. */
  port?: number;
  clientId?: string;
  clientSecret?: string;
  account?: FakeAccount;
  accessTokenTtlSeconds?: number;
  quotaBytes?: number;
  /** Lifetime of an upload session (Graph's is fixed when created; default 24 h). */
  sessionTtlMs?: number;
  /** Lifetime of a pre-authenticated download URL (default 1 h). */
  downloadTtlMs?: number;
}

export interface MicrosoftFake {
  url: string;
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  account: FakeAccount;
  oauth: OAuthServer;
  inject(fault: Fault): void;
  /** Every request, in arrival order (with its Range header); status 0 for a socket destroyed before an answer. */
  requests: { method: string; path: string; status: number; range?: string }[];
  /** Token endpoint calls: which refresh token was sent and which came back. */
  tokenRequests: { grantType: string; refreshTokenSent?: string; refreshTokenIssued?: string; status: number }[];
  /** The stored bytes of the file at `path` (relative to the drive's root); rejects when there is none. */
  fileBytes(path: string): Promise<Buffer>;
  /** Puts a file straight into the drive (test setup without the API). */
  addFile(path: string, data: Buffer): Promise<void>;
  uploads: { readonly open: number; readonly created: number; expireAll(): void };
  /** Makes every download URL handed out so far expire now. */
  expireDownloadUrls(): void;
  close(): Promise<void>;
}

interface DownloadLink {
  item: Item;
  contentVersion: number;
  expiresAt: number;
}

/** Splits `…/root:/a/b:/children` into the item it names and what to do with it. */
function parseAddress(rest: string): { segments: string[]; action?: string } | null {
  const m = /^(?::(\/[^:]*):?)?(?:\/(children|content|createUploadSession))?$/.exec(rest);
  if (!m) return null;
  let segments: string[];
  try {
    segments = (m[1] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new GraphFailure(400, 'invalidRequest', 'The path is not correctly percent-encoded.');
  }
  return { segments, action: m[2] };
}

function parseSelect(url: URL): string[] | undefined {
  const s = url.searchParams.get('$select');
  return s
    ? s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : undefined;
}

function conflictOf(value: unknown, fallback: ConflictBehavior): ConflictBehavior {
  if (value === undefined || value === null) return fallback;
  if (value === 'fail' || value === 'replace' || value === 'rename') return value;
  throw new GraphFailure(
    400,
    'invalidRequest',
    `Invalid value for @microsoft.graph.conflictBehavior: ${String(value)}`,
  );
}

/** Ferry's settings to sign in with and use this emulator. */
export function microsoftEnv(fake: Pick<MicrosoftFake, 'url' | 'clientId' | 'clientSecret'>): Record<string, string> {
  return {
    FERRY_MS_CLIENT_ID: fake.clientId,
    FERRY_MS_CLIENT_SECRET: fake.clientSecret,
    FERRY_MS_AUTH_URL: `${fake.url}${AUTHORIZE_PATH}`,
    FERRY_MS_TOKEN_URL: `${fake.url}${TOKEN_PATH}`,
    FERRY_GRAPH_URL: fake.url,
  };
}

export async function startMicrosoftFake(opts: MicrosoftFakeOptions = {}): Promise<MicrosoftFake> {
  const clientId = opts.clientId ?? 'fake-ms-client';
  const clientSecret = opts.clientSecret ?? 'fake-ms-secret';
  const account = opts.account ?? { id: '8f3e1c2a5b7d4e60', email: 'ada@example.com', name: 'Ada Lovelace' };
  const oauth = createOAuthServer({
    clientId,
    clientSecret,
    authorizePath: AUTHORIZE_PATH,
    tokenPath: TOKEN_PATH,
    account,
    rotateRefreshTokens: true,
    requiredScopes: ['offline_access'],
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds,
  });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-fake-onedrive-'));
  const store = new DriveStore(dir, opts.quotaBytes ?? 1024 ** 4);
  const uploads = new Uploads(dir, store, opts.sessionTtlMs ?? 24 * 3600_000);
  const downloads = new Map<string, DownloadLink>();
  const skipTokens = new Map<string, { folder: Item; ids: string[]; offset: number }>();
  const faults: (Fault & { left: number })[] = [];
  const requests: MicrosoftFake['requests'] = [];
  const tokenRequests: MicrosoftFake['tokenRequests'] = [];
  let base = '';

  const itemJson = (item: Item, select?: string[]) => store.json(item, select);

  function authenticate(req: IncomingMessage): void {
    const who = oauth.authenticate(req);
    if ('account' in who) return;
    const message = {
      missing: 'Access token is empty.',
      invalid: 'IDX14100: JWT is not well formed, there are no dots (.).',
      expired: 'Lifetime validation failed, the token is expired.',
    }[who.error];
    throw new GraphFailure(401, 'InvalidAuthenticationToken', message, {
      headers: {
        'www-authenticate':
          'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", ' +
          'client_id="00000003-0000-0000-c000-000000000000"',
      },
    });
  }

  function addressed(baseItem: Item, segments: string[]): Item {
    return store.resolve(segments, baseItem);
  }

  /** Where a new file at `segments` goes: the folders on the way (may not exist yet) and its name. */
  function target(segments: string[]): { folders: string[]; name: string } {
    if (!segments.length) throw new GraphFailure(400, 'invalidRequest', 'A file name is required.');
    return { folders: segments.slice(0, -1), name: segments[segments.length - 1] };
  }

  async function children(res: ServerResponse, url: URL, folder: Item): Promise<void> {
    const select = parseSelect(url);
    const skip = url.searchParams.get('$skiptoken');
    const topText = url.searchParams.get('$top');
    const top = topText === null ? DEFAULT_TOP : Number(topText);
    if (!Number.isInteger(top) || top < 1 || top > MAX_TOP)
      throw new GraphFailure(400, 'invalidRequest', `Invalid $top value: ${topText}`);
    let page: { folder: Item; ids: string[]; offset: number };
    if (skip !== null) {
      const saved = skipTokens.get(skip);
      if (!saved || saved.folder !== folder)
        throw new GraphFailure(400, 'invalidRequest', 'The $skiptoken is not valid.');
      page = saved;
    } else {
      if (!folder.folder) throw new GraphFailure(400, 'invalidRequest', `${folder.name} is not a folder.`);
      // A snapshot of the listing at its first page, so paging is stable while others change the folder.
      page = { folder, ids: [...folder.children.values()].map((c) => c.id), offset: 0 };
    }
    const ids = page.ids.slice(page.offset, page.offset + top);
    const value = ids.flatMap((id) => {
      try {
        return [itemJson(store.byIdOrFail(id), select)];
      } catch {
        return []; // deleted since the first page
      }
    });
    const body: Record<string, unknown> = {
      '@odata.context': `${base}/v1.0/$metadata#users('me')/drive/items('${folder.id}')/children`,
      value,
    };
    if (page.offset + top < page.ids.length) {
      const token = crypto.randomBytes(24).toString('base64url');
      skipTokens.set(token, { folder, ids: page.ids, offset: page.offset + top });
      const next = new URL(`${base}/v1.0/me/drive/items/${encodeURIComponent(folder.id)}/children`);
      next.searchParams.set('$top', String(top));
      if (select) next.searchParams.set('$select', select.join(','));
      next.searchParams.set('$skiptoken', token);
      body['@odata.nextLink'] = next.toString();
    }
    sendJson(res, 200, body);
  }

  async function simpleUpload(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    baseItem: Item,
    segments: string[],
  ): Promise<void> {
    const length = Number(req.headers['content-length'] ?? NaN);
    if (!Number.isFinite(length)) throw new GraphFailure(411, 'invalidRequest', 'Content-Length is required.');
    if (length > SIMPLE_UPLOAD_MAX)
      throw new GraphFailure(413, 'requestTooLarge', 'Simple uploads are limited to 250 MB: use an upload session.');
    let parent: Item;
    let name: string;
    // …/items/{id}/content replaces that file; …/root:/a/b.txt:/content creates or replaces a/b.txt.
    const existing = segments.length ? undefined : baseItem;
    if (existing) {
      if (existing.folder || !existing.parent)
        throw new GraphFailure(400, 'invalidRequest', 'Content can only be uploaded to a file.');
      parent = existing.parent;
      name = existing.name;
    } else {
      const t = target(segments);
      parent = store.ensureFolders(t.folders, baseItem);
      name = t.name;
    }
    const tmp = path.join(dir, `simple-${crypto.randomBytes(8).toString('hex')}`);
    try {
      await pipeline(req, createWriteStream(tmp));
      if ((await fs.stat(tmp)).size !== length)
        throw new GraphFailure(400, 'invalidRequest', 'The body does not match its Content-Length.');
      const conflict = conflictOf(url.searchParams.get('@microsoft.graph.conflictBehavior') ?? undefined, 'replace');
      const { item, created } = await store.commit(parent, name, tmp, { conflict });
      sendJson(res, created ? 201 : 200, itemJson(item));
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async function graph(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    authenticate(req);
    const method = req.method ?? 'GET';
    let p = url.pathname.slice('/v1.0'.length);
    if (p === '/me' && method === 'GET') {
      return sendJson(res, 200, {
        '@odata.context': `${base}/v1.0/$metadata#users/$entity`,
        id: account.id,
        displayName: account.name,
        userPrincipalName: account.email,
        mail: account.email,
      });
    }
    const drives = /^\/drives\/([^/]+)(.*)$/.exec(p);
    if (drives) {
      if (decodeURIComponent(drives[1]).toLowerCase() !== store.driveId.toLowerCase())
        throw new GraphFailure(404, 'itemNotFound', 'The drive could not be found.');
      p = `/me/drive${drives[2]}`;
    }
    if (p === '/me/drive' && method === 'GET') {
      const used = store.used;
      return sendJson(res, 200, {
        id: store.driveId.toLowerCase(),
        driveType: 'personal',
        owner: { user: { id: account.id, displayName: account.name } },
        quota: {
          total: store.quotaTotal,
          used,
          remaining: store.quotaTotal - used,
          deleted: 0,
          state: used >= store.quotaTotal ? 'exceeded' : 'normal',
        },
      });
    }
    const m = /^\/me\/drive\/(?:(root)|items\/([^/:]+))(.*)$/.exec(p);
    if (!m) throw new GraphFailure(400, 'invalidRequest', `Unsupported request: ${method} ${url.pathname}`);
    const baseItem = m[1] ? store.root : store.byIdOrFail(decodeURIComponent(m[2]));
    const addr = parseAddress(m[3]);
    if (!addr) throw new GraphFailure(400, 'invalidRequest', `Unsupported request: ${method} ${url.pathname}`);
    const { segments, action } = addr;

    if (action === 'createUploadSession' && method === 'POST') {
      const t = target(segments);
      const body = await jsonBody(req);
      return sendJson(res, 200, await uploads.create(base, baseItem, t.folders, t.name, body));
    }
    if (action === 'content' && method === 'PUT') return simpleUpload(req, res, url, baseItem, segments);
    if (action === 'content' && method === 'GET') {
      const item = addressed(baseItem, segments);
      if (item.folder) throw new GraphFailure(400, 'invalidRequest', 'Only files have content.');
      const token = crypto.randomBytes(24).toString('base64url');
      downloads.set(token, {
        item,
        contentVersion: item.contentVersion,
        expiresAt: Date.now() + (opts.downloadTtlMs ?? 3600_000),
      });
      res.writeHead(302, { location: `${base}/download/${token}`, 'content-length': '0' });
      return void res.end();
    }
    if (action === 'children' && method === 'GET') return children(res, url, addressed(baseItem, segments));
    if (action === 'children' && method === 'POST') {
      const folder = addressed(baseItem, segments);
      if (!folder.folder) throw new GraphFailure(400, 'invalidRequest', 'Items can only be created in a folder.');
      const body = await jsonBody(req);
      if (typeof body.name !== 'string' || !body.folder)
        throw new GraphFailure(400, 'invalidRequest', 'Only folders can be created this way: give name and folder.');
      const made = store.createFolder(folder, body.name, conflictOf(body['@microsoft.graph.conflictBehavior'], 'fail'));
      return sendJson(res, 201, itemJson(made));
    }
    if (action === undefined && method === 'GET')
      return sendJson(res, 200, itemJson(addressed(baseItem, segments), parseSelect(url)));
    if (action === undefined && method === 'DELETE') {
      const item = addressed(baseItem, segments);
      // Conditional delete: If-Match names the eTag (or cTag) the caller last saw.
      const ifMatch = req.headers['if-match'];
      if (
        ifMatch &&
        ifMatch !== '*' &&
        ifMatch !== `"{${item.id}},${item.version}"` &&
        ifMatch !== `"c:{${item.id}},${item.contentVersion}"`
      ) {
        throw new GraphFailure(412, 'resourceModified', "ETag does not match current item's value");
      }
      store.remove(item);
      res.writeHead(204);
      return void res.end();
    }
    if (action === undefined && method === 'PATCH') {
      const item = addressed(baseItem, segments);
      const body = await jsonBody(req);
      const fsi = (body.fileSystemInfo ?? {}) as Record<string, unknown>;
      for (const v of [fsi.lastModifiedDateTime, fsi.createdDateTime]) {
        if (v !== undefined && (typeof v !== 'string' || Number.isNaN(Date.parse(v))))
          throw new GraphFailure(400, 'invalidRequest', `Invalid date in fileSystemInfo: ${String(v)}`);
      }
      // A new parentReference moves the item (driveitem-move), with its new name if one is given;
      // @microsoft.graph.conflictBehavior is read from the query string, where Graph documents it.
      const ref = body.parentReference;
      if (ref !== undefined) {
        if (!ref || typeof ref !== 'object') throw new GraphFailure(400, 'invalidRequest', 'Invalid parentReference.');
        const { id, driveId, path: at } = ref as Record<string, unknown>;
        if (driveId !== undefined && String(driveId).toLowerCase() !== store.driveId.toLowerCase())
          throw new GraphFailure(400, 'invalidRequest', 'Items cannot be moved between drives.');
        if (typeof id !== 'string' && at !== undefined)
          throw new GraphFailure(400, 'invalidRequest', 'parentReference.path is read-only: give the id.');
        if (typeof id !== 'string') throw new GraphFailure(400, 'invalidRequest', 'parentReference needs an id.');
        if (body.name !== undefined && typeof body.name !== 'string')
          throw new GraphFailure(400, 'invalidRequest', 'Invalid name.');
        const conflict = conflictOf(url.searchParams.get('@microsoft.graph.conflictBehavior') ?? undefined, 'fail');
        store.move(item, store.byIdOrFail(id), (body.name as string | undefined) ?? item.name, conflict);
      }
      store.update(item, {
        name: ref !== undefined ? undefined : (body.name as string | undefined),
        fsModified: fsi.lastModifiedDateTime as string | undefined,
        fsCreated: fsi.createdDateTime as string | undefined,
      });
      return sendJson(res, 200, itemJson(item));
    }
    throw new GraphFailure(405, 'invalidRequest', `${method} is not supported on ${url.pathname}`);
  }

  async function download(req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new GraphFailure(405, 'invalidRequest', 'Download URLs answer GET only.');
    // The URL carries its own short-lived authorization; a bearer token is not for this host.
    if (req.headers.authorization)
      throw new GraphFailure(
        401,
        'unauthenticated',
        'Download URLs are pre-authenticated: do not send an Authorization header.',
      );
    const link = downloads.get(token);
    if (!link || link.expiresAt <= Date.now())
      throw new GraphFailure(401, 'unauthenticated', 'The download URL has expired; request the content again.');
    const item = link.item;
    if (!item.file || item.contentVersion !== link.contentVersion || !store.contains(item))
      throw new GraphFailure(404, 'itemNotFound', 'The file has changed or was deleted since this URL was issued.');
    const size = item.size;
    const range = parseRange(req.headers.range as string | undefined, size);
    const headers = {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      etag: `"{${item.id}},${item.contentVersion}"`,
    };
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': '0' });
      return void res.end();
    }
    const [start, end] = range ? [range.start, range.end] : [0, size - 1];
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'content-length': String(Math.max(0, end - start + 1)),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD' || size === 0) return void res.end();
    await pipeline(createReadStream(item.file, { start, end, highWaterMark: 1024 * 1024 }), res).catch(() =>
      res.destroy(),
    );
  }

  async function session(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    if (req.method === 'PUT') return uploads.put(req, res, id, (item) => itemJson(item));
    if (req.method === 'GET') return sendJson(res, 200, uploads.status(id));
    if (req.method === 'DELETE') {
      await uploads.cancel(id);
      res.writeHead(204);
      return void res.end();
    }
    throw new GraphFailure(405, 'invalidRequest', `${req.method} is not supported on an upload session.`);
  }

  async function token(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // Read the form to log it, then hand the shared OAuth server a replay of the same body.
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const raw = Buffer.concat(chunks);
    const form = new URLSearchParams(raw.toString('utf8'));
    const entry: MicrosoftFake['tokenRequests'][number] = {
      grantType: form.get('grant_type') ?? '',
      refreshTokenSent: form.get('refresh_token') ?? undefined,
      status: 0,
    };
    tokenRequests.push(entry);
    const replay = Object.assign(Readable.from([raw]), {
      headers: req.headers,
      method: req.method,
      url: req.url,
    }) as unknown as IncomingMessage;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    (res as unknown as { end: (...args: unknown[]) => ServerResponse }).end = (...args: unknown[]) => {
      entry.status = res.statusCode;
      try {
        entry.refreshTokenIssued = JSON.parse(String(args[0])).refresh_token;
      } catch {
        // not JSON: nothing to note
      }
      return end(...args);
    };
    await oauth.handle(replay, res, url);
  }

  /** Lets the request be processed, but cuts the answer after `keep` body bytes. */
  function truncateAnswer(res: ServerResponse, keep: number): void {
    let left = keep;
    let cut = false;
    const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
    const cutNow = () => {
      if (cut) return;
      cut = true;
      res.flushHeaders();
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const take = (chunk: unknown): void => {
      if (cut || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      const n = Math.min(left, buf.length);
      if (n > 0) write(buf.subarray(0, n));
      left -= n;
      if (left <= 0 && buf.length >= n) cutNow();
    };
    (res as unknown as { write: (chunk: unknown) => boolean }).write = (chunk: unknown) => (take(chunk), true);
    (res as unknown as { end: (chunk?: unknown) => ServerResponse }).end = (chunk?: unknown) => {
      take(chunk);
      cutNow();
      return res;
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const entry = { method: req.method ?? 'GET', path: url.pathname, status: 0, range: req.headers.range };
    requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));

    const fault = faults.find(
      (f) => f.left > 0 && (!f.method || f.method === req.method) && (!f.path || f.path.test(url.pathname)),
    );
    if (fault) {
      fault.left--;
      if (fault.reset) return void req.socket.destroy();
      if (fault.status) {
        await drain(req);
        const { code, message } = defaultError(fault.status);
        return sendJson(
          res,
          fault.status,
          fault.body ?? errorBody(code, message, req),
          fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {},
        );
      }
      if (fault.truncate !== undefined) truncateAnswer(res, fault.truncate);
    }

    try {
      if (url.pathname === TOKEN_PATH && req.method === 'POST') return await token(req, res, url);
      if (await oauth.handle(req, res, url)) return;
      if (url.pathname.startsWith('/v1.0/')) return await graph(req, res, url);
      const dl = /^\/download\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
      if (dl) return await download(req, res, dl[1]);
      const up = /^\/upload\/sessions\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
      if (up) return await session(req, res, up[1]);
      throw new GraphFailure(404, 'itemNotFound', `No such endpoint: ${url.pathname}`);
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      const failure =
        err instanceof GraphFailure ? err : new GraphFailure(500, 'generalException', (err as Error).message);
      await drain(req);
      sendFailure(res, req, failure);
    }
  }

  const server = https.createServer(serverTls(), (req, res) => {
    void handle(req, res);
  });
  // Like the providers' servers, keep idle connections well past the client's pool timeout: with
  // Node's 5 s, a loaded machine lets a client reuse a socket the server is closing (ECONNRESET).
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    clientId,
    clientSecret,
    tokenUrl: `${base}${TOKEN_PATH}`,
    account,
    oauth,
    requests,
    tokenRequests,
    inject(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    async fileBytes(rel) {
      const item = (() => {
        try {
          return store.resolve(rel.split('/').filter(Boolean));
        } catch {
          return undefined;
        }
      })();
      if (!item?.file) throw new Error(`The Microsoft fake has no file at ${rel}.`);
      return fs.readFile(item.file);
    },
    async addFile(rel, data) {
      const segments = rel.split('/').filter(Boolean);
      const parent = store.ensureFolders(segments.slice(0, -1));
      const tmp = path.join(dir, `seed-${crypto.randomBytes(8).toString('hex')}`);
      await fs.writeFile(tmp, data);
      await store.commit(parent, segments[segments.length - 1], tmp, { conflict: 'replace' });
    },
    uploads: {
      get open() {
        return uploads.open;
      },
      get created() {
        return uploads.created;
      },
      expireAll: () => uploads.expireAll(),
    },
    expireDownloadUrls() {
      for (const d of downloads.values()) d.expiresAt = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
