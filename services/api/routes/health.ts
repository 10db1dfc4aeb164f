// Liveness and readiness, outside /api/v1, for load balancers and orchestrators.
import { z } from 'zod';
import type { App, Services } from '../app.ts';

export function healthRoutes(app: App, s: Services): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'The process is up',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'The database and the job queue are reachable',
        response: {
          200: z.object({ status: z.literal('ready') }),
          503: z.object({ status: z.literal('unavailable'), reason: z.string() }),
        },
      },
    },
    async (request, reply) => {
      try {
        await s.db.query('SELECT 1');
        await s.boss.getQueues([]);
        return { status: 'ready' as const };
      } catch (err) {
        // Anyone may ask: the driver's message (server address, user, database) stays in the log.
        request.log.warn({ err }, 'not ready');
        return reply.status(503).send({
          status: 'unavailable' as const,
          reason: 'The database or the job queue cannot be reached; the log has the details.',
        });
      }
    },
  );
}
