// Requests to the Drive v3 API: the access token on every request (refreshed once on a 401), the
// per-account pacer, and Google's error JSON turned into errors a person can act on.
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type { TokenSource } from '../oauth.ts';
import { createPacer, isTransientNetworkError, retryAfterMs, type Pacer, type RetryVerdict } from '../lib/pacer.ts';
import { CloudError } from '../types.ts';
import { rangeHeader } from '../lib/range.ts';

/** A non-success answer from Google, as its error JSON (or an upload server's plain text) tells it. */
export class DriveApiError extends Error {
  readonly status: number;
  /** errors[0].reason: rateLimitExceeded, storageQuotaExceeded, notFound, … */
  readonly reason?: string;
  readonly retryAfterMs?: number;
  constructor(status: number, message: string, reason?: string, retryAfter?: number) {
    super(message);
    this.status = status;
    this.reason = reason;
    this.retryAfterMs = retryAfter;
  }
}

/** Reasons Drive gives a 403 that only means "slow down". */
const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

export async function errorOf(res: Response): Promise<DriveApiError> {
  const text = await res.text().catch(() => '');
  let message = text.trim().slice(0, 300) || res.statusText;
  let reason: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: { message?: string; errors?: { reason?: string; message?: string }[] } };
    reason = body.error?.errors?.[0]?.reason;
    message = body.error?.message ?? body.error?.errors?.[0]?.message ?? message;
  } catch {
    // the upload server answers some errors in plain text
  }
  return new DriveApiError(res.status, message, reason, retryAfterMs(res.headers.get('retry-after')));
}

/** The one retry classifier of this connector. */
export function classify(err: unknown): RetryVerdict {
  if (err instanceof DriveApiError) {
    const transient =
      err.status === 429 ||
      err.status === 408 ||
      err.status >= 500 ||
      (err.status === 403 && RATE_REASONS.has(err.reason ?? ''));
    return { retry: transient, afterMs: err.retryAfterMs };
  }
  if (err instanceof CloudError) return { retry: false };
  return { retry: isTransientNetworkError(err) };
}

/** When Drive takes uploads again after the daily cap: its quota day ends at midnight UTC (plus a margin). */
export function nextUploadDay(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 0, 5));
}

/** Maps a failure to what a user can act on; `what` names the operation ("Uploading a/b.jpg"). */
export function cloudError(err: unknown, what: string): CloudError {
  if (err instanceof CloudError) return err;
  if (err instanceof DriveApiError) {
    const detail = `${what}: Google Drive answered ${err.status}${err.reason ? ` ${err.reason}` : ''}: ${err.message}`;
    if (err.status === 403 && err.reason === 'uploadQuotaExceeded') {
      const retryAt = nextUploadDay();
      return new CloudError(
        'rate_limited',
        `${what}: this Google account reached Drive's daily upload limit (750 GB a day); ` +
          `uploads resume after ${retryAt.toISOString()}.`,
        {
          cause: err,
          retryAt,
        },
      );
    }
    if (err.status === 403 && err.reason === 'storageQuotaExceeded') {
      return new CloudError(
        'failed',
        `${what}: the Google Drive is full. Free some space or buy more storage, then run again.`,
        { cause: err },
      );
    }
    if (
      err.status === 401 ||
      (err.status === 403 &&
        ['insufficientPermissions', 'authError', 'ACCESS_TOKEN_SCOPE_INSUFFICIENT'].includes(err.reason ?? ''))
    ) {
      return new CloudError('unauthorized', `${detail}. Reconnect the cloud and allow Ferry access to Google Drive.`, {
        cause: err,
      });
    }
    if (err.status === 404) return new CloudError('not_found', detail, { cause: err });
    return new CloudError('failed', detail, { cause: err });
  }
  const name = (err as Error)?.name;
  if (name === 'AbortError' || name === 'TimeoutError')
    return new CloudError('unreachable', `${what}: ${(err as Error).message}`, { cause: err });
  return new CloudError('unreachable', `${what}: cannot reach Google Drive: ${(err as Error)?.message ?? err}`, {
    cause: err,
  });
}

