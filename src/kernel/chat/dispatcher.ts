import type { Logger } from 'pino';
import type { Person } from '../access/directory.js';
import type { Db, Queryable } from '../db/db.js';
import { conversationTurns } from '../metrics/metrics.js';
import type { OutboundRequest, Outbox } from '../outbox/outbox.js';
import type { Chat, ChatPurpose } from './binding.js';
import { FailedUpdates } from './failed-updates.js';
import { isTransient, TransientHandlingError } from './handling-failure.js';
import { type ChannelName, type InboundMessage, START_HELLO } from './port.js';
import { texts } from './texts.js';
import { DuplicateUpdate, markIn, UpdateMarks } from './update-marks.js';

/** What the next layer (the flow engine) receives for a message in a bound chat. */
export interface InboundContext {
  message: InboundMessage;
  chat: Chat | null;
  person: Person | null;
  /**
   * What the dispatcher's lookup read beside the chat and the person, for this layer (the flow
   * engine's conversation pre-check); read before the person was created, if they were new.
   */
  prefetch?: unknown;
  reply(text: string, opts?: ReplyOptions): Promise<void>;
  /**
   * The same reply written inside the caller's transaction (it commits or rolls back with the
   * turn that produced it); the returned function queues it and must be called after COMMIT.
   */
  replyIn(q: Queryable, text: string, opts?: ReplyOptions): Promise<() => Promise<void>>;
  /** The request `reply` would enqueue, for a caller that writes it itself (with other rows). */
  draft(text: string, opts?: ReplyOptions): OutboundRequest;
  /**
   * Marks the update handled inside the caller's transaction, with the turn's effects (see
   * update-marks.ts): throws `DuplicateUpdate` when a concurrent delivery of the same update
   * committed first, so the caller's transaction rolls back. A handler that changes state must
   * call this (or `marked()` after writing the mark in its own statement); one that does not is
   * marked by the dispatcher once it returns and must be idempotent under redelivery.
   */
  markIn(q: Queryable): Promise<void>;
  /** Tells the dispatcher that the handler wrote the update's mark itself (in its own statement). */
  marked(): void;
}

export interface ReplyOptions {
  /** distinguishes several replies to one update (the idempotency key is update + key) */
  key?: string;
  choices?: { label: string; payload: string }[];
  forceReply?: boolean;
  requestContact?: { label: string };
  removeKeyboard?: boolean;
  /** carry the person into the private chat (OutboundMessage.privateLink) */
  privateLink?: { label: string; payload: string; command: string };
}

export type NextHandler = (ctx: InboundContext) => Promise<void>;

/** What the dispatcher reads first about a message. */
export interface Lookup {
  /** false: the update was handled before (its mark exists: a redelivery), and the message is dropped */
  fresh: boolean;
  chat: Chat | null;
  person: Person | null;
  /** read in the same statement for the next layer, handed on untouched */
  prefetch?: unknown;
}

/**
 * Where the dispatcher finds bound chats and binds new ones (the chats module's ChatService), and
 * its own two tables: the update marks and the once-a-day notice to an unbound group.
 */
export interface ChatDirectory {
  find(channel: ChannelName, externalChatId: string): Promise<Chat | null>;
  handledBefore(channel: ChannelName, updateId: string): Promise<boolean>;
  mayExplainUnbound(channel: ChannelName, externalChatId: string): Promise<boolean>;
  bindWithCode(
    channel: ChannelName,
    externalChatId: string,
    title: string | undefined,
    code: string,
  ): Promise<
    | { ok: true; chat: { id: number; purpose: ChatPurpose }; org: { id: number; name: string } }
    | { ok: false; reason: 'unknown_code' | 'expired' | 'used' }
  >;
}

/**
 * Who wrote (the people module): the person behind a chat identity, and the writer of a residents'
 * group message registered as a resident of the group's org the first time.
 */
export interface Speakers {
  find(channel: ChannelName, externalId: string): Promise<Person | null>;
  ensureResident(m: InboundMessage, chat: Chat): Promise<Person>;
  /** The same for a writer who came in by an org's door (`InboundMessage.entry`); null when that
   *  org is no compound (or building) any more. */
  ensureResidentOf(m: InboundMessage, orgId: number): Promise<Person | null>;
}

const BIND_TEXT = /^(?:绑定|綁定)\s*[:：]?\s*([A-Za-z0-9]{4,16})\s*$/;
/**
 * `/start CODE` in a group: what Telegram sends there when someone adds the bot through a bind
 * code's `t.me/<bot>?startgroup=CODE` link (a bind code: 8 capitals and digits; a deep link meant
 * for a private chat, such as `complaint`, is not one).
 */
const BIND_START = /^[A-Z0-9]{8}$/;

