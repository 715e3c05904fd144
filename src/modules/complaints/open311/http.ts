import type { FastifyError, FastifyRequest } from 'fastify';
import {
  type FastifyPluginAsyncZod,
  hasZodFastifySchemaValidationErrors,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../../app/modules.js';
import { databaseRefusal } from '../../../http/database-refusal.js';
import { failureLimiterOf, refuseIfLimited } from '../../../http/failure-limiter.js';
import { AppError } from '../../../kernel/access/errors.js';
import type { Principal } from '../../../kernel/access/principal.js';
import {
  open311CreatedSchema,
  open311DiscoverySchema,
  open311ErrorSchema,
  open311RequestSchema,
  open311ServiceDefinitionSchema,
  open311ServiceSchema,
} from './schema.js';

/**
 * Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2), mounted at /open311/v2 with
 * its own authentication: the api_key is a Linli token, checked with TokenService.authenticate,
 * taken from the `X-Api-Key` header, else the `api_key` form field (POST), else the `api_key`
 * query parameter (the spec's place, kept for clients that know no other; request logs redact
 * it). A missing or bad key counts against the failed-authentication limit shared with the admin
 * API (src/http/failure-limiter.ts): a client over it gets 429 with Retry-After. The mapping to
 * complaints is in src/modules/complaints/open311/service.ts.
 *
 * JSON only: every resource is `<name>.json`; the spec's XML format is not served (discovery
 * lists only application/json; `.xml` paths are 404). POST takes
 * application/x-www-form-urlencoded (or JSON). Every error, including a missing route, is the
 * spec's `[{"code": <HTTP status>, "description": "..."}]`: 400 for a missing or invalid field
 * (named first in the description), 403 for a missing, bad, read-only (on POST) or
 * building-scoped api_key, 404 for an unknown service or request.
 */
const CHANGESET = '2026-01-01T00:00:00Z';
const API_KEY_HEADER = 'x-api-key';

const apiKey = { api_key: z.string().max(200).optional(), jurisdiction_id: z.string().max(200).optional() };

/** A field of the spec accepted and dropped: Linli keeps no personal data of an outside reporter. */
const dropped = (max: number) =>
  z
    .string()
    .max(max)
    .optional()
    .describe('accepted and dropped: Linli keeps no personal data of the reporter');

const createBody = z.object({
  ...apiKey,
  // service_code and description are required, checked by the service (a 400 naming the field)
  service_code: z.string().max(100).optional().describe('required: a service_code of services.json'),
  description: z.string().max(4000).optional().describe('required: at most 2000 characters'),
  address_string: z
    .string()
    .max(500)
    .optional()
    .describe('a compound of the api_key and the place in it: 阳光小区 3栋2单元501'),
  address_id: z.string().max(40).optional().describe('a compound id (instead of naming it)'),
  lat: z.string().max(40).optional().describe('not supported: give address_string or address_id'),
  long: z.string().max(40).optional().describe('not supported'),
  media_url: z.string().max(2000).optional().describe('a photo as an http(s) URL of at most 300 characters'),
  first_name: dropped(200),
  last_name: dropped(200),
  phone: dropped(100),
  email: dropped(200),
  device_id: dropped(200),
  account_id: dropped(200),
});

const listQuery = z.object({
  ...apiKey,
  service_request_id: z.string().max(20_000).optional(),
  service_code: z.string().max(2000).optional(),
  start_date: z.string().max(40).optional(),
  end_date: z.string().max(40).optional(),
  status: z.string().max(20).optional(),
});

const docs = { tags: ['open311'], security: [{ open311Key: [] }] };

/**
 * The errors a keyed route answers, in the spec's format: 400 a field, 403 the api_key, 429 the
 * failed-authentication limit (with Retry-After).
 */
const keyedErrors = { 400: open311ErrorSchema, 403: open311ErrorSchema, 429: open311ErrorSchema };

export const open311Routes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.setErrorHandler((err: FastifyError, req, reply) => {
      const [status, description] = describe(err);
      if (status >= 500) req.log.error({ err }, 'open311 request failed');
      else if (databaseRefusal(err))
        req.log.warn({ err }, 'the database refused a request (a check missing before it)');
      return reply.status(status).send([{ code: status, description }]);
    });
    app.setNotFoundHandler((req, reply) =>
      reply.status(404).send([
        {
          code: 404,
          description: `No resource ${req.method} ${req.url.split('?')[0]} (only .json is served)`,
        },
      ]),
    );

    app.get(
      '/discovery.json',
      {
        schema: {
          ...docs,
          security: [],
          summary: 'Open311 service discovery',
          response: { 200: open311DiscoverySchema },
        },
      },
      async (req) => ({
        changeset: CHANGESET,
        contact: 'Linli 邻里: ask the administrator of your city or district for an api_key',
        key_service: 'An api_key is a Linli API token of a compound or an org above it (POST /api/v1/tokens)',
        endpoints: [
          {
            specification: 'http://wiki.open311.org/GeoReport_v2',
            url: `${req.protocol}://${req.host}/open311/v2`,
            changeset: CHANGESET,
            type: 'production' as const,
            formats: ['application/json'],
          },
        ],
      }),
    );

    await app.register(async (plugin) => {
      const api = plugin.withTypeProvider<ZodTypeProvider>();
      const principals = new WeakMap<FastifyRequest, Principal>();
      const principal = (req: FastifyRequest) => principals.get(req)!;
      const failures = failureLimiterOf(app);
      // before validation, so a caller without a good key learns nothing about the fields; a
      // missing or bad key counts against the client's failed-authentication limit
      api.addHook('preValidation', async (req, reply) => {
        if (refuseIfLimited(failures, req, reply) !== null)
          throw new AppError(429, 'rate_limited', 'Too many failed authentication attempts; try again later');
        const fromHeader = field(req.headers, API_KEY_HEADER);
        const fromBody = req.method === 'POST' ? field(req.body, 'api_key') : undefined;
        const key = fromHeader ?? fromBody ?? field(req.query, 'api_key');
        const p = key ? await s.tokens.authenticate(key) : null;
        if (!p) failures.fail(req.ip);
        principals.set(req, await s.open311.authorize(p, req.method === 'POST', Boolean(key)));
      });

      api.get(
        '/services.json',
        {
          schema: {
            ...docs,
            summary: 'The complaint categories of the api_key’s org, as services',
            querystring: z.object(apiKey),
            response: { 200: z.array(open311ServiceSchema), ...keyedErrors },
          },
        },
        async (req) => s.open311.services(principal(req)),
      );
      api.get(
        '/services/:code.json',
        {
          schema: {
            ...docs,
            summary: 'A service definition (no extra attributes)',
            params: z.object({ code: z.string().max(100) }),
            querystring: z.object(apiKey),
            response: { 200: open311ServiceDefinitionSchema, ...keyedErrors, 404: open311ErrorSchema },
          },
        },
        async (req) => s.open311.serviceDefinition(principal(req), req.params.code),
      );
      api.post(
        '/requests.json',
        {
          schema: {
            ...docs,
            summary:
              'File a complaint (form-encoded): service_code, description, address_string ("阳光小区 3栋2单元501") or address_id (a compound id), media_url',
            // the spec's form encoding; JSON with the same fields is read too
            consumes: ['application/x-www-form-urlencoded', 'application/json'],
            body: createBody,
            response: {
              200: z.array(open311CreatedSchema).describe('one element: the filed request'),
              ...keyedErrors,
              413: open311ErrorSchema,
              415: open311ErrorSchema,
            },
          },
        },
        async (req) => s.open311.create(principal(req), req.body, req.log),
      );
      api.get(
        '/requests.json',
        {
          schema: {
            ...docs,
            summary:
              'Complaints of the api_key’s subtree, newest first (default: filed in the last 90 days; at most 1000)',
            querystring: listQuery,
            response: { 200: z.array(open311RequestSchema), ...keyedErrors },
          },
        },
        async (req) => s.open311.list(principal(req), req.query),
      );
      api.get(
        '/requests/:id.json',
        {
          schema: {
            ...docs,
            summary: 'One complaint, as a one-element list',
            params: z.object({ id: z.string().max(40) }),
            querystring: z.object(apiKey),
            response: {
              200: z.array(open311RequestSchema).describe('one element'),
              ...keyedErrors,
              404: open311ErrorSchema,
            },
          },
        },
        async (req) => s.open311.get(principal(req), req.params.id),
      );
    });
  };

function field(from: unknown, name: string): string | undefined {
  const v = from && typeof from === 'object' ? (from as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function describe(err: FastifyError): [number, string] {
  if (err instanceof AppError) return [err.status, err.message];
  const refused = databaseRefusal(err);
  if (refused) return [refused.status, refused.message];
  if (hasZodFastifySchemaValidationErrors(err)) {
    const first = err.validation[0];
    const name =
      first?.instancePath.replace(/^\//, '').replace(/\//g, '.') || err.validationContext || 'request';
    return [400, `${name}: ${first?.message ?? 'invalid'}`];
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return [err.statusCode, err.message];
  return [500, 'Internal server error'];
}
