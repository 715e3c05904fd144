import type { Queryable } from '../../kernel/db/db.js';
import type { DutyRoster } from './duty-roster.js';

/** The SQL of duty rosters (`linli.duty_rosters`): an org's roster and whose turn was last. */

/** An org's own roster, or undefined. */
export async function ownRoster(
  q: Queryable,
  orgId: number,
): Promise<{ roster: DutyRoster; updated_at: Date } | undefined> {
  const { rows } = await q.query<{ roster: DutyRoster; updated_at: Date }>(
    'SELECT roster, updated_at FROM linli.duty_rosters WHERE org_id = $1',
    [orgId],
  );
  return rows[0];
}

/** Replaces an org's roster (the turn carries on); returns when. */
export async function upsertRoster(q: Queryable, orgId: number, roster: DutyRoster): Promise<Date> {
  const { rows } = await q.query<{ updated_at: Date }>(
    `INSERT INTO linli.duty_rosters (org_id, roster) VALUES ($1, $2)
     ON CONFLICT (org_id) DO UPDATE SET roster = EXCLUDED.roster, updated_at = now()
     RETURNING updated_at`,
    [orgId, JSON.stringify(roster)],
  );
  return rows[0]!.updated_at;
}

/** An org's roster and whose turn was last, locked until the transaction ends; undefined without one. */
export async function lockRoster(
  q: Queryable,
  orgId: number,
): Promise<{ roster: DutyRoster; last_person_id: number | null } | undefined> {
  const { rows } = await q.query<{ roster: DutyRoster; last_person_id: number | null }>(
    'SELECT roster, last_person_id FROM linli.duty_rosters WHERE org_id = $1 FOR UPDATE',
    [orgId],
  );
  const r = rows[0];
  return r
    ? { roster: r.roster, last_person_id: r.last_person_id === null ? null : Number(r.last_person_id) }
    : undefined;
}

export async function setLastTurn(q: Queryable, orgId: number, personId: number): Promise<void> {
  await q.query('UPDATE linli.duty_rosters SET last_person_id = $2 WHERE org_id = $1', [orgId, personId]);
}

/** Who holds one of `roles` at the org itself (ids ascending). */
export async function roleHoldersAt(
  q: Queryable,
  orgId: number,
  roles: readonly string[],
): Promise<number[]> {
  const { rows } = await q.query<{ person_id: number }>(
    `SELECT DISTINCT person_id FROM linli.role_assignments WHERE org_id = $1 AND role = ANY($2::text[])
      ORDER BY person_id`,
    [orgId, roles],
  );
  return rows.map((r) => Number(r.person_id));
}
