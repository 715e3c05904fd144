import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf } from '../../http/auth.js';
import { errorResponses, errorSchema, idParams, instant, listOf } from '../../http/schemas.js';
import { pageQuery } from '../../kernel/access/pagination.js';
import { dutyRosterSchema } from './duty-roster.js';
import { escalationPolicySchema } from './escalation-policy.js';
import { ACTIONS, HANDLER_ROLES, LEVELS, STATUSES } from './lifecycle.js';
import {
  complaintCategoriesSchema,
  complaintDetailSchema,
  complaintPhotoResponse,
  complaintSchema,
  dutyRosterResponseSchema,
  escalationPolicyResponseSchema,
} from './schema.js';

export const complaintRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/complaints',
      {
        schema: {
          tags: ['complaints'],
          summary: 'Complaints in the token’s subtree (by compound or by handling level), newest first',
          querystring: z.strictObject({
            orgId: z.coerce.number().int().positive().optional(),
            status: z.enum(STATUSES).optional(),
            level: z.enum(LEVELS).optional(),
            category: z.string().max(40).optional(),
            overdue: z
              .enum(['true', 'false'])
              .transform((v) => v === 'true')
              .optional(),
            from: instant.optional(),
            to: instant.optional(),
            ...pageQuery,
          }),
          response: { 200: listOf(complaintSchema), ...errorResponses },
        },
      },
      async (req) => s.complaints.list(principalOf(req), req.query),
    );
    app.get(
      '/complaints/:id',
      {
        schema: {
          tags: ['complaints'],
          summary: 'A complaint with its timeline',
          params: idParams,
          response: { 200: complaintDetailSchema, ...errorResponses },
        },
      },
      async (req) => s.complaints.get(principalOf(req), req.params.id),
    );
    app.get(
      '/complaints/:id/photos/:n',
      {
        schema: {
          tags: ['complaints'],
          summary:
            'A photo of the complaint as an image (n counts its photos, then its timeline’s: the detail’s photoUrls); 502 when its platform cannot give it now',
          params: z.strictObject({
            id: z.coerce.number().int().positive(),
            n: z.coerce.number().int().min(0).max(99),
          }),
          response: {
            200: complaintPhotoResponse,
            ...errorResponses,
            502: errorSchema,
          },
        },
      },
      async (req, reply) => {
        const photo = await s.complaintPhotos.photo(principalOf(req), req.params.id, req.params.n);
        return reply
          .header('content-type', photo.contentType)
          .header('cache-control', 'private, max-age=3600')
          .header('x-content-type-options', 'nosniff')
          .send(photo.bytes);
      },
    );
    app.post(
      '/complaints/:id/actions',
      {
        schema: {
          tags: ['complaints'],
          summary:
            'Move a complaint through its loop (409 when not allowed from its status, or changed meanwhile); transfer names assigneeId or role, return and reject need a note',
          params: idParams,
          body: z.strictObject({
            // escalate is the system's; grab (抢单) is a person's press in chat
            action: z.enum(ACTIONS.filter((a) => a !== 'escalate' && a !== 'grab') as [string, ...string[]]),
            note: z.string().trim().max(2000).optional(),
            // assign, transfer: the person who gets it; transfer: or the handler role
            assigneeId: z.number().int().positive().optional(),
            role: z.enum(HANDLER_ROLES).optional(),
            photos: z.array(z.string().max(300)).max(9).optional(),
            version: z.number().int().min(0).optional(),
          }),
          response: { 200: complaintDetailSchema, ...errorResponses },
        },
      },
      async (req) => {
        const c = await s.complaints.act(
          actorOf(req),
          req.params.id,
          req.body as Parameters<typeof s.complaints.act>[2],
        );
        return s.complaints.get(principalOf(req), c.id);
      },
    );
    app.get(
      '/orgs/:id/complaint-categories',
      {
        schema: {
          tags: ['complaints'],
          summary:
            'The complaint categories in force at the org (its own list, else the nearest ancestor’s, else the built-in one), with their names',
          params: idParams,
          response: { 200: complaintCategoriesSchema, ...errorResponses },
        },
      },
      async (req) => s.policies.categories(principalOf(req), req.params.id),
    );
    app.put(
      '/orgs/:id/escalation-policy',
      {
        schema: {
          tags: ['complaints'],
          summary:
            'Deadlines per level and category (ISO 8601 durations) on a natural or working-day calendar',
          params: idParams,
          body: escalationPolicySchema,
          response: { 200: escalationPolicyResponseSchema, ...errorResponses },
        },
      },
      async (req) => s.policies.put(actorOf(req), req.params.id, req.body),
    );
    app.put(
      '/orgs/:id/duty-roster',
      {
        schema: {
          tags: ['complaints'],
          summary:
            'The org’s duty roster for dispatch mode round_robin: weekly slots (1 = Monday, HH:MM–HH:MM) and exceptions by date, in its time zone',
          params: idParams,
          body: dutyRosterSchema,
          response: { 200: dutyRosterResponseSchema, ...errorResponses },
        },
      },
      async (req) => s.rosters.put(actorOf(req), req.params.id, req.body),
    );
    app.get(
      '/orgs/:id/duty-roster',
      {
        schema: {
          tags: ['complaints'],
          summary: 'The org’s duty roster (404 when it has none)',
          params: idParams,
          response: { 200: dutyRosterResponseSchema, ...errorResponses },
        },
      },
      async (req) => s.rosters.get(principalOf(req), req.params.id),
    );
    app.get(
      '/orgs/:id/escalation-policy',
      {
        schema: {
          tags: ['complaints'],
          summary:
            'The org’s own escalation policy (404 when it has none: its deadlines then come from the nearest org above that has one, else the default)',
          params: idParams,
          response: { 200: escalationPolicyResponseSchema, ...errorResponses },
        },
      },
      async (req) => s.policies.get(principalOf(req), req.params.id),
    );
  };
