// The Drive v3 client: googleapis' own (@googleapis/drive with google-auth-library's OAuth2Client)
// for the API calls, lib's REST helper for the resumable upload sessions it does not have, the
// account's pacer as the only retrier, Ferry's token source as the only refresher, and one
// toCloudError that turns Google's answers into errors a person can act on.
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type { drive_v3, MethodOptions } from '@googleapis/drive';
import { loadLater } from '../lib/load-later.ts';
import type { TokenSource } from '../oauth.ts';
import { createPacer, isTransientNetworkError, retryAfterMs, type Pacer, type RetryVerdict } from '../lib/pacer.ts';
import { bearerFetch, createRest, rangeHeader, type Rest } from '../lib/rest.ts';
import { CloudError, type ConnectorEnv } from '../types.ts';

// googleapis, loaded once a Drive is opened.
const googleapis = loadLater<typeof import('@googleapis/drive')>('@googleapis/drive');
const googleAuth = loadLater<typeof import('google-auth-library')>('google-auth-library');

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

type ErrorJson = { error?: { message?: string; errors?: { reason?: string; message?: string }[] } };

/** Google's error body (JSON, or an upload server's plain text) as a DriveApiError. */
function apiError(status: number, statusText: string, body: unknown, retryAfter: string | null): DriveApiError {
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
  let message = text.trim().slice(0, 300) || statusText;
  let parsed: ErrorJson | undefined;
  try {
    parsed = (typeof body === 'string' ? JSON.parse(body) : body) as ErrorJson;
  } catch {
    // the upload server answers some errors in plain text
  }
  const reason = parsed?.error?.errors?.[0]?.reason;
  message = parsed?.error?.message ?? parsed?.error?.errors?.[0]?.message ?? message;
  return new DriveApiError(status, message, reason, retryAfterMs(retryAfter));
}

/** A non-success answer of the upload host (lib's REST helper). */
export async function errorOf(res: Response): Promise<DriveApiError> {
  const text = await res.text().catch(() => '');
  return apiError(res.status, res.statusText, text, res.headers.get('retry-after'));
}

/** What gaxios (the library's HTTP layer) throws: an answer that was not a success, or a cause. */
interface GaxiosFailure {
  response?: Response & { data?: unknown };
  cause?: unknown;
}

/**
 * A failure of the library as this connector's errors: an answer becomes a DriveApiError; a
 * request that got no answer throws what fetch threw (gaxios wraps it, and under Jest's realms
 * says only "Unexpected Gaxios Error"), so the classifier sees the network's own error codes.
 */
function fromLibrary(err: unknown): unknown {
  if (err instanceof CloudError || err instanceof DriveApiError) return err;
  const { response, cause } = (err ?? {}) as GaxiosFailure;
  if (response && typeof response.status === 'number') {
    const headers = response.headers as Headers | Record<string, string> | undefined;
    const retryAfter =
      typeof (headers as Headers)?.get === 'function'
        ? (headers as Headers).get('retry-after')
        : ((headers as Record<string, string>)?.['retry-after'] ?? null);
    return apiError(response.status, response.statusText ?? '', response.data, retryAfter);
  }
  return cause ?? err;
}

/** Reasons Drive gives a 403 that only means "slow down". */
const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

