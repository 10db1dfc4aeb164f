// Google Drive API v3 as the emulator serves it: files (metadata in memory, content on disk),
// files.list with Drive's query language (the forms Ferry sends; others are refused, not ignored),
// paging, partial responses, ranged downloads, generateIds, the trash (files.update {trashed}: a
// trashed item, and whatever is in a trashed folder, is still listed unless q says trashed=false, as
// Drive lists it), and resumable uploads with the rules Google enforces: 256 KiB chunk multiples,
// Content-Range continuing at the server's offset, the announced total, 308 + Range answers, status
// queries, ids usable once, a daily upload cap.
// Reference: developers.google.com/drive/api/reference/rest/v3 and guides/manage-uploads.
import crypto from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  checkParams,
  drain,
  GoogleError,
  parseFields,
  readJson,
  select,
  sendJson,
  type Route,
  type RouteContext,
} from './http.ts';

export const FOLDER = 'application/vnd.google-apps.folder';
const CHUNK_UNIT = 256 * 1024;

export interface DriveItem {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  /** In the trash: put there itself (explicitlyTrashed) or inside a trashed folder. */
  trashed: boolean;
  explicitlyTrashed?: boolean;
  trashedTime?: string;
  createdTime: string;
  modifiedTime: string;
  /** Binary files only. */
  size?: number;
  md5?: string;
  sha1?: string;
  sha256?: string;
}

interface Session {
  id: string;
  mode: 'create' | 'update';
  /** create: the pre-generated id asked for, if any; update: the file being replaced. */
  fileId?: string;
  meta: Meta;
  contentType?: string;
  /** X-Upload-Content-Length. */
  declared?: number;
  /** The total once a Content-Range gave one. */
  total?: number;
  received: number;
  file: string;
  fields?: string;
  /** The finished file. */
  done?: string;
  /** Requests to one session are handled one after the other. */
  lock: Promise<void>;
}

interface Meta {
  id?: string;
  name?: string;
  mimeType?: string;
  parents?: string[];
  modifiedTime?: string;
  trashed?: boolean;
}

const FILE_KEYS = [
  'kind',
  'id',
  'name',
  'mimeType',
  'parents',
  'trashed',
  'explicitlyTrashed',
  'trashedTime',
  'createdTime',
  'modifiedTime',
  'size',
  'md5Checksum',
  'sha1Checksum',
  'sha256Checksum',
  'description',
  'starred',
  'version',
  'ownedByMe',
];
const fileKeys = (prefix = '') => FILE_KEYS.map((k) => prefix + k);
const KNOWN_FILE = new Set(fileKeys());
const KNOWN_LIST = new Set(['kind', 'nextPageToken', 'incompleteSearch', 'files', ...fileKeys('files/')]);
const KNOWN_ABOUT = new Set([
  'kind',
  'user',
  'user/kind',
  'user/displayName',
  'user/emailAddress',
  'user/permissionId',
  'user/me',
  'user/photoLink',
  'storageQuota',
  'storageQuota/limit',
  'storageQuota/usage',
  'storageQuota/usageInDrive',
  'storageQuota/usageInDriveTrash',
]);
const DEFAULT_FILE = parseFields('kind,id,name,mimeType');
const DEFAULT_LIST = parseFields('kind,nextPageToken,incompleteSearch,files(kind,id,name,mimeType)');

const MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  heic: 'image/heic',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  txt: 'text/plain',
  pdf: 'application/pdf',
};
const guessMime = (name: string) => MIME[name.split('.').pop()!.toLowerCase()] ?? 'application/octet-stream';

const notFound = (id: string, location = 'fileId') =>
  new GoogleError(404, 'notFound', `File not found: ${id}.`, { location });
const invalid = (message: string, location?: string) => new GoogleError(400, 'invalid', message, { location });

/** Drive-like file ids: 33 characters of base64url. */
const newId = () => `1${crypto.randomBytes(24).toString('base64url')}`.slice(0, 33);

/** The conditions of a files.list `q`, in the forms Ferry uses. */
type Cond = (item: DriveItem) => boolean;

