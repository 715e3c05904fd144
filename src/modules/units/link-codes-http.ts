import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf } from '../../http/auth.js';
import { errorResponses, fileResponse, idParams } from '../../http/schemas.js';
import { issueCodesBody, issueResultSchema, revokeCodesBody, unitCodeSchema } from './link-codes.js';

/** The committee's verification codes of a compound's units (see link-codes.ts). */
export const linkCodeRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/orgs/:id/unit-codes',
      {
        schema: {
          tags: ['units'],
          summary: 'Issue verification codes (认证码) for the compound’s units, one active code per unit',
          description:
            'Every unit, or those in unitIds. A unit that has an active code keeps it (listed in skipped) ' +
            'unless replace is true, which revokes it and issues a new one. Owners send 「认证 CODE」 to the bot ' +
            'to link their chat account to the unit’s owner in the register.',
          params: idParams,
          body: issueCodesBody,
          response: { 201: issueResultSchema, ...errorResponses },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await s.unitCodes.issue(actorOf(req), req.params.id, req.body)),
    );
    app.post(
      '/orgs/:id/unit-codes/revoke',
      {
        schema: {
          tags: ['units'],
          summary: 'Revoke the active verification codes of the compound’s units (all, or those in unitIds)',
          params: idParams,
          body: revokeCodesBody,
          response: { 200: z.object({ revoked: z.array(z.number()) }), ...errorResponses },
        },
      },
      async (req) => s.unitCodes.revoke(actorOf(req), req.params.id, req.body),
    );
    app.get(
      '/orgs/:id/unit-codes',
      {
        schema: {
          tags: ['units'],
          summary: 'The active verification codes of the compound’s units, by address',
          params: idParams,
          response: { 200: z.object({ items: z.array(unitCodeSchema) }), ...errorResponses },
        },
      },
      async (req) => ({ items: await s.unitCodes.list(principalOf(req), req.params.id) }),
    );
    app.get(
      '/orgs/:id/unit-codes.csv',
      {
        schema: {
          tags: ['units'],
          summary:
            'The active codes as a mail-merge CSV (UTF-8 with BOM, Chinese headers): 楼栋,单元,房号,地址,业主,认证码',
          params: idParams,
          response: {
            200: fileResponse('text/csv', 'The codes, one unit a row (UTF-8 with BOM)'),
            ...errorResponses,
          },
        },
      },
      async (req, reply) => {
        const csv = await s.unitCodes.csv(principalOf(req), req.params.id);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="unit-codes-${req.params.id}.csv"`)
          .send(csv);
      },
    );
  };
