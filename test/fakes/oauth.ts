// A fake OAuth 2.0 authorization server, shared by the provider emulators (Google, Dropbox,
// Microsoft). It follows RFC 6749 and RFC 7636 as the providers apply them: a consent page whose
// form approves, codes bound to client, redirect URI and PKCE challenge, refresh tokens only when
// offline access was asked for, optional rotation (Microsoft), expiry and revocation on command.
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CloudError } from '../../connectors/types.ts';
import type { TokenSource } from '../../connectors/oauth.ts';

export interface FakeAccount {
  id: string;
  email: string;
  name: string;
}

export interface OAuthServerOptions {
  clientId: string;
  clientSecret: string;
  authorizePath: string;
  tokenPath: string;
  /**
   * Where a grant is revoked: Google's takes the token (access or refresh) as a form field; Dropbox's
   * the access token as the bearer, and ends the refresh token with it.
   */
  revoke?: { path: string; with: 'form' | 'bearer' };
  account: FakeAccount;
  /** Microsoft: every refresh returns a new refresh token (the old one keeps working). */
  rotateRefreshTokens?: boolean;
  accessTokenTtlSeconds?: number;
  /** Authorize parameters without which no refresh token is issued (Google access_type, Dropbox token_access_type). */
  offlineParams?: Record<string, string>;
  /** Scopes without which no refresh token is issued (Microsoft offline_access). */
  requiredScopes?: string[];
}

export interface OAuthServer {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  authenticate(req: IncomingMessage): { account: FakeAccount } | { error: 'missing' | 'invalid' | 'expired' };
  issueTokens(): { accessToken: string; refreshToken: string; expiresIn: number };
  expireAccessTokens(): void;
  revoke(): void;
  stats: { refreshes: number; revocations: number };
}

interface Code {
  clientId: string;
  redirectUri: string;
  challenge?: string;
  offline: boolean;
  scope: string;
  expiresAt: number;
}

