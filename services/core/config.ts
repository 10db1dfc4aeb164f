// Configuration: read from the environment once, validated, frozen and passed down.
// Nothing else in Ferry reads process.env. The service's own variables are listed here; those of
// the providers (OAuth clients, API base URLs) are the ones the registered connectors declare.
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { connectors } from '../../connectors/index.ts';
import { AccountRegistry } from '../../connectors/lib/registry.ts';
import { OAUTH_CLIENTS, type OAuthProvider } from '../../connectors/oauth.ts';
import type { ConnectorEnv, EndpointName } from '../../connectors/types.ts';

const bool = z
  .enum(['', '0', '1', 'true', 'false'])
  .default('')
  .transform((v) => v === '1' || v === 'true');

// Base URLs are kept without a trailing slash: paths are appended to them.
const url = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

const schema = z.object({
  DATABASE_URL: z.string().min(1).optional(),
  FERRY_DATA_DIR: z.string().min(1).default('./.ferry'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  FERRY_PUBLIC_URL: url.optional(),
  FERRY_SECRET_KEY: z.string().min(1).optional(),
  SMTP_URL: z.string().min(1).optional(),
  FERRY_MAIL_FROM: z.string().min(3).default('Ferry <ferry@localhost>'),
  FERRY_VERIFY_EMAIL: bool,
  FERRY_LOCAL_ROOTS: z.string().optional(),
  FERRY_ALLOW_PRIVATE_ENDPOINTS: bool,
  FERRY_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  FERRY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Attempts per minute and address on signup and login.
  FERRY_AUTH_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  FERRY_TRUSTED_PROXIES: z.string().optional(),
  // Failed logins per account within 15 minutes before its logins are refused for the rest of them.
  FERRY_LOGIN_FAILURE_LIMIT: z.coerce.number().int().min(1).default(10),
  // How long an item a worker copies stays with it once the worker stops renewing its hold (it died,
  // froze or lost the database): another worker takes the item up and resumes its upload after this.
  FERRY_LEASE_SECONDS: z.coerce.number().int().min(3).max(3600).default(20),
  // How long a stopping process (SIGTERM) gives its work to finish or checkpoint before it exits.
  FERRY_SHUTDOWN_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  // Bearer token that /metrics asks for; unset: /metrics on the API's port answers 404.
  FERRY_METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  // A port of its own where any process (a worker too) serves /metrics without a token; unset: none.
  FERRY_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  // Comma-separated emails of the administrators (with a confirmed address; see accounts.ts administers).
  FERRY_ADMINS: z.string().optional(),
});

/** The OAuth providers the registered connectors sign in with. */
const oauthProviders = (): OAuthProvider[] => [
  ...new Set([...connectors.values()].flatMap((d) => (d.oauth ? [d.oauth.provider] : []))),
];

/** The variables the registered connectors declare: their OAuth clients and API base URLs. */
function connectorVariables(): Record<string, z.ZodType> {
  const vars: Record<string, z.ZodType> = {};
  for (const provider of oauthProviders()) {
    const c = OAUTH_CLIENTS[provider];
    vars[`${c.env}_CLIENT_ID`] = z.string().optional();
    vars[`${c.env}_CLIENT_SECRET`] = z.string().optional();
    vars[`${c.env}_AUTH_URL`] = url.default(c.authUrl);
    vars[`${c.env}_TOKEN_URL`] = url.default(c.tokenUrl);
  }
  for (const def of connectors.values())
    for (const e of Object.values(def.endpoints ?? {})) vars[e.env] = url.default(e.default);
  return vars;
}

export type Role = 'all' | 'api' | 'worker';

export interface Config {
  databaseUrl?: string;
  dataDir: string;
  port: number;
  host: string;
  publicUrl: string;
  /** Raw FERRY_SECRET_KEY; parsed and checked by the keyring. */
  secretKey?: string;
  smtpUrl?: string;
  mailFrom: string;
  /** New accounts confirm their address through a mailed link before they can create tasks. */
  verifyEmail: boolean;
  /** The OAuth client of each provider the connectors sign in with. */
  oauth: Partial<Record<OAuthProvider, OAuthClientConfig>>;
  endpoints: ConnectorEnv['endpoints'];
  /** Absolute, normalised folders the local connector may use; empty: local connector off. */
  localRoots: string[];
  allowPrivateEndpoints: boolean;
  role: Role;
  logLevel: string;
  authRateLimit: number;
  /**
   * Addresses and CIDR ranges of the reverse proxies in front of the API: only their
   * X-Forwarded-For is believed. Empty: the client is whoever connects.
   */
  trustedProxies: string[];
  loginFailureLimit: number;
  /** Seconds an item stays with a worker that stopped renewing its hold (FERRY_LEASE_SECONDS). */
  leaseSeconds: number;
  /** Seconds a stopping process gives its work to finish or checkpoint (FERRY_SHUTDOWN_SECONDS). */
  shutdownSeconds: number;
  /** The bearer token /metrics asks for on the API's port; undefined: no /metrics there. */
  metricsToken?: string;
  /** A port of its own for /metrics, in any role; undefined: none. */
  metricsPort?: number;
  /** Lower-cased emails of the administrators named by FERRY_ADMINS. */
  admins: string[];
  /** Secure cookies when users reach Ferry over https. */
  secureCookies: boolean;
}

export interface OAuthClientConfig {
  clientId?: string;
  clientSecret?: string;
  authUrl: string;
  tokenUrl: string;
}

export class ConfigError extends Error {}

// The API and the worker of one process are built from the one configuration it loaded: they share
// its registry, so an account has one pacer in the process whichever side calls its provider.
const registries = new WeakMap<object, AccountRegistry>();

/** What connectors may see of the configuration, and the process's per-account state (pacers, batchers). */
export function connectorEnvOf(
  config: Pick<Config, 'localRoots' | 'allowPrivateEndpoints' | 'endpoints'>,
): ConnectorEnv {
  let accounts = registries.get(config);
  if (!accounts) registries.set(config, (accounts = new AccountRegistry()));
  return {
    localRoots: config.localRoots,
    allowPrivateEndpoints: config.allowPrivateEndpoints,
    endpoints: config.endpoints,
    accounts,
  };
}

/** An IP address or a CIDR range (10.0.0.0/8, fd00::/8). */
function isAddressOrRange(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  const family = net.isIP(address);
  if (!family || rest.length) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  // An empty variable means "unset", as in most shells' `FOO= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  const declared = z.object(connectorVariables()).safeParse(present);
  if (!parsed.success || !declared.success) {
    const issues = [...(parsed.error?.issues ?? []), ...(declared.error?.issues ?? [])];
    const lines = issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const v = declared.data as Record<string, unknown>;
  const str = (name: string) => v[name] as string;
  const oauth: Config['oauth'] = {};
  for (const provider of oauthProviders()) {
    const env = OAUTH_CLIENTS[provider].env;
    oauth[provider] = {
      clientId: v[`${env}_CLIENT_ID`] as string | undefined,
      clientSecret: v[`${env}_CLIENT_SECRET`] as string | undefined,
      authUrl: str(`${env}_AUTH_URL`),
      tokenUrl: str(`${env}_TOKEN_URL`),
    };
  }
  const endpoints = {} as Config['endpoints'];
  for (const def of connectors.values())
    for (const [name, setting] of Object.entries(def.endpoints ?? {}))
      endpoints[name as EndpointName] = str(setting.env);
  const host = e.HOST;
  const publicUrl = (e.FERRY_PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${e.PORT}`).replace(
    /\/+$/,
    '',
  );
  const localRoots = (e.FERRY_LOCAL_ROOTS ?? '')
    .split(':')
    .filter(Boolean)
    .map((root) => {
      if (!path.isAbsolute(root))
        throw new ConfigError(`Invalid configuration:\n  FERRY_LOCAL_ROOTS: "${root}" is not an absolute path`);
      return path.resolve(root);
    });
  const trustedProxies = (e.FERRY_TRUSTED_PROXIES ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      if (!isAddressOrRange(p))
        throw new ConfigError(
          `Invalid configuration:\n  FERRY_TRUSTED_PROXIES: "${p}" is not an IP address or a CIDR range`,
        );
      return p;
    });
  const admins = (e.FERRY_ADMINS ?? '')
    .split(',')
    .map((a) => a.trim().toLowerCase())
    .filter(Boolean)
    .map((a) => {
      if (!/^[^\s@]+@[^\s@]+$/.test(a))
        throw new ConfigError(`Invalid configuration:\n  FERRY_ADMINS: "${a}" is not an email address`);
      return a;
    });
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.FERRY_DATA_DIR),
    port: e.PORT,
    host,
    publicUrl,
    secretKey: e.FERRY_SECRET_KEY,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.FERRY_MAIL_FROM,
    verifyEmail: e.FERRY_VERIFY_EMAIL,
    oauth,
    endpoints,
    localRoots,
    allowPrivateEndpoints: e.FERRY_ALLOW_PRIVATE_ENDPOINTS,
    role: e.FERRY_ROLE,
    logLevel: e.FERRY_LOG_LEVEL,
    authRateLimit: e.FERRY_AUTH_RATE_LIMIT,
    trustedProxies,
    loginFailureLimit: e.FERRY_LOGIN_FAILURE_LIMIT,
    leaseSeconds: e.FERRY_LEASE_SECONDS,
    shutdownSeconds: e.FERRY_SHUTDOWN_SECONDS,
    metricsToken: e.FERRY_METRICS_TOKEN,
    metricsPort: e.FERRY_METRICS_PORT,
    admins,
    secureCookies: publicUrl.startsWith('https:'),
  });
}
