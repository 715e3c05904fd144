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

/** The compound an org belongs to (itself, or the compound above a building), or null. */
export async function compoundAbove(
  q: Queryable,
  orgId: number | null,
): Promise<{ id: number; name: string } | null> {
  if (orgId === null) return null;
  const { rows } = await q.query<{ id: number; name: string }>(
    `SELECT a.id, a.name FROM linli.orgs o JOIN linli.orgs a ON a.id = ANY(o.path)
     WHERE o.id = $1 AND a.kind = 'compound' LIMIT 1`,
    [orgId],
  );
  return rows[0] ? { id: Number(rows[0].id), name: rows[0].name } : null;
}
