import type { Queryable } from '../../kernel/db/db.js';
import { personInSubtree } from '../people/index.js';

/**
 * The SQL of the owner register: units, their owners, the buildings of a compound. Each function
 * runs on the `Queryable` it is given (the import's transaction).
 */

/** Adds a unit at its address or updates its area: its id, and whether it was new. */
export async function upsertUnit(
  tx: Queryable,
  u: { compoundId: number; buildingId: number; unit: string; room: string; area: string },
): Promise<{ id: number; inserted: boolean }> {
  const { rows } = await tx.query<{ id: number; inserted: boolean }>(
    `INSERT INTO linli.units (compound_id, building_id, unit_no, room, area) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (building_id, unit_no, room) DO UPDATE SET area = EXCLUDED.area, updated_at = now()
           RETURNING id, (xmax = 0) AS inserted`,
    [u.compoundId, u.buildingId, u.unit, u.room, u.area],
  );
  return rows[0]!;
}

export async function deleteUnitOwners(tx: Queryable, unitId: number): Promise<void> {
  await tx.query('DELETE FROM linli.unit_owners WHERE unit_id = $1', [unitId]);
}

export async function insertUnitOwner(
  tx: Queryable,
  unitId: number,
  personId: number,
  isVoter: boolean,
): Promise<void> {
  await tx.query('INSERT INTO linli.unit_owners (unit_id, person_id, is_voter) VALUES ($1, $2, $3)', [
    unitId,
    personId,
    isVoter,
  ]);
}

/** A unit as listed: its building's name, its area as text, its owners (null: none). */
export interface UnitListRow {
  id: number;
  compound_id: number;
  building_id: number;
  building: string;
  unit_no: string;
  room: string;
  area: string;
  owners: { personId: number; name: string; voter: boolean }[] | null;
}

/** Up to `limit` units of the compound (of one building when named) after id `after`, in id order. */
export async function listUnits(
  q: Queryable,
  f: { compoundId: number; building: string | null; after: number | null; limit: number },
): Promise<UnitListRow[]> {
  const { rows } = await q.query<UnitListRow>(
    `SELECT u.id, u.compound_id, u.building_id, b.name AS building, u.unit_no, u.room, u.area::text AS area,
              (SELECT json_agg(json_build_object('personId', p.id, 'name', p.name, 'voter', uo.is_voter) ORDER BY p.id)
                 FROM linli.unit_owners uo JOIN linli.people p ON p.id = uo.person_id WHERE uo.unit_id = u.id) AS owners
       FROM linli.units u JOIN linli.orgs b ON b.id = u.building_id
       WHERE b.path @> ARRAY[$1::bigint] AND ($2::text IS NULL OR b.name = $2) AND ($3::bigint IS NULL OR u.id > $3)
       ORDER BY u.id LIMIT $4`,
    [f.compoundId, f.building, f.after, f.limit],
  );
  return rows;
}

/** The compound's buildings, by name. */
export async function buildingsOf(tx: Queryable, compoundId: number): Promise<Map<string, number>> {
  const { rows } = await tx.query<{ id: number; name: string }>(
    `SELECT id, name FROM linli.orgs WHERE parent_id = $1 AND kind = 'building'`,
    [compoundId],
  );
  return new Map(rows.map((r) => [r.name, r.id]));
}

/**
 * The person an owner of the register is: by phone among the people the compound's subtree
 * holds, else (no phone) by name among the compound's owners without a phone; null: nobody yet.
 */
export async function matchOwner(
  tx: Queryable,
  compoundId: number,
  name: string,
  phone?: string,
): Promise<number | null> {
  const { rows } = await tx.query<{ id: number }>(
    phone
      ? `SELECT p.id FROM linli.people p WHERE p.phone = $2 AND p.merged_into IS NULL AND ${personInSubtree(1)} ORDER BY p.id LIMIT 1`
      : `SELECT p.id FROM linli.people p WHERE p.name = $2 AND p.phone IS NULL AND p.merged_into IS NULL AND EXISTS (
           SELECT 1 FROM linli.role_assignments ra WHERE ra.person_id = p.id AND ra.org_id = $1 AND ra.role = 'owner')
         ORDER BY p.id LIMIT 1`,
    [compoundId, phone ?? name],
  );
  return rows[0]?.id ?? null;
}
