import { InputFile } from 'grammy';
import { ChannelSendError, type MediaRef, type OutboundMessage } from '../../kernel/chat/port.js';
import { photoFileName } from '../../kernel/media/image-type.js';

/** Telegram's limits, in UTF-16 code units of the text after entity parsing. */
export const TEXT_LIMIT = 4096;
export const CAPTION_LIMIT = 1024;

export type SendMethod =
  | 'sendMessage'
  | 'sendPhoto'
  | 'sendDocument'
  | 'sendVideo'
  | 'sendVoice'
  | 'sendSticker';

/** Media kinds the adapter can send (ref = file_id or URL); location and other are refused as permanent. */
const MEDIA: Partial<Record<MediaRef['kind'], { method: SendMethod; field: string; caption: boolean }>> = {
  photo: { method: 'sendPhoto', field: 'photo', caption: true },
  file: { method: 'sendDocument', field: 'document', caption: true },
  video: { method: 'sendVideo', field: 'video', caption: true },
  voice: { method: 'sendVoice', field: 'voice', caption: true },
  sticker: { method: 'sendSticker', field: 'sticker', caption: false },
};

/** One Bot API call: method plus its full parameters (chat_id included). */
export interface PlannedCall {
  method: SendMethod;
  params: Record<string, unknown>;
}

/** `& < >` escaped for Telegram's HTML parse mode (plus `"` inside attribute values). */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string): string => escapeHtml(s).replace(/"/g, '&quot;');

/**
 * Turns an OutboundMessage into the Bot API calls that deliver it, in order.
 * Contract:
 * - media goes first (sendPhoto etc.), with the text as caption when it fits in 1024 characters;
 *   otherwise the text follows as messages; media with bytes (`data`) is uploaded, else sent by its ref;
 * - text longer than 4096 is split at line boundaries (a longer line at a space, else hard) into
 *   several messages; nothing is truncated;
 * - `replyToMessageId` goes on the first call, choices (one button per row), a request_contact reply
 *   keyboard, force_reply or remove_keyboard on the last; a `privateLink` is one more inline button,
 *   a URL `https://t.me/<botUsername>?start=<payload>` that opens the private chat with the bot
 *   (it wins over request_contact and force_reply, which cannot share a message with it);
 * - a mention is an HTML text mention before the first text; with a mention every text is HTML-escaped
 *   and sent with parse_mode HTML, without one the text is sent as typed, with no parse mode.
 */
export function planSend(out: OutboundMessage, chatId: number | string, botUsername?: string): PlannedCall[] {
  const mention = out.mention;
  const html = mention !== undefined;
  const prefix = mention
    ? `<a href="tg://user?id=${escapeAttr(mention.externalId)}">${escapeHtml(mention.displayName)}</a> `
    : '';
  const prefixLength = mention ? mention.displayName.length + 1 : 0;
  const render = (text: string, first: boolean) => {
    const body = html ? escapeHtml(text) : text;
    return first ? prefix + body : body;
  };

  const calls: PlannedCall[] = [];
  let textSent = false;
  if (out.media) {
    const media = MEDIA[out.media.kind];
    if (!media)
      throw new ChannelSendError('permanent', `telegram cannot send media of kind ${out.media.kind}`);
    const data = out.media.data;
    const file = data
      ? new InputFile(Buffer.from(data.bytes), photoFileName(data.contentType))
      : out.media.ref;
    const params: Record<string, unknown> = { chat_id: chatId, [media.field]: file };
    if (media.caption && out.text !== '' && prefixLength + out.text.length <= CAPTION_LIMIT) {
      params.caption = render(out.text, true);
      if (html) params.parse_mode = 'HTML';
      textSent = true;
    }
    calls.push({ method: media.method, params });
  }
  if (!textSent && (out.text !== '' || calls.length === 0)) {
    splitText(out.text, TEXT_LIMIT, TEXT_LIMIT - prefixLength).forEach((part, i) => {
      const params: Record<string, unknown> = { chat_id: chatId, text: render(part, i === 0) };
      if (html) params.parse_mode = 'HTML';
      calls.push({ method: 'sendMessage', params });
    });
  }

  if (out.replyToMessageId !== undefined) {
    calls[0]!.params.reply_parameters = {
      message_id: Number(out.replyToMessageId),
      allow_sending_without_reply: true,
    };
  }
  const last = calls.at(-1)!;
  const link = privateLinkButton(out, botUsername);
  if ((out.choices && out.choices.length > 0) || link) {
    last.params.reply_markup = {
      inline_keyboard: [
        ...(out.choices ?? []).map((c) => [{ text: c.label, callback_data: c.payload }]),
        ...(link ? [[link]] : []),
      ],
    };
  } else if (out.requestContact) {
    // a one-time reply keyboard: the button sends the user's own number as a contact message
    last.params.reply_markup = {
      keyboard: [[{ text: out.requestContact.label, request_contact: true }]],
      one_time_keyboard: true,
      resize_keyboard: true,
    };
  } else if (out.forceReply) {
    last.params.reply_markup = { force_reply: true, selective: true };
  } else if (out.removeKeyboard) {
    last.params.reply_markup = { remove_keyboard: true };
  }
  return calls;
}

const START_PAYLOAD = /^[A-Za-z0-9_-]{1,64}$/;

/** The URL button of a `privateLink`; a payload Telegram would refuse is a bug, refused before any call. */
function privateLinkButton(out: OutboundMessage, botUsername: string | undefined) {
  const link = out.privateLink;
  if (!link) return undefined;
  if (!START_PAYLOAD.test(link.payload))
    throw new ChannelSendError('permanent', `telegram start payload not allowed: ${link.payload}`);
  if (!botUsername) throw new ChannelSendError('transient', 'telegram bot username not known yet');
  return { text: link.label, url: `https://t.me/${botUsername}?start=${link.payload}` };
}

/**
 * Splits text into parts of at most `limit` characters (`firstLimit` for the first part), cutting at
 * line breaks where possible, else at a space, else anywhere; the line break or space at a cut is
 * dropped, every other character is kept. Never splits a surrogate pair. Parts that are only whitespace are left out (Telegram refuses them)
 * unless the whole text is. Always returns at least one part.
 */
export function splitText(text: string, limit: number, firstLimit = limit): string[] {
  const parts: string[] = [];
  const max = () => Math.max(1, parts.length === 0 ? firstLimit : limit);
  let rest = text;
  while (rest.length > max()) {
    const window = rest.slice(0, max() + 1);
    let cut = window.lastIndexOf('\n');
    let skip = 1;
    if (cut <= 0) {
      cut = window.lastIndexOf(' ', max());
      if (cut < max() / 2) {
        cut = max();
        skip = 0;
        if (isHighSurrogate(rest.charCodeAt(cut - 1))) cut -= 1;
      }
    }
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut + skip);
  }
  parts.push(rest);
  const visible = parts.filter((p) => p.trim() !== '');
  return visible.length > 0 ? visible : [text];
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
