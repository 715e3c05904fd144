import type { FastifyInstance } from 'fastify';
import { Bot } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import { isTransient, TransientHandlingError } from '../../kernel/chat/handling-failure.js';
import type {
  ChannelAdapter,
  ChannelCapabilities,
  InboundHandler,
  OutboundMessage,
  SendResult,
} from '../../kernel/chat/port.js';
import { KeyedSerialQueue } from './chat-queue.js';
import { toChannelSendError } from './errors.js';
import { normalizeUpdate } from './normalize.js';
import { planSend } from './outbound.js';
import { PollingLoop } from './polling.js';
import { type Delivery, registerWebhookRoute, WEBHOOK_PATH } from './webhook.js';

export interface TelegramAdapterOptions {
  token: string;
  /** Bot API root, e.g. https://api.telegram.org (tests: the fake's URL). */
  apiRoot: string;
  /** Cached getMe result; when absent, start() calls getMe once and `botInfo` exposes it to cache. */
  botInfo?: UserFromGetMe;
  /** Set → webhook mode (updates arrive via `webhookPlugin`); unset → long polling. */
  webhookSecret?: string;
  /** With a secret, start() points Telegram's webhook at `${publicUrl}/telegram/webhook`. */
  publicUrl?: string;
  logger: Logger;
}

export const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'my_chat_member'] as const;

/**
 * Telegram behind the channel port (grammY underneath; no business rule here).
 *
 * Receiving: every update is normalized (see normalize.ts) and handed to the handler, which
 * deduplicates (Linli's dispatcher drops an update whose turn committed before).
 * Updates of one chat are handled strictly in arrival order, different chats concurrently. A callback
 * query is always answered (even for unknown payloads or when the handler throws).
 * Nothing acknowledged is lost: when the handler fails for a reason that may pass (it rejects with
 * `TransientHandlingError`, or an error `isTransient` recognises), the webhook answers 503 and
 * long polling does not confirm that update's offset (see polling.ts), so Telegram delivers it
 * again; any other handler error is logged and the update acknowledged (Linli's dispatcher has
 * kept it as a dead letter). Long polling does not wait for one chat's handlers before fetching more,
 * so a slow chat never blocks the others; stop() waits for the handlers still running.
 *
 * Sending: see outbound.ts for the shape of the calls and errors.ts for the ChannelSendError kinds.
 * No automatic retry (grammY has none without the auto-retry plugin): the outbound queue paces.
 */
export class TelegramAdapter implements ChannelAdapter {
  readonly name = 'telegram' as const;
  readonly capabilities: ChannelCapabilities = {
    buttons: true,
    edits: true,
    privateMessages: true,
    mentions: true,
    maxTextLength: 4096,
  };

