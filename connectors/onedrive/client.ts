// Talking to Microsoft Graph. Graph's own API (JSON calls, listings paged by @odata.nextLink) goes
// through Microsoft's Graph client, with a middleware chain of Ferry's own instead of its default
// one: the bearer token from Ferry's token source (refreshed once after a 401), then the request
// itself. The default chain's RetryHandler would retry beneath the account's pacer, which is the
// only retrier here, and its RedirectHandler is not wanted: Graph's one redirect (a download) is
// taken by hand, without the token. The pre-authenticated URLs Graph hands out (upload sessions,
// downloads) carry no token and are not Graph's API: they go through lib's rest over a plain fetch.
// Every request of an account waits out the last Retry-After Graph gave it (Graph throttles the app
// and user, not one request), and Graph's errors become a CloudError a person can act on.
import { types } from 'node:util';
import type { Context, GraphError, GraphRequest, Middleware } from '@microsoft/microsoft-graph-client';
import { loadLater } from '../lib/load-later.ts';
import {
  createPacer,
  isTransientNetworkError,
  retryAfterMs,
  sleep,
  type Pacer,
  type RetryVerdict,
} from '../lib/pacer.ts';
import { createRest, type Rest } from '../lib/rest.ts';
import type { TokenSource } from '../oauth.ts';
import { CloudError, type ConnectorEnv } from '../types.ts';

// Microsoft's Graph client, loaded once a OneDrive is opened.
export const graphSdk = loadLater<typeof import('@microsoft/microsoft-graph-client')>(
  '@microsoft/microsoft-graph-client',
);

/** A Retry-After longer than this is not slept through: the work is handed back as rate_limited. */
const MAX_WAIT_MS = 120_000;
/** Time for an answer's headers, and for the whole of a JSON or error answer. */
const CALL_TIMEOUT_MS = 60_000;
/** The same for an upload fragment, whose answer comes once all of its bytes are sent. */
const FRAGMENT_TIMEOUT_MS = 300_000;

/** What the account's calls share in this process (lib's registry keeps it per account). */
interface Account {
  pacer: Pacer;
  /** Until when Graph asked this account to pause (its last Retry-After). */
  pausedUntil: number;
}

/** The Retry-After of a Graph error, in ms. */
function retryAfterOf(err: GraphError): number | undefined {
  return retryAfterMs(err.headers?.get('retry-after'));
}

/** The one retry classifier of this connector. */
export function classify(err: unknown): RetryVerdict {
  if (err instanceof graphSdk().GraphError) {
    const after = retryAfterOf(err);
    if (err.statusCode === 429 || err.statusCode === 503)
      return { retry: after === undefined || after <= MAX_WAIT_MS, afterMs: after };
    // 509: OneDrive's "bandwidth limit exceeded".
    if ([500, 502, 504, 509].includes(err.statusCode)) return { retry: true, afterMs: after };
    return { retry: false };
  }
  if (err instanceof CloudError) return { retry: err.reason === 'unreachable' };
  return { retry: isTransientNetworkError(err) };
}

/** A Graph error as the Graph client makes them, for answers it did not read itself. */
export function graphError(status: number, code: string, message: string, headers?: Headers): GraphError {
  const err = new (graphSdk().GraphError)(status, message || code);
  err.code = code;
  err.headers = headers;
  return err;
}

/** Reads Graph's `{ error: { code, message } }` (or OAuth's `{ error, error_description }`) from a failed answer. */
export async function graphErrorOf(res: Response): Promise<GraphError> {
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
  return graphError(res.status, code, message, res.headers);
}

/** The HTTP status Graph answered with, for an error that is Graph's answer. */
export function statusOf(err: unknown): number | undefined {
  return err instanceof graphSdk().GraphError ? err.statusCode : undefined;
}

/** What a Graph request gives, or null when Graph answers 404 (nothing there). */
export async function itemOrNull<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

