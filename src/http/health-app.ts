import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { installErrorHandler } from './error-handler.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';

/**
 * `/healthz` and `/readyz` alone, for a process role without the admin API (`wechat`), so the
 * container's health check and an orchestrator's readiness probe see that process too.
 */
export async function buildHealthApp(opts: {
  logger: Logger;
  readiness: ReadinessCheck[];
}): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({ loggerInstance: opts.logger as FastifyBaseLogger });
  installErrorHandler(app);
  healthRoutes(app, opts.readiness);
  return app;
}
