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
 *  - send: `ChannelSendError` 'unavailable' (nothing was sent; the delivery waits, no attempt is
 *    counted) while the puppet is disconnected or the account is not logged in, 'permanent' when the
 *    chat cannot be found, 'transient' when the puppet fails or does not answer within `sendTimeoutMs`
 *    (the message may or may not be out: it is retried); a photo with its bytes (`media.data`) goes
 *    first as an image file, a media ref without bytes cannot be sent (only the text goes); text
 *    longer than `maxTextLength` goes as several messages (the mention on the first, the result is
 *    the last message's id);
 *  - friends: a personal account messages privately only its friends. A private send to a contact
 *    who is not one fails 'permanent' with the reason `not_friend: …` (SEND_REFUSAL in port.ts) when
 *    the puppet refuses it as such (wechat4u: Ret 1204; see `isNotFriendError`), or refuses it
 *    otherwise and the refreshed contact is reported as no friend. The send is always tried: the
 *    puppet's friend flag alone is not trusted to refuse it, since wechat4u does not report it and the
 *    puppet service turns "not reported" into false. `isFriend(id)` tells what the puppet reports;
 *  - friend requests are accepted automatically, paced (friend-requests.ts), unless
 *    `friendRequests: false`;
 *  - connection: see connection.ts (start resolves after the first attempt; failures are retried,
 *    a lost puppet service is reconnected; `status()` tells the truth about both);
 *  - recovery: a message the puppet announced whose payload could not be loaded (e.g. the connection
 *    dropped between the event and the payload call) is fetched again by id after the next
 *    (re)connection or login, and handled then; each message id is handled at most once per process
 *    (and the dispatcher drops redeliveries across processes). What the puppet never announced while
 *    Linli was disconnected cannot be recovered: the puppet-service protocol has no replay;
 *  - start/stop: `start` starts wechaty only if it is not running yet, and `stop` stops it only then
 *    (for the puppet service: detaching, the account stays logged in on the provider);
 *  - `logout()`: asks the provider to log the account out (an operator's request).
 *
 * Only type imports of wechaty here; `createWechaty` (wechaty-factory.ts) loads it lazily.
 */

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Contact, Message, Wechaty } from 'wechaty';
import { retryWhileTransient } from '../../kernel/chat/handling-failure.js';
import {
  type ChannelAdapter,
  type ChannelCapabilities,
  ChannelSendError,
  type InboundHandler,
  type OutboundMessage,
  renderNumberedChoices,
  renderPrivateHint,
  SEND_REFUSAL,
  type SendResult,
} from '../../kernel/chat/port.js';
import { asPhoto, photoFileName, sniffImage } from '../../kernel/media/image-type.js';
import { withTimeout as timedOut } from '../../kernel/time/with-timeout.js';
import { ChatQueue } from './chat-queue.js';
import type { ChoiceMemory } from './choice-memory.js';
import { type RetryPolicy, WechatConnection } from './connection.js';
import { type FriendRequestPolicy, FriendRequests } from './friend-requests.js';
import { chatKeyOf, toInbound } from './inbound.js';
import { LoginStatus, type WechatStatus } from './login-status.js';
import {
  findContact,
  findTarget,
  isLoggedIn,
  isNotFriendError,
  isTransientError,
  isUnreachable,
  notConnected,
  notLoggedIn,
  splitText,
} from './outbound.js';
import type { PuppetTransport } from './puppet-service.js';
import { errorText, safeError } from './redact.js';
import { UnloadedMessages } from './unloaded-messages.js';

export interface WechatAdapterOptions {
  wechaty: Wechaty;
  logger: Logger;
  /** pending numbered choices; without it bare numbers are never turned into `choice` */
  choices?: ChoiceMemory;
  /** how long `stop()` waits for in-flight handlers before stopping wechaty (default 10 s) */
  drainTimeoutMs?: number;
  /** the puppet service's connection events (createWechaty returns it for wechaty-puppet-service) */
  transport?: PuppetTransport | undefined;
  /** reconnect backoff (default 1 s doubling to 30 s) */
  retry?: RetryPolicy | undefined;
  /** how long one send may take before it counts as failed (default 30 s) */
  sendTimeoutMs?: number;
  /** how long a delivery waits before trying again while WeChat is unavailable (default 5 s) */
  unavailableRetryMs?: number;
  /** pacing of the automatic acceptance of friend requests; false: accept none (default: accept) */
  friendRequests?: FriendRequestPolicy | false;
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
  private readonly sendTimeoutMs: number;
  private readonly unavailableRetryMs: number;
  private readonly transport: PuppetTransport | undefined;
  private readonly login = new LoginStatus();
  private readonly queue = new ChatQueue();
  private readonly connection: WechatConnection;
  private readonly unloaded: UnloadedMessages;
  private readonly friendRequests: FriendRequests | undefined;
  /** removes the `message` listeners */
  private stopMessages: (() => void) | undefined;
  private handler: InboundHandler | undefined;
  private started = false;

  constructor(opts: WechatAdapterOptions) {
    this.wechaty = opts.wechaty;
    this.logger = opts.logger.child({ channel: 'wechat' });
    this.choices = opts.choices;
    this.drainTimeoutMs = opts.drainTimeoutMs ?? 10_000;
    this.sendTimeoutMs = opts.sendTimeoutMs ?? 30_000;
    this.unavailableRetryMs = opts.unavailableRetryMs ?? 5000;
    this.transport = opts.transport;
    this.unloaded = new UnloadedMessages({
      wechaty: this.wechaty,
      logger: this.logger,
      handle: (msg) => this.enqueue(msg),
    });
    this.friendRequests =
      opts.friendRequests === false
        ? undefined
        : new FriendRequests(this.wechaty, this.logger, opts.friendRequests ?? {});
    this.connection = new WechatConnection({
      wechaty: this.wechaty,
      transport: opts.transport,
      status: this.login,
      logger: this.logger,
      retry: opts.retry,
      onConnected: () => this.unloaded.retrySoon(),
      onLogin: () => this.unloaded.retrySoon(),
    });
  }

  /** the channel's state (transport and login), for /readyz, the channel API and metrics */
  status(): WechatStatus {
    return this.login.get();
  }

  async start(handler: InboundHandler): Promise<void> {
    if (this.started) throw new Error('WechatAdapter already started');
    this.started = true;
    this.handler = handler;
    this.subscribeMessages();
    this.friendRequests?.start();
    try {
      await this.connection.start();
    } catch (e) {
      await this.stop().catch(() => {}); // leave the adapter startable again
      throw e;
    }
  }

  /**
   * Stops taking messages, waits (bounded) for queued ones, then stops the connection (and wechaty
   * if `start` started it). The connection's `error` listener stays until then: wechaty throws an
   * `error` event nobody listens to.
   */
  async stop(): Promise<void> {
    this.stopMessages?.();
    this.stopMessages = undefined;
    this.friendRequests?.stop();
    this.unloaded.stop();
    const busy = this.queue.busy;
    if (!(await this.queue.drain(this.drainTimeoutMs))) {
      this.logger.warn({ chats: busy }, 'wechat: stop() did not wait any longer for slow handlers');
    }
    this.handler = undefined;
    try {
      await this.connection.stop();
    } finally {
      this.started = false;
    }
  }

  /**
   * Logs the account out on the puppet's side (an operator's request; a deploy never does this).
   * Throws when not connected and logged in, or when the puppet does not confirm.
   */
  async logout(): Promise<void> {
    if (!this.connection.connected || !isLoggedIn(this.wechaty)) {
      throw new Error(`WeChat is not logged in (state: ${this.login.get().state})`);
    }
    if (this.transport) await this.transport.logoutOnProvider();
    else await this.wechaty.logout();
    this.logger.warn('wechat: logged out on request');
  }

  async send(out: OutboundMessage): Promise<SendResult> {
    if (!this.connection.connected) throw notConnected(this.unavailableRetryMs);
    if (!isLoggedIn(this.wechaty)) throw notLoggedIn(this.unavailableRetryMs);
    const numbered = out.choices?.length
      ? renderNumberedChoices(out.text, out.choices, out.locale ?? 'zh-CN')
      : out.text;
    // no links into a private chat on WeChat: the person is told what to send the bot privately
    const text = out.privateLink ? renderPrivateHint(numbered, out.privateLink, out.locale) : numbered;
    const photo = out.media?.kind === 'photo' ? out.media.data : undefined;
    if (text.trim() === '' && !photo) {
      throw new ChannelSendError(
        'permanent',
        'nothing to send: empty text (media of another channel cannot be sent)',
      );
    }
    const target = await findTarget(this.wechaty, out.chat, this.unavailableRetryMs);
    const mention =
      target.room && out.mention ? await findContact(this.wechaty, out.mention.externalId) : undefined;
    if (target.room && out.mention && !mention) {
      this.logger.warn(
        { contactId: out.mention.externalId },
        'wechat: mentioned contact not found; sending without @',
      );
    }

    let messageId: string | undefined;
    let piecesSent = 0;
    try {
      if (photo) {
        // the photo first, as an image file (its bytes: see MediaRef.data), then the text
        const { FileBox } = await import('file-box');
        // base64, not a Buffer box: puppets serialize what they send (toJSON refuses Buffer boxes)
        const box = FileBox.fromBase64(
          Buffer.from(photo.bytes).toString('base64'),
          photoFileName(photo.contentType),
        );
        const sent = await withTimeout(
          target.room ? target.room.say(box) : target.contact.say(box),
          this.sendTimeoutMs,
        );
        piecesSent++;
        messageId = (sent ? sent.id : undefined) ?? `wechat-${randomUUID()}`;
      }
      const pieces = text.trim() === '' ? [] : splitText(text, this.capabilities.maxTextLength);
      for (const [i, piece] of pieces.entries()) {
        const saying = target.room
          ? i === 0 && mention
            ? target.room.say(piece, mention)
            : target.room.say(piece)
          : target.contact.say(piece);
        const sent = await withTimeout(saying, this.sendTimeoutMs);
        piecesSent++;
        messageId = (sent ? sent.id : undefined) ?? `wechat-${randomUUID()}`;
      }
    } catch (e) {
      // refused before anything went out (no connection at all): wait like a disconnected channel
      if (piecesSent === 0 && isUnreachable(e)) throw notConnected(this.unavailableRetryMs);
      if (target.contact && isNotFriendError(e)) {
        throw notFriend(target.contact.id, `the puppet refused the send (${errorText(e)})`);
      }
      if (target.contact && !isTransientError(e) && (await this.knownStranger(target.contact))) {
        throw notFriend(target.contact.id, `the send failed (${errorText(e)}) and the contact is no friend`);
      }
      const kind = isTransientError(e) ? 'timeout/network' : 'puppet error';
      throw new ChannelSendError('transient', `WeChat send failed (${kind}): ${errorText(e)}`);
    }

    if (out.choices?.length && this.choices) {
      const personId = out.chat.kind === 'private' ? out.chat.externalId : out.mention?.externalId;
      if (personId) await this.rememberChoices(out.chat.externalId, personId, out);
    }
    return { messageId: messageId ?? `wechat-${randomUUID()}` };
  }

  /**
   * A photo's bytes when they can be read, are an image (by their first bytes) and are no larger
   * than MAX_PHOTO_BYTES; otherwise null, said in the log.
   */
  private async readPhoto(msg: Message): Promise<{ bytes: Uint8Array; contentType: string } | null> {
    try {
      const box = await withTimeout(msg.toFileBox(), this.sendTimeoutMs);
      const bytes = await withTimeout(box.toBuffer(), this.sendTimeoutMs);
      const photo = asPhoto(bytes);
      if (photo) return photo;
      this.logger.warn(
        { messageId: msg.id, size: bytes.length, type: sniffImage(bytes) },
        'wechat: photo not kept (not an image or too big)',
      );
    } catch (e) {
      this.logger.warn({ error: safeError(e), messageId: msg.id }, 'wechat: photo could not be read');
    }
    return null;
  }

  /**
   * Whether `contactId` is a friend of the account, as the puppet reports it (refreshed first);
   * undefined when the contact cannot be loaded now or the puppet does not say (wechat4u). Through
   * wechaty-puppet-service "does not say" arrives as false: treat false as "probably not" when the
   * provider is not known to report friendships.
   */
  async isFriend(contactId: string): Promise<boolean | undefined> {
    const contact = await findContact(this.wechaty, contactId);
    if (!contact) return undefined;
    try {
      await withTimeout(contact.sync(), this.sendTimeoutMs);
    } catch {
      // the cached payload still answers
    }
    return contact.friend();
  }

  /**
   * true when the puppet reports `contact` as no friend after refreshing it (the cache may predate a
   * friendship made since, or the person deleting the account); unknown (undefined) is not false.
   */
  private async knownStranger(contact: Contact): Promise<boolean> {
    try {
      await withTimeout(contact.sync(), this.sendTimeoutMs);
    } catch (e) {
      this.logger.debug({ error: errorText(e), contactId: contact.id }, 'wechat: contact not refreshed');
    }
    return contact.friend() === false;
  }

  private async rememberChoices(chatId: string, personId: string, out: OutboundMessage): Promise<void> {
    try {
      await this.choices?.remember(chatId, personId, out.choices ?? []);
    } catch (e) {
      // the message is out; failing the send would resend it. The person's number then arrives as text.
      this.logger.warn({ err: e, chatId, personId }, 'wechat: could not remember choices');
    }
  }

  private subscribeMessages(): void {
    const w = this.wechaty;
    const onMessage = (msg: Message): void => this.enqueue(msg);
    w.on('message', onMessage);
    const stopUnloaded = this.unloaded.start();
    this.stopMessages = () => {
      w.off('message', onMessage);
      stopUnloaded();
    };
  }

  /** queue `msg` behind earlier messages of its chat (synchronously, so arrival order is kept) */
  private enqueue(msg: Message): void {
    if (!this.unloaded.take(msg.id)) return; // already handled (a recovered message arriving again)
    let key: string;
    try {
      if (msg.self()) return;
      key = chatKeyOf(msg);
    } catch (e) {
      this.logger.error({ error: safeError(e), messageId: msg.id }, 'wechat: unreadable message dropped');
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
      // a photo's bytes can be read while this message is at hand (a personal account's message
      // cannot be fetched again later): on demand, when a conversation keeps the photo
      const photo = inbound.media[0];
      if (photo?.kind === 'photo') photo.load = () => this.readPhoto(msg);
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

/** a puppet call, given up after `ms` */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return timedOut(p, ms, `no answer from the puppet within ${ms} ms (timed out)`);
}

/** the permanent failure of a private send to someone who is not the account's friend */
function notFriend(contactId: string, why: string): ChannelSendError {
  return new ChannelSendError(
    'permanent',
    `${SEND_REFUSAL.notFriend}: WeChat contact ${contactId} is not a friend of the account: ${why}`,
  );
}
