import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf } from '../../http/auth.js';
import { errorResponses, idParams, listOf } from '../../http/schemas.js';
import { auditEntrySchema } from '../../kernel/access/audit-query.js';
import { ORG_KINDS } from '../../kernel/access/directory.js';
import { pageQuery } from '../../kernel/access/pagination.js';
import { createTokenBody, tokenSchema } from './service.js';

/** Who the caller's token is: what the console shows in its header and which buttons it offers. */
export const sessionSchema = z
  .object({
    role: z
      .enum(['superuser', 'admin', 'viewer'])
      .describe('superuser: everything; admin: read and write in its org’s subtree; viewer: read only'),
    label: z.string().describe('the token’s label (`bootstrap` for ADMIN_TOKEN)'),
    tokenId: z.number().int().nullable().describe('null for the bootstrap ADMIN_TOKEN'),
    canWrite: z.boolean().describe('false for a viewer token'),
    org: z
      .object({
        id: z.number().int(),
        kind: z.enum(ORG_KINDS),
        name: z.string(),
        parentId: z.number().int().nullable(),
        path: z.array(z.number().int()).describe('ids from the root down to this org, itself last'),
      })
      .nullable()
      .describe('the org whose subtree the token is confined to; null for a superuser'),
  })
  .meta({ id: 'Session' });

export const tokenAndAuditRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/session',
      {
        schema: {
          tags: ['tokens'],
          summary: 'The caller’s own token: its role, label and the org it is confined to',
          response: { 200: sessionSchema, ...errorResponses },
        },
      },
      async (req) => {
        const p = principalOf(req);
        if (p.kind === 'superuser')
          return {
            role: 'superuser' as const,
            label: p.label,
            tokenId: p.tokenId,
            canWrite: true,
            org: null,
          };
        const { id, kind, name, parentId, path } = await s.orgs.get(p, p.orgId);
        return {
          role: p.role,
          label: p.label,
          tokenId: p.tokenId,
          canWrite: p.role === 'admin',
          org: { id, kind, name, parentId, path },
        };
      },
    );
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
