// Bot API method handlers. Each takes decoded params and returns the `result` value,
// or throws BotApiError with the description the real server uses for that mistake.
import type { InlineKeyboardMarkup, Message, PhotoSize, User, UserFromGetMe } from 'grammy/types';
import { DOWNLOAD_LIMIT, type FileRegistry } from './files.js';
import { formatText } from './formatting.js';
import { issuePhoto, TINY_JPEG } from './photos.js';
import type { MessageStore } from './store.js';
import { BotApiError, badRequest, isFileUpload, type Params } from './types.js';
import {
  nowSeconds,
  type ReplyMessage,
  type UpdateQueue,
  type WaitOutcome,
  withoutReply,
} from './updates.js';

export interface WebhookState {
  url: string;
  secretToken?: string;
  maxConnections?: number;
  allowedUpdates?: string[];
}

/** Everything a handler may touch. `longPoll` is bound to the HTTP request (ends on client abort). */
export interface MethodContext {
  botInfo: UserFromGetMe;
  store: MessageStore;
  queue: UpdateQueue;
  webhook: { current: WebhookState | undefined };
  /** Callback query ids delivered to the bot → answered yet? */
  callbackQueries: Map<string, boolean>;
  commands: Map<string, unknown>;
  /** Every file_id the fake issued, with its bytes (getFile, sendPhoto by file_id). */
  files: FileRegistry;
  nextFileSeq: () => number;
  longPoll: (timeoutMs: number) => Promise<WaitOutcome>;
  /** Resolves true once the HTTP client disconnects (e.g. grammY aborting its poll), false after waitMs. */
  clientGone: (waitMs: number) => Promise<boolean>;
}

export type MethodHandler = (params: Params, ctx: MethodContext) => unknown;

/** Methods counted by rate enforcement and send statistics. */
export const SEND_METHODS = new Set(['sendmessage', 'sendphoto']);

const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

function chatIdOf(p: Params): number {
  const v = p.chat_id;
  if (v === undefined || v === null || v === '') throw badRequest('chat_id is empty');
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
  // '@channelusername' targets are not modelled: the fake knows chats by numeric id only.
  if (!Number.isSafeInteger(n) || n === 0) throw badRequest('chat not found');
  return n;
}

function messageIdOf(p: Params, what = 'message identifier is not specified'): number {
  const v = typeof p.message_id === 'string' ? Number(p.message_id) : p.message_id;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw badRequest(what);
  return v;
}

const botUser = (b: UserFromGetMe): User => ({
  id: b.id,
  is_bot: true,
  first_name: b.first_name,
  username: b.username,
});

/**
 * Validates reply_markup. Only inline keyboards are echoed in the returned Message (as the real
 * server does); reply keyboards / ForceReply / ReplyKeyboardRemove are accepted and dropped.
 */
function inlineMarkupOf(p: Params): InlineKeyboardMarkup | undefined {
  const m = p.reply_markup;
  if (m === undefined || m === null) return undefined;
  if (typeof m !== 'object') throw badRequest("can't parse reply keyboard markup JSON object");
  const rows = (m as { inline_keyboard?: unknown }).inline_keyboard;
  if (rows === undefined) return undefined;
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
    throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
  }
  for (const row of rows as unknown[][]) {
    for (const b of row) {
      const button = b as Record<string, unknown>;
      if (typeof button?.text !== 'string') throw badRequest('can\'t find field "text"');
      const data = button.callback_data;
      if (data !== undefined && (typeof data !== 'string' || !inRange(Buffer.byteLength(data), 1, 64))) {
        throw badRequest('BUTTON_DATA_INVALID');
      }
      const url = button.url;
      if (url !== undefined && (typeof url !== 'string' || !/^(https?|tg):\/\/\S+$/.test(url))) {
        throw badRequest('BUTTON_URL_INVALID');
      }
      if (Object.keys(button).every((k) => k === 'text' || k === 'style' || k === 'icon_custom_emoji_id')) {
        throw badRequest('text buttons are unallowed in the inline keyboard');
      }
    }
  }
  return rows.length === 0 ? undefined : (m as InlineKeyboardMarkup);
}

const inRange = (n: number, lo: number, hi: number) => n >= lo && n <= hi;

/** Resolves reply_parameters / reply_to_message_id into the embedded reply_to_message. */
function replyTarget(p: Params, chatId: number, ctx: MethodContext): ReplyMessage | undefined {
  const rp = p.reply_parameters as
    | { message_id?: unknown; allow_sending_without_reply?: unknown }
    | undefined;
  const id = rp?.message_id ?? p.reply_to_message_id;
  if (id === undefined) return undefined;
  const target = ctx.store.get(chatId, Number(id));
  const allowMissing = rp?.allow_sending_without_reply ?? p.allow_sending_without_reply;
  if (!target && allowMissing !== true) throw badRequest('message to be replied not found');
  return target ? withoutReply(target) : undefined;
}

