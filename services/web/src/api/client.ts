// The one way the app talks to Ferry: openapi-fetch typed by schema.d.ts (generated from Ferry's
// OpenAPI document), the session cookie sent by the browser, and the CSRF token that the API hands
// out at sign-in and in GET /me sent back on every change.
import createClient from 'openapi-fetch';
import type { paths } from './schema';

export type { components, paths } from './schema';

/** An answer of the API that is not a success: its status and the `{error: {code, message}}` body. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let csrfToken: string | null = null;
/** Kept from sign-in, sign-up and GET /me; sent as x-csrf-token on every change. */
export function setCsrfToken(token: string | null | undefined): void {
  csrfToken = token ?? null;
}

const listeners = new Set<() => void>();
/** Called when an answer says the session is gone (401): the app returns to sign-in. */
export function onSignedOut(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export const api = createClient<paths>({ baseUrl: '' });

api.use({
  onRequest({ request }) {
    if (request.method !== 'GET' && request.method !== 'HEAD' && csrfToken)
      request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
});

/** The API's error body, or a message for what is not one (the network, a proxy's page). */
export async function errorOf(response: Response | undefined, body?: unknown): Promise<ApiError> {
  if (!response) return new ApiError(0, 'network', 'Ferry could not be reached. Check your connection and try again.');
  const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (e && typeof e.code === 'string' && typeof e.message === 'string')
    return new ApiError(response.status, e.code, e.message);
  return new ApiError(
    response.status,
    `http_${response.status}`,
    `Ferry answered ${response.status} ${response.statusText}. Try again in a moment.`,
  );
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/**
 * Unwraps an openapi-fetch call: the data, or an ApiError thrown with the API's own message.
 * A 401 on anything but signing in tells the app the session has ended.
 */
export async function must<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw await errorOf(undefined);
  }
  if (result.error !== undefined || !result.response.ok) {
    const err = await errorOf(result.response, result.error);
    if (err.status === 401 && !result.response.url.includes('/api/v1/auth/')) for (const fn of listeners) fn();
    throw err;
  }
  return result.data as T;
}
