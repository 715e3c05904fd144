/**
 * wechaty `Message` → `InboundMessage`. No business rule here: which chat, who, what was said, whether
 * it was said to the bot. Only type imports of wechaty, so importing this module stays cheap.
 */
import type { Logger } from 'pino';
import type { Message } from 'wechaty';
import { type InboundMessage, type MediaRef, parseChoiceNumber } from '../../kernel/chat/port.js';
import { storableDeep, storableText } from '../../kernel/db/storable-text.js';
import type { ChoiceMemory } from './choice-memory.js';

/** wechaty-puppet `MessageType` values (stable numbers; test/bot/wechat checks them against wechaty) */
export const MESSAGE_TYPE = {
  Unknown: 0,
  Attachment: 1,
  Audio: 2,
  Emoticon: 5,
  Image: 6,
  Text: 7,
  Location: 8,
  GroupNote: 10,
  Recalled: 13,
  Video: 15,
} as const;

/** wechaty-puppet `ContactType.Official`: 公众号, whose messages are never residents talking */
const CONTACT_TYPE_OFFICIAL = 2;

const MEDIA_KIND = new Map<number, MediaRef['kind']>([
  [MESSAGE_TYPE.Image, 'photo'],
  [MESSAGE_TYPE.Audio, 'voice'],
  [MESSAGE_TYPE.Video, 'video'],
  [MESSAGE_TYPE.Attachment, 'file'],
  [MESSAGE_TYPE.Emoticon, 'sticker'],
  [MESSAGE_TYPE.Location, 'location'],
]);

/** system noise that nobody "said": dropped */
const IGNORED_TYPES = new Set<number>([MESSAGE_TYPE.Unknown, MESSAGE_TYPE.GroupNote]);

/** mention separators WeChat puts after `@name`: U+2005 (four-per-em space), space, NBSP */
const MENTION_GAP = /^[\u2005\u0020\u00a0]+/;

export interface TranslateDeps {
  choices?: ChoiceMemory | undefined;
  logger: Logger;
  now?: () => Date;
}

/**
 * The conversation a message belongs to (room id, or the other person's contact id); synchronous so
 * the adapter can queue the message on its chat before anything is awaited.
 */
export function chatKeyOf(msg: Message): string {
  return msg.room()?.id ?? msg.talker().id;
}

/**
 * null for messages the bot ignores: its own, official accounts', system notices. Every string of
 * the result is storable (src/kernel/db/storable-text.ts): U+0000 dropped, lone surrogates → U+FFFD.
 */
export async function toInbound(msg: Message, deps: TranslateDeps): Promise<InboundMessage | null> {
  const inbound = await translate(msg, deps);
  return inbound && storableDeep(inbound);
}

async function translate(msg: Message, deps: TranslateDeps): Promise<InboundMessage | null> {
  if (msg.self()) return null;
  const type = Number(msg.type());
  if (IGNORED_TYPES.has(type)) return null;
  const talker = msg.talker();
  if (Number(talker.type()) === CONTACT_TYPE_OFFICIAL) return null;
  const room = msg.room();

  const chat: InboundMessage['chat'] = room
    ? { externalId: room.id, kind: 'group', title: await room.topic() }
    : { externalId: talker.id, kind: 'private' };
  const sender: InboundMessage['sender'] = {
    externalId: talker.id,
    displayName: talker.name(),
    isBot: false,
  };
  const base = {
    channel: 'wechat' as const,
    updateId: msg.id,
    messageId: msg.id,
    chat,
    sender,
    receivedAt: deps.now?.() ?? new Date(),
  };

  if (type === MESSAGE_TYPE.Recalled) {
    return { ...base, addressedToBot: !room, media: [], edited: true };
  }
  const mediaKind = MEDIA_KIND.get(type);
  if (mediaKind !== undefined || type !== MESSAGE_TYPE.Text) {
    // Url, MiniProgram, ChatHistory, Contact card, Transfer, ... → 'other'
    const addressedToBot = room ? await msg.mentionSelf() : true;
    return { ...base, addressedToBot, media: [{ kind: mediaKind ?? 'other', ref: msg.id }] };
  }

  // cleaned first, so mentions, commands and numbered choices are read from what will be stored
  const raw = storableText(msg.text());
  const stripped = room
    ? stripLeadingMention(raw, await botNames(msg))
    : stripLeadingMention(raw, [selfName(msg)]);
  const text = stripped ?? raw;
  // a typed "@邻里助手 …" without picking the bot from WeChat's list carries no mention id, yet is meant for it
  const addressedToBot = room ? stripped !== null || (await msg.mentionSelf()) : true;

  const inbound: InboundMessage = { ...base, text, addressedToBot, media: [] };
  const command = parseCommand(text);
  if (command) inbound.command = command;
  const choice = await pickChoice(chat.externalId, sender.externalId, text, deps);
  if (choice !== undefined) {
    inbound.choice = choice;
    // a number answering the bot's own numbered choices is said to the bot, like a button press
    inbound.addressedToBot = true;
  }
  return inbound;
}

/** `/bind 1234` (or full-width `／bind 1234`) → {name: 'bind', args: '1234'}; `/bind@x` drops `@x` */
export function parseCommand(text: string): { name: string; args: string } | undefined {
  const m = /^[/／]([\p{L}\p{N}_]+)(?:@\S*)?(?:\s+([\s\S]*))?$/u.exec(text.trim());
  if (!m?.[1]) return undefined;
  return { name: m[1].toLowerCase(), args: (m[2] ?? '').trim() };
}

/**
 * `text` without a leading `@<one of names>` and the gap after it, or null when it does not start with
 * such a mention. The name must end there (followed by a gap or the end of the text).
 */
export function stripLeadingMention(text: string, names: string[]): string | null {
  if (!text.startsWith('@')) return null;
  const sorted = [...new Set(names.filter((n) => n.length > 0))].sort((a, b) => b.length - a.length);
  for (const name of sorted) {
    if (!text.startsWith(`@${name}`)) continue;
    const rest = text.slice(name.length + 1);
    if (rest === '') return '';
    const gap = MENTION_GAP.exec(rest);
    if (gap) return rest.slice(gap[0].length);
  }
  return null;
}

function selfName(msg: Message): string {
  return msg.wechaty.currentUser.name();
}

/** the bot's name and, inside a room, its alias there (what WeChat writes after `@`) */
async function botNames(msg: Message): Promise<string[]> {
  const names = [selfName(msg)];
  const room = msg.room();
  if (room && msg.text().startsWith('@')) {
    try {
      const alias = await room.alias(msg.wechaty.currentUser);
      if (alias) names.push(alias);
    } catch {
      // alias lookup is best effort: the account name still matches
    }
  }
  return names;
}

async function pickChoice(
  chatId: string,
  personId: string,
  text: string,
  deps: TranslateDeps,
): Promise<string | undefined> {
  if (!deps.choices) return undefined;
  const n = parseChoiceNumber(text, 99);
  if (n === null) return undefined;
  try {
    const choice = await deps.choices.resolve(chatId, personId, n);
    if (!choice) return undefined;
    await deps.choices.forget(chatId, personId);
    return choice.payload;
  } catch (e) {
    deps.logger.warn(
      { err: e, chatId, personId },
      'wechat: choice lookup failed; passing the number on as text',
    );
    return undefined;
  }
}
