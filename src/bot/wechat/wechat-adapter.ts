/**
 * WeChat channel adapter over a Wechaty instance (any puppet; tests use wechaty-puppet-mock).
 *
 * Contracts:
 *  - inbound: every `message` except the bot's own (and system noise, official accounts) becomes one
 *    `InboundMessage`; messages of one chat (room, or private contact) reach the handler one at a time
 *    in arrival order, different chats in parallel; handler errors are logged and never stop the bot;
 *    a handler failure that may pass (database or Redis unreachable: `TransientHandlingError`) is
 *    retried with backoff, holding that chat's later messages, until it succeeds or the adapter
 *    stops (the puppet never delivers a message twice, so giving up would lose it);
 *  - choices: WeChat has no buttons, so choices are sent as numbered lines and remembered per
 *    (chat, person): the @-mentioned person in a group, the chat itself in a private chat (a group send
 *    with choices but no mention cannot be answered by number). That person's bare number in range
 *    (half- or full-width) comes back as `choice` (the text is kept) and consumes the prompt;
 *  - send: `ChannelSendError` 'permanent' when the chat cannot be found, 'transient' when the account is
 *    not logged in or the puppet fails; `media` refs of another channel cannot be sent, only the text;
 *    text longer than `maxTextLength` goes as several messages (the mention on the first, the result
 *    is the last message's id);
 *  - start/stop: `start` starts wechaty only if it is not running yet, and `stop` stops it only then.
 *
 * Only type imports of wechaty here; `createWechaty` (wechaty-factory.ts) loads it lazily.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Contact, ContactSelf, Message, Wechaty } from 'wechaty';
import { storableText } from '../../db/storable-text.js';
import { retryWhileTransient } from '../handling-failure.js';
import {
  type ChannelAdapter,
  type ChannelCapabilities,
  ChannelSendError,
  type InboundHandler,
  type OutboundMessage,
  renderNumberedChoices,
  type SendResult,
} from '../port.js';
import { ChatQueue } from './chat-queue.js';
import type { ChoiceMemory } from './choice-memory.js';
import { chatKeyOf, toInbound } from './inbound.js';
import { LoginStatus, type WechatStatus } from './login-status.js';
import {
  errorMessage,
  findContact,
  findTarget,
  isLoggedIn,
  isTransientError,
  notLoggedIn,
  splitText,
} from './outbound.js';

export interface WechatAdapterOptions {
  wechaty: Wechaty;
  logger: Logger;
  /** pending numbered choices; without it bare numbers are never turned into `choice` */
  choices?: ChoiceMemory;
  /** how long `stop()` waits for in-flight handlers before stopping wechaty (default 10 s) */
  drainTimeoutMs?: number;
}

export class WechatAdapter implements ChannelAdapter {
  readonly name = 'wechat' as const;
  readonly capabilities: ChannelCapabilities = {
    buttons: false,
    edits: false,
    privateMessages: true,
    mentions: true,
    maxTextLength: 2000,
  };

  private readonly wechaty: Wechaty;
  private readonly logger: Logger;
  private readonly choices: ChoiceMemory | undefined;
  private readonly drainTimeoutMs: number;
  private readonly login = new LoginStatus();
  private readonly queue = new ChatQueue();
  /** removes the `message` listener */
  private stopMessages: (() => void) | undefined;
  /** removes the other listeners */
  private unsubscribe: (() => void) | undefined;
  private handler: InboundHandler | undefined;
  private startedWechaty = false;

  constructor(opts: WechatAdapterOptions) {
    this.wechaty = opts.wechaty;
    this.logger = opts.logger.child({ channel: 'wechat' });
    this.choices = opts.choices;
    this.drainTimeoutMs = opts.drainTimeoutMs ?? 10_000;
  }

  /** login state of the account, for an ops endpoint / QR code page */
  status(): WechatStatus {
    return this.login.get();
  }

  async start(handler: InboundHandler): Promise<void> {
    if (this.unsubscribe) throw new Error('WechatAdapter already started');
    this.handler = handler;
    this.subscribe();
    if (isLoggedIn(this.wechaty)) this.login.login(userOf(this.wechaty.currentUser));
    if (!this.wechaty.state.active()) {
      this.startedWechaty = true;
      try {
        await this.wechaty.start();
      } catch (e) {
        await this.stop().catch(() => {}); // leave the adapter startable again
        throw e;
      }
    }
  }

  /**
   * Stops taking messages, waits (bounded) for queued ones, stops wechaty if `start` started it. The
   * `error` / login listeners stay until then: wechaty throws an `error` event nobody listens to.
   */
  async stop(): Promise<void> {
    this.stopMessages?.();
    this.stopMessages = undefined;
    const busy = this.queue.busy;
    if (!(await this.queue.drain(this.drainTimeoutMs))) {
      this.logger.warn({ chats: busy }, 'wechat: stop() did not wait any longer for slow handlers');
    }
    this.handler = undefined;
    try {
      if (this.startedWechaty) {
        this.startedWechaty = false;
        await this.wechaty.stop();
      }
    } finally {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    }
  }