/**
 * First stop of every inbound message, whatever its channel: drops an update handled before (its
 * mark is in `linli.processed_updates`, kept 24 h: a redelivery), binds a group with a code, gives
 * an unbound group its one explanation a day, registers anyone writing in a residents' group as a
 * person (with their channel identity and the `resident` role) the first time, then hands the
 * message to `next`. Replies go through the outbox, keyed by the update, so a redelivered update
 * never gets two answers either.
 *
 * Failure contract (`handle`): it resolves once the update is handled and marked, or kept as a dead
 * letter (`linli.failed_updates`: it failed for a reason that will not pass, see
 * handling-failure.ts); it rejects with `TransientHandlingError` when it failed for a reason that
 * may pass (nothing of the turn committed, no mark), and the channel must deliver it again.
 */
export class InboundDispatcher {
  constructor(
    private readonly deps: {
      db: Db;
      chats: ChatDirectory;
      speakers: Speakers;
      outbox: Outbox;
      logger: Logger;
      next?: NextHandler;
      /**
       * Records a message's update id and reads its chat and writer, and may read more for `next`
       * in the same statement (`prefetch`, handed on untouched); default: `handledBefore`, then
       * the chat and the writer.
       */
      lookup?: (m: InboundMessage) => Promise<Lookup>;
    },
  ) {
    this.marks = new UpdateMarks(deps.db);
    this.deadLetters = new FailedUpdates(deps.db);
  }

  private readonly marks: UpdateMarks;
  private readonly deadLetters: FailedUpdates;

  /** Whether the update is new, then the chat and the writer (and what the configured lookup reads beside them). */
  private async lookup(m: InboundMessage): Promise<Lookup> {
    if (this.deps.lookup) return this.deps.lookup(m);
    if (await this.deps.chats.handledBefore(m.channel, m.updateId))
      return { fresh: false, chat: null, person: null };
    // the chat and the writer are looked up together (two reads in flight, one wait)
    const [chat, person] = await Promise.all([
      this.deps.chats.find(m.channel, m.chat.externalId),
      this.deps.speakers.find(m.channel, m.sender.externalId),
    ]);
    return { fresh: true, chat, person };
  }

  async handle(m: InboundMessage): Promise<void> {
    const turn = conversationTurns.startTimer({ channel: m.channel });
    try {
      await this.handleOnce(m);
      turn({ outcome: 'handled' });
    } catch (err) {
      if (err instanceof DuplicateUpdate) {
        turn({ outcome: 'duplicate' });
        return this.seenBefore(m);
      }
      if (isTransient(err)) {
        turn({ outcome: 'retry' });
        throw new TransientHandlingError(m.updateId, err);
      }
      await this.keepDeadLetter(m, err);
      turn({ outcome: 'dead_letter' });
    }
  }

  /**
   * A permanent failure: the update and its error are kept (and the update marked, in the same
   * statement) before it is acknowledged; if even that fails, the channel must deliver it again.
   */
  private async keepDeadLetter(m: InboundMessage, err: unknown): Promise<void> {
    try {
      await this.deadLetters.keep(m, err);
    } catch (again) {
      this.deps.logger.error(
        { err: again, channel: m.channel, updateId: m.updateId },
        'inbound update failed and could not be kept: it must come again',
      );
      throw new TransientHandlingError(m.updateId, again);
    }
    this.deps.logger.error(
      { err, channel: m.channel, updateId: m.updateId },
      'inbound update failed for good: kept in linli.failed_updates and acknowledged',
    );
  }

