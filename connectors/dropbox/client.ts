// How the connector talks to Dropbox's HTTP API (https://www.dropbox.com/developers/documentation/http/documentation).
// Every route Ferry uses (listing, metadata, deleting, the upload session's start, append and finish,
// the account) goes through Dropbox's own SDK (`dropbox`), which builds each request and reads each
// result. What the SDK leaves to its caller is Ferry's:
// - the hosts: the SDK always calls https://api.dropboxapi.com and https://content.dropboxapi.com, so
//   its fetch maps those to the configured endpoints (an emulator in tests, a proxy in production);
// - the token: the SDK never retries a 401, so its fetch is lib's bearerFetch, which refreshes the
//   token through Ferry's token source once and sends the request again;
// - retries: the SDK has none; every call goes through the account's pacer, the only retrier;
// - downloads: the SDK's filesDownload reads the whole file into memory before it answers, so files
//   are streamed by Ferry (lib's rest.ts: a GET with a Range, which Dropbox's download routes take).
import type { Readable } from 'node:stream';
import type { Dropbox, DropboxRequestOptions, DropboxResponse } from 'dropbox';
import { loadLater } from '../lib/load-later.ts';
import { createPacer, isTransientNetworkError, retryAfterMs, type Pacer, type RetryVerdict } from '../lib/pacer.ts';
import { bearerFetch, createRest } from '../lib/rest.ts';
import type { TokenSource } from '../oauth.ts';
import { CloudError, type ConnectorEnv } from '../types.ts';

// Dropbox's SDK, loaded once a Dropbox is opened.
const dropboxSdk = loadLater<typeof import('dropbox')>('dropbox');

/** Longest Retry-After the pacer sits out; a longer one is a lasting limit (CloudError 'rate_limited'). */
const MAX_WAIT_MS = 60_000;

/**
 * JSON that fits in an HTTP header: Dropbox wants every character outside ASCII escaped as \uXXXX
 * (header values are bytes, and Dropbox reads them as ASCII). Characters outside the BMP become
 * their two escaped surrogates, which JSON allows. (The SDK does the same for its own calls; this
 * is for the downloads Ferry sends itself.)
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
    this.name = 'DropboxApiError';
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

/** The route of a request to either host: '/2/files/list_folder' gives 'files/list_folder'. */
function routeOf(url: string): string {
  const path = new URL(url).pathname;
  return path.startsWith('/2/') ? path.slice(3) : path;
}

