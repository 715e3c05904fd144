import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf } from '../../http/auth.js';
import { errorResponses, idParams, listOf } from '../../http/schemas.js';
import { auditEntrySchema } from '../../kernel/access/audit-query.js';
import { pageQuery } from '../../kernel/access/pagination.js';
import { createTokenBody, tokenSchema } from './service.js';

export const tokenAndAuditRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/tokens',
      {
        schema: {
          tags: ['tokens'],
          summary: 'Create a token scoped to an org subtree; the token is shown only in this response',
          body: createTokenBody,
          response: { 201: tokenSchema.extend({ token: z.string() }), ...errorResponses },
        },
      },
      async (req, reply) => reply.status(201).send(await s.tokens.create(actorOf(req), req.body)),
    );
    app.get(
      '/tokens',
      {
        schema: {
          summary: 'The API tokens the caller may manage',
          tags: ['tokens'],
          querystring: z.strictObject({ orgId: z.coerce.number().int().positive().optional(), ...pageQuery }),
          response: { 200: listOf(tokenSchema), ...errorResponses },
        },
      },
      async (req) => s.tokens.list(principalOf(req), req.query),
    );
    app.delete(
      '/tokens/:id',
      {
        schema: {
          tags: ['tokens'],
          summary: 'Revoke an API token',
          params: idParams,
          response: { 204: z.null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        await s.tokens.revoke(actorOf(req), req.params.id);
        return reply.status(204).send(null);
      },
    );
    app.get(
      '/audit',
      {
        schema: {
          tags: ['audit'],
          summary: 'Every admin write in the token’s subtree, newest first, with before and after',
          querystring: z.strictObject({
            orgId: z.coerce.number().int().positive().optional(),
            action: z.string().max(100).optional(),
            objectType: z.string().max(100).optional(),
            objectId: z.string().max(100).optional(),
            ...pageQuery,
          }),
          response: { 200: listOf(auditEntrySchema), ...errorResponses },
        },
      },
      async (req) => s.audit.list(principalOf(req), req.query),
    );
  };
