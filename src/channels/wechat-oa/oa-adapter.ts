import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { WechatOaConfig } from '../../app/config-wechat-oa.js';
import { isTransient, TransientHandlingError } from '../../kernel/chat/handling-failure.js';
import {
  type ChannelAdapter,
  type ChannelCapabilities,
  ChannelSendError,
  type InboundHandler,
  type OutboundMessage,
  renderNumberedChoices,
  SEND_REFUSAL,
  type SendResult,
} from '../../kernel/chat/port.js';
import type { Db } from '../../kernel/db/db.js';
import { asPhoto } from '../../kernel/media/image-type.js';
import { KeyedSerialQueue } from '../telegram/chat-queue.js';
import { DbChoiceMemory } from '../wechat/pending-choices.js';
import { splitBytes } from '../wecom/robot-adapter.js';
import { AccessTokenError, AccessTokens } from './access-token.js';
import { OaApi, OaApiError } from './api.js';
import { aesKeyOf } from './crypto.js';
import { toInbound } from './inbound.js';
import type { OaMenu } from './menu.js';
import { type OaDelivery, registerOaWebhook } from './webhook.js';

/** A customer-service text message: at most 2,048 bytes of UTF-8. */
const TEXT_BYTES = 2048;

/** WeChat's errcodes a send can meet (the rest refuse the message itself: permanent). */
const ERR = {
  systemBusy: -1,
  invalidOpenId: 40003,
  notFollowing: 43004,
  /** 43101: the follower has not agreed to (this) subscription notice */
  noticeRefused: 43101,
  apiQuota: 45009,
  outOfTime: 45015,
  tooManyReplies: 45047,
} as const;

/**
 * A WeChat Official Account (服务号) as a channel: its followers write to it privately, it answers
 * them with customer-service messages (`message/custom/send`). What WeChat allows decides the rest:
 * - only private chats (a follower's OpenID), no buttons (numbered choices, remembered in
 *   linli.pending_choices like Wechaty's), no edits, no mentions; text in pieces of 2,048 bytes; a
 *   photo uploaded (`media/upload`) and sent as an image before the text;
 * - a follower can be answered only within 48 h of their last message, and 20 times per message
 *   (errcodes 45015, 45047): past that, a subscription notice when one is configured
 *   (`WECHAT_OA_NOTICE_TEMPLATE`, `message/subscribe/bizsend`, and only if the follower agreed to
 *   it: 43101 otherwise), else the send is refused as `out_of_window` — recorded as unreachable by
 *   the reach rule and told to the module that sent it;
 * - 43004 (unfollowed) → `blocked`; 40003 → `not_started`; 45009 (the account's daily quota) →
 *   rate limited for 10 minutes; -1, HTTP 5xx and the network → transient; an access_token that
 *   cannot be had (wrong secret, IP not whitelisted, WeChat away) → unavailable for 30 s: nothing
 *   was sent, no attempt counted.
 * Receiving is the server URL (webhook.ts), in the api processes; sending, in the workers.
 */
export class WechatOaAdapter implements ChannelAdapter {
  readonly name = 'wechat_oa' as const;
  readonly capabilities: ChannelCapabilities = {
    buttons: false,
    edits: false,
    privateMessages: true,
    mentions: false,
    maxTextLength: 680,
  };
  readonly tokens: AccessTokens;
  readonly api: OaApi;
  private readonly choices: DbChoiceMemory;
  private readonly followers = new KeyedSerialQueue();
  private handler: InboundHandler | undefined;
  private stopping = false;
  private readonly log: Logger;

  constructor(private readonly o: { db: Db; config: WechatOaConfig; logger: Logger }) {
    this.log = o.logger.child({ channel: 'wechat_oa' });
    this.tokens = new AccessTokens({
      db: o.db,
      appId: o.config.appId,
      appSecret: o.config.appSecret,
      apiRoot: o.config.apiRoot,
      logger: this.log,
    });
    this.api = new OaApi({ tokens: this.tokens, apiRoot: o.config.apiRoot });
    this.choices = new DbChoiceMemory(o.db, 'wechat_oa');
  }

