import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf } from '../../http/auth.js';
import { errorResponses, idParams, listOf } from '../../http/schemas.js';
import { pageQuery } from '../../kernel/access/pagination.js';
import { createOrgBody, ORG_KINDS, orgSchema, updateOrgBody } from './schema.js';

export const orgRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/orgs',
      {
        schema: {
          tags: ['orgs'],
          summary: 'Create an org (a city, or a child of the kind just above it)',
          body: createOrgBody,
          response: { 201: orgSchema, ...errorResponses },
        },
      },
      async (req, reply) => reply.status(201).send(await s.orgs.create(actorOf(req), req.body)),
    );
    app.get(
      '/orgs',
      {
        schema: {
          tags: ['orgs'],
          summary: 'List orgs in the token’s subtree',
          querystring: z.strictObject({
            parentId: z.coerce.number().int().positive().optional(),
            kind: z.enum(ORG_KINDS).optional(),
            q: z.string().max(100).optional(),
            ...pageQuery,
          }),
          response: { 200: listOf(orgSchema), ...errorResponses },
        },
      },
      async (req) => s.orgs.list(principalOf(req), req.query),
    );
    app.get(
      '/orgs/:id',
      {
        schema: {
          tags: ['orgs'],
          summary: 'One org of the tree',
          params: idParams,
          response: { 200: orgSchema, ...errorResponses },
        },
      },
      async (req) => s.orgs.get(principalOf(req), req.params.id),
    );
    app.patch(
      '/orgs/:id',
      {
        schema: {
          tags: ['orgs'],
          summary: 'Rename or move an org',
          params: idParams,
          body: updateOrgBody,
          response: { 200: orgSchema, ...errorResponses },
        },
      },
      async (req) => s.orgs.update(actorOf(req), req.params.id, req.body),
    );
  };
