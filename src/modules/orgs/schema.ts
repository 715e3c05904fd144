import { z } from 'zod';

import { ORG_KINDS, type OrgKind } from '../../kernel/access/directory.js';

export { ORG_KINDS, type Org, type OrgKind, orgSchema } from '../../kernel/access/directory.js';

export const PARENT_KIND: Record<OrgKind, OrgKind | null> = {
  city: null,
  district: 'city',
  subdistrict: 'district',
  community: 'subdistrict',
  compound: 'community',
  building: 'compound',
};

export const KIND_LABEL_ZH: Record<OrgKind, string> = {
  city: '市',
  district: '区/县',
  subdistrict: '街道',
  community: '社区',
  compound: '小区',
  building: '楼栋',
};

const name = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const id = z.number().int().positive();

export const createOrgBody = z.strictObject({
  kind: z.enum(ORG_KINDS),
  name,
  parentId: id.nullable().optional(),
});
export type CreateOrgBody = z.infer<typeof createOrgBody>;

const code = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lowercase letters, digits and _');

/**
 * What an org configures for its subtree (the nearest org that sets a key wins):
 * its complaint categories, which role handles each category first at the compound, whether
 * resident registrations wait for approval, and which handler roles serve the orgs below them.
 */
export const orgSettingsSchema = z.strictObject({
  complaintCategories: z
    .array(
      z.strictObject({ code, zh: z.string().trim().min(1).max(40), en: z.string().trim().min(1).max(80) }),
    )
    .min(1)
    .max(30)
    .refine((l) => new Set(l.map((c) => c.code)).size === l.length, { message: 'category codes must differ' })
    .optional(),
  categoryRoles: z
    .record(
      code,
      z.enum(['handler', 'grid_worker', 'property_manager', 'committee_member', 'party_secretary']),
    )
    .optional(),
  requireResidentApproval: z.boolean().optional(),
  /**
   * how a complaint of a category (or `*`) reaches its handlers, inherited down the tree (the
   * nearest org naming the category, else `*`): `assign` (default: every handler of the level is
   * told, whoever accepts handles it; an admin may assign), `grab` (抢单: every eligible handler gets
   * a 抢单 button, the first press takes it and the others are told who did)
   */
  dispatch: z.record(z.union([code, z.literal('*')]), z.enum(['assign', 'grab', 'round_robin'])).optional(),
  /**
   * the handler roles whose holders serve the orgs below them: when nobody at a complaint's level
   * holds the role its notice needs, the nearest holder up the org path is told (default:
   * grid_worker, the grid worker registered at the community who serves its compounds)
   */
  nearestHolderRoles: z
    .array(z.enum(['handler', 'grid_worker', 'property_manager']))
    .max(3)
    .refine((l) => new Set(l).size === l.length, { message: 'roles must differ' })
    .optional(),
});
export type OrgSettings = z.infer<typeof orgSettingsSchema>;

export const updateOrgBody = z
  .strictObject({ name: name.optional(), parentId: id.optional(), settings: orgSettingsSchema.optional() })
  .refine((b) => b.name !== undefined || b.parentId !== undefined || b.settings !== undefined, {
    message: 'give name, parentId or settings',
  });
export type UpdateOrgBody = z.infer<typeof updateOrgBody>;