  /** The server URL's routes (api processes). */
  readonly webhookPlugin = (app: FastifyInstance) =>
    registerOaWebhook(app, {
      token: this.o.config.token,
      appId: this.o.config.appId,
      aesKey: this.o.config.aesKey ? aesKeyOf(this.o.config.aesKey) : undefined,
      deliver: (fields) => this.deliver(fields),
      logger: this.log,
    });

  async start(handler: InboundHandler): Promise<void> {
    this.stopping = false;
    this.handler = handler;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.followers.idle();
    this.handler = undefined;
  }

  /** One follower's pushes are handled in order; resolves once handled (never rejects). */
  private async deliver(fields: Record<string, string>): Promise<OaDelivery> {
    const handler = this.handler;
    if (!handler || this.stopping) return 'not_running';
    return this.followers.run(fields.FromUserName ?? '', async () => {
      try {
        const inbound = await toInbound(fields, {
          choices: this.choices,
          loadPhoto: (p) => this.loadPhoto(p),
        });
        if (!inbound) return 'done';
        await handler(inbound.message);
        if (inbound.answeredChoices) {
          const id = inbound.message.chat.externalId;
          await this.choices
            .forget(id, id)
            .catch((err) => this.log.warn({ err }, 'wechat_oa: choices not forgotten'));
        }
        return 'done';
      } catch (err) {
        if (err instanceof TransientHandlingError || isTransient(err)) {
          this.log.warn({ err }, 'wechat_oa: push not handled now: WeChat will push it again');
          return 'retry';
        }
        this.log.error({ err }, 'wechat_oa: push handling failed');
        return 'done';
      }
    });
  }

  /** A follower's photo: from its PicUrl, else by its MediaId; null when neither gives an image. */
  private async loadPhoto(p: { picUrl?: string; mediaId?: string }) {
    if (p.picUrl) {
      try {
        const res = await fetch(p.picUrl, { signal: AbortSignal.timeout(15_000) });
        if (res.ok) {
          const photo = asPhoto(Buffer.from(await res.arrayBuffer()));
          if (photo) return photo;
        }
      } catch (err) {
        this.log.warn({ error: (err as Error).message }, 'wechat_oa: PicUrl could not be read');
      }
    }
    if (p.mediaId) {
      try {
        return asPhoto((await this.api.getBytes('/cgi-bin/media/get', { media_id: p.mediaId })).bytes);
      } catch (err) {
        this.log.warn({ error: (err as Error).message }, 'wechat_oa: media/get failed');
      }
    }
    return null;
  }

  /** Publishes the account's custom menu (menu/create); throws OaApiError as WeChat refused it. */
  async publishMenu(menu: OaMenu): Promise<void> {
    await this.api.post('/cgi-bin/menu/create', menu);
  }

  /** A parametric QR code with a string scene: permanent, or for `expireSeconds` (at most 30 days). */
  async createQrCode(scene: string, expireSeconds?: number): Promise<{ ticket: string; url: string }> {
    const r = await this.api.post('/cgi-bin/qrcode/create', {
      action_name: expireSeconds ? 'QR_STR_SCENE' : 'QR_LIMIT_STR_SCENE',
      ...(expireSeconds ? { expire_seconds: expireSeconds } : {}),
      action_info: { scene: { scene_str: scene } },
    });
    if (typeof r.ticket !== 'string' || typeof r.url !== 'string')
      throw new OaApiError('qrcode/create: no ticket', undefined);
    return { ticket: r.ticket, url: r.url };
  }

