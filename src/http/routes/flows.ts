import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  flowDraftBodySchema,
  flowDraftSummarySchema,
  flowPublicationSchema,
  flowSchema,
  flowSummarySchema,
  flowVersionDetailSchema,
  flowVersionSchema,
  simulateBodyAsValidated,
  simulateBodySchema,
  simulationSchema,
} from '../../flows/flow-api-schema.js';
import type { FlowService } from '../../flows/flow-service.js';
import { actorOf, principalOf } from '../auth.js';
import { bodyLeftToHandler, errorResponses, errorSchema } from '../schemas.js';

const keyParams = z.strictObject({ key: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/) });
const versionParams = keyParams.extend({ version: z.coerce.number().int().min(0).max(2_147_483_647) });
const orgQuery = z.strictObject({ orgId: z.coerce.number().int().positive().optional() });
/** a flow that fails `checkFlow` answers 422 `invalid_flow`, every problem by step and field */
const invalidFlow = { 422: errorSchema };

/**
 * The simulate route's validator: the body as `simulateBodyAsValidated` says (its definition left
 * to `checkFlow`, as on PUT), while the route's `body` documents the definition's shape.
 */
function simulateValidator<S>(part: FastifyRouteSchemaDef<S>) {
  const schema = part.httpPart === 'body' ? simulateBodyAsValidated : part.schema;
  // at run time `part.schema` is the zod schema of that part (params or querystring)
  return validatorCompiler({ ...part, schema } as unknown as FastifyRouteSchemaDef<z.ZodType>);
}

export const flowRoutes =
  (flows: FlowService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/flows',
      {
        schema: {
          tags: ['flows'],
          summary: 'The flows in force for an org (nearest wins), and the drafts saved at the org',
          querystring: orgQuery,
          response: {
            200: z.object({ items: z.array(flowSummarySchema), drafts: z.array(flowDraftSummarySchema) }),
            ...errorResponses,
          },
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
          response: { 200: flowSchema, ...errorResponses },
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
          body: flowDraftBodySchema,
          response: { 200: flowSchema, ...errorResponses, ...invalidFlow },
        },
        // checkFlow checks the body (and reports every problem by step and field)
        validatorCompiler: bodyLeftToHandler,
      },
      // the body as it came: `flowDraftBodySchema` only documents it
      async (req) => flows.putDraft(actorOf(req), req.params.key, req.body as unknown, req.query.orgId),
    );
    app.post(
      '/flows/:key/publish',
      {
        schema: {
          tags: ['flows'],
          summary: 'Publish the draft of a flow as its next version',
          params: keyParams,
          querystring: orgQuery,
          response: { 201: flowPublicationSchema, ...errorResponses, ...invalidFlow },
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
          summary:
            'The versions of a flow at an org, newest first: published ones, and its draft as version 0',
          params: keyParams,
          querystring: orgQuery,
          response: { 200: z.object({ items: z.array(flowVersionSchema) }), ...errorResponses },
        },
      },
      async (req) => flows.versions(principalOf(req), req.params.key, req.query.orgId),
    );
    app.get(
      '/flows/:key/versions/:version',
      {
        schema: {
          tags: ['flows'],
          summary: 'One version of a flow at an org with its definition (0: the draft)',
          params: versionParams,
          querystring: orgQuery,
          response: { 200: flowVersionDetailSchema, ...errorResponses },
        },
      },
      async (req) => flows.version(principalOf(req), req.params.key, req.params.version, req.query.orgId),
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
          body: simulateBodySchema,
          response: { 200: simulationSchema, ...errorResponses, ...invalidFlow },
        },
        validatorCompiler: simulateValidator,
      },
      async (req) => flows.simulate(principalOf(req), req.params.key, req.body, req.query.orgId),
    );
  };
