// Runs: their state, their items, live progress and cancelling.
import { z } from 'zod';
import { audit } from '../../core/audit.ts';
import { transaction } from '../../core/db.ts';
import { runNotifications } from '../../core/notifications.ts';
import { isFinished } from '../../core/runs.ts';
import { userOf } from '../auth.ts';
import type { App, Services } from '../app.ts';
import { errorsFor, idParams, itemsQuery, page, run, runItem } from '../schemas.ts';

// Progress events are sent at least this often while a run is unfinished.
const PROGRESS_INTERVAL_MS = 1000;

export function runRoutes(app: App, s: Services): void {
  app.get(
    '/runs/:id',
    { schema: { tags: ['runs'], summary: 'A run with its progress and whether its notifications were delivered', params: idParams, response: { 200: run, ...errorsFor(400, 401, 404) } } },
    async (request) => {
      const r = await s.runs.get(userOf(request).id, request.params.id);
      return { ...r, notifications: await runNotifications(s.db, r.id) };
    },
  );

  app.get(
    '/runs/:id/items',
    {
      schema: {
        tags: ['runs'],
        summary: 'Items of a run; ?status=failed says why each failed',
        params: idParams,
        querystring: itemsQuery,
        response: { 200: page(runItem), ...errorsFor(400, 401, 404) },
      },
    },
    async (request) => s.runs.items(userOf(request).id, request.params.id, request.query.status, request.query.cursor, request.query.limit),
  );

  app.get(
    '/runs/:id/events',
    {
      schema: {
        tags: ['runs'],
        summary: 'Server-sent events: a "progress" event with the run every second, "end" when it finishes',
        params: idParams,
        produces: ['text/event-stream'],
        response: { 200: z.string().describe('text/event-stream'), ...errorsFor(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const userId = userOf(request).id;
      let current = await s.runs.get(userId, request.params.id); // 404 before the stream starts
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      const write = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      let closed = false;
      request.raw.on('close', () => (closed = true));
      try {
        for (;;) {
          write('progress', current);
          if (isFinished(current.status)) {
            write('end', { status: current.status });
            break;
          }
          await new Promise((r) => setTimeout(r, PROGRESS_INTERVAL_MS));
          if (closed || s.closing.aborted) break;
          current = await s.runs.get(userId, request.params.id);
        }
      } catch (err) {
        request.log.warn({ err }, 'progress stream ended early');
      } finally {
        res.end();
      }
    },
  );

  app.post(
    '/runs/:id/cancel',
    { schema: { tags: ['runs'], summary: 'Stop a queued or running run', params: idParams, response: { 200: run, ...errorsFor(400, 401, 403, 404, 409) } } },
    async (request) => {
      const user = userOf(request);
      return transaction(s.db, async (client) => {
        const r = await s.runs.cancel(client, user.id, request.params.id);
        await audit(client, { userId: user.id, action: 'run.cancel', targetId: r.id, ip: request.ip });
        return r;
      });
    },
  );
}
