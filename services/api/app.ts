// buildApp: the Fastify application, built from its dependencies and never listening by itself.
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { PgBoss } from 'pg-boss';
import type { ConnectorEnv } from '../../connectors/types.ts';
import { createAccounts } from '../core/accounts.ts';
import { createClouds, oauthClientsOf } from '../core/clouds.ts';
import { connectorEnvOf, type Config } from '../core/config.ts';
import { httpRequests } from '../core/metrics.ts';
import type { Keyring } from '../core/crypto.ts';
import type { Db } from '../core/db.ts';
import { AppError } from '../core/errors.ts';
import { createNotifier } from '../core/notifications.ts';
import { createRuns } from '../core/runs.ts';
import { createSnapshots } from '../core/snapshots.ts';
import { createTasks } from '../core/tasks.ts';
import { createTwoFactor } from '../core/two-factor.ts';
import { requireUser } from './auth.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import { serializerCompiler } from './serializer.ts';
import { clientErrorHandler, frameworkErrors, installErrorHandler } from './error-handler.ts';
import { accountRoutes, publicAccountRoutes } from './routes/account.ts';
import { adminRoutes } from './routes/admin.ts';
import { authRoutes, publicAuthRoutes } from './routes/auth.ts';
import { cloudActionRoutes } from './routes/cloud-actions.ts';
import { cloudRoutes, providerRoutes } from './routes/clouds.ts';
import { healthRoutes } from './routes/health.ts';
import { notifyAddressRoutes } from './routes/links.ts';
import { oauthRoutes } from './routes/oauth.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { runRoutes } from './routes/runs.ts';
import { snapshotRoutes } from './routes/snapshots.ts';
import { taskRoutes } from './routes/tasks.ts';
import { loadWebApp } from './web-app.ts';

export interface AppDeps {
  config: Readonly<Config>;
  db: Db;
  boss: PgBoss;
  keyring: Keyring;
  logger: FastifyBaseLogger | false;
  /** Aborted when the process shuts down: long-lived responses (event streams) end with it. */
  closing?: AbortSignal;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: { method: string; url: string }[];
  }
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export function createServices(deps: AppDeps) {
  const connectorEnv: ConnectorEnv = connectorEnvOf(deps.config);
  const notifier = createNotifier({ boss: deps.boss, publicUrl: deps.config.publicUrl });
  const oauthClients = oauthClientsOf(deps.config);
  // Tasks open their destination to see whether it can keep versions (options.versions needs move).
  const clouds = createClouds(deps.db, deps.keyring, connectorEnv, {
    clients: oauthClients,
    onRevoked: (c, cloudId, reason) => notifier.cloudNeedsReauth(c, cloudId, reason),
  });
  return {
    config: deps.config,
    db: deps.db,
    boss: deps.boss,
    connectorEnv,
    closing: deps.closing ?? new AbortController().signal,
    accounts: createAccounts(deps.db, { loginFailureLimit: deps.config.loginFailureLimit, admins: deps.config.admins }),
    oauthClients,
    clouds,
    tasks: createTasks(deps.db, {
      keyring: deps.keyring,
      allowPrivateEndpoints: deps.config.allowPrivateEndpoints,
      clouds,
    }),
    notifier,
    runs: createRuns(deps.db, deps.boss),
    snapshots: createSnapshots(deps.db),
    twoFactor: createTwoFactor(deps.db, deps.keyring),
    keyring: deps.keyring,
  };
}
export type Services = ReturnType<typeof createServices>;

// JSON bodies here are small (a task is well under 16 KiB); anything larger is refused unread.
const BODY_LIMIT = 64 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

export async function buildApp(deps: AppDeps): Promise<App> {
  const s = createServices(deps);
  const app = Fastify({
    loggerInstance: deps.logger || undefined,
    logger: deps.logger ? undefined : false,
    bodyLimit: BODY_LIMIT,
    // Behind a reverse proxy, request.ip must be the client's for rate limits and the audit log;
    // X-Forwarded-For is believed only from the proxies the operator named, or anyone could forge it.
    trustProxy: deps.config.trustedProxies.length ? deps.config.trustedProxies : false,
    routerOptions: { ignoreTrailingSlash: true },
    // Errors raised before a request reaches a route answer in the one error shape too.
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  // A request (headers and body; not the answer, which may be a live event stream) must arrive
  // within this: a client that trickles one in holds no connection for long. (Set on the server, not
  // as Fastify's option, which leaves a timer behind a server that never listens: the tests'.)
  app.server.requestTimeout = REQUEST_TIMEOUT_MS;

  // Every route, as registered: the OpenAPI and isolation tests check that none is forgotten.
  const routeTable: { method: string; url: string }[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routeTable.push({ method, url: r.url });
  });
  // Every answer counted by its route's pattern (never the URL: no ids in labels) and status.
  app.addHook('onResponse', async (request, reply) => {
    httpRequests.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app, loadWebApp());
  app.decorateRequest('principal', null);

  registerSecurityHeaders(app, deps.config);
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => {
      const err = new AppError(
        'rate_limited',
        429,
        `Too many attempts: try again in ${Math.ceil(ctx.ttl / 1000)} seconds.`,
      );
      return Object.assign(err, { statusCode: 429 });
    },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Ferry',
        version: '1',
        description:
          'Cloud-to-cloud backup. Browsers authenticate with the session cookie and send x-csrf-token on changes; ' +
          'API clients send Authorization: Bearer <personal access token>.',
      },
      servers: [{ url: deps.config.publicUrl }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'ferry_session' },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  healthRoutes(app, s);
  metricsRoutes(app, s);
  await app.register(
    async (api: App) => {
      publicAuthRoutes(api, s);
      publicAccountRoutes(api, s);
      // The recipient of a notification address may have no account: no sign-in.
      notifyAddressRoutes(api, s);
      providerRoutes(api, s);
      await api.register(async (signedIn: App) => {
        signedIn.addHook('onRequest', requireUser(s.accounts));
        signedIn.addHook('onRoute', (route) => {
          route.schema = { ...route.schema, security: [{ session: [] }, { token: [] }] };
        });
        authRoutes(signedIn, s);
        accountRoutes(signedIn, s);
        cloudRoutes(signedIn, s);
        cloudActionRoutes(signedIn, s);
        await oauthRoutes(signedIn, s);
        taskRoutes(signedIn, s);
        runRoutes(signedIn, s);
        snapshotRoutes(signedIn, s);
        await signedIn.register(async (admins: App) => adminRoutes(admins, s));
      });
    },
    { prefix: '/api/v1' },
  );
  return app;
}
