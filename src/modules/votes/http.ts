import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf, type RouteAuthConfig } from '../../http/auth.js';
import { errorResponses, idParams, instant } from '../../http/schemas.js';
import { RULES } from './counting.js';
import {
  ballotLogCheckSchema,
  ballotLogSchema,
  paperBallotSchema,
  proposalDetailSchema,
  proposalListSchema,
  proposalResultSchema,
  receiptCheckSchema,
} from './schema.js';

export const proposalRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/proposals',
      {
        schema: {
          tags: ['votes'],
          summary: 'A proposal the owners of a compound vote on (opens now when opensAt is left out)',
          body: z.strictObject({
            orgId: z.number().int().positive(),
            title: z.string().trim().min(1).max(200),
            body: z.string().max(5000).optional(),
            options: z.array(z.string().max(40)).min(2).max(12).optional(),
            rule: z.enum(RULES),
            opensAt: instant.optional(),
            closesAt: instant,
            secret: z.boolean().optional(),
            reminderHours: z.array(z.number().positive().max(2160)).max(10).optional(),
          }),
          response: { 201: proposalDetailSchema, ...errorResponses },
        },
      },
      async (req, reply) => {
        const p = await s.votes.create(actorOf(req), req.body);
        reply.code(201);
        return s.votes.get(principalOf(req), p.id);
      },
    );
    app.get(
      '/orgs/:id/proposals',
      {
        schema: {
          tags: ['votes'],
          summary: 'Proposals of a compound, newest first',
          params: idParams,
          response: { 200: proposalListSchema, ...errorResponses },
        },
      },
      async (req) => s.votes.list(principalOf(req), req.params.id),
    );
    app.get(
      '/proposals/:id',
      {
        schema: {
          tags: ['votes'],
          summary: 'A proposal (with live turnout while open)',
          params: idParams,
          response: { 200: proposalDetailSchema, ...errorResponses },
        },
      },
      async (req) => s.votes.get(principalOf(req), req.params.id),
    );
    app.get(
      '/proposals/:id/result',
      {
        schema: {
          tags: ['votes'],
          summary:
            'The result on both axes with its reason (live turnout while open; a secret tally stays hidden)',
          params: idParams,
          response: { 200: proposalResultSchema, ...errorResponses },
        },
      },
      async (req) => s.votes.result(principalOf(req), req.params.id),
    );
    app.post(
      '/proposals/:id/cancel',
      {
        schema: {
          tags: ['votes'],
          summary: 'Cancel before opening (409 after)',
          params: idParams,
          response: { 200: proposalDetailSchema, ...errorResponses },
        },
      },
      async (req) => {
        await s.votes.cancel(actorOf(req), req.params.id);
        return s.votes.get(principalOf(req), req.params.id);
      },
    );
    app.post(
      '/proposals/:id/ballots',
      {
        schema: {
          tags: ['votes'],
          summary:
            'A paper ballot entered by the owners’ committee (counts like any, marked paper in the log)',
          params: idParams,
          body: z.strictObject({
            personId: z.number().int().positive(),
            option: z.string().min(1).max(40),
            evidence: z.string().trim().min(1).max(500),
          }),
          response: { 201: paperBallotSchema, ...errorResponses },
        },
      },
      async (req, reply) => {
        const out = await s.votes.castPaper(actorOf(req), req.params.id, req.body);
        reply.code(201);
        return out;
      },
    );
    app.get(
      '/proposals/:id/audit',
      {
        schema: {
          tags: ['votes'],
          summary:
            'The ballot log (hash chain) with the rule, options, result and electorate to recount it; voters are pseudonyms and options sealed for a secret ballot until closing; without a token once the vote is closed',
          params: idParams,
          response: { 200: ballotLogSchema, ...errorResponses },
        },
        config: { tokenOptional: true } satisfies RouteAuthConfig,
      },
      async (req) => s.votes.audit(req.principal, req.params.id),
    );
    app.get(
      '/proposals/:id/audit/verify',
      {
        schema: {
          tags: ['votes'],
          summary:
            'Recomputes the chain; reports the first broken seq and counted ballots that differ from the log; without a token once the vote is closed',
          params: idParams,
          response: { 200: ballotLogCheckSchema, ...errorResponses },
        },
        config: { tokenOptional: true } satisfies RouteAuthConfig,
      },
      async (req) => s.votes.verify(req.principal, req.params.id),
    );
    app.get(
      '/proposals/:id/audit/receipts/:code',
      {
        schema: {
          tags: ['votes'],
          summary:
            'Whether a receipt code is in the log, and whether it is the counted (last) ballot of its voter',
          params: z.strictObject({ id: z.coerce.number().int().positive(), code: z.string().min(4).max(20) }),
          response: { 200: receiptCheckSchema, ...errorResponses },
        },
      },
      async (req) => s.votes.receipt(principalOf(req), req.params.id, req.params.code),
    );
  };
