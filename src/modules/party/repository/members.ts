import type { Queryable } from '../../../kernel/db/db.js';

/**
 * The SQL of party members (`linli.party_members`: 报到 and its approval), their pairings with
 * households (`linli.party_pairings`), the service record and the January check-in
 * (`linli.party_checkins`), and the party roles they are addressed by.
 */
export interface MemberRow {
  id: number;
  person_id: number;
  name: string;
  branch_id: number;
  compound_id: number;
  commitments: string[];
  own_commitments: string[];
  status: 'pending' | 'approved' | 'rejected';
  approved_by: number | null;
  decided_by: string | null;
  decided_at: Date | null;
  reject_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A member with the names of their branch and compound. */
export type NamedMemberRow = MemberRow & { branch_name: string; compound_name: string };

const MEMBER_SELECT = `SELECT m.*, b.name AS branch_name, c.name AS compound_name
  FROM linli.party_members m JOIN linli.party_branches b ON b.id = m.branch_id
  JOIN linli.orgs c ON c.id = m.compound_id`;

// -----------------------------------------------------------------------------------------------
// members

/** The person's registration at the compound, locked (FOR UPDATE) in the caller's transaction. */
export async function lockRegistration(
  tx: Queryable,
  personId: number,
  compoundId: number,
): Promise<MemberRow | undefined> {
  const { rows } = await tx.query<MemberRow>(
    'SELECT * FROM linli.party_members WHERE person_id = $1 AND compound_id = $2 FOR UPDATE',
    [personId, compoundId],
  );
  return rows[0];
}

/** A pending registration: new, or the person's earlier one at the compound made pending again. */
export async function upsertPendingMember(
  tx: Queryable,
  r: {
    personId: number;
    name: string;
    branchId: number;
    compoundId: number;
    commitments: string[];
    own: string[];
  },
): Promise<MemberRow> {
  const { rows } = await tx.query<MemberRow>(
    `INSERT INTO linli.party_members (person_id, name, branch_id, compound_id, commitments, own_commitments)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (person_id, compound_id) DO UPDATE SET name = EXCLUDED.name, branch_id = EXCLUDED.branch_id,
       commitments = EXCLUDED.commitments, own_commitments = EXCLUDED.own_commitments, status = 'pending',
       approved_by = NULL, decided_by = NULL, decided_at = NULL, reject_reason = NULL, updated_at = now()
     RETURNING *`,
    [r.personId, r.name, r.branchId, r.compoundId, JSON.stringify(r.commitments), JSON.stringify(r.own)],
  );
  return rows[0]!;
}

/** The person's name as they gave it when registering. */
export async function renamePerson(tx: Queryable, personId: number, name: string): Promise<void> {
  await tx.query('UPDATE linli.people SET name = $2, updated_at = now() WHERE id = $1', [personId, name]);
}

export async function branchAndCompoundNames(
  q: Queryable,
  branchId: number,
  compoundId: number,
): Promise<{ branch: string; compound: string } | undefined> {
  const { rows } = await q.query<{ branch: string; compound: string }>(
    `SELECT b.name AS branch, c.name AS compound FROM linli.party_branches b, linli.orgs c
     WHERE b.id = $1 AND c.id = $2`,
    [branchId, compoundId],
  );
  return rows[0];
}

/** The member with the path of their compound (for the scope checks); `lock`: FOR UPDATE OF m. */
export async function findMemberWithPath(
  q: Queryable,
  id: number,
  lock = false,
): Promise<(MemberRow & { path: string[] }) | undefined> {
  const { rows } = await q.query<MemberRow & { path: string[] }>(
    `SELECT m.*, o.path FROM linli.party_members m JOIN linli.orgs o ON o.id = m.compound_id
     WHERE m.id = $1${lock ? ' FOR UPDATE OF m' : ''}`,
    [id],
  );
  return rows[0];
}

export async function findNamedMember(q: Queryable, id: number): Promise<NamedMemberRow | undefined> {
  const { rows } = await q.query<NamedMemberRow>(`${MEMBER_SELECT} WHERE m.id = $1`, [id]);
  return rows[0];
}

/**
 * Members reporting in the subtree of `scope` (everywhere when null), optionally of one status and
 * branch, with ids above `after`, by id; at most `take` rows.
 */
export async function listNamedMembers(
  q: Queryable,
  f: {
    scope: number | null;
    status: string | null;
    branchId: number | null;
    after: number | null;
    take: number;
  },
): Promise<NamedMemberRow[]> {
  const { rows } = await q.query<NamedMemberRow>(
    `${MEMBER_SELECT}
     WHERE ($1::bigint IS NULL OR c.path @> ARRAY[$1::bigint]) AND ($2::text IS NULL OR m.status = $2)
       AND ($3::bigint IS NULL OR m.branch_id = $3) AND ($4::bigint IS NULL OR m.id > $4)
     ORDER BY m.id LIMIT $5`,
    [f.scope, f.status, f.branchId, f.after, f.take],
  );
  return rows;
}

/** The member, locked (FOR UPDATE) in the caller's transaction. */
export async function lockMember(tx: Queryable, id: number): Promise<MemberRow | undefined> {
  const { rows } = await tx.query<MemberRow>('SELECT * FROM linli.party_members WHERE id = $1 FOR UPDATE', [
    id,
  ]);
  return rows[0];
}

/** Records the decision on a registration. */
export async function setMemberDecision(
  tx: Queryable,
  id: number,
  d: {
    status: 'approved' | 'rejected';
    approvedBy: number | null;
    decidedBy: string;
    decidedAt: Date;
    reason: string | null;
  },
): Promise<MemberRow> {
  const { rows } = await tx.query<MemberRow>(
    `UPDATE linli.party_members SET status = $2, approved_by = $3, decided_by = $4, decided_at = $5,
       reject_reason = $6, updated_at = now() WHERE id = $1 RETURNING *`,
    [id, d.status, d.approvedBy, d.decidedBy, d.decidedAt, d.reason],
  );
  return rows[0]!;
}

/** Whether a person holds `party_secretary` at the member's compound or above it. */
export async function isPartySecretaryOfMember(
  q: Queryable,
  personId: number,
  memberId: number,
): Promise<boolean> {
  const { rows } = await q.query(
    `SELECT 1 FROM linli.party_members m JOIN linli.orgs c ON c.id = m.compound_id
     JOIN linli.role_assignments ra ON ra.org_id = ANY(c.path)
     WHERE m.id = $1 AND ra.person_id = $2 AND ra.role = 'party_secretary' LIMIT 1`,
    [memberId, personId],
  );
  return rows.length > 0;
}

/** Every approved member, by id. */
export async function approvedMembers(q: Queryable): Promise<MemberRow[]> {
  const { rows } = await q.query<MemberRow>(
    `SELECT * FROM linli.party_members WHERE status = 'approved' ORDER BY id`,
  );
  return rows;
}

/** Holders of `role` at the org or, when nobody holds it there, at the nearest org above it. */
export async function nearestRoleHolders(q: Queryable, orgId: number, role: string): Promise<number[]> {
  const { rows } = await q.query<{ person_id: number; depth: number }>(
    `SELECT ra.person_id, array_position(o.path, ra.org_id) AS depth
     FROM linli.orgs o JOIN linli.role_assignments ra ON ra.org_id = ANY(o.path)
     WHERE o.id = $1 AND ra.role = $2 ORDER BY depth DESC, ra.person_id`,
    [orgId, role],
  );
  const nearest = rows[0]?.depth;
  return [...new Set(rows.filter((r) => r.depth === nearest).map((r) => Number(r.person_id)))];
}

// -----------------------------------------------------------------------------------------------
// pairings (结对)

export interface PairingRow {
  unit_id: number;
  building: string;
  unit_no: string;
  room: string;
  created_at: Date;
}

/** The households the member is paired with, by unit id. */
export async function pairingsOfMember(q: Queryable, memberId: number): Promise<PairingRow[]> {
  const { rows } = await q.query<PairingRow>(
    `SELECT p.unit_id, b.name AS building, u.unit_no, u.room, p.created_at
     FROM linli.party_pairings p JOIN linli.units u ON u.id = p.unit_id JOIN linli.orgs b ON b.id = u.building_id
     WHERE p.member_id = $1 ORDER BY p.unit_id`,
    [memberId],
  );
  return rows;
}

/** The compound a unit lies in (undefined for no such unit). */
export async function compoundOfUnit(q: Queryable, unitId: number): Promise<number | undefined> {
  const { rows } = await q.query<{ compound_id: number }>(
    'SELECT compound_id FROM linli.units WHERE id = $1',
    [unitId],
  );
  return rows[0]?.compound_id;
}

/** Pairs the member with the unit (nothing when they are paired already). */
export async function insertPairing(tx: Queryable, memberId: number, unitId: number): Promise<void> {
  await tx.query(
    'INSERT INTO linli.party_pairings (member_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [memberId, unitId],
  );
}

/** Whether there was a pairing to delete. */
export async function deletePairing(tx: Queryable, memberId: number, unitId: number): Promise<boolean> {
  const { rows } = await tx.query(
    'DELETE FROM linli.party_pairings WHERE member_id = $1 AND unit_id = $2 RETURNING unit_id',
    [memberId, unitId],
  );
  return Boolean(rows[0]);
}

// -----------------------------------------------------------------------------------------------
// service record (全程纪实), the yearly review and the January check-in

export interface CompletedTaskRow {
  task_id: number;
  title: string;
  place: string;
  due_at: Date;
  completed_at: Date;
  hours: string | null;
  note: string | null;
  photo: string | null;
}

/** Tasks the person completed in [from, to) (ever, when from is null), by completion. */
export async function completedTasksOf(
  q: Queryable,
  personId: number,
  from: Date | null,
  to: Date | null,
): Promise<CompletedTaskRow[]> {
  const { rows } = await q.query<CompletedTaskRow>(
    `SELECT a.task_id, t.title, t.place, t.due_at, a.completed_at, a.hours, a.note, a.photo
     FROM linli.party_task_assignments a JOIN linli.party_tasks t ON t.id = a.task_id
     WHERE a.person_id = $1 AND a.status = 'completed'
       AND ($2::timestamptz IS NULL OR (a.completed_at >= $2 AND a.completed_at < $3))
     ORDER BY a.completed_at, a.task_id`,
    [personId, from, to],
  );
  return rows;
}

export interface ServiceRecordRow {
  id: number;
  name: string;
  branch: string;
  compound: string;
  status: string;
  commitments: string[];
  own_commitments: string[];
  pairings: number;
  tasks_done: number;
  /** hours served, in tenths */
  tenths: number;
}

/** One row per approved member reporting in the org's subtree, with their work in [from, to). */
export async function serviceRecordRows(
  q: Queryable,
  orgId: number,
  from: Date,
  to: Date,
): Promise<ServiceRecordRow[]> {
  const { rows } = await q.query<ServiceRecordRow>(
    `SELECT m.id, m.name, b.name AS branch, c.name AS compound, m.status, m.commitments, m.own_commitments,
       (SELECT count(*)::int FROM linli.party_pairings pp WHERE pp.member_id = m.id) AS pairings,
       (SELECT count(*)::int FROM linli.party_task_assignments a WHERE a.person_id = m.person_id
          AND a.status = 'completed' AND a.completed_at >= $2 AND a.completed_at < $3) AS tasks_done,
       (SELECT COALESCE(round(sum(a.hours) * 10), 0)::int FROM linli.party_task_assignments a WHERE a.person_id = m.person_id
          AND a.status = 'completed' AND a.completed_at >= $2 AND a.completed_at < $3) AS tenths
     FROM linli.party_members m JOIN linli.party_branches b ON b.id = m.branch_id
     JOIN linli.orgs c ON c.id = m.compound_id
     WHERE c.path @> ARRAY[$1::bigint] AND m.status = 'approved' ORDER BY m.id`,
    [orgId, from, to],
  );
  return rows;
}

/** How many tasks the person completed in [from, to) and the hours (in tenths) they served. */
export async function completedTotalsOf(
  q: Queryable,
  personId: number,
  from: Date,
  to: Date,
): Promise<{ n: number; tenths: number } | undefined> {
  const { rows } = await q.query<{ n: number; tenths: number }>(
    `SELECT count(*)::int AS n, COALESCE(round(sum(hours) * 10), 0)::int AS tenths FROM linli.party_task_assignments
     WHERE person_id = $1 AND status = 'completed' AND completed_at >= $2 AND completed_at < $3`,
    [personId, from, to],
  );
  return rows[0];
}

/** Whether the year's check-in is recorded as done. */
export async function checkinDone(q: Queryable, year: number): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM linli.party_checkins WHERE year = $1', [year]);
  return rows.length > 0;
}

/** Records the year's check-in as done, with how many members were sent it. */
export async function recordCheckin(q: Queryable, year: number, members: number): Promise<void> {
  await q.query(
    'INSERT INTO linli.party_checkins (year, members) VALUES ($1, $2) ON CONFLICT (year) DO NOTHING',
    [year, members],
  );
}
