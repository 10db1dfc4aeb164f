// Live progress streams (GET /runs/:id/events) in one process: how many may be open, and the
// database reads behind them, shared by the streams that need the same answer. However many streams
// watch a run, that run is read once a second; however many streams one credential opened, it is
// checked once every few seconds.
import type { FastifyRequest } from 'fastify';
import type { Accounts } from '../core/accounts.ts';
import { AppError } from '../core/errors.ts';
import type { Run } from '../core/runs.ts';
import { SESSION_COOKIE } from './auth.ts';

/** Open streams one account may have: a page or two per run it watches, with room to spare. */
export const STREAMS_PER_USER = 10;
/** Open streams one process serves, all accounts together: each holds a connection and a little memory. */
export const STREAMS_PER_PROCESS = 1000;
/** How often a watched run is read. */
export const RUN_POLL_MS = 1000;
/** How often a stream's credential is checked again: a revoked token or ended session stops it this soon. */
export const CREDENTIAL_CHECK_MS = 3000;

type Watcher<T> = (value: T | Error) => void;

/**
 * One periodic load per key, shared by all who watch that key: started with the first watcher,
 * stopped with the last. Each load starts `intervalMs` after the previous one ended, so a slow
 * database is never asked twice at once for the same key. A load that throws is passed on as the error.
 */
export class SharedPoll<T> {
  readonly #polls = new Map<string, { watchers: Set<Watcher<T>>; timer?: NodeJS.Timeout }>();
  readonly #load: (key: string) => Promise<T>;
  readonly #intervalMs: number;

  constructor(load: (key: string) => Promise<T>, intervalMs: number) {
    this.#load = load;
    this.#intervalMs = intervalMs;
  }

  /** Calls `onValue` after each load of `key` until the returned function is called. */
  watch(key: string, onValue: Watcher<T>): () => void {
    let poll = this.#polls.get(key);
    if (!poll) {
      const p: { watchers: Set<Watcher<T>>; timer?: NodeJS.Timeout } = { watchers: new Set() };
      const tick = async () => {
        const value = await this.#load(key).catch((err: unknown) =>
          err instanceof Error ? err : new Error(String(err)),
        );
        if (this.#polls.get(key) !== p) return; // its last watcher left meanwhile
        for (const w of [...p.watchers]) w(value);
        if (this.#polls.get(key) === p) p.timer = setTimeout(tick, this.#intervalMs).unref();
      };
      p.timer = setTimeout(tick, this.#intervalMs).unref();
      this.#polls.set(key, (poll = p));
    }
    const p = poll;
    p.watchers.add(onValue);
    return () => {
      p.watchers.delete(onValue);
      if (p.watchers.size || this.#polls.get(key) !== p) return;
      clearTimeout(p.timer);
      this.#polls.delete(key);
    };
  }

  /** Keys being polled now. */
  get size(): number {
    return this.#polls.size;
  }
}

/**
 * The credential a request was let in with, as requireUser chose it: the bearer token when an
 * Authorization header is sent, else the session cookie.
 */
function credentialOf(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header !== undefined) return `token ${/^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? ''}`;
  return `session ${request.cookies[SESSION_COOKIE] ?? ''}`;
}

export interface StreamLimits {
  perUser: number;
  perProcess: number;
}

export function createRunStreams(deps: {
  accounts: Pick<Accounts, 'byToken' | 'bySession'>;
  runs: { get(userId: string, id: string): Promise<Run> };
  limits?: StreamLimits;
  runPollMs?: number;
  credentialCheckMs?: number;
}) {
  const limits = deps.limits ?? { perUser: STREAMS_PER_USER, perProcess: STREAMS_PER_PROCESS };
  const openByUser = new Map<string, number>();
  let open = 0;
  const enders = new Set<() => void>();

  const runs = new SharedPoll<Run>((key) => {
    const [userId, runId] = key.split('/');
    return deps.runs.get(userId, runId);
  }, deps.runPollMs ?? RUN_POLL_MS);
  // The user a credential still signs in, or undefined: revoked token, ended session, deleted user.
  const credentials = new SharedPoll<string | undefined>(async (key) => {
    const kind = key.slice(0, key.indexOf(' '));
    const secret = key.slice(key.indexOf(' ') + 1);
    if (!secret) return undefined;
    const principal = kind === 'token' ? await deps.accounts.byToken(secret) : await deps.accounts.bySession(secret);
    return principal?.user.id;
  }, deps.credentialCheckMs ?? CREDENTIAL_CHECK_MS);

  return {
    /**
     * Takes a place for a new stream of the user, or refuses it; call the returned function when
     * the stream ends. Checked and counted in one step, so simultaneous requests cannot overshoot.
     */
    admit(userId: string): () => void {
      const mine = openByUser.get(userId) ?? 0;
      if (mine >= limits.perUser) {
        throw new AppError(
          'rate_limited',
          429,
          `You have ${mine} live progress streams open, the most one account may have: ` +
            `close one (EventSource.close(), or the page showing it) and try again.`,
        );
      }
      if (open >= limits.perProcess) {
        throw new AppError(
          'rate_limited',
          503,
          `This server has ${open} live progress streams open, the most it serves at once: try again in a minute.`,
        );
      }
      openByUser.set(userId, mine + 1);
      open++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        open--;
        const left = (openByUser.get(userId) ?? 1) - 1;
        if (left) openByUser.set(userId, left);
        else openByUser.delete(userId);
      };
    },

    /** Run updates for a stream of the user, once a second, shared with every stream of that run. */
    watchRun(userId: string, runId: string, onValue: Watcher<Run>): () => void {
      return runs.watch(`${userId}/${runId}`, onValue);
    },

    /**
     * Calls `onLost` once the credential the request came with no longer signs in its user, or
     * cannot be checked.
     */
    watchCredential(request: FastifyRequest, userId: string, onLost: (reason: Error | undefined) => void): () => void {
      return credentials.watch(credentialOf(request), (signedIn) => {
        if (signedIn instanceof Error) onLost(signedIn);
        else if (signedIn !== userId) onLost(undefined);
      });
    },

    /** Registers how to end a stream when the app closes. */
    onClose(end: () => void): () => void {
      enders.add(end);
      return () => enders.delete(end);
    },

    /** Ends every open stream: the app is closing. */
    closeAll(): void {
      for (const end of [...enders]) end();
    },

    stats: () => ({ open, users: openByUser.size, runPolls: runs.size, credentialPolls: credentials.size }),
  };
}

export type RunStreams = ReturnType<typeof createRunStreams>;
