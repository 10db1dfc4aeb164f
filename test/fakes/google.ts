// An emulator of Google's APIs on one local HTTP server: OAuth (authorize at /o/oauth2/v2/auth,
// token at /token, via the shared fake OAuth server), Drive v3 (/drive/v3, uploads at
// /upload/drive/v3) and Google Photos (Picker and Library APIs under /v1, the picking page at
// /picker, base URLs at /media: google/photos.ts). Every API request needs a valid bearer token; answers and
// errors are Google's JSON. Faults are injected per request. Content lives in a temporary folder removed on close.
//
// Routing is one table of routes (method, path pattern, handler): another Google API (Photos) is
// added by appending its routes in `routes` below.
import fs from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createOAuthServer, type FakeAccount, type OAuthServer } from './oauth.ts';
import { DriveStore, type DriveItem } from './google/drive.ts';
import { defaultError, drain, errorBody, GoogleError, sendJson, type Route } from './google/http.ts';
import { PhotosStore } from './google/photos.ts';

export interface Fault {
  method?: string;
  /** Over the URL path. */
  path?: RegExp;
  /** Default 1. */
  times?: number;
  status?: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** JSON body; default: Google's error for the status. */
  body?: unknown;
  /** Destroy the socket before answering. */
  reset?: boolean;
  /** Answer normally, but send only this many body bytes, then destroy the socket. */
  truncate?: number;
}

export interface GoogleFakeOptions {
  port?: number;
  clientId?: string;
  clientSecret?: string;
  /** Bytes uploads may bring in before new uploads are refused with 403 uploadQuotaExceeded (Drive: 750 GB a day). */
  dailyUploadCapBytes?: number;
  accessTokenTtlSeconds?: number;
}

export interface GoogleFake {
  url: string;
  clientId: string;
  clientSecret: string;
  account: FakeAccount;
  oauth: OAuthServer;
  drive: DriveStore;
  /** Google Photos: the user's library, Picker sessions, app-created items and albums, and their controls. */
  photos: PhotosStore;
  inject(fault: Fault): void;
  /** Every request, in arrival order, with its Range header. */
  requests: { method: string; path: string; status: number; range?: string }[];
  /** Bytes of the (oldest) file at a path from the root of the drive. */
  fileBytes(path: string): Promise<Buffer>;
  findFile(path: string): DriveItem | undefined;
  /** Every item with that name in the folder at the path (duplicates included). */
  findFiles(path: string): DriveItem[];
  /** Seeds a file (a new one, even beside one of the same name); a Google Doc when mimeType says so. */
  addFile(path: string, bytes: Buffer | null, opts?: { mimeType?: string; modifiedTime?: string }): Promise<DriveItem>;
  addFolder(path: string): DriveItem;
  /** Forgets every upload session, as when they expire. */
  dropUploadSessions(): void;
  /** Starts a new day of the daily upload cap, with `cap` bytes (undefined: none). */
  newUploadDay(cap?: number): void;
  /** The next upload to finish is stored with one byte changed. */
  corruptNextUpload(): void;
  /** files.list leaves this item out for now, as when Drive's search index lags behind a write. */
  hideFromSearch(id: string): void;
  close(): Promise<void>;
}

const ACCOUNT: FakeAccount = { id: '04715368471938175025', email: 'ferry.tester@gmail.com', name: 'Ferry Tester' };

/** Cuts a response short: the headers and `keep` body bytes go out, then the connection drops. */
function truncate(res: ServerResponse, keep: number): void {
  let left = keep;
  const write = res.write.bind(res) as (chunk: Buffer, cb?: () => void) => boolean;
  const cut = () => setImmediate(() => res.destroy());
  res.write = ((chunk: string | Uint8Array, enc?: unknown, cb?: unknown) => {
    if (left <= 0) return true;
    const buf =
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof enc === 'string' ? (enc as BufferEncoding) : 'utf8')
        : Buffer.from(chunk);
    const part = buf.subarray(0, left);
    left -= part.length;
    if (left <= 0) write(part, cut);
    else write(part);
    if (typeof cb === 'function') (cb as () => void)();
    else if (typeof enc === 'function') (enc as () => void)();
    return true;
  }) as typeof res.write;
  res.end = ((chunk?: unknown) => {
    if (chunk !== undefined && typeof chunk !== 'function') res.write(chunk as Buffer);
    if (left > 0) {
      res.flushHeaders();
      write(Buffer.alloc(0), cut);
    }
    return res;
  }) as typeof res.end;
}

/** Ferry's configuration for this emulator: its OAuth client and every Google endpoint. */
export function googleEnv(fake: Pick<GoogleFake, 'url' | 'clientId' | 'clientSecret'>): Record<string, string> {
  return {
    FERRY_GOOGLE_CLIENT_ID: fake.clientId,
    FERRY_GOOGLE_CLIENT_SECRET: fake.clientSecret,
    FERRY_GOOGLE_AUTH_URL: `${fake.url}/o/oauth2/v2/auth`,
    FERRY_GOOGLE_TOKEN_URL: `${fake.url}/token`,
    FERRY_GOOGLE_DRIVE_URL: fake.url,
    FERRY_GOOGLE_PHOTOS_URL: fake.url,
    FERRY_GOOGLE_PICKER_URL: fake.url,
  };
}

