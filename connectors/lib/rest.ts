// Requests to a provider's REST API for what its SDK does not do (resumable upload sessions, streamed
// ranged downloads) and for Google Photos, which has no SDK: the bearer token on every request
// (refreshed once on a 401), the account's pacer as the only retrier, the provider's error body
// turned into an error by the connector's errorOf, bodies drained so connections are reused.
import { Readable } from 'node:stream';
import { types } from 'node:util';
import type { ReadableStream } from 'node:stream/web';
import type { TokenSource } from '../oauth.ts';
import { CloudError } from '../types.ts';
import type { Pacer } from './pacer.ts';

/** Reads and discards a body so the connection can be reused. */
export async function drain(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => {});
}

/** The Range header for `length` bytes from `offset` (to the end without a length); undefined for the whole file. */
export function rangeHeader(offset: number, length?: number): string | undefined {
  if (length !== undefined) return `bytes=${offset}-${offset + Math.max(1, length) - 1}`;
  return offset > 0 ? `bytes=${offset}-` : undefined;
}

/** A body fetch can send a second time: none, text or bytes (a stream is used up by the first). */
function resendable(body: RequestInit['body']): boolean {
  // Not instanceof: bytes made in another realm (Node's own, under Jest) are bytes too.
  return body == null || typeof body === 'string' || ArrayBuffer.isView(body) || types.isArrayBuffer(body);
}

/**
 * fetch with `Authorization: Bearer <token>` from Ferry's token source. On a 401 the token is
 * refreshed once (tokens.refresh throws CloudError 'unauthorized' when the grant is gone) and the
 * request sent again; a second 401 becomes `refused(res)`, thrown. A body that cannot be sent again
 * (a stream) is not: after the refresh its 401 is returned, and the caller sends a fresh body
 * (createRest's send does, for a body given as a function).
 */
export function bearerFetch(tokens: TokenSource, refused: (res: Response) => Promise<Error>): typeof fetch {
  return async (input, init = {}) => {
    const signal = init.signal ?? undefined;
    const once = (token: string) => {
      // A Request's own headers stay unless init replaces them, as fetch itself would have it.
      const own = typeof input === 'object' && 'headers' in input ? input.headers : undefined;
      const headers = new Headers(init.headers ?? own);
      headers.set('authorization', `Bearer ${token}`);
      return fetch(input, { ...init, headers });
    };
    const token = await tokens.get(signal);
    const res = await once(token);
    if (res.status !== 401) return res;
    // The token expired or was revoked: refresh once (refresh() throws 'unauthorized' when the
    // sign-in itself is gone) and send the same request again.
    const resend = resendable(init.body);
    if (resend) await drain(res);
    const fresh = await tokens.refresh(token, signal).catch(async (err: unknown) => {
      await drain(res);
      throw err;
    });
    if (!resend) return res;
    const second = await once(fresh);
    if (second.status === 401) throw await refused(second);
    return second;
  };
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /**
   * A plain object is sent as JSON; Uint8Array/string as they are. A function gives a fresh stream
   * for each sending (an upload too large to hold): called again after a 401 refreshed the token.
   */
  body?: unknown;
  signal?: AbortSignal;
}

export interface Rest {
  readonly base: string;
  readonly pacer: Pacer;
  /** One request, no retry, any status returned; a non-GET never follows redirects (a 308 is an answer). */
  send(method: string, pathOrUrl: string, o?: RequestOptions): Promise<Response>;
  /** Through the pacer; a status that is not ok throws errorOf(res); 204 (or no body) gives undefined. */
  json<T>(method: string, pathOrUrl: string, o?: RequestOptions): Promise<T>;
  /** GET as a stream from `offset` (Range; an offset > 0 answered without 206 fails clearly), through the pacer. */
  download(pathOrUrl: string, o: RequestOptions & { offset: number; length?: number }): Promise<Readable>;
}

export function createRest(o: {
  base: string;
  fetch: typeof fetch;
  pacer: Pacer;
  errorOf(res: Response): Promise<Error>;
}): Rest {
  const { base, pacer, errorOf } = o;
  const urlOf = (pathOrUrl: string, query?: RequestOptions['query']) => {
    const url = new URL(/^https?:\/\//.test(pathOrUrl) ? pathOrUrl : base + pathOrUrl);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  };

  async function send(method: string, pathOrUrl: string, r: RequestOptions = {}): Promise<Response> {
    const url = urlOf(pathOrUrl, r.query);
    const headers: Record<string, string> = { ...r.headers };
    let body: Uint8Array | string | undefined;
    const opened = typeof r.body === 'function' ? (r.body as () => Promise<Readable>) : undefined;
    if (ArrayBuffer.isView(r.body) || typeof r.body === 'string') body = r.body as Uint8Array | string;
    else if (r.body !== undefined && !opened) {
      body = JSON.stringify(r.body);
      headers['content-type'] ??= 'application/json; charset=UTF-8';
    }
    // An upload session's 308 (Resume Incomplete) is an answer, not a redirect to follow.
    const redirect = method === 'GET' ? 'follow' : 'manual';
    const init = { method, headers, body, signal: r.signal, redirect } as const;
    if (!opened) return o.fetch(url, init);
    const streamed = async () =>
      o.fetch(url, {
        ...init,
        body: Readable.toWeb(await opened()) as unknown as RequestInit['body'],
        duplex: 'half',
      } as RequestInit);
    const res = await streamed();
    if (res.status !== 401) return res;
    // bearerFetch refreshed the token but could not send the used-up stream again: a fresh one goes
    // (a 401 to it is returned, for the caller's errorOf to say).
    await drain(res);
    return streamed();
  }

  return {
    base,
    pacer,
    send,
    async json<T>(method: string, pathOrUrl: string, r: RequestOptions = {}): Promise<T> {
      return pacer.call(async () => {
        const res = await send(method, pathOrUrl, r);
        if (!res.ok) throw await errorOf(res);
        const text = res.status === 204 ? '' : await res.text();
        return (text ? JSON.parse(text) : undefined) as T;
      }, r.signal);
    },
    async download(pathOrUrl, r) {
      return pacer.call(async () => {
        const range = rangeHeader(r.offset, r.length);
        const res = await send('GET', pathOrUrl, { ...r, headers: { ...r.headers, ...(range ? { range } : {}) } });
        if (!res.ok) throw await errorOf(res);
        if (r.offset > 0 && res.status !== 206) {
          await drain(res);
          const url = urlOf(pathOrUrl);
          throw new CloudError('failed', `${url.host} ignored the range request for ${url.pathname}.`);
        }
        return res.body ? Readable.fromWeb(res.body as ReadableStream) : Readable.from([]);
      }, r.signal);
    },
  };
}
