import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf } from '../../http/auth.js';
import { errorResponses, fileResponse, idParams, instant, listOf } from '../../http/schemas.js';
import { pageQuery } from '../../kernel/access/pagination.js';
import { PartyService } from './commands/members.js';
import {
  commitmentSchema,
  pairingsSchema,
  partyBranchDetailSchema,
  partyBranchSchema,
  partyMemberDetailSchema,
  partyMemberSchema,
  partyTaskDetailSchema,
  partyTaskListItemSchema,
  serviceRecordSchema,
} from './schema.js';

const ok = <T extends z.ZodType>(body: T) => ({ 200: body, ...errorResponses });
const created = <T extends z.ZodType>(body: T) => ({ 201: body, ...errorResponses });
const id = z.coerce.number().int().positive();
const TAGS = ['party'];

/** Party branches, members (报到) and their approval, pairings, service records, and tasks. */
export const partyRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/party-commitments',
      {
        schema: {
          tags: TAGS,
          summary: 'The five standard commitments (codes and labels)',
          response: ok(z.object({ items: z.array(commitmentSchema) })),
        },
      },
      async () => ({ items: PartyService.commitments() }),
    );

    // ---------------------------------------------------------------- branches
    app.post(
      '/party-branches',
      {
        schema: {
          tags: TAGS,
          summary:
            'Register a workplace party branch (its secretary gets the branch_secretary role at orgId)',
          body: z.strictObject({
            orgId: id,
            name: z.string().trim().min(1).max(200),
            secretaryPersonId: id.nullable().optional(),
          }),
          response: created(partyBranchSchema),
        },
      },
      async (req, reply) => reply.code(201).send(await s.party.createBranch(actorOf(req), req.body)),
    );
    app.get(
      '/party-branches',
      {
        schema: {
          tags: TAGS,
          summary: 'Branches registered in the subtree',
          querystring: z.strictObject({ orgId: id.optional() }),
          response: ok(z.object({ items: z.array(partyBranchSchema) })),
        },
      },
      async (req) => s.party.listBranches(principalOf(req), req.query),
    );
    app.get(
      '/party-branches/:id',
      {
        schema: {
          tags: TAGS,
          summary: 'A branch with its member counts',
          params: idParams,
          response: ok(partyBranchDetailSchema),
        },
      },
      async (req) => s.party.getBranch(principalOf(req), req.params.id),
    );
    app.patch(
      '/party-branches/:id',
      {
        schema: {
          tags: TAGS,
          summary: 'Rename a branch or change its secretary',
          params: idParams,
          body: z.strictObject({
            name: z.string().trim().min(1).max(200).optional(),
            secretaryPersonId: id.nullable().optional(),
          }),
          response: ok(partyBranchSchema),
        },
      },
      async (req) => s.party.updateBranch(actorOf(req), req.params.id, req.body),
    );
    app.delete(
      '/party-branches/:id',
      {
        schema: {
          tags: TAGS,
          summary: 'Delete a branch without members or tasks (409 otherwise)',
          params: idParams,
          response: { 204: z.null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        await s.party.deleteBranch(actorOf(req), req.params.id);
        return reply.code(204).send(null);
      },
    );

    // ---------------------------------------------------------------- members
    app.get(
      '/party-members',
      {
        schema: {
          tags: TAGS,
          summary: 'Members reporting to compounds of the subtree',
          querystring: z.strictObject({
            orgId: id.optional(),
            status: z.enum(['pending', 'approved', 'rejected']).optional(),
            branchId: id.optional(),
            ...pageQuery,
          }),
          response: ok(listOf(partyMemberSchema)),
        },
      },
      async (req) => s.party.listMembers(principalOf(req), req.query),
    );
    app.get(
      '/party-members/service-records.csv',
      {
        schema: {
          tags: TAGS,
          summary:
            'The yearly review as CSV (UTF-8 with BOM): member_id,name,branch,compound,year,tasks_done,hours,commitments,own_commitments,paired_households',
          querystring: z.strictObject({ orgId: id, year: z.coerce.number().int().min(2000).max(2100) }),
          response: {
            200: fileResponse('text/csv', 'One row per approved member reporting in the subtree'),
            ...errorResponses,
          },
        },
      },
      async (req, reply) => {
        const csv = await s.party.serviceRecordsCsv(principalOf(req), req.query.orgId, req.query.year);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="party-service-records-${req.query.year}.csv"`)
          .send(csv);
      },
    );
    app.get(
      '/party-members/:id',
      {
        schema: {
          tags: TAGS,
          summary: 'A member with commitments and pairings',
          params: idParams,
          response: ok(partyMemberDetailSchema),
        },
      },
      async (req) => s.party.getMember(principalOf(req), req.params.id),
    );
    app.post(
      '/party-members/:id/approve',
      {
        schema: {
          tags: TAGS,
          summary: 'Approve a pending registration (409 if decided)',
          params: idParams,
          response: ok(partyMemberDetailSchema),
        },
      },
      async (req) => s.party.decideOverHttp(actorOf(req), req.params.id, 'approve'),
    );
    app.post(
      '/party-members/:id/reject',
      {
        schema: {
          tags: TAGS,
          summary: 'Reject a pending registration (409 if decided)',
          params: idParams,
          body: z.strictObject({ reason: z.string().trim().max(500).optional() }).optional(),
          response: ok(partyMemberDetailSchema),
        },
      },
      async (req) => s.party.decideOverHttp(actorOf(req), req.params.id, 'reject', req.body?.reason),
    );
    app.get(
      '/party-members/:id/service-record',
      {
        schema: {
          tags: TAGS,
          summary: 'Tasks done, hours and commitments of a member (in a year, China time, when given)',
          params: idParams,
          querystring: z.strictObject({ year: z.coerce.number().int().min(2000).max(2100).optional() }),
          response: ok(serviceRecordSchema),
        },
      },
      async (req) => s.party.serviceRecord(principalOf(req), req.params.id, req.query.year),
    );
    app.get(
      '/party-members/:id/pairings',
      {
        schema: {
          tags: TAGS,
          summary: 'Households the member pairs with',
          params: idParams,
          response: ok(pairingsSchema),
        },
      },
      async (req) => s.party.listPairings(principalOf(req), req.params.id),
    );
    app.post(
      '/party-members/:id/pairings',
      {
        schema: {
          tags: TAGS,
          summary: 'Pair a member with a household of their compound',
          params: idParams,
          body: z.strictObject({ unitId: id }),
          response: created(pairingsSchema),
        },
      },
      async (req, reply) =>
        reply.code(201).send(await s.party.addPairing(actorOf(req), req.params.id, req.body.unitId)),
    );
    app.delete(
      '/party-members/:id/pairings/:unitId',
      {
        schema: {
          tags: TAGS,
          summary: 'End a pairing',
          params: z.strictObject({ id, unitId: id }),
          response: { 204: z.null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        await s.party.removePairing(actorOf(req), req.params.id, req.params.unitId);
        return reply.code(204).send(null);
      },
    );

    // ---------------------------------------------------------------- tasks
    app.post(
      '/tasks',
      {
        schema: {
          tags: TAGS,
          summary:
            'Create a task at a compound or community for named assignees or N volunteers; pushed privately with accept/decline buttons',
          body: z.strictObject({
            orgId: id,
            branchId: id.optional(),
            title: z.string().trim().min(1).max(200),
            description: z.string().trim().max(2000).optional(),
            place: z.string().trim().max(200).optional(),
            dueAt: instant,
            acceptBy: instant.optional(),
            remindBeforeMinutes: z.number().int().min(0).max(10080).optional(),
            assignees: z.array(id).max(200).optional(),
            volunteersNeeded: z.number().int().min(0).max(1000).optional(),
          }),
          response: created(partyTaskDetailSchema),
        },
      },
      async (req, reply) => reply.code(201).send(await s.tasks.create(actorOf(req), req.body)),
    );
    app.get(
      '/tasks',
      {
        schema: {
          tags: TAGS,
          summary: 'Tasks in the subtree, newest first',
          querystring: z.strictObject({
            orgId: id.optional(),
            status: z.enum(['open', 'done', 'cancelled']).optional(),
            ...pageQuery,
          }),
          response: ok(listOf(partyTaskListItemSchema)),
        },
      },
      async (req) => s.tasks.list(principalOf(req), req.query),
    );
    app.get(
      '/tasks/:id',
      {
        schema: {
          tags: TAGS,
          summary: 'A task with who was asked and who answered',
          params: idParams,
          response: ok(partyTaskDetailSchema),
        },
      },
      async (req) => s.tasks.get(principalOf(req), req.params.id),
    );
    app.post(
      '/tasks/:id/cancel',
      {
        schema: {
          tags: TAGS,
          summary: 'Cancel an open task (members are told)',
          params: idParams,
          response: ok(partyTaskDetailSchema),
        },
      },
      async (req) => s.tasks.cancel(actorOf(req), req.params.id),
    );
  };
