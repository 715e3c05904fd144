import type { Queryable } from '../../kernel/db/db.js';
import type { Role } from '../people/index.js';

/**
 * The SQL of the demo seed: how it finds what an earlier run made, and whether it ran. Each
 * function runs on the `Queryable` it is given.
 */

/** The org of this name under `parentId` (null: a root org), if an earlier run made it. */
export async function findOrgByName(
  q: Queryable,
  parentId: number | null,
  name: string,
): Promise<number | undefined> {
  const { rows } = await q.query<{ id: number }>(
    'SELECT id FROM linli.orgs WHERE parent_id IS NOT DISTINCT FROM $1 AND name = $2',
    [parentId, name],
  );
  return rows[0]?.id;
}

/** The first person of the org with this phone, if an earlier run made them. */
export async function findPersonByPhone(
  q: Queryable,
  orgId: number,
  phone: string,
): Promise<number | undefined> {
  const { rows } = await q.query<{ id: number }>(
    'SELECT id FROM linli.people WHERE org_id = $1 AND phone = $2 ORDER BY id LIMIT 1',
    [orgId, phone],
  );
  return rows[0]?.id;
}

export async function holdsRole(q: Queryable, personId: number, orgId: number, role: Role): Promise<boolean> {
  const held = await q.query(
    'SELECT 1 FROM linli.role_assignments WHERE person_id = $1 AND org_id = $2 AND role = $3',
    [personId, orgId, role],
  );
  return held.rows.length > 0;
}

/** Whether any org exists, and whether the seed's progress marks (audit entries) were written. */
export async function seedMarks(
  q: Queryable,
): Promise<{ any_org: boolean; started: boolean; finished: boolean }> {
  const { rows } = await q.query<{ any_org: boolean; started: boolean; finished: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM linli.orgs) AS any_org,
            EXISTS (SELECT 1 FROM linli.audit_log WHERE action = 'demo.seed_started' AND org_id IS NULL) AS started,
            EXISTS (SELECT 1 FROM linli.audit_log WHERE action = 'demo.seed_finished' AND org_id IS NULL) AS finished`,
  );
  return rows[0]!;
}
