// How the connector talks to Dropbox's HTTP API (https://www.dropbox.com/developers/documentation/http/documentation):
// RPC routes on the API host take and return JSON; content routes (upload, download) on the content
// host carry their arguments in the Dropbox-API-Arg header and the bytes in the body. Every call
// goes through the account's pacer, carries the current access token, and refreshes it once on 401.
import { createPacer, isTransientNetworkError, retryAfterMs, type Pacer, type RetryVerdict } from '../lib/pacer.ts';
import type { TokenSource } from '../oauth.ts';
import { CloudError } from '../types.ts';
import { rangeHeader } from '../lib/range.ts';

/** Longest Retry-After the pacer sits out; a longer one is a lasting limit (CloudError 'rate_limited'). */
const MAX_WAIT_MS = 60_000;

/**
 * JSON that fits in an HTTP header: Dropbox wants every character outside ASCII escaped as \uXXXX
 * (header values are bytes, and Dropbox reads them as ASCII). Characters outside the BMP become
 * their two escaped surrogates, which JSON allows.
 */
export function headerSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** An answer other than success, as Dropbox gave it. */
export class DropboxApiError extends Error {
  readonly status: number;
  readonly route: string;
  /** error_summary (e.g. "path/not_found/..."), or the text of a plain-text answer. */
  readonly summary: string;
  /** The `error` union, when the body was Dropbox's JSON error. */
  readonly error: unknown;
  readonly retryAfterMs?: number;
  constructor(status: number, route: string, summary: string, error: unknown, retryAfter?: number) {
    super(`Dropbox ${route} answered ${status}: ${summary}`);
    this.status = status;
    this.route = route;
    this.summary = summary;
    this.error = error;
    this.retryAfterMs = retryAfter;
  }

  /** The union tags from the outside in: {'.tag':'path', path:{'.tag':'not_found'}} gives ['path', 'not_found']. */
  get tags(): string[] {
    const out: string[] = [];
    let cur = this.error as Record<string, unknown> | undefined;
    while (cur && typeof cur === 'object') {
      const tag = cur['.tag'];
      if (typeof tag !== 'string') {
        // RateLimitError is a struct: {reason: {'.tag': …}, retry_after}
        cur = cur.reason as Record<string, unknown> | undefined;
        continue;
      }
      out.push(tag);
      cur = cur[tag] as Record<string, unknown> | undefined;
    }
    return out;
  }

  has(tag: string): boolean {
    return this.tags.includes(tag) || this.summary.split('/').includes(tag);
  }

  /** incorrect_offset: the offset the session really has ({'.tag':'incorrect_offset', correct_offset} at any depth). */
  get correctOffset(): number | undefined {
    const find = (v: unknown): number | undefined => {
      if (!v || typeof v !== 'object') return undefined;
      const o = v as Record<string, unknown>;
      if (typeof o.correct_offset === 'number') return o.correct_offset;
      for (const child of Object.values(o)) {
        const found = find(child);
        if (found !== undefined) return found;
      }
      return undefined;
    };
    return this.has('incorrect_offset') ? find(this.error) : undefined;
  }
}

async function apiError(res: Response, route: string): Promise<DropboxApiError> {
  const text = await res.text().catch(() => '');
  let summary = text.trim().slice(0, 500) || res.statusText;
  let error: unknown;
  let retryAfter = retryAfterMs(res.headers.get('retry-after'));
  try {
    const body = JSON.parse(text) as { error_summary?: string; error?: { retry_after?: number } };
    if (body && typeof body === 'object') {
      summary = body.error_summary ?? summary;
      error = body.error;
      if (retryAfter === undefined && typeof body.error?.retry_after === 'number')
        retryAfter = body.error.retry_after * 1000;
    }
  } catch {
    // a plain-text answer (400 bad input, 5xx)
  }
  return new DropboxApiError(res.status, route, summary, error, retryAfter);
}

