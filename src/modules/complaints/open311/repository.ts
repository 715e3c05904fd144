import type { Queryable } from '../../../kernel/db/db.js';
import type { ComplaintStatus } from '../lifecycle.js';
import type { ComplaintRow } from '../repository.js';

/** Our cap on one answer (service requests). */
export const MAX_REQUESTS = 1000;

/** A complaint as a service request: with its compound, the org handling it, its latest note and its label. */
export type RequestRow = ComplaintRow & {
  compound_name: string;
  agency: string;
  status_notes: string | null;
  service_name: string | null;
};

/** The filters of a service request search; a null filter is not applied. */
export interface RequestFilter {
  /** the org whose subtree is searched (null: everywhere) */
  scope: number | null;
  ids: number[] | null;
  codes: string[] | null;
  statuses: ComplaintStatus[] | null;
  start: Date | null;
  end: Date | null;
}

/** Up to MAX_REQUESTS service requests, newest first. */
export async function findRequests(q: Queryable, f: RequestFilter): Promise<RequestRow[]> {
  const { rows } = await q.query<RequestRow>(
    `SELECT c.*, o.name AS compound_name, l.name AS agency,
       (SELECT e.note FROM linli.complaint_events e
        WHERE e.complaint_id = c.id AND e.note IS NOT NULL AND e.note <> '' AND e.type <> 'unreachable'
        ORDER BY e.id DESC LIMIT 1) AS status_notes,
       -- the label from the nearest category list on the compound's chain (as categoriesFor)
       (SELECT (SELECT x ->> 'zh' FROM jsonb_array_elements(a.settings -> 'complaintCategories') x
                WHERE x ->> 'code' = c.category LIMIT 1)
        FROM linli.orgs a WHERE a.id = ANY(o.path) AND a.settings ? 'complaintCategories'
        ORDER BY array_position(o.path, a.id) DESC LIMIT 1) AS service_name
     FROM linli.complaints c JOIN linli.orgs o ON o.id = c.org_id JOIN linli.orgs l ON l.id = c.level_org_id
     WHERE ($1::bigint IS NULL OR o.path @> ARRAY[$1::bigint])
       AND ($2::bigint[] IS NULL OR c.id = ANY($2::bigint[]))
       AND ($3::text[] IS NULL OR c.category = ANY($3::text[]))
       AND ($4::text[] IS NULL OR c.status = ANY($4::text[]))
       AND ($5::timestamptz IS NULL OR c.created_at >= $5)
       AND ($6::timestamptz IS NULL OR c.created_at <= $6)
     ORDER BY c.created_at DESC, c.id DESC
     LIMIT ${MAX_REQUESTS}`,
    [f.scope, f.ids, f.codes, f.statuses, f.start, f.end],
  );
  return rows;
}

/** Names the token that filed a complaint on its `submitted` event (the reporter is outside Linli). */
export async function labelFiling(
  tx: Queryable,
  complaintId: number,
  label: string,
  tokenId: number | null,
): Promise<void> {
  await tx.query(
    `UPDATE linli.complaint_events SET actor_label = $2, actor_token_id = $3
     WHERE complaint_id = $1 AND type = 'submitted'`,
    [complaintId, label, tokenId],
  );
}

/** A compound by id, with its path, or undefined when the id is no compound. */
export async function compoundWithPath(
  tx: Queryable,
  id: number,
): Promise<{ id: number; name: string; path: (string | number)[] } | undefined> {
  const { rows } = await tx.query<{ id: number; name: string; path: (string | number)[] }>(
    `SELECT id, name, path FROM linli.orgs WHERE id = $1 AND kind = 'compound'`,
    [id],
  );
  return rows[0];
}

/**
 * The compounds (in `scope`'s subtree; null: everywhere) whose name occurs in `text`, longest
 * name first, at most 20.
 */
export async function compoundsNamedIn(
  tx: Queryable,
  scope: number | null,
  text: string,
): Promise<{ id: number; name: string }[]> {
  const { rows } = await tx.query<{ id: number; name: string }>(
    `SELECT id, name FROM linli.orgs
     WHERE kind = 'compound' AND ($1::bigint IS NULL OR path @> ARRAY[$1::bigint]) AND strpos($2, name) > 0
     ORDER BY length(name) DESC, id LIMIT 20`,
    [scope, text],
  );
  return rows;
}

/** An org if it is a compound, or null. */
export async function asCompound(tx: Queryable, orgId: number): Promise<{ id: number; name: string } | null> {
  const { rows } = await tx.query<{ id: number; name: string }>(
    `SELECT id, name FROM linli.orgs WHERE id = $1 AND kind = 'compound'`,
    [orgId],
  );
  return rows[0] ?? null;
}
