// The security headers on every answer (@fastify/helmet): the web app's content security policy
// (everything from Ferry's own origin, nothing framed, forms posting back to Ferry only), no
// referrer sent outside the origin, and HSTS when users reach Ferry over https. A confirmation page
// sets a stricter policy of its own (routes/confirm-page.ts); the API docs at /docs theirs.
import helmet from '@fastify/helmet';
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

export async function registerSecurityHeaders(app: App, config: Readonly<Config>): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: APP_CSP },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    // HSTS binds browsers to https for a year: only when Ferry's public address is https.
    strictTransportSecurity: config.secureCookies ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    // The app opens provider sign-ins and the Google Photos picker in windows of their own.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
  });
}