/** Dropbox's answer as a DropboxApiError: a route's JSON error (409, 429, …) or a plain-text one (400, 5xx). */
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
function classify(err: unknown): RetryVerdict {
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

/** The account's pacer, shared by every handle on that account (a fresh one without an account). */
export function pacerOf(env: ConnectorEnv, accountId: string | undefined): Pacer {
  // Dropbox does not publish its per-user limits; rclone paces at most one call per 10 ms.
  return env.accounts.get('dropbox:pacer', accountId, () =>
    createPacer({
      name: 'dropbox',
      shared: env.shared && accountId ? { limits: env.shared, key: `dropbox:${accountId}` } : undefined,
      classify,
      attempts: 10,
      baseDelayMs: 250,
      maxDelayMs: 20_000,
      ratePerSecond: 25,
      burst: 25,
    }),
  );
}

export interface DropboxClient {
  /**
   * One SDK call through the pacer, with the signal passed to it: `client.call((dbx, o) =>
   * dbx.filesGetMetadata({ path }, o), signal)`. Gives the call's result.
   */
  call<T>(
    fn: (dbx: Dropbox, o: DropboxRequestOptions) => Promise<DropboxResponse<T>>,
    signal?: AbortSignal,
  ): Promise<T>;
  /** The file `path` (a path or an id) from `offset`, `length` bytes or to its end, as a stream. */
  download(path: string, o: { offset: number; length?: number; signal?: AbortSignal }): Promise<Readable>;
}

export function createClient(o: {
  endpoints: { dropboxApi: string; dropboxContent: string };
  tokens: TokenSource;
  pacer: Pacer;
}): DropboxClient {
  const { dropboxApi: api, dropboxContent: content } = o.endpoints; // without trailing slash
  const authed = bearerFetch(o.tokens, async (res) => {
    const err = await apiError(res, routeOf(res.url));
    return new CloudError(
      'unauthorized',
      `Dropbox refused Ferry's access (${err.summary}): reconnect the Dropbox cloud.`,
      { cause: err },
    );
  });
  /**
   * The SDK's fetch: its fixed hosts mapped to the configured ones. An answer that is not a success
   * is read here into a DropboxApiError, where the route is still known (the SDK's own error has
   * neither the route nor the Retry-After), so SDK calls and Ferry's downloads fail alike.
   */
  const sdkFetch = async (url: string, init: RequestInit): Promise<Response> => {
    let target = url;
    if (url.startsWith('https://api.dropboxapi.com/')) target = api + url.slice('https://api.dropboxapi.com'.length);
    else if (url.startsWith('https://content.dropboxapi.com/'))
      target = content + url.slice('https://content.dropboxapi.com'.length);
    else throw new Error(`The Dropbox SDK asked for ${url}, which is not one of Dropbox's API hosts.`);
    const res = await authed(target, init);
    if (!res.ok) throw await apiError(res, routeOf(target));
    return res;
  };
  const dbx = new (dropboxSdk().Dropbox)({ fetch: sdkFetch });
  const rest = createRest({
    base: content,
    fetch: authed,
    pacer: o.pacer,
    errorOf: (res) => apiError(res, routeOf(res.url)),
  });

  /**
   * What Dropbox answered stays a DropboxApiError (callers act on its tags); a network failure that
   * outlasted the retries becomes CloudError('unreachable'), so callers can tell Dropbox's failures
   * from their source's.
   */
  const unreachable = (err: unknown, signal?: AbortSignal): unknown => {
    if (signal?.aborted || err instanceof DropboxApiError || err instanceof CloudError) return err;
    const message = (err as { message?: string } | undefined)?.message ?? String(err);
    return new CloudError('unreachable', `Cannot reach Dropbox: ${message}`, { cause: err });
  };

  return {
    async call(fn, signal) {
      try {
        return (await o.pacer.call(() => fn(dbx, { signal }), signal)).result;
      } catch (err) {
        throw unreachable(err, signal);
      }
    },
    async download(path, d) {
      try {
        // A GET, which Dropbox's content-download routes take as they take POST, with the Range.
        return await rest.download('/2/files/download', {
          offset: d.offset,
          length: d.length,
          headers: { 'dropbox-api-arg': headerSafeJson({ path }) },
          signal: d.signal,
        });
      } catch (err) {
        throw unreachable(err, d.signal);
      }
    },
  };
}

/**
 * What Dropbox's answer means to a user. `what` names the thing the call was about ("Folder
 * /photos"). Anything but a DropboxApiError (a CloudError, an abort, the source's own failure) is
 * passed on as it is.
 */
export function toCloudError(err: unknown, what: string): unknown {
  if (!(err instanceof DropboxApiError)) return err;
  const why = err.summary;
  if (isRateLimit(err)) {
    if (err.retryAfterMs !== undefined && err.retryAfterMs > MAX_WAIT_MS) {
      return new CloudError(
        'rate_limited',
        `Dropbox limits requests for now (${why}); Ferry goes on after the wait it asked for.`,
        { cause: err, retryAt: new Date(Date.now() + err.retryAfterMs) },
      );
    }
    return new CloudError('failed', `Dropbox kept refusing requests as too many (${why}).`, { cause: err });
  }
  if (err.status === 400)
    return new CloudError('failed', `Dropbox rejected the request ${err.route}: ${why}`, { cause: err });
  if (err.status === 401)
    return new CloudError('unauthorized', `Dropbox refused Ferry's access (${why}): reconnect the Dropbox cloud.`, {
      cause: err,
    });
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
      {
        cause: err,
      },
    );
  return new CloudError('failed', `Dropbox answered ${err.status} on ${err.route}: ${why}`, { cause: err });
}