const isRateLimit = (e: DropboxApiError) =>
  e.status === 429 || e.has('too_many_write_operations') || e.has('too_many_requests');

/** The one retry classifier of this connector. */
export function classify(err: unknown): RetryVerdict {
  if (err instanceof CloudError) return { retry: false };
  if (err instanceof DropboxApiError) {
    if (isRateLimit(err)) {
      // Dropbox says how long; a wait past a minute is a lasting limit, reported rather than slept.
      if (err.retryAfterMs !== undefined && err.retryAfterMs > MAX_WAIT_MS) return { retry: false };
      return { retry: true, afterMs: err.retryAfterMs };
    }
    // content_hash_mismatch: the bytes were damaged on the way; the same request is sent again.
    return { retry: err.status >= 500 || err.has('content_hash_mismatch'), afterMs: err.retryAfterMs };
  }
  return { retry: isTransientNetworkError(err) };
}

/** Pacers by Dropbox account, so every handle of one account shares its request budget. */
const pacers = new Map<string, Pacer>();

export function pacerFor(accountId: string | undefined): Pacer {
  // Dropbox does not publish its per-user limits; rclone paces at most one call per 10 ms.
  const make = () =>
    createPacer({ classify, attempts: 10, baseDelayMs: 250, maxDelayMs: 20_000, ratePerSecond: 25, burst: 25 });
  if (!accountId) return make();
  let p = pacers.get(accountId);
  if (!p) pacers.set(accountId, (p = make()));
  return p;
}

export interface DropboxClient {
  /** An RPC route (`files/list_folder`) on the API host: JSON in, JSON out. */
  rpc<T>(route: string, arg: unknown, signal?: AbortSignal): Promise<T>;
  /** An upload route on the content host: `data` is the body, the result is JSON. */
  upload<T>(route: string, arg: unknown, data: Uint8Array, signal?: AbortSignal): Promise<T>;
  /** files/download from `offset`: the response, its body not yet read. */
  download(arg: unknown, offset: number, signal?: AbortSignal, length?: number): Promise<Response>;
}

export function createClient(o: {
  apiUrl: string;
  contentUrl: string;
  tokens: TokenSource;
  pacer: Pacer;
}): DropboxClient {
  /** One attempt: the request with the current token; a 401 refreshes the token once and tries again. */
  async function send(
    route: string,
    base: string,
    headers: Record<string, string>,
    body: Uint8Array | string | undefined,
    signal?: AbortSignal,
  ): Promise<Response> {
    let token = await o.tokens.get(signal);
    for (let refreshed = false; ; refreshed = true) {
      const res = await fetch(`${base}/2/${route}`, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${token}` },
        body,
        signal,
      });
      if (res.status === 200 || res.status === 206) return res;
      const err = await apiError(res, route);
      if (res.status !== 401) throw err;
      if (refreshed)
        throw new CloudError(
          'unauthorized',
          `Dropbox refused Ferry's access (${err.summary}): reconnect the Dropbox cloud.`,
          { cause: err },
        );
      token = await o.tokens.refresh(token, signal); // throws CloudError('unauthorized') when the sign-in is gone
    }
  }

  /**
   * Runs one call through the pacer. What Dropbox answered stays a DropboxApiError (callers act on
   * its tags); a network failure that outlasted the retries becomes CloudError('unreachable'), so
   * callers can tell Dropbox's failures from their source's.
   */
  async function paced<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await o.pacer.call(fn, signal);
    } catch (err) {
      if (signal?.aborted || err instanceof DropboxApiError || err instanceof CloudError) throw err;
      throw new CloudError('unreachable', `Cannot reach Dropbox: ${(err as Error)?.message ?? err}`, { cause: err });
    }
  }

  return {
    rpc(route, arg, signal) {
      return paced(async () => {
        const res = await send(
          route,
          o.apiUrl,
          { 'content-type': 'application/json' },
          JSON.stringify(arg ?? null),
          signal,
        );
        return (await res.json()) as never;
      }, signal);
    },
    upload(route, arg, data, signal) {
      return paced(async () => {
        const res = await send(
          route,
          o.contentUrl,
          { 'content-type': 'application/octet-stream', 'dropbox-api-arg': headerSafeJson(arg) },
          data,
          signal,
        );
        return (await res.json()) as never;
      }, signal);
    },
    download(arg, offset, signal, length) {
      // No Content-Type: download routes take no body.
      const headers: Record<string, string> = { 'dropbox-api-arg': headerSafeJson(arg) };
      const range = rangeHeader(offset, length);
      if (range) headers.range = range;
      return paced(() => send('files/download', o.contentUrl, headers, undefined, signal), signal);
    },
  };
}

