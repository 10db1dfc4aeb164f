// /metrics for the operator's Prometheus, outside /api/v1 like /healthz: behind the bearer token
// FERRY_METRICS_TOKEN names (no token set: no such route), compared in constant time.
import crypto from 'node:crypto';
import { AppError } from '../../core/errors.ts';
import { scrape } from '../../core/metrics.ts';
import type { App, Services } from '../app.ts';

function sameToken(given: string, expected: string): boolean {
  // Digests first: timingSafeEqual needs equal lengths, and the length must not leak either.
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

export function metricsRoutes(app: App, s: Services): void {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics, for operators (Authorization: Bearer FERRY_METRICS_TOKEN)',
        description:
          "Prometheus text: this process's figures and the whole service's (queues, runs, traffic, mail). " +
          '404 when the operator set no FERRY_METRICS_TOKEN.',
      },
    },
    async (request, reply) => {
      const token = s.config.metricsToken;
      if (!token) throw new AppError('not_found', 404, 'No metrics here: the operator set no FERRY_METRICS_TOKEN.');
      const [scheme, given] = (request.headers.authorization ?? '').split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !given || !sameToken(given, token)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw new AppError('unauthorized', 401, 'Send the metrics token: Authorization: Bearer <FERRY_METRICS_TOKEN>.');
      }
      const { contentType, text } = await scrape(s.db);
      return reply.type(contentType).send(text);
    },
  );
}
