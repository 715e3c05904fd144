import { z } from 'zod';
import type { Queryable } from '../db/db.js';

/**
 * The directory: the read side of the org tree and of people that access control, scoping and
 * addressing stand on — where an org sits (its path), who a person is and whether they are inside
 * a subtree. The orgs and people modules own the tables, their writes and their API, and re-export
 * these; the kernel reads them here so that it needs no module.
 */

/** The org tree, top down. Each kind's parent is the kind just above it, and only that. */
export const ORG_KINDS = ['city', 'district', 'subdistrict', 'community', 'compound', 'building'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export const orgSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(ORG_KINDS),
    name: z.string(),
    parentId: z.number().int().nullable(),
    path: z.array(z.number().int()).describe('ids from the root down to this org, itself last'),
    settings: z.record(z.string(), z.unknown()),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'Org' });
export type Org = z.infer<typeof orgSchema>;

export interface OrgRow {
  id: number;
  kind: OrgKind;
  name: string;
  parent_id: number | null;
  path: (number | string)[];
  settings: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export const ORG_COLUMNS = 'id, kind, name, parent_id, path, settings, created_at, updated_at';

export function toOrg(r: OrgRow): Org {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    parentId: r.parent_id,
    // int8[] elements arrive as strings from pg and PGlite alike
    path: r.path.map(Number),
    settings: r.settings ?? {},
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function findOrg(q: Queryable, id: number, forUpdate = false): Promise<Org | null> {
  const { rows } = await q.query<OrgRow>(
    `SELECT ${ORG_COLUMNS} FROM linli.orgs WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ? toOrg(rows[0]) : null;
}

/** An org's path (root … itself), or [] when there is no such org. */
export async function orgPath(q: Queryable, id: number): Promise<number[]> {
  return (await findOrg(q, id))?.path ?? [];
}

export const personSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    phone: z.string().nullable().describe('masked (138****5678) for viewer tokens'),
    locale: z.enum(['zh-CN', 'en']),
    orgId: z.number().int().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: 'Person' });
export type Person = z.infer<typeof personSchema>;

export interface PersonRow {
  id: number;
  name: string;
  phone: string | null;
  locale: 'zh-CN' | 'en';
  org_id: number | null;
  created_at: Date;
}
export const toPerson = (r: PersonRow): Person => ({
  id: r.id,
  name: r.name,
  phone: r.phone,
  locale: r.locale,
  orgId: r.org_id,
  createdAt: r.created_at,
});

/**
 * Whether a person is inside an org's subtree: registered there, holding a role there, or
 * owning a unit there. SQL fragment over `p` (people) with the org id as parameter `$n`.
 */
export const personInSubtree = (n: number) => `(
  EXISTS (SELECT 1 FROM linli.orgs o WHERE o.id = p.org_id AND o.path @> ARRAY[$${n}::bigint])
  OR EXISTS (SELECT 1 FROM linli.role_assignments ra JOIN linli.orgs o ON o.id = ra.org_id
             WHERE ra.person_id = p.id AND o.path @> ARRAY[$${n}::bigint])
  OR EXISTS (SELECT 1 FROM linli.unit_owners uo JOIN linli.units u ON u.id = uo.unit_id
             JOIN linli.orgs o ON o.id = u.compound_id
             WHERE uo.person_id = p.id AND o.path @> ARRAY[$${n}::bigint]))`;

export async function findPerson(
  q: Queryable,
  id: number,
  scopeOrgId: number | null,
): Promise<Person | null> {
  const { rows } = await q.query<PersonRow>(
    `SELECT p.* FROM linli.people p WHERE p.id = $1 ${scopeOrgId === null ? '' : `AND ${personInSubtree(2)}`}`,
    scopeOrgId === null ? [id] : [id, scopeOrgId],
  );
  return rows[0] ? toPerson(rows[0]) : null;
}
