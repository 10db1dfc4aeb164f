// Requests to Google Photos (the Picker API, the Library API and the media host behind base URLs):
// the access token on every request (refreshed once on a 401), the per-account pacer, and Google's
// error JSON turned into errors a person can act on.
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type { TokenSource } from '../oauth.ts';
import { createPacer, isTransientNetworkError, retryAfterMs, type Pacer, type RetryVerdict } from '../lib/pacer.ts';
import { CloudError } from '../types.ts';

/** A non-success answer from Google Photos. */
export class PhotosApiError extends Error {
  readonly status: number;
  /** Canonical status: FAILED_PRECONDITION, RESOURCE_EXHAUSTED, NOT_FOUND, … */
  readonly code?: string;
  readonly retryAfterMs?: number;
  constructor(status: number, message: string, code?: string, retryAfter?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfter;
  }
  /** The project's daily quota (10,000 Library API requests, 75,000 media downloads) is used up. */
  get daily(): boolean {
    return this.status === 429 && /per day|daily/i.test(this.message);
  }
}

export async function errorOf(res: Response): Promise<PhotosApiError> {
  const text = await res.text().catch(() => '');
  let message =
    text
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 300) || res.statusText;
  let code: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: { message?: string; status?: string; errors?: { reason?: string }[] } };
    message = body.error?.message ?? message;
    code = body.error?.status ?? body.error?.errors?.[0]?.reason;
  } catch {
    // the media host answers in HTML or plain text
  }
  return new PhotosApiError(res.status, message, code, retryAfterMs(res.headers.get('retry-after')));
}

/** Google asks clients to wait at least 30 s after a 429 (Photos API best practices). */
export const RATE_LIMIT_WAIT_MS = 30_000;

/** The one retry classifier of this connector. */
export function classify(err: unknown): RetryVerdict {
  if (err instanceof PhotosApiError) {
    if (err.status === 429)
      return err.daily ? { retry: false } : { retry: true, afterMs: err.retryAfterMs ?? RATE_LIMIT_WAIT_MS };
    if (err.status === 408 || err.status >= 500) return { retry: true, afterMs: err.retryAfterMs };
    // Two batchCreate calls of one user collided (another worker's): try again after a pause.
    if (err.status === 409 && err.code === 'ABORTED') return { retry: true, afterMs: err.retryAfterMs };
    return { retry: false };
  }
  if (err instanceof CloudError) return { retry: false };
  return { retry: isTransientNetworkError(err) };
}

/** Next midnight in Pacific time: when Google's per-day API quotas start again. */
export function nextPacificMidnight(now = new Date()): Date {
  const parts = (d: Date) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone: 'America/Los_Angeles',
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })
        .formatToParts(d)
        .map((x) => [x.type, Number(x.value)]),
    ) as Record<string, number>;
    return p;
  };
  // The offset of Pacific time from UTC at a moment (−7 h or −8 h), in ms.
  const offset = (d: Date) => {
    const p = parts(d);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(d.getTime() / 1000) * 1000;
  };
  const p = parts(now);
  const wallMidnight = Date.UTC(p.year, p.month - 1, p.day + 1, 0, 0, 0);
  let at = wallMidnight - offset(now);
  at = wallMidnight - offset(new Date(at)); // the offset may change overnight (daylight saving)
  return new Date(at);
}

/** Maps a failure to what a user can act on; `what` names the operation ("Uploading a/b.jpg"). */
export function cloudError(err: unknown, what: string): CloudError {
  if (err instanceof CloudError) return err;
  if (err instanceof PhotosApiError) {
    const detail = `${what}: Google Photos answered ${err.status}${err.code ? ` ${err.code}` : ''}: ${err.message}`;
    if (err.daily) {
      const retryAt = nextPacificMidnight();
      return new CloudError(
        'rate_limited',
        `${what}: Ferry used up its daily Google Photos quota; ` +
          `work resumes after ${retryAt.toISOString()} (midnight Pacific time).`,
        { cause: err, retryAt },
      );
    }
    if (err.status === 401 || (err.status === 403 && /scope|permission/i.test(err.message + (err.code ?? '')))) {
      return new CloudError('unauthorized', `${detail}. Reconnect the cloud and allow Ferry access to Google Photos.`, {
        cause: err,
      });
    }
    if (err.status === 404) return new CloudError('not_found', detail, { cause: err });
    return new CloudError('failed', detail, { cause: err });
  }
  const name = (err as Error)?.name;
  if (name === 'AbortError' || name === 'TimeoutError')
    return new CloudError('unreachable', `${what}: ${(err as Error).message}`, { cause: err });
  return new CloudError('unreachable', `${what}: cannot reach Google Photos: ${(err as Error)?.message ?? err}`, {
    cause: err,
  });
}

