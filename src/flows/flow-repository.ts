import type { Queryable } from '../kernel/db/db.js';
import type { FlowDefinition } from './flow-schema.js';

export interface StoredFlow {
  id: number;
  orgId: number | null;
  key: string;
  version: number;
  definition: FlowDefinition;
  builtin: boolean;
  updatedAt: Date;
  publishedAt: Date | null;
}

interface Row {
  id: number;
  org_id: number | null;
  key: string;
  version: number;
  definition: FlowDefinition;
  builtin: boolean;
  updated_at: Date;
  published_at: Date | null;
}
const toFlow = (r: Row): StoredFlow => ({
  id: r.id,
  orgId: r.org_id,
  key: r.key,
  version: r.version,
  definition: r.definition,
  builtin: r.builtin,
  updatedAt: r.updated_at,
  publishedAt: r.published_at,
});

export async function findDraft(q: Queryable, orgId: number | null, key: string): Promise<StoredFlow | null> {
  const { rows } = await q.query<Row>(
    'SELECT * FROM linli.flows WHERE org_id IS NOT DISTINCT FROM $1 AND key = $2 AND version = 0',
    [orgId, key],
  );
  return rows[0] ? toFlow(rows[0]) : null;
}

/** The drafts saved at an org (null: the global ones), by key. */
export async function draftsAt(q: Queryable, orgId: number | null): Promise<StoredFlow[]> {
  const { rows } = await q.query<Row>(
    'SELECT * FROM linli.flows WHERE org_id IS NOT DISTINCT FROM $1 AND version = 0 ORDER BY key',
    [orgId],
  );
  return rows.map(toFlow);
}

export async function latestPublished(
  q: Queryable,
  orgId: number | null,
  key: string,
): Promise<StoredFlow | null> {
  const { rows } = await q.query<Row>(
    `SELECT * FROM linli.flows WHERE org_id IS NOT DISTINCT FROM $1 AND key = $2 AND version > 0
     ORDER BY version DESC LIMIT 1`,
    [orgId, key],
  );
  return rows[0] ? toFlow(rows[0]) : null;
}

export async function flowById(q: Queryable, id: number): Promise<StoredFlow | null> {
  const { rows } = await q.query<Row>('SELECT * FROM linli.flows WHERE id = $1', [id]);
  return rows[0] ? toFlow(rows[0]) : null;
}

export async function saveDraft(
  q: Queryable,
  orgId: number | null,
  definition: FlowDefinition,
  builtin = false,
): Promise<StoredFlow> {
  const { rows } = await q.query<Row>(
    `INSERT INTO linli.flows (org_id, key, version, definition, builtin) VALUES ($1, $2, 0, $3, $4)
     ON CONFLICT ON CONSTRAINT flows_org_key_version_unique
     DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()
     RETURNING *`,
    [orgId, definition.key, JSON.stringify(definition), builtin],
  );
  return toFlow(rows[0]!);
}

/** Publishes the draft as the next version (the draft is consumed). */
export async function publishDraft(q: Queryable, draft: StoredFlow): Promise<StoredFlow> {
  const published = await publishDefinition(q, draft.orgId, draft.definition, draft.builtin);
  await q.query('DELETE FROM linli.flows WHERE id = $1', [draft.id]);
  return published;
}

/** Publishes a definition as the next version of its key, leaving any draft of the key alone. */
export async function publishDefinition(
  q: Queryable,
  orgId: number | null,
  definition: FlowDefinition,
  builtin: boolean,
): Promise<StoredFlow> {
  const { rows } = await q.query<Row>(
    `INSERT INTO linli.flows (org_id, key, version, definition, builtin, published_at)
     SELECT $1, $2, COALESCE(max(version), 0) + 1, $3, $4, now() FROM linli.flows
     WHERE org_id IS NOT DISTINCT FROM $1 AND key = $2
     RETURNING *`,
    [orgId, definition.key, JSON.stringify(definition), builtin],
  );
  return toFlow(rows[0]!);
}

export async function listVersions(q: Queryable, orgId: number | null, key: string): Promise<StoredFlow[]> {
  const { rows } = await q.query<Row>(
    `SELECT * FROM linli.flows WHERE org_id IS NOT DISTINCT FROM $1 AND key = $2 ORDER BY version DESC`,
    [orgId, key],
  );
  return rows.map(toFlow);
}

export async function versionOf(
  q: Queryable,
  orgId: number | null,
  key: string,
  version: number,
): Promise<StoredFlow | null> {
  const { rows } = await q.query<Row>(
    'SELECT * FROM linli.flows WHERE org_id IS NOT DISTINCT FROM $1 AND key = $2 AND version = $3',
    [orgId, key, version],
  );
  return rows[0] ? toFlow(rows[0]) : null;
}

/**
 * The flows in force for an org: for each key, the latest published version of the nearest org
 * on its path (the org itself first), else the global one (org NULL).
 */
/**
 * The path (root … itself) of a conversation's org, [] when there is no such org. The engine's one
 * read of another owner's table: the org tree's path column, which every scoped query reads too.
 */
export async function orgPath(q: Queryable, orgId: number): Promise<number[]> {
  const { rows } = await q.query<{ path: (number | string)[] }>('SELECT path FROM linli.orgs WHERE id = $1', [
    orgId,
  ]);
  return rows[0]?.path.map(Number) ?? [];
}

export async function effectiveFlows(q: Queryable, orgPath: number[]): Promise<StoredFlow[]> {
  const { rows } = await q.query<Row>(
    `SELECT DISTINCT ON (f.key) f.* FROM linli.flows f
     WHERE f.version > 0 AND (f.org_id IS NULL OR f.org_id = ANY($1::bigint[]))
     ORDER BY f.key, COALESCE(array_position($1::bigint[], f.org_id), 0) DESC, f.version DESC`,
    [orgPath],
  );
  return rows.map(toFlow);
}
