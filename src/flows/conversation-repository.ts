import type { InboundMessage } from '../kernel/chat/port.js';
import type { Queryable } from '../kernel/db/db.js';
import type { Locale } from './flow-schema.js';
import type { RunState } from './machine.js';
import type { ConversationRow } from './turn-context.js';

/**
 * The statements of `linli.conversations` the flow engine runs (the batched write of a turn
 * computed without a transaction is in turn-writes.ts).
 */

/**
 * The pre-check's read in one statement: the person's active conversation in this chat (unlocked,
 * as read; null when none), the org's path, and the flow generation (the newest published
 * version's id).
 */
export async function readPrecheck(
  q: Queryable,
  m: InboundMessage,
  personId: number | null,
  orgId: number | null,
): Promise<{ active: ConversationRow | null; path: (string | number)[] | null; gen: number | null }> {
  const { rows } = await q.query<
    ConversationRow & { org_path: (string | number)[] | null; flow_gen: number | null }
  >(
    `SELECT c.*, (SELECT path FROM linli.orgs WHERE id = $4) AS org_path,
            (SELECT max(id) FROM linli.flows WHERE version > 0) AS flow_gen
       FROM (SELECT 1) AS one
       LEFT JOIN linli.conversations c ON c.channel = $1 AND c.chat_external_id = $2
            AND c.person_id = $3 AND c.status = 'active'`,
    [m.channel, m.chat.externalId, personId ?? 0, orgId ?? 0],
  );
  const { org_path, flow_gen, ...c } = rows[0]!;
  return { active: c.id === null ? null : (c as ConversationRow), path: org_path, gen: flow_gen };
}

/** The person's active conversation in the message's chat, locked, or undefined. */
export async function lockActiveConversation(
  tx: Queryable,
  m: InboundMessage,
  personId: number,
): Promise<ConversationRow | undefined> {
  const { rows } = await tx.query<ConversationRow>(
    `SELECT * FROM linli.conversations
     WHERE channel = $1 AND chat_external_id = $2 AND person_id = $3 AND status = 'active' FOR UPDATE`,
    [m.channel, m.chat.externalId, personId],
  );
  return rows[0];
}

/** Starts a conversation (a unique violation: the same person started one a moment ago). */
export async function insertConversation(
  tx: Queryable,
  c: {
    m: InboundMessage;
    personId: number;
    flowId: number;
    orgId: number | null;
    chatId: number | null;
    locale: Locale;
    step: string;
    answers: Record<string, unknown>;
    expiresAt: Date;
    /**
     * the flow's key when the person's active conversations of it in other chats end, cancelled, in
     * the same statement: the one they left in a group when they took its offer to go private (their
     * timeout jobs find the `seq` moved on and do nothing)
     */
    cancelElsewhere?: string;
  },
): Promise<ConversationRow> {
  const { rows } = await tx.query<ConversationRow>(
    `WITH cancelled AS (
       UPDATE linli.conversations c SET status = 'cancelled', seq = seq + 1, updated_at = now(), ended_at = now()
         FROM linli.flows f
        WHERE $14::text IS NOT NULL AND c.person_id = $4 AND c.status = 'active' AND f.id = c.flow_id
          AND f.key = $14 AND NOT (c.channel = $1 AND c.chat_external_id = $2)
     )
     INSERT INTO linli.conversations (channel, chat_external_id, chat_kind, person_id, person_external_id,
       person_display_name, flow_id, org_id, chat_id, locale, step, answers, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
    [
      c.m.channel,
      c.m.chat.externalId,
      c.m.chat.kind,
      c.personId,
      c.m.sender.externalId,
      c.m.sender.displayName,
      c.flowId,
      c.orgId,
      c.chatId,
      c.locale,
      c.step,
      JSON.stringify(c.answers),
      c.expiresAt,
      c.cancelElsewhere ?? null,
    ],
  );
  return rows[0]!;
}

/** Ends a conversation (cancelled, expired). */
export async function finishConversation(
  tx: Queryable,
  id: number,
  status: RunState['status'],
): Promise<void> {
  await tx.query(
    `UPDATE linli.conversations SET status = $2, seq = seq + 1, updated_at = now(), ended_at = now() WHERE id = $1`,
    [id, status],
  );
}

/** A conversation still active at `seq` and expired by `now`, locked, or undefined. */
export async function lockExpiredConversation(
  tx: Queryable,
  id: number,
  seq: number,
  now: Date,
): Promise<ConversationRow | undefined> {
  const { rows } = await tx.query<ConversationRow>(
    `SELECT * FROM linli.conversations WHERE id = $1 AND status = 'active' AND seq = $2 AND expires_at <= $3 FOR UPDATE`,
    [id, seq, now],
  );
  return rows[0];
}

/** Where an active conversation stands (its `seq` and expiry), or undefined when it is not active. */
export async function activeConversationExpiry(
  q: Queryable,
  id: number,
): Promise<{ id: number; seq: number; expires_at: Date } | undefined> {
  const { rows } = await q.query<{ id: number; seq: number; expires_at: Date }>(
    `SELECT id, seq, expires_at FROM linli.conversations WHERE id = $1 AND status = 'active'`,
    [id],
  );
  return rows[0];
}

/** Up to 1000 active conversations past their expiry at `now`, by id. */
export async function expiredConversations(q: Queryable, now: Date): Promise<{ id: number; seq: number }[]> {
  const { rows } = await q.query<{ id: number; seq: number }>(
    `SELECT id, seq FROM linli.conversations WHERE status = 'active' AND expires_at <= $1 ORDER BY id LIMIT 1000`,
    [now],
  );
  return rows;
}
