import { randomInt } from 'node:crypto';
import { recordAudit } from '../../kernel/access/audit.js';
import { conflict, isUniqueViolation, notFound } from '../../kernel/access/errors.js';
import { type Actor, assertCanSee, assertCanWrite, type Principal } from '../../kernel/access/principal.js';
import { type ChatRow, toChat } from '../../kernel/chat/binding.js';
import type { ChannelName } from '../../kernel/chat/port.js';
import type { Db, Queryable } from '../../kernel/db/db.js';
import type { Org } from '../orgs/index.js';
import { findOrg } from '../orgs/index.js';
import type { Chat, ChatPurpose } from './schema.js';

/** Letters and digits residents can't confuse when typing on a phone (no 0/O, 1/I/L). */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;

export { type ChatRow, toChat } from '../../kernel/chat/binding.js';

export type BindOutcome =
  | { ok: true; chat: Chat; org: Org }
  | { ok: false; reason: 'unknown_code' | 'expired' | 'used' };

/**
 * Which chat belongs to which org, and for whom (residents or handlers).
 *
 * Contract: a bind code is single-use and expires; redeeming it is one atomic UPDATE, so two
 * groups racing with one code bind once. Binding a chat that is already bound moves it (its
 * id may have been reused after a puppet change); every bind and unbind is audited.
 */
export class ChatService {
  constructor(private readonly db: Db) {}

  async createBindCode(actor: Actor, orgId: number, body: { purpose: ChatPurpose; ttlMinutes: number }) {
    return this.db.transaction(async (tx) => {
      const org = await writableOrg(tx, actor.principal, orgId);
      for (let attempt = 0; ; attempt++) {
        const code = Array.from(
          { length: CODE_LENGTH },
          () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)],
        ).join('');
        const { rows } = await tx.query<{ id: number; expires_at: Date }>(
          `INSERT INTO linli.bind_codes (code, org_id, purpose, expires_at)
           VALUES ($1, $2, $3, now() + make_interval(mins => $4)) ON CONFLICT (code) DO NOTHING RETURNING id, expires_at`,
          [code, orgId, body.purpose, body.ttlMinutes],
        );
        const row = rows[0];
        if (!row) {
          if (attempt > 5) throw new Error('could not draw a unique bind code');
          continue;
        }
        await recordAudit(tx, actor, {
          action: 'bind_code.create',
          objectType: 'bind_code',
          objectId: row.id,
          orgId,
          after: { orgId, purpose: body.purpose, expiresAt: row.expires_at },
        });
        return {
          code,
          orgId,
          purpose: body.purpose,
          expiresAt: row.expires_at,
          instructions: `请群成员在「${org.name}」${body.purpose === 'residents' ? '居民' : '工作'}群里发送：绑定 ${code}（或 /bind ${code}）`,
        };
      }
    });
  }

  /** Redeems a code sent in a chat. Never throws for a bad code: the chat gets told why. */
  async bindWithCode(
    channel: ChannelName,
    externalChatId: string,
    title: string | undefined,
    code: string,
  ): Promise<BindOutcome> {
    const normalized = code.trim().toUpperCase();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{
        id: number;
        org_id: number;
        purpose: ChatPurpose;
        expired: boolean;
        used: boolean;
      }>(
        `SELECT id, org_id, purpose, expires_at <= now() AS expired, used_at IS NOT NULL AS used
         FROM linli.bind_codes WHERE code = $1 FOR UPDATE`,
        [normalized],
      );
      const c = rows[0];
      if (!c) return { ok: false, reason: 'unknown_code' };
      if (c.used) return { ok: false, reason: 'used' };
      if (c.expired) return { ok: false, reason: 'expired' };
      const chat = await upsertChat(tx, {
        channel,
        externalChatId,
        orgId: c.org_id,
        purpose: c.purpose,
        title,
        via: 'code',
      });
      await tx.query('UPDATE linli.bind_codes SET used_at = now(), chat_id = $2 WHERE id = $1', [
        c.id,
        chat.after.id,
      ]);
      await recordAudit(
        tx,
        { principal: { kind: 'superuser', tokenId: null, label: `chat:${channel}:${externalChatId}` } },
        {
          action: 'chat.bind',
          objectType: 'chat',
          objectId: chat.after.id,
          orgId: c.org_id,
          before: chat.before,
          after: chat.after,
        },
      );
      const org = (await findOrg(tx, c.org_id))!;
      return { ok: true, chat: chat.after, org };
    });
  }

  async bindDirect(
    actor: Actor,
    orgId: number,
    body: { channel: ChannelName; externalChatId: string; purpose: ChatPurpose; title?: string },
  ): Promise<Chat> {
    return this.db.transaction(async (tx) => {
      await writableOrg(tx, actor.principal, orgId);
      const existing = await findChat(tx, body.channel, body.externalChatId);
      if (existing && existing.orgId !== orgId) {
        const other = await findOrg(tx, existing.orgId);
        const visible =
          other && (actor.principal.kind === 'superuser' || other.path.includes(actor.principal.orgId));
        // outside the token's subtree, nothing says where: the chat is taken, and that is all
        throw conflict(
          visible
            ? `This chat is bound to org ${existing.orgId}; unbind it there first`
            : 'This chat is already bound; it has to be unbound before it can be bound here',
          [{ field: 'externalChatId', message: 'already bound' }],
        );
      }
      const chat = await upsertChat(tx, { ...body, orgId, via: 'admin' });
      await recordAudit(tx, actor, {
        action: 'chat.bind',
        objectType: 'chat',
        objectId: chat.after.id,
        orgId,
        before: chat.before,
        after: chat.after,
      });
      return chat.after;
    });
  }

  async list(p: Principal, orgId: number, purpose?: ChatPurpose): Promise<Chat[]> {
    const org = await findOrg(this.db, orgId);
    if (!org) throw notFound('org', orgId);
    assertCanSee(p, org.path, 'org', orgId);
    const { rows } = await this.db.query<ChatRow>(
      `SELECT * FROM linli.chats WHERE org_id = $1 AND ($2::text IS NULL OR purpose = $2) ORDER BY id`,
      [orgId, purpose ?? null],
    );
    return rows.map(toChat);
  }

  async unbind(actor: Actor, orgId: number, chatId: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await writableOrg(tx, actor.principal, orgId);
      const { rows } = await tx.query<ChatRow>(
        'DELETE FROM linli.chats WHERE id = $1 AND org_id = $2 RETURNING *',
        [chatId, orgId],
      );
      if (!rows[0]) throw notFound('chat', chatId);
      await recordAudit(tx, actor, {
        action: 'chat.unbind',
        objectType: 'chat',
        objectId: chatId,
        orgId,
        before: toChat(rows[0]),
      });
    });
  }

  async find(channel: ChannelName, externalChatId: string): Promise<Chat | null> {
    return findChat(this.db, channel, externalChatId);
  }

  /** True when the update's mark exists (it was handled, within the retention of 24 h): see bot/update-marks.ts. */
  async handledBefore(channel: ChannelName, updateId: string): Promise<boolean> {
    const { rows } = await this.db.query(
      'SELECT 1 FROM linli.processed_updates WHERE channel = $1 AND update_id = $2',
      [channel, updateId],
    );
    return rows.length === 1;
  }

  /** True when an unbound chat may get its one explanation now (at most once a day). */
  async mayExplainUnbound(channel: ChannelName, externalChatId: string): Promise<boolean> {
    const { rows } = await this.db.query(
      `INSERT INTO linli.unbound_chat_notices (channel, external_chat_id) VALUES ($1, $2)
       ON CONFLICT (channel, external_chat_id) DO UPDATE SET noticed_at = now()
         WHERE linli.unbound_chat_notices.noticed_at < now() - interval '24 hours'
       RETURNING 1`,
      [channel, externalChatId],
    );
    return rows.length === 1;
  }

  /** Forgets update ids older than 24 h and used or expired codes older than 30 days. */
  async purgeExpired(): Promise<{ updates: number; codes: number }> {
    const u = await this.db.query(
      `DELETE FROM linli.processed_updates WHERE seen_at < now() - interval '24 hours'`,
    );
    const c = await this.db.query(
      `DELETE FROM linli.bind_codes WHERE expires_at < now() - interval '30 days'`,
    );
    return { updates: u.rowCount, codes: c.rowCount };
  }
}

