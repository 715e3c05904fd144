import type { Queryable } from '../../kernel/db/db.js';

/**
 * The SQL of admin tokens (`linli.api_tokens`; only a token's sha256 is stored). Each function
 * runs on the `Queryable` it is given.
 */
export interface TokenRow {
  id: number;
  org_id: number | null;
  role: 'admin' | 'viewer' | 'superuser';
  label: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** Stamps the use of the unrevoked token with this hash: its row, or undefined when there is none. */
export async function touchToken(q: Queryable, tokenHash: string): Promise<TokenRow | undefined> {
  const { rows } = await q.query<TokenRow>(
    `UPDATE linli.api_tokens SET last_used_at = now()
       WHERE token_hash = $1 AND revoked_at IS NULL
       RETURNING id, org_id, role, label, created_at, last_used_at, revoked_at`,
    [tokenHash],
  );
  return rows[0];
}

export async function insertToken(
  tx: Queryable,
  t: { orgId: number; role: 'admin' | 'viewer'; label: string; tokenHash: string; createdBy: number | null },
): Promise<TokenRow> {
  const { rows } = await tx.query<TokenRow>(
    `INSERT INTO linli.api_tokens (org_id, role, label, token_hash, created_by) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, org_id, role, label, created_at, last_used_at, revoked_at`,
    [t.orgId, t.role, t.label, t.tokenHash, t.createdBy],
  );
  return rows[0]!;
}

export async function insertSuperuserToken(q: Queryable, label: string, tokenHash: string): Promise<void> {
  await q.query(
    `INSERT INTO linli.api_tokens (org_id, role, label, token_hash) VALUES (NULL, 'superuser', $1, $2)`,
    [label, tokenHash],
  );
}

/** Whether an unrevoked superuser token exists. */
export async function superuserTokenExists(q: Queryable): Promise<boolean> {
  const { rows } = await q.query(
    `SELECT 1 FROM linli.api_tokens WHERE role = 'superuser' AND revoked_at IS NULL LIMIT 1`,
  );
  return rows.length > 0;
}

/** Up to `limit` tokens of org `scope`'s subtree (null: all) after id `after`, in id order. */
export async function listTokens(
  q: Queryable,
  f: { scope: number | null; after: number | null; limit: number },
): Promise<TokenRow[]> {
  const { rows } = await q.query<TokenRow>(
    `SELECT t.id, t.org_id, t.role, t.label, t.created_at, t.last_used_at, t.revoked_at FROM linli.api_tokens t
       LEFT JOIN linli.orgs o ON o.id = t.org_id
       WHERE ($1::bigint IS NULL OR o.path @> ARRAY[$1::bigint]) AND ($2::bigint IS NULL OR t.id > $2)
       ORDER BY t.id LIMIT $3`,
    [f.scope, f.after, f.limit],
  );
  return rows;
}

/** A token locked for the caller's transaction, with its org's path (null: a superuser token). */
export async function lockToken(
  tx: Queryable,
  id: number,
): Promise<(TokenRow & { path: string[] | null }) | undefined> {
  const { rows } = await tx.query<TokenRow & { path: string[] | null }>(
    `SELECT t.id, t.org_id, t.role, t.label, t.created_at, t.last_used_at, t.revoked_at, o.path
         FROM linli.api_tokens t LEFT JOIN linli.orgs o ON o.id = t.org_id WHERE t.id = $1 FOR UPDATE OF t`,
    [id],
  );
  return rows[0];
}

export async function revokeToken(tx: Queryable, id: number): Promise<void> {
  await tx.query('UPDATE linli.api_tokens SET revoked_at = now() WHERE id = $1', [id]);
}