// One pacer per Google account, shared by every handle on it. Google documents daily quotas for
// the Library API, not a rate; the bucket (50 a second, bursts of 200) only keeps a run from
// flooding it, and lets a restore upload a full batch of 50 at once.
const pacers = new Map<string, Pacer>();
const newPacer = () =>
  createPacer({ classify, attempts: 6, baseDelayMs: 1000, maxDelayMs: 32_000, ratePerSecond: 50, burst: 200 });
export function pacerFor(accountKey: string | undefined): Pacer {
  if (!accountKey) return newPacer();
  let pacer = pacers.get(accountKey);
  if (!pacer) pacers.set(accountKey, (pacer = newPacer()));
  return pacer;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /** JSON (an object), bytes, or a function giving a fresh stream for each attempt. */
  body?: unknown;
  signal?: AbortSignal;
}

/** Reads and discards a body so the connection can be reused. */
export async function drain(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => {});
}

export interface PhotosApi {
  pacer: Pacer;
  /** One request with the access token (refreshed once on a 401), no retries; any status is returned. */
  send(method: string, url: string, o?: RequestOptions): Promise<Response>;
  /** A JSON call through the pacer: retried as classify() says, failures thrown as PhotosApiError. */
  json<T>(method: string, url: string, o?: RequestOptions): Promise<T>;
  /** The bytes behind a base URL with its suffix (`=d`, `=dv`), as a stream. */
  media(url: string, signal?: AbortSignal): Promise<Readable>;
}

export function createPhotosApi(tokens: TokenSource, pacer: Pacer): PhotosApi {
  const urlOf = (u: string, query?: RequestOptions['query']) => {
    const url = new URL(u);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  };

  async function send(method: string, u: string, o: RequestOptions = {}): Promise<Response> {
    const url = urlOf(u, o.query);
    const once = async (token: string) => {
      const headers: Record<string, string> = { ...o.headers, authorization: `Bearer ${token}` };
      let body: RequestInit['body'];
      let duplex: 'half' | undefined;
      if (typeof o.body === 'function') {
        body = Readable.toWeb(await (o.body as () => Promise<Readable>)()) as unknown as RequestInit['body'];
        duplex = 'half';
      } else if (o.body instanceof Uint8Array) body = o.body as RequestInit['body'];
      else if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json; charset=UTF-8';
      }
      return fetch(url, { method, headers, body, signal: o.signal, ...(duplex ? { duplex } : {}) } as RequestInit);
    };
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
        `Google refused Ferry's access to Google Photos (${err.message}). Reconnect the cloud.`,
        { cause: err },
      );
    }
    return again;
  }

  return {
    pacer,
    send,
    async json<T>(method: string, u: string, o: RequestOptions = {}): Promise<T> {
      return pacer.call(async () => {
        const res = await send(method, u, o);
        if (!res.ok) throw await errorOf(res);
        const text = await res.text();
        return (text ? JSON.parse(text) : {}) as T;
      }, o.signal);
    },
    async media(u, signal) {
      // Retries only what is transient; a 403/404 (expired base URL) goes back to the caller, who
      // fetches a fresh base URL.
      return pacer.call(async () => {
        const res = await send('GET', u, { signal });
        if (!res.ok) throw await errorOf(res);
        return res.body ? Readable.fromWeb(res.body as ReadableStream) : Readable.from([]);
      }, signal);
    },
  };
}
