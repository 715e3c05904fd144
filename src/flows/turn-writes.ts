import type { Queryable } from '../kernel/db/db.js';
import {
  DELIVERY_COLUMNS,
  DELIVERY_RECORD,
  deliveryRecord,
  type NewDelivery,
} from '../kernel/outbox/delivery-repository.js';
import type { RunState } from './machine.js';

/**
 * A turn computed without a transaction, from a conversation row read without a lock: its new
 * state and its replies, to be written only if the row is still as it was read.
 */
export interface TurnWrite {
  conversationId: number;
  /** the `seq` the turn was computed from: the write applies only if the row still has it */
  seq: number;
  state: RunState;
  expiresAt: Date;
  replies: NewDelivery[];
  /** the instant the turn was computed at: an active row expired by then is not written */
  now: Date;
  /** the inbound update the turn answers: marked handled in the same statement (bot/update-marks.ts) */
  update: { channel: string; updateId: string };
}

export interface TurnWriteResult {
  /** false: the conversation moved on, ended or expired meanwhile, and nothing was written */
  applied: boolean;
  /** the replies written (a reply whose idempotency key existed already is not among them) */
  deliveries: { id: number; notBefore: Date }[];
}

/**
 * Writes many turns in one statement (one commit): each conversation's row is compared and set
 * (`seq` and still active and unexpired), and only for the rows so set are the replies inserted
 * and the update marked handled, in the same statement, so a turn is written whole or not at all.
 * (Two deliveries of one update compute from the same `seq`: only one of them can set the row.) A conversation twice in one
 * batch is written for its first turn only (the others are reported not applied).
 */
export async function writeTurns(q: Queryable, turns: readonly TurnWrite[]): Promise<TurnWriteResult[]> {
  const first = new Map<number, number>();
  turns.forEach((t, i) => {
    if (!first.has(t.conversationId)) first.set(t.conversationId, i);
  });
  const written = await writeRows(
    q,
    turns.filter((t, i) => first.get(t.conversationId) === i),
    'compare-and-set',
  );
  return turns.map((t, i) => {
    const w = first.get(t.conversationId) === i ? written.get(t.conversationId) : undefined;
    return w ? { applied: true, deliveries: w.deliveries } : { applied: false, deliveries: [] };
  });
}

/**
 * The end of a turn taken under the conversation's row lock (the slow path: an action ran, a
 * conversation began, an expired one was replaced): its new state, the mark of its update and its
 * replies in one statement inside the turn's transaction, instead of three round trips while the
 * lock is held. `marked` false: a concurrent delivery of the same update marked it first, and the
 * caller must roll back (`DuplicateUpdate`).
 */
export async function writeLockedTurn(
  tx: Queryable,
  t: Omit<TurnWrite, 'now'>,
): Promise<{ marked: boolean; deliveries: { id: number; notBefore: Date }[] }> {
  const w = (await writeRows(tx, [{ ...t, now: new Date() }], 'locked')).get(t.conversationId);
  return { marked: w?.marked ?? false, deliveries: w?.deliveries ?? [] };
}

/**
 * The statement of both: the rows set (`compare-and-set`: only if still at `seq`, active and
 * unexpired at `now`; `locked`: the caller holds the row), then for those the update marked and the
 * replies inserted in reply order. Answers, per conversation set, whether its mark was new and the
 * deliveries written (a reply whose idempotency key existed already is not among them).
 */
async function writeRows(
  q: Queryable,
  turns: readonly TurnWrite[],
  mode: 'compare-and-set' | 'locked',
): Promise<Map<number, { marked: boolean; deliveries: { id: number; notBefore: Date }[] }>> {
  const rows = turns.map((t) => ({
    id: t.conversationId,
    seq: t.seq,
    step: t.state.step,
    answers: t.state.answers,
    attempts: t.state.attempts,
    status: t.state.status,
    expires_at: t.expiresAt.toISOString(),
    now: t.now.toISOString(),
    channel: t.update.channel,
    update_id: t.update.updateId,
  }));
  const replies = turns
    .flatMap((t) => t.replies.map((r) => deliveryRecord(t.conversationId, r)))
    .map((r, ord) => ({ ...r, ord }));
  const { rows: out } = await q.query<{
    conversation_id: number | null;
    marked: boolean | null;
    delivery_id: number | null;
    ref: number | null;
    not_before: Date | null;
  }>(
    `WITH t AS (
       SELECT * FROM json_to_recordset($1::json)
         AS t(id bigint, seq int, step text, answers jsonb, attempts int, status text, expires_at timestamptz, now timestamptz,
               channel text, update_id text)
     ), upd AS (
       UPDATE linli.conversations c
          SET step = t.step, answers = t.answers, attempts = t.attempts, status = t.status, seq = t.seq + 1,
              updated_at = now(), expires_at = t.expires_at,
              ended_at = CASE WHEN t.status = 'active' THEN NULL ELSE now() END
         FROM t
        -- the array makes it an index lookup of the batch's rows whatever the planner guesses of t
        WHERE c.id = ANY (ARRAY(SELECT id FROM t)) AND c.id = t.id${
          mode === 'compare-and-set'
            ? `
          AND c.seq = t.seq AND c.status = 'active' AND c.expires_at > t.now`
            : ''
        }
        RETURNING c.id
     ), mark AS (
       INSERT INTO linli.processed_updates (channel, update_id)
       SELECT t.channel, t.update_id FROM t JOIN upd ON upd.id = t.id
       ON CONFLICT DO NOTHING
       RETURNING channel, update_id
     ), ins AS (
       INSERT INTO linli.deliveries (${DELIVERY_COLUMNS})
       SELECT ${DELIVERY_COLUMNS.split(', ')
         .map((c) => `d.${c}`)
         .join(', ')}
         FROM json_to_recordset($2::json) AS d(${DELIVERY_RECORD}, ord int) JOIN upd ON upd.id = d.ref
        ORDER BY d.ord -- ids in reply order: a chat's replies are sent in id order
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id, idempotency_key, not_before
     )
     SELECT upd.id AS conversation_id,
            EXISTS (SELECT 1 FROM mark JOIN t USING (channel, update_id) WHERE t.id = upd.id) AS marked,
            NULL::bigint AS delivery_id, NULL::bigint AS ref, NULL::timestamptz AS not_before FROM upd
     UNION ALL
     SELECT NULL, NULL, ins.id, d.ref, ins.not_before
       FROM ins JOIN json_to_recordset($2::json) AS d(ref bigint, idempotency_key text) USING (idempotency_key)`,
    [JSON.stringify(rows), JSON.stringify(replies)],
    { prepare: mode === 'compare-and-set' ? 'linli_turn_write_v3' : 'linli_locked_turn_write_v2' },
  );
  const written = new Map<number, { marked: boolean; deliveries: { id: number; notBefore: Date }[] }>();
  for (const r of out)
    if (r.conversation_id !== null)
      written.set(Number(r.conversation_id), { marked: r.marked === true, deliveries: [] });
  for (const r of out)
    if (r.ref !== null && r.delivery_id !== null)
      written.get(Number(r.ref))?.deliveries.push({ id: Number(r.delivery_id), notBefore: r.not_before! });
  for (const w of written.values()) w.deliveries.sort((a, b) => a.id - b.id);
  return written;
}
