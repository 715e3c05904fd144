import type { Locale } from '../../flows/flow-schema.js';
import { type ChatRow, toChat } from '../../kernel/chat/binding.js';
import type { ChannelName, DeliveryChannel } from '../../kernel/chat/port.js';
import type { Queryable } from '../../kernel/db/db.js';
import type { Chat, ChatPurpose } from './schema.js';

/**
 * The SQL of the chats module: bind codes, chat bindings, the marks of handled updates and
 * unbound chats, and where Linli writes to people and orgs. Each function runs on the
 * `Queryable` it is given (a transaction's `tx` where the caller holds one).
 */

/** Draws a bind code: its row, or undefined when the code is taken (draw again). */
export async function insertBindCode(
  tx: Queryable,
  c: { code: string; orgId: number; purpose: ChatPurpose; ttlMinutes: number },
): Promise<{ id: number; expires_at: Date } | undefined> {
  const { rows } = await tx.query<{ id: number; expires_at: Date }>(
    `INSERT INTO linli.bind_codes (code, org_id, purpose, expires_at)
           VALUES ($1, $2, $3, now() + make_interval(mins => $4)) ON CONFLICT (code) DO NOTHING RETURNING id, expires_at`,
    [c.code, c.orgId, c.purpose, c.ttlMinutes],
  );
  return rows[0];
}

export interface BindCodeState {
  id: number;
  org_id: number;
  purpose: ChatPurpose;
  expired: boolean;
  used: boolean;
}

/** A bind code locked for the caller's transaction, with whether it expired or was used. */
export async function lockBindCode(tx: Queryable, code: string): Promise<BindCodeState | undefined> {
  const { rows } = await tx.query<BindCodeState>(
    `SELECT id, org_id, purpose, expires_at <= now() AS expired, used_at IS NOT NULL AS used
         FROM linli.bind_codes WHERE code = $1 FOR UPDATE`,
    [code],
  );
  return rows[0];
}

export async function markBindCodeUsed(tx: Queryable, id: number, chatId: number): Promise<void> {
  await tx.query('UPDATE linli.bind_codes SET used_at = now(), chat_id = $2 WHERE id = $1', [id, chatId]);
}

/** The chats bound to an org (`purpose` null: all), in id order. */
export async function chatsOf(q: Queryable, orgId: number, purpose: ChatPurpose | null): Promise<ChatRow[]> {
  const { rows } = await q.query<ChatRow>(
    `SELECT * FROM linli.chats WHERE org_id = $1 AND ($2::text IS NULL OR purpose = $2) ORDER BY id`,
    [orgId, purpose],
  );
  return rows;
}

/** Deletes a chat of the org: its row, or undefined when the org has no such chat. */
export async function deleteChat(tx: Queryable, chatId: number, orgId: number): Promise<ChatRow | undefined> {
  const { rows } = await tx.query<ChatRow>(
    'DELETE FROM linli.chats WHERE id = $1 AND org_id = $2 RETURNING *',
    [chatId, orgId],
  );
  return rows[0];
}

export async function findChat(
  q: Queryable,
  channel: DeliveryChannel,
  externalChatId: string,
): Promise<Chat | null> {
  const { rows } = await q.query<ChatRow>(
    'SELECT * FROM linli.chats WHERE channel = $1 AND external_chat_id = $2',
    [channel, externalChatId],
  );
  return rows[0] ? toChat(rows[0]) : null;
}

/** What binding a chat names: the chat, the org it serves and for what, how it was bound. */
export interface ChatBindingInput {
  channel: DeliveryChannel;
  externalChatId: string;
  orgId: number;
  purpose: ChatPurpose;
  title?: string;
  via: 'code' | 'admin';
}

/**
 * Binds a chat, or moves it when it is bound already (the title kept when none is given).
 * Throws the database's unique violation when another transaction bound it concurrently.
 */
