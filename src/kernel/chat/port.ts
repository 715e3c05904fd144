/**
 * The one port between chat platforms and Linli. Adapters (src/channels/telegram, src/channels/wechat)
 * translate native updates into `InboundMessage` and `OutboundMessage` into native sends; they
 * hold no business rule. Flows and domain code import only this file, never grammy or wechaty.
 */

/**
 * The chat platforms Linli speaks on: Telegram, WeChat through Wechaty (a personal account in
 * groups and with its friends), and a WeChat Official Account (`wechat_oa`, 服务号: private chats
 * with its followers only, replies within 48 h of their last message).
 */
export const CHANNELS = ['telegram', 'wechat', 'wechat_oa'] as const;
export type ChannelName = (typeof CHANNELS)[number];
/**
 * Where Linli only posts, never hears anyone: a WeCom (企业微信) group robot, bound to an org as its
 * officials' chat (its webhook key as the chat id). Never a person's identity.
 */
export const POST_ONLY_CHANNELS = ['wecom_robot'] as const;
/** Every channel a delivery can go out on. */
export const DELIVERY_CHANNELS = [...CHANNELS, ...POST_ONLY_CHANNELS] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];
export type Channel = ChannelName;

export interface ChannelCapabilities {
  /** Inline buttons (Telegram). Without them choices are numbered and a bare number answers. */
  buttons: boolean;
  /** Editing a sent message. */
  edits: boolean;
  /** The bot may write to a person privately (not only in a group). */
  privateMessages: boolean;
  /** Sends can @-mention a person so they are notified. */
  mentions: boolean;
  /** Longest text one message may carry. */
  maxTextLength: number;
}

export interface ChatRef {
  /** The platform's chat id (Telegram chat id, WeChat room id or contact id for a private chat). */
  externalId: string;
  kind: 'group' | 'private';
  title?: string;
}

export interface PersonRef {
  /** The platform's user id (Telegram user id, WeChat contact id). */
  externalId: string;
  displayName: string;
}

export interface MediaRef {
  kind: 'photo' | 'file' | 'voice' | 'video' | 'sticker' | 'location' | 'other';
  /**
   * The platform's reference (Telegram file_id, WeChat message id), or Linli's own `media:<id>` of a
   * kept photo (src/kernel/media) — never the bytes.
   */
  ref: string;
  /**
   * The bytes, in process only, never stored in a row's JSON: an outbound photo the sender resolved
   * from `media:<id>` for a channel that must upload it (or an inbound one already read).
   */
  data?: { bytes: Uint8Array; contentType: string };
  /**
   * In process only: reads the bytes on demand (an inbound WeChat photo: read only when a
   * conversation keeps it, not for every photo posted in a group); null when they cannot be had.
   */
  load?: () => Promise<{ bytes: Uint8Array; contentType: string } | null>;
}

export interface InboundMessage {
  channel: ChannelName;
  /** The platform's id of this update: the same id twice is the same update. */
  updateId: string;
  chat: ChatRef;
  sender: PersonRef & { isBot: boolean };
  messageId: string;
  /** The text as typed, with a leading @-mention of the bot removed; absent for media only. */
  text?: string;
  /** `/name args` as a command (Telegram `/bind@linli_bot X` → {name: 'bind', args: 'X'}). */
  command?: { name: string; args: string };
  /** The payload of a button the sender pressed (or the choice a bare number picked on WeChat). */
  choice?: string;
  /** Said to the bot: any message in a private chat, a reply to the bot's message, an @-mention of
   *  the bot, a command for it, a button press or a number answering its numbered choices. */
  addressedToBot: boolean;
  media: MediaRef[];
  /** `/start <payload>` deep link (Telegram). */
  startPayload?: string;
  /**
   * A shared contact (Telegram `message.contact`): the phone as sent, and the platform user it
   * belongs to when the platform knows one. A contact whose user is the sender is their own number
   * (what the `requestContact` keyboard shares); anyone may send someone else's card.
   */
  contact?: { phone: string; userExternalId?: string };
  /**
   * The door the writer came in by, when it places them: a compound's QR code of the Official
   * Account (made by an admin, so no follower can forge it). A writer the register does not know
   * becomes a resident of that org, as writing in its residents' group makes them.
   */
  entry?: { orgId: number };
  /** The update edits or deletes an earlier message rather than saying something new. */
  edited?: boolean;
  receivedAt: Date;
}

export interface Choice {
  label: string;
  /** Opaque payload handed back as `InboundMessage.choice`; at most 64 bytes (Telegram's limit). */
  payload: string;
}

export interface OutboundMessage {
  chat: ChatRef;
  text: string;
  choices?: Choice[];
  /** Reply to this message of the chat (Telegram reply, WeChat quote is not available). */
  replyToMessageId?: string;
  /** Mention this person (WeChat @, Telegram text mention). */
  mention?: PersonRef;
  /** Ask the platform to open a reply box to the bot (Telegram force_reply): prompts in groups work
   *  with privacy mode on, because replies to the bot reach it. */
  forceReply?: boolean;
  /** Offer a one-tap "share my phone number" button (Telegram reply keyboard with request_contact,
   *  private chats); platforms without one send the text only. Ignored when `choices` are given. */
  requestContact?: { label: string };
  /**
   * Carry the conversation into the private chat, for what must not be answered in a group (a rating,
   * an anonymous report, a secret ballot, a handler's notice): on Telegram a button that opens the
   * private chat with the bot and sends `/start <payload>` (a deep link, `t.me/<bot>?start=`); on
   * WeChat, which has no such link, a line asking the person to add the bot and send it `command`
   * privately. `payload`: 1–64 of A–Z a–z 0–9 _ - (Telegram's limit); a flow's button trigger
   * matches it as it matches a button's payload (`rate-12` fires `rate` with 12).
   */
  privateLink?: { label: string; payload: string; command: string };
  /**
   * Replace the text of this earlier message of the bot in the chat (its `SendResult.messageId`)
   * instead of sending a new one, its buttons removed; only where the channel `edits` (Telegram).
   */
  editMessageId?: string;
  /** Take away a reply keyboard shown earlier (after the contact came, say). */
  removeKeyboard?: boolean;
  media?: MediaRef;
  /** The language of the text, for the words a channel adds itself (WeChat's "回复 1 或 2" under
   *  numbered choices); absent: zh-CN. */
  locale?: 'zh-CN' | 'en';
}

