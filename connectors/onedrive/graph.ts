// Talking to Microsoft Graph: every call through the account's pacer, the bearer token on Graph's
// own URLs (refreshed once on a 401) and never on the pre-authenticated upload and download URLs,
// Retry-After honoured (and shared by every call of the account, since Graph throttles the app and
// user, not one request), and Graph's error JSON turned into a CloudError a person can act on.
import {
  createPacer,
  isTransientNetworkError,
  retryAfterMs,
  sleep,
  type Pacer,
  type RetryVerdict,
} from '../lib/pacer.ts';
import type { TokenSource } from '../oauth.ts';
import { CloudError } from '../types.ts';

/** A Retry-After longer than this is not slept through: the work is handed back as rate_limited. */
const MAX_WAIT_MS = 120_000;
/** Time for an answer's headers (or a whole JSON answer). Fragments get longer. */
const CALL_TIMEOUT_MS = 60_000;

/** Graph answered with an error status. */
export class GraphError extends Error {
  readonly status: number;
  readonly code: string;
  /** Graph's own message. */
  readonly detail: string;
  readonly retryAfterMs?: number;
  constructor(status: number, code: string, message: string, retryAfterMs?: number) {
    super(`${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
    this.detail = message;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Reads Graph's `{ error: { code, message } }` from a failed answer. */
export async function graphError(res: Response): Promise<GraphError> {
  let code = res.statusText || 'error';
  let message = '';
  try {
    const text = await res.text();
    try {
      const body = JSON.parse(text) as {
        error?: { code?: string; message?: string } | string;
        error_description?: string;
      };
      if (typeof body.error === 'object') {
        code = body.error.code ?? code;
        message = body.error.message ?? '';
      } else if (typeof body.error === 'string') {
        code = body.error;
        message = body.error_description ?? '';
      }
    } catch {
      message = text.slice(0, 200);
    }
  } catch {
    // the body could not be read: the status says enough
  }
  return new GraphError(res.status, code, message, retryAfterMs(res.headers.get('retry-after')));
}

/** The one retry classifier of this connector. */
export function classify(err: unknown): RetryVerdict {
  if (err instanceof GraphError) {
    if (err.status === 429 || err.status === 503) {
      return { retry: err.retryAfterMs === undefined || err.retryAfterMs <= MAX_WAIT_MS, afterMs: err.retryAfterMs };
    }
    // 509: OneDrive's "bandwidth limit exceeded".
    if ([500, 502, 504, 509].includes(err.status)) return { retry: true, afterMs: err.retryAfterMs };
    return { retry: false };
  }
  if (err instanceof CloudError) return { retry: err.reason === 'unreachable' };
  return { retry: isTransientNetworkError(err) };
}

/** Maps what went wrong to what a user can act on. */
export function toCloudError(err: unknown, what: string): CloudError {
  if (err instanceof CloudError) return err;
  if (err instanceof GraphError) {
    const detail = err.detail ? `${err.code}: ${err.detail}` : err.code;
    if (err.status === 401 || err.status === 403) {
      return new CloudError(
        'unauthorized',
        `Microsoft refused Ferry's access to this OneDrive (${detail}) while ${what}. ` +
          `Reconnect the cloud, and check that Ferry may read and write files.`,
        {
          cause: err,
        },
      );
    }
    if (err.status === 404)
      return new CloudError('not_found', `Not found in OneDrive while ${what} (${detail}).`, { cause: err });
    if (err.status === 507) {
      return new CloudError(
        'failed',
        `The OneDrive is full (${detail}) while ${what}: free space in it or add storage, then run again.`,
        { cause: err },
      );
    }
    if ((err.status === 429 || err.status === 503) && err.retryAfterMs !== undefined) {
      return new CloudError(
        'rate_limited',
        `Microsoft is throttling this account (${err.status} ${err.code}) while ${what}; ` +
          `it accepts work again in ${Math.ceil(err.retryAfterMs / 1000)} s.`,
        {
          cause: err,
          retryAt: new Date(Date.now() + err.retryAfterMs),
        },
      );
    }
    return new CloudError('failed', `OneDrive answered ${detail} (HTTP ${err.status}) while ${what}.`, { cause: err });
  }
  if (isTransientNetworkError(err) || (err instanceof TypeError && /fetch failed/.test(err.message))) {
    return new CloudError('unreachable', `Cannot reach Microsoft Graph while ${what}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return new CloudError('failed', `Unexpected answer from Microsoft Graph while ${what}: ${(err as Error).message}`, {
    cause: err,
  });
}

/** One pacer per account across every handle of this process, so concurrent runs share its budget. */
interface Account {
  pacer: Pacer;
  /** Until when Graph asked this account to pause (its last Retry-After). */
  pausedUntil: number;
}
const accounts = new Map<string, Account>();

function accountFor(key: string | undefined): Account {
  const make = (): Account => ({
    pacer: createPacer({ classify, attempts: 8, baseDelayMs: 500, maxDelayMs: 30_000, ratePerSecond: 10, burst: 20 }),
    pausedUntil: 0,
  });
  if (!key) return make();
  let a = accounts.get(key);
  if (!a) accounts.set(key, (a = make()));
  return a;
}

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Send the bearer token (Graph's own URLs); false for pre-authenticated URLs. */
  auth: boolean;
  redirect?: 'follow' | 'manual';
  timeoutMs?: number;
}

export interface Graph {
  /** `{graph}/v1.0/me/drive` */
  readonly drive: string;
  /** Runs `fn` under the account's pacer; failures come out as CloudError (aborts as they are). */
  call<T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /**
   * One HTTP exchange (no retry: wrap it in call()). The answer's headers are awaited within the
   * timeout; `release()` must be called once its body has been read or is no longer wanted.
   */
  send(url: string, init: RequestInit, signal?: AbortSignal): Promise<{ res: Response; release: () => void }>;
  /** A JSON exchange that throws GraphError on any status but those in `ok`. */
  json<T>(
    url: string,
    init: RequestInit & { json?: unknown; ok?: number[] },
    signal?: AbortSignal,
  ): Promise<{ status: number; body: T }>;
}

export function createGraph(base: string, tokens: TokenSource, accountKey: string | undefined): Graph {
  const account = accountFor(accountKey);
  const origin = new URL(base).origin;

  async function once(url: string, init: RequestInit, token: string | undefined, signal?: AbortSignal) {
    const wait = account.pausedUntil - Date.now();
    if (wait > 0) await sleep(wait, signal);
    const timer = new AbortController();
    const timeout = setTimeout(
      () =>
        timer.abort(
          Object.assign(new Error(`No answer from Microsoft within ${(init.timeoutMs ?? CALL_TIMEOUT_MS) / 1000} s`), {
            name: 'TimeoutError',
          }),
        ),
      init.timeoutMs ?? CALL_TIMEOUT_MS,
    );
    const headers: Record<string, string> = { ...init.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      const res = await fetch(url, {
        method: init.method ?? 'GET',
        headers,
        body: init.body,
        redirect: init.redirect ?? 'follow',
        signal: signal ? AbortSignal.any([signal, timer.signal]) : timer.signal,
      });
      if (res.status === 429 || res.status === 503) {
        const after = retryAfterMs(res.headers.get('retry-after'));
        if (after !== undefined && after <= MAX_WAIT_MS)
          account.pausedUntil = Math.max(account.pausedUntil, Date.now() + after);
      }
      return { res, release: () => clearTimeout(timeout) };
    } catch (err) {
      clearTimeout(timeout);
      throw err;
    }
  }

  const graph: Graph = {
    drive: `${base}/v1.0/me/drive`,
    call(what, fn, signal) {
      return account.pacer.call(fn, signal).catch((err) => {
        throw signal?.aborted ? err : toCloudError(err, what);
      });
    },
    async send(url, init, signal) {
      if (!init.auth) return once(url, init, undefined, signal);
      // The bearer token goes to Graph only, whatever a nextLink says.
      if (new URL(url).origin !== origin)
        throw new CloudError(
          'failed',
          `Graph pointed Ferry at ${new URL(url).origin}, not ${origin}; refusing to send it the access token.`,
        );
      const token = await tokens.get(signal);
      const first = await once(url, init, token, signal);
      if (first.res.status !== 401) return first;
      // Expired or revoked: refresh once (tokens.refresh throws CloudError('unauthorized') if the sign-in is gone).
      await first.res.body?.cancel().catch(() => {});
      first.release();
      return once(url, init, await tokens.refresh(token, signal), signal);
    },
    async json(url, init, signal) {
      const body = init.json === undefined ? init.body : JSON.stringify(init.json);
      const headers = init.json === undefined ? init.headers : { 'content-type': 'application/json', ...init.headers };
      const { res, release } = await graph.send(url, { ...init, body, headers }, signal);
      try {
        if (!(init.ok ?? []).includes(res.status) && !res.ok) throw await graphError(res);
        const text = await res.text();
        return { status: res.status, body: (text ? JSON.parse(text) : {}) as never };
      } finally {
        release();
      }
    },
  };
  return graph;
}
