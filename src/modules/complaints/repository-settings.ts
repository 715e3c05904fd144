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

/** How a complaint's handlers are chosen (see README, Dispatch). */
export const DISPATCH_MODES = ['assign', 'grab', 'round_robin'] as const;
export type DispatchMode = (typeof DISPATCH_MODES)[number];

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