export interface SendResult {
  messageId: string;
}

/**
 * How a send failed, so the outbound queue knows what to do:
 * `rate_limited` → pause for `retryAfterMs` and send again (never earlier);
 * `unavailable` → nothing was sent and the channel cannot send now (WeChat disconnected or logged
 *   out): the delivery waits, checking again after `retryAfterMs`, and no attempt is counted;
 * `transient` → retry with exponential backoff (5xx, network);
 * `permanent` → record and never retry (bot blocked, chat not found, kicked).
 */
export class ChannelSendError extends Error {
  constructor(
    readonly kind: 'rate_limited' | 'unavailable' | 'transient' | 'permanent',
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ChannelSendError';
  }
}

/**
 * Reason codes that start the message of a `permanent` ChannelSendError (`<code>: <details>`) when
 * the person cannot be reached in that chat, so the outbox can record why and route around it:
 * `not_friend`: a WeChat private send to a contact who is not the account's friend (a personal
 * account messages only its friends privately; a group @-mention still reaches them);
 * `not_started`: Telegram will not open a private chat the user never started (403 "bot can't
 * initiate conversation with a user"); `blocked`: the user blocked the bot (403); `deactivated`:
 * the account is gone (403 "user is deactivated"); `out_of_window`: an Official Account's follower
 * has not written for 48 h (or was answered too often since), and no subscription notice reached them.
 */
/** The `/start` payload of a link that only opens the private chat (answered like a bare /start). */
export const START_HELLO = 'hello';

export const SEND_REFUSAL = {
  notFriend: 'not_friend',
  notStarted: 'not_started',
  blocked: 'blocked',
  deactivated: 'deactivated',
  /** a WeChat Official Account may answer a follower only within 48 h of their last message
   *  (errcode 45015), and only so many times per message (45047) */
  outOfWindow: 'out_of_window',
} as const;
export type SendRefusal = (typeof SEND_REFUSAL)[keyof typeof SEND_REFUSAL];

/** the reason code of a permanent send failure, when it has one of SEND_REFUSAL's */
export function sendRefusalOf(e: unknown): SendRefusal | undefined {
  if (!(e instanceof ChannelSendError) || e.kind !== 'permanent') return undefined;
  const code = /^([a-z_]+):/.exec(e.message)?.[1];
  return Object.values(SEND_REFUSAL).find((r) => r === code);
}

export type InboundHandler = (message: InboundMessage) => Promise<void>;

export interface ChannelAdapter {
  readonly name: DeliveryChannel;
  readonly capabilities: ChannelCapabilities;
  /** Begins receiving; every inbound message goes to `handler` (in order within one chat). */
  start(handler: InboundHandler): Promise<void>;
  send(message: OutboundMessage): Promise<SendResult>;
  stop(): Promise<void>;
}

/**
 * Numbered choices for platforms without buttons: "1. 满意\n2. 基本满意\n…\n回复 1、2 或 3".
 * Both adapters and the flow engine use this, so the wording is the same everywhere.
 */
export function renderNumberedChoices(
  text: string,
  choices: Choice[],
  locale: 'zh-CN' | 'en' = 'zh-CN',
): string {
  if (choices.length === 0) return text;
  const lines = choices.map((c, i) => `${i + 1}. ${c.label}`);
  const numbers = choices.map((_, i) => String(i + 1));
  const last = numbers.pop();
  const hint =
    locale === 'en'
      ? `Reply ${numbers.length ? `${numbers.join(', ')} or ${last}` : last}`
      : `回复 ${numbers.length ? `${numbers.join('、')} 或 ${last}` : last}`;
  return `${text}\n${lines.join('\n')}\n${hint}`;
}

/**
 * A `privateLink` where there are no links into a private chat (WeChat): a line asking the person to
 * message the bot privately, adding it first if they have not.
 */
export function renderPrivateHint(text: string, link: { command: string }, locale: 'zh-CN' | 'en' = 'zh-CN') {
  const hint =
    locale === 'en'
      ? `👉 Send me "${link.command}" in a private chat (add me as a friend first if you have not).`
      : `👉 请私聊我发送「${link.command}」（还不是好友的话，先加我为好友）。`;
  return `${text}\n${hint}`;
}

/** A bare number (full- or half-width digits) answering numbered choices, or null. */
export function parseChoiceNumber(text: string | undefined, count: number): number | null {
  if (!text) return null;
  const normalized = text.trim().replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  if (!/^\d{1,2}$/.test(normalized)) return null;
  const n = Number(normalized);
  return n >= 1 && n <= count ? n : null;
}