export function parseQuery(q: string, resolve: (id: string) => DriveItem | undefined): Cond[] {
  const tokens: string[] = [];
  const re = /\s*(?:('(?:[^'\\]|\\.)*')|(!=|=)|([A-Za-z_]+))/y;
  re.lastIndex = 0;
  while (re.lastIndex < q.length) {
    if (/^\s*$/.test(q.slice(re.lastIndex))) break;
    const m = re.exec(q);
    if (!m) throw invalid('Invalid Value', 'q');
    tokens.push(m[1] ?? m[2] ?? m[3]);
  }
  const str = (t: string | undefined) => {
    if (!t?.startsWith("'")) throw invalid('Invalid Value', 'q');
    return t.slice(1, -1).replace(/\\(.)/g, '$1');
  };
  const conds: Cond[] = [];
  let i = 0;
  for (;;) {
    const t = tokens[i];
    if (t?.startsWith("'") && tokens[i + 1] === 'in' && tokens[i + 2] === 'parents') {
      const parent = resolve(str(t));
      if (!parent) throw notFound(str(t), 'q');
      conds.push((it) => it.parents.includes(parent.id));
      i += 3;
    } else if ((t === 'name' || t === 'mimeType') && (tokens[i + 1] === '=' || tokens[i + 1] === '!=')) {
      const want = str(tokens[i + 2]);
      const eq = tokens[i + 1] === '=';
      conds.push(t === 'name' ? (it) => (it.name === want) === eq : (it) => (it.mimeType === want) === eq);
      i += 3;
    } else if (t === 'trashed' && tokens[i + 1] === '=' && (tokens[i + 2] === 'true' || tokens[i + 2] === 'false')) {
      const want = tokens[i + 2] === 'true';
      conds.push((it) => it.trashed === want);
      i += 3;
    } else {
      throw invalid('Invalid Value', 'q');
    }
    if (i === tokens.length) return conds;
    if (tokens[i] !== 'and') throw invalid('Invalid Value', 'q');
    i++;
  }
}

export interface DriveOptions {
  dir: string;
  /** The emulator's base URL, for upload session URIs. */
  baseUrl: () => string;
  account: { id: string; email: string; name: string };
  dailyUploadCapBytes?: number;
}

export class DriveStore {
  readonly items = new Map<string, DriveItem>();
  readonly rootId = newId();
  private readonly generated = new Set<string>();
  private readonly sessions = new Map<string, Session>();
  private readonly opts: DriveOptions;
  private lastCreated = 0;
  private uploadedToday = 0;
  private corruptNext = false;

  /** A new day for the daily upload cap; `cap` replaces it (undefined: no cap). */
  newUploadDay(cap?: number): void {
    this.uploadedToday = 0;
    this.opts.dailyUploadCapBytes = cap;
  }

  constructor(opts: DriveOptions) {
    this.opts = opts;
    const now = new Date().toISOString();
    this.items.set(this.rootId, {
      id: this.rootId,
      name: 'My Drive',
      mimeType: FOLDER,
      parents: [],
      trashed: false,
      createdTime: now,
      modifiedTime: now,
    });
  }

  async init(): Promise<void> {
    await fs.mkdir(path.join(this.opts.dir, 'blobs'), { recursive: true });
    await fs.mkdir(path.join(this.opts.dir, 'sessions'), { recursive: true });
  }

  private blob(id: string): string {
    return path.join(this.opts.dir, 'blobs', id);
  }

  /** Strictly increasing creation times, so "the oldest" is never a tie. */
  private createdNow(): string {
    this.lastCreated = Math.max(Date.now(), this.lastCreated + 1);
    return new Date(this.lastCreated).toISOString();
  }

  resolve(id: string): DriveItem | undefined {
    return this.items.get(id === 'root' ? this.rootId : id);
  }

  // --- helpers for tests -------------------------------------------------------------------------

  /** Items at a path from the root (folders resolved to the oldest of their name, as Ferry does). */
  itemsAt(p: string): DriveItem[] {
    const parts = p.split('/').filter(Boolean);
    const last = parts.pop();
    let parent = this.items.get(this.rootId)!;
    for (const name of parts) {
      const next = this.children(parent.id).filter((c) => c.name === name && c.mimeType === FOLDER)[0];
      if (!next) return [];
      parent = next;
    }
    return last === undefined ? [parent] : this.children(parent.id).filter((c) => c.name === last);
  }

  /** The oldest file with bytes at the path. */
  findFile(p: string): DriveItem | undefined {
    return this.itemsAt(p).filter((i) => i.size !== undefined)[0];
  }

  async fileBytes(p: string): Promise<Buffer> {
    const item = this.findFile(p);
    if (!item) throw new Error(`No file at ${p} in the Drive emulator.`);
    return fs.readFile(this.blob(item.id));
  }

  /** Adds a file (always a new one, beside any of the same name); folders are made as needed. */
  async addFile(
    p: string,
    bytes: Buffer | null,
    opts: { mimeType?: string; modifiedTime?: string } = {},
  ): Promise<DriveItem> {
    const parts = p.split('/').filter(Boolean);
    const name = parts.pop()!;
    const parent = this.ensureFolders(parts);
    const item: DriveItem = {
      id: newId(),
      name,
      mimeType: opts.mimeType ?? guessMime(name),
      parents: [parent.id],
      trashed: false,
      createdTime: this.createdNow(),
      modifiedTime: opts.modifiedTime ?? new Date().toISOString(),
    };
    if (bytes && !item.mimeType.startsWith('application/vnd.google-apps.')) {
      await fs.writeFile(this.blob(item.id), bytes);
      Object.assign(item, this.hashesOf(bytes));
    }
    this.items.set(item.id, item);
    return item;
  }

