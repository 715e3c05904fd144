import { z } from 'zod';
import { flowDefinitionSchema, LOCALES } from './flow-schema.js';

/**
 * What the flows API (src/http/routes/flows.ts) reads and answers. The serializer checks every
 * body against these, so they follow flow-service.ts and simulator.ts exactly; timestamps are the
 * Dates read from the database. A stored definition is what `checkFlow` made of the saved one
 * (defaults filled in), so answers carry `flowDefinitionSchema`'s output.
 */

/**
 * The body of PUT /flows/{key}: a definition whose key, when given, is the path's. Documentation
 * only: the route leaves the body to `checkFlow`, which reports every problem by step and field
 * (422) where schema validation would stop at a 400.
 */
export const flowDraftBodySchema = flowDefinitionSchema.partial({ key: true });

const orgId = z.number().int().nullable();

export const flowSummarySchema = z
  .object({
    key: z.string(),
    name: flowDefinitionSchema.shape.name,
    version: z.number().int(),
    orgId: orgId.describe('the org whose version is in force; null: the global one'),
    builtin: z.boolean().describe('published from the code’s built-in definition'),
    triggers: flowDefinitionSchema.shape.triggers,
  })
  .meta({ id: 'FlowSummary' });

export const flowDraftSummarySchema = z
  .object({
    key: z.string(),
    name: flowDefinitionSchema.shape.name,
    updatedAt: z.date(),
    inForce: z
      .boolean()
      .describe(
        'a version of this key is in force here (own, inherited or built in); false: a new key, in force once published',
      ),
  })
  .meta({ id: 'FlowDraftSummary' });

export const flowSchema = z
  .object({
    key: z.string(),
    orgId: orgId.describe('the org asked for; null: the global flows'),
    status: z
      .enum(['draft', 'published', 'inherited'])
      .describe(
        'draft: the org’s unpublished draft; published: its own latest version; inherited: the version in force from above',
      ),
    inheritedFrom: orgId
      .optional()
      .describe('when inherited: the org whose version is in force, null for the global one'),
    version: z.number().int().describe('0 for a draft'),
    definition: flowDefinitionSchema,
    updatedAt: z.date(),
  })
  .meta({ id: 'Flow' });

export const flowVersionSchema = z
  .object({
    version: z.number().int().describe('0 for the draft'),
    status: z.enum(['draft', 'published']),
    builtin: z.boolean().describe('published from the code’s built-in definition'),
    updatedAt: z.date(),
    publishedAt: z.date().nullable().describe('null for the draft'),
  })
  .meta({ id: 'FlowVersion' });

export const flowVersionDetailSchema = z
  .object({
    key: z.string(),
    orgId: orgId.describe('the org asked for; null: the global flows'),
    version: z.number().int().describe('0 for the draft'),
    status: z.enum(['draft', 'published']),
    builtin: z.boolean().describe('published from the code’s built-in definition'),
    definition: flowDefinitionSchema,
    updatedAt: z.date(),
    publishedAt: z.date().nullable().describe('null for the draft'),
  })
  .meta({ id: 'FlowVersionDetail' });

export const flowPublicationSchema = z
  .object({
    key: z.string(),
    orgId: orgId.describe('null: the global flows'),
    version: z.number().int().describe('the version the draft became'),
    publishedAt: z.date(),
  })
  .meta({ id: 'FlowPublication' });

/**
 * The body of POST /flows/{key}/simulate as validated: `definition` is left to `checkFlow` (422 by
 * step and field); `simulateBodySchema` documents it as a flow definition.
 */
export const simulateBodyAsValidated = z.strictObject({
  answers: z.array(z.string().max(2000)).max(100).describe('the person’s messages, in order'),
  locale: z.enum(LOCALES).optional(),
  personId: z.number().int().positive().optional().describe('whose data the dry-run actions read'),
  chatKind: z
    .enum(['group', 'private'])
    .optional()
    .describe('where the simulated conversation runs (branches on `chatKind`); default private'),
  definition: z.unknown().optional(),
});

export const simulateBodySchema = simulateBodyAsValidated.extend({
  definition: flowDefinitionSchema
    .optional()
    .describe('the flow to run instead of the org’s draft (else its published or inherited version)'),
});

export const simulationSchema = z
  .object({
    messages: z.array(
      z.object({
        from: z.enum(['bot', 'person']),
        text: z.string(),
        choices: z.array(z.string()).optional().describe('labels of the buttons the bot offers'),
        privateLink: z
          .object({ label: z.string(), payload: z.string(), command: z.string() })
          .optional()
          .describe('the reply carries the person into the private chat'),
      }),
    ),
    status: z.enum(['active', 'completed', 'cancelled', 'expired', 'failed']),
    step: z.string().describe('the step the conversation is at, or ended on'),
    answers: z.record(z.string(), z.unknown()).describe('what the conversation saved, by name'),
    unused: z.array(z.string()).describe('answers left over after the flow ended'),
  })
  .meta({ id: 'FlowSimulation' });
