// Configuration: read from the environment once, validated, frozen and passed down.
// Nothing else in Ferry reads process.env (see DESIGN §4 for the names).
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import type { ConnectorEnv } from '../../connectors/types.ts';

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
  FERRY_GOOGLE_CLIENT_ID: z.string().optional(),
  FERRY_GOOGLE_CLIENT_SECRET: z.string().optional(),
  FERRY_DROPBOX_CLIENT_ID: z.string().optional(),
  FERRY_DROPBOX_CLIENT_SECRET: z.string().optional(),
  FERRY_MS_CLIENT_ID: z.string().optional(),
  FERRY_MS_CLIENT_SECRET: z.string().optional(),
  FERRY_GOOGLE_AUTH_URL: url.default('https://accounts.google.com/o/oauth2/v2/auth'),
  FERRY_GOOGLE_TOKEN_URL: url.default('https://oauth2.googleapis.com/token'),
  FERRY_GOOGLE_PHOTOS_URL: url.default('https://photoslibrary.googleapis.com'),
  FERRY_GOOGLE_PICKER_URL: url.default('https://photospicker.googleapis.com'),
  FERRY_GOOGLE_DRIVE_URL: url.default('https://www.googleapis.com'),
  FERRY_DROPBOX_AUTH_URL: url.default('https://www.dropbox.com/oauth2/authorize'),
  FERRY_DROPBOX_TOKEN_URL: url.default('https://api.dropboxapi.com/oauth2/token'),
  FERRY_DROPBOX_API_URL: url.default('https://api.dropboxapi.com'),
  FERRY_DROPBOX_CONTENT_URL: url.default('https://content.dropboxapi.com'),
  FERRY_MS_AUTH_URL: url.default('https://login.microsoftonline.com/common/oauth2/v2.0/authorize'),
  FERRY_MS_TOKEN_URL: url.default('https://login.microsoftonline.com/common/oauth2/v2.0/token'),
  FERRY_GRAPH_URL: url.default('https://graph.microsoft.com'),
  FERRY_LOCAL_ROOTS: z.string().optional(),
  FERRY_ALLOW_PRIVATE_ENDPOINTS: bool,
  FERRY_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  FERRY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Attempts per minute and address on signup and login.
  FERRY_AUTH_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  FERRY_TRUSTED_PROXIES: z.string().optional(),
  // Failed logins per account within 15 minutes before its logins are refused for the rest of them.
  FERRY_LOGIN_FAILURE_LIMIT: z.coerce.number().int().min(1).default(10),
});

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
  oauth: {
    google: { clientId?: string; clientSecret?: string; authUrl: string; tokenUrl: string };
    dropbox: { clientId?: string; clientSecret?: string; authUrl: string; tokenUrl: string };
    microsoft: { clientId?: string; clientSecret?: string; authUrl: string; tokenUrl: string };
  };
  endpoints: {
    googlePhotos: string;
    googlePicker: string;
    googleDrive: string;
    dropboxApi: string;
    dropboxContent: string;
    graph: string;
  };
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
  /** Secure cookies when users reach Ferry over https. */
  secureCookies: boolean;
}

export class ConfigError extends Error {}

/** What connectors may see of the configuration. */
export function connectorEnvOf(
  config: Pick<Config, 'localRoots' | 'allowPrivateEndpoints' | 'endpoints'>,
): ConnectorEnv {
  return {
    localRoots: config.localRoots,
    allowPrivateEndpoints: config.allowPrivateEndpoints,
    endpoints: config.endpoints,
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
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
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
    oauth: {
      google: {
        clientId: e.FERRY_GOOGLE_CLIENT_ID,
        clientSecret: e.FERRY_GOOGLE_CLIENT_SECRET,
        authUrl: e.FERRY_GOOGLE_AUTH_URL,
        tokenUrl: e.FERRY_GOOGLE_TOKEN_URL,
      },
      dropbox: {
        clientId: e.FERRY_DROPBOX_CLIENT_ID,
        clientSecret: e.FERRY_DROPBOX_CLIENT_SECRET,
        authUrl: e.FERRY_DROPBOX_AUTH_URL,
        tokenUrl: e.FERRY_DROPBOX_TOKEN_URL,
      },
      microsoft: {
        clientId: e.FERRY_MS_CLIENT_ID,
        clientSecret: e.FERRY_MS_CLIENT_SECRET,
        authUrl: e.FERRY_MS_AUTH_URL,
        tokenUrl: e.FERRY_MS_TOKEN_URL,
      },
    },
    endpoints: {
      googlePhotos: e.FERRY_GOOGLE_PHOTOS_URL,
      googlePicker: e.FERRY_GOOGLE_PICKER_URL,
      googleDrive: e.FERRY_GOOGLE_DRIVE_URL,
      dropboxApi: e.FERRY_DROPBOX_API_URL,
      dropboxContent: e.FERRY_DROPBOX_CONTENT_URL,
      graph: e.FERRY_GRAPH_URL,
    },
    localRoots,
    allowPrivateEndpoints: e.FERRY_ALLOW_PRIVATE_ENDPOINTS,
    role: e.FERRY_ROLE,
    logLevel: e.FERRY_LOG_LEVEL,
    authRateLimit: e.FERRY_AUTH_RATE_LIMIT,
    trustedProxies,
    loginFailureLimit: e.FERRY_LOGIN_FAILURE_LIMIT,
    secureCookies: publicUrl.startsWith('https:'),
  });
}
