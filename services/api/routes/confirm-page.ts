// The small pages a mailed confirmation link opens (an account's address, a notification address).
// Opening a link changes nothing — mail security scanners fetch every link in a mail — so each page
// shows what would be confirmed, with a button that posts the token back; only that POST confirms.
// The pages are whole documents of their own: nothing loaded from elsewhere, no script, and a
// policy that allows only their one style sheet and a form posting back to Ferry.
import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../app.ts';

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem ' +
  'auto;padding:0 1rem;line-height:1.5;color:#1f2328}' +
  'button{font:inherit;padding:.5rem 1rem;background:#0969da;color:#fff;border:0;border-radius:6px;cursor:pointer}';
const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${crypto.createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function sendPage(reply: FastifyReply, status: number, title: string, bodyHtml: string) {
  return (
    reply
      .code(status)
      .header('content-security-policy', CSP)
      // The link's token is in the page's address: sent on to no one, kept in no cache.
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .header('x-frame-options', 'DENY')
      .header('x-content-type-options', 'nosniff')
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta ` +
          `name="viewport" content="width=device-width,initial-scale=1">` +
          `<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
          `<body><h1>${escapeHtml(title)}</h1>${bodyHtml}</body></html>`,
      )
  );
}

/** The page for a link that is unknown, used or expired. */
export const sendUnusableLink = (reply: FastifyReply, message: string) =>
  sendPage(reply, 400, 'This link cannot be used', `<p>${escapeHtml(message)}</p>`);

/** A page with one button that posts the token to `action` (relative: wherever Ferry is reached). */
export const confirmForm = (action: string, token: string, label: string) =>
  `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="token" value="${escapeHtml(token)}">` +
  `<button type="submit">${escapeHtml(label)}</button></form>`;

/** Browsers (and the page's form) get pages; a request that asks for JSON, or sends it, gets JSON. */
export function wantsJson(request: FastifyRequest): boolean {
  const accept = String(request.headers.accept ?? '');
  if (/\btext\/html\b/i.test(accept)) return false;
  if (/\bapplication\/json\b/i.test(accept)) return true;
  return request.method === 'POST' && /\bjson\b/i.test(String(request.headers['content-type'] ?? ''));
}

export const pageResponse = (json: z.ZodType) => ({
  content: { 'text/html': { schema: z.string() }, 'application/json': { schema: json } },
});

/**
 * Lets the routes registered in `scope` take the page's urlencoded form. Only those: elsewhere a
 * form from another site must not pass for an API call.
 */
export function acceptForm(scope: App): void {
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4096 },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    },
  );
}
