import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf } from '../../http/auth.js';
import { errorResponses, idParams, instant, listOf } from '../../http/schemas.js';
import { pageQuery } from '../../kernel/access/pagination.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
const id = z.number().int().positive();

const contractSchema = z.object({
  id: z.number().int(),
  companyId: z.number().int(),
  compoundId: z.number().int(),
  compoundName: z.string(),
  startsOn: z.string(),
  endsOn: z.string().nullable(),
});
const companySchema = z.object({
  id: z.number().int(),
  orgId: z.number().int(),
  name: z.string(),
  createdAt: z.date(),
  contracts: z.array(contractSchema),
});

const criterion = z.object({ key: z.string(), zh: z.string(), en: z.string() });
const weights = z.strictObject({
  survey: z.number().min(0).max(1),
  onTime: z.number().min(0).max(1),
  satisfaction: z.number().min(0).max(1),
});
const campaignSchema = z.object({
  id: z.number().int(),
  orgId: z.number().int(),
  companyId: z.number().int().nullable(),
  title: z.string(),
  status: z.enum(['scheduled', 'open', 'closed', 'cancelled']),
  criteria: z.array(criterion),
  weights: z.object({ survey: z.number(), onTime: z.number(), satisfaction: z.number() }),
  listSize: z.number(),
  complaintsFrom: z.string(),
  complaintsTo: z.string(),
  opensAt: z.date(),
  closesAt: z.date(),
  openedAt: z.date().nullable(),
  closedAt: z.date().nullable(),
  createdAt: z.date(),
  targets: z.array(
    z.object({
      compoundId: z.number().int(),
      compoundName: z.string(),
      companyId: z.number().int().nullable(),
      companyName: z.string().nullable(),
      responses: z.number(),
    }),
  ),
});
const createBody = z.strictObject({
  orgId: id,
  title: z.string().trim().min(1).max(200).optional(),
  companyId: id.optional(),
  compoundIds: z.array(id).max(500).optional(),
  /** default keys (security, sanitation, greening, repair_speed, facility_upkeep, communication) or {key, zh, en} */
  criteria: z
    .array(
      z.union([
        z.string().min(1).max(40),
        z.strictObject({
          key: z.string().min(1).max(40),
          zh: z.string().trim().min(1).max(40),
          en: z.string().trim().min(1).max(60).optional(),
        }),
      ]),
    )
    .max(12)
    .optional(),
  weights: weights.optional(),
  listSize: z.number().int().min(1).max(20).optional(),
  opensAt: instant,
  closesAt: instant,
  complaintsFrom: instant.optional(),
  complaintsTo: instant.optional(),
});
const rate = z.object({ rate: z.number().nullable(), numerator: z.number(), denominator: z.number() });
const subject = z.object({
  id: z.number().int(),
  name: z.string(),
  companyId: z.number().int().nullable().optional(),
  companyName: z.string().nullable().optional(),
  compoundIds: z.array(z.number().int()).optional(),
  units: z.number(),
  responses: z.number(),
  responseRate: z.number().nullable(),
  means: z.record(z.string(), z.number().nullable()),
  overall: z.number().nullable(),
  onTime: rate,
  satisfaction: rate,
  score: z.number().nullable(),
});
const ranked = subject.extend({ rank: z.number().nullable(), rankFromBottom: z.number().nullable() });
const resultsSchema = z.object({
  campaignId: z.number().int(),
  title: z.string(),
  status: z.string(),
  criteria: z.array(criterion),
  weights: z.object({ survey: z.number(), onTime: z.number(), satisfaction: z.number() }),
  listSize: z.number(),
  complaintsFrom: z.string(),
  complaintsTo: z.string(),
  generatedAt: z.date(),
  compounds: z.array(subject),
  companies: z.array(subject),
});

