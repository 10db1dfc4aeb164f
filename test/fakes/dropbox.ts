// An emulator of Dropbox's API v2 (https://www.dropbox.com/developers/documentation/http/documentation),
// written from the documented HTTP API, on two servers as Dropbox has two hosts: RPC routes (JSON in
// the body) on the API host, content routes (arguments in Dropbox-API-Arg, bytes in the body) on the
// content host; each host refuses the other's routes. OAuth at /oauth2/authorize and /oauth2/token on
// the API host. It enforces what Dropbox enforces, with Dropbox's statuses and error bodies: bearer
// tokens (401 expired_access_token / invalid_access_token), Content-Type per route style, ASCII-only
// JSON in Dropbox-API-Arg, unknown and missing fields, 150 MiB per request, upload sessions
// (incorrect_offset with correct_offset, closed, not_found after 7 days or after finish), per-call
// content_hash, case-insensitive paths, list_folder paging by cursor and limit, Range downloads (by POST or GET).
// Content lives on disk in a temporary folder, removed on close.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import crypto from 'node:crypto';
import { createOAuthServer, type FakeAccount, type OAuthServer } from './oauth.ts';
import {
  authError,
  badInput,
  checkFields,
  defaultFaultBody,
  drain,
  DropboxFailure,
  headerJson,
  parseRange,
  pathError,
  rateLimitBody,
  routeError,
  sendBody,
  smallBody,
} from './dropbox/http.ts';
import { Namespace, receive, Sessions, type Node } from './dropbox/store.ts';

export { rateLimitBody };

export const AUTHORIZE_PATH = '/oauth2/authorize';
export const TOKEN_PATH = '/oauth2/token';
/** "A single request should not upload more than 150 MB" (150 MiB, 157,286,400 bytes). */
export const MAX_REQUEST_BYTES = 150 * 1024 * 1024;
const MAX_LIST_LIMIT = 2000;

export interface Fault {
  method?: string;
  /** Over the URL's path, without the query (e.g. /append_v2$/). */
  path?: RegExp;
  times?: number;
  status?: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** JSON body (default: Dropbox's error for that status). */
  body?: unknown;
  /** Destroys the socket before answering (the request is not processed). */
  reset?: boolean;
  /** Processes the request, then sends the headers and only this many body bytes before destroying the socket. */
  truncate?: number;
}

export interface DropboxFakeOptions {
  /** Fixed ports for the API and content hosts (npm run fakes); default: any free ones. */
  ports?: { api: number; content: number };
  clientId?: string;
  clientSecret?: string;
  account?: FakeAccount;
  accessTokenTtlSeconds?: number;
  quotaBytes?: number;
  /** Most entries per list_folder page whatever the limit asked (Dropbox's limit is "approximate"). */
  pageSize?: number;
  /** Lifetime of an upload session (Dropbox: 7 days). */
  sessionTtlMs?: number;
}

export interface DropboxFake {
  apiUrl: string;
  contentUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  account: FakeAccount;
  oauth: OAuthServer;
  inject(fault: Fault): void;
  /** Every request, in arrival order (with its Range header); status 0 for a socket destroyed before an answer. */
  requests: { method: string; path: string; status: number; host: 'api' | 'content'; range?: string }[];
  /** The stored bytes of the file at `path` (relative to the root, any case); throws when there is none. */
  fileBytes(path: string): Promise<Buffer>;
  /** Display paths of every stored file. */
  files(): string[];
  uploads: { readonly open: number; readonly created: number; expireAll(): void };
  /** The next committed file is stored with one byte changed (as if damaged inside Dropbox). */
  corruptNextCommit(): void;
  /** Every list_folder cursor handed out so far answers 409 reset. */
  resetCursors(): void;
  close(): Promise<void>;
}

type Host = 'api' | 'content';
type Style = 'rpc' | 'upload' | 'download';

interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** JSON value, plain text, or a stream of content. */
  body?: unknown;
  stream?: Readable;
}

