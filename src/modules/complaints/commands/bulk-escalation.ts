import type { Queryable } from '../../../kernel/db/db.js';
import { deadlineLateness, escalations, secondsLate } from '../../../kernel/metrics/metrics.js';
import { deadlinesFrom } from '../escalation-policy.js';
import { levelAbove, stageOf } from '../lifecycle.js';
import { policiesFor } from '../repository-settings.js';
import {
  chainOrgs,
  type EscalatedRow,
  type EscalationColumns,
  insertEscalationEvents,
  lockDueComplaints,
  updateEscalated,
} from '../repository-sweep.js';

export type { EscalatedRow } from '../repository-sweep.js';

/** What one sweep learns of each compound (its policies, its chain's orgs), kept across its batches. */
export interface SweepCache {
  chains: Map<number, Awaited<ReturnType<typeof policiesFor>>>;
  orgOf: Map<string, number>;
}
export const newSweepCache = (): SweepCache => ({ chains: new Map(), orgOf: new Map() });

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
export async function escalateDueBatch(
  tx: Queryable,
  now: Date,
  limit: number,
  cache: SweepCache = newSweepCache(),
): Promise<EscalatedRow[]> {
  const due = await lockDueComplaints(tx, now, limit);
  if (due.length === 0) return [];

  const { chains, orgOf } = cache;
  const compounds = [...new Set(due.map((c) => c.org_id))].filter((id) => !chains.has(id));
  if (compounds.length) {
    for (const id of compounds) chains.set(id, await policiesFor(tx, id));
    const levelOrgs = await chainOrgs(tx, compounds);
    for (const r of levelOrgs) orgOf.set(`${r.compound}/${r.kind}`, r.id);
  }

  const cols: EscalationColumns = {
    id: [],
    level: [],
    levelOrg: [],
    ack: [],
    resolve: [],
    ackWarn: [],
    resolveWarn: [],
    overdue: [],
    escalations: [],
    ackedAt: [],
    type: [],
    note: [],
    status: [],
  };
  const breachedAt: Date[] = [];
  for (const c of due) {
    const breached =
      stageOf(c.status) === 'ack' && c.ack_due_at && c.ack_due_at <= now
        ? { stage: 'ack', at: c.ack_due_at }
        : { stage: 'resolve', at: c.resolve_due_at as Date };
    const above = levelAbove(c.level);
    const levelOrg = above ? orgOf.get(`${c.org_id}/${above}`) : undefined;
    cols.id.push(c.id);
    cols.status.push(c.status);
    breachedAt.push(breached.at);
    cols.note.push(`${breached.stage} deadline ${breached.at.toISOString()} passed at level ${c.level}`);
    if (above && levelOrg !== undefined) {
      const d = deadlinesFrom(chains.get(c.org_id) ?? [], above, c.category, now);
      cols.level.push(above);
      cols.levelOrg.push(levelOrg);
      cols.ack.push(d.ackDueAt);
      cols.resolve.push(d.resolveDueAt);
      cols.ackWarn.push(d.ackWarnAt);
      cols.resolveWarn.push(d.resolveWarnAt);
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
      cols.ackWarn.push(null);
      cols.resolveWarn.push(null);
      cols.overdue.push(true);
      cols.escalations.push(c.escalations);
      cols.ackedAt.push(c.acknowledged_at);
      cols.type.push('overdue');
    }
  }
  const updated = await updateEscalated(tx, cols, now);
  await insertEscalationEvents(tx, cols);
  // counted inside the sweep's transaction: a rolled-back sweep (rare: a database error) is
  // counted again when the next one escalates the same complaints
  const indexOf = new Map(due.map((c, i) => [c.id, i]));
  for (const u of updated) {
    const i = indexOf.get(u.id);
    if (i === undefined) continue;
    const outcome = cols.type[i] === 'escalate' ? 'escalated' : 'overdue';
    escalations.inc({ from_level: (due[i] as (typeof due)[number]).level, outcome });
    deadlineLateness.observe({ kind: 'escalation' }, secondsLate(breachedAt[i] as Date, now));
  }
  return updated.sort((a, b) => a.id - b.id);
}
