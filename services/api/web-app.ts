// The web app (services/web), served by Ferry on its own origin. Vite writes it to services/web/dist
// at `npm install`: hashed files under /assets/ that never change (cached for a year), and one
// index.html that every page of the app answers with (never cached, so a new build is picked up at
// once). Nothing here registers a route: the app's paths are whatever the API does not answer, so
// the not-found handler serves them, and /api, /docs, /openapi.json, /healthz and /readyz keep
// their meaning.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const WEB_DIST = path.resolve(import.meta.dirname, '../web/dist');

// Paths that belong to the API or the server: a miss there is the API's 404, never the app.
const RESERVED = /^\/(api|docs|openapi\.json|healthz|readyz|metrics)(\/|$|\?)/;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

interface File {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
}

export interface WebApp {
  /** Answers the request if it is one of the app's files or pages; false when it is not. */
  serve(request: FastifyRequest, reply: FastifyReply): boolean;
}

/**
 * Loads the built app into memory once (about half a megabyte, gzipped beside), so serving it
 * costs no file system access. Without a build, pages say how to make one.
 */
export function loadWebApp(dir = WEB_DIST): WebApp {
  const files = new Map<string, File>();
  const add = (urlPath: string, file: string) => {
    const body = fs.readFileSync(file);
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    const gzip =
      /^(text|application\/json|image\/svg)/.test(type) && body.length > 1024
        ? zlib.gzipSync(body, { level: 9 })
        : null;
    files.set(urlPath, { body, gzip, type });
  };
  let index: File | null = null;
  if (fs.existsSync(path.join(dir, 'index.html'))) {
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const full = path.join(entry.parentPath, entry.name);
      add(`/${path.relative(dir, full).split(path.sep).join('/')}`, full);
    }
    index = files.get('/index.html')!;
    index.type = 'text/html; charset=utf-8';
  }

  const send = (request: FastifyRequest, reply: FastifyReply, file: File, cache: string) => {
    const gzip = file.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    reply
      .code(200)
      .header('content-type', file.type)
      .header('cache-control', cache)
      .header('vary', 'accept-encoding')
      .header('x-content-type-options', 'nosniff');
    if (gzip) reply.header('content-encoding', 'gzip');
    reply.send(gzip ? file.gzip : file.body);
  };

  return {
    serve(request, reply) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      const url = request.url.split('?')[0];
      if (RESERVED.test(url)) return false;
      if (url.startsWith('/assets/')) {
        const file = files.get(url);
        if (!file) return false;
        send(request, reply, file, 'public, max-age=31536000, immutable');
        return true;
      }
      const file = files.get(url);
      if (file && url !== '/index.html') {
        send(request, reply, file, 'public, max-age=3600');
        return true;
      }
      // Any other path is one of the app's pages, for a browser that asks for a page.
      if (!String(request.headers.accept ?? '').includes('text/html')) return false;
      if (!index) {
        reply
          .code(503)
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(
            '<!doctype html><title>Ferry</title><p>The web app is not built. ' +
              'Run <code>npm install</code> (or <code>npm run build</code>) and start Ferry again.</p>',
          );
        return true;
      }
      // Its security headers are every answer's (security-headers.ts).
      send(request, reply, index, 'no-cache');
      return true;
    },
  };
}
