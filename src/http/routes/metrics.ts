import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { httpRequestDuration } from '../../kernel/metrics/metrics.js';
import { body } from '../error-handler.js';

export interface MetricsRouteOptions {
  /** the exposition (`metricsExposition`) of the running Linli */
  exposition: { contentType: string; render: () => Promise<string> };
  /** METRICS_TOKEN: when set, `/metrics` asks for `Authorization: Bearer <it>` */
  token?: string | undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `GET /metrics` in Prometheus' text format, and the request-duration histogram of every request
 * this server answers (labelled by route pattern, so `/orgs/:id` is one series, not one per id).
 */
export function metricsRoutes(app: FastifyInstance, opts: MetricsRouteOptions) {
  app.addHook('onResponse', async (req, reply) => {
    httpRequestDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  const expected = opts.token ? digest(opts.token) : null;
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (expected) {
      const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!given || !timingSafeEqual(digest(given), expected))
        return reply
          .status(401)
          .header('www-authenticate', 'Bearer realm="metrics"')
          .send(body('unauthorized', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>'));
    }
    return reply.type(opts.exposition.contentType).send(await opts.exposition.render());
  });
}