const token = (prefix: string) => `${prefix}${crypto.randomBytes(24).toString('base64url')}`;
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export function createOAuthServer(opts: OAuthServerOptions): OAuthServer {
  const ttl = opts.accessTokenTtlSeconds ?? 3600;
  const codes = new Map<string, Code>();
  const access = new Map<string, { expiresAt: number }>();
  const refresh = new Set<string>();
  let revoked = false;
  const stats = { refreshes: 0, revocations: 0 };

  function issue(offline: boolean, scope: string) {
    const accessToken = token('at-');
    access.set(accessToken, { expiresAt: Date.now() + ttl * 1000 });
    const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, scope };
    if (scope.split(/[ +]/).includes('openid')) {
      // An OpenID id_token, as Google returns for the openid scope (signature not checked by clients
      // that received it straight from the token endpoint).
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const { id: sub, email, name } = opts.account;
      const claims = { iss: 'https://accounts.google.com', aud: opts.clientId, sub, email, email_verified: true, name };
      const header = part({ alg: 'RS256', typ: 'JWT' });
      body.id_token = `${header}.${part({ ...claims, iat: now, exp: now + 3600 })}.fake-signature`;
    }
    if (offline) {
      const refreshToken = token('rt-');
      refresh.add(refreshToken);
      body.refresh_token = refreshToken;
    }
    return body;
  }

  function redirect(res: ServerResponse, target: string, params: Record<string, string>): void {
    const u = new URL(target);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    res.writeHead(302, { location: u.toString() });
    res.end();
  }

  /** The checks of an authorize request; an error page (not a redirect) when the client itself is wrong. */
  function checkAuthorize(p: URLSearchParams, res: ServerResponse): boolean {
    const fail = (why: string) => {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Error</title><h1>Error 400: invalid_request</h1><p>${escapeHtml(why)}</p>`);
      return false;
    };
    if (p.get('client_id') !== opts.clientId)
      return fail(`The OAuth client was not found (client_id ${p.get('client_id')}).`);
    if (!p.get('redirect_uri')) return fail('Missing required parameter: redirect_uri');
    if (p.get('response_type') !== 'code') return fail('Unsupported response_type');
    if (p.get('code_challenge') && p.get('code_challenge_method') !== 'S256')
      return fail('code_challenge_method must be S256');
    return true;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (opts.revoke && url.pathname === opts.revoke.path && req.method === 'POST') {
      let known: boolean;
      if (opts.revoke.with === 'form') {
        const t = (await formBody(req)).get('token') ?? '';
        known = !revoked && (refresh.has(t) || access.has(t));
      } else {
        for await (const _ of req); // no body
        const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
        const t = m ? access.get(m[1]) : undefined;
        known = !revoked && Boolean(t && t.expiresAt > Date.now());
      }
      if (!known) {
        json(res, opts.revoke.with === 'form' ? 400 : 401, { error: 'invalid_token' });
        return true;
      }
      revoked = true;
      access.clear();
      stats.revocations++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(opts.revoke.with === 'form' ? '{}' : 'null');
      return true;
    }
    if (url.pathname === opts.authorizePath && req.method === 'GET') {
      const p = url.searchParams;
      if (!checkAuthorize(p, res)) return true;
      const hidden = [...p]
        .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
        .join('');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><title>Sign in</title><h1>Signed in as ${escapeHtml(opts.account.email)}</h1>` +
          `<p>Ferry wants to: ${escapeHtml(p.get('scope') ?? '')}</p>` +
          `<form method="post" action="${escapeHtml(opts.authorizePath)}">${hidden}` +
          `<button name="decision" value="allow">Allow</button><button ` +
          `name="decision" value="deny">Cancel</button></form>`,
      );
      return true;
    }
    if (url.pathname === opts.authorizePath && req.method === 'POST') {
      const p = await formBody(req);
      if (!checkAuthorize(p, res)) return true;
      const state = p.get('state') ?? '';
      const redirectUri = p.get('redirect_uri')!;
      if (p.get('decision') !== 'allow') {
        redirect(res, redirectUri, { error: 'access_denied', state });
        return true;
      }
      const scope = p.get('scope') ?? '';
      const offline =
        Object.entries(opts.offlineParams ?? {}).every(([k, v]) => p.get(k) === v) &&
        (opts.requiredScopes ?? []).every((s) => scope.split(/[ +]/).includes(s));
      const code = token('code-');
      codes.set(code, {
        clientId: opts.clientId,
        redirectUri,
        challenge: p.get('code_challenge') ?? undefined,
        offline,
        scope,
        expiresAt: Date.now() + 600_000,
      });
      revoked = false; // signing in again grants access again
      redirect(res, redirectUri, { code, state });
      return true;
    }
    if (url.pathname === opts.tokenPath && req.method === 'POST') {
      const p = await formBody(req);
      let clientId = p.get('client_id');
      let secret = p.get('client_secret');
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      if (basic) [clientId, secret] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
      if (clientId !== opts.clientId || secret !== opts.clientSecret) {
        json(res, 401, {
          error: 'invalid_client',
          error_description: 'The OAuth client was not found or its secret is wrong.',
        });
        return true;
      }
      const grant = p.get('grant_type');
      if (grant === 'authorization_code') {
        const code = codes.get(p.get('code') ?? '');
        codes.delete(p.get('code') ?? ''); // single use
        if (!code || code.expiresAt < Date.now())
          return (json(res, 400, { error: 'invalid_grant', error_description: 'Malformed auth code.' }), true);
        if (code.redirectUri !== p.get('redirect_uri'))
          return (json(res, 400, { error: 'redirect_uri_mismatch', error_description: 'Bad Request' }), true);
        if (code.challenge) {
          const verifier = p.get('code_verifier') ?? '';
          if (crypto.createHash('sha256').update(verifier).digest('base64url') !== code.challenge) {
            return (json(res, 400, { error: 'invalid_grant', error_description: 'Invalid code verifier.' }), true);
          }
        }
        json(res, 200, issue(code.offline, code.scope));
        return true;
      }
      if (grant === 'refresh_token') {
        const rt = p.get('refresh_token') ?? '';
        if (revoked || !refresh.has(rt)) {
          json(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
          return true;
        }
        stats.refreshes++;
        const body = issue(Boolean(opts.rotateRefreshTokens), p.get('scope') ?? '');
        json(res, 200, body);
        return true;
      }
      json(res, 400, { error: 'unsupported_grant_type', error_description: `Unsupported grant_type ${grant}` });
      return true;
    }
    return false;
  }

  return {
    handle,
    authenticate(req) {
      const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
      if (!m) return { error: 'missing' };
      const t = access.get(m[1]);
      if (!t || revoked) return { error: 'invalid' };
      if (t.expiresAt <= Date.now()) return { error: 'expired' };
      return { account: opts.account };
    },
    issueTokens() {
      const body = issue(true, '');
      return { accessToken: body.access_token as string, refreshToken: body.refresh_token as string, expiresIn: ttl };
    },
    expireAccessTokens() {
      for (const t of access.values()) t.expiresAt = Date.now() - 1;
    },
    revoke() {
      revoked = true;
      access.clear();
    },
    stats,
  };
}

/** An in-memory TokenSource for tests that open a connector directly: refreshes at tokenUrl. */
export function memoryTokens(
  tokenUrl: string,
  clientId: string,
  clientSecret: string,
  tokens: { accessToken: string; refreshToken: string },
): TokenSource & { refreshes: number } {
  let current = { ...tokens };
  let inFlight: Promise<string> | undefined;
  const source = {
    refreshes: 0,
    async get() {
      return current.accessToken;
    },
    async refresh(stale: string) {
      if (current.accessToken !== stale) return current.accessToken;
      inFlight ??= (async () => {
        try {
          const res = await fetch(tokenUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'refresh_token',
              refresh_token: current.refreshToken,
              client_id: clientId,
              client_secret: clientSecret,
            }),
          });
          const body = (await res.json()) as Record<string, string>;
          if (!res.ok)
            throw new CloudError(
              'unauthorized',
              `The sign-in was revoked or has expired (${body.error}): reconnect the cloud.`,
            );
          source.refreshes++;
          current = { accessToken: body.access_token, refreshToken: body.refresh_token ?? current.refreshToken };
          return current.accessToken;
        } finally {
          inFlight = undefined;
        }
      })();
      return inFlight;
    },
  };
  return source;
}