// One pacer per Google account, shared by every handle on it: Drive's limits are per user.
// About 10 requests a second with bursts of 100 (rclone's defaults for Drive); retries back off
// 1, 2, 4, 8, 16 s (with jitter) unless Google says how long to wait.
const pacers = new Map<string, Pacer>();
const newPacer = () =>
  createPacer({ classify, attempts: 8, baseDelayMs: 1000, maxDelayMs: 32_000, ratePerSecond: 10, burst: 100 });
export function pacerFor(accountKey: string | undefined): Pacer {
  if (!accountKey) return newPacer();
  let pacer = pacers.get(accountKey);
  if (!pacer) pacers.set(accountKey, (pacer = newPacer()));
  return pacer;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /** JSON (an object) or bytes. */
  body?: unknown;
  signal?: AbortSignal;
}

export interface DriveApi {
  /** Base URL of the API, e.g. https://www.googleapis.com. */
  base: string;
  pacer: Pacer;
  /** One request with the access token (refreshed once on a 401), no retries; any status is returned. */
  send(method: string, pathOrUrl: string, o?: RequestOptions): Promise<Response>;
  /** A JSON call through the pacer: retried as classify() says, failures thrown as DriveApiError. */
  json<T>(method: string, path: string, o?: RequestOptions): Promise<T>;
  /** A file's bytes from `offset` (GET alt=media with a Range). */
  download(fileId: string, offset: number, signal?: AbortSignal, length?: number): Promise<Readable>;
}

/** Reads and discards a body so the connection can be reused. */
export async function drain(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => {});
}

export function createDriveApi(base: string, tokens: TokenSource, pacer: Pacer): DriveApi {
  const urlOf = (pathOrUrl: string, query?: RequestOptions['query']) => {
    const url = new URL(/^https?:\/\//.test(pathOrUrl) ? pathOrUrl : base + pathOrUrl);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  };

  async function send(method: string, pathOrUrl: string, o: RequestOptions = {}): Promise<Response> {
    const url = urlOf(pathOrUrl, o.query);
    const headers: Record<string, string> = { ...o.headers };
    let body: Uint8Array | string | undefined;
    if (o.body instanceof Uint8Array) body = o.body;
    else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json; charset=UTF-8';
    }
    // An upload session's 308 (Resume Incomplete) is an answer, not a redirect to follow.
    const redirect = method === 'GET' ? 'follow' : 'manual';
    const once = (token: string) =>
      fetch(url, {
        method,
        headers: { ...headers, authorization: `Bearer ${token}` },
        body,
        signal: o.signal,
        redirect,
      });
    const token = await tokens.get(o.signal);
    const res = await once(token);
    if (res.status !== 401) return res;
    // The token expired or was revoked: refresh once (refresh() throws 'unauthorized' when the
    // sign-in itself is gone) and send the same request again.
    await drain(res);
    const again = await once(await tokens.refresh(token, o.signal));
    if (again.status === 401) {
      const err = await errorOf(again);
      throw new CloudError(
        'unauthorized',
        `Google refused Ferry's access to this Drive (${err.message}). Reconnect the cloud.`,
        { cause: err },
      );
    }
    return again;
  }

  return {
    base,
    pacer,
    send,
    async json<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
      return pacer.call(async () => {
        const res = await send(method, path, o);
        if (!res.ok) throw await errorOf(res);
        if (res.status === 204) return undefined as T;
        return (await res.json()) as T;
      }, o.signal);
    },
    async download(fileId, offset, signal, length) {
      return pacer.call(async () => {
        const range = rangeHeader(offset, length);
        const res = await send('GET', `/drive/v3/files/${encodeURIComponent(fileId)}`, {
          query: { alt: 'media' },
          headers: range ? { range } : {},
          signal,
        });
        if (!res.ok) throw await errorOf(res);
        if (offset > 0 && res.status !== 206) {
          await drain(res);
          throw new CloudError('failed', `Google Drive ignored the range request for file ${fileId}.`);
        }
        return res.body ? Readable.fromWeb(res.body as ReadableStream) : Readable.from([]);
      }, signal);
    },
  };
}
