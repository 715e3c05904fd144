/**
 * Statements for a page of a table's rows, newest (highest id) first, in an org's subtree by any of
 * several org columns: the complaint list (the org filed in, or the org handling it).
 *
 * Why: with the subtree matched as `o.path @> … OR l.path @> …` (two joined orgs), no index leads
 * from the subtree to its rows, so PostgreSQL walked the table's ids from the newest and kept the
 * subtree's: a compound's page in a city read the city's newer rows until twenty of the compound's
 * turned up (one compound of 400: 37,000 rows for three pages). Here the subtree's orgs come first
 * and each org's newest through its `(org column, id)` index; for a large subtree (a district, the
 * city) walking the ids is the short way and is kept. Both are planned; one-time filters run only
 * the one that fits. Written for the filters given, so each call is planned for what it asks.
 * (A list by one org column, as deliveries' and the audit log's, gets an org-led plan as it is.)
 */

/** Up to this many orgs in a subtree, it is read org by org. */
export const FEW_ORGS = 200;

/** Placeholders for a statement's parameters, in order: `p(value)` gives `$n`. */
export class Params {
  readonly values: unknown[] = [];
  p(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/**
 * The SQL of the page: `SELECT ${select} FROM ${table} t …` with `where` (conditions on `t`, ANDed;
 * written for the filters given), in the subtree of the org `scope` (a placeholder; null: every row)
 * by any of `orgColumns` (each with an index on `(column, id)`), newest first, at most `limit` rows.
 */
export function newestInScopeSql(o: {
  table: string;
  select: string;
  orgColumns: string[];
  scope: string | null;
  where: string[];
  limit: string;
}): string {
  const filters = o.where.map((w) => ` AND ${w}`).join('');
  if (o.scope === null)
    return `SELECT ${o.select} FROM ${o.table} t WHERE true${filters} ORDER BY t.id DESC LIMIT ${o.limit}`;
  const byOrg = o.orgColumns.map(
    (col) => `SELECT x.id FROM sub CROSS JOIN LATERAL (
       SELECT t.id FROM ${o.table} t WHERE t.${col} = sub.id${filters} ORDER BY t.id DESC LIMIT ${o.limit}) x
      WHERE (SELECT few FROM size)`,
  );
  const inSub = o.orgColumns.map((col) => `t.${col} IN (SELECT id FROM sub)`).join(' OR ');
  return `WITH sub AS MATERIALIZED (SELECT id FROM linli.orgs WHERE path @> ARRAY[${o.scope}::bigint]),
       size AS (SELECT count(*) <= ${FEW_ORGS} AS few FROM sub),
       ids AS (
         ${byOrg.join('\n         UNION\n         ')}
         UNION
         (SELECT t.id FROM ${o.table} t
           WHERE NOT (SELECT few FROM size) AND (${inSub})${filters}
           ORDER BY t.id DESC LIMIT ${o.limit}))
  SELECT ${o.select} FROM (SELECT id FROM ids ORDER BY id DESC LIMIT ${o.limit}) page
    JOIN ${o.table} t ON t.id = page.id
   ORDER BY t.id DESC`;
}
