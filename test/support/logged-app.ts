// A second API on a test app's database whose log lines are kept, to check what Ferry logs; and raw
// HTTP over TCP, for what app.inject cannot send (malformed requests, oversized headers).
import net from 'node:net';
import { Writable } from 'node:stream';
import { buildApp, type App } from '../../services/api/app.ts';
import type { Config } from '../../services/core/config.ts';
import { createLogger } from '../../services/core/logger.ts';
import type { TestApp } from './app.ts';

export interface LoggedApp {
  app: App;
  /** Every log line so far, parsed. */
  lines: Record<string, any>[];
  /** Everything logged so far, as written. */
  text(): string;
}

/** `routes` may add routes (for errors no real route produces) before the app is ready. */
export async function loggedApp(
  t: TestApp,
  opts: { config?: Partial<Config>; routes?: (app: App) => void; level?: string } = {},
): Promise<LoggedApp> {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      raw.push(String(chunk));
      done();
    },
  });
  const logger = createLogger(opts.level ?? 'info', sink);
  const app = await buildApp({
    config: { ...t.config, ...opts.config },
    db: t.db,
    boss: t.boss,
    keyring: t.keyring,
    logger,
  });
  opts.routes?.(app);
  await app.ready();
  return {
    app,
    get lines() {
      return raw
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    },
    text: () => raw.join(''),
  };
}

/** Sends `request` as written on a new connection; resolves with what came back before it closed. */
export function rawRequest(
  port: number,
  request: string | Buffer,
): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    // The server may close while a too-large request is still being written: what it answered counts.
    socket.on('error', (err) => chunks.length === 0 && reject(err));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        headers: head,
        body: rest.join('\r\n\r\n'),
      });
    });
    socket.end(request);
  });
}
