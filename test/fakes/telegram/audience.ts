// Who the bot may write to and what it may read, as Telegram decides.
// Contract (https://core.telegram.org/bots/faq, https://core.telegram.org/bots/features#privacy-mode):
// - a bot cannot start a private chat: sending to a user who never wrote to it privately is refused
//   with 403 "Forbidden: bot can't initiate conversation with a user"; a user who blocked it gives
//   403 "Forbidden: bot was blocked by the user". A private message from the user (e.g. /start
//   from a t.me deep link) opens the chat, and unblocks it.
// - with privacy mode on (BotFather's default) a group message reaches the bot only when it is a
//   command, a reply to one of the bot's messages, or mentions the bot's @username; service
//   messages and button presses always do. A group where the bot is an administrator, or a bot
//   with privacy mode off, receives everything.
import type { Message, UserFromGetMe } from 'grammy/types';
import type { NewUpdate } from './types.js';
import { BotApiError } from './types.js';

export class Audience {
  private readonly started = new Set<number>();
  private readonly blocked = new Set<number>();
  private readonly adminIn = new Set<number>();
  privacyMode = true;

  /** The user opened a private chat with the bot (wrote to it privately). */
  start(userId: number): void {
    this.started.add(userId);
    this.blocked.delete(userId);
  }

  block(userId: number): void {
    this.blocked.add(userId);
  }

  hasStarted(userId: number): boolean {
    return this.started.has(userId) && !this.blocked.has(userId);
  }

  setAdmin(chatId: number, admin: boolean): void {
    if (admin) this.adminIn.add(chatId);
    else this.adminIn.delete(chatId);
  }

  /** Throws the platform's 403 when the bot may not write to this private chat. */
  checkPrivateSend(chatId: number): void {
    if (this.blocked.has(chatId)) throw new BotApiError(403, 'Forbidden: bot was blocked by the user');
    if (!this.started.has(chatId))
      throw new BotApiError(403, "Forbidden: bot can't initiate conversation with a user");
  }

  /** Records what delivering the update means (a private message opens the chat). */
  onDelivered(update: NewUpdate): void {
    const m = update.message;
    if (m?.chat.type === 'private' && m.from) this.start(m.from.id);
  }

  /** Whether Telegram hands this update to the bot at all. */
  visible(update: NewUpdate, bot: UserFromGetMe): boolean {
    const m = update.message ?? update.edited_message;
    if (!m) return true;
    if (m.chat.type !== 'group' && m.chat.type !== 'supergroup') return true;
    if (!this.privacyMode || this.adminIn.has(m.chat.id)) return true;
    return isService(m) || isCommand(m) || m.reply_to_message?.from?.id === bot.id || mentions(m, bot);
  }
}

const isCommand = (m: Message): boolean =>
  (m.entities ?? m.caption_entities ?? []).some((e) => e.type === 'bot_command' && e.offset === 0);

const mentions = (m: Message, bot: UserFromGetMe): boolean => {
  const text = m.text ?? m.caption ?? '';
  return text.toLowerCase().includes(`@${bot.username.toLowerCase()}`);
};

const isService = (m: Message): boolean =>
  m.text === undefined &&
  m.caption === undefined &&
  m.photo === undefined &&
  m.document === undefined &&
  m.voice === undefined &&
  m.video === undefined &&
  m.sticker === undefined &&
  m.location === undefined &&
  m.contact === undefined;
