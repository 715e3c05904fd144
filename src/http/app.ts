import { randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { MODULES, type Services } from '../app/modules.js';
import type { WechatStatus } from '../channels/wechat/login-status.js';
import type { QueueBackend } from '../kernel/queue/backend.js';
import { open311Routes } from '../modules/complaints/open311/http.js';
import { installAuth } from './auth.js';
import { registerConsole } from './console-static.js';
import { DOCS_CSP } from './docs-csp.js';
import { installErrorHandler } from './error-handler.js';
import { FailureLimiter, type FailureLimiterOptions } from './failure-limiter.js';
import { namedComponents } from './openapi-components.js';
import { queueBoardUnavailable, registerQueueBoard } from './queue-board.js';
import { installOperationDocs, installRouteInputRules } from './route-input-rules.js';
import { channelRoutes } from './routes/channels.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { flowRoutes } from './routes/flows.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { type MetricsRouteOptions, metricsRoutes } from './routes/metrics.js';
import { type WechatOaRouteOptions, wechatOaRoutes } from './routes/wechat-oa.js';
import { installStorableInputCheck } from './storable-input.js';

export interface AppOptions {
  services: Services;
  logger: Logger;
  readiness: ReadinessCheck[];
  /** `/metrics` and the request-duration histogram; none when unset (tests of the API alone) */
  metrics?: MetricsRouteOptions;
  /** the queues Bull Board shows at /admin/queues (superuser); none when unset */
  queueBoard?: QueueBackend;
  bodyLimitBytes?: number;
  /** Extra route plugins (chat webhooks, later modules) registered at the root. */
  plugins?: ((app: FastifyInstance) => Promise<void> | void)[];
  /** The failed-authentication limit (src/http/failure-limiter.ts): default 10 a minute per client. */
  auth?: FailureLimiterOptions;
  /**
   * Fastify's `trustProxy`: the proxies whose X-Forwarded-For names the client (addresses, CIDRs,
   * or a hop count). Default false: the client is the socket's peer and the header is ignored.
   */
  trustProxy?: false | number | readonly string[];
  /** Whether a WeChat puppet is configured (GET /api/v1/channels/wechat says not_configured otherwise). */
  wechatConfigured?: boolean;
  /** The live WeChat status when this process holds the channel (else the one the wechat process saved). */
  wechatStatus?: (() => WechatStatus) | undefined;
  /** the WeChat Official Account's admin routes (its settings, its menu) */
  wechatOa?: WechatOaRouteOptions['account'];
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Security headers on every answer (helmet's defaults plus the choices below): nosniff, no
 * framing, HSTS for a year (browsers heed it only over HTTPS, i.e. behind the TLS proxy), no
 * referrer. The API and Open311 answer JSON only, so their CSP lets nothing load, run or frame.
 */
const SECURITY_HEADERS: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
    },
  },
  frameguard: { action: 'deny' },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  referrerPolicy: { policy: 'no-referrer' },
};

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
    trustProxy: trustProxyOption(opts.trustProxy),
  });
  // one limit for every door: bearer tokens, Open311 api_keys, the Telegram webhook secret
  app.decorate('authFailures', new FailureLimiter(opts.auth));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  installErrorHandler(app);
  await app.register(helmet, SECURITY_HEADERS);

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
        license: { name: 'Proprietary' },
      },
      // the paths are absolute on this service (/api/v1/…, /open311/v2/…)
      servers: [{ url: '/', description: 'this Linli service' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          // Open311: the key may also come as the api_key query parameter or form field
          open311Key: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
      security: [{ bearer: [] }],
    },
    // shapes named with `.meta({ id })` beside their zod schema become components/schemas and are
    // referenced by name (an input use of one gets the suffix `Input`)
    transform: jsonSchemaTransform,
    transformObject: namedComponents,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP });

  healthRoutes(app, opts.readiness);
  if (opts.metrics) metricsRoutes(app, opts.metrics);
  if (opts.queueBoard?.kind === 'redis')
    await registerQueueBoard(app, {
      queues: opts.queueBoard,
      tokens: opts.services.tokens,
      failures: app.authFailures,
    });
  else if (opts.queueBoard) queueBoardUnavailable(app);

  // the admin API and Open311 (not the chat webhooks, whose updates are cleaned, not refused)
  await app.register(async (edge) => {
    installStorableInputCheck(edge);
    installOperationDocs(edge, { dropPrefix: '/api/v1' });
    await edge.register(
      async (api) => {
        installAuth(api, { tokens: opts.services.tokens, failures: app.authFailures });
        installRouteInputRules(api);
        // each module's routes (src/app/modules.ts), then those of no module
        for (const m of MODULES)
          for (const routes of m.routes?.(opts.services) ?? []) await api.register(routes);
        await api.register(deliveryRoutes(opts.services));
        await api.register(flowRoutes(opts.services.flows));
        await api.register(
          channelRoutes({
            state: opts.services.channelState,
            configured: opts.wechatConfigured ?? false,
            live: opts.wechatStatus,
          }),
        );
        await api.register(wechatOaRoutes({ account: opts.wechatOa, orgs: opts.services.orgs }));
      },
      { prefix: '/api/v1' },
    );
    // Open311 GeoReport v2: its own auth (the api_key parameter is a Linli token)
    await edge.register(open311Routes(opts.services), { prefix: '/open311/v2' });
  });
  await registerConsole(app);
  for (const plugin of opts.plugins ?? []) await plugin(app);
  return app;
}

/**
 * Fastify's trustProxy from ours. A hop count becomes "trust the N nearest hops" (Express's
 * meaning; Fastify 5 itself ignores a bare number, failing closed): with it the app must be
 * reachable only through those proxies, since the nearest hop is trusted whatever its address.
 */
function trustProxyOption(
  t: AppOptions['trustProxy'],
): boolean | string[] | ((addr: string, hop: number) => boolean) {
  if (typeof t === 'number') return (_addr, hop) => hop < t;
  return t ? [...t] : false;
}
