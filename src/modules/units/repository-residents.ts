import type { Queryable } from '../../kernel/db/db.js';

/**
 * The SQL of a resident's registration at a unit (the `register_resident` action). Each function
 * runs on the `Queryable` it is given.
 */

/**
 * Whether claims at the compound wait for a committee member's or grid worker's approval: yes
 * unless its settings say `requireResidentApproval: false`.
 *
 * Why on by default: a claim makes the claimant a resident of that unit, and a unit's residents
 * answer its evaluations (one answer per unit) and will see what is meant for the unit. Anyone in
 * a residents' group can type any address, and group members include tenants, relatives, agents
 * and people who moved out; the committee and the grid worker know who lives where, and one
 * button press is little work against a neighbour's unit answered by someone else. A compound
 * that prefers open registration (a small one where everybody knows everybody) turns it off.
 */
export async function requiresResidentApproval(q: Queryable, compoundId: number): Promise<boolean> {
  const { rows } = await q.query<{ approval: boolean | null }>(
    `SELECT (settings ->> 'requireResidentApproval')::boolean AS approval FROM linli.orgs WHERE id = $1`,
    [compoundId],
  );
  return rows[0]?.approval !== false;
}

/**
 * Ties the person to the unit: a new claim, or a claim made again after a rejection (pending again,
 * or approved where no approval is needed). A person already approved at the unit stays approved.
 * The claim's id, its status now, and when it was (re)made.
 */
export async function upsertUnitResident(
  tx: Queryable,
  r: { unitId: number; personId: number; status: 'pending' | 'approved'; decidedAt: Date | null },
): Promise<{ id: number; status: string; created_at: Date }> {
  const { rows } = await tx.query<{ id: number; status: string; created_at: Date }>(
    `INSERT INTO linli.unit_residents (unit_id, person_id, status, decided_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (unit_id, person_id) DO UPDATE SET status = EXCLUDED.status,
             decided_at = EXCLUDED.decided_at, decided_by = NULL, decided_by_person_id = NULL, created_at = now()
           WHERE linli.unit_residents.status <> 'approved'
           RETURNING id, status, created_at`,
    [r.unitId, r.personId, r.status, r.decidedAt],
  );
  if (rows[0]) return { ...rows[0], id: Number(rows[0].id) };
  const kept = await tx.query<{ id: number; status: string; created_at: Date }>(
    'SELECT id, status, created_at FROM linli.unit_residents WHERE unit_id = $1 AND person_id = $2',
    [r.unitId, r.personId],
  );
  return { ...kept.rows[0]!, id: Number(kept.rows[0]!.id) };
}
