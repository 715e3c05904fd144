import { z } from 'zod';

/**
 * What the party API answers (http.ts). The serializer checks every body against these, so they
 * follow queries/members.ts, queries/records.ts and queries/tasks.ts exactly; timestamps are the
 * Dates read from the database, hours the text of a numeric(5, 1) column ("1.5").
 */

const id = z.number().int();
const hours = z.string().describe('hours served, one decimal ("1.5")');

export const commitmentSchema = z
  .object({
    code: z.string().describe('a code of GET /party-commitments'),
    zh: z.string(),
    en: z.string(),
  })
  .meta({ id: 'PartyCommitment' });

export const partyBranchSchema = z
  .object({
    id,
    orgId: id.describe('the org that registered the branch'),
    name: z.string().describe('the workplace branch’s full name'),
    secretaryPersonId: id.nullable().describe('holds branch_secretary at orgId; null when none'),
    secretaryName: z.string().nullable().describe('the secretary’s register name; null when none'),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'PartyBranch' });

export const partyBranchDetailSchema = partyBranchSchema
  .extend({
    members: z
      .object({ pending: z.number().int(), approved: z.number().int(), rejected: z.number().int() })
      .describe('how many members of the branch are in each status'),
  })
  .meta({ id: 'PartyBranchDetail' });

const MEMBER_STATUSES = ['pending', 'approved', 'rejected'] as const;

export const partyMemberSchema = z
  .object({
    id,
    personId: id,
    name: z.string().describe('as the member gave it when registering'),
    branchId: id,
    branchName: z.string(),
    compoundId: id.describe('the compound the member reports to (报到)'),
    compoundName: z.string(),
    commitments: z.array(commitmentSchema).describe('the standard commitments taken'),
    ownCommitments: z.array(z.string()).describe('the member’s own commitments, as written'),
    status: z.enum(MEMBER_STATUSES),
    approvedBy: id
      .nullable()
      .describe('the secretary who approved in chat; null when pending, rejected or approved over the API'),
    decidedBy: z
      .string()
      .nullable()
      .describe('who decided: the secretary’s name in chat, the token’s label over the API'),
    decidedAt: z.date().nullable(),
    rejectReason: z.string().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: 'PartyMember' });

export const pairingSchema = z
  .object({
    unitId: id,
    address: z.string().describe('building, unit and room of the household'),
    createdAt: z.date(),
  })
  .meta({ id: 'Pairing' });

export const partyMemberDetailSchema = partyMemberSchema
  .extend({
    pairings: z.array(pairingSchema).describe('households the member pairs with, by unit id'),
  })
  .meta({ id: 'PartyMemberDetail' });

export const pairingsSchema = z.object({ items: z.array(pairingSchema) });

export const serviceRecordSchema = z
  .object({
    member: partyMemberSchema.pick({
      id: true,
      personId: true,
      name: true,
      branchName: true,
      compoundName: true,
      status: true,
    }),
    year: z.number().int().nullable().describe('the calendar year (China time) asked for; null: ever'),
    tasksDone: z.number().int(),
    hours: hours.describe('hours served in the tasks done, one decimal ("12.5")'),
    tasks: z
      .array(
        z.object({
          taskId: id,
          title: z.string(),
          place: z.string().describe('empty when the task names none'),
          dueAt: z.date(),
          completedAt: z.date(),
          hours: hours.nullable(),
          note: z.string().nullable(),
          photo: z.string().nullable().describe('the completion photo’s media reference'),
        }),
      )
      .describe('tasks completed, by completion'),
    commitments: partyMemberSchema.shape.commitments,
    ownCommitments: partyMemberSchema.shape.ownCommitments,
    pairings: partyMemberDetailSchema.shape.pairings,
  })
  .meta({ id: 'ServiceRecord' });

export const partyTaskSchema = z
  .object({
    id,
    orgId: id.describe('the compound or community whose approved members are asked'),
    branchId: id.nullable().describe('whose secretary hears of escalations; null: the members’ own'),
    title: z.string(),
    description: z.string().describe('empty when none was given'),
    place: z.string().describe('empty when none was given'),
    kind: z
      .enum(['assigned', 'volunteers'])
      .describe('assigned: named people, one slot each; volunteers: the first to accept take the slots'),
    slots: z.number().int(),
    dueAt: z.date(),
    acceptBy: z.date().describe('when unfilled slots escalate'),
    remindAt: z.date().nullable().describe('when accepters are reminded; null: no reminder'),
    status: z.enum(['open', 'done', 'cancelled']),
    remindedAt: z.date().nullable(),
    unacceptedEscalatedAt: z.date().nullable(),
    overdueEscalatedAt: z.date().nullable(),
    createdBy: z.string().describe('the label of the token that created it'),
    createdAt: z.date(),
    finishedAt: z.date().nullable().describe('when it was done or cancelled'),
  })
  .meta({ id: 'PartyTask' });

export const partyTaskListItemSchema = partyTaskSchema
  .extend({
    taken: z.number().int().describe('slots taken: accepted or completed'),
  })
  .meta({ id: 'PartyTaskListItem' });

export const partyTaskAssignmentSchema = z
  .object({
    personId: id,
    name: z.string(),
    status: z.enum(['invited', 'accepted', 'declined', 'completed']),
    respondedAt: z.date().nullable(),
    completedAt: z.date().nullable(),
    note: z.string().nullable(),
    photo: z.string().nullable().describe('the completion photo’s media reference'),
    hours: hours.nullable(),
  })
  .meta({ id: 'PartyTaskAssignment' });

export const partyTaskDetailSchema = partyTaskSchema
  .extend({
    assignments: z.array(partyTaskAssignmentSchema).describe('who was asked or volunteered, by person id'),
  })
  .meta({ id: 'PartyTaskDetail' });
