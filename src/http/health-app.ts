import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { installErrorHandler } from './error-handler.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { type MetricsRouteOptions, metricsRoutes } from './routes/metrics.js';

/**
 * `/healthz`, `/readyz` and `/metrics` alone, for a process role without the admin API (`worker`,
 * `wechat`), so the container's health check, an orchestrator's readiness probe and Prometheus
 * see that process too.
 */
export async function buildHealthApp(opts: {
  logger: Logger;
  readiness: ReadinessCheck[];
  metrics?: MetricsRouteOptions;
}): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({ loggerInstance: opts.logger as FastifyBaseLogger });
  installErrorHandler(app);
  healthRoutes(app, opts.readiness);
  if (opts.metrics) metricsRoutes(app, opts.metrics);
  return app;
}