  private readonly bot: Bot;
  private readonly log: Logger;
  private readonly chats = new KeyedSerialQueue();
  private handler: InboundHandler | undefined;
  private polling: PollingLoop | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: TelegramAdapterOptions) {
    this.log = options.logger.child({ channel: 'telegram' });
    this.bot = new Bot(options.token, {
      // a hung request must fail (and be retried by the outbound queue), not block for grammY's 500 s (60 s > the 30 s long poll)
      client: { apiRoot: options.apiRoot, timeoutSeconds: 60 },
      ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    });
  }

  /** The bot's getMe result: known after start() (or from the options), for the caller to cache. */
  get botInfo(): UserFromGetMe | undefined {
    return this.bot.isInited() ? this.bot.botInfo : undefined;
  }

  /**
   * Registers `POST /telegram/webhook` (see webhook.ts). Without a webhook secret nothing is
   * registered: polling mode has no webhook to serve.
   */
  readonly webhookPlugin = async (app: FastifyInstance): Promise<void> => {
    const secret = this.options.webhookSecret;
    if (secret === undefined) return;
    await registerWebhookRoute(app, {
      secret,
      deliver: (update) => this.deliver(update),
      logger: this.log,
    });
  };

  async start(handler: InboundHandler): Promise<void> {
    if (this.handler || this.stopping) throw new Error('TelegramAdapter.start: an adapter starts once');
    await this.bot.init();
    this.handler = handler;
    const { webhookSecret, publicUrl } = this.options;
    try {
      if (webhookSecret !== undefined) {
        if (publicUrl !== undefined) {
          await this.bot.api.setWebhook(`${publicUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}`, {
            secret_token: webhookSecret,
            allowed_updates: [...ALLOWED_UPDATES],
          });
        }
        this.log.info({ mode: 'webhook', username: this.bot.botInfo.username }, 'telegram adapter started');
        return;
      }
      await this.startPolling();
      this.log.info({ mode: 'polling', username: this.bot.botInfo.username }, 'telegram adapter started');
    } catch (err) {
      this.handler = undefined;
      throw err;
    }
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    try {
      if (message.editMessageId !== undefined) {
        // the new text in place of the old, its inline keyboard gone (omitted reply_markup removes it)
        await this.bot.api.raw.editMessageText({
          chat_id: chatIdOf(message.chat.externalId),
          message_id: Number(message.editMessageId),
          text: message.text,
        });
        return { messageId: message.editMessageId };
      }
      // a deep link names the bot: a sending-only process learns its username once (getMe)
      if (message.privateLink && !this.bot.isInited()) await this.bot.init();
      const calls = planSend(
        message,
        chatIdOf(message.chat.externalId),
        this.bot.isInited() ? this.bot.botInfo.username : undefined,
      );
      let messageId = '';
      for (const call of calls) {
        const sent = (await this.bot.api.raw[call.method](call.params as never)) as { message_id: number };
        messageId = String(sent.message_id);
      }
      return { messageId };
    } catch (err) {
      throw toChannelSendError(err);
    }
  }

  /** Stops receiving (polling ends, the webhook answers 503) and waits for running handlers. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.polling?.stop(() => this.chats.idle());
      await this.chats.idle();
      this.handler = undefined;
      this.log.info('telegram adapter stopped');
    })();
    return this.stopping;
  }

  /** Resolves once polling runs (deleteWebhook done); rejects if it cannot begin. */
  private async startPolling(): Promise<void> {
    await this.bot.api.deleteWebhook();
    this.polling = new PollingLoop({
      api: this.bot.api,
      allowedUpdates: [...ALLOWED_UPDATES],
      receive: (u) => this.receive(u),
      logger: this.log,
    });
    this.polling.start();
  }

  /** Webhook entry: queue the update and wait until it is handled. */
  private async deliver(update: Update): Promise<Delivery> {
    if (!this.handler || this.stopping) return 'not_running';
    return this.receive(update);
  }

  /** Queues the update on its chat's chain; settles (never rejects) once handled, or not. */
  private receive(update: Update): Promise<'done' | 'retry'> {
    return this.chats.run(chatKeyOf(update), () => this.handle(update));
  }

  private async handle(update: Update): Promise<'done' | 'retry'> {
    const handler = this.handler;
    if (!handler) return 'retry';
    const updateId = String(update.update_id);
    const query = update.callback_query;
    // Answer at once so the button's spinner stops; the handler decides what the press means.
    const answered = query
      ? this.bot.api
          .answerCallbackQuery(query.id)
          .then(() => undefined)
          .catch((err: unknown) => this.log.debug({ err, updateId }, 'answerCallbackQuery failed'))
      : undefined;
    try {
      const normalized = normalizeUpdate(update, this.bot.botInfo, new Date());
      if (!normalized.ok) {
        this.log.debug({ updateId, reason: normalized.reason }, 'telegram update dropped');
        return 'done';
      }
      await handler(normalized.message);
      return 'done';
    } catch (err) {
      if (err instanceof TransientHandlingError || isTransient(err)) {
        this.log.warn({ err, updateId }, 'telegram update not handled now: Telegram will deliver it again');
        return 'retry';
      }
      this.log.error({ err, updateId }, 'telegram update handling failed');
      return 'done';
    } finally {
      await answered;
    }
  }
}

/** The chain an update belongs to: its chat, else its sender, else itself. */
function chatKeyOf(u: Update): string {
  const chat =
    u.message?.chat ?? u.edited_message?.chat ?? u.callback_query?.message?.chat ?? u.my_chat_member?.chat;
  if (chat) return String(chat.id);
  const from = u.callback_query?.from;
  return from ? `user:${from.id}` : `update:${u.update_id}`;
}

/** Telegram chat ids are integers (safe in a double); anything else (e.g. '@channel') stays a string. */
function chatIdOf(externalId: string): number | string {
  return /^-?\d{1,16}$/.test(externalId) && Number.isSafeInteger(Number(externalId))
    ? Number(externalId)
    : externalId;
}
