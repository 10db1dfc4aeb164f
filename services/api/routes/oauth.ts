// Connecting a cloud by signing in (Google Drive, Dropbox, OneDrive): the authorization-code flow
// with PKCE, offline access asked for so Ferry gets a refresh token, and the tokens stored sealed
// as a cloud named after the account. The sign-in's state, verifier and name are kept server-side
// (core/oauth-flows.ts), bound to the session that started it.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { connectors } from '../../../connectors/index.ts';
import { CloudError, type ConnectorDefinition } from '../../../connectors/types.ts';
import { audit } from '../../core/audit.ts';
import { toAppError } from '../../core/clouds.ts';
import { digest } from '../../core/crypto.ts';
import { transaction } from '../../core/db.ts';
import { AppError, errors } from '../../core/errors.ts';
import { links } from '../../core/mail/messages.ts';
import { flatten } from '../../core/names.ts';
import { checkAllowance } from '../../core/plans.ts';
import { authorizeUrl, createOAuthFlows, exchangeCode, FLOW_SECONDS, type Starter } from '../../core/oauth-flows.ts';
import { userOf } from '../auth.ts';
import type { App, Services } from '../app.ts';
import { cloudName, errorsFor } from '../schemas.ts';

const FLOW_MINUTES = FLOW_SECONDS / 60;
const oauthKinds = [...connectors.values()].filter((d) => d.auth === 'oauth').map((d) => d.kind) as [
  string,
  ...string[],
];

/** The signed-in user and the credential they came with: a sign-in is finished only with the one that started it. */
function starterOf(request: FastifyRequest): Starter {
  const user = userOf(request);
  const p = request.principal!;
  if (p.via === 'session') return { userId: user.id, startedBy: `session:${p.sessionDigest}` };
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
  return { userId: user.id, startedBy: `token:${digest(bearer)}` };
}

/** A person's browser, navigating (it asks for a page), rather than an API client asking for JSON. */
const isBrowser = (request: FastifyRequest) => /\btext\/html\b/i.test(String(request.headers.accept ?? ''));

/**
 * Sign-ins run in the browser's address bar: the start and the provider's redirect back are
 * top-level navigations, so an error there must not leave a person on a JSON document. A browser
 * is sent to the app's page for adding a cloud, which shows what happened (the message is read as
 * text, never as HTML) and offers to start again. API clients keep the JSON error (the app's error
 * handler, by rethrowing).
 */
