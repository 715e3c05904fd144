import type { Queryable } from '../../kernel/db/db.js';
import { CHINA_TIME_ZONE } from '../../kernel/time/zone.js';

/** Files a complaint at its compound's level, with its first timeline event, in the caller's transaction. */
export async function insertComplaint(
  tx: Queryable,
  c: {
    compoundId: number;
    reporterId: number | null;
    anonymous: boolean;
    category: string;
    description: string;
    building?: string | null;
    unit?: string | null;
    room?: string | null;
    photos: string[];
    channel?: string | null;
    chatExternalId?: string | null;
  },
): Promise<{ id: number; number: string }> {
  const { rows } = await tx.query<{ id: number; number: string }>(
    `INSERT INTO linli.complaints (number, org_id, level_org_id, reporter_id, anonymous, category, description,
       building, unit_no, room, photos, channel, chat_external_id)
     VALUES (to_char(now() AT TIME ZONE $12, 'YYYYMMDD') || '-' || lpad(nextval('linli.complaint_number_seq')::text, 4, '0'),
       $1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     RETURNING id, number`,
    [
      c.compoundId,
      c.reporterId,
      c.anonymous,
      c.category,
      c.description,
      c.building ?? null,
      c.unit ?? null,
      c.room ?? null,
      JSON.stringify(c.photos),
      c.channel ?? null,
      c.chatExternalId ?? null,
      CHINA_TIME_ZONE,
    ],
  );
  const row = rows[0]!;
  await tx.query(
    `INSERT INTO linli.complaint_events (complaint_id, actor_person_id, type, to_status, level_org_id, photos)
     VALUES ($1, $2, 'submitted', 'submitted', $3, $4)`,
    [row.id, c.reporterId, c.compoundId, JSON.stringify(c.photos)],
  );
  return row;
}

/** The compound an org belongs to (itself, or the compound above a building), or null. */
export async function compoundOf(
  q: Queryable,
  orgId: number | null,
): Promise<{ id: number; name: string } | null> {
  if (orgId === null) return null;
  const { rows } = await q.query<{ id: number; name: string }>(
    `SELECT a.id, a.name FROM linli.orgs o JOIN linli.orgs a ON a.id = ANY(o.path)
     WHERE o.id = $1 AND a.kind = 'compound' LIMIT 1`,
    [orgId],
  );
  return rows[0] ?? null;
}

/** The unit at an address in a compound. */
export async function findUnit(
  q: Queryable,
  compoundId: number,
  loc: { building: string; unit: string; room: string },
): Promise<{ id: number } | null> {
  const { rows } = await q.query<{ id: number }>(
    `SELECT u.id FROM linli.units u JOIN linli.orgs b ON b.id = u.building_id
     WHERE u.compound_id = $1 AND b.name = $2 AND u.unit_no = $3 AND u.room = $4`,
    [compoundId, loc.building, loc.unit, loc.room],
  );
  return rows[0] ?? null;
}

export async function compoundHasUnits(q: Queryable, compoundId: number): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM linli.units WHERE compound_id = $1 LIMIT 1', [compoundId]);
  return rows.length > 0;
}

/** Roles that may act on a complaint at its current level (held there or at an org above it). */
export const COMPLAINT_HANDLER_ROLES = ['admin', 'handler', 'grid_worker', 'property_manager'];

/** Whether a person handles a complaint at its current level or above. */
export async function handlesComplaint(
  q: Queryable,
  personId: number | null,
  complaintId: number,
): Promise<boolean> {
  if (personId === null) return false;
  const { rows } = await q.query(
    `SELECT 1 FROM linli.complaints c JOIN linli.orgs l ON l.id = c.level_org_id
     JOIN linli.role_assignments ra ON ra.org_id = ANY(l.path)
     WHERE c.id = $1 AND ra.person_id = $2 AND ra.role = ANY($3::text[]) LIMIT 1`,
    [complaintId, personId, COMPLAINT_HANDLER_ROLES],
  );
  return rows.length > 0;
}
