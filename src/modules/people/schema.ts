import { z } from 'zod';
import { personSchema } from '../../kernel/access/directory.js';
import { CHANNELS } from '../../kernel/chat/port.js';

export { CHANNELS, type Channel } from '../../kernel/chat/port.js';

export const ROLES = [
  'admin',
  'handler',
  'grid_worker',
  'property_manager',
  'committee_member',
  'party_secretary',
  'party_member',
  'resident',
  'owner',
  'branch_secretary',
] as const;
export type Role = (typeof ROLES)[number];

/** Mainland mobile (11 digits from 1) or a landline with area code; spaces and dashes allowed. */
export const phoneSchema = z
  .string()
  .trim()
  .transform((v) => v.replace(/[\s-]/g, ''))
  .pipe(
    z.string().regex(/^(\+?86)?(1\d{10}|0\d{2,3}\d{7,8})$/, 'must be a mainland mobile or landline number'),
  );

export const createPersonBody = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  phone: phoneSchema.optional(),
  locale: z.enum(['zh-CN', 'en']).optional(),
  orgId: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('the org that registers the person; defaults to the token’s org'),
});
export type CreatePersonBody = z.infer<typeof createPersonBody>;

/** What an admin may change of a person: at least one of name, phone, locale (the language of
 *  every message Linli sends them). */
export const updatePersonBody = z
  .strictObject({
    name: createPersonBody.shape.name.optional(),
    phone: phoneSchema.optional(),
    locale: z.enum(['zh-CN', 'en']).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'name, phone or locale is required' });
export type UpdatePersonBody = z.infer<typeof updatePersonBody>;

export const identityBody = z.strictObject({
  channel: z.enum(CHANNELS),
  externalId: z.string().trim().min(1).max(200),
  displayName: z.string().trim().max(200).optional(),
});
export type IdentityBody = z.infer<typeof identityBody>;

export const roleBody = z.strictObject({
  personId: z.number().int().positive(),
  role: z.enum(ROLES),
});

export const identitySchema = z
  .object({
    id: z.number().int(),
    channel: z.enum(CHANNELS),
    externalId: z.string(),
    displayName: z.string().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: 'Identity' });

export { type Person, personSchema } from '../../kernel/access/directory.js';

export const personDetailSchema = personSchema
  .extend({
    mergedInto: z
      .number()
      .nullable()
      .describe(
        'set when this person was merged into another (POST /people/:id/merge): that one is who they are now',
      ),
    identities: z.array(identitySchema),
    roles: z.array(z.object({ id: z.number().int(), orgId: z.number().int(), role: z.enum(ROLES) })),
  })
  .meta({ id: 'PersonDetail' });

export const roleAssignmentSchema = z
  .object({
    id: z.number().int(),
    personId: z.number().int(),
    personName: z.string(),
    orgId: z.number().int(),
    role: z.enum(ROLES),
    createdAt: z.date(),
  })
  .meta({ id: 'RoleAssignment' });
export type RoleAssignment = z.infer<typeof roleAssignmentSchema>;

export function maskPhone(phone: string | null): string | null {
  if (!phone) return phone;
  return phone.length > 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';
}

export const mergeBody = z.strictObject({
  from: z.number().int().positive().describe('the person absorbed into the one in the path'),
});

export const mergeResultSchema = z
  .object({
    keep: z.number(),
    from: z.number(),
    moved: z.record(z.string(), z.number()).describe('rows moved to the kept person, per kind'),
  })
  .meta({ id: 'PersonMergeResult' });
