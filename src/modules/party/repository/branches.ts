import type { Queryable } from '../../../kernel/db/db.js';

/**
 * The SQL of party branches (`linli.party_branches`) and of the lookups the registration flow
 * makes by name (a branch by its full name, a compound by its name).
 */
export interface BranchRow {
  id: number;
  org_id: number;
  name: string;
  secretary_id: number | null;
  /** the secretary's register name (read with the row) */
  secretary_name: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The secretary's name beside a branch row (`secretary_id` of the row in scope). */
const SECRETARY_NAME = '(SELECT p.name FROM linli.people p WHERE p.id = secretary_id) AS secretary_name';

/** Throws the unique violation `party_branches_name_unique` on a name taken. */
export async function insertBranch(
  q: Queryable,
  b: { orgId: number; name: string; secretaryId: number | null },
): Promise<BranchRow> {
  const { rows } = await q.query<BranchRow>(
    `INSERT INTO linli.party_branches (org_id, name, secretary_id) VALUES ($1, $2, $3)
     RETURNING *, ${SECRETARY_NAME}`,
    [b.orgId, b.name, b.secretaryId],
  );
  return rows[0]!;
}

/** The branch with the path of its org (for the scope checks). */
export async function findBranchWithPath(
  q: Queryable,
  id: number,
): Promise<(BranchRow & { path: string[] }) | undefined> {
  const { rows } = await q.query<BranchRow & { path: string[] }>(
    `SELECT b.*, o.path, ${SECRETARY_NAME} FROM linli.party_branches b JOIN linli.orgs o ON o.id = b.org_id
     WHERE b.id = $1`,
    [id],
  );
  return rows[0];
}

/** How many members of the branch are in each status (statuses without members are absent). */
export async function countBranchMembersByStatus(
  q: Queryable,
  branchId: number,
): Promise<{ status: string; n: number }[]> {
  const { rows } = await q.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM linli.party_members WHERE branch_id = $1 GROUP BY status`,
    [branchId],
  );
  return rows;
}

/** Branches of the orgs in the subtree of `scope` (all of them when null), by id. */
export async function listBranchesUnder(q: Queryable, scope: number | null): Promise<BranchRow[]> {
  const { rows } = await q.query<BranchRow>(
    `SELECT b.*, ${SECRETARY_NAME} FROM linli.party_branches b JOIN linli.orgs o ON o.id = b.org_id
     WHERE $1::bigint IS NULL OR o.path @> ARRAY[$1::bigint] ORDER BY b.id`,
    [scope],
  );
  return rows;
}

/**
 * Renames the branch (a null name keeps it) and sets its secretary (`undefined` keeps them, null
 * clears). Throws the unique violation `party_branches_name_unique` on a name taken.
 */
export async function updateBranchRow(
  q: Queryable,
  id: number,
  name: string | null,
  secretaryId: number | null | undefined,
): Promise<BranchRow> {
  const { rows } = await q.query<BranchRow>(
    `UPDATE linli.party_branches SET name = COALESCE($2, name),
       secretary_id = CASE WHEN $3::boolean THEN $4::bigint ELSE secretary_id END, updated_at = now()
     WHERE id = $1 RETURNING *, ${SECRETARY_NAME}`,
    [id, name, secretaryId !== undefined, secretaryId ?? null],
  );
  return rows[0]!;
}

/** Whether any member or task refers to the branch (then it cannot be deleted). */
export async function branchInUse(q: Queryable, id: number): Promise<boolean> {
  const { rows } = await q.query(
    `SELECT 1 FROM linli.party_members WHERE branch_id = $1 UNION ALL
     SELECT 1 FROM linli.party_tasks WHERE branch_id = $1 LIMIT 1`,
    [id],
  );
  return rows.length > 0;
}

export async function deleteBranchRow(q: Queryable, id: number): Promise<void> {
  await q.query('DELETE FROM linli.party_branches WHERE id = $1', [id]);
}

/** The branch of exactly that name. */
export async function findBranchByName(
  q: Queryable,
  name: string,
): Promise<{ id: number; name: string } | undefined> {
  const { rows } = await q.query<{ id: number; name: string }>(
    'SELECT id, name FROM linli.party_branches WHERE name = $1',
    [name],
  );
  return rows[0];
}

/**
 * Compounds of exactly that name, nearest first to the org `near` (`shared`: how many orgs of its
 * path the compound's path shares), then by id.
 */
export async function findCompoundsNamed(
  q: Queryable,
  name: string,
  near: number | null,
): Promise<{ id: number; name: string; shared: number }[]> {
  const { rows } = await q.query<{ id: number; name: string; shared: number }>(
    `SELECT c.id, c.name,
       COALESCE((SELECT count(*)::int FROM unnest(c.path) x WHERE x = ANY(o.path)), 0) AS shared
     FROM linli.orgs c LEFT JOIN linli.orgs o ON o.id = $2
     WHERE c.kind = 'compound' AND c.name = $1 ORDER BY shared DESC, c.id`,
    [name, near],
  );
  return rows;
}
