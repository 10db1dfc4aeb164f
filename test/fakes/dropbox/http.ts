// What every answer of the Dropbox fake shares: Dropbox's two kinds of failure (409 with
// `{error_summary, error}` for a route's own errors, plain text 400 for malformed requests), the
// header-safe JSON of Dropbox-API-Arg and Dropbox-API-Result, and a few request helpers.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A failure answered the way Dropbox answers it. */
export class DropboxFailure extends Error {
  readonly status: number;
  /** JSON `{error_summary, error}`, or the text of a plain-text answer. */
  readonly body: unknown;
  readonly headers: Record<string, string>;
  constructor(status: number, body: unknown, headers: Record<string, string> = {}) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** The error_summary Dropbox derives from a union value: its tags joined by '/', then '/...'. */
export function summaryOf(error: unknown): string {
  const tags: string[] = [];
  let cur = error as Record<string, unknown> | undefined;
  while (cur && typeof cur === 'object') {
    const tag = cur['.tag'];
    if (typeof tag !== 'string') {
      cur = cur.reason as Record<string, unknown> | undefined; // RateLimitError {reason, retry_after}
      continue;
    }
    tags.push(tag);
    cur = cur[tag] as Record<string, unknown> | undefined;
  }
  return `${tags.join('/')}/...`;
}

/** A route's own error (HTTP 409), e.g. routeError({'.tag':'path', path:{'.tag':'not_found'}}). */
export function routeError(error: Record<string, unknown>): DropboxFailure {
  return new DropboxFailure(409, { error_summary: summaryOf(error), error });
}

/** LookupError/WriteError nested under a member: pathError('path', 'not_found'). */
export function pathError(member: string, tag: string, inner?: Record<string, unknown>): DropboxFailure {
  return routeError({ '.tag': member, [member]: { '.tag': tag, ...(inner ? { [tag]: inner } : {}) } });
}

/** A malformed request (HTTP 400, plain text), as Dropbox words it. */
export function badInput(route: string, message: string): DropboxFailure {
  return new DropboxFailure(400, `Error in call to API function "${route}": ${message}`);
}

/** 401 as Dropbox answers it. */
export function authError(tag: 'expired_access_token' | 'invalid_access_token'): DropboxFailure {
  return new DropboxFailure(
    401,
    { error_summary: `${tag}/...`, error: { '.tag': tag } },
    { 'www-authenticate': 'Bearer realm="Dropbox-API"' },
  );
}

/** 429 as Dropbox answers it: a RateLimitError and Retry-After. */
export function rateLimitBody(
  reason: 'too_many_requests' | 'too_many_write_operations',
  retryAfter = 1,
): { error_summary: string; error: unknown } {
  return { error_summary: `${reason}/...`, error: { reason: { '.tag': reason }, retry_after: retryAfter } };
}

/** The body of an injected fault that gives only a status. */
export function defaultFaultBody(status: number, retryAfter?: number): unknown {
  switch (status) {
    case 400:
      return 'Error in call to API function: Bad request';
    case 401:
      return { error_summary: 'expired_access_token/...', error: { '.tag': 'expired_access_token' } };
    case 403:
      return { error_summary: 'no_permission/...', error: { '.tag': 'no_permission' } };
    case 409:
      return { error_summary: 'other/...', error: { '.tag': 'other' } };
    case 429:
      return rateLimitBody('too_many_requests', retryAfter ?? 1);
    case 503:
      return 'Service Unavailable';
    default:
      return status >= 500 ? 'Internal Server Error' : `HTTP ${status}`;
  }
}

/** JSON with every character outside ASCII escaped, as Dropbox sends in headers. */
export function headerJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function sendBody(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
  const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  res.writeHead(status, { 'content-type': type, 'content-length': String(text.length), ...headers });
  res.end(text);
}

/** A small request body (RPC arguments); bigger is refused before it fills memory. */
export async function smallBody(req: IncomingMessage, route: string, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) {
      await drain(req);
      throw badInput(route, 'request body is too large');
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Drains what is left of a request body, so the answer reaches a client still sending. */
export async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  req.resume();
  await new Promise<void>((resolve) => {
    req.once('end', resolve);
    req.once('close', resolve);
    req.once('error', () => resolve());
  });
}

/** One `bytes=` range of a file of `size` bytes; null when absent, 'unsatisfiable' when outside it. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/**
 * Checks an argument object against the fields a route accepts: Dropbox refuses unknown fields and
 * missing required ones (400), and checks each field's type.
 */
export function checkFields(
  route: string,
  where: string,
  value: unknown,
  fields: Record<string, 'string' | 'boolean' | 'number' | 'object' | 'any'>,
  required: string[] = [],
): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw badInput(route, `${where}: expected object, got ${value === null ? 'null' : typeof value}`);
  const o = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    const type = fields[k];
    if (!type) throw badInput(route, `${where}: unknown field '${k}'`);
    if (v === null || type === 'any') continue;
    if (type === 'object' ? typeof v !== 'object' : typeof v !== type)
      throw badInput(route, `${where}.${k}: expected ${type}, got ${typeof v}`);
  }
  for (const k of required)
    if (o[k] === undefined || o[k] === null) throw badInput(route, `${where}: missing required field '${k}'`);
  return o;
}
