// Structured JSON logs (pino), with every place a secret could appear redacted.
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secretAccessKey',
  '*.accessKeyId',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
  '*.secrets',
  '*.csrfToken',
];

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remoteAddress?: string; remotePort?: number };
}

/** A URL without its query string: mailed links and OAuth callbacks carry their secrets there. */
export function pathOf(url: string | undefined): string | undefined {
  return url?.split('?')[0];
}

// Replaces Fastify's request serializer (the logger's own serializers take precedence over it).
const serializers = {
  req: (req: LoggedRequest) => ({
    method: req.method,
    url: pathOf(req.url),
    host: req.host,
    remoteAddress: req.ip ?? req.socket?.remoteAddress,
    remotePort: req.socket?.remotePort,
  }),
};

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, serializers, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    destination as pino.DestinationStream | undefined,
  );
}
