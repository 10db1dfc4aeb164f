// Who is calling: a session cookie (browsers) or a personal access token (API clients).
// Routes behind `requireUser` get request.principal; cookie-authenticated changes must also carry
// the session's CSRF token in x-csrf-token (tokens in an Authorization header cannot be sent
// cross-site by a browser, so bearer requests need none).
import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts, Origin, Principal } from '../core/accounts.ts';
import { errors } from '../core/errors.ts';

export const SESSION_COOKIE = 'ferry_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export function requireUser(accounts: Accounts) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const principal = match ? await accounts.byToken(match[1], request.ip) : undefined;
      if (!principal) throw errors.unauthorized('The access token is invalid or was revoked.');
      request.principal = principal;
      return;
    }
    const cookie = request.cookies[SESSION_COOKIE];
    const principal = cookie ? await accounts.bySession(cookie) : undefined;
    if (!principal) throw errors.unauthorized(cookie ? 'Your session has expired: log in again.' : undefined);
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !sameSecret(sent, principal.csrfToken!)) throw errors.csrf();
    }
    request.principal = principal;
  };
}

/** Where a request came from, for the sessions list. */
export const originOf = (request: FastifyRequest): Origin => ({
  ip: request.ip,
  userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : undefined,
});

/** The signed-in user of a route behind requireUser. */
export function userOf(request: FastifyRequest) {
  if (!request.principal) throw errors.unauthorized();
  return request.principal.user;
}
