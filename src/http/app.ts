import { randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { WechatStatus } from '../bot/wechat/login-status.js';
import type { Services } from '../services.js';
import { installAuth } from './auth.js';
import { installErrorHandler } from './error-handler.js';
import { channelRoutes } from './routes/channels.js';
import { chatRoutes } from './routes/chats.js';
import { complaintRoutes } from './routes/complaints.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { evaluationRoutes } from './routes/evaluations.js';
import { flowRoutes } from './routes/flows.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { open311Routes } from './routes/open311.js';
import { orgRoutes } from './routes/orgs.js';
import { partyRoutes } from './routes/party.js';
import { peopleRoutes } from './routes/people.js';
import { proposalRoutes } from './routes/proposals.js';
import { reminderRoutes } from './routes/reminders.js';
import { tokenAndAuditRoutes } from './routes/tokens.js';
import { unitRoutes } from './routes/units.js';

export interface AppOptions {
  services: Services;
  logger: Logger;
  readiness: ReadinessCheck[];
  bodyLimitBytes?: number;
  /** Extra route plugins (chat webhooks, later modules) registered at the root. */
  plugins?: ((app: FastifyInstance) => Promise<void> | void)[];
  auth?: { maxFailures?: number; windowMs?: number };
  /** Whether a WeChat puppet is configured (GET /api/v1/channels/wechat says not_configured otherwise). */
  wechatConfigured?: boolean;
  /** The live WeChat status when this process holds the channel (else the one the wechat process saved). */
  wechatStatus?: (() => WechatStatus) | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The HTTP face of Linli: health, OpenAPI docs, and the admin API under /api/v1 (bearer
 * tokens, checked in one hook for the whole subtree).
 */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimitBytes ?? 1_048_576,
    // a caller's X-Request-Id is kept (so a trace crosses systems), else a fresh one
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    trustProxy: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  installErrorHandler(app);

  await app.register(formbody);
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Linli 邻里 API',
        description:
          'Admin API of Linli, the compound-governance chat bot. Authenticate with `Authorization: Bearer <token>`.',
        version: '1.0.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  healthRoutes(app, opts.readiness);

  await app.register(
    async (api) => {
      installAuth(api, { tokens: opts.services.tokens, ...opts.auth });
      await api.register(orgRoutes(opts.services));
      await api.register(peopleRoutes(opts.services));
      await api.register(unitRoutes(opts.services));
      await api.register(tokenAndAuditRoutes(opts.services));
      await api.register(chatRoutes(opts.services));
      await api.register(deliveryRoutes(opts.services));
      await api.register(flowRoutes(opts.services.flows));
      await api.register(complaintRoutes(opts.services));
      await api.register(proposalRoutes(opts.services));
      await api.register(metricsRoutes(opts.services));
      await api.register(reminderRoutes(opts.services));
      await api.register(evaluationRoutes(opts.services));
      await api.register(partyRoutes(opts.services));
      await api.register(
        channelRoutes({
          state: opts.services.channelState,
          configured: opts.wechatConfigured ?? false,
          live: opts.wechatStatus,
        }),
      );
    },
    { prefix: '/api/v1' },
  );
  // Open311 GeoReport v2: its own auth (the api_key parameter is a Linli token)
  await app.register(open311Routes(opts.services), { prefix: '/open311/v2' });
  for (const plugin of opts.plugins ?? []) await plugin(app);
  return app;
}