function browserErrors(s: Services) {
  return function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    if (!isBrowser(request)) throw err;
    let code: string;
    let message: string;
    if (err instanceof AppError) {
      code = err.code;
      message =
        err.code === 'unauthorized'
          ? 'You were signed out of Ferry during the sign-in, so nothing was connected. Sign in and start again.'
          : err.message;
      if (err.status >= 500) request.log.warn({ err }, 'sign-in failed');
    } else if (hasZodFastifySchemaValidationErrors(err)) {
      code = 'invalid_request';
      message =
        `This sign-in's address is malformed ` +
        `(${err.validation.map((v) => `${v.instancePath.replace(/^\//, '') || 'query'}: ${v.message}`).join('; ')}` +
        `). Start again from Ferry.`;
    } else if ((err as { statusCode?: number }).statusCode === 429) {
      code = 'rate_limited';
      message = err.message;
    } else {
      // Never the error's own message: it may name server paths or hosts. The log has it.
      request.log.error({ err }, 'unhandled error in a sign-in');
      code = 'internal';
      message =
        `Something went wrong on this server (request ${request.id}); ` +
        `it has been logged. Start again in a moment.`;
    }
    const to = new URL('/clouds/new', s.config.publicUrl);
    to.searchParams.set('error', code);
    to.searchParams.set('message', message);
    return reply.header('cache-control', 'no-store').redirect(to.toString(), 302);
  };
}

export async function oauthRoutes(app: App, s: Services): Promise<void> {
  const flows = createOAuthFlows(s.db);
  const signIns = new Map<
    string,
    {
      def: ConnectorDefinition;
      client: NonNullable<Services['oauthClients'][keyof Services['oauthClients']]>;
      redirectUri: string;
    }
  >();
  for (const def of connectors.values()) {
    const client = def.oauth && s.clouds.unavailable(def) === null ? s.oauthClients[def.oauth.provider] : undefined;
    if (!def.oauth || !client) continue;
    signIns.set(def.kind, { def, client, redirectUri: `${s.config.publicUrl}/api/v1/oauth/${def.kind}/callback` });
  }

  const signInFor = (kind: string) => {
    const f = signIns.get(kind);
    if (f) return f;
    const def = connectors.get(kind)!;
    throw errors.providerUnavailable(
      s.clouds.unavailable(def) ?? `${def.title} cannot be connected on this server yet.`,
    );
  };

  app.get(
    '/oauth/:kind/start',
    {
      // Each start records a sign-in: limited like logins, besides the few a session may keep open.
      config: { rateLimit: { max: s.config.authRateLimit, timeWindow: 60_000 } },
      errorHandler: browserErrors(s),
      schema: {
        tags: ['clouds'],
        summary:
          "Connect a cloud by signing in: redirects to the provider's sign-in page " +
          '(on an error, a browser is redirected to /clouds/new?error=&message=, as from the callback)',
        params: z.strictObject({ kind: z.enum(oauthKinds) }),
        querystring: z.strictObject({
          name: cloudName.optional().describe("The cloud's name; default: the account's email or name"),
        }),
        response: { 302: z.null(), ...errorsFor(400, 401, 403, 422, 429) },
      },
    },
    async (request, reply) => {
      // A provider the plan leaves out is refused before the user signs in to it for nothing.
      await checkAllowance(s.db, userOf(request).id, { cloud: request.params.kind, count: false });
      const { def, client, redirectUri } = signInFor(request.params.kind);
      const { state, codeChallenge } = await flows.start(starterOf(request), def.kind, request.query.name);
      const uri = authorizeUrl(client.authUrl, {
        clientId: client.clientId,
        redirectUri,
        scopes: def.oauth!.scopes,
        state,
        codeChallenge,
        extra: def.oauth!.authorizeParams,
      });
      return reply.redirect(uri, 302);
    },
  );

  app.get(
    '/oauth/:kind/callback',
    {
      errorHandler: browserErrors(s),
      schema: {
        tags: ['clouds'],
        summary:
          'Where the provider sends the browser back: stores the tokens as a cloud and redirects to the ' +
          "cloud's page (?connected=1 or ?reconnected=1). On an error a browser (Accept: text/html) is " +
          'redirected to /clouds/new?error=<code>&message=<message>; other clients get the JSON error',
        params: z.strictObject({ kind: z.enum(oauthKinds) }),
        querystring: z.object({
          code: z.string().max(4096).optional(),
          state: z.string().max(1024).optional(),
          error: z.string().max(200).optional(),
          error_description: z.string().max(2000).optional(),
        }),
        response: { 302: z.null(), ...errorsFor(400, 401, 422, 502) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const { def, client, redirectUri } = signInFor(request.params.kind);
      // Only the session that started this sign-in may finish it, once: with anyone else's session
      // (a state and code lifted from another browser) nothing is taken and nothing is stored.
      const flow = request.query.state
        ? await flows.take(starterOf(request), def.kind, request.query.state)
        : undefined;
      if (request.query.error) {
        throw new AppError(
          'invalid_request',
          400,
          `${def.title} did not grant access (${request.query.error}` +
            `${request.query.error_description ? `: ${request.query.error_description}` : ''}). Start again to ` +
            `connect it.`,
        );
      }
      if (!flow || flow.expired || !request.query.code) {
        throw errors.invalid(
          flow?.expired
            ? `The sign-in took longer than ${FLOW_MINUTES} minutes and has expired: start again.`
            : 'This sign-in does not match one started in this Ferry session ' +
                '(state mismatch, used already, or started by another account): start again from Ferry.',
        );
      }
      let token;
      try {
        token = await exchangeCode(
          client,
          { code: request.query.code, redirectUri, verifier: flow.verifier },
          AbortSignal.timeout(30_000),
        );
      } catch (err) {
        throw errors.cloudUnreachable(`${def.title} refused the sign-in: ${(err as Error).message}. Start again.`, err);
      }
      if (!token.refresh_token) {
        throw errors.invalid(
          `${def.title} did not grant offline access (no refresh token), ` +
            `so backups could not run unattended. Start again and allow access.`,
        );
      }
      let account;
      try {
        account = await def.oauth!.account(token.access_token, s.connectorEnv, AbortSignal.timeout(20_000), {
          idToken: token.id_token,
        });
      } catch (err) {
        throw err instanceof CloudError
          ? toAppError(err)
          : errors.cloudUnreachable(`${def.title} did not say who signed in: ${(err as Error).message}`, err);
      }
      // The account's name comes from the provider: it is shown in mails, so on one line.
      const name = flow.name ?? (flatten(account.name).trim() || def.title);
      const refreshToken = token.refresh_token;
      const { cloud, reconnected } = await transaction(s.db, async (c) => {
        const result = await s.clouds.connectOAuth(c, user.id, {
          kind: def.kind,
          name,
          account,
          tokens: {
            accessToken: token.access_token,
            refreshToken,
            expiresAt: Date.now() + Number(token.expires_in ?? 3600) * 1000,
          },
        });
        await audit(c, {
          userId: user.id,
          action: result.reconnected ? 'cloud.reconnect' : 'cloud.create',
          targetId: result.cloud.id,
          ip: request.ip,
          details: { kind: def.kind },
        });
        return result;
      });
      request.log.info({ cloudId: cloud.id, kind: def.kind, reconnected }, 'cloud connected by sign-in');
      // The cloud's page says it was connected (or reconnected): the app reads the flag, once.
      return reply.redirect(
        `${links.cloud(s.config.publicUrl, cloud.id)}?${reconnected ? 'reconnected' : 'connected'}=1`,
        302,
      );
    },
  );
}