  /** Adds a folder (always a new one, beside any of the same name). */
  addFolder(p: string): DriveItem {
    const parts = p.split('/').filter(Boolean);
    const name = parts.pop()!;
    const parent = this.ensureFolders(parts);
    const item: DriveItem = {
      id: newId(),
      name,
      mimeType: FOLDER,
      parents: [parent.id],
      trashed: false,
      createdTime: this.createdNow(),
      modifiedTime: new Date().toISOString(),
    };
    this.items.set(item.id, item);
    return item;
  }

  /** Items files.list does not show yet: Drive's search index lags behind writes. */
  readonly hiddenFromSearch = new Set<string>();

  /** Forgets every upload session, as when they expire. */
  dropUploadSessions(): void {
    this.sessions.clear();
  }

  /** The next upload to finish stores one byte changed (a storage fault the uploader must notice). */
  corruptNextUpload(): void {
    this.corruptNext = true;
  }

  private ensureFolders(parts: string[]): DriveItem {
    let parent = this.items.get(this.rootId)!;
    for (const name of parts) {
      let next = this.children(parent.id).filter((c) => c.name === name && c.mimeType === FOLDER)[0];
      if (!next) {
        next = {
          id: newId(),
          name,
          mimeType: FOLDER,
          parents: [parent.id],
          trashed: false,
          createdTime: this.createdNow(),
          modifiedTime: new Date().toISOString(),
        };
        this.items.set(next.id, next);
      }
      parent = next;
    }
    return parent;
  }

  private hashesOf(bytes: Buffer) {
    return {
      size: bytes.length,
      md5: crypto.createHash('md5').update(bytes).digest('hex'),
      sha1: crypto.createHash('sha1').update(bytes).digest('hex'),
      sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    };
  }

  /** Non-trashed children, oldest first. */
  private children(parentId: string): DriveItem[] {
    return [...this.items.values()]
      .filter((i) => i.parents.includes(parentId) && !i.trashed)
      .sort((a, b) => (a.createdTime < b.createdTime ? -1 : a.createdTime > b.createdTime ? 1 : a.id < b.id ? -1 : 1));
  }

  // --- the API -----------------------------------------------------------------------------------

  private json(item: DriveItem): Record<string, unknown> {
    const binary = item.size !== undefined;
    return {
      kind: 'drive#file',
      id: item.id,
      name: item.name,
      mimeType: item.mimeType,
      parents: item.parents,
      trashed: item.trashed,
      explicitlyTrashed: item.explicitlyTrashed ?? false,
      ...(item.trashedTime ? { trashedTime: item.trashedTime } : {}),
      createdTime: item.createdTime,
      modifiedTime: item.modifiedTime,
      ownedByMe: true,
      ...(binary
        ? { size: String(item.size), md5Checksum: item.md5, sha1Checksum: item.sha1, sha256Checksum: item.sha256 }
        : {}),
    };
  }

  private fileOut(item: DriveItem, fields: string | null | undefined): unknown {
    return select(this.json(item), fields ? parseFields(fields) : DEFAULT_FILE, KNOWN_FILE);
  }

  /** Checks a metadata body as files.create (create) or files.update (update) accepts it. */
  private meta(body: Record<string, unknown>, mode: 'create' | 'update'): Meta {
    const writable =
      mode === 'create'
        ? ['id', 'name', 'mimeType', 'parents', 'modifiedTime', 'description', 'appProperties', 'properties']
        : ['name', 'mimeType', 'modifiedTime', 'description', 'appProperties', 'properties', 'trashed'];
    const known = [...writable, 'kind', 'parents', 'id', 'size', 'md5Checksum', 'createdTime', 'trashed'];
    for (const key of Object.keys(body)) {
      if (!known.includes(key))
        throw new GoogleError(
          400,
          'invalid',
          `Invalid JSON payload received. Unknown name "${key}" at 'resource': Cannot find field.`,
        );
      if (!writable.includes(key)) {
        const hint =
          key === 'parents'
            ? ' The parents field is not directly writable in update requests. ' +
              'Use the addParents and removeParents parameters instead.'
            : '';
        throw new GoogleError(
          403,
          'fieldNotWritable',
          `The resource body includes fields which are not directly writable.${hint}`,
        );
      }
    }
    const m: Meta = {};
    if (body.name !== undefined) {
      if (typeof body.name !== 'string') throw invalid('Invalid value for name', 'name');
      m.name = body.name;
    }
    if (body.mimeType !== undefined) {
      if (typeof body.mimeType !== 'string') throw invalid('Invalid value for mimeType', 'mimeType');
      m.mimeType = body.mimeType;
    }
    if (body.modifiedTime !== undefined) {
      if (
        typeof body.modifiedTime !== 'string' ||
        !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(body.modifiedTime) ||
        Number.isNaN(Date.parse(body.modifiedTime))
      ) {
        throw invalid(`Invalid value for modifiedTime: ${String(body.modifiedTime)}`, 'modifiedTime');
      }
      m.modifiedTime = new Date(body.modifiedTime).toISOString();
    }
    if (body.trashed !== undefined) {
      if (typeof body.trashed !== 'boolean')
        throw invalid(`Invalid value for trashed: ${JSON.stringify(body.trashed)}`, 'trashed');
      m.trashed = body.trashed;
    }
    if (body.parents !== undefined) {
      if (!Array.isArray(body.parents) || body.parents.some((p) => typeof p !== 'string'))
        throw invalid('Invalid value for parents', 'parents');
      if (body.parents.length > 1)
        throw new GoogleError(403, 'cannotAddParent', 'Increasing the number of parents is not allowed.');
      m.parents = (body.parents as string[]).map((id) => {
        const parent = this.resolve(id);
        if (!parent || parent.trashed) throw notFound(id);
        if (parent.mimeType !== FOLDER)
          throw new GoogleError(400, 'invalidParent', `The parent ${id} is not a folder.`);
        return parent.id;
      });
    }
    if (body.id !== undefined) {
      if (typeof body.id !== 'string' || !this.generated.has(body.id))
        throw new GoogleError(400, 'invalid', 'The provided file ID is not usable.', { location: 'id' });
      if (this.items.has(body.id))
        throw new GoogleError(409, 'duplicate', 'A file already exists with the provided ID.');
      m.id = body.id;
    }
    return m;
  }

