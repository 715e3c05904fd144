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
     ), ins AS (${repliesInsert('$2', 'upd')})
     SELECT upd.id AS conversation_id,
            EXISTS (SELECT 1 FROM mark JOIN t USING (channel, update_id) WHERE t.id = upd.id) AS marked,
            NULL::bigint AS delivery_id, NULL::bigint AS ref, NULL::timestamptz AS not_before FROM upd
     UNION ALL
     SELECT NULL, NULL, ins.id, d.ref, ins.not_before
       FROM ins JOIN json_to_recordset($2::json) AS d(ref bigint, idempotency_key text) USING (idempotency_key)`,
    [JSON.stringify(rows), JSON.stringify(replies)],
    { prepare: mode === 'compare-and-set' ? 'linli_turn_write_v4' : 'linli_locked_turn_write_v3' },
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

/**
 * The insert of a turn's replies (the JSON records in `param`, each naming its conversation in
 * `ref`), only for the conversations the CTE `written` returns, in reply order; a reply whose
 * idempotency key exists is skipped.
 */
function repliesInsert(param: string, written: string): string {
  return `
       INSERT INTO linli.deliveries (${DELIVERY_COLUMNS})
       SELECT ${DELIVERY_COLUMNS.split(', ')
         .map((c) => `d.${c}`)
         .join(', ')}
         FROM json_to_recordset(${param}::json) AS d(${DELIVERY_RECORD}, ord int) JOIN ${written} ON ${written}.id = d.ref
        ORDER BY d.ord -- ids in reply order: a chat's replies are sent in id order
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id, idempotency_key, not_before
     `;
}

/** A conversation begun by a turn computed without a transaction (`FlowEngine` fast begin). */
export interface BegunTurn {
  /** reserved beforehand (`ConversationIds`): the replies' buttons are bound to it */
  id: number;
  m: { channel: string; chatExternalId: string; chatKind: 'group' | 'private'; updateId: string };
  person: { id: number; externalId: string; displayName: string };
  flowId: number;
  orgId: number | null;
  chatId: number | null;
  locale: string;
  /** the state after the turn, at `seq` 1 (as a begin then its first write leaves it) */
  state: RunState;
  expiresAt: Date;
  /** the flow's key when the person's active conversations of it in other chats end (insertConversation) */
  cancelElsewhere?: string;
  replies: NewDelivery[];
}

/**
 * Writes a begun conversation whole in one statement, without a transaction: the update's mark
 * first, and only when it is new the conversation (in its state after the turn), the cancelling
 * of the person's same flow elsewhere, and the replies. `begun` false: the update was marked by
 * another delivery of it, and nothing was written. A concurrent begin of the same person in the
 * chat makes it a unique violation (conversations_one_active), as `insertConversation` does.
 */
export async function writeBegunTurn(
  q: Queryable,
  t: BegunTurn,
): Promise<{ begun: boolean; deliveries: { id: number; notBefore: Date }[] }> {
  const replies = t.replies.map((r, ord) => ({ ...deliveryRecord(t.id, r), ord }));
  const { rows } = await q.query<{ id: number | null; delivery_id: number | null; not_before: Date | null }>(
    `WITH mark AS (
       INSERT INTO linli.processed_updates (channel, update_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING RETURNING 1
     ), cancelled AS (
       UPDATE linli.conversations c SET status = 'cancelled', seq = seq + 1, updated_at = now(), ended_at = now()
         FROM linli.flows f
        WHERE EXISTS (SELECT 1 FROM mark) AND $18::text IS NOT NULL AND c.person_id = $5 AND c.status = 'active'
          AND f.id = c.flow_id AND f.key = $18 AND NOT (c.channel = $1 AND c.chat_external_id = $3)
     ), conv AS (
       INSERT INTO linli.conversations (id, channel, chat_external_id, chat_kind, person_id, person_external_id,
         person_display_name, flow_id, org_id, chat_id, locale, step, answers, attempts, status, seq,
         expires_at, ended_at)
       SELECT $4, $1, $3, $19, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16,
              CASE WHEN $15 = 'active' THEN NULL ELSE now() END
        WHERE EXISTS (SELECT 1 FROM mark)
       RETURNING id
     ), ins AS (${repliesInsert('$17', 'conv')})
     SELECT conv.id, NULL::bigint AS delivery_id, NULL::timestamptz AS not_before FROM conv
     UNION ALL
     SELECT NULL, ins.id, ins.not_before FROM ins`,
    [
      t.m.channel,
      t.m.updateId,
      t.m.chatExternalId,
      t.id,
      t.person.id,
      t.person.externalId,
      t.person.displayName,
      t.flowId,
      t.orgId,
      t.chatId,
      t.locale,
      t.state.step,
      JSON.stringify(t.state.answers),
      t.state.attempts,
      t.state.status,
      t.expiresAt,
      JSON.stringify(replies),
      t.cancelElsewhere ?? null,
      t.m.chatKind,
    ],
    { prepare: 'linli_begun_turn_write_v2' },
  );
  const begun = rows.some((r) => r.id !== null);
  const deliveries = rows
    .filter((r) => r.delivery_id !== null)
    .map((r) => ({ id: Number(r.delivery_id), notBefore: r.not_before! }))
    .sort((a, b) => a.id - b.id);
  return { begun, deliveries };
}

/**
 * Conversation ids taken ahead from their sequence, a few at a time (one statement for several
 * begins): a turn computed before its conversation exists binds its buttons to the id it will have.
 * Ids a process took and never used are gaps, as a rolled-back insert leaves.
 */
export class ConversationIds {
  private readonly spare: number[] = [];
  private refill: Promise<void> | null = null;

  constructor(
    private readonly q: Queryable,
    private readonly batch = 16,
  ) {}

  async next(): Promise<number> {
    for (;;) {
      const id = this.spare.shift();
      if (id !== undefined) return id;
      this.refill ??= this.take().finally(() => {
        this.refill = null;
      });
      await this.refill;
    }
  }

  private async take(): Promise<void> {
    const { rows } = await this.q.query<{ id: number }>(
      `SELECT nextval('linli.conversations_id_seq') AS id FROM generate_series(1, $1)`,
      [this.batch],
      { prepare: 'linli_conversation_ids_v1' },
    );
    this.spare.push(...rows.map((r) => Number(r.id)));
  }
}
