import { z } from 'zod';
import type { ImageType } from '../../kernel/media/image-type.js';
import { dutyRosterSchema } from './duty-roster.js';
import { escalationPolicySchema } from './escalation-policy.js';
import { ACTIONS, LEVELS, STATUSES } from './lifecycle.js';

// The response shapes of the complaint API (queries/complaints.ts, commands/policy.ts, commands/roster.ts).

const id = z.number().int();
const count = z.number().int();

/** A complaint as the list and the detail show it. */
export const complaintSchema = z
  .object({
    id,
    number: z.string().describe('what the resident quotes: filing date and a running number, 20261123-0042'),
    orgId: id.describe('the compound it was filed in'),
    levelOrgId: id.describe('the org handling it at its current level'),
    level: z.enum(LEVELS),
    status: z.enum(STATUSES),
    version: count.describe('send it back with an action to refuse a stale one (409)'),
    category: z.string(),
    description: z.string(),
    location: z
      .object({ building: z.string(), unit: z.string().nullable(), room: z.string().nullable() })
      .nullable(),
    photos: z
      .array(z.string())
      .describe('the resident’s photos as stored; their bytes: the detail’s photoUrls'),
    anonymous: z.boolean(),
    reporterId: id
      .nullable()
      .describe(
        'null when filed from outside Linli, or anonymous and the token is below the community level',
      ),
    assigneeId: id.nullable(),
    assignedRole: z.string().nullable().describe('handed to a role rather than a person (transfer)'),
    createdAt: z.date(),
    ackDueAt: z.date().nullable(),
    resolveDueAt: z.date().nullable(),
    acknowledgedAt: z.date().nullable(),
    resolvedAt: z.date().nullable(),
    closedAt: z.date().nullable(),
    overdue: z.boolean().describe('overdue at the top level, or a running deadline has passed'),
    escalations: count,
    reopenCount: count,
    rating: z.enum(['satisfied', 'basically_satisfied', 'dissatisfied']).nullable(),
  })
  .meta({ id: 'Complaint' });

/** One entry of a complaint's timeline, oldest first. */
export const complaintEventSchema = z
  .object({
    id,
    at: z.date(),
    actor: z
      .string()
      .nullable()
      .describe(
        'who acted: an API token’s label, a handler’s name, reporter, or system and linli for the service itself',
      ),
    actorPersonId: id.nullable(),
    type: z
      .string()
      .describe(
        `submitted, an action (${ACTIONS.join(', ')}), or what the system recorded (unreachable: a notice that could not be delivered, …)`,
      ),
    fromStatus: z.string().nullable(),
    toStatus: z.string().nullable(),
    levelOrgId: id.nullable(),
    note: z.string().nullable(),
    photos: z.array(z.string()),
    // only on a move of who has it (assign, transfer, return, or any event naming an assignee)
    assigneeId: id.nullable().optional().describe('on a move of who has it: who has it after'),
    assignedRole: z.string().nullable().optional().describe('on a move: the role it was handed to'),
    priorAssigneeId: id.nullable().optional().describe('on a move: who had it before'),
  })
  .meta({ id: 'ComplaintEvent' });

export const complaintDetailSchema = complaintSchema
  .extend({
    events: z.array(complaintEventSchema),
    photoUrls: z
      .array(z.string())
      .describe(
        'where each photo’s bytes are (GET, same token): the resident’s photos, then the timeline’s after filing',
      ),
  })
  .meta({ id: 'ComplaintDetail' });

/** What the photo route sends: the image by its bytes (never by a name a sender chose). */
export const PHOTO_TYPES = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
] as const satisfies readonly ImageType[];

/** The photo route's 200: one of PHOTO_TYPES, as the photo's bytes say. */
export const complaintPhotoResponse = {
  description: 'The photo’s bytes, as the type its bytes are (JPEG, PNG, GIF or WebP)',
  content: Object.fromEntries(
    PHOTO_TYPES.map((type) => [
      type,
      // a Buffer, sent unserialized; documented as the bytes it is
      { schema: z.instanceof(Buffer).meta({ type: 'string', format: 'binary' }) },
    ]),
  ),
};

const stamped = { orgId: id, updatedAt: z.date() };

/** An org's own escalation policy, as it was set. */
export const escalationPolicyResponseSchema = z
  .object({ ...escalationPolicySchema.shape, ...stamped })
  .meta({ id: 'EscalationPolicy' });

/** An org's duty roster, as it was set (timeZone and exceptions filled in). */
export const dutyRosterResponseSchema = z
  .object({ ...dutyRosterSchema.shape, ...stamped })
  .meta({ id: 'DutyRoster' });

/** The complaint categories in force at an org (GET /orgs/:id/complaint-categories). */
export const complaintCategoriesSchema = z
  .object({
    orgId: z.number().int(),
    items: z.array(
      z.object({
        code: z.string().describe('what a complaint’s `category` holds'),
        zh: z.string(),
        en: z.string(),
      }),
    ),
  })
  .meta({ id: 'ComplaintCategories' });