  routes(): Route[] {
    return [
      { method: 'GET', path: /^\/drive\/v3\/about$/, handle: (c) => this.about(c) },
      { method: 'GET', path: /^\/drive\/v3\/files\/generateIds$/, handle: (c) => this.generateIds(c) },
      { method: 'GET', path: /^\/drive\/v3\/files$/, handle: (c) => this.list(c) },
      { method: 'POST', path: /^\/drive\/v3\/files$/, handle: (c) => this.create(c) },
      { method: 'GET', path: /^\/drive\/v3\/files\/(?<id>[^/]+)$/, handle: (c) => this.get(c) },
      { method: 'PATCH', path: /^\/drive\/v3\/files\/(?<id>[^/]+)$/, handle: (c) => this.update(c) },
      { method: 'DELETE', path: /^\/drive\/v3\/files\/(?<id>[^/]+)$/, handle: (c) => this.remove(c) },
      { method: 'POST', path: /^\/upload\/drive\/v3\/files$/, handle: (c) => this.initiate(c, 'create') },
      {
        method: 'PATCH',
        path: /^\/upload\/drive\/v3\/files\/(?<id>[^/]+)$/,
        handle: (c) => this.initiate(c, 'update'),
      },
      { method: 'PUT', path: /^\/upload\/drive\/v3\/files(?:\/(?<id>[^/]+))?$/, handle: (c) => this.chunk(c) },
      { method: 'DELETE', path: /^\/upload\/drive\/v3\/files(?:\/(?<id>[^/]+))?$/, handle: (c) => this.cancel(c) },
    ];
  }

  private async about({ req, res, url, account }: RouteContext) {
    await drain(req);
    checkParams(url, []);
    const fields = url.searchParams.get('fields');
    if (!fields)
      throw new GoogleError(400, 'required', "The 'fields' parameter is required for this method.", {
        location: 'fields',
      });
    let usage = 0;
    let inTrash = 0;
    for (const i of this.items.values()) {
      usage += i.size ?? 0;
      if (i.trashed) inTrash += i.size ?? 0;
    }
    const about = {
      kind: 'drive#about',
      user: {
        kind: 'drive#user',
        displayName: account.name,
        emailAddress: account.email,
        permissionId: account.id,
        me: true,
      },
      storageQuota: {
        limit: String(15 * 1024 ** 3),
        usage: String(usage),
        usageInDrive: String(usage),
        usageInDriveTrash: String(inTrash),
      },
    };
    sendJson(res, 200, select(about, parseFields(fields), KNOWN_ABOUT));
  }

  private async generateIds({ req, res, url }: RouteContext) {
    await drain(req);
    checkParams(url, ['count', 'space', 'type']);
    const count = Number(url.searchParams.get('count') ?? 10);
    if (!Number.isInteger(count) || count < 1 || count > 1000)
      throw invalid(
        `Invalid value '${url.searchParams.get('count')}'. Values must be within the range: [1, 1000]`,
        'count',
      );
    const space = url.searchParams.get('space') ?? 'drive';
    if (space !== 'drive') throw invalid(`Invalid value for space: ${space}`, 'space');
    const ids = Array.from({ length: count }, newId);
    for (const id of ids) this.generated.add(id);
    sendJson(res, 200, { kind: 'drive#generatedIds', space, ids });
  }

