import type { CallbackQuery, Chat, Message, Update, User, UserFromGetMe } from 'grammy/types';
import type { ChatRef, InboundMessage, MediaRef, PersonRef } from '../../kernel/chat/port.js';
import { storableDeep } from '../../kernel/db/storable-text.js';

/** An update turned into the port's shape, or the reason it carries nothing for Linli. */
export type Normalized = { ok: true; message: InboundMessage } | { ok: false; reason: string };

/**
 * Translates one Bot API update into an InboundMessage. Pure: no I/O, no business rule. Every
 * string in it is storable (src/kernel/db/storable-text.ts): a resident whose name holds U+0000 is
 * still registered and answered.
 *
 * Dropped (with a reason for the debug log): updates other than message / edited_message /
 * callback_query; messages sent on behalf of a chat (sender_chat: channels, anonymous admins,
 * automatic forwards) or by bots; commands addressed to another bot (`/x@other_bot`); callback
 * queries without data or without a message (inline mode); messages with no text, media or contact.
 */
export function normalizeUpdate(raw: Update, bot: UserFromGetMe, receivedAt: Date): Normalized {
  // names, titles and texts as the database can hold them (U+0000 dropped, lone surrogates → U+FFFD)
  const update = storableDeep(raw);
  const updateId = String(update.update_id);
  if (update.callback_query) return fromCallback(update.callback_query, updateId, receivedAt);
  const msg = update.message ?? update.edited_message;
  if (!msg) return drop(`unsupported update (${updateKind(update)})`);
  if (msg.sender_chat) return drop('sent on behalf of a chat');
  if (!msg.from) return drop('no sender');
  if (msg.from.is_bot) return drop('sent by a bot');

  // everything in a private chat is said to the bot (the port's contract, same on WeChat)
  let addressedToBot = msg.chat.type === 'private' || msg.reply_to_message?.from?.id === bot.id;
  let text = msg.text ?? msg.caption;
  if (text !== undefined) {
    const stripped = stripLeadingMention(text, bot.username);
    if (stripped !== undefined) {
      text = stripped;
      addressedToBot = true;
    } else if (mentions(text, bot.username)) {
      addressedToBot = true;
    }
  }
  let command: InboundMessage['command'];
  if (msg.text !== undefined && text !== undefined) {
    const parsed = parseCommand(text);
    if (parsed) {
      if (parsed.target !== undefined) {
        if (parsed.target.toLowerCase() !== bot.username.toLowerCase())
          return drop('command for another bot');
        addressedToBot = true;
      }
      command = { name: parsed.name, args: parsed.args };
    }
  }
  const media = mediaOf(msg);
  const contact = msg.contact
    ? {
        phone: msg.contact.phone_number,
        ...(msg.contact.user_id !== undefined ? { userExternalId: String(msg.contact.user_id) } : {}),
      }
    : undefined;
  if (text === undefined && media.length === 0 && !contact) return drop('no text, media or contact');

  const inbound: InboundMessage = {
    channel: 'telegram',
    updateId,
    chat: chatRef(msg.chat),
    sender: { ...personRef(msg.from), isBot: false },
    messageId: String(msg.message_id),
    addressedToBot,
    media,
    receivedAt,
  };
  if (text !== undefined) inbound.text = text;
  if (command) inbound.command = command;
  if (contact) inbound.contact = contact;
  if (command?.name === 'start' && command.args !== '') inbound.startPayload = command.args;
  if (update.edited_message) inbound.edited = true;
  return { ok: true, message: inbound };
}

function fromCallback(q: CallbackQuery, updateId: string, receivedAt: Date): Normalized {
  if (q.data === undefined) return drop('callback query without data');
  if (!q.message) return drop('callback query without a message (inline mode)');
  if (q.from.is_bot) return drop('callback query from a bot');
  return {
    ok: true,
    message: {
      channel: 'telegram',
      updateId,
      chat: chatRef(q.message.chat),
      sender: { ...personRef(q.from), isBot: false },
      // the bot's message that carried the button
      messageId: String(q.message.message_id),
      choice: q.data,
      addressedToBot: true,
      media: [],
      receivedAt,
    },
  };
}

/** `/name[@target] args`; name lower-cased, args trimmed (may be ''). Undefined if not a command. */
export function parseCommand(text: string): { name: string; target?: string; args: string } | undefined {
  const m = /^\/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)([\s\S]*)$/.exec(text);
  if (!m) return undefined;
  const parsed: { name: string; target?: string; args: string } = {
    name: m[1]!.toLowerCase(),
    args: (m[3] ?? '').trim(),
  };
  if (m[2] !== undefined) parsed.target = m[2];
  return parsed;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The text without a leading `@username` (and the spaces / , : after it), or undefined. */
function stripLeadingMention(text: string, username: string): string | undefined {
  const m = new RegExp(`^\\s*@${escapeRegExp(username)}(?![A-Za-z0-9_])[\\s,:，：]*`, 'i').exec(text);
  return m ? text.slice(m[0].length) : undefined;
}

function mentions(text: string, username: string): boolean {
  return new RegExp(`(?:^|[^A-Za-z0-9_@])@${escapeRegExp(username)}(?![A-Za-z0-9_])`, 'i').test(text);
}

function mediaOf(msg: Message): MediaRef[] {
  const media: MediaRef[] = [];
  if (msg.photo && msg.photo.length > 0) {
    const largest = msg.photo.reduce((a, b) => (b.width * b.height >= a.width * a.height ? b : a));
    media.push({ kind: 'photo', ref: largest.file_id });
  }
  // an animation (GIF) message also carries `document` for old clients: report it once, as video
  if (msg.animation) media.push({ kind: 'video', ref: msg.animation.file_id });
  else if (msg.document) media.push({ kind: 'file', ref: msg.document.file_id });
  if (msg.audio) media.push({ kind: 'file', ref: msg.audio.file_id });
  if (msg.voice) media.push({ kind: 'voice', ref: msg.voice.file_id });
  if (msg.video) media.push({ kind: 'video', ref: msg.video.file_id });
  if (msg.video_note) media.push({ kind: 'video', ref: msg.video_note.file_id });
  if (msg.sticker) media.push({ kind: 'sticker', ref: msg.sticker.file_id });
  if (msg.location)
    media.push({ kind: 'location', ref: `${msg.location.latitude},${msg.location.longitude}` });
  return media;
}

function chatRef(chat: Chat): ChatRef {
  const ref: ChatRef = { externalId: String(chat.id), kind: chat.type === 'private' ? 'private' : 'group' };
  if ('title' in chat && chat.title !== undefined) ref.title = chat.title;
  return ref;
}

function personRef(user: User): PersonRef {
  const name = [user.first_name, user.last_name].filter(Boolean).join(' ').trim();
  return { externalId: String(user.id), displayName: name || user.username || String(user.id) };
}

const updateKind = (u: Update) => Object.keys(u).find((k) => k !== 'update_id') ?? 'empty';

const drop = (reason: string): Normalized => ({ ok: false, reason });