export async function upsertChat(tx: Queryable, c: ChatBindingInput): Promise<ChatRow> {
  const { rows } = await tx.query<ChatRow>(
    `INSERT INTO linli.chats (channel, external_chat_id, org_id, purpose, title, bound_via) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (channel, external_chat_id) DO UPDATE
         SET org_id = EXCLUDED.org_id, purpose = EXCLUDED.purpose, title = COALESCE(EXCLUDED.title, linli.chats.title),
             bound_via = EXCLUDED.bound_via, updated_at = now()
       RETURNING *`,
    [c.channel, c.externalChatId, c.orgId, c.purpose, c.title ?? null, c.via],
  );
  return rows[0]!;
}

/** True when the update's mark exists (see bot/update-marks.ts). */
export async function updateMarked(q: Queryable, channel: ChannelName, updateId: string): Promise<boolean> {
  const { rows } = await q.query(
    'SELECT 1 FROM linli.processed_updates WHERE channel = $1 AND update_id = $2',
    [channel, updateId],
  );
  return rows.length === 1;
}

/** Stamps the unbound chat's notice unless it had one in the last 24 h: true when stamped. */
export async function claimUnboundNotice(
  q: Queryable,
  channel: ChannelName,
  externalChatId: string,
): Promise<boolean> {
  const { rows } = await q.query(
    `INSERT INTO linli.unbound_chat_notices (channel, external_chat_id) VALUES ($1, $2)
       ON CONFLICT (channel, external_chat_id) DO UPDATE SET noticed_at = now()
         WHERE linli.unbound_chat_notices.noticed_at < now() - interval '24 hours'
       RETURNING 1`,
    [channel, externalChatId],
  );
  return rows.length === 1;
}

/** Deletes the marks of updates older than 24 h: how many. */
export async function purgeUpdateMarks(q: Queryable): Promise<number> {
  const u = await q.query(`DELETE FROM linli.processed_updates WHERE seen_at < now() - interval '24 hours'`);
  return u.rowCount;
}

/** Deletes bind codes expired more than 30 days ago: how many. */
export async function purgeBindCodes(q: Queryable): Promise<number> {
  const c = await q.query(`DELETE FROM linli.bind_codes WHERE expires_at < now() - interval '30 days'`);
  return c.rowCount;
}

/**
 * Where Linli writes to people and orgs, for every module that sends: an org's residents' groups
 * (oldest binding first), and a person's private address — their first channel identity (on
 * WeChat the bot can write privately only to its friends: callers decide when a group @-mention
 * is the better way). People without an identity are simply absent.
 */
export interface ResidentsGroup {
  org_id: number;
  channel: DeliveryChannel;
  external_chat_id: string;
}

export function residentsGroups(q: Queryable, orgIds: number | number[]): Promise<ResidentsGroup[]> {
  return boundGroups(q, orgIds, 'residents');
}

/** The groups bound to these orgs for a purpose (residents', handlers'), oldest binding first. */
export async function boundGroups(
  q: Queryable,
  orgIds: number | number[],
  purpose: ChatPurpose,
): Promise<ResidentsGroup[]> {
  const { rows } = await q.query<ResidentsGroup>(
    `SELECT org_id, channel, external_chat_id FROM linli.chats
     WHERE org_id = ANY($1::bigint[]) AND purpose = $2 ORDER BY id`,
    [Array.isArray(orgIds) ? orgIds : [orgIds], purpose],
  );
  return rows;
}

export interface PrivateAddress {
  person_id: number;
  channel: ChannelName;
  external_id: string;
  display_name: string | null;
  locale: Locale;
}

export async function privateAddresses(q: Queryable, personIds: number[]): Promise<PrivateAddress[]> {
  const { rows } = await q.query<PrivateAddress>(
    `SELECT DISTINCT ON (i.person_id) i.person_id, i.channel, i.external_id, i.display_name, pe.locale
     FROM linli.identities i JOIN linli.people pe ON pe.id = i.person_id
     WHERE i.person_id = ANY($1::bigint[]) ORDER BY i.person_id, i.id`,
    [personIds],
  );
  return rows;
}

export async function privateAddress(q: Queryable, personId: number): Promise<PrivateAddress | null> {
  return (await privateAddresses(q, [personId]))[0] ?? null;
}
