import type { Queryable } from '../../kernel/db/db.js';

/**
 * The SQL of whom a complaint may be handed to from chat (transfer): the holders of handler roles
 * at the org handling it, and the nearest holders above of the roles that serve the orgs below
 * (a community's grid worker for its compounds) — the people its notices reach.
 */

/** A person a complaint can be transferred to, with the role they hold there. */
export interface Colleague {
  person_id: number;
  name: string;
  role: string;
}

/**
 * Who holds one of `roles` at the complaint's level org, or one of `serving` at the nearest org above
 * where anyone does; each person once (their level-org role first), the level org's first, then in
 * the order they were registered; `except` (the person moving it) left out.
 */
export async function transferCandidates(
  q: Queryable,
  complaintId: number,
  roles: readonly string[],
  serving: readonly string[],
  except: number | null,
): Promise<Colleague[]> {
  const { rows } = await q.query<Colleague & { depth: number }>(
    `WITH held AS (
       SELECT ra.person_id, ra.role, ra.org_id = o.id AS here, array_position(o.path, ra.org_id) AS depth
         FROM linli.complaints c JOIN linli.orgs o ON o.id = c.level_org_id
         JOIN linli.role_assignments ra ON ra.org_id = ANY(o.path)
        WHERE c.id = $1 AND ra.role = ANY($2::text[]) AND (ra.org_id = o.id OR ra.role = ANY($3::text[]))
          AND ra.person_id IS DISTINCT FROM $4::bigint
     ), near AS (
       SELECT * FROM held
        WHERE here OR depth = (SELECT max(depth) FROM held WHERE NOT here)
     )
     SELECT * FROM (
       SELECT DISTINCT ON (n.person_id) n.person_id, p.name, n.role, n.depth
         FROM near n JOIN linli.people p ON p.id = n.person_id
        ORDER BY n.person_id, n.depth DESC, n.role
     ) one ORDER BY depth DESC, person_id`,
    [complaintId, roles, serving, except],
  );
  return rows.map((r) => ({ person_id: Number(r.person_id), name: r.name, role: r.role }));
}

/** Whether anyone holds `role` at the complaint's level org or above (a role it can be transferred to). */
export async function roleHeldFor(q: Queryable, complaintId: number, role: string): Promise<boolean> {
  const { rows } = await q.query(
    `SELECT 1 FROM linli.complaints c JOIN linli.orgs l ON l.id = c.level_org_id
       JOIN linli.role_assignments ra ON ra.org_id = ANY(l.path)
      WHERE c.id = $1 AND ra.role = $2 LIMIT 1`,
    [complaintId, role],
  );
  return rows.length > 0;
}
