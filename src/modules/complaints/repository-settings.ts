import type { Queryable } from '../../kernel/db/db.js';
import type { Category } from './categories.js';
import type { EscalationPolicy } from './escalation-policy.js';

/**
 * The SQL of what orgs set for complaints: escalation policies (`linli.escalation_policies`) and
 * the settings read along a compound's chain (`orgs.settings`: complaintCategories,
 * categoryRoles), the nearest org first. Each function runs on the `Queryable` it is given.
 */

/** The policies on a compound's chain, nearest first. */
export async function policiesFor(
  q: Queryable,
  compoundId: number,
): Promise<{ orgId: number; policy: EscalationPolicy }[]> {
  const { rows } = await q.query<{ org_id: number; policy: EscalationPolicy }>(
    `SELECT p.org_id, p.policy FROM linli.orgs o JOIN linli.escalation_policies p ON p.org_id = ANY(o.path)
     WHERE o.id = $1 ORDER BY array_position(o.path, p.org_id) DESC`,
    [compoundId],
  );
  return rows.map((r) => ({ orgId: r.org_id, policy: r.policy }));
}

/** The org's own escalation policy and when it was last set, if it has one. */
export async function findEscalationPolicy(
  q: Queryable,
  orgId: number,
): Promise<{ policy: EscalationPolicy; updated_at: Date } | undefined> {
  const { rows } = await q.query<{ policy: EscalationPolicy; updated_at: Date }>(
    'SELECT policy, updated_at FROM linli.escalation_policies WHERE org_id = $1',
    [orgId],
  );
  return rows[0];
}

/** The org's own escalation policy, if it has one (what a replacement's audit entry had before). */
export async function ownEscalationPolicy(
  tx: Queryable,
  orgId: number,
): Promise<EscalationPolicy | undefined> {
  const before = await tx.query<{ policy: EscalationPolicy }>(
    'SELECT policy FROM linli.escalation_policies WHERE org_id = $1',
    [orgId],
  );
  return before.rows[0]?.policy;
}

/** Sets (or replaces) the org's escalation policy: when it was set. */
export async function upsertEscalationPolicy(
  tx: Queryable,
  orgId: number,
  policy: EscalationPolicy,
): Promise<Date> {
  const { rows } = await tx.query<{ updated_at: Date }>(
    `INSERT INTO linli.escalation_policies (org_id, policy) VALUES ($1, $2)
         ON CONFLICT (org_id) DO UPDATE SET policy = EXCLUDED.policy, updated_at = now() RETURNING updated_at`,
    [orgId, JSON.stringify(policy)],
  );
  return rows[0]!.updated_at;
}

/** The category list of the nearest org on the chain that sets one, or null when none does. */
export async function nearestCategories(q: Queryable, orgId: number): Promise<Category[] | null> {
  const { rows } = await q.query<{ categories: Category[] | null }>(
    `SELECT a.settings -> 'complaintCategories' AS categories
     FROM linli.orgs o JOIN linli.orgs a ON a.id = ANY(o.path)
     WHERE o.id = $1 AND a.settings ? 'complaintCategories'
     ORDER BY array_position(o.path, a.id) DESC LIMIT 1`,
    [orgId],
  );
  return rows[0]?.categories ?? null;
}

/**
 * The category list in force for a conversation's org in one statement: the nearest list at or
 * above its compound (a building below the compound keeps the compound's), as `categoriesFor(q,
 * (await compoundOf(q, orgId))?.id ?? orgId)` answers in two; null when no org there sets one.
 */
export async function compoundCategories(q: Queryable, orgId: number): Promise<Category[] | null> {
  const { rows } = await q.query<{ categories: Category[] | null }>(
    `WITH o AS (SELECT path FROM linli.orgs WHERE id = $1),
          top AS (SELECT coalesce((SELECT min(array_position(o.path, a.id)) FROM linli.orgs a
                                    WHERE a.id = ANY(o.path) AND a.kind = 'compound'),
                                  cardinality(o.path)) AS pos FROM o)
     SELECT a.settings -> 'complaintCategories' AS categories
       FROM o CROSS JOIN top JOIN linli.orgs a ON a.id = ANY(o.path)
      WHERE a.settings ? 'complaintCategories' AND array_position(o.path, a.id) <= top.pos
      ORDER BY array_position(o.path, a.id) DESC LIMIT 1`,
    [orgId],
  );
  return rows[0]?.categories ?? null;
}

/** How a complaint's handlers are chosen (see README, Dispatch). */
export const DISPATCH_MODES = ['assign', 'grab', 'round_robin'] as const;
export type DispatchMode = (typeof DISPATCH_MODES)[number];

/**
 * The dispatch mode of a category at a compound: the nearest org on its chain whose
 * `settings.dispatch` names the category, else `*` (an org naming the category wins over a `*` of
 * the same org); null when none does (the default, `assign`).
 */
export async function dispatchMode(
  q: Queryable,
  compoundId: number,
  category: string,
): Promise<DispatchMode | null> {
  const { rows } = await q.query<{ mode: DispatchMode }>(
    `SELECT COALESCE(a.settings -> 'dispatch' ->> $2, a.settings -> 'dispatch' ->> '*') AS mode
       FROM linli.orgs o JOIN linli.orgs a ON a.id = ANY(o.path)
      WHERE o.id = $1 AND (a.settings -> 'dispatch' ? $2 OR a.settings -> 'dispatch' ? '*')
      ORDER BY array_position(o.path, a.id) DESC LIMIT 1`,
    [compoundId, category],
  );
  return rows[0]?.mode ?? null;
}

/** The role the nearest `settings.categoryRoles` on the compound's chain names for the category, or null. */
export async function categoryRole(
  q: Queryable,
  compoundId: number,
  category: string,
): Promise<string | null> {
  const { rows } = await q.query<{ role: string | null }>(
    `SELECT a.settings -> 'categoryRoles' ->> $2 AS role
       FROM linli.orgs o JOIN linli.orgs a ON a.id = ANY(o.path)
       WHERE o.id = $1 AND a.settings -> 'categoryRoles' ? $2
       ORDER BY array_position(o.path, a.id) DESC LIMIT 1`,
    [compoundId, category],
  );
  return rows[0]?.role ?? null;
}

/** The nearest `settings.nearestHolderRoles` on an org's chain (the org itself first), or null when none sets it. */
export async function nearestHolderRoles(q: Queryable, orgId: number): Promise<string[] | null> {
  const { rows } = await q.query<{ roles: string[] }>(
    `SELECT a.settings -> 'nearestHolderRoles' AS roles
       FROM linli.orgs o JOIN linli.orgs a ON a.id = ANY(o.path)
       WHERE o.id = $1 AND a.settings ? 'nearestHolderRoles'
       ORDER BY array_position(o.path, a.id) DESC LIMIT 1`,
    [orgId],
  );
  return rows[0]?.roles ?? null;
}
