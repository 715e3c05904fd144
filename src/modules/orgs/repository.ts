import { ORG_COLUMNS as COLUMNS, type OrgRow, toOrg } from '../../kernel/access/directory.js';
import type { Queryable } from '../../kernel/db/db.js';
import type { Org, OrgKind } from './schema.js';

export { findOrg, orgPath, toOrg } from '../../kernel/access/directory.js';

export async function insertOrg(
  q: Queryable,
  o: { kind: OrgKind; name: string; parentId: number | null; parentPath: number[] },
): Promise<Org> {
  const { rows } = await q.query<OrgRow>(
    `WITH next AS (SELECT nextval(pg_get_serial_sequence('linli.orgs', 'id')) AS id)
     INSERT INTO linli.orgs (id, kind, name, parent_id, path)
     SELECT next.id, $1, $2, $3, $4::bigint[] || next.id FROM next
     RETURNING ${COLUMNS}`,
    [o.kind, o.name, o.parentId, o.parentPath],
  );
  return toOrg(rows[0]!);
}

export async function listOrgs(
  q: Queryable,
  f: {
    scopeOrgId: number | null;
    parentId?: number;
    kind?: OrgKind;
    q?: string;
    afterId: number | null;
    limit: number;
  },
): Promise<Org[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.scopeOrgId !== null) add('path @> ARRAY[?::bigint]', f.scopeOrgId);
  if (f.parentId !== undefined) add('parent_id = ?', f.parentId);
  if (f.kind) add('kind = ?', f.kind);
  if (f.q) add(`name ILIKE '%' || ? || '%'`, f.q);
  if (f.afterId !== null) add('id > ?', f.afterId);
  params.push(f.limit + 1);
  const { rows } = await q.query<OrgRow>(
    `SELECT ${COLUMNS} FROM linli.orgs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY id LIMIT $${params.length}`,
    params,
  );
  return rows.map(toOrg);
}

/** Renames and/or moves an org; a move rewrites the path of its whole subtree. */
export async function updateOrg(
  q: Queryable,
  org: Org,
  change: { name?: string; parent?: Org; settings?: Record<string, unknown> },
): Promise<Org> {
  if (change.parent) {
    const oldPrefixLen = org.path.length - 1;
    await q.query(
      `UPDATE linli.orgs SET path = $2::bigint[] || path[$3:], updated_at = now()
       WHERE path @> ARRAY[$1::bigint]`,
      [org.id, change.parent.path, oldPrefixLen + 1],
    );
  }
  const { rows } = await q.query<OrgRow>(
    `UPDATE linli.orgs SET name = COALESCE($2, name), parent_id = COALESCE($3, parent_id),
       settings = settings || COALESCE($4::jsonb, '{}'::jsonb), updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      org.id,
      change.name ?? null,
      change.parent?.id ?? null,
      change.settings ? JSON.stringify(change.settings) : null,
    ],
  );
  return toOrg(rows[0]!);
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
  return rows[0] ? { id: Number(rows[0].id), name: rows[0].name } : null;
}
