// The Google Photos client (the Picker API, the Library API and the media host behind base URLs),
// on the connectors' REST helper: the account's pacer and this connector's one classifier, and
// Google's error JSON turned into errors a person can act on (toCloudError).
import type { Readable } from 'node:stream';
import { skipBytes } from '../lib/bytes.ts';
import { createPacer, isTransientNetworkError, retryAfterMs, type RetryVerdict } from '../lib/pacer.ts';
import { bearerFetch, createRest, type Rest } from '../lib/rest.ts';
import type { TokenSource } from '../oauth.ts';
import { CloudError, type ConnectorEnv } from '../types.ts';

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
      return err.daily
        ? { retry: false, park: { until: nextPacificMidnight(), why: 'Ferry used up its daily Google Photos quota.' } }
        : { retry: true, afterMs: err.retryAfterMs ?? RATE_LIMIT_WAIT_MS };
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
export function toCloudError(err: unknown, what: string): CloudError {
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

// One pacer per Google account, shared by every handle on it (env.accounts). Google documents daily
// quotas for the Library API, not a rate; the bucket (50 a second, bursts of 200) only keeps a run
// from flooding it, and lets a restore upload a full batch of 50 at once.
const newPacer = (env: ConnectorEnv, accountId: string | undefined) =>
  createPacer({
    name: 'google-photos',
    shared: env.shared && accountId ? { limits: env.shared, key: `google-photos:${accountId}` } : undefined,
    classify,
    attempts: 6,
    baseDelayMs: 1000,
    maxDelayMs: 32_000,
    ratePerSecond: 50,
    burst: 200,
  });

/**
 * The Photos APIs through the connectors' REST helper (Google Photos has no SDK): the Library API
 * at `rest.base`, the Picker API and the media host by full URL.
 */
export function createClient(tokens: TokenSource, env: ConnectorEnv, accountId: string | undefined): Rest {
  const refused = async (res: Response) => {
    const err = await errorOf(res);
    return new CloudError(
      'unauthorized',
      `Google refused Ferry's access to Google Photos (${err.message}). Reconnect the cloud.`,
      { cause: err },
    );
  };
  return createRest({
    base: env.endpoints.googlePhotos,
    fetch: bearerFetch(tokens, refused),
    pacer: env.accounts.get('google-photos:pacer', accountId, () => newPacer(env, accountId)),
    errorOf,
  });
}

/**
 * The bytes behind a base URL with its suffix (`=d`, `=dv`), from `offset`. Base URLs take no Range
 * header: a read from an offset (a resumed upload asks for the rest) downloads from the start and
 * drops the first bytes. Retries only what is transient; a 403/404 (expired base URL) goes back to
 * the caller, who fetches a fresh base URL.
 */
export async function media(rest: Rest, url: string, offset: number, signal?: AbortSignal): Promise<Readable> {
  const stream = await rest.download(url, { offset: 0, signal });
  if (offset <= 0) return stream;
  const skip = skipBytes(offset);
  stream.on('error', (err) => skip.destroy(err));
  return stream.pipe(skip);
}
