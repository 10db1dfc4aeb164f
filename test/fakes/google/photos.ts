// Google Photos as the emulator serves it, from Google's references: the Picker API (sessions,
// picked media items, the picking page a person uses), the Library API as it is since 31 March
// 2025 (raw uploads, mediaItems.batchCreate of at most 50, and list/get/search/albums showing only
// what this app created), and the media host behind base URLs (bearer token required, 60 minutes
// of validity, `=d` photos without their location, `=dv` transcoded videos only once processed).
// Both APIs live under /v1 of the fake's one base URL: a GET /v1/mediaItems with a sessionId is the
// Picker's (photospicker.googleapis.com), without one the Library's (photoslibrary.googleapis.com).
// References: developers.google.com/photos/picker/reference/rest and
// developers.google.com/photos/library/reference/rest, guides/upload-media, api-limits-quotas.
import crypto from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkParams, drain, GoogleError, readJson, sendJson, type Route, type RouteContext } from './http.ts';
import { mdatRange, stripGps, transcoder } from './media.ts';

/** Google's newer error JSON (Picker, Library): code, message and the canonical status. */
export class PhotosError extends GoogleError {
  readonly status: string;
  constructor(code: number, status: string, message: string, headers?: Record<string, string>) {
    super(code, status, message, { headers });
    this.status = status;
  }
  override body(): unknown {
    return { error: { code: this.code, message: this.message, status: this.status } };
  }
}

const invalid = (message: string) => new PhotosError(400, 'INVALID_ARGUMENT', message);
const notFound = (message = 'Requested entity was not found.') => new PhotosError(404, 'NOT_FOUND', message);

export interface LibraryItem {
  id: string;
  filename: string;
  mimeType: string;
  type: 'PHOTO' | 'VIDEO';
  createTime: string;
  processing: 'READY' | 'PROCESSING' | 'FAILED';
  size: number;
  file: string;
  width: number;
  height: number;
  cameraMake?: string;
  cameraModel?: string;
}

export interface AppItem {
  id: string;
  filename: string;
  description?: string;
  mimeType: string;
  createTime: string;
  size: number;
  file: string;
  /** Videos: Google processes an uploaded video before it can be downloaded (READY when absent). */
  processing?: 'READY' | 'PROCESSING' | 'FAILED';
}

export interface Album {
  id: string;
  title: string;
  items: string[];
}

interface Session {
  id: string;
  expireTime: number;
  maxItemCount: number;
  /** Set once the user pressed Done. */
  picked?: string[];
  deleted: boolean;
}

interface Upload {
  file: string;
  size: number;
  mimeType: string;
  used: boolean;
}

interface BaseUrl {
  kind: 'picked' | 'app';
  itemId: string;
  sessionId?: string;
  issuedAt: number;
}

const MINUTE = 60_000;
const BASE_URL_TTL = 60 * MINUTE;
const SESSION_TTL = 7 * 24 * 60 * MINUTE;
const MAX_OPEN_SESSIONS = 50;
const PHOTO_LIMIT = 200 * 1024 * 1024;
const VIDEO_LIMIT = 20 * 1024 * 1024 * 1024;

const MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  heic: 'image/heic',
  webp: 'image/webp',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
};
const mimeOf = (name: string) => MIME[name.split('.').pop()!.toLowerCase()] ?? 'application/octet-stream';
const newId = (prefix: string) => `${prefix}${crypto.randomBytes(30).toString('base64url')}`;
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An opaque page token that says which list it continues and where. */
const pageToken = (list: string, offset: number) => Buffer.from(JSON.stringify([list, offset])).toString('base64url');
function offsetOf(token: string | null | undefined, list: string): number {
  if (!token) return 0;
  try {
    const [l, o] = JSON.parse(Buffer.from(token, 'base64url').toString()) as [string, number];
    if (l === list && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // fall through
  }
  throw invalid('Invalid page token.');
}

function pageSizeOf(raw: unknown, def: number, max: number, coerce: boolean): number {
  if (raw === undefined || raw === null || raw === '' || raw === 0 || raw === '0') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw invalid(`Invalid page size: ${raw}.`);
  if (n > max) {
    if (coerce) return max;
    throw invalid(`Page size must be less than or equal to ${max}.`);
  }
  return n;
}

export class PhotosStore {
  private readonly dir: string;
  private readonly baseUrl: () => string;
  /** The user's library, as the Picker shows it: ids are persistent across sessions. */
  readonly library = new Map<string, LibraryItem>();
  /** Media items this app created through the Library API. */
  readonly appItems = new Map<string, AppItem>();
  readonly albums = new Map<string, Album>();
  readonly sessions = new Map<string, Session>();
  private readonly uploads = new Map<string, Upload>();
  private readonly baseUrls = new Map<string, BaseUrl>();
  private readonly failing = new Map<string, number>();
  private clockOffset = 0;
  private creating = false;
  /** batchCreate calls refused because another of the user's was in progress. */
  batchCreateCollisions = 0;
  /** How long a batchCreate takes (Google's take seconds for 50 items); 0: at once. */
  batchCreateMs = 0;
  /** Library API requests today; beyond `dailyLimit` (undefined: none) they are refused with 429. */
  dailyCount = 0;
  dailyLimit: number | undefined;
  /** Items per mediaItems:batchCreate call, in order. */
  readonly batchCreates: number[] = [];
  /** Listings of a session's picked items (first pages of GET /v1/mediaItems?sessionId=…), per session. */
  readonly listings = new Map<string, number>();
  /** Videos still processing that turn READY after being listed this many more times. */
  private readonly readyAfter = new Map<string, number>();

  constructor(opts: { dir: string; baseUrl: () => string }) {
    this.dir = opts.dir;
    this.baseUrl = opts.baseUrl;
  }

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
  }

  // ---- controls for tests ----------------------------------------------------------------------

  now(): number {
    return Date.now() + this.clockOffset;
  }

  /** Moves the media host's and the sessions' clock forward (base URLs expire after 60 minutes). */
  advanceClock(ms: number): void {
    this.clockOffset += ms;
  }

  newDay(): void {
    this.dailyCount = 0;
  }

  /** The next batchCreate that has an item of this file name reports that item as failed. */
  failNextCreate(fileName: string, times = 1): void {
    this.failing.set(fileName, (this.failing.get(fileName) ?? 0) + times);
  }

  /** Adds an item to the user's library (what the Picker offers); returns its persistent id. */
  async addMedia(m: {
    filename: string;
    mimeType?: string;
    bytes: Buffer;
    createTime?: string;
    type?: 'PHOTO' | 'VIDEO';
    processing?: 'READY' | 'PROCESSING' | 'FAILED';
    width?: number;
    height?: number;
    cameraMake?: string;
    cameraModel?: string;
  }): Promise<string> {
    const id = newId('A');
    const file = path.join(this.dir, `lib-${id}`);
    await fs.writeFile(file, m.bytes);
    const mimeType = m.mimeType ?? mimeOf(m.filename);
    const type = m.type ?? (mimeType.startsWith('video/') ? 'VIDEO' : 'PHOTO');
    this.library.set(id, {
      id,
      filename: m.filename,
      mimeType,
      type,
      createTime: m.createTime ?? new Date(this.now()).toISOString(),
      processing: m.processing ?? 'READY',
      size: m.bytes.length,
      file,
      width: m.width ?? 8,
      height: m.height ?? 8,
      cameraMake: m.cameraMake,
      cameraModel: m.cameraModel,
    });
    return id;
  }

  /** Google finished (or failed) processing a video. */
  setProcessing(itemId: string, status: 'READY' | 'PROCESSING' | 'FAILED'): void {
    const item = this.library.get(itemId);
    if (!item) throw new Error(`no library item ${itemId}`);
    item.processing = status;
    this.readyAfter.delete(itemId);
  }

  /**
   * The video is processing, and Google finishes it after a while: it is listed (in any session) as
   * PROCESSING `listings` more times, then as READY.
   */
  readyAfterListings(itemId: string, listings: number): void {
    this.setProcessing(itemId, 'PROCESSING');
    this.readyAfter.set(itemId, listings);
  }

  /** Google is processing (or finished or failed processing) a video this app uploaded. */
  setAppProcessing(itemId: string, status: 'READY' | 'PROCESSING' | 'FAILED'): void {
    const item = this.appItems.get(itemId);
    if (!item) throw new Error(`no app-created item ${itemId}`);
    item.processing = status;
  }

  /** What the user does on the picking page: picks these items and presses Done. */
  pick(sessionId: string, itemIds: string[]): void {
    const s = this.sessions.get(sessionId);
    if (!s || s.deleted) throw new Error(`no picker session ${sessionId}`);
    if (s.picked) throw new Error(`picker session ${sessionId} is already done`);
    if (!itemIds.length) throw new Error('picking nothing is not possible: the Done button stays disabled');
    if (itemIds.length > s.maxItemCount) throw new Error(`the session allows at most ${s.maxItemCount} items`);
    for (const id of itemIds) if (!this.library.has(id)) throw new Error(`no library item ${id}`);
    s.picked = [...new Set(itemIds)];
  }

  /** Exactly the bytes a `=d` (photo) or `=dv` (video) download of the item gives. */
  async served(itemId: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const app = this.appItems.get(itemId);
    if (app) return fs.readFile(app.file);
    const item = this.library.get(itemId);
    if (!item) throw new Error(`no item ${itemId}`);
    const stream = await this.rendition(item);
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  // ---- routes ----------------------------------------------------------------------------------

  routes(): Route[] {
    return [
      // Picker API
      { method: 'POST', path: /^\/v1\/sessions$/, handle: (c) => this.createSession(c) },
      { method: 'GET', path: /^\/v1\/sessions\/(?<id>[^/]+)$/, handle: (c) => this.getSession(c) },
      { method: 'DELETE', path: /^\/v1\/sessions\/(?<id>[^/]+)$/, handle: (c) => this.deleteSession(c) },
      // The picking page: Google's own web page, signed in by cookie, not by the app's token.
      {
        method: 'GET',
        path: /^\/picker\/(?<id>[^/]+)(?:\/autoclose)?$/,
        auth: false,
        handle: (c) => this.pickerPage(c),
      },
      {
        method: 'POST',
        path: /^\/picker\/(?<id>[^/]+)(?:\/autoclose)?$/,
        auth: false,
        handle: (c) => this.pickerDone(c),
      },
      // Library API (GET /v1/mediaItems with a sessionId is the Picker's)
      { method: 'POST', path: /^\/v1\/uploads$/, handle: (c) => this.quota(c, () => this.upload(c)) },
      {
        method: 'POST',
        path: /^\/v1\/mediaItems:batchCreate$/,
        handle: (c) => this.quota(c, () => this.batchCreate(c)),
      },
      { method: 'POST', path: /^\/v1\/mediaItems:search$/, handle: (c) => this.quota(c, () => this.search(c)) },
      {
        method: 'GET',
        path: /^\/v1\/mediaItems$/,
        handle: (c) =>
          c.url.searchParams.has('sessionId') ? this.pickedItems(c) : this.quota(c, () => this.listAppItems(c)),
      },
      {
        method: 'GET',
        path: /^\/v1\/mediaItems\/(?<id>[^/:]+)$/,
        handle: (c) => this.quota(c, () => this.getAppItem(c)),
      },
      { method: 'POST', path: /^\/v1\/albums$/, handle: (c) => this.quota(c, () => this.createAlbum(c)) },
      { method: 'GET', path: /^\/v1\/albums$/, handle: (c) => this.quota(c, () => this.listAlbums(c)) },
      { method: 'GET', path: /^\/v1\/albums\/(?<id>[^/:]+)$/, handle: (c) => this.quota(c, () => this.getAlbum(c)) },
      // The media host (lh3.googleusercontent.com): base URL plus its suffix.
      {
        method: 'GET',
        path: /^\/media\/(?<token>[A-Za-z0-9_-]+)(?:=(?<suffix>[^/]*))?$/,
        handle: (c) => this.media(c),
      },
    ];
  }

  /** Counts a Library API request against the project's daily quota (10,000 a day at Google). */
  private async quota(c: RouteContext, fn: () => Promise<void>): Promise<void> {
    this.dailyCount++;
    if (this.dailyLimit !== undefined && this.dailyCount > this.dailyLimit) {
      await drain(c.req);
      throw new PhotosError(
        429,
        'RESOURCE_EXHAUSTED',
        "Quota exceeded for quota metric 'All requests' and limit 'All requests per day' of " +
          "service 'photoslibrary.googleapis.com' for consumer 'project_number:000000000000'.",
      );
    }
    await fn();
  }

  // ---- Picker ----------------------------------------------------------------------------------

  private sessionJson(s: Session) {
    return {
      id: s.id,
      pickerUri: `${this.baseUrl()}/picker/${s.id}`,
      pollingConfig: s.picked ? { pollInterval: '0s', timeoutIn: '0s' } : { pollInterval: '5s', timeoutIn: '1800s' },
      expireTime: new Date(s.expireTime).toISOString(),
      pickingConfig: { maxItemCount: String(s.maxItemCount) },
      mediaItemsSet: !!s.picked,
    };
  }

  private session(id: string): Session {
    const s = this.sessions.get(id);
    if (!s || s.deleted || s.expireTime <= this.now()) throw notFound();
    return s;
  }

  private async createSession({ req, res, url }: RouteContext) {
    checkParams(url, ['requestId']);
    const body = await readJson(req).catch((err) => {
      throw err instanceof GoogleError ? invalid('Invalid JSON payload received.') : err;
    });
    const known = new Set(['id', 'pickerUri', 'pollingConfig', 'expireTime', 'pickingConfig', 'mediaItemsSet']);
    for (const k of Object.keys(body))
      if (!known.has(k)) throw invalid(`Invalid JSON payload received. Unknown name "${k}": Cannot find field.`);
    const cfg = (body.pickingConfig ?? {}) as { maxItemCount?: unknown };
    let max = 2000;
    if (cfg.maxItemCount !== undefined) {
      max = Number(cfg.maxItemCount);
      if (!Number.isInteger(max) || max < 1 || max > 2000)
        throw invalid('pickingConfig.maxItemCount must be between 1 and 2000.');
    }
    const open = [...this.sessions.values()].filter((s) => !s.deleted && s.expireTime > this.now()).length;
    if (open >= MAX_OPEN_SESSIONS)
      throw new PhotosError(
        429,
        'RESOURCE_EXHAUSTED',
        'The user has too many sessions. Delete sessions that are no longer needed.',
      );
    const s: Session = {
      id: crypto.randomUUID(),
      expireTime: this.now() + SESSION_TTL,
      maxItemCount: max,
      deleted: false,
    };
    this.sessions.set(s.id, s);
    sendJson(res, 200, this.sessionJson(s));
  }

  private async getSession({ req, res, url, params }: RouteContext) {
    await drain(req);
    checkParams(url, []);
    sendJson(res, 200, this.sessionJson(this.session(params.id)));
  }

  private async deleteSession({ req, res, url, params }: RouteContext) {
    await drain(req);
    checkParams(url, []);
    this.session(params.id).deleted = true;
    sendJson(res, 200, {});
  }

  private issue(kind: BaseUrl['kind'], itemId: string, sessionId?: string): string {
    const token = crypto.randomBytes(32).toString('base64url').replace(/-/g, 'x');
    this.baseUrls.set(token, { kind, itemId, sessionId, issuedAt: this.now() });
    return `${this.baseUrl()}/media/${token}`;
  }

  private async pickedItems({ req, res, url }: RouteContext) {
    await drain(req);
    checkParams(url, ['sessionId', 'pageSize', 'pageToken']);
    const s = this.session(url.searchParams.get('sessionId')!);
    if (!s.picked)
      throw new PhotosError(
        400,
        'FAILED_PRECONDITION',
        'The user has not finished picking media items in this session.',
      );
    // Documented: pageSize default 50, maximum 100, larger values coerced to 100.
    const size = pageSizeOf(url.searchParams.get('pageSize'), 50, 100, true);
    const from = offsetOf(url.searchParams.get('pageToken'), s.id);
    if (from === 0) this.listings.set(s.id, (this.listings.get(s.id) ?? 0) + 1);
    const ids = s.picked.slice(from, from + size);
    const mediaItems = ids.map((id) => {
      const it = this.library.get(id)!;
      const left = this.readyAfter.get(id);
      if (left !== undefined && left <= 0) this.setProcessing(id, 'READY');
      else if (left !== undefined) this.readyAfter.set(id, left - 1);
      const meta =
        it.type === 'PHOTO'
          ? { photoMetadata: { focalLength: 4.2, apertureFNumber: 1.8, isoEquivalent: 100 } }
          : { videoMetadata: { fps: 30, processingStatus: it.processing } };
      return {
        id: it.id,
        createTime: it.createTime,
        type: it.type,
        mediaFile: {
          baseUrl: this.issue('picked', it.id, s.id),
          mimeType: it.mimeType,
          filename: it.filename,
          mediaFileMetadata: {
            width: it.width,
            height: it.height,
            ...(it.cameraMake ? { cameraMake: it.cameraMake } : {}),
            ...(it.cameraModel ? { cameraModel: it.cameraModel } : {}),
            ...meta,
          },
        },
      };
    });
    const next = from + size < s.picked.length ? pageToken(s.id, from + size) : undefined;
    sendJson(res, 200, { mediaItems, ...(next ? { nextPageToken: next } : {}) });
  }

  private async pickerPage({ req, res, params }: RouteContext) {
    await drain(req);
    const s = this.sessions.get(params.id);
    if (!s || s.deleted || s.picked || s.expireTime <= this.now()) return this.gone(res);
    const rows = [...this.library.values()]
      .map(
        (i) =>
          `<li><label><input type="checkbox" name="item" value="${escapeHtml(i.id)}"> ${escapeHtml(i.filename)} ` +
          `<small>${escapeHtml(i.type)} · ${escapeHtml(i.createTime)}</small></label></li>`,
      )
      .join('\n');
    const html =
      `<!doctype html><html><head><meta ` +
      `charset="utf-8"><title>Google Photos – Select photos</title></head><body>
<h1>Select up to ${s.maxItemCount} items</h1>
<form method="post"><ul>${rows}</ul><button type="submit">Done</button></form></body></html>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  }

  private async pickerDone({ req, res, params }: RouteContext) {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const s = this.sessions.get(params.id);
    if (!s || s.deleted || s.picked || s.expireTime <= this.now()) return this.gone(res);
    const ids = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
      .getAll('item')
      .filter((id) => this.library.has(id));
    if (!ids.length || ids.length > s.maxItemCount) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><p>Select between 1 and ${s.maxItemCount} items, then press Done.</p>`);
      return;
    }
    s.picked = [...new Set(ids)];
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><p>Done: ${ids.length} items selected. You can close this window.</p>`);
  }

  private gone(res: ServerResponse) {
    res.writeHead(410, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><p>This link no longer works. Go back to the app and start again.</p>');
  }

  // ---- media host ------------------------------------------------------------------------------

  private async rendition(item: LibraryItem): Promise<Readable> {
    if (item.type === 'PHOTO') {
      const bytes = await fs.readFile(item.file);
      return Readable.from([item.mimeType === 'image/jpeg' ? stripGps(bytes) : bytes]);
    }
    const fh = await fs.open(item.file);
    const head = Buffer.alloc(Math.min(65536, item.size));
    await fh.read(head, 0, head.length, 0);
    await fh.close();
    return createReadStream(item.file).pipe(transcoder(mdatRange(head, item.size)));
  }

  private async media({ req, res, params }: RouteContext) {
    await drain(req);
    const plain = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=UTF-8' });
      res.end(text);
    };
    const b = this.baseUrls.get(params.token);
    if (!b) return plain(404, 'Not Found');
    if (this.now() - b.issuedAt >= BASE_URL_TTL) return plain(403, 'Forbidden: this URL has expired.');
    if (b.sessionId) {
      const s = this.sessions.get(b.sessionId);
      if (!s || s.deleted || s.expireTime <= this.now()) return plain(403, 'Forbidden');
    }
    const suffix = params.suffix;
    if (suffix === undefined)
      return plain(400, 'Bad Request: a base URL needs a size or download parameter (=d, =dv, =w…-h…).');
    const sizeParam = /^(?:w\d+|h\d+|w\d+-h\d+)(?:-c)?$/.test(suffix);
    if (b.kind === 'app') {
      const it = this.appItems.get(b.itemId);
      if (!it) return plain(404, 'Not Found');
      const video = it.mimeType.startsWith('video/');
      if (!(suffix === (video ? 'dv' : 'd') || (!video && sizeParam) || (video && suffix === 'd')))
        return plain(400, 'Bad Request');
      if (suffix === 'dv' && (it.processing ?? 'READY') !== 'READY')
        return plain(404, 'Not Found: the video is not ready yet.');
      res.writeHead(200, { 'content-type': it.mimeType, 'content-length': String(it.size) });
      await pipeline(createReadStream(it.file), res);
      return;
    }
    const it = this.library.get(b.itemId);
    if (!it) return plain(404, 'Not Found');
    if (it.type === 'VIDEO') {
      if (suffix !== 'dv' && suffix !== 'd' && !sizeParam) return plain(400, 'Bad Request');
      if (suffix === 'dv' && it.processing !== 'READY') return plain(404, 'Not Found: the video is not ready yet.');
      if (suffix !== 'dv') {
        // =d or a size on a video: its thumbnail, a still image.
        const still = Buffer.from('thumbnail of a video');
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(still.length) });
        return void res.end(still);
      }
    } else if (suffix !== 'd' && !sizeParam) return plain(400, 'Bad Request');
    const body = await this.rendition(it);
    res.writeHead(200, { 'content-type': it.type === 'VIDEO' ? 'video/mp4' : it.mimeType });
    await pipeline(body, res);
  }

  // ---- Library API -----------------------------------------------------------------------------

  private async upload({ req, res, url }: RouteContext) {
    checkParams(url, []);
    const protocol = String(req.headers['x-goog-upload-protocol'] ?? '');
    if (protocol !== 'raw') {
      await drain(req);
      throw invalid(
        protocol
          ? `Upload protocol ${protocol} is not supported by this emulator: use raw.`
          : 'Missing X-Goog-Upload-Protocol header.',
      );
    }
    const mimeType = String(req.headers['x-goog-upload-content-type'] ?? '');
    if (mimeType && !/^(image|video)\//.test(mimeType)) {
      await drain(req);
      throw invalid(`Unsupported X-Goog-Upload-Content-Type: ${mimeType}.`);
    }
    const limit = mimeType.startsWith('video/') ? VIDEO_LIMIT : PHOTO_LIMIT;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      await drain(req);
      throw invalid(
        `The file is too large: ${mimeType.startsWith('video/') ? 'videos' : 'photos'} may be at most ${limit} bytes.`,
      );
    }
    const token = `CAIS${crypto.randomBytes(48).toString('base64url')}`;
    const file = path.join(this.dir, `up-${crypto.randomBytes(12).toString('hex')}`);
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        size += chunk.length;
        if (size > limit) return cb(invalid(`The file is too large: at most ${limit} bytes.`));
        cb(null, chunk);
      },
    });
    try {
      await pipeline(req, counter, createWriteStream(file));
    } catch (err) {
      await fs.rm(file, { force: true });
      throw err;
    }
    if (size === 0) {
      await fs.rm(file, { force: true });
      throw invalid('The request has no bytes to upload.');
    }
    this.uploads.set(token, { file, size, mimeType, used: false });
    res.writeHead(200, {
      'content-type': 'text/plain; charset=UTF-8',
      'content-length': String(Buffer.byteLength(token)),
    });
    res.end(token);
  }

  private appItemJson(it: AppItem) {
    const video = it.mimeType.startsWith('video/');
    return {
      id: it.id,
      ...(it.description ? { description: it.description } : {}),
      productUrl: `https://photos.google.com/lr/photo/${it.id}`,
      baseUrl: this.issue('app', it.id),
      mimeType: it.mimeType,
      mediaMetadata: {
        creationTime: it.createTime,
        width: '8',
        height: '8',
        ...(video ? { video: { fps: 30, status: it.processing ?? 'READY' } } : { photo: {} }),
      },
      filename: it.filename,
    };
  }

  private albumJson(a: Album) {
    return {
      id: a.id,
      title: a.title,
      productUrl: `https://photos.google.com/lr/album/${a.id}`,
      isWriteable: true,
      mediaItemsCount: String(a.items.length),
    };
  }

  private async batchCreate({ req, res, url }: RouteContext) {
    checkParams(url, []);
    const body = await readJson(req);
    const items = body.newMediaItems;
    if (!Array.isArray(items) || items.length === 0) throw invalid('Request must contain at least one newMediaItems.');
    if (items.length > 50) throw invalid('Request must contain at most 50 newMediaItems.');
    let album: Album | undefined;
    if (body.albumId !== undefined) {
      album = this.albums.get(String(body.albumId));
      if (!album) throw invalid('Invalid album id: only albums created by this app can receive media items.');
      if (album.items.length + items.length > 20_000) throw invalid('The album is full (20,000 items).');
    }
    // Google asks for one batchCreate at a time per user; concurrent ones collide.
    if (this.creating) {
      this.batchCreateCollisions++;
      throw new PhotosError(
        409,
        'ABORTED',
        'Another mediaItems:batchCreate call for this user is in progress; create media items one call at a time.',
      );
    }
    this.creating = true;
    try {
      if (this.batchCreateMs) await new Promise((r) => setTimeout(r, this.batchCreateMs));
      this.batchCreates.push(items.length);
      const newMediaItemResults = [];
      for (const raw of items as Record<string, unknown>[]) {
        const simple = (raw?.simpleMediaItem ?? {}) as { uploadToken?: string; fileName?: string };
        const token = simple.uploadToken ?? '';
        const fileName = simple.fileName ?? '';
        const fail = (code: number, message: string) =>
          newMediaItemResults.push({ uploadToken: token, status: { code, message } });
        const up = this.uploads.get(token);
        if (!up || up.used) {
          fail(
            3,
            'Failed: There was an error while trying to create this media item. (invalid or already used upload token)',
          );
          continue;
        }
        up.used = true;
        if (fileName.length > 255) {
          fail(3, 'Failed: the file name is longer than 255 characters.');
          continue;
        }
        const description = typeof raw.description === 'string' ? raw.description : undefined;
        if (description && description.length > 1000) {
          fail(3, 'Failed: the description is longer than 1000 characters.');
          continue;
        }
        const left = this.failing.get(fileName) ?? 0;
        if (left > 0) {
          this.failing.set(fileName, left - 1);
          fail(13, 'Failed: Internal error while creating the media item.');
          continue;
        }
        // A small await per item: concurrent batchCreate calls overlap, as they would at Google.
        await new Promise((r) => setImmediate(r));
        const it: AppItem = {
          id: newId('AF1Qip'),
          filename: fileName || path.basename(up.file),
          description,
          mimeType: up.mimeType || mimeOf(fileName),
          createTime: new Date(this.now()).toISOString(),
          size: up.size,
          file: up.file,
        };
        this.appItems.set(it.id, it);
        album?.items.push(it.id);
        newMediaItemResults.push({
          uploadToken: token,
          status: { message: 'Success' },
          mediaItem: this.appItemJson(it),
        });
      }
      sendJson(res, 200, { newMediaItemResults });
    } finally {
      this.creating = false;
    }
  }

  private async listAppItems({ req, res, url }: RouteContext) {
    await drain(req);
    checkParams(url, ['pageSize', 'pageToken']);
    const size = pageSizeOf(url.searchParams.get('pageSize'), 25, 100, false);
    const from = offsetOf(url.searchParams.get('pageToken'), 'items');
    const all = [...this.appItems.values()];
    const page = all.slice(from, from + size).map((i) => this.appItemJson(i));
    // Google leaves empty lists out of the answer.
    sendJson(res, 200, {
      ...(page.length ? { mediaItems: page } : {}),
      ...(from + size < all.length ? { nextPageToken: pageToken('items', from + size) } : {}),
    });
  }

  private async getAppItem({ req, res, url, params }: RouteContext) {
    await drain(req);
    checkParams(url, []);
    const it = this.appItems.get(params.id);
    if (!it) throw invalid('Invalid media item ID.');
    sendJson(res, 200, this.appItemJson(it));
  }

  private async search({ req, res, url }: RouteContext) {
    checkParams(url, []);
    const body = await readJson(req);
    if (body.albumId !== undefined && body.filters !== undefined)
      throw invalid('albumId and filters cannot both be set.');
    if (body.albumId !== undefined && body.orderBy !== undefined) throw invalid('orderBy cannot be set with albumId.');
    const size = pageSizeOf(body.pageSize, 25, 100, false);
    let ids: string[];
    let list = 'search';
    if (body.albumId !== undefined) {
      const album = this.albums.get(String(body.albumId));
      if (!album) throw invalid('Invalid album ID.');
      ids = album.items;
      list = `album:${album.id}`;
    } else ids = [...this.appItems.keys()];
    const from = offsetOf(body.pageToken as string | undefined, list);
    const page = ids.slice(from, from + size).map((id) => this.appItemJson(this.appItems.get(id)!));
    sendJson(res, 200, {
      ...(page.length ? { mediaItems: page } : {}),
      ...(from + size < ids.length ? { nextPageToken: pageToken(list, from + size) } : {}),
    });
  }

  private async createAlbum({ req, res, url }: RouteContext) {
    checkParams(url, []);
    const body = await readJson(req);
    const title = (body.album as { title?: unknown } | undefined)?.title;
    if (typeof title !== 'string' || !title) throw invalid('album.title is required.');
    if (title.length > 500) throw invalid('album.title is longer than 500 characters.');
    const a: Album = { id: newId('AF1QipA'), title, items: [] };
    this.albums.set(a.id, a);
    sendJson(res, 200, this.albumJson(a));
  }

  private async listAlbums({ req, res, url }: RouteContext) {
    await drain(req);
    checkParams(url, ['pageSize', 'pageToken', 'excludeNonAppCreatedData']);
    const size = pageSizeOf(url.searchParams.get('pageSize'), 20, 50, false);
    const from = offsetOf(url.searchParams.get('pageToken'), 'albums');
    const all = [...this.albums.values()];
    const page = all.slice(from, from + size).map((a) => this.albumJson(a));
    sendJson(res, 200, {
      ...(page.length ? { albums: page } : {}),
      ...(from + size < all.length ? { nextPageToken: pageToken('albums', from + size) } : {}),
    });
  }

  private async getAlbum({ req, res, url, params }: RouteContext) {
    await drain(req);
    checkParams(url, []);
    const a = this.albums.get(params.id);
    if (!a) throw invalid('Invalid album ID.');
    sendJson(res, 200, this.albumJson(a));
  }
}