/** Maps what went wrong to what a user can act on. */
export function toCloudError(err: unknown, what: string): CloudError {
  if (err instanceof CloudError) return err;
  if (err instanceof graphSdk().GraphError) {
    const status = err.statusCode;
    const code = err.code ?? 'error';
    const detail = err.message && err.message !== code ? `${code}: ${err.message}` : code;
    if (status === 401 || status === 403) {
      return new CloudError(
        'unauthorized',
        `Microsoft refused Ferry's access to this OneDrive (${detail}) while ${what}. ` +
          `Reconnect the cloud, and check that Ferry may read and write files.`,
        { cause: err },
      );
    }
    if (status === 404)
      return new CloudError('not_found', `Not found in OneDrive while ${what} (${detail}).`, { cause: err });
    if (status === 507) {
      return new CloudError(
        'failed',
        `The OneDrive is full (${detail}) while ${what}: free space in it or add storage, then run again.`,
        { cause: err },
      );
    }
    const after = retryAfterOf(err);
    if ((status === 429 || status === 503) && after !== undefined) {
      return new CloudError(
        'rate_limited',
        `Microsoft is throttling this account (${status} ${code}) while ${what}; ` +
          `it accepts work again in ${Math.ceil(after / 1000)} s.`,
        { cause: err, retryAt: new Date(Date.now() + after) },
      );
    }
    return new CloudError('failed', `OneDrive answered ${detail} (HTTP ${status}) while ${what}.`, { cause: err });
  }
  // Not instanceof TypeError: fetch's errors are made by Node, in another realm than a test's.
  const e = err as { name?: string; message?: string };
  const fetchFailed = types.isNativeError(err) && e.name === 'TypeError' && /fetch failed/.test(e.message ?? '');
  if (isTransientNetworkError(err) || fetchFailed)
    return new CloudError('unreachable', `Cannot reach Microsoft Graph while ${what}: ${e.message}`, { cause: err });
  return new CloudError('failed', `Unexpected answer from Microsoft Graph while ${what}: ${e.message}`, { cause: err });
}

/**
 * What went wrong beneath Graph's answers (the token source, the network, an abort), carried
 * through the Graph client untouched: it rethrows a GraphClientError as it is, and would make
 * anything else a GraphError with neither the error's class nor its cause. call() unwraps it.
 */
type Carried = Error & { readonly error: unknown };
let carriedClass: (new (error: unknown) => Carried) | undefined;
/** The class, made once the Graph client is loaded (it extends one of the client's). */
const Carried = () =>
  (carriedClass ??= class extends graphSdk().GraphClientError {
    readonly error: unknown;
    constructor(error: unknown) {
      super('carried');
      // GraphClientError's constructor sets its own prototype on whatever it makes: put ours back.
      Object.setPrototypeOf(this, new.target.prototype);
      this.error = error;
    }
  });

const isJson = (res: Response) => /\bjson\b/i.test(res.headers.get('content-type') ?? '');
const NO_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The account's fetch: waits out the account's pause, gives the answer `timeoutMs` for its headers,
 * and for the whole body of a JSON or failed answer (read here, so the connection is free again);
 * other bodies (content) stream at whatever pace their reader takes them.
 */
function accountFetch(account: Account, timeoutMs: number): typeof fetch {
  return async (input, init = {}) => {
    const signal = init.signal ?? undefined;
    const wait = account.pausedUntil - Date.now();
    if (wait > 0) await sleep(wait, signal);
    const timer = new AbortController();
    const timeout = setTimeout(() => {
      const reason = new Error(`No answer from Microsoft within ${timeoutMs / 1000} s`);
      timer.abort(Object.assign(reason, { name: 'TimeoutError' }));
    }, timeoutMs);
    try {
      const res = await fetch(input, {
        ...init,
        signal: signal ? AbortSignal.any([signal, timer.signal]) : timer.signal,
      });
      if (res.status === 429 || res.status === 503) {
        const after = retryAfterMs(res.headers.get('retry-after'));
        if (after !== undefined && after <= MAX_WAIT_MS)
          account.pausedUntil = Math.max(account.pausedUntil, Date.now() + after);
      }
      if (res.ok && !isJson(res)) return res;
      const body = NO_BODY.has(res.status) ? null : await res.arrayBuffer();
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    } finally {
      clearTimeout(timeout);
    }
  };
}

/** The request at the end of the client's chain. */
function sender(send: typeof fetch): Middleware {
  return {
    async execute(context: Context) {
      try {
        context.response = await send(context.request, context.options);
      } catch (err) {
        throw new (Carried())(err);
      }
    },
  };
}

