// What every Google API emulated in test/fakes/google.ts shares: the route table's types, Google's
// error JSON, JSON bodies, query-parameter checks and the `fields` partial-response selector.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeAccount } from '../oauth.ts';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Named groups of the route's path pattern. */
  params: Record<string, string>;
  /** Who the bearer token belongs to (routes with auth: false get the fake's account). */
  account: FakeAccount;
}

export interface Route {
  method: string;
  /** Over the URL path; named groups become ctx.params. */
  path: RegExp;
  /** Default true: a valid `Authorization: Bearer` token is required. */
  auth?: boolean;
  handle(ctx: RouteContext): Promise<void> | void;
}

/** Thrown by handlers: answered as Google's error JSON. */
export class GoogleError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly domain: string;
  readonly extra: Record<string, string>;
  readonly headers: Record<string, string>;
  constructor(
    code: number,
    reason: string,
    message: string,
    opts: { domain?: string; location?: string; locationType?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.domain = opts.domain ?? 'global';
    const locationType = opts.locationType ?? (opts.location ? 'parameter' : undefined);
    this.extra = { ...(opts.location ? { location: opts.location } : {}), ...(locationType ? { locationType } : {}) };
    this.headers = opts.headers ?? {};
  }
  body(): unknown {
    return errorBody(this.code, this.reason, this.message, this.domain, this.extra);
  }
}

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  416: 'OUT_OF_RANGE',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function errorBody(
  code: number,
  reason: string,
  message: string,
  domain = 'global',
  extra: Record<string, string> = {},
): unknown {
  return {
    error: { code, message, errors: [{ message, domain, reason, ...extra }], status: STATUS[code] ?? 'UNKNOWN' },
  };
}

/** The body Google sends with a status when nothing more specific applies (also for injected faults). */
export function defaultError(status: number): unknown {
  switch (status) {
    case 400:
      return errorBody(400, 'badRequest', 'Bad Request');
    case 401:
      return errorBody(401, 'authError', 'Invalid Credentials', 'global', {
        location: 'Authorization',
        locationType: 'header',
      });
    case 403:
      return errorBody(403, 'rateLimitExceeded', 'Rate Limit Exceeded', 'usageLimits');
    case 404:
      return errorBody(404, 'notFound', 'Not Found');
    case 429:
      return errorBody(429, 'rateLimitExceeded', 'Rate Limit Exceeded', 'usageLimits');
    case 500:
      return errorBody(500, 'backendError', 'Backend Error');
    case 502:
    case 503:
      return errorBody(status, 'backendError', 'The service is currently unavailable.');
    default:
      return errorBody(status, 'unknown', `HTTP ${status}`);
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Reads and discards a request body (an answer before the body is read can break the client's send). */
export async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  for await (const _ of req) {
    // discard
  }
}

/** A JSON request body ({} when empty); 400 parseError like Google for anything else. */
export async function readJson(req: IncomingMessage, limit = 1024 * 1024): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) throw new GoogleError(413, 'uploadTooLarge', 'The metadata is too large.');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
    throw new GoogleError(400, 'badContent', `Unsupported content with type: ${req.headers['content-type'] ?? 'none'}`);
  try {
    const body = JSON.parse(text);
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
    return body as Record<string, unknown>;
  } catch {
    throw new GoogleError(400, 'parseError', 'Parse Error');
  }
}

/** Parameters every Google API accepts. */
const SYSTEM_PARAMS = ['fields', 'alt', 'prettyPrint', 'key', 'quotaUser', 'callback'];

/** Refuses query parameters the method does not know, as Google's front end does. */
export function checkParams(url: URL, allowed: string[]): void {
  for (const name of url.searchParams.keys()) {
    if (!SYSTEM_PARAMS.includes(name) && !allowed.includes(name)) {
      throw new GoogleError(
        400,
        'invalidParameter',
        `Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. ` +
          `Field '${name}' could not be found in request message.`,
        {
          location: name,
        },
      );
    }
  }
}

/** A parsed `fields` selector: field name → nested selector, or true for the whole value. */
export type Selector = Map<string, Selector | true>;

/** Parses Google's partial-response syntax: `a,b(c,d),e/f`, or `*`. */
export function parseFields(spec: string): Selector {
  let i = 0;
  const fail = (): never => {
    throw new GoogleError(400, 'invalidParameter', `Invalid field selection ${spec}`, { location: 'fields' });
  };
  const list = (): Selector => {
    const sel: Selector = new Map();
    for (;;) {
      const m = /^\s*([A-Za-z_*][A-Za-z0-9_]*)\s*/.exec(spec.slice(i));
      if (!m) fail();
      i += m![0].length;
      let value: Selector | true = true;
      if (spec[i] === '(') {
        i++;
        value = list();
        if (spec[i] !== ')') fail();
        i++;
      } else if (spec[i] === '/') {
        i++;
        const rest = list();
        value = rest;
        sel.set(m![1], mergeSel(sel.get(m![1]), value));
        return sel;
      }
      sel.set(m![1], mergeSel(sel.get(m![1]), value));
      while (spec[i] === ' ') i++;
      if (spec[i] !== ',') return sel;
      i++;
    }
  };
  const sel = list();
  if (i !== spec.length) fail();
  return sel;
}

function mergeSel(a: Selector | true | undefined, b: Selector | true): Selector | true {
  if (a === undefined) return b;
  if (a === true || b === true) return true;
  const out: Selector = new Map(a);
  for (const [k, v] of b) out.set(k, mergeSel(out.get(k), v));
  return out;
}

/**
 * The value as the selector asks. `known` names every field the resource may have at each level
 * (nested keys as 'files/id'); selecting an unknown field is a 400, as at Google.
 */
export function select(value: unknown, sel: Selector | true, known: Set<string>, prefix = ''): unknown {
  if (sel === true || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => select(v, sel, known, prefix));
  if (sel.has('*') && sel.size === 1) return value;
  const out: Record<string, unknown> = {};
  for (const [k, sub] of sel) {
    const key = prefix + k;
    if (k === '*') {
      Object.assign(out, value);
      continue;
    }
    if (!known.has(key))
      throw new GoogleError(400, 'invalidParameter', `Invalid field selection ${k}`, { location: 'fields' });
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = select(v, sub, known, `${key}/`);
  }
  return out;
}
