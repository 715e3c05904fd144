import type { Queryable } from '../../kernel/db/db.js';
import type { ComplaintStatus, Level } from './lifecycle.js';

/** An open complaint that missed a deadline, as the daily overdue list names it. */
export interface OverdueRow {
  id: number;
  number: string;
  org_id: number;
  compound: string;
  category: string;
  level: Level;
  status: ComplaintStatus;
  created_at: Date;
  escalations: number;
  /** past its running deadline now (or flagged overdue at the city), not only escalated before */
  late_now: boolean;
}

/**
 * The open complaints of an org's subtree (by compound or by handling level) that missed a
 * deadline — escalated for it at least once, flagged overdue at the city, or past the running
 * deadline now — oldest first, at most `limit`, and how many there are in all. In Linli a missed
 * deadline escalates, so "still open after escalating" is what a grid platform's 超期 list shows.
 */
export async function overdueComplaints(
  q: Queryable,
  orgId: number,
  now: Date,
  limit: number,
): Promise<{ total: number; rows: OverdueRow[] }> {
  const { rows } = await q.query<OverdueRow & { total: string | number }>(
    // from the subtree's orgs to their open complaints (migration 037's indexes), by the org filed
    // in and by the org handling it, then the rest of each row: not the city's every complaint
    `WITH sub AS (SELECT id FROM linli.orgs WHERE path @> ARRAY[$1::bigint]),
     open AS (
       SELECT c.id FROM linli.complaints c
        WHERE c.org_id IN (SELECT id FROM sub) AND c.status IN ('submitted', 'accepted', 'in_progress', 'reopened')
       UNION
       SELECT c.id FROM linli.complaints c
        WHERE c.level_org_id IN (SELECT id FROM sub)
          AND c.status IN ('submitted', 'accepted', 'in_progress', 'reopened')),
     late AS (
       SELECT c.id, c.number, c.org_id, o.name AS compound, c.category, c.level, c.status, c.created_at,
              c.escalations,
              (c.overdue OR (c.status IN ('submitted', 'reopened') AND c.ack_due_at <= $2)
                         OR c.resolve_due_at <= $2) AS late_now
         FROM open JOIN linli.complaints c ON c.id = open.id
         JOIN linli.orgs o ON o.id = c.org_id)
     SELECT *, count(*) OVER () AS total FROM late
      WHERE late_now OR escalations > 0
      ORDER BY created_at, id
      LIMIT $3`,
    [orgId, now, limit],
  );
  return {
    total: rows.length ? Number(rows[0]!.total) : 0,
    rows: rows.map(({ total: _t, ...r }) => ({
      ...r,
      id: Number(r.id),
      org_id: Number(r.org_id),
      escalations: Number(r.escalations),
    })),
  };
}