  async send(out: OutboundMessage): Promise<SendResult> {
    if (out.chat.kind !== 'private')
      throw new ChannelSendError('permanent', 'an Official Account has no group chats');
    const openId = out.chat.externalId;
    const numbered = out.choices?.length
      ? renderNumberedChoices(out.text, out.choices, out.locale ?? 'zh-CN')
      : out.text;
    // a link into the private chat (Telegram's button): the chat is private already, so the
    // person is told what to send to go on
    const text = out.privateLink
      ? `${numbered}\n${out.locale === 'en' ? `👉 Send "${out.privateLink.command}" to go on.` : `👉 回复「${out.privateLink.command}」继续。`}`
      : numbered;
    const photo = out.media?.kind === 'photo' ? out.media.data : undefined;
    const pieces = text.trim() ? splitBytes(text, TEXT_BYTES) : [];
    if (!pieces.length && !photo) throw new ChannelSendError('permanent', 'nothing to send: empty text');
    let sent = 0;
    try {
      if (photo) {
        const mediaId = await this.upload(photo);
        await this.api.post('/cgi-bin/message/custom/send', {
          touser: openId,
          msgtype: 'image',
          image: { media_id: mediaId },
        });
        sent++;
      }
      for (const content of pieces) {
        await this.api.post('/cgi-bin/message/custom/send', {
          touser: openId,
          msgtype: 'text',
          text: { content },
        });
        sent++;
      }
    } catch (err) {
      if (
        sent === 0 &&
        err instanceof OaApiError &&
        (err.errcode === ERR.outOfTime || err.errcode === ERR.tooManyReplies)
      ) {
        if (await this.notice(openId, text)) return { messageId: `wechat_oa-notice-${randomUUID()}` };
      }
      throw this.sendError(err);
    }
    if (out.choices?.length) {
      await this.choices
        .remember(openId, openId, out.choices)
        // the message is out; failing the send would send it again. The number then arrives as text.
        .catch((err) => this.log.warn({ err }, 'wechat_oa: could not remember choices'));
    }
    return { messageId: `wechat_oa-${randomUUID()}` };
  }

  private async upload(photo: { bytes: Uint8Array; contentType: string }): Promise<string> {
    // media/upload takes an image of at most 10 MB, JPG or PNG (GIF too; Linli keeps no GIFs)
    const kind = asPhoto(photo.bytes)?.contentType;
    if (kind !== 'image/png' && kind !== 'image/jpeg')
      throw new ChannelSendError('permanent', 'photo not sendable on WeChat (not JPG/PNG or over 10 MB)');
    const form = new FormData();
    const ext = photo.contentType === 'image/png' ? 'png' : 'jpg';
    form.append('media', new Blob([Buffer.from(photo.bytes)], { type: photo.contentType }), `photo.${ext}`);
    const r = await this.api.post('/cgi-bin/media/upload', form, { type: 'image' });
    if (typeof r.media_id !== 'string') throw new OaApiError('media/upload: no media_id', undefined);
    return r.media_id;
  }

  /**
   * The configured subscription notice with the text's first line (a `thing` holds 20 characters);
   * false when none is configured or the follower has not agreed to it (43101).
   */
  private async notice(openId: string, text: string): Promise<boolean> {
    const t = this.o.config.noticeTemplate;
    if (!t) return false;
    const first = [...(text.split('\n')[0] ?? '')];
    const value = first.length > 20 ? `${first.slice(0, 19).join('')}…` : first.join('');
    try {
      await this.api.post('/cgi-bin/message/subscribe/bizsend', {
        touser: openId,
        template_id: t.templateId,
        ...(t.page ? { page: t.page } : {}),
        data: { [t.field]: { value } },
      });
      return true;
    } catch (err) {
      if (err instanceof OaApiError && err.errcode === ERR.noticeRefused) return false;
      throw this.sendError(err);
    }
  }

  private sendError(err: unknown): ChannelSendError {
    if (err instanceof ChannelSendError) return err;
    if (err instanceof AccessTokenError)
      return new ChannelSendError('unavailable', `no access_token: ${err.message}`, 30_000);
    if (!(err instanceof OaApiError))
      return new ChannelSendError('transient', `wechat_oa: ${(err as Error).message}`);
    const why = err.message;
    switch (err.errcode) {
      case undefined:
      case ERR.systemBusy:
      case 40001:
      case 42001:
        return new ChannelSendError('transient', why);
      case ERR.outOfTime:
      case ERR.tooManyReplies:
        return new ChannelSendError('permanent', `${SEND_REFUSAL.outOfWindow}: ${why}`);
      case ERR.notFollowing:
        return new ChannelSendError(
          'permanent',
          `${SEND_REFUSAL.blocked}: the follower unfollowed the account (${why})`,
        );
      case ERR.invalidOpenId:
        return new ChannelSendError(
          'permanent',
          `${SEND_REFUSAL.notStarted}: not a follower of the account (${why})`,
        );
      case ERR.apiQuota:
        return new ChannelSendError('rate_limited', why, 10 * 60_000);
      default:
        return new ChannelSendError('permanent', why);
    }
  }
}