/**
 * What Dropbox's answer means to a user. `what` names the thing the call was about ("Folder
 * /photos"). Anything but a DropboxApiError (a CloudError, an abort, the source's own failure) is
 * passed on as it is.
 */
export function cloudErrorOf(err: unknown, what: string, signal?: AbortSignal): unknown {
  if (signal?.aborted || err instanceof CloudError) return err;
  if (err instanceof DropboxApiError) {
    const why = err.summary;
    if (isRateLimit(err)) {
      if (err.retryAfterMs !== undefined && err.retryAfterMs > MAX_WAIT_MS) {
        return new CloudError(
          'rate_limited',
          `Dropbox limits requests for now (${why}); Ferry goes on after the wait it asked for.`,
          {
            cause: err,
            retryAt: new Date(Date.now() + err.retryAfterMs),
          },
        );
      }
      return new CloudError('failed', `Dropbox kept refusing requests as too many (${why}).`, { cause: err });
    }
    if (err.status === 400)
      return new CloudError('failed', `Dropbox rejected the request ${err.route}: ${why}`, { cause: err });
    if (err.status === 403 || err.has('no_write_permission')) {
      const scope = (err.error as { required_scope?: string } | undefined)?.required_scope;
      return new CloudError(
        'unauthorized',
        scope
          ? `Ferry lacks the Dropbox permission ${scope}: reconnect the Dropbox cloud.`
          : `Dropbox denied access to ${what} (${why}).`,
        { cause: err },
      );
    }
    if (err.status === 409) {
      if (err.has('content_hash_mismatch'))
        return new CloudError(
          'corrupt',
          `Dropbox kept receiving other bytes than were sent for ${what} (content_hash_mismatch).`,
          { cause: err },
        );
      if (err.has('insufficient_space'))
        return new CloudError(
          'failed',
          `The Dropbox account is full: free some space or upgrade it, then run again (${what}).`,
          { cause: err },
        );
      if (err.has('not_found') || err.has('not_folder') || err.has('not_file'))
        return new CloudError('not_found', `${what} not found on Dropbox.`, { cause: err });
      if (err.has('malformed_path') || err.has('disallowed_name'))
        return new CloudError('failed', `Dropbox does not accept the name of ${what} (${why}).`, { cause: err });
      // A file at the path of an upload with mode 'add': nothing was replaced.
      if (err.has('conflict') && err.tags.at(-1) === 'file')
        return new CloudError('exists', `${what} is on Dropbox already; Ferry did not replace it.`, { cause: err });
      if (err.has('conflict'))
        return new CloudError('failed', `Something else is in the way of ${what} on Dropbox (${why}).`, { cause: err });
      return new CloudError('failed', `Dropbox refused ${err.route} for ${what}: ${why}`, { cause: err });
    }
    if (err.status >= 500)
      return new CloudError(
        'unreachable',
        `Dropbox is having trouble (${err.status} on ${err.route}); try again later.`,
        { cause: err },
      );
    return new CloudError('failed', `Dropbox answered ${err.status} on ${err.route}: ${why}`, { cause: err });
  }
  return err;
}