export const evaluationRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/property-companies',
      {
        schema: {
          tags: ['evaluations'],
          summary: 'Register a property company (物业公司) under an org (its scope for tokens)',
          body: z.strictObject({ orgId: id, name: z.string().trim().min(1).max(200) }),
          response: { 201: companySchema, ...errorResponses },
        },
      },
      async (req, reply) => reply.status(201).send(await s.companies.create(actorOf(req), req.body)),
    );
    app.get(
      '/property-companies',
      {
        schema: {
          tags: ['evaluations'],
          summary: 'Companies registered in the subtree or under contract with a compound in it',
          querystring: z.strictObject({ orgId: z.coerce.number().int().positive().optional() }),
          response: { 200: z.object({ items: z.array(companySchema) }), ...errorResponses },
        },
      },
      async (req) => s.companies.list(principalOf(req), req.query),
    );
    app.get(
      '/property-companies/:id',
      {
        schema: {
          summary: 'One property company',
          tags: ['evaluations'],
          params: idParams,
          response: { 200: companySchema, ...errorResponses },
        },
      },
      async (req) => s.companies.get(principalOf(req), req.params.id),
    );
    app.post(
      '/property-companies/:id/contracts',
      {
        schema: {
          tags: ['evaluations'],
          summary:
            'Contract the company to a compound from startsOn to endsOn (inclusive; open-ended without)',
          params: idParams,
          body: z.strictObject({ compoundId: id, startsOn: day, endsOn: day.nullable().optional() }),
          response: { 201: contractSchema, ...errorResponses },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await s.companies.contract(actorOf(req), req.params.id, req.body)),
    );

    app.post(
      '/evaluations',
      {
        schema: {
          tags: ['evaluations'],
          summary:
            'Create an evaluation campaign: residents of the compounds (of companyId, or compoundIds, or every contracted compound of orgId) score each criterion 1–5, one response per unit',
          body: createBody,
          response: { 201: campaignSchema, ...errorResponses },
        },
      },
      async (req, reply) => reply.status(201).send(await s.evaluations.create(actorOf(req), req.body)),
    );
    app.get(
      '/evaluations',
      {
        schema: {
          summary: 'Evaluation campaigns',
          tags: ['evaluations'],
          querystring: z.strictObject({
            orgId: z.coerce.number().int().positive().optional(),
            status: z.enum(['scheduled', 'open', 'closed', 'cancelled']).optional(),
            ...pageQuery,
          }),
          response: { 200: listOf(campaignSchema), ...errorResponses },
        },
      },
      async (req) => s.evaluations.list(principalOf(req), req.query),
    );
    app.get(
      '/evaluations/:id',
      {
        schema: {
          summary: 'One evaluation campaign, with its results so far',
          tags: ['evaluations'],
          params: idParams,
          response: { 200: campaignSchema, ...errorResponses },
        },
      },
      async (req) => s.evaluations.get(principalOf(req), req.params.id),
    );
    app.post(
      '/evaluations/:id/cancel',
      {
        schema: {
          tags: ['evaluations'],
          summary: 'Cancel a scheduled or open campaign (nothing more is recorded; no report)',
          params: idParams,
          response: { 200: campaignSchema, ...errorResponses },
        },
      },
      async (req) => s.evaluations.cancel(actorOf(req), req.params.id),
    );
    app.post(
      '/evaluations/:id/close',
      {
        schema: {
          tags: ['evaluations'],
          summary: 'Close an open campaign now; the report goes to the owners’ committees',
          params: idParams,
          response: { 200: campaignSchema, ...errorResponses },
        },
      },
      async (req) => s.evaluations.closeNow(actorOf(req), req.params.id),
    );
    app.post(
      '/evaluations/:id/responses',
      {
        schema: {
          tags: ['evaluations'],
          summary: 'Enter a unit’s response (a paper form): every criterion 1–5; one per unit',
          params: idParams,
          body: z.strictObject({
            unitId: id,
            personId: id.nullable().optional(),
            scores: z.record(z.string(), z.unknown()),
            comment: z.string().max(500).nullable().optional(),
          }),
          response: {
            201: z.object({
              id: z.number().int(),
              campaignId: z.number().int(),
              unitId: z.number().int(),
              scores: z.record(z.string(), z.number()),
            }),
            ...errorResponses,
          },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await s.evaluations.respond(actorOf(req), req.params.id, req.body)),
    );
    app.get(
      '/evaluations/:id/results',
      {
        schema: {
          tags: ['evaluations'],
          summary:
            'Per compound and per company: mean per criterion, overall, responses and response rate by units, complaint on-time and satisfaction rates, combined score',
          params: idParams,
          response: { 200: resultsSchema, ...errorResponses },
        },
      },
      async (req) => s.evaluations.results(principalOf(req), req.params.id),
    );
    app.get(
      '/evaluations/:id/ranking',
      {
        schema: {
          tags: ['evaluations'],
          summary:
            'Competition ranking (1, 2, 2, 4) by combined score, with the red list (top N) and black list (bottom N)',
          params: idParams,
          querystring: z.strictObject({ by: z.enum(['company', 'compound']).optional() }),
          response: {
            200: z.object({
              campaignId: z.number().int(),
              by: z.enum(['company', 'compound']),
              weights: z.object({ survey: z.number(), onTime: z.number(), satisfaction: z.number() }),
              listSize: z.number(),
              items: z.array(ranked),
              red: z.array(ranked),
              black: z.array(ranked),
            }),
            ...errorResponses,
          },
        },
      },
      async (req) => s.evaluations.ranking(principalOf(req), req.params.id, req.query.by),
    );
  };