/** The one retry classifier of this connector. */
function classify(err: unknown): RetryVerdict {
  if (err instanceof DriveApiError) {
    const transient =
      err.status === 429 ||
      err.status === 408 ||
      err.status >= 500 ||
      (err.status === 403 && RATE_REASONS.has(err.reason ?? ''));
    if (err.status === 403 && err.reason === 'uploadQuotaExceeded') {
      const until = nextUploadDay();
      const at = until.toISOString();
      const why = `This Google account reached Drive's daily upload limit; uploads resume after ${at}.`;
      return { retry: false, park: { until, why } };
    }
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
export function toCloudError(err: unknown, what: string): CloudError {
  err = fromLibrary(err);
  if (err instanceof CloudError) return err;
  if (err instanceof DriveApiError) {
    const detail = `${what}: Google Drive answered ${err.status}${err.reason ? ` ${err.reason}` : ''}: ${err.message}`;
    if (err.status === 403 && err.reason === 'uploadQuotaExceeded') {
      const retryAt = nextUploadDay();
      return new CloudError(
        'rate_limited',
        `${what}: this Google account reached Drive's daily upload limit (750 GB a day); ` +
          `uploads resume after ${retryAt.toISOString()}.`,
        { cause: err, retryAt },
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

/** The second 401 in a row, after a refresh: the sign-in no longer gives access. */
function refused(err: DriveApiError): CloudError {
  return new CloudError(
    'unauthorized',
    `Google refused Ferry's access to this Drive (${err.message}). Reconnect the cloud.`,
    { cause: err },
  );
}

// Drive's limits are per Google account, so one pacer per account in the process, shared by every
// handle on it. About 10 requests a second with bursts of 100 (rclone's defaults for Drive); retries
// back off 1, 2, 4, 8, 16 s (with jitter) unless Google says how long to wait.
const newPacer = (env: ConnectorEnv, accountId: string | undefined) =>
  createPacer({
    name: 'google-drive',
    shared: env.shared && accountId ? { limits: env.shared, key: `google-drive:${accountId}` } : undefined,
    classify,
    attempts: 8,
    baseDelayMs: 1000,
    maxDelayMs: 32_000,
    ratePerSecond: 10,
    burst: 100,
  });

export interface DriveClient {
  /** The pacer of the account (uploads pace their own session requests through it). */
  readonly pacer: Pacer;
  /** The upload host (resumable sessions: the library has none), through lib's REST helper. */
  readonly upload: Rest;
  /**
   * One library call through the pacer; its answer's data, failures as DriveApiError (or the
   * network's own error). `fn` gets the options every call needs (signal, the configured host).
   */
  call<T>(fn: (api: drive_v3.Drive, o: MethodOptions) => Promise<{ data: unknown }>, signal?: AbortSignal): Promise<T>;
  /** A file's bytes from `offset` (files.get alt=media with a Range), streamed as they arrive. */
  download(fileId: string, offset: number, signal?: AbortSignal, length?: number): Promise<Readable>;
}

/**
 * The client of one Drive. `accountId` shares the pacer with every handle on that account;
 * without one (a cloud not signed in yet) the pacer is the handle's own.
 */
export function createClient(env: ConnectorEnv, tokens: TokenSource, accountId: string | undefined): DriveClient {
  return clientOf(
    env.endpoints.googleDrive,
    tokens,
    env.accounts.get('google-drive:pacer', accountId, () => newPacer(env, accountId)),
  );
}

/** A client for an access token just issued (the sign-in's account lookup): one attempt, no refresh. */
export function signInClient(base: string, accessToken: string): DriveClient {
  const once: TokenSource = {
    get: async () => accessToken,
    async refresh() {
      throw new CloudError('unauthorized', 'Google refused the access token it had just issued. Sign in again.');
    },
  };
  return clientOf(base, once, createPacer({ name: 'google-drive', classify, attempts: 1 }));
}

function clientOf(base: string, tokens: TokenSource, pacer: Pacer): DriveClient {
  // The library's requests go through Node's own fetch (gaxios would load node-fetch), noting which
  // token each answer was got with, so that a 401 refreshes exactly that one (gaxios redacts the
  // header from its errors, and concurrent requests may have sent different tokens).
  const sentWith = new WeakMap<object, string>();
  const transport: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    // A Range counts the file's stored bytes: as fetch itself does for a ranged request, ask for them
    // unencoded (googleapis asks every request for gzip).
    if (headers.has('range')) headers.set('accept-encoding', 'identity');
    const res = await fetch(input, { ...init, headers });
    sentWith.set(res, (headers.get('authorization') ?? '').replace(/^Bearer /, ''));
    return res;
  };

  const auth = new (googleAuth().OAuth2Client)({ transporterOptions: { fetchImplementation: transport } });
  // The library keeps no token of its own: before every request it asks Ferry's token source (which
  // refreshes a token about to expire), the token counting as expiring at once. With an expiry date
  // set the library never refreshes after a failure by itself: it would on a 403 as well, turning
  // Drive's rateLimitExceeded into a refresh instead of a wait. A 401 is refreshed in `authorized`.
  auth.refreshHandler = async () => ({ access_token: await tokens.get(), expiry_date: Date.now() });
  // retry: false: gaxios would retry on its own; the pacer is the only retrier.
  const api = googleapis().drive({ version: 'v3', auth, retry: false });
  // Per call, not in drive(): a global rootUrl keeps only the host of the configured endpoint.
  const rootUrl = `${base}/`;

  /** One request; a 401 refreshes the token it was sent with through Ferry's token source, once. */
  async function authorized<R>(fn: (o: MethodOptions) => Promise<R>, signal?: AbortSignal): Promise<R> {
    const o: MethodOptions = { rootUrl, signal };
    let stale: string | undefined;
    try {
      return await fn(o);
    } catch (err) {
      const response = (err as GaxiosFailure)?.response;
      if (response?.status !== 401) throw fromLibrary(err);
      stale = sentWith.get(response) ?? '';
    }
    await tokens.refresh(stale, signal);
    try {
      return await fn(o);
    } catch (err) {
      const failure = fromLibrary(err);
      throw failure instanceof DriveApiError && failure.status === 401 ? refused(failure) : failure;
    }
  }

  return {
    pacer,
    upload: createRest({
      base,
      fetch: bearerFetch(tokens, async (res) => refused(await errorOf(res))),
      pacer,
      errorOf,
    }),
    call<T>(fn: (api: drive_v3.Drive, o: MethodOptions) => Promise<{ data: unknown }>, signal?: AbortSignal) {
      return pacer.call(async () => (await authorized((o) => fn(api, o), signal)).data as T, signal);
    },
    download(fileId, offset, signal, length) {
      return pacer.call(async () => {
        const range = rangeHeader(offset, length);
        const res = await authorized(
          (o) =>
            api.files.get(
              { fileId, alt: 'media' },
              { ...o, responseType: 'stream', headers: range ? { range } : {} },
            ) as unknown as Promise<{ status: number; data: ReadableStream | Readable | null }>,
          signal,
        );
        const body = res.data;
        const stream = !body ? Readable.from([]) : body instanceof Readable ? body : Readable.fromWeb(body);
        if (offset > 0 && res.status !== 206) {
          stream.destroy();
          throw new CloudError('failed', `Google Drive ignored the range request for file ${fileId}.`);
        }
        return stream;
      }, signal);
    },
  };
}
