import type { Queryable } from '../../kernel/db/db.js';
import type { Level } from './lifecycle.js';
import type { ComplaintRow } from './repository.js';

/**
 * The SQL of the set-based deadline sweep (commands/bulk-escalation.ts): its statements, in the
 * order it runs them, each on the transaction it is given. Their text is what
 * bench/complaint-deadlines.ts measures: change it only with the bench run before and after.
 */

/** What the sweep returns of each escalated row: enough for its next deadline jobs. */
export type EscalatedRow = Pick<
  ComplaintRow,
  'id' | 'status' | 'overdue' | 'ack_due_at' | 'resolve_due_at' | 'ack_warn_at' | 'resolve_warn_at'
>;

/** What the sweep reads of a complaint that fell due. */
export type DueRow = Pick<
  ComplaintRow,
  | 'id'
  | 'org_id'
  | 'level'
  | 'level_org_id'
  | 'category'
  | 'status'
  | 'ack_due_at'
  | 'resolve_due_at'
  | 'escalations'
  | 'acknowledged_at'
>;

/**
 * Up to `limit` open complaints whose running deadline has passed at `now`, earliest deadline
 * first, locked; rows another transaction holds are skipped.
 */
export async function lockDueComplaints(tx: Queryable, now: Date, limit: number): Promise<DueRow[]> {
  const { rows: due } = await tx.query<DueRow>(
    // the expression and the predicate are those of the index complaints_running_deadline (010);
    // only the columns the escalation reads (a batch moves hundreds of rows through the driver)
    `SELECT id, org_id, level, level_org_id, category, status, ack_due_at, resolve_due_at, escalations,
            acknowledged_at
     FROM linli.complaints
     WHERE status IN ('submitted', 'accepted', 'in_progress', 'reopened') AND NOT overdue
       AND LEAST(CASE WHEN status IN ('submitted', 'reopened') THEN ack_due_at END, resolve_due_at) <= $1
     ORDER BY LEAST(CASE WHEN status IN ('submitted', 'reopened') THEN ack_due_at END, resolve_due_at), id
     LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return due;
}

/** The orgs on the chains of these compounds: each compound with every org above it, and its kind. */
export async function chainOrgs(
  tx: Queryable,
  compounds: number[],
): Promise<{ compound: number; id: number; kind: Level }[]> {
  const { rows: levelOrgs } = await tx.query<{ compound: number; id: number; kind: Level }>(
    `SELECT o.id AS compound, a.id, a.kind FROM linli.orgs o JOIN linli.orgs a ON a.id = ANY(o.path)
       WHERE o.id = ANY($1::bigint[])`,
    [compounds],
  );
  return levelOrgs;
}

/** One column per field of the escalated rows, in the rows' order (the arrays the statements unnest). */
export interface EscalationColumns {
  id: number[];
  level: string[];
  levelOrg: number[];
  ack: (Date | null)[];
  resolve: (Date | null)[];
  /** the warnings of the new level's deadlines (null: none, at the top of the chain) */
  ackWarn: (Date | null)[];
  resolveWarn: (Date | null)[];
  overdue: boolean[];
  escalations: number[];
  ackedAt: (Date | null)[];
  type: string[];
  note: string[];
  status: string[];
}

/** Writes the escalated rows in one UPDATE … FROM unnest (version bumped; reminders start when overdue). */
export async function updateEscalated(
  tx: Queryable,
  cols: EscalationColumns,
  now: Date,
): Promise<EscalatedRow[]> {
  // each escalated version owes its notices (migration 030), written with the escalation
  const { rows: updated } = await tx.query<EscalatedRow>(
    `WITH up AS (UPDATE linli.complaints c
     SET level = v.level, level_org_id = v.level_org_id, ack_due_at = v.ack, resolve_due_at = v.resolve,
         overdue = v.overdue, escalations = v.escalations, acknowledged_at = v.acked_at,
         overdue_reminded_at = CASE WHEN v.overdue THEN $9::timestamptz ELSE c.overdue_reminded_at END,
         ack_warn_at = v.ack_warn, resolve_warn_at = v.resolve_warn,
         version = c.version + 1, updated_at = now()
     FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::timestamptz[], $5::timestamptz[],
                 $6::boolean[], $7::int[], $8::timestamptz[], $10::timestamptz[], $11::timestamptz[])
          AS v(id, level, level_org_id, ack, resolve, overdue, escalations, acked_at, ack_warn, resolve_warn)
     WHERE c.id = v.id
     RETURNING c.id, c.version, c.status, c.overdue, c.ack_due_at, c.resolve_due_at, c.ack_warn_at, c.resolve_warn_at),
     owed AS (INSERT INTO linli.complaint_notices_due (complaint_id, version)
              SELECT id, version FROM up ON CONFLICT DO NOTHING)
     SELECT id, status, overdue, ack_due_at, resolve_due_at, ack_warn_at, resolve_warn_at FROM up`,
    [
      cols.id,
      cols.level,
      cols.levelOrg,
      cols.ack,
      cols.resolve,
      cols.overdue,
      cols.escalations,
      cols.ackedAt,
      now,
      cols.ackWarn,
      cols.resolveWarn,
    ],
  );
  return updated;
}

/** Adds each escalated row's timeline event (by the system) in one INSERT … SELECT. */
export async function insertEscalationEvents(tx: Queryable, cols: EscalationColumns): Promise<void> {
  await tx.query(
    `INSERT INTO linli.complaint_events (complaint_id, actor_label, type, from_status, to_status, level_org_id, note)
     SELECT v.id, 'system', v.type, v.status, v.status, v.level_org_id, v.note
     FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[])
          AS v(id, type, level_org_id, note, status)
     ORDER BY v.id`,
    [cols.id, cols.type, cols.levelOrg, cols.note, cols.status],
  );
}