export async function startGoogleFake(opts: GoogleFakeOptions = {}): Promise<GoogleFake> {
  const clientId = opts.clientId ?? 'google-test-client';
  const clientSecret = opts.clientSecret ?? 'google-test-secret';
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-google-'));
  let url = '';
  const oauth = createOAuthServer({
    clientId,
    clientSecret,
    authorizePath: '/o/oauth2/v2/auth',
    tokenPath: '/token',
    revoke: { path: '/revoke', with: 'form' },
    account: ACCOUNT,
    offlineParams: { access_type: 'offline' },
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds,
  });
  const drive = new DriveStore({
    dir,
    baseUrl: () => url,
    account: ACCOUNT,
    dailyUploadCapBytes: opts.dailyUploadCapBytes,
  });
  await drive.init();
  const photos = new PhotosStore({ dir: path.join(dir, 'photos'), baseUrl: () => url });
  await photos.init();

  // The route table.
  const routes: Route[] = [...drive.routes(), ...photos.routes()];

  const faults: (Fault & { left: number })[] = [];
  const requests: GoogleFake['requests'] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', url);
    const entry = { method: req.method ?? '', path: u.pathname, status: 0, range: req.headers.range };
    requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    res.on('close', () => (entry.status ||= res.headersSent ? res.statusCode : 0));

    const fault = faults.find(
      (f) => f.left > 0 && (!f.method || f.method === req.method) && (!f.path || f.path.test(u.pathname)),
    );
    if (fault) {
      fault.left--;
      if (fault.reset) {
        req.socket.destroy();
        return;
      }
      if (fault.status) {
        await drain(req);
        sendJson(
          res,
          fault.status,
          fault.body ?? defaultError(fault.status),
          fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {},
        );
        return;
      }
      if (fault.truncate !== undefined) truncate(res, fault.truncate);
    }

    if (await oauth.handle(req, res, u)) return;

    const route = routes.find((r) => r.method === req.method && r.path.test(u.pathname));
    if (!route) {
      await drain(req);
      sendJson(res, 404, errorBody(404, 'notFound', `Not Found: ${req.method} ${u.pathname}`));
      return;
    }
    const params = (route.path.exec(u.pathname)?.groups ?? {}) as Record<string, string>;
    let account = ACCOUNT;
    if (route.auth !== false) {
      const who = oauth.authenticate(req);
      if ('error' in who) {
        await drain(req);
        // Google's answers: no credential at all, or one it does not accept (expired, revoked, unknown).
        const body =
          who.error === 'missing'
            ? errorBody(
                401,
                'required',
                'Request is missing required authentication credential. ' +
                  'Expected OAuth 2 access token, login cookie or other valid authentication credential. ' +
                  'See https://developers.google.com/identity/sign-in/web/devconsole-project.',
                'global',
                { location: 'Authorization', locationType: 'header' },
              )
            : errorBody(
                401,
                'authError',
                'Request had invalid authentication credentials. ' +
                  'Expected OAuth 2 access token, login cookie or other valid authentication credential. ' +
                  'See https://developers.google.com/identity/sign-in/web/devconsole-project.',
                'global',
                { location: 'Authorization', locationType: 'header' },
              );
        sendJson(res, 401, body, {
          'www-authenticate':
            `Bearer ` +
            `realm="https://accounts.google.com/"${who.error === 'missing' ? '' : ', error="invalid_token"'}`,
        });
        return;
      }
      account = who.account;
    }
    await route.handle({ req, res, url: u, params, account });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(async (err: unknown) => {
      if (res.headersSent) return void res.destroy();
      await drain(req).catch(() => {});
      if (err instanceof GoogleError) return sendJson(res, err.code, err.body(), err.headers);
      console.error('Google emulator:', err);
      sendJson(res, 500, defaultError(500));
    });
  });
  // Like the providers' servers, keep idle connections well past the client's pool timeout: with
  // Node's 5 s, a loaded machine lets a client reuse a socket the server is closing (ECONNRESET).
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    clientId,
    clientSecret,
    account: ACCOUNT,
    oauth,
    drive,
    photos,
    requests,
    inject(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    fileBytes: (p) => drive.fileBytes(p),
    findFile: (p) => drive.findFile(p),
    findFiles: (p) => drive.itemsAt(p),
    addFile: (p, bytes, o) => drive.addFile(p, bytes, o),
    addFolder: (p) => drive.addFolder(p),
    dropUploadSessions: () => drive.dropUploadSessions(),
    newUploadDay: (cap?: number) => drive.newUploadDay(cap),
    corruptNextUpload: () => drive.corruptNextUpload(),
    hideFromSearch: (id) => void drive.hiddenFromSearch.add(id),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
