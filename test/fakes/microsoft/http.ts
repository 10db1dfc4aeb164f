// What every answer of the Microsoft fake shares: Graph's error JSON and a few request helpers.
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A failure answered the way Graph answers it: `{ error: { code, message, innerError } }`. */
export class GraphFailure extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;
  constructor(
    status: number,
    code: string,
    message: string,
    opts: { headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = opts.headers ?? {};
    this.extra = opts.extra ?? {};
  }
}

export function errorBody(
  code: string,
  message: string,
  req?: IncomingMessage,
): { error: { code: string; message: string; innerError: Record<string, string> } } {
  return {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d+Z$/, ''),
        'request-id': crypto.randomUUID(),
        'client-request-id': String(req?.headers['client-request-id'] ?? crypto.randomUUID()),
      },
    },
  };
}

/** Graph's code and message for a bare status (injected faults without a body). */
export function defaultError(status: number): { code: string; message: string } {
  switch (status) {
    case 400:
      return { code: 'invalidRequest', message: 'Invalid request' };
    case 401:
      return { code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' };
    case 403:
      return { code: 'accessDenied', message: 'Access denied' };
    case 404:
      return { code: 'itemNotFound', message: 'The resource could not be found.' };
    case 409:
      return { code: 'nameAlreadyExists', message: 'The specified item name already exists.' };
    case 416:
      return { code: 'invalidRange', message: 'The specified byte range is invalid or unavailable.' };
    case 429:
      return { code: 'activityLimitReached', message: 'The request has been throttled' };
    case 500:
      return { code: 'generalException', message: 'An unspecified error has occurred.' };
    case 502:
      return { code: 'BadGateway', message: 'Bad Gateway' };
    case 503:
      return {
        code: 'serviceNotAvailable',
        message: 'The service is not available. Try the request again after a delay.',
      };
    case 504:
      return { code: 'gatewayTimeout', message: 'Gateway Timeout' };
    case 507:
      return { code: 'quotaLimitReached', message: 'Insufficient Space Available' };
    default:
      return { code: 'generalException', message: `HTTP ${status}` };
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json; odata.metadata=minimal; charset=utf-8',
    'content-length': String(text.length),
    ...headers,
  });
  res.end(text);
}

export function sendFailure(res: ServerResponse, req: IncomingMessage, f: GraphFailure): void {
  sendJson(res, f.status, { ...errorBody(f.code, f.message, req), ...f.extra }, f.headers);
}

/** A small JSON request body (metadata, never content). */
export async function jsonBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) throw new GraphFailure(413, 'requestTooLarge', 'The request body is too large.');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new GraphFailure(
      400,
      'BadRequest',
      'Unable to read JSON request payload. ' +
        'Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
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

/** One `bytes=` range of a file of `size` bytes (RFC 9110 §14.1.2); null when absent, 'unsatisfiable' when outside. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // not a range we understand: the whole content, as HTTP allows
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