  private async list({ req, res, url }: RouteContext) {
    await drain(req);
    checkParams(url, [
      'q',
      'pageSize',
      'pageToken',
      'spaces',
      'corpora',
      'supportsAllDrives',
      'includeItemsFromAllDrives',
    ]);
    const p = url.searchParams;
    if (p.has('spaces') && p.get('spaces') !== 'drive')
      throw invalid(`Invalid value for spaces: ${p.get('spaces')}`, 'spaces');
    if (p.has('corpora') && p.get('corpora') !== 'user')
      throw invalid(`Invalid value for corpora: ${p.get('corpora')}`, 'corpora');
    const pageSize = Number(p.get('pageSize') ?? 100);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
      throw invalid(`Invalid value '${p.get('pageSize')}'. Values must be within the range: [1, 1000]`, 'pageSize');
    const q = p.get('q') ?? '';
    const conds = q ? parseQuery(q, (id) => this.resolve(id)) : [];
    // The token names the query it continues and the creation time it resumes after.
    let after = '';
    const token = p.get('pageToken');
    if (token) {
      let parsed: { q?: string; after?: string } = {};
      try {
        parsed = JSON.parse(Buffer.from(token, 'base64url').toString());
      } catch {
        // below
      }
      if (parsed.q !== q || typeof parsed.after !== 'string') throw invalid('Invalid Value', 'pageToken');
      after = parsed.after;
    }
    const key = (i: DriveItem) => `${i.createdTime}|${i.id}`;
    const all = [...this.items.values()]
      .filter((i) => i.id !== this.rootId && !this.hiddenFromSearch.has(i.id) && conds.every((c) => c(i)))
      .sort((a, b) => (key(a) < key(b) ? -1 : 1))
      .filter((i) => key(i) > after);
    const page = all.slice(0, pageSize);
    const more = all.length > pageSize;
    const body = {
      kind: 'drive#fileList',
      incompleteSearch: false,
      ...(more
        ? { nextPageToken: Buffer.from(JSON.stringify({ q, after: key(page[page.length - 1]) })).toString('base64url') }
        : {}),
      files: page.map((i) => this.json(i)),
    };
    const fields = p.get('fields');
    sendJson(res, 200, select(body, fields ? parseFields(fields) : DEFAULT_LIST, KNOWN_LIST));
  }

  private async create({ req, res, url }: RouteContext) {
    checkParams(url, ['supportsAllDrives', 'uploadType']);
    if (url.searchParams.has('uploadType')) throw invalid('Uploads go to /upload/drive/v3/files.', 'uploadType');
    const m = this.meta(await readJson(req), 'create');
    const name = m.name ?? 'Untitled';
    const mimeType = m.mimeType ?? guessMime(name);
    const item: DriveItem = {
      id: m.id ?? newId(),
      name,
      mimeType,
      parents: m.parents ?? [this.rootId],
      trashed: false,
      createdTime: this.createdNow(),
      modifiedTime: m.modifiedTime ?? new Date().toISOString(),
    };
    if (!mimeType.startsWith('application/vnd.google-apps.')) {
      await fs.writeFile(this.blob(item.id), Buffer.alloc(0));
      Object.assign(item, this.hashesOf(Buffer.alloc(0)));
    }
    this.items.set(item.id, item);
    sendJson(res, 200, this.fileOut(item, url.searchParams.get('fields')));
  }