  async send(out: OutboundMessage): Promise<SendResult> {
    if (!isLoggedIn(this.wechaty)) throw notLoggedIn();
    const text = out.choices?.length ? renderNumberedChoices(out.text, out.choices, 'zh-CN') : out.text;
    if (text.trim() === '') {
      throw new ChannelSendError(
        'permanent',
        'nothing to send: empty text (media of another channel cannot be sent)',
      );
    }
    const target = await findTarget(this.wechaty, out.chat);
    const mention =
      target.room && out.mention ? await findContact(this.wechaty, out.mention.externalId) : undefined;
    if (target.room && out.mention && !mention) {
      this.logger.warn(
        { contactId: out.mention.externalId },
        'wechat: mentioned contact not found; sending without @',
      );
    }

    let messageId: string | undefined;
    try {
      for (const [i, piece] of splitText(text, this.capabilities.maxTextLength).entries()) {
        const sent = target.room
          ? i === 0 && mention
            ? await target.room.say(piece, mention)
            : await target.room.say(piece)
          : await target.contact.say(piece);
        messageId = (sent ? sent.id : undefined) ?? `wechat-${randomUUID()}`;
      }
    } catch (e) {
      if (!isLoggedIn(this.wechaty)) throw notLoggedIn();
      const kind = isTransientError(e) ? 'timeout/network' : 'puppet error';
      throw new ChannelSendError('transient', `WeChat send failed (${kind}): ${errorMessage(e)}`);
    }

    if (out.choices?.length && this.choices) {
      const personId = out.chat.kind === 'private' ? out.chat.externalId : out.mention?.externalId;
      if (personId) await this.rememberChoices(out.chat.externalId, personId, out);
    }
    return { messageId: messageId ?? `wechat-${randomUUID()}` };
  }

  private async rememberChoices(chatId: string, personId: string, out: OutboundMessage): Promise<void> {
    try {
      await this.choices?.remember(chatId, personId, out.choices ?? []);
    } catch (e) {
      // the message is out; failing the send would resend it. The person's number then arrives as text.
      this.logger.warn({ err: e, chatId, personId }, 'wechat: could not remember choices');
    }
  }

  private subscribe(): void {
    const w = this.wechaty;
    const onScan = (qrcode: string, status: number): void => {
      this.login.scan(qrcode, status);
      const s = this.login.get();
      this.logger.info(
        { scanStatus: s.scanStatus, qrcodeUrl: s.qrcodeUrl },
        'wechat: scan the QR code to log in',
      );
    };
    const onLogin = (user: ContactSelf): void => {
      this.login.login(userOf(user));
      this.logger.info({ user: userOf(user) }, 'wechat: logged in');
    };
    const onLogout = (user: ContactSelf, reason?: string): void => {
      this.login.logout(userOf(user));
      this.logger.warn({ user: userOf(user), reason }, 'wechat: logged out');
    };
    const onError = (err: Error): void => {
      this.logger.warn({ err }, 'wechat: wechaty error');
    };
    const onMessage = (msg: Message): void => this.enqueue(msg);
    w.on('scan', onScan);
    w.on('login', onLogin);
    w.on('logout', onLogout);
    w.on('error', onError);
    w.on('message', onMessage);
    this.stopMessages = () => w.off('message', onMessage);
    this.unsubscribe = () => {
      w.off('scan', onScan);
      w.off('login', onLogin);
      w.off('logout', onLogout);
      w.off('error', onError);
    };
  }

  /** queue `msg` behind earlier messages of its chat (synchronously, so arrival order is kept) */
  private enqueue(msg: Message): void {
    let key: string;
    try {
      if (msg.self()) return;
      key = chatKeyOf(msg);
    } catch (e) {
      this.logger.error({ err: e, messageId: msg.id }, 'wechat: unreadable message dropped');
      return;
    }
    this.queue.push(key, () => this.process(msg));
  }

  /** never rejects */
  private async process(msg: Message): Promise<void> {
    try {
      const inbound = await toInbound(msg, { choices: this.choices, logger: this.logger });
      const handler = this.handler;
      if (!inbound || !handler) return;
      await retryWhileTransient(() => handler(inbound), {
        stopped: () => this.handler === undefined || this.stopMessages === undefined,
        onRetry: (err, delayMs) =>
          this.logger.warn({ err, messageId: msg.id, delayMs }, 'wechat: message not handled now: retrying'),
      });
    } catch (e) {
      this.logger.error({ err: e, messageId: msg.id }, 'wechat: inbound handler failed');
    }
  }
}

/** the account as the login state records it (storable: the state is saved as jsonb) */
function userOf(user: Contact): { id: string; name: string } {
  return { id: storableText(user.id), name: storableText(user.name()) };
}
