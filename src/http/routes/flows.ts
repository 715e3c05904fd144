import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LOCALES } from '../../flows/flow-schema.js';
import type { FlowService } from '../../flows/flow-service.js';
import { actorOf, principalOf } from '../auth.js';
import { errorResponses, errorSchema } from '../schemas.js';

const keyParams = z.strictObject({ key: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/) });
const orgQuery = z.strictObject({ orgId: z.coerce.number().int().positive().optional() });
const withInvalid = { 200: z.unknown(), 201: z.unknown(), ...errorResponses, 422: errorSchema };

export const flowRoutes =
  (flows: FlowService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/flows',
      {
        schema: {
          tags: ['flows'],
          summary: 'The flows in force for an org (nearest wins)',
          querystring: orgQuery,
        },
      },
      async (req) => flows.list(principalOf(req), req.query.orgId),
    );
    app.get(
      '/flows/:key',
      {
        schema: {
          tags: ['flows'],
          summary: 'The draft of a flow at an org, else its published or inherited version',
          params: keyParams,
          querystring: orgQuery,
        },
      },
      async (req) => flows.get(principalOf(req), req.params.key, req.query.orgId),
    );
    app.put(
      '/flows/:key',
      {
        schema: {
          tags: ['flows'],
          summary: 'Save a draft (checked: a bad flow gets 422 listing every problem by step and field)',
          params: keyParams,
          querystring: orgQuery,
          body: z.unknown(),
          response: withInvalid,
        },
      },
      async (req) => flows.putDraft(actorOf(req), req.params.key, req.body, req.query.orgId),
    );
    app.post(
      '/flows/:key/publish',
      {
        schema: {
          tags: ['flows'],
          summary: 'Publish the draft of a flow as its next version',
          params: keyParams,
          querystring: orgQuery,
          response: withInvalid,
        },
      },
      async (req, reply) =>
        reply.status(201).send(await flows.publish(actorOf(req), req.params.key, req.query.orgId)),
    );
    app.get(
      '/flows/:key/versions',
      {
        schema: {
          tags: ['flows'],
          summary: 'The published versions of a flow',
          params: keyParams,
          querystring: orgQuery,
        },
      },
      async (req) => flows.versions(principalOf(req), req.params.key, req.query.orgId),
    );
    app.post(
      '/flows/:key/simulate',
      {
        schema: {
          tags: ['flows'],
          summary:
            'Run answers against the draft (or a given definition) with actions dry-run; returns the bot’s messages',
          params: keyParams,
          querystring: orgQuery,
          body: z.strictObject({
            answers: z.array(z.string().max(2000)).max(100),
            locale: z.enum(LOCALES).optional(),
            personId: z.number().int().positive().optional(),
            /** where the simulated conversation runs (branches on `chatKind`); default private */
            chatKind: z.enum(['group', 'private']).optional(),
            definition: z.unknown().optional(),
          }),
          response: withInvalid,
        },
      },
      async (req) => flows.simulate(principalOf(req), req.params.key, req.body, req.query.orgId),
    );
  };
