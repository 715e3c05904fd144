import { locationKey, locationOf, locationText } from '../../flows/answers.js';
import type { Queryable } from '../../kernel/db/db.js';

/**
 * The SQL of residents' claims on units (`linli.unit_residents`: 登记, pending until decided where
 * the compound asks for approval) and of who may decide them.
 */
export interface ClaimRow {
  id: number;
  unit_id: number;
  person_id: number;
  person_name: string;
  compound_id: number;
  /** in its canonical spelling (3栋2单元501), whatever the register's: what the resident typed and saw */
  address: string;
  status: 'pending' | 'approved' | 'rejected';
  created_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  decided_by_person_id: number | null;
}

const SELECT_CLAIM = `SELECT r.id, r.unit_id, r.person_id, p.name AS person_name, u.compound_id,
    b.name AS building, u.unit_no, u.room, r.status, r.created_at, r.decided_at, r.decided_by,
    r.decided_by_person_id
  FROM linli.unit_residents r JOIN linli.units u ON u.id = r.unit_id
  JOIN linli.orgs b ON b.id = u.building_id JOIN linli.people p ON p.id = r.person_id`;

type Read = Omit<ClaimRow, 'address'> & { building: string; unit_no: string; room: string };

const num = ({ building, unit_no, room, ...r }: Read): ClaimRow => ({
  ...r,
  address: locationText(locationOf(locationKey({ building, unit: unit_no, room }))),
  id: Number(r.id),
  unit_id: Number(r.unit_id),
  person_id: Number(r.person_id),
  compound_id: Number(r.compound_id),
  decided_by_person_id: r.decided_by_person_id === null ? null : Number(r.decided_by_person_id),
});

/** A claim, locked for the caller's transaction when `lock`; undefined when there is none. */
export async function findClaim(q: Queryable, id: number, lock = false): Promise<ClaimRow | undefined> {
  const { rows } = await q.query<Read>(`${SELECT_CLAIM} WHERE r.id = $1${lock ? ' FOR UPDATE OF r' : ''}`, [
    id,
  ]);
  return rows[0] ? num(rows[0]) : undefined;
}

/** Up to `take` claims at a compound (of one status when named) after id `after`, in id order. */
export async function listClaims(
  q: Queryable,
  f: { compoundId: number; status: string | null; after: number | null; take: number },
): Promise<ClaimRow[]> {
  const { rows } = await q.query<Read>(
    `${SELECT_CLAIM} WHERE u.compound_id = $1 AND ($2::text IS NULL OR r.status = $2)
       AND ($3::bigint IS NULL OR r.id > $3) ORDER BY r.id LIMIT $4`,
    [f.compoundId, f.status, f.after, f.take],
  );
  return rows.map(num);
}

export async function setClaimDecision(
  tx: Queryable,
  id: number,
  d: { status: 'approved' | 'rejected'; at: Date; by: string; byPersonId: number | null },
): Promise<void> {
  await tx.query(
    `UPDATE linli.unit_residents SET status = $2, decided_at = $3, decided_by = $4, decided_by_person_id = $5
     WHERE id = $1`,
    [id, d.status, d.at, d.by.slice(0, 200), d.byPersonId],
  );
}

/** Roles that decide claims at their compound (held there or at an org above it). */
export const CLAIM_DECIDER_ROLES = ['committee_member', 'grid_worker'];

/** Who decides the compound's claims: its committee members and grid workers. */
export async function claimDeciders(q: Queryable, compoundId: number): Promise<number[]> {
  const { rows } = await q.query<{ person_id: number }>(
    `SELECT DISTINCT ra.person_id FROM linli.orgs c JOIN linli.role_assignments ra ON ra.org_id = ANY(c.path)
     WHERE c.id = $1 AND ra.role = ANY($2::text[]) ORDER BY ra.person_id`,
    [compoundId, CLAIM_DECIDER_ROLES],
  );
  return rows.map((r) => Number(r.person_id));
}

/** Whether a person decides claims at a compound. */
export async function decidesClaims(q: Queryable, personId: number, compoundId: number): Promise<boolean> {
  return (await claimDeciders(q, compoundId)).includes(personId);
}