  private async handleOnce(m: InboundMessage): Promise<void> {
    if (m.sender.isBot) return;
    if (m.edited) {
      // an edit or recall changes nothing already answered; it is not a new answer either
      this.deps.logger.debug({ channel: m.channel, messageId: m.messageId }, 'edited message ignored');
      return;
    }
    const reply = (text: string, opts: ReplyOptions & { orgId?: number; personId?: number } = {}) =>
      this.reply(m, text, opts);

    const code =
      m.command?.name === 'bind'
        ? m.command.args.trim()
        : m.chat.kind === 'group' && m.command?.name === 'start' && BIND_START.test(m.startPayload ?? '')
          ? m.startPayload
          : BIND_TEXT.exec(m.text?.trim() ?? '')?.[1];
    if (code !== undefined) {
      // binding again is harmless (a used code is refused, and the reply is keyed by the update)
      if (await this.deps.chats.handledBefore(m.channel, m.updateId)) return this.seenBefore(m);
      await this.bind(m, code);
      return this.marks.mark(m.channel, m.updateId);
    }

    const { fresh, chat, person: known, prefetch } = await this.lookup(m);
    if (!fresh) return this.seenBefore(m);
    if (!chat && m.chat.kind === 'group') {
      // at most one explanation a day: a redelivery may find it given already, and say nothing
      if (await this.deps.chats.mayExplainUnbound(m.channel, m.chat.externalId)) {
        await reply(texts('zh-CN').unboundGroup, { key: 'unbound' });
      }
      return;
    }
    const person =
      known ??
      (chat?.purpose === 'residents'
        ? await this.deps.speakers.ensureResident(m, chat)
        : m.entry
          ? await this.deps.speakers.ensureResidentOf(m, m.entry.orgId)
          : null);

    if (
      (m.command?.name === 'start' && (!m.startPayload || m.startPayload === START_HELLO)) ||
      m.command?.name === 'help' ||
      m.text?.trim() === '帮助'
    ) {
      await reply(texts(person?.locale).help, { key: 'help', orgId: chat?.orgId });
      return this.marks.mark(m.channel, m.updateId);
    }
    const draft = (text: string, opts?: ReplyOptions) =>
      this.request(m, text, {
        ...opts,
        orgId: chat?.orgId ?? person?.orgId ?? undefined,
        personId: person?.id,
        locale: person?.locale,
      });
    let marked = false;
    await this.deps.next?.({
      message: m,
      chat,
      person,
      prefetch,
      reply: async (text, opts) => void (await this.deps.outbox.enqueue(draft(text, opts))),
      replyIn: (q, text, opts) => this.deps.outbox.stage(q, [draft(text, opts)]),
      draft,
      markIn: async (q) => {
        if (!(await markIn(q, m.channel, m.updateId))) throw new DuplicateUpdate(m.channel, m.updateId);
        marked = true;
      },
      marked: () => {
        marked = true;
      },
    });
    if (!marked) await this.marks.mark(m.channel, m.updateId);
  }

  private seenBefore(m: InboundMessage): void {
    this.deps.logger.debug({ channel: m.channel, updateId: m.updateId }, 'update seen before: ignored');
  }

  private async bind(m: InboundMessage, code: string): Promise<void> {
    const t = texts('zh-CN');
    if (m.chat.kind !== 'group') return this.reply(m, t.bindInPrivate, { key: 'bind' });
    if (!code) return this.reply(m, t.bindUnknown, { key: 'bind' });
    const outcome = await this.deps.chats.bindWithCode(m.channel, m.chat.externalId, m.chat.title, code);
    if (outcome.ok) {
      this.deps.logger.info({ chatId: outcome.chat.id, orgId: outcome.org.id }, 'chat bound');
      // Telegram's privacy mode (on by default) hands a group's plain text to a bot only when it is
      // an administrator: the people binding the group are the ones who can make it one
      const tip = m.channel === 'telegram' ? `\n${t.telegramPrivacyTip}` : '';
      return this.reply(m, t.bound(outcome.org.name, outcome.chat.purpose) + tip, {
        key: 'bind',
        orgId: outcome.org.id,
      });
    }
    const why = { unknown_code: t.bindUnknown, expired: t.bindExpired, used: t.bindUsed }[outcome.reason];
    return this.reply(m, why, { key: 'bind' });
  }

  private async reply(
    m: InboundMessage,
    text: string,
    opts: ReplyOptions & { orgId?: number; personId?: number },
  ): Promise<void> {
    await this.deps.outbox.enqueue(this.request(m, text, opts));
  }

  /** `locale`: the writer's, for the words the channel adds (WeChat's numbered-choice hint). */
  private request(
    m: InboundMessage,
    text: string,
    opts: ReplyOptions & { orgId?: number; personId?: number; locale?: 'zh-CN' | 'en' },
  ): OutboundRequest {
    return {
      channel: m.channel,
      idempotencyKey: `reply-${m.channel}-${m.chat.externalId}-${m.updateId}-${opts.key ?? 'r'}`,
      orgId: opts.orgId ?? null,
      personId: opts.personId ?? null,
      urgent: true, // an answer to someone who just wrote is never held for quiet hours
      express: true, // and leaves at once after COMMIT (Outbox.schedule)
      // who talks with the bot privately is theirs to know: a compound-level token must not tell
      // who was filing while an anonymous report came in (GET /deliveries withholds it)
      discreet: m.chat.kind === 'private',
      message: {
        chat: m.chat,
        text,
        choices: opts.choices,
        forceReply: opts.forceReply,
        ...(opts.requestContact ? { requestContact: opts.requestContact } : {}),
        ...(opts.removeKeyboard ? { removeKeyboard: true } : {}),
        ...(opts.privateLink ? { privateLink: opts.privateLink } : {}),
        replyToMessageId: m.messageId,
        mention:
          m.chat.kind === 'group'
            ? { externalId: m.sender.externalId, displayName: m.sender.displayName }
            : undefined,
        ...(opts.locale ? { locale: opts.locale } : {}),
      },
    };
  }
}
