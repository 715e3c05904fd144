import { randomInt } from 'node:crypto';
import { recordAudit } from '../../kernel/access/audit.js';
import { badRequest, conflict, isUniqueViolation, notFound } from '../../kernel/access/errors.js';
import { type Actor, assertCanSee, assertCanWrite, type Principal } from '../../kernel/access/principal.js';
import { toChat } from '../../kernel/chat/binding.js';
import type { ChannelName, DeliveryChannel } from '../../kernel/chat/port.js';
import type { Db, Queryable } from '../../kernel/db/db.js';
import type { Org } from '../orgs/index.js';
import { findOrg } from '../orgs/index.js';
import {
  type ChatBindingInput,
  chatsOf,
  claimUnboundNotice,
  deleteChat,
  findChat,
  insertBindCode,
  lockBindCode,
  markBindCodeUsed,
  purgeBindCodes,
  purgeUpdateMarks,
  updateMarked,
  upsertChat,
} from './repository.js';
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
    const created = await this.db.transaction(async (tx) => {
      const org = await writableOrg(tx, actor.principal, orgId);
      for (let attempt = 0; ; attempt++) {
        const code = Array.from(
          { length: CODE_LENGTH },
          () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)],
        ).join('');
        const row = await insertBindCode(tx, {
          code,
          orgId,
          purpose: body.purpose,
          ttlMinutes: body.ttlMinutes,
        });
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
    return { ...created, telegramStartGroupUrl: await this.startGroupUrl(created.code) };
  }

  /**
   * Telegram's link that adds the bot to a group of the opener's choice and sends `/start CODE`
   * there (the dispatcher binds with it as with `/bind CODE`): the bot's username as the Telegram
   * channel stored it when it started (`channel_state.bot_info`), null when it never has.
   */
  private async startGroupUrl(code: string): Promise<string | null> {
    const { rows } = await this.db.query<{ username: string | null }>(
      `SELECT bot_info ->> 'username' AS username FROM linli.channel_state WHERE channel = 'telegram'`,
    );
    const username = rows[0]?.username;
    return username ? `https://t.me/${username}?startgroup=${code}` : null;
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
      const c = await lockBindCode(tx, normalized);
      if (!c) return { ok: false, reason: 'unknown_code' };
      if (c.used) return { ok: false, reason: 'used' };
      if (c.expired) return { ok: false, reason: 'expired' };
      const chat = await bindChat(tx, {
        channel,
        externalChatId,
        orgId: c.org_id,
        purpose: c.purpose,
        title,
        via: 'code',
      });
      await markBindCodeUsed(tx, c.id, chat.after.id);
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
    input: { channel: DeliveryChannel; externalChatId: string; purpose: ChatPurpose; title?: string },
  ): Promise<Chat> {
    const body = input.channel === 'wecom_robot' ? wecomRobotChat(input) : input;
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
      const chat = await bindChat(tx, { ...body, orgId, via: 'admin' });
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
    // a robot's webhook key lets anyone post into the officials' group: listed by its first characters only
    return (await chatsOf(this.db, orgId, purpose ?? null))
      .map(toChat)
      .map((c) =>
        c.channel === 'wecom_robot' ? { ...c, externalChatId: `${c.externalChatId.slice(0, 8)}…` } : c,
      );
  }

  async unbind(actor: Actor, orgId: number, chatId: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await writableOrg(tx, actor.principal, orgId);
      const deleted = await deleteChat(tx, chatId, orgId);
      if (!deleted) throw notFound('chat', chatId);
      await recordAudit(tx, actor, {
        action: 'chat.unbind',
        objectType: 'chat',
        objectId: chatId,
        orgId,
        before: toChat(deleted),
      });
    });
  }

  async find(channel: ChannelName, externalChatId: string): Promise<Chat | null> {
    return findChat(this.db, channel, externalChatId);
  }

  /** True when the update's mark exists (it was handled, within the retention of 24 h): see bot/update-marks.ts. */
  async handledBefore(channel: ChannelName, updateId: string): Promise<boolean> {
    return updateMarked(this.db, channel, updateId);
  }

  /** True when an unbound chat may get its one explanation now (at most once a day). */
  async mayExplainUnbound(channel: ChannelName, externalChatId: string): Promise<boolean> {
    return claimUnboundNotice(this.db, channel, externalChatId);
  }

  /** Forgets update ids older than 24 h and used or expired codes older than 30 days. */
  async purgeExpired(): Promise<{ updates: number; codes: number }> {
    const updates = await purgeUpdateMarks(this.db);
    const codes = await purgeBindCodes(this.db);
    return { updates, codes };
  }
}

async function writableOrg(tx: Queryable, p: Principal, orgId: number): Promise<Org> {
  const org = await findOrg(tx, orgId);
  if (!org) throw notFound('org', orgId);
  assertCanWrite(p, org.path, 'org', orgId);
  return org;
}

/** Binds (or moves) a chat: the binding before, if any, and after; a concurrent bind is a 409. */
async function bindChat(tx: Queryable, c: ChatBindingInput): Promise<{ before: Chat | null; after: Chat }> {
  const before = await findChat(tx, c.channel, c.externalChatId);
  try {
    return { before, after: toChat(await upsertChat(tx, c)) };
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('This chat was bound concurrently; try again');
    throw err;
  }
}

/**
 * A WeCom group robot as a chat: its webhook key (taken from the whole webhook URL when that is
 * what the admin pasted) is the chat id; it can only be the officials' (handlers') chat of an org,
 * since nobody answers a robot. 400 naming the field otherwise.
 */
function wecomRobotChat<T extends { externalChatId: string; purpose: ChatPurpose }>(body: T): T {
  const raw = body.externalChatId.trim();
  const key = /[?&]key=([^&\s]+)/.exec(raw)?.[1] ?? raw;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(key))
    throw badRequest('Not a WeCom robot webhook', [
      { field: 'externalChatId', message: 'the robot’s webhook URL or its key (a UUID)' },
    ]);
  if (body.purpose !== 'handlers')
    throw badRequest('A WeCom robot posts to officials only', [
      { field: 'purpose', message: 'a wecom_robot chat is a handlers’ chat' },
    ]);
  return { ...body, externalChatId: key.toLowerCase() };
}
