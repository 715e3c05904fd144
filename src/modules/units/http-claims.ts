import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf } from '../../http/auth.js';
import { errorResponses, idParams, listOf } from '../../http/schemas.js';
import { pageQuery } from '../../kernel/access/pagination.js';

const claimSchema = z.object({
  id: z.number().int(),
  compoundId: z.number().int(),
  unitId: z.number().int(),
  address: z.string(),
  personId: z.number().int(),
  personName: z.string(),
  status: z.enum(['pending', 'approved', 'rejected']),
  createdAt: z.date(),
  decidedAt: z.date().nullable(),
  decidedBy: z.string().nullable().describe('who decided: a person’s name (in chat) or a token’s label'),
});
const TAGS = ['units'];

/** Residents' claims on units (登记): list a compound's, approve or reject a pending one. */
export const claimRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/orgs/:id/claims',
      {
        schema: {
          tags: TAGS,
          summary: "A compound's residents' claims on units, oldest first",
          params: idParams,
          querystring: z.strictObject({
            status: z.enum(['pending', 'approved', 'rejected']).optional(),
            ...pageQuery,
          }),
          response: { 200: listOf(claimSchema), ...errorResponses },
        },
      },
      async (req) => s.claims.list(principalOf(req), req.params.id, req.query),
    );
    for (const decision of ['approve', 'reject'] as const) {
      app.post(
        `/claims/:id/${decision}`,
        {
          schema: {
            tags: TAGS,
            summary: `${decision === 'approve' ? 'Approve' : 'Reject'} a pending claim; the claimant is told privately (409 naming who decided, if decided)`,
            params: idParams,
            response: { 200: claimSchema, ...errorResponses },
          },
        },
        async (req) => s.claims.decideOverHttp(actorOf(req), req.params.id, decision),
      );
    }
  };
