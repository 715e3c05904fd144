import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { pageQuery } from '../../kernel/access/pagination.js';
import { failedUpdateSchema } from '../../kernel/chat/failed-updates.js';
import { CHANNELS } from '../../kernel/chat/port.js';
import { DELIVERY_STATUSES } from '../../kernel/outbox/delivery-repository.js';
import { deliverySchema } from '../../kernel/outbox/delivery-service.js';
import { principalOf } from '../auth.js';
import { errorResponses, listOf } from '../schemas.js';

export const deliveryRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/deliveries',
      {
        schema: {
          tags: ['chats'],
          summary:
            'Outbound messages and their outcome, newest first: queued, sent, failed (with reason), rerouted (the platform refused the private message; `reroutedTo` went to the group instead) or unreachable (no route reached the person; `lastError` says why)',
          querystring: z.strictObject({
            orgId: z.coerce.number().int().positive().optional(),
            chat: z.string().max(200).optional().describe('the platform chat id'),
            personId: z.coerce.number().int().positive().optional(),
            status: z.enum(DELIVERY_STATUSES).optional(),
            ...pageQuery,
          }),
          response: { 200: listOf(deliverySchema), ...errorResponses },
        },
      },
      async (req) => s.deliveries.list(principalOf(req), req.query),
    );

    app.get(
      '/failed-updates',
      {
        schema: {
          tags: ['chats'],
          summary:
            'Dead letters (superuser): inbound updates whose handling failed for good, with the error, newest first',
          querystring: z.strictObject({
            channel: z.enum(CHANNELS).optional(),
            ...pageQuery,
          }),
          response: {
            200: listOf(failedUpdateSchema).extend({
              total: z.number().describe('how many are kept (for this channel)'),
            }),
            ...errorResponses,
          },
        },
      },
      async (req) => s.failedUpdates.list(principalOf(req), req.query),
    );
  };