/** Common envelope of a message sent by the bot. */
function newBotMessage(p: Params, ctx: MethodContext): Message {
  const chatId = chatIdOf(p);
  const replyTo = replyTarget(p, chatId, ctx);
  const markup = inlineMarkupOf(p);
  const message: Message = {
    message_id: 0,
    from: botUser(ctx.botInfo),
    chat: ctx.store.chat(chatId),
    date: nowSeconds(),
  };
  if (replyTo) message.reply_to_message = replyTo;
  if (markup) message.reply_markup = markup;
  return message;
}

function commit(message: Message, ctx: MethodContext): Message {
  message.message_id = ctx.store.nextMessageId(message.chat.id);
  ctx.store.save(message);
  return structuredClone(message);
}

/** Finds the bot's own message addressed by chat_id + message_id (for edits). */
function editableMessage(p: Params, ctx: MethodContext): Message {
  const chatId = chatIdOf(p);
  const msg = ctx.store.get(chatId, messageIdOf(p));
  if (!msg) throw badRequest('message to edit not found');
  if (msg.from?.id !== ctx.botInfo.id) throw badRequest("message can't be edited");
  return msg;
}

const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function saveEdit(before: Message, after: Message, ctx: MethodContext): Message {
  if (
    same(before.text, after.text) &&
    same(before.entities ?? [], after.entities ?? []) &&
    same(before.caption, after.caption) &&
    same(before.reply_markup, after.reply_markup)
  ) {
    throw badRequest(NOT_MODIFIED);
  }
  after.edit_date = nowSeconds();
  ctx.store.save(after);
  return structuredClone(after);
}

/**
 * Sizes of the photo being sent, registered under new file_ids. An upload keeps its bytes; a URL is
 * not fetched (placeholder bytes); a file_id must be one the fake issued and stays the largest size.
 */
