import type { Queryable } from '../../kernel/db/db.js';

/**
 * The SQL of the complaint figures (queries/metrics.ts defines what each one counts): one
 * statement over the complaints filed in an org's subtree within a range of dates.
 */
const OPEN = `('submitted', 'accepted', 'in_progress', 'reopened')`;
const WAITING_ACK = `('submitted', 'reopened')`;

/** The raw figures, as the statement returns them (counts, medians in seconds, JSON aggregates). */
export interface ComplaintFiguresRow {
  total: number;
  open: number;
  overdue: number;
  ack_in_time: number;
  ack_due: number;
  resolved_in_time: number;
  resolved: number;
  satisfied: number;
  rated: number;
  unrated_closed: number;
  median_ack: number | null;
  median_resolve: number | null;
  by_status: Record<string, number>;
  closed_by_level: Record<string, number>;
  top_categories: { category: string; n: number }[];
  repeat_units: {
    units: number;
    complaints: number;
    top: {
      org_id: number;
      compound: string;
      building: string;
      unit_no: string | null;
      room: string | null;
      n: number;
    }[];
  };
}

/**
 * The figures of the complaints filed in org `scope`'s subtree (null: all) from `from` (inclusive)
 * to `to` (exclusive), either bound open when null; a running deadline is judged at `now`.
 */
export async function complaintFigures(
  q: Queryable,
  f: { scope: number | null; from: Date | null; to: Date | null; now: Date },
): Promise<ComplaintFiguresRow> {
  // one statement: the range is read once (a materialized CTE) and every figure comes from it
  const { rows } = await q.query<ComplaintFiguresRow>(
    `WITH c AS MATERIALIZED (
         SELECT c.id, c.org_id, c.status, c.level, c.category, c.building, c.unit_no, c.room, c.overdue,
                c.ack_due_at, c.resolve_due_at, c.acknowledged_at, c.resolved_at, c.rating, c.created_at,
                EXISTS (SELECT 1 FROM linli.complaint_events e
                        WHERE e.complaint_id = c.id AND e.type IN ('escalate', 'overdue')
                          AND e.from_status IN ${WAITING_ACK}) AS ack_breached
         FROM linli.complaints c JOIN linli.orgs o ON o.id = c.org_id
         WHERE ($1::bigint IS NULL OR o.path @> ARRAY[$1::bigint])
           AND ($2::timestamptz IS NULL OR c.created_at >= $2)
           AND ($3::timestamptz IS NULL OR c.created_at < $3)
       ),
       units AS (
         SELECT c.org_id, o.name AS compound, c.building, c.unit_no, c.room, count(*) AS n
         FROM c JOIN linli.orgs o ON o.id = c.org_id
         WHERE c.building IS NOT NULL
         GROUP BY c.org_id, o.name, c.building, c.unit_no, c.room
         HAVING count(*) >= 2
       )
       SELECT
         count(*) AS total,
         count(*) FILTER (WHERE status IN ${OPEN}) AS open,
         count(*) FILTER (WHERE overdue OR (status IN ${OPEN} AND (
           (status IN ${WAITING_ACK} AND ack_due_at <= $4) OR resolve_due_at <= $4))) AS overdue,
         count(*) FILTER (WHERE NOT ack_breached AND acknowledged_at IS NOT NULL
           AND (ack_due_at IS NULL OR acknowledged_at <= ack_due_at)) AS ack_in_time,
         count(*) FILTER (WHERE ack_breached OR acknowledged_at IS NOT NULL
           OR (status IN ${WAITING_ACK} AND ack_due_at <= $4)) AS ack_due,
         count(*) FILTER (WHERE status IN ('resolved', 'closed') AND resolved_at IS NOT NULL
           AND (resolve_due_at IS NULL OR resolved_at <= resolve_due_at)) AS resolved_in_time,
         count(*) FILTER (WHERE status IN ('resolved', 'closed') AND resolved_at IS NOT NULL) AS resolved,
         count(*) FILTER (WHERE rating IN ('satisfied', 'basically_satisfied')) AS satisfied,
         count(*) FILTER (WHERE rating IS NOT NULL) AS rated,
         count(*) FILTER (WHERE status = 'closed' AND rating IS NULL AND resolved_at IS NOT NULL) AS unrated_closed,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM acknowledged_at - created_at)::float8)
           AS median_ack,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - created_at)::float8)
           AS median_resolve,
         (SELECT coalesce(json_object_agg(s.status, s.n), '{}'::json)
          FROM (SELECT status, count(*) AS n FROM c GROUP BY status) s) AS by_status,
         (SELECT coalesce(json_object_agg(s.level, s.n), '{}'::json)
          FROM (SELECT level, count(*) AS n FROM c WHERE status = 'closed' GROUP BY level) s) AS closed_by_level,
         (SELECT coalesce(json_agg(s ORDER BY s.n DESC, s.category), '[]'::json)
          FROM (SELECT category, count(*) AS n FROM c GROUP BY category ORDER BY n DESC, category LIMIT 10) s)
           AS top_categories,
         (SELECT json_build_object(
            'units', (SELECT count(*) FROM units),
            'complaints', (SELECT coalesce(sum(n), 0) FROM units),
            'top', (SELECT coalesce(json_agg(u ORDER BY u.n DESC, u.org_id, u.building, u.unit_no, u.room), '[]'::json)
                    FROM (SELECT * FROM units ORDER BY n DESC, org_id, building, unit_no, room LIMIT 50) u))
         ) AS repeat_units
       FROM c`,
    [f.scope, f.from, f.to, f.now],
  );
  return rows[0]!;
}
