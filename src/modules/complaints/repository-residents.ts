import type { Queryable } from '../../kernel/db/db.js';

/**
 * The SQL of a resident's registration at a unit (the `register_resident` action). Each function
 * runs on the `Queryable` it is given.
 */

/** Whether the compound sets `requireResidentApproval` (registrations wait for a handler). */
export async function requiresResidentApproval(q: Queryable, compoundId: number): Promise<boolean> {
  const { rows } = await q.query<{ approval: boolean | null }>(
    `SELECT (settings ->> 'requireResidentApproval')::boolean AS approval FROM linli.orgs WHERE id = $1`,
    [compoundId],
  );
  return rows[0]?.approval === true;
}

/** Ties the person to the unit (or changes the tie's status); `decidedAt` null while pending. */
export async function upsertUnitResident(
  tx: Queryable,
  r: { unitId: number; personId: number; status: 'pending' | 'approved'; decidedAt: Date | null },
): Promise<void> {
  await tx.query(
    `INSERT INTO linli.unit_residents (unit_id, person_id, status, decided_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (unit_id, person_id) DO UPDATE SET status = EXCLUDED.status, decided_at = EXCLUDED.decided_at`,
    [r.unitId, r.personId, r.status, r.decidedAt],
  );
}