  private async get({ req, res, url, params }: RouteContext) {
    await drain(req);
    checkParams(url, ['supportsAllDrives', 'acknowledgeAbuse']);
    const item = this.resolve(params.id);
    if (!item) throw notFound(params.id);
    if (url.searchParams.get('alt') !== 'media') {
      sendJson(res, 200, this.fileOut(item, url.searchParams.get('fields')));
      return;
    }
    if (item.size === undefined) {
      throw new GoogleError(
        403,
        'fileNotDownloadable',
        'Only files with binary content can be downloaded. Use Export with Docs Editors files.',
        { location: 'alt' },
      );
    }
    const size = item.size;
    const range = req.headers.range;
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range) {
      const m = /^bytes=(\d+)-(\d*)$/.exec(range);
      if (!m || Number(m[1]) >= size || (m[2] && Number(m[2]) < Number(m[1]))) {
        res.writeHead(416, { 'content-range': `bytes */${size}`, 'content-type': 'text/plain' });
        res.end('Request range not satisfiable');
        return;
      }
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      status = 206;
    }
    const headers: Record<string, string> = {
      'content-type': item.mimeType,
      'content-length': String(Math.max(0, end - start + 1)),
      'accept-ranges': 'bytes',
    };
    if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(status, headers);
    if (size === 0) return void res.end();
    await pipeline(createReadStream(this.blob(item.id), { start, end }), res).catch(() => res.destroy());
  }

  private async update({ req, res, url, params }: RouteContext) {
    checkParams(url, ['supportsAllDrives', 'addParents', 'removeParents']);
    const item = this.resolve(params.id);
    if (!item) throw notFound(params.id);
    const m = this.meta(await readJson(req), 'update');
    const parents = this.reparent(item, url);
    if (parents) item.parents = parents;
    if (m.name !== undefined) item.name = m.name;
    if (m.mimeType !== undefined) item.mimeType = m.mimeType;
    if (m.modifiedTime !== undefined) item.modifiedTime = m.modifiedTime;
    if (m.trashed !== undefined) {
      if (item.id === this.rootId)
        throw new GoogleError(
          403,
          'insufficientFilePermissions',
          'The user does not have sufficient permissions for this file.',
        );
      this.trash(item, m.trashed);
    }
    sendJson(res, 200, this.fileOut(item, url.searchParams.get('fields')));
  }

  /**
   * files.update's addParents and removeParents (comma-separated ids): a move is adding the new
   * folder and removing the old one in one request. Drive moves nothing else: names are not checked
   * (a folder may hold several items of one name). An item has one parent at most ("Increasing the
   * number of parents is not allowed"); a folder cannot go into itself or below itself. Removing an
   * id that is not a parent changes nothing. Returns the new parents, or null when neither is given.
   */
  private reparent(item: DriveItem, url: URL): string[] | null {
    const ids = (name: string) =>
      (url.searchParams.get(name) ?? '')
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
    const [add, remove] = [ids('addParents'), ids('removeParents')];
    if (!add.length && !remove.length) return null;
    if (item.id === this.rootId)
      throw new GoogleError(
        403,
        'insufficientFilePermissions',
        'The user does not have sufficient permissions for this file.',
      );
    const removing = new Set(remove.map((id) => this.resolve(id)?.id ?? id));
    const parents = item.parents.filter((id) => !removing.has(id));
    for (const id of add) {
      const parent = this.resolve(id);
      if (!parent) throw notFound(id, 'addParents');
      if (parent.mimeType !== FOLDER) throw new GoogleError(400, 'invalidParent', `The parent ${id} is not a folder.`);
      for (let at: DriveItem | undefined = parent; at; at = this.resolve(at.parents[0] ?? ''))
        if (at.id === item.id) throw new GoogleError(400, 'invalidParent', 'A folder cannot be moved into itself.');
      if (!parents.includes(parent.id)) parents.push(parent.id);
    }
    if (parents.length > 1)
      throw new GoogleError(403, 'cannotAddParent', 'Increasing the number of parents is not allowed.');
    return parents;
  }

  /**
   * files.update {trashed}: the item goes to the trash (or back), and with a folder everything in it
   * (trashed, not explicitly); restoring a folder restores what was not trashed on its own.
   * Nothing is deleted: trashed items stay readable by id and listed when q asks for trashed ones.
   */
  private trash(item: DriveItem, trashed: boolean): void {
    const now = new Date().toISOString();
    item.trashed = trashed;
    item.explicitlyTrashed = trashed;
    item.trashedTime = trashed ? now : undefined;
    const inside = [item];
    for (let k = 0; k < inside.length; k++) {
      for (const c of this.items.values()) {
        if (!c.parents.includes(inside[k].id) || c.explicitlyTrashed) continue;
        c.trashed = trashed;
        c.trashedTime = trashed ? now : undefined;
        inside.push(c);
      }
    }
  }

  private async remove({ req, res, url, params }: RouteContext) {
    await drain(req);
    checkParams(url, ['supportsAllDrives']);
    const item = this.resolve(params.id);
    if (!item || item.id === this.rootId) throw notFound(params.id);
    const doomed = [item];
    for (let k = 0; k < doomed.length; k++)
      for (const c of this.items.values()) if (c.parents.includes(doomed[k].id)) doomed.push(c);
    for (const d of doomed) {
      this.items.delete(d.id);
      await fs.rm(this.blob(d.id), { force: true });
    }
    res.writeHead(204);
    res.end();
  }

  // --- resumable uploads -------------------------------------------------------------------------

  private async initiate({ req, res, url, params }: RouteContext, mode: 'create' | 'update') {
    checkParams(url, ['uploadType', 'supportsAllDrives', 'keepRevisionForever', 'useContentAsIndexableText']);
    const type = url.searchParams.get('uploadType');
    if (type !== 'resumable') {
      await drain(req);
      throw invalid(
        type === 'media' || type === 'multipart'
          ? `uploadType=${type} is not served by this emulator; use resumable.`
          : `Invalid value for uploadType: ${type}`,
        'uploadType',
      );
    }
    const cap = this.opts.dailyUploadCapBytes;
    if (cap !== undefined && this.uploadedToday >= cap) {
      await drain(req);
      throw new GoogleError(
        403,
        'uploadQuotaExceeded',
        'The user has exceeded their daily upload limit (750 GB per day).',
        { domain: 'usageLimits' },
      );
    }
    const body = await readJson(req);
    let target: DriveItem | undefined;
    if (mode === 'update') {
      target = this.resolve(params.id);
      if (!target || target.trashed) throw notFound(params.id);
      if (target.size === undefined)
        throw new GoogleError(
          403,
          'fileNotUpdatable',
          'Only files with binary content can have their content replaced.',
        );
    }
    const meta = this.meta(body, mode);
    if (meta.mimeType === FOLDER) throw invalid('A folder cannot have content.', 'mimeType');
    const declaredHeader = req.headers['x-upload-content-length'];
    let declared: number | undefined;
    if (declaredHeader !== undefined) {
      declared = Number(declaredHeader);
      if (!/^\d+$/.test(String(declaredHeader))) throw invalid(`Invalid X-Upload-Content-Length: ${declaredHeader}`);
    }
    const id = crypto.randomBytes(18).toString('base64url');
    const file = path.join(this.opts.dir, 'sessions', id);
    await fs.writeFile(file, '');
    const ctype = req.headers['x-upload-content-type'];
    this.sessions.set(id, {
      id,
      mode,
      fileId: mode === 'update' ? target!.id : meta.id,
      meta,
      contentType: typeof ctype === 'string' ? ctype : undefined,
      declared,
      received: 0,
      file,
      fields: url.searchParams.get('fields') ?? undefined,
      lock: Promise.resolve(),
    });
    const location =
      `${this.opts.baseUrl()}/upload/drive/v3/files${mode === 'update' ? `/${target!.id}` : ''}` +
      `?uploadType=resumable&upload_id=${id}`;
    res.writeHead(200, { location, 'content-length': '0' });
    res.end();
  }

  private session(url: URL, params: Record<string, string>): Session {
    checkParams(url, ['uploadType', 'upload_id', 'supportsAllDrives']);
    const s = this.sessions.get(url.searchParams.get('upload_id') ?? '');
    if (!s || (s.mode === 'update' ? params.id !== s.fileId : params.id !== undefined)) {
      throw new GoogleError(404, 'notFound', 'Upload session not found: it expired, was cancelled or never existed.');
    }
    return s;
  }

  private async cancel({ req, res, url, params }: RouteContext) {
    await drain(req);
    const s = this.session(url, params);
    this.sessions.delete(s.id);
    await fs.rm(s.file, { force: true });
    // As Google's upload servers answer a cancelled session.
    res.writeHead(499, { 'content-length': '0' });
    res.end();
  }

  private async chunk(ctx: RouteContext) {
    const s = this.session(ctx.url, ctx.params);
    const prev = s.lock;
    let release!: () => void;
    s.lock = new Promise((r) => (release = r));
    await prev;
    try {
      await this.chunkLocked(ctx, s);
    } finally {
      release();
    }
  }

  private async chunkLocked({ req, res, url }: RouteContext, s: Session) {
    const fields = url.searchParams.get('fields') ?? s.fields;
    if (!this.sessions.has(s.id)) {
      await drain(req);
      throw new GoogleError(404, 'notFound', 'Upload session not found: it expired, was cancelled or never existed.');
    }
    if (s.done) {
      await drain(req);
      const item = this.items.get(s.done);
      if (!item) throw notFound(s.done);
      sendJson(res, 200, this.fileOut(item, fields));
      return;
    }
    const lengthHeader = req.headers['content-length'];
    if (lengthHeader === undefined) {
      await drain(req);
      throw new GoogleError(411, 'lengthRequired', 'Length Required');
    }
    const length = Number(lengthHeader);
    const header = req.headers['content-range'];
    let start: number;
    let total: number | undefined;
    if (header === undefined) {
      // The whole content in one request.
      start = 0;
      total = length;
      if (s.received !== 0) {
        await drain(req);
        throw invalid(`Invalid request. The upload already holds ${s.received} byte(s); send a Content-Range.`);
      }
    } else {
      const status = /^bytes \*\/(\d+|\*)$/.exec(header);
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header);
      if (!status && !range) {
        await drain(req);
        throw invalid(`Failed to parse Content-Range header: ${header}`);
      }
      if (status) {
        // A status query (or, with every byte received, the request that finishes the upload).
        await drain(req);
        if (length !== 0) throw invalid('A Content-Range of bytes */total comes without a body.');
        const t = status[1] === '*' ? undefined : Number(status[1]);
        if (t !== undefined) this.checkTotal(s, t, s.received);
        if (t !== undefined && t === s.received) return this.finish(res, s, fields);
        return this.incomplete(res, s);
      }
      start = Number(range![1]);
      const end = Number(range![2]);
      total = range![3] === '*' ? undefined : Number(range![3]);
      if (end < start || end - start + 1 !== length) {
        await drain(req);
        throw invalid(`Invalid request. The Content-Range ${header} does not match the ${length} byte(s) sent.`);
      }
      if (start !== s.received) {
        await drain(req);
        throw invalid(
          `Invalid request. According to the Content-Range header, the upload offset ` +
            `is ${start} byte(s), which ${start > s.received ? 'exceeds' : 'is below'} ` +
            `the already uploaded size of ${s.received} byte(s).`,
        );
      }
      if (total !== undefined) {
        try {
          this.checkTotal(s, total, end + 1);
        } catch (err) {
          await drain(req);
          throw err;
        }
      }
      if (!(total !== undefined && end + 1 === total) && length % CHUNK_UNIT !== 0) {
        await drain(req);
        throw invalid(
          `Invalid request. The number of bytes uploaded is required to be equal or greater than ${CHUNK_UNIT}, ` +
            `except for the final request (it's recommended to be the exact multiple of ${CHUNK_UNIT}). ` +
            `The received request contained ${length} bytes, which does not meet this requirement.`,
        );
      }
    }
    // The bytes go to the session's file at the offset; a request cut short leaves nothing of itself.
    let got = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        got += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(req, count, createWriteStream(s.file, { flags: 'r+', start }));
    } catch {
      await fs.truncate(s.file, s.received).catch(() => {});
      res.destroy();
      return;
    }
    if (got !== length) {
      await fs.truncate(s.file, s.received);
      throw invalid(`Invalid request. ${got} byte(s) arrived; Content-Length said ${length}.`);
    }
    s.received = start + length;
    this.uploadedToday += length;
    if (total !== undefined) s.total = total;
    if (total !== undefined && s.received === total) return this.finish(res, s, fields);
    return this.incomplete(res, s);
  }

  /** A total must agree with X-Upload-Content-Length, earlier totals and what was received. */
  private checkTotal(s: Session, total: number, upTo: number): void {
    if (s.declared !== undefined && total !== s.declared)
      throw invalid(
        `Invalid request. The total ${total} differs from the ` +
          `X-Upload-Content-Length ${s.declared} given when the upload started.`,
      );
    if (s.total !== undefined && total !== s.total)
      throw invalid(`Invalid request. The total ${total} differs from the total ${s.total} given before.`);
    if (upTo > total)
      throw invalid(`Invalid request. The upload would hold ${upTo} byte(s), more than its total of ${total}.`);
  }

  private incomplete(res: ServerResponse, s: Session): void {
    res.writeHead(308, { ...(s.received > 0 ? { range: `bytes=0-${s.received - 1}` } : {}), 'content-length': '0' });
    res.end();
  }

  private async finish(res: ServerResponse, s: Session, fields: string | undefined): Promise<void> {
    if (s.declared !== undefined && s.received !== s.declared)
      throw invalid(`Invalid request. ${s.received} byte(s) received; X-Upload-Content-Length said ${s.declared}.`);
    if (this.corruptNext && s.received > 0) {
      this.corruptNext = false;
      const fh = await fs.open(s.file, 'r+');
      const b = Buffer.alloc(1);
      await fh.read(b, 0, 1, 0);
      b[0] ^= 0xff;
      await fh.write(b, 0, 1, 0);
      await fh.close();
    }
    const hashes = await hashFile(s.file);
    let item: DriveItem;
    let status: number;
    if (s.mode === 'create') {
      if (s.fileId && this.items.has(s.fileId))
        throw new GoogleError(409, 'duplicate', 'A file already exists with the provided ID.');
      for (const p of s.meta.parents ?? []) if (!this.items.get(p) || this.items.get(p)!.trashed) throw notFound(p);
      const name = s.meta.name ?? 'Untitled';
      item = {
        id: s.fileId ?? newId(),
        name,
        mimeType: s.meta.mimeType ?? s.contentType ?? guessMime(name),
        parents: s.meta.parents ?? [this.rootId],
        trashed: false,
        createdTime: this.createdNow(),
        modifiedTime: s.meta.modifiedTime ?? new Date().toISOString(),
      };
      status = 201;
    } else {
      const target = this.items.get(s.fileId!);
      if (!target) throw notFound(s.fileId!);
      item = target;
      if (s.meta.name !== undefined) item.name = s.meta.name;
      item.modifiedTime = s.meta.modifiedTime ?? new Date().toISOString();
      status = 200;
    }
    await fs.rename(s.file, this.blob(item.id));
    Object.assign(item, hashes);
    this.items.set(item.id, item);
    s.done = item.id;
    sendJson(res, status, this.fileOut(item, fields));
  }
}

async function hashFile(file: string): Promise<{ size: number; md5: string; sha1: string; sha256: string }> {
  const md5 = crypto.createHash('md5');
  const sha1 = crypto.createHash('sha1');
  const sha256 = crypto.createHash('sha256');
  let size = 0;
  for await (const c of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    size += c.length;
    md5.update(c);
    sha1.update(c);
    sha256.update(c);
  }
  return { size, md5: md5.digest('hex'), sha1: sha1.digest('hex'), sha256: sha256.digest('hex') };
}
