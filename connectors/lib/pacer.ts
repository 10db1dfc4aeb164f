// The pacer wraps every call a connector makes to its provider: a token bucket per account keeps
// the request rate within the provider's limits, and a retryable failure (as the connector's one
// classifier judges it) is retried after the provider's Retry-After or an exponential backoff with
// jitter. Whole-job retries are pg-boss's business and separate from these. With env.shared, the
// bucket and the pauses are the account's across every worker process, not this process's alone.
import { CloudError, type SharedLimits } from '../types.ts';

export interface RetryVerdict {
  retry: boolean;
  /** The provider said how long to wait (Retry-After). */
  afterMs?: number;
  /** The account takes no more until then (a daily cap): every process holds off, with this reason. */
  park?: { until: Date; why: string };
}

export type Classifier = (err: unknown) => RetryVerdict;

export interface PacerOptions {
  /** The connector's kind, as the service's metrics name it. */
  name?: string;
  classify: Classifier;
  /** Attempts per call, the first included. */
  attempts?: number;
  /** First backoff; doubled per retry up to maxDelayMs, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Sustained requests per second and burst; omitted: no rate limit. */
  ratePerSecond?: number;
  burst?: number;
  /**
   * The account's bucket and pauses, held with every other process (env.shared) under `key`;
   * unset, this pacer's own.
   */
  shared?: { limits: SharedLimits; key: string };
}

/** A process takes shared tokens in blocks of a fifth of a second's worth: a statement per block. */
const BLOCKS_PER_SECOND = 5;

export interface Pacer {
  call<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Parses a Retry-After header: seconds, or an HTTP date. */
export function retryAfterMs(value: string | undefined | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2); // "equal jitter": never zero, never above the ceiling
}

/** What the service counts of every pacer (its metrics): calls by outcome, and waits by cause. */
export interface PacerObserver {
  call(name: string, outcome: 'ok' | 'retried' | 'failed'): void;
  wait(name: string, why: 'pacer' | 'retry_after' | 'backoff', ms: number): void;
}

let observer: PacerObserver | undefined;

/** Set once by the service; connectors know nothing of metrics. */
export function observePacers(o: PacerObserver): void {
  observer = o;
}

export function createPacer(opts: PacerOptions): Pacer {
  const name = opts.name ?? 'other';
  const attempts = opts.attempts ?? 6;
  const base = opts.baseDelayMs ?? 200;
  const max = opts.maxDelayMs ?? 30_000;
  let tokens = opts.burst ?? 1;
  let last = Date.now();
  const shared = opts.shared;
  let block = 0; // shared tokens taken and not spent yet

  async function takeShared(signal?: AbortSignal): Promise<void> {
    if (block > 0) {
      block--;
      return;
    }
    const rate = opts.ratePerSecond ?? 1000;
    const n = Math.max(1, Math.floor(rate / BLOCKS_PER_SECOND));
    const got = await shared!.limits.take(shared!.key, {
      ratePerSecond: rate,
      burst: opts.burst ?? n,
      n,
      maxWaitMs: max,
    });
    // Another process met the account's daily cap: no call goes out before it is over.
    if (got.parked) throw new CloudError('rate_limited', got.parked.why, { retryAt: got.parked.until });
    if (got.waitMs > 0) {
      observer?.wait(name, 'pacer', got.waitMs);
      await sleep(got.waitMs, signal);
    }
    block += n - 1; // lanes that asked at the same moment each keep what they took
  }

  async function take(signal?: AbortSignal): Promise<void> {
    if (shared) return takeShared(signal);
    if (!opts.ratePerSecond) return;
    for (;;) {
      const now = Date.now();
      tokens = Math.min(opts.burst ?? 1, tokens + ((now - last) / 1000) * opts.ratePerSecond);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      const ms = ((1 - tokens) / opts.ratePerSecond) * 1000;
      observer?.wait(name, 'pacer', ms);
      await sleep(ms, signal);
    }
  }

  return {
    async call(fn, signal) {
      for (let attempt = 0; ; attempt++) {
        await take(signal);
        try {
          const result = await fn();
          observer?.call(name, 'ok');
          return result;
        } catch (err) {
          if (signal?.aborted) throw err;
          const verdict = opts.classify(err);
          if (verdict.park) await shared?.limits.pause(shared.key, verdict.park.until, verdict.park.why);
          if (!verdict.retry || attempt + 1 >= attempts) {
            observer?.call(name, 'failed');
            throw err;
          }
          observer?.call(name, 'retried');
          const ms = verdict.afterMs ?? backoffMs(attempt, base, max);
          // The provider's word holds for the account, in every process.
          if (verdict.afterMs !== undefined)
            await shared?.limits.pause(shared.key, new Date(Date.now() + ms), 'The provider asked to slow down.');
          observer?.wait(name, verdict.afterMs !== undefined ? 'retry_after' : 'backoff', ms);
          await sleep(ms, signal);
        }
      }
    },
  };
}

/** Network-level failures worth another try, whatever the provider. */
export function isTransientNetworkError(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string; cause?: unknown };
  const codes = [
    'ECONNRESET',
    'ECONNREFUSED',
    'ETIMEDOUT',
    'EPIPE',
    'ENOTFOUND',
    'EAI_AGAIN',
    'ECONNABORTED',
    'UND_ERR_SOCKET',
    'ERR_STREAM_PREMATURE_CLOSE',
  ];
  if (e?.code && codes.includes(e.code)) return true;
  if (e?.name === 'TimeoutError' || e?.name === 'RequestTimeout') return true;
  if (/socket hang up|premature close|aborted|terminated/i.test(e?.message ?? '')) return true;
  return e?.cause ? isTransientNetworkError(e.cause) : false;
}
