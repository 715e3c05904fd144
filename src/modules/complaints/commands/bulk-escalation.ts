import type { Queryable } from '../../../kernel/db/db.js';
import { deadlinesFrom, policiesFor } from '../escalation-policy.js';
import { type Level, levelAbove, stageOf } from '../lifecycle.js';
import type { ComplaintRow } from '../repository.js';

/**
 * Escalates, in one transaction and a fixed number of statements, up to `limit` open complaints
 * whose running deadline has passed at `now`: the same effect per row as the `escalate`
 * transition (one level up with that level's deadlines, or `overdue` at the city level, and a
 * timeline event naming the breached deadline), but set-based, so a burst of thousands of
 * deadlines falling due together drains in seconds instead of minutes.
 *
 * Rows another transaction holds are skipped (`SKIP LOCKED`): two sweeps never escalate one
 * complaint twice, and a row a handler is accepting right now is left to the next sweep, which
 * re-reads it. Statements: SELECT … FOR UPDATE SKIP LOCKED, the policies of each distinct
 * compound, the chain orgs of those compounds, one UPDATE … FROM unnest, one INSERT … SELECT.
 */
/** What the sweep returns of each escalated row: enough for its next deadline jobs. */
export type EscalatedRow = Pick<ComplaintRow, 'id' | 'status' | 'overdue' | 'ack_due_at' | 'resolve_due_at'>;

type DueRow = Pick<
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

/** What one sweep learns of each compound (its policies, its chain's orgs), kept across its batches. */
export interface SweepCache {
  chains: Map<number, Awaited<ReturnType<typeof policiesFor>>>;
  orgOf: Map<string, number>;
}
export const newSweepCache = (): SweepCache => ({ chains: new Map(), orgOf: new Map() });

export async function escalateDueBatch(
  tx: Queryable,
  now: Date,
  limit: number,
  cache: SweepCache = newSweepCache(),
): Promise<EscalatedRow[]> {
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
  if (due.length === 0) return [];

  const { chains, orgOf } = cache;
  const compounds = [...new Set(due.map((c) => c.org_id))].filter((id) => !chains.has(id));
  if (compounds.length) {
    for (const id of compounds) chains.set(id, await policiesFor(tx, id));
    const { rows: levelOrgs } = await tx.query<{ compound: number; id: number; kind: Level }>(
      `SELECT o.id AS compound, a.id, a.kind FROM linli.orgs o JOIN linli.orgs a ON a.id = ANY(o.path)
       WHERE o.id = ANY($1::bigint[])`,
      [compounds],
    );
    for (const r of levelOrgs) orgOf.set(`${r.compound}/${r.kind}`, r.id);
  }

  const cols = {
    id: [] as number[],
    level: [] as string[],
    levelOrg: [] as number[],
    ack: [] as (Date | null)[],
    resolve: [] as (Date | null)[],
    overdue: [] as boolean[],
    escalations: [] as number[],
    ackedAt: [] as (Date | null)[],
    type: [] as string[],
    note: [] as string[],
    status: [] as string[],
  };
  for (const c of due) {
    const breached =
      stageOf(c.status) === 'ack' && c.ack_due_at && c.ack_due_at <= now
        ? { stage: 'ack', at: c.ack_due_at }
        : { stage: 'resolve', at: c.resolve_due_at as Date };
    const above = levelAbove(c.level);
    const levelOrg = above ? orgOf.get(`${c.org_id}/${above}`) : undefined;
    cols.id.push(c.id);
    cols.status.push(c.status);
    cols.note.push(`${breached.stage} deadline ${breached.at.toISOString()} passed at level ${c.level}`);
    if (above && levelOrg !== undefined) {
      const d = deadlinesFrom(chains.get(c.org_id) ?? [], above, c.category, now);
      cols.level.push(above);
      cols.levelOrg.push(levelOrg);
      cols.ack.push(d.ackDueAt);
      cols.resolve.push(d.resolveDueAt);
      cols.overdue.push(false);
      cols.escalations.push(c.escalations + 1);
      cols.ackedAt.push(null);
      cols.type.push('escalate');
    } else {
      // the top of the chain (or a compound without that level above it): stays, marked overdue
      cols.level.push(c.level);
      cols.levelOrg.push(c.level_org_id);
      cols.ack.push(c.ack_due_at);
      cols.resolve.push(c.resolve_due_at);
      cols.overdue.push(true);
      cols.escalations.push(c.escalations);
      cols.ackedAt.push(c.acknowledged_at);
      cols.type.push('overdue');
    }
  }
  const { rows: updated } = await tx.query<EscalatedRow>(
    `UPDATE linli.complaints c
     SET level = v.level, level_org_id = v.level_org_id, ack_due_at = v.ack, resolve_due_at = v.resolve,
         overdue = v.overdue, escalations = v.escalations, acknowledged_at = v.acked_at,
         overdue_reminded_at = CASE WHEN v.overdue THEN $9::timestamptz ELSE c.overdue_reminded_at END,
         version = c.version + 1, updated_at = now()
     FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::timestamptz[], $5::timestamptz[],
                 $6::boolean[], $7::int[], $8::timestamptz[])
          AS v(id, level, level_org_id, ack, resolve, overdue, escalations, acked_at)
     WHERE c.id = v.id
     RETURNING c.id, c.status, c.overdue, c.ack_due_at, c.resolve_due_at`,
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
    ],
  );
  await tx.query(
    `INSERT INTO linli.complaint_events (complaint_id, actor_label, type, from_status, to_status, level_org_id, note)
     SELECT v.id, 'system', v.type, v.status, v.status, v.level_org_id, v.note
     FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[])
          AS v(id, type, level_org_id, note, status)
     ORDER BY v.id`,
    [cols.id, cols.type, cols.levelOrg, cols.note, cols.status],
  );
  return updated.sort((a, b) => a.id - b.id);
}