async function writableOrg(tx: Queryable, p: Principal, orgId: number): Promise<Org> {
  const org = await findOrg(tx, orgId);
  if (!org) throw notFound('org', orgId);
  assertCanWrite(p, org.path, 'org', orgId);
  return org;
}

async function findChat(q: Queryable, channel: ChannelName, externalChatId: string): Promise<Chat | null> {
  const { rows } = await q.query<ChatRow>(
    'SELECT * FROM linli.chats WHERE channel = $1 AND external_chat_id = $2',
    [channel, externalChatId],
  );
  return rows[0] ? toChat(rows[0]) : null;
}

async function upsertChat(
  tx: Queryable,
  c: {
    channel: ChannelName;
    externalChatId: string;
    orgId: number;
    purpose: ChatPurpose;
    title?: string;
    via: 'code' | 'admin';
  },
): Promise<{ before: Chat | null; after: Chat }> {
  const before = await findChat(tx, c.channel, c.externalChatId);
  try {
    const { rows } = await tx.query<ChatRow>(
      `INSERT INTO linli.chats (channel, external_chat_id, org_id, purpose, title, bound_via) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (channel, external_chat_id) DO UPDATE
         SET org_id = EXCLUDED.org_id, purpose = EXCLUDED.purpose, title = COALESCE(EXCLUDED.title, linli.chats.title),
             bound_via = EXCLUDED.bound_via, updated_at = now()
       RETURNING *`,
      [c.channel, c.externalChatId, c.orgId, c.purpose, c.title ?? null, c.via],
    );
    return { before, after: toChat(rows[0]!) };
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('This chat was bound concurrently; try again');
    throw err;
  }
}