interface Ctx {
  req: IncomingMessage;
  route: string;
  arg: unknown;
}

const RPC_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain; charset=dropbox-cors-hack'];
const UPLOAD_TYPES = ['application/octet-stream', 'text/plain; charset=dropbox-cors-hack'];
const DOWNLOAD_TYPES = ['', 'text/plain; charset=dropbox-cors-hack'];
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Ferry's settings to sign in with and use this emulator. */
export function dropboxEnv(
  fake: Pick<DropboxFake, 'apiUrl' | 'contentUrl' | 'clientId' | 'clientSecret'>,
): Record<string, string> {
  return {
    FERRY_DROPBOX_CLIENT_ID: fake.clientId,
    FERRY_DROPBOX_CLIENT_SECRET: fake.clientSecret,
    FERRY_DROPBOX_AUTH_URL: `${fake.apiUrl}/oauth2/authorize`,
    FERRY_DROPBOX_TOKEN_URL: `${fake.apiUrl}/oauth2/token`,
    FERRY_DROPBOX_API_URL: fake.apiUrl,
    FERRY_DROPBOX_CONTENT_URL: fake.contentUrl,
  };
}

export async function startDropboxFake(opts: DropboxFakeOptions = {}): Promise<DropboxFake> {
  const clientId = opts.clientId ?? 'fake-dropbox-client';
  const clientSecret = opts.clientSecret ?? 'fake-dropbox-secret';
  const account = opts.account ?? {
    id: 'dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc',
    email: 'grace@example.com',
    name: 'Grace Hopper',
  };
  const oauth = createOAuthServer({
    clientId,
    clientSecret,
    authorizePath: AUTHORIZE_PATH,
    tokenPath: TOKEN_PATH,
    revoke: { path: '/2/auth/token/revoke', with: 'bearer' },
    account,
    offlineParams: { token_access_type: 'offline' },
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? 14_400,
  });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-fake-dropbox-'));
  const ns = new Namespace(dir, opts.quotaBytes ?? 2 * 1024 ** 4);
  const sessions = new Sessions(dir, opts.sessionTtlMs ?? 7 * 24 * 3600_000);
  const cursors = new Map<
    string,
    { entries: Record<string, unknown>[]; pos: number; limit: number; generation: number }
  >();
  let generation = 0;
  let corruptNext = false;
  const faults: (Fault & { left: number })[] = [];
  const requests: DropboxFake['requests'] = [];

  /** A list_folder page from `pos`, with a fresh cursor for what follows (cursors never change meaning). */
  function page(entries: Record<string, unknown>[], pos: number, limit: number): Reply {
    const n = Math.min(limit, opts.pageSize ?? MAX_LIST_LIMIT);
    const next = Math.min(entries.length, pos + n);
    const cursor = crypto.randomBytes(24).toString('base64url');
    cursors.set(cursor, { entries, pos: next, limit, generation });
    return { status: 200, body: { entries: entries.slice(pos, next), cursor, has_more: next < entries.length } };
  }

  const lookupFailed = (e: Record<string, unknown>) => routeError({ '.tag': 'lookup_failed', lookup_failed: e });

  function cursorArg(route: string, v: unknown): { session_id: string; offset: number } {
    const c = checkFields(route, 'cursor', v, { session_id: 'string', offset: 'number' }, ['session_id', 'offset']);
    if (!Number.isSafeInteger(c.offset) || (c.offset as number) < 0)
      throw badInput(route, `cursor.offset: ${c.offset} is not a valid UInt64`);
    return c as { session_id: string; offset: number };
  }

  const routes: Record<string, { host: Host; style: Style; handler: (c: Ctx) => Promise<Reply> }> = {
    'users/get_current_account': {
      host: 'api',
      style: 'rpc',
      async handler({ route, arg }) {
        if (arg !== null) throw badInput(route, 'request body: expected null, got value');
        const [given, ...rest] = account.name.split(' ');
        return {
          status: 200,
          body: {
            account_id: account.id,
            name: {
              given_name: given,
              surname: rest.join(' '),
              familiar_name: given,
              display_name: account.name,
              abbreviated_name: account.name.replace(/\B\w+|\s/g, ''),
            },
            email: account.email,
            email_verified: true,
            disabled: false,
            country: 'US',
            locale: 'en',
            referral_link: 'https://db.tt/fake',
            is_paired: false,
            account_type: { '.tag': 'basic' },
            root_info: { '.tag': 'user', root_namespace_id: '3235641', home_namespace_id: '3235641' },
          },
        };
      },
    },
    'users/get_space_usage': {
      host: 'api',
      style: 'rpc',
      async handler({ route, arg }) {
        if (arg !== null) throw badInput(route, 'request body: expected null, got value');
        return { status: 200, body: { used: ns.used, allocation: { '.tag': 'individual', allocated: ns.quota } } };
      },
    },
    'files/list_folder': {
      host: 'api',
      style: 'rpc',
      async handler({ route, arg }) {
        const a = checkFields(
          route,
          'request body',
          arg,
          {
            path: 'string',
            recursive: 'boolean',
            include_media_info: 'boolean',
            include_deleted: 'boolean',
            include_has_explicit_shared_members: 'boolean',
            include_mounted_folders: 'boolean',
            limit: 'number',
            shared_link: 'object',
            include_property_groups: 'any',
            include_non_downloadable_files: 'boolean',
          },
          ['path'],
        );
        const limit = (a.limit as number | undefined) ?? MAX_LIST_LIMIT;
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
          throw badInput(route, `request body: limit: ${limit} is not within range [1, ${MAX_LIST_LIMIT}]`);
        const p = ns.parse(route, a.path, 'path', { root: 'empty' });
        let folder: Node | undefined;
        if (p.id || p.segments.length) {
          folder = ns.find(p);
          if (!folder) throw pathError('path', 'not_found');
          if (folder.tag !== 'folder') throw pathError('path', 'not_folder');
        }
        const recursive = a.recursive === true;
        // A recursive listing of a folder holds the folder itself too.
        const nodes = [...(recursive && folder ? [folder] : []), ...ns.under(folder?.lower ?? '', recursive)];
        return page(
          nodes.map((n) => ns.metadata(n)),
          0,
          limit,
        );
      },
    },
    'files/list_folder/continue': {
      host: 'api',
      style: 'rpc',
      async handler({ route, arg }) {
        const a = checkFields(route, 'request body', arg, { cursor: 'string' }, ['cursor']);
        const c = cursors.get(a.cursor as string);
        if (!c) throw badInput(route, 'request body: cursor: Invalid "cursor" parameter');
        if (c.generation !== generation) throw routeError({ '.tag': 'reset' });
        return page(c.entries, c.pos, c.limit);
      },
    },
    'files/get_metadata': {
      host: 'api',
      style: 'rpc',
      async handler({ route, arg }) {
        const a = checkFields(
          route,
          'request body',
          arg,
          {
            path: 'string',
            include_media_info: 'boolean',
            include_deleted: 'boolean',
            include_has_explicit_shared_members: 'boolean',
            include_property_groups: 'any',
          },
          ['path'],
        );
        return { status: 200, body: ns.metadata(ns.need(route, a.path, 'path')) };
      },
    },
    'files/delete_v2': {
      host: 'api',
      style: 'rpc',
      async handler({ route, arg }) {
        const a = checkFields(route, 'request body', arg, { path: 'string', parent_rev: 'string' }, ['path']);
        const node = ns.need(route, a.path, 'path_lookup');
        if (a.parent_rev !== undefined && !/^[0-9a-f]{9,}$/.test(String(a.parent_rev)))
          throw badInput(
            'files/delete_v2',
            `request body: parent_rev: '${a.parent_rev}' did not match pattern '[0-9a-f]{9,}'`,
          );
        if (a.parent_rev !== undefined && a.parent_rev !== node.rev) throw pathError('path_lookup', 'not_found');
        const metadata = ns.metadata(node);
        await ns.remove(node);
        return { status: 200, body: { metadata } };
      },
    },
    // Moves a file or folder (with what is in it) to to_path, creating the folders on the way; the
    // id stays. autorename is not emulated (Ferry never lets Dropbox pick another name).
    'files/move_v2': {
      host: 'api',
      style: 'rpc',
      async handler({ route, arg }) {
        const a = checkFields(
          route,
          'request body',
          arg,
          {
            from_path: 'string',
            to_path: 'string',
            allow_shared_folder: 'boolean',
            autorename: 'boolean',
            allow_ownership_transfer: 'boolean',
          },
          ['from_path', 'to_path'],
        );
        if (a.autorename === true) throw badInput(route, 'autorename is not emulated');
        const node = ns.need(route, a.from_path, 'from_lookup');
        const to = ns.parse(route, a.to_path, 'to', { ids: false });
        const moved = await ns.move(node, to.segments);
        return { status: 200, body: { metadata: ns.metadata(moved) } };
      },
    },
    'files/upload_session/start': {
      host: 'content',
      style: 'upload',
      async handler({ req, route, arg }) {
        const a = checkFields(route, 'HTTP header "Dropbox-API-Arg"', arg, {
          close: 'boolean',
          session_type: 'any',
          content_hash: 'string',
        });
        const type =
          typeof a.session_type === 'string'
            ? a.session_type
            : (a.session_type as { '.tag'?: string } | undefined)?.['.tag'];
        if (type === 'concurrent') throw badInput(route, 'session_type concurrent is not emulated');
        const s = await sessions.create();
        const got = await receive(req, s.file, 0, MAX_REQUEST_BYTES);
        if (got.tooLarge) {
          await sessions.drop(s);
          throw routeError({ '.tag': 'payload_too_large' });
        }
        if (a.content_hash !== undefined && a.content_hash !== got.hash) {
          await sessions.drop(s);
          throw routeError({ '.tag': 'content_hash_mismatch' });
        }
        s.offset = got.bytes;
        s.closed = a.close === true;
        return { status: 200, body: { session_id: s.id } };
      },
    },
    'files/upload_session/append_v2': {
      host: 'content',
      style: 'upload',
      async handler({ req, route, arg }) {
        const a = checkFields(
          route,
          'HTTP header "Dropbox-API-Arg"',
          arg,
          { cursor: 'object', close: 'boolean', content_hash: 'string' },
          ['cursor'],
        );
        const cursor = cursorArg(route, a.cursor);
        const s = sessions.lookup(cursor.session_id, routeError);
        return sessions.serial(s, async () => {
          if (s.expiresAt <= Date.now()) throw routeError({ '.tag': 'not_found' });
          if (s.closed) throw routeError({ '.tag': 'closed' });
          if (cursor.offset !== s.offset) throw routeError({ '.tag': 'incorrect_offset', correct_offset: s.offset });
          const got = await receive(req, s.file, s.offset, MAX_REQUEST_BYTES);
          if (got.tooLarge || (a.content_hash !== undefined && a.content_hash !== got.hash)) {
            await sessions.truncate(s, s.offset); // nothing of a refused request stays
            throw routeError({ '.tag': got.tooLarge ? 'payload_too_large' : 'content_hash_mismatch' });
          }
          s.offset += got.bytes;
          if (a.close === true) s.closed = true;
          return { status: 200, body: null };
        });
      },
    },
    'files/upload_session/finish': {
      host: 'content',
      style: 'upload',
      async handler({ req, route, arg }) {
        const where = 'HTTP header "Dropbox-API-Arg"';
        const a = checkFields(route, where, arg, { cursor: 'object', commit: 'object', content_hash: 'string' }, [
          'cursor',
          'commit',
        ]);
        const cursor = cursorArg(route, a.cursor);
        const commit = checkFields(
          route,
          `${where}: commit`,
          a.commit,
          {
            path: 'string',
            mode: 'any',
            autorename: 'boolean',
            client_modified: 'string',
            mute: 'boolean',
            property_groups: 'any',
            strict_conflict: 'boolean',
          },
          ['path'],
        );
        const mode = { ...parseMode(route, commit.mode), strict: commit.strict_conflict === true };
        if (commit.autorename === true) throw badInput(route, 'commit.autorename is not emulated');
        if (commit.client_modified !== undefined && !TIME.test(commit.client_modified as string)) {
          throw badInput(
            route,
            `${where}: commit.client_modified: ` +
              `time data '${commit.client_modified}' does not match format '%Y-%m-%dT%H:%M:%SZ'`,
          );
        }
        const target = ns.parse(route, commit.path, 'path', { ids: false });
        const s = sessions.lookup(cursor.session_id, lookupFailed);
        return sessions.serial(s, async () => {
          if (s.expiresAt <= Date.now()) throw lookupFailed({ '.tag': 'not_found' });
          if (cursor.offset !== s.offset) throw lookupFailed({ '.tag': 'incorrect_offset', correct_offset: s.offset });
          const before = s.offset;
          const got = await receive(req, s.file, s.offset, MAX_REQUEST_BYTES);
          if (got.tooLarge || (a.content_hash !== undefined && a.content_hash !== got.hash)) {
            await sessions.truncate(s, before);
            throw routeError({ '.tag': got.tooLarge ? 'payload_too_large' : 'content_hash_mismatch' });
          }
          if (got.bytes > 0 && s.closed) {
            await sessions.truncate(s, before);
            throw lookupFailed({ '.tag': 'closed' });
          }
          if (corruptNext && before + got.bytes > 0) {
            corruptNext = false;
            const fh = await fs.open(s.file, 'r+');
            const b = Buffer.alloc(1);
            await fh.read(b, 0, 1, 0);
            b[0] ^= 0xff;
            await fh.write(b, 0, 1, 0);
            await fh.close();
          }
          let node: Node;
          try {
            node = await ns.commit(target.segments, s.file, mode, commit.client_modified as string | undefined, 'path');
          } catch (err) {
            await sessions.truncate(s, before); // the session stays as it was: finish may be tried again
            throw err;
          }
          await sessions.drop(s); // a finished session is gone: looking it up again is not_found
          return { status: 200, body: ns.metadata(node, false) };
        });
      },
    },
    'files/download': {
      host: 'content',
      style: 'download',
      async handler({ req, route, arg }): Promise<Reply> {
        const a = checkFields(route, 'HTTP header "Dropbox-API-Arg"', arg, { path: 'string', rev: 'string' }, ['path']);
        const node = ns.need(route, a.path, 'path');
        if (node.tag !== 'file') throw pathError('path', 'not_file');
        if (a.rev !== undefined && a.rev !== node.rev) throw pathError('path', 'not_found');
        const result = {
          'dropbox-api-result': headerJson(ns.metadata(node, false)),
          'content-type': 'application/octet-stream',
          'accept-ranges': 'bytes',
        };
        const range = parseRange(req.headers.range, node.size);
        if (range === 'unsatisfiable')
          return {
            status: 416,
            headers: { 'content-range': `bytes */${node.size}` },
            body: 'Requested Range Not Satisfiable',
          };
        if (range === null) {
          return {
            status: 200,
            headers: { ...result, 'content-length': String(node.size) },
            stream: node.size ? createReadStream(node.blob) : undefined,
            body: node.size ? undefined : '',
          };
        }
        return {
          status: 206,
          headers: {
            ...result,
            'content-length': String(range.end - range.start + 1),
            'content-range': `bytes ${range.start}-${range.end}/${node.size}`,
          },
          stream: createReadStream(node.blob, { start: range.start, end: range.end }),
        };
      },
    },
  };

  /** The route's arguments: the JSON body (RPC) or Dropbox-API-Arg (content routes), after Dropbox's checks. */
  async function argumentsOf(req: IncomingMessage, url: URL, route: string, style: Style): Promise<unknown> {
    const type = String(req.headers['content-type'] ?? '')
      .trim()
      .toLowerCase();
    if (style === 'rpc') {
      const body = await smallBody(req, route);
      // Routes without arguments may come with no body and no Content-Type at all.
      if (!type && !body) return null;
      if (!RPC_TYPES.includes(type)) {
        throw badInput(
          route,
          `Bad HTTP "Content-Type" header: "${type}".  Expecting one of ${RPC_TYPES.map((t) => `"${t}"`).join(', ')}.`,
        );
      }
      if (!body) return null;
      try {
        return JSON.parse(body);
      } catch {
        throw badInput(route, 'request body: could not decode input as JSON');
      }
    }
    const allowed = style === 'upload' ? UPLOAD_TYPES : DOWNLOAD_TYPES;
    if (!allowed.includes(type))
      throw badInput(
        route,
        `Bad HTTP "Content-Type" header: "${type}".  Expecting one of ${allowed.map((t) => `"${t}"`).join(', ')}.`,
      );
    const raw = req.headers['dropbox-api-arg'] ?? url.searchParams.get('arg') ?? undefined;
    if (raw === undefined) throw badInput(route, 'Must provide HTTP header "Dropbox-API-Arg" or URL parameter "arg".');
    const text = Array.isArray(raw) ? raw.join(',') : raw;
    // Header values arrive as bytes (latin1 here): anything outside ASCII was not escaped as \uXXXX.
    if (/[^\x00-\x7f]/.test(text))
      throw badInput(route, 'HTTP header "Dropbox-API-Arg": could not decode input as JSON');
    try {
      return JSON.parse(text);
    } catch {
      throw badInput(route, 'HTTP header "Dropbox-API-Arg": could not decode input as JSON');
    }
  }

  function authenticate(req: IncomingMessage, route: string): void {
    const header = req.headers.authorization;
    if (!header) throw badInput(route, 'Must provide HTTP header "Authorization" or URL parameter "authorization".');
    if (!/^Bearer \S+$/.test(header))
      throw badInput(
        route,
        `Invalid authorization value in HTTP header "Authorization": ` +
          `"${header.slice(0, 20)}".  Expecting "Bearer <oauth2-access-token>".`,
      );
    const who = oauth.authenticate(req);
    if ('error' in who) throw authError(who.error === 'expired' ? 'expired_access_token' : 'invalid_access_token');
  }

  /** Lets the request be processed, but cuts the answer after `keep` body bytes. */
  function truncateAnswer(res: ServerResponse, keep: number): void {
    let left = keep;
    let cut = false;
    const write = res.write.bind(res) as (chunk: unknown) => boolean;
    const cutNow = () => {
      if (cut) return;
      cut = true;
      res.flushHeaders();
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const take = (chunk: unknown): void => {
      if (cut || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      const n = Math.min(left, buf.length);
      if (n > 0) write(buf.subarray(0, n));
      left -= n;
      if (left <= 0) cutNow();
    };
    (res as unknown as { write: (chunk: unknown) => boolean }).write = (chunk: unknown) => (take(chunk), true);
    (res as unknown as { end: (chunk?: unknown) => ServerResponse }).end = (chunk?: unknown) => {
      take(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      cutNow();
      return res;
    };
  }

  function send(res: ServerResponse, reply: Reply): void {
    if (reply.stream) {
      res.writeHead(reply.status, reply.headers ?? {});
      reply.stream.on('error', () => res.destroy());
      reply.stream.pipe(res);
      return;
    }
    sendBody(res, reply.status, reply.body === undefined ? null : reply.body, reply.headers);
  }

  async function handle(host: Host, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dropbox.invalid');
    const entry = { method: req.method ?? 'GET', path: url.pathname, status: 0, host, range: req.headers.range };
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
        const retryAfter = fault.retryAfter ?? (fault.status === 429 ? 1 : undefined);
        return sendBody(
          res,
          fault.status,
          fault.body ?? defaultFaultBody(fault.status, retryAfter),
          retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {},
        );
      }
      if (fault.truncate !== undefined) truncateAnswer(res, fault.truncate);
    }

    let reply: Reply;
    try {
      if (host === 'api' && (await oauth.handle(req, res, url))) return;
      const m = /^\/2\/(.+)$/.exec(url.pathname);
      if (!m) throw new DropboxFailure(404, 'Not Found');
      const route = m[1];
      const def = routes[route];
      if (!def) throw badInput(route, `Unknown API function: ${url.pathname}`);
      if (def.host !== host) {
        throw new DropboxFailure(
          400,
          `Incorrect host for API function "${route}". You must issue the request to ` +
            `"${def.host === 'content' ? 'content.dropboxapi.com' : 'api.dropboxapi.com'}".`,
        );
      }
      // Content-download routes take GET too ("These endpoints also support HTTP GET along with
      // ETag-based caching and HTTP range requests"); every other route only POST.
      const get = req.method === 'GET' && def.style === 'download';
      if (req.method !== 'POST' && !get) throw badInput(route, `Bad HTTP method "${req.method}": expecting "POST".`);
      authenticate(req, route);
      const arg = await argumentsOf(req, url, route, def.style);
      reply = await def.handler({ req, route, arg });
    } catch (err) {
      if (!(err instanceof DropboxFailure)) {
        console.error('dropbox fake:', err);
        reply = { status: 500, body: 'Internal Server Error' };
      } else reply = { status: err.status, headers: err.headers, body: err.body };
    }
    await drain(req); // an answer given before the body was read still reaches the client
    send(res, reply);
  }

  const listen = async (host: Host) => {
    const server = http.createServer((req, res) => void handle(host, req, res));
    // Like the providers' servers, keep idle connections well past the client's pool timeout: with
    // Node's 5 s, a loaded machine lets a client reuse a socket the server is closing (ECONNRESET).
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server.listen(opts.ports?.[host] ?? 0, '127.0.0.1', resolve));
    return server;
  };
  const apiServer = await listen('api');
  const contentServer = await listen('content');
  const apiUrl = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
  const contentUrl = `http://127.0.0.1:${(contentServer.address() as AddressInfo).port}`;

  return {
    apiUrl,
    contentUrl,
    tokenUrl: `${apiUrl}${TOKEN_PATH}`,
    clientId,
    clientSecret,
    account,
    oauth,
    inject(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    requests,
    async fileBytes(p) {
      const node = ns.nodes.get(`/${p.split('/').filter(Boolean).join('/')}`.toLowerCase());
      if (node?.tag !== 'file') throw new Error(`The Dropbox fake has no file at ${p}.`);
      return fs.readFile(node.blob);
    },
    files() {
      return [...ns.nodes.values()].filter((n) => n.tag === 'file').map((n) => n.display);
    },
    uploads: {
      get open() {
        return sessions.open;
      },
      get created() {
        return sessions.created;
      },
      expireAll: () => sessions.expireAll(),
    },
    corruptNextCommit() {
      corruptNext = true;
    },
    resetCursors() {
      generation++;
    },
    async close() {
      for (const s of [apiServer, contentServer]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** WriteMode: "add", "overwrite", {".tag":"update","update":rev} (or the tagged forms of the first two). */
function parseMode(route: string, v: unknown): { tag: string; rev?: string } {
  if (v === undefined || v === null) return { tag: 'add' };
  const tag = typeof v === 'string' ? v : (v as { '.tag'?: unknown })['.tag'];
  if (tag === 'add' || tag === 'overwrite') return { tag };
  if (tag === 'update' && typeof v === 'object' && typeof (v as { update?: unknown }).update === 'string')
    return { tag, rev: (v as { update: string }).update };
  throw badInput(route, `HTTP header "Dropbox-API-Arg": commit.mode: unknown tag '${String(tag)}'`);
}