function photoSizes(photo: unknown, ctx: MethodContext): PhotoSize[] {
  const seq = ctx.nextFileSeq();
  if (isFileUpload(photo)) return issuePhoto(ctx.files, seq, photo.data);
  const id = String(photo);
  if (/^https?:\/\//i.test(id)) return issuePhoto(ctx.files, seq, TINY_JPEG);
  const known = ctx.files.get(id);
  if (!known) throw badRequest('wrong file identifier/HTTP URL specified');
  return issuePhoto(ctx.files, seq, known.bytes, known);
}

export const METHODS: Record<string, MethodHandler> = {
  getMe: (_p, ctx) => ctx.botInfo,

  sendMessage(p, ctx) {
    const message = newBotMessage(p, ctx);
    const raw = str(p.text);
    if (raw === undefined || raw.length === 0) throw badRequest('message text is empty');
    const f = formatText(raw, p.parse_mode, p.entities);
    if (f.text.trim().length === 0) throw badRequest('message text is empty');
    if (f.text.length > TEXT_LIMIT) throw badRequest('message is too long');
    message.text = f.text;
    if (f.entities.length > 0) message.entities = f.entities;
    return commit(message, ctx);
  },

  sendPhoto(p, ctx) {
    const message = newBotMessage(p, ctx);
    const photo = p.photo;
    if (!isFileUpload(photo) && (typeof photo !== 'string' || photo.length === 0)) {
      throw badRequest('there is no photo in the request');
    }
    const caption = str(p.caption);
    if (caption) {
      const f = formatText(caption, p.parse_mode, p.caption_entities);
      if (f.text.length > CAPTION_LIMIT) throw badRequest('message caption is too long');
      if (f.text.length > 0) message.caption = f.text;
      if (f.entities.length > 0) message.caption_entities = f.entities;
    }
    message.photo = photoSizes(photo, ctx);
    return commit(message, ctx);
  },

  getFile(p, ctx) {
    const file = ctx.files.get(str(p.file_id) ?? '');
    if (!file) throw badRequest('invalid file_id');
    if (file.size > DOWNLOAD_LIMIT) throw badRequest('file is too big');
    return {
      file_id: file.fileId,
      file_unique_id: file.fileUniqueId,
      file_size: file.size,
      file_path: file.filePath,
    };
  },

  editMessageText(p, ctx) {
    if (p.inline_message_id !== undefined) return true; // inline messages are not stored
    const before = editableMessage(p, ctx);
    if (before.text === undefined) throw badRequest('there is no text in the message to edit');
    const raw = str(p.text);
    if (raw === undefined || raw.length === 0) throw badRequest('message text is empty');
    const f = formatText(raw, p.parse_mode, p.entities);
    if (f.text.trim().length === 0) throw badRequest('message text is empty');
    if (f.text.length > TEXT_LIMIT) throw badRequest('MESSAGE_TOO_LONG');
    // Omitting reply_markup removes the inline keyboard, as on the real server.
    const { reply_markup: _old, entities: _oldEntities, ...rest } = before;
    const after: Message = { ...rest, text: f.text };
    if (f.entities.length > 0) after.entities = f.entities;
    const markup = inlineMarkupOf(p);
    if (markup) after.reply_markup = markup;
    return saveEdit(before, after, ctx);
  },

  editMessageReplyMarkup(p, ctx) {
    if (p.inline_message_id !== undefined) return true;
    const before = editableMessage(p, ctx);
    const { reply_markup: _old, ...rest } = before;
    const after: Message = { ...rest };
    const markup = inlineMarkupOf(p);
    if (markup) after.reply_markup = markup;
    return saveEdit(before, after, ctx);
  },

  answerCallbackQuery(p, ctx) {
    const id = str(p.callback_query_id);
    if (!id) throw badRequest('query is too old and response timeout expired or query ID is invalid');
    if (ctx.callbackQueries.get(id) !== false) {
      throw badRequest('query is too old and response timeout expired or query ID is invalid');
    }
    const text = str(p.text);
    if (text && text.length > 200) throw badRequest('MESSAGE_TOO_LONG');
    ctx.callbackQueries.set(id, true);
    return true;
  },

  deleteMessage(p, ctx) {
    const chatId = chatIdOf(p);
    if (!ctx.store.delete(chatId, messageIdOf(p))) throw badRequest('message to delete not found');
    return true;
  },

  sendChatAction(p) {
    chatIdOf(p);
    if (!str(p.action)) throw badRequest('wrong parameter action in request');
    return true;
  },

  setMyCommands(p, ctx) {
    if (!Array.isArray(p.commands)) throw badRequest('parameter "commands" is required');
    ctx.commands.set(commandsKey(p), p.commands);
    return true;
  },

  getMyCommands: (p, ctx) => ctx.commands.get(commandsKey(p)) ?? [],

  deleteMyCommands(p, ctx) {
    ctx.commands.delete(commandsKey(p));
    return true;
  },

  setWebhook(p, ctx) {
    const url = str(p.url) ?? '';
    if (url === '') {
      ctx.webhook.current = undefined;
      return true;
    }
    // The real server demands HTTPS on ports 443/80/88/8443; tests need plain local HTTP too.
    if (!/^https?:\/\//i.test(url))
      throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
    const secret = str(p.secret_token);
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
      throw badRequest('bad webhook: secret token contains unallowed characters');
    }
    if (p.drop_pending_updates === true) ctx.queue.clear();
    ctx.queue.setAllowed(p.allowed_updates);
    const state: WebhookState = { url };
    if (secret) state.secretToken = secret;
    if (typeof p.max_connections === 'number') state.maxConnections = p.max_connections;
    const allowed = ctx.queue.allowedUpdates;
    if (allowed) state.allowedUpdates = allowed;
    ctx.webhook.current = state;
    return true;
  },

  deleteWebhook(p, ctx) {
    if (p.drop_pending_updates === true) ctx.queue.clear();
    ctx.webhook.current = undefined;
    return true;
  },

  // The real WebhookInfo never reveals secret_token; read it via the fake's `webhook()` instead.
  getWebhookInfo(_p, ctx) {
    const w = ctx.webhook.current;
    const info: Record<string, unknown> = {
      url: w?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: ctx.queue.pendingCount,
    };
    if (w) {
      info.ip_address = '127.0.0.1';
      info.max_connections = w.maxConnections ?? 40;
      if (w.allowedUpdates) info.allowed_updates = w.allowedUpdates;
    }
    return info;
  },

  async getUpdates(p, ctx) {
    if (ctx.webhook.current) {
      throw new BotApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    ctx.queue.supersede();
    ctx.queue.setAllowed(p.allowed_updates);
    ctx.queue.confirm(typeof p.offset === 'string' ? Number(p.offset) : p.offset);
    const limit = Math.min(100, Math.max(1, Number(p.limit) || 100));
    const timeoutMs = Math.max(0, Number(p.timeout) || 0) * 1000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = ctx.queue.take(limit);
      const left = deadline - Date.now();
      if (ready.length > 0 || left <= 0) return ready;
      const outcome = await ctx.longPoll(left);
      if (outcome === 'superseded') {
        // bot.stop() aborts its poll and immediately polls again; the abort may reach us after
        // the new request. Give it a moment so the call log does not show a 409 nobody received.
        if (await ctx.clientGone(50)) return [];
        throw new BotApiError(
          409,
          'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
        );
      }
      if (outcome !== 'ready') return outcome === 'timeout' ? ctx.queue.take(limit) : [];
    }
  },
};

function commandsKey(p: Params): string {
  return JSON.stringify([p.scope ?? { type: 'default' }, p.language_code ?? '']);
}
