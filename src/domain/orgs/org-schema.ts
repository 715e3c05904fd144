import { z } from 'zod';

/** The org tree, top down. Each kind's parent is the kind just above it, and only that. */
export const ORG_KINDS = ['city', 'district', 'subdistrict', 'community', 'compound', 'building'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

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

export const updateOrgBody = z
  .strictObject({ name: name.optional(), parentId: id.optional() })
  .refine((b) => b.name !== undefined || b.parentId !== undefined, { message: 'give name or parentId' });
export type UpdateOrgBody = z.infer<typeof updateOrgBody>;

export const orgSchema = z.object({
  id: z.number(),
  kind: z.enum(ORG_KINDS),
  name: z.string(),
  parentId: z.number().nullable(),
  path: z.array(z.number()).describe('ids from the root down to this org, itself last'),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type Org = z.infer<typeof orgSchema>;
