// Connecting a cloud by signing in (Google Drive, Dropbox, OneDrive): the authorization-code flow
// with PKCE and a state cookie (@fastify/oauth2), offline access asked for so Ferry gets a refresh
// token, and the tokens stored sealed as a cloud named after the account.
import oauth2, { type OAuth2Namespace } from '@fastify/oauth2';
import { z } from 'zod';
import { connectors } from '../../../connectors/index.ts';
import { CloudError, type ConnectorDefinition } from '../../../connectors/types.ts';
import { audit } from '../../core/audit.ts';
import { toAppError } from '../../core/clouds.ts';
import { transaction } from '../../core/db.ts';
import { AppError, errors } from '../../core/errors.ts';
import { links } from '../../core/mail/messages.ts';
import { userOf } from '../auth.ts';
import type { App, Services } from '../app.ts';
import { cloudName, errorsFor } from '../schemas.ts';

const oauthKinds = [...connectors.values()].filter((d) => d.auth === 'oauth').map((d) => d.kind) as [string, ...string[]];
const namespace = (kind: string) => `oauth_${kind.replace(/-/g, '_')}`;
const NAME_COOKIE = 'ferry_oauth_name';
const FLOW_SECONDS = 600;

export async function oauthRoutes(app: App, s: Services): Promise<void> {
  const flows = new Map<string, { def: ConnectorDefinition; flow: OAuth2Namespace }>();
  for (const def of connectors.values()) {
    const client = def.oauth && s.clouds.unavailable(def) === null ? s.oauthClients[def.oauth.provider] : undefined;
    if (!def.oauth || !client) continue;
    const auth = new URL(client.authUrl);
    const token = new URL(client.tokenUrl);
    const cookiePath = `/api/v1/oauth/${def.kind}`;
    await app.register(oauth2, {
      name: namespace(def.kind),
      scope: def.oauth.scopes,
      credentials: {
        client: { id: client.clientId, secret: client.clientSecret },
        auth: { authorizeHost: auth.origin, authorizePath: auth.pathname, tokenHost: token.origin, tokenPath: token.pathname },
        options: { authorizationMethod: 'body' },
      },
      callbackUri: `${s.config.publicUrl}${cookiePath}/callback`,
      callbackUriParams: def.oauth.authorizeParams,
      pkce: 'S256',
      cookie: { secure: s.config.secureCookies, path: cookiePath, maxAge: FLOW_SECONDS },
      redirectStateCookieName: 'ferry_oauth_state',
      verifierCookieName: 'ferry_oauth_verifier',
    });
    flows.set(def.kind, { def, flow: (app as unknown as Record<string, OAuth2Namespace>)[namespace(def.kind)] });
  }

  const flowFor = (kind: string) => {
    const f = flows.get(kind);
    if (f) return f;
    const def = connectors.get(kind)!;
    throw errors.providerUnavailable(s.clouds.unavailable(def) ?? `${def.title} cannot be connected on this server yet.`);
  };

  app.get(
    '/oauth/:kind/start',
    {
      schema: {
        tags: ['clouds'],
        summary: "Connect a cloud by signing in: redirects to the provider's sign-in page",
        params: z.strictObject({ kind: z.enum(oauthKinds) }),
        querystring: z.strictObject({ name: cloudName.optional().describe("The cloud's name; default: the account's email or name") }),
        response: { 302: z.null(), ...errorsFor(400, 401, 422) },
      },
    },
    async (request, reply) => {
      const { flow } = flowFor(request.params.kind);
      const uri = await flow.generateAuthorizationUri(request, reply);
      const path = `/api/v1/oauth/${request.params.kind}`;
      if (request.query.name) reply.setCookie(NAME_COOKIE, request.query.name, { httpOnly: true, sameSite: 'lax', secure: s.config.secureCookies, path, maxAge: FLOW_SECONDS });
      return reply.redirect(uri, 302);
    },
  );

  app.get(
    '/oauth/:kind/callback',
    {
      schema: {
        tags: ['clouds'],
        summary: 'Where the provider sends the browser back: stores the tokens as a cloud and redirects to it',
        params: z.strictObject({ kind: z.enum(oauthKinds) }),
        querystring: z.object({ code: z.string().max(4096).optional(), state: z.string().max(1024).optional(), error: z.string().max(200).optional(), error_description: z.string().max(2000).optional() }),
        response: { 302: z.null(), ...errorsFor(400, 401, 422, 502) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const { def, flow } = flowFor(request.params.kind);
      const path = `/api/v1/oauth/${def.kind}`;
      const done = () => {
        for (const name of [NAME_COOKIE, 'ferry_oauth_state', 'ferry_oauth_verifier']) reply.clearCookie(name, { path });
      };
      if (request.query.error) {
        done();
        throw new AppError('invalid_request', 400, `${def.title} did not grant access (${request.query.error}${request.query.error_description ? `: ${request.query.error_description}` : ''}). Start again to connect it.`);
      }
      let token;
      try {
        ({ token } = await flow.getAccessTokenFromAuthorizationCodeFlow(request, reply));
      } catch (err) {
        done();
        if ((err as Error).message === 'Invalid state') throw errors.invalid('The sign-in could not be matched to one this browser started (state mismatch or expired): start again.');
        throw errors.cloudUnreachable(`${def.title} refused the sign-in: ${(err as Error).message}. Start again.`, err);
      }
      if (!token.refresh_token) {
        done();
        throw errors.invalid(`${def.title} did not grant offline access (no refresh token), so backups could not run unattended. Start again and allow access.`);
      }
      let account;
      try {
        const idToken = (token as { id_token?: string }).id_token;
        account = await def.oauth!.account(token.access_token, s.connectorEnv, AbortSignal.timeout(20_000), { idToken });
      } catch (err) {
        done();
        throw err instanceof CloudError ? toAppError(err) : errors.cloudUnreachable(`${def.title} did not say who signed in: ${(err as Error).message}`, err);
      }
      const name = request.cookies[NAME_COOKIE] || account.name;
      const { cloud, reconnected } = await transaction(s.db, async (c) => {
        const result = await s.clouds.connectOAuth(c, user.id, {
          kind: def.kind,
          name,
          account,
          tokens: { accessToken: token.access_token, refreshToken: token.refresh_token, expiresAt: Date.now() + Number(token.expires_in ?? 3600) * 1000 },
        });
        await audit(c, { userId: user.id, action: result.reconnected ? 'cloud.reconnect' : 'cloud.create', targetId: result.cloud.id, ip: request.ip, details: { kind: def.kind } });
        return result;
      });
      done();
      request.log.info({ cloudId: cloud.id, kind: def.kind, reconnected }, 'cloud connected by sign-in');
      return reply.redirect(links.cloud(s.config.publicUrl, cloud.id), 302);
    },
  );
}