/** The bearer token from Ferry's token source, refreshed once when Graph answers 401. */
function bearer(origin: string, tokens: TokenSource): Middleware {
  let next: Middleware | undefined;
  return {
    setNext(middleware) {
      next = middleware;
    },
    async execute(context: Context) {
      try {
        const url = new URL(typeof context.request === 'string' ? context.request : context.request.url);
        // The token goes to Graph only, wherever a nextLink points.
        if (url.origin !== origin)
          throw new CloudError(
            'failed',
            `Graph pointed Ferry at ${url.origin}, not ${origin}; refusing to send it the access token.`,
          );
        const signal = context.options?.signal ?? undefined;
        const send = async (token: string) => {
          const headers = new Headers(context.options?.headers);
          headers.set('authorization', `Bearer ${token}`);
          context.options = { ...context.options, headers };
          await next!.execute(context);
          return context.response!;
        };
        const token = await tokens.get(signal);
        if ((await send(token)).status !== 401) return;
        // Expired or revoked: refreshed once (refresh throws CloudError('unauthorized') when the
        // sign-in is gone); a second 401 is Graph's answer. The client's bodies are strings or
        // bytes, so the request can go again as it is.
        const fresh = await tokens.refresh(token, signal);
        if (fresh !== token) await send(fresh);
      } catch (err) {
        throw err instanceof Carried() ? err : new (Carried())(err);
      }
    },
  };
}

export interface Graph {
  /** Graph's base URL, `https://graph.microsoft.com` or the configured one. */
  readonly base: string;
  /** A request to Graph's API through the Graph client: a path under /v1.0, or a full Graph URL (a nextLink). */
  api(path: string, signal?: AbortSignal): GraphRequest;
  /** The pre-authenticated URLs (downloads, upload sessions): no token, one request, no retry. */
  readonly rest: Rest;
  /** The same for upload fragments, with a fragment's time to answer. */
  readonly fragments: Rest;
  /** Runs `fn` under the account's pacer; failures come out as CloudError (aborts as they are). */
  call<T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** A collection page by page, each through the pacer, following @odata.nextLink as Graph gives it. */
  pages<T>(what: string, path: string, signal?: AbortSignal): AsyncGenerator<T[]>;
}

/** Graph for one account; accountId undefined (signing in): a pacer of its own. */
export function createGraph(env: ConnectorEnv, tokens: TokenSource, accountId: string | undefined): Graph {
  const base = env.endpoints.graph;
  const account = env.accounts.get<Account>('onedrive:account', accountId, () => ({
    pacer: createPacer({
      name: 'onedrive',
      shared: env.shared && accountId ? { limits: env.shared, key: `onedrive:${accountId}` } : undefined,
      classify,
      attempts: 8,
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      ratePerSecond: 10,
      burst: 20,
    }),
    pausedUntil: 0,
  }));
  const client = graphSdk().Client.initWithMiddleware({
    baseUrl: base,
    defaultVersion: 'v1.0',
    middleware: [bearer(new URL(base).origin, tokens), sender(accountFetch(account, CALL_TIMEOUT_MS))],
  });
  const restWith = (timeoutMs: number) =>
    createRest({ base, fetch: accountFetch(account, timeoutMs), pacer: account.pacer, errorOf: graphErrorOf });

  const graph: Graph = {
    base,
    api: (path, signal) => client.api(path).option('signal', signal),
    rest: restWith(CALL_TIMEOUT_MS),
    fragments: restWith(FRAGMENT_TIMEOUT_MS),
    call(what, fn, signal) {
      const unwrapped = async () => {
        try {
          return await fn();
        } catch (err) {
          throw err instanceof Carried() ? (err as Carried).error : err;
        }
      };
      return account.pacer.call(unwrapped, signal).catch((err: unknown) => {
        throw signal?.aborted ? err : toCloudError(err, what);
      });
    },
    async *pages<T>(what: string, path: string, signal?: AbortSignal) {
      let next: string | undefined = path;
      while (next) {
        const at: string = next;
        const page = await graph.call(
          what,
          () => graph.api(at, signal).get() as Promise<{ value?: T[]; '@odata.nextLink'?: string }>,
          signal,
        );
        yield page.value ?? [];
        next = page['@odata.nextLink'];
      }
    },
  };
  return graph;
}
