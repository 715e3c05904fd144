import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf } from '../../http/auth.js';
import { errorResponses, idParams } from '../../http/schemas.js';
import { bindChatBody, bindCodeBody, bindCodeSchema, chatSchema, PURPOSES } from './schema.js';

export const chatRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/orgs/:id/bind-codes',
      {
        schema: {
          tags: ['chats'],
          summary:
            'A single-use code that binds a group chat to this org when a member sends "/bind CODE" or "绑定 CODE"',
          params: idParams,
          body: bindCodeBody,
          response: { 201: bindCodeSchema, ...errorResponses },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await s.chats.createBindCode(actorOf(req), req.params.id, req.body)),
    );
    app.post(
      '/orgs/:id/chats',
      {
        schema: {
          tags: ['chats'],
          summary: 'Bind a chat to this org directly',
          params: idParams,
          body: bindChatBody,
          response: { 201: chatSchema, ...errorResponses },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await s.chats.bindDirect(actorOf(req), req.params.id, req.body)),
    );
    app.get(
      '/orgs/:id/chats',
      {
        schema: {
          summary: 'The chats bound to an org',
          tags: ['chats'],
          params: idParams,
          querystring: z.strictObject({ purpose: z.enum(PURPOSES).optional() }),
          response: { 200: z.object({ items: z.array(chatSchema) }), ...errorResponses },
        },
      },
      async (req) => ({ items: await s.chats.list(principalOf(req), req.params.id, req.query.purpose) }),
    );
    app.delete(
      '/orgs/:id/chats/:chatId',
      {
        schema: {
          tags: ['chats'],
          summary: 'Unbind a chat',
          params: z.strictObject({
            id: z.coerce.number().int().positive(),
            chatId: z.coerce.number().int().positive(),
          }),
          response: { 204: z.null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        await s.chats.unbind(actorOf(req), req.params.id, req.params.chatId);
        return reply.status(204).send(null);
      },
    );
  };
