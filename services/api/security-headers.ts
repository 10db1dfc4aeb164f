// The security headers on every answer (computed by helmet): the web app's content security policy
// (everything from Ferry's own origin, nothing framed, forms posting back to Ferry only), no
// referrer sent outside the origin, and HSTS when users reach Ferry over https. A confirmation page
// sets a stricter policy of its own (routes/confirm-page.ts); the API docs at /docs theirs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import type { Config } from '../core/config.ts';
import type { App } from './app.ts';

export const APP_CSP = {
  defaultSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  styleSrc: ["'self'"],
  scriptSrc: ["'self'"],
  connectSrc: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  objectSrc: ["'none'"],
  // Only where the page itself came over https would upgrading make sense; helmet's default would
  // break a plain-http Ferry on a home network.
  upgradeInsecureRequests: null,
};

/**
 * The headers helmet sets, as names and values, worked out once: they depend on the configuration
 * only. (@fastify/helmet built helmet's middleware again for every request, its policy parsed each
 * time: a twentieth of the API's CPU under load.)
 */
export function securityHeaders(config: Readonly<Config>): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  const apply = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: APP_CSP },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    // HSTS binds browsers to https for a year: only when Ferry's public address is https.
    strictTransportSecurity: config.secureCookies ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    // The app opens provider sign-ins and the Google Photos picker in windows of their own.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
  });
  apply({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return headers;
}

export function registerSecurityHeaders(app: App, config: Readonly<Config>): void {
  const headers = securityHeaders(config);
  // First thing, so that every answer has them: a page, the API, an error, the router's 404.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
