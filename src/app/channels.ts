import type { FastifyInstance } from 'fastify';
import type { UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import { TelegramAdapter } from '../channels/telegram/telegram-adapter.js';
import type { WechatChannel } from '../channels/wechat/channel.js';
import { WecomRobotAdapter } from '../channels/wecom/robot-adapter.js';
import type { WechatOaRouteOptions } from '../http/routes/wechat-oa.js';
import type { InboundDispatcher } from '../kernel/chat/dispatcher.js';
import type { ChannelAdapter } from '../kernel/chat/port.js';
import type { Db } from '../kernel/db/db.js';
import { storableDeep } from '../kernel/db/storable-text.js';
import type { Outbox } from '../kernel/outbox/outbox.js';
import { type OutboundWorker, startOutboundWorker } from '../kernel/outbox/sender.js';
import type { QueueBackend } from '../kernel/queue/backend.js';
import { otherPrivateAddress } from '../modules/people/index.js';
import { type Config, mediaFetchersOf } from './config.js';
import { type Services, unreachedHandler } from './modules.js';

/**
 * Starts what each process role needs of the chat channels:
 * - Telegram receiving: `all`; `api` in webhook mode (the route lives in the API); `worker` in
 *   polling mode (no webhook secret). Telegram sending (its outbound worker): `all`, `worker`.
 * - WeChat (one login per account, so one process): `all` and `wechat`, receiving and sending,
 *   with the login state written to the database for GET /api/v1/channels/wechat.
 * - WeChat Official Account: receiving (its server URL) `all`, `api`; sending `all`, `worker`.
 * - WeCom group robots (send-only): `all`, `worker`.
 */
export interface Channels {
  httpPlugins: ((app: FastifyInstance) => Promise<void> | void)[];
  adapters: ChannelAdapter[];
  /** the WeChat channel when this process holds it: its live status (for /readyz and metrics) */
  wechat: WechatChannel | undefined;
  /** the Official Account when this process receives for it: its admin routes' handle */
  wechatOa: WechatOaRouteOptions['account'];
  /** where this process runs the Official Account: why it could not get an access_token, if it could not */
  wechatOaProblem: (() => string | null) | undefined;
  close(): Promise<void>;
}

export async function startChannels(o: {
  config: Config;
  db: Db;
  queues: QueueBackend;
  services: Services;
  outbox: Outbox;
  dispatcher: InboundDispatcher;
  logger: Logger;
}): Promise<Channels> {
  const { config, logger } = o;
  const role = config.role;
  const closers: (() => Promise<void>)[] = [];
  const httpPlugins: Channels['httpPlugins'] = [];
  const adapters: ChannelAdapter[] = [];
  let wechat: WechatChannel | undefined;
  let wechatOa: Channels['wechatOa'];
  let wechatOaProblem: Channels['wechatOaProblem'];
  const handle = (m: Parameters<InboundDispatcher['handle']>[0]) => o.dispatcher.handle(m);
  const media = mediaFetchersOf(config);
  const sendWorker = async (adapter: ChannelAdapter) => {
    const w: OutboundWorker = await startOutboundWorker({
      db: o.db,
      queues: o.queues,
      outbox: o.outbox,
      adapter,
      limits: config.pacing,
      logger,
      onUnreached: unreachedHandler(o.services),
      otherAddress: otherPrivateAddress,
      media,
    });
    closers.push(() => w.close());
  };

  try {
    if (config.telegram.botToken) {
      const webhook = Boolean(config.telegram.webhookSecret);
      const cached = await o.services.channelState.botInfo<UserFromGetMe>('telegram');
      const telegram = new TelegramAdapter({
        token: config.telegram.botToken,
        apiRoot: config.telegram.apiRoot,
        botInfo: cached ?? undefined,
        webhookSecret: config.telegram.webhookSecret,
        publicUrl: config.publicUrl,
        // update ids are recorded by the dispatcher, in the same statement as its first read
        logger,
      });
      adapters.push(telegram);
      const receives = role === 'all' || (role === 'api' && webhook) || (role === 'worker' && !webhook);
      if (webhook && (role === 'all' || role === 'api')) httpPlugins.push(telegram.webhookPlugin);
      if (receives) {
        await telegram.start(handle);
        closers.push(() => telegram.stop());
        if (!cached && telegram.botInfo)
          await o.services.channelState.saveBotInfo('telegram', storableDeep(telegram.botInfo));
      }
      if (role === 'all' || role === 'worker') await sendWorker(telegram);
      logger.info({ mode: webhook ? 'webhook' : 'polling', receives }, 'telegram channel ready');
    }

    // The WeChat Official Account: its server URL in the api processes (like Telegram's webhook),
    // its customer-service sends in the workers; any number of each (the access_token is shared)
    if (config.wechatOa && role !== 'wechat') {
      const { WechatOaAdapter } = await import('../channels/wechat-oa/oa-adapter.js');
      const oa = new WechatOaAdapter({ db: o.db, config: config.wechatOa, logger });
      adapters.push(oa);
      wechatOaProblem = () => {
        const p = oa.tokens.problem();
        return p ? `${p.message} (since ${p.at.toISOString()})` : null;
      };
      if (role === 'all' || role === 'api') {
        httpPlugins.push(oa.webhookPlugin);
        wechatOa = {
          appId: config.wechatOa.appId,
          safeMode: Boolean(config.wechatOa.aesKey),
          publishMenu: (menu) => oa.publishMenu(menu),
          createQrCode: (scene, expire) => oa.createQrCode(scene, expire),
          db: o.db,
        };
        await oa.start(handle);
        closers.push(() => oa.stop());
      }
      if (role === 'all' || role === 'worker') await sendWorker(oa);
      logger.info({ receives: role === 'all' || role === 'api' }, 'wechat_oa channel ready');
    }

    // WeCom group robots only post (officials' groups bound as wecom_robot chats): one sender, no receiving
    if (role === 'all' || role === 'worker') {
      const robots = new WecomRobotAdapter({ apiRoot: config.wecomRobot.apiRoot });
      adapters.push(robots);
      await sendWorker(robots);
    }

    if (config.wechaty.puppet && (role === 'all' || role === 'wechat')) {
      const { startWechatChannel } = await import('../channels/wechat/channel.js');
      const channel = await startWechatChannel({
        config,
        db: o.db,
        channelState: o.services.channelState,
        handle,
        logger,
      });
      wechat = channel;
      adapters.push(channel.adapter);
      closers.push(() => channel.close());
      await sendWorker(channel.adapter);
    }
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => {});
    throw err;
  }

  return {
    httpPlugins,
    adapters,
    wechat,
    wechatOa,
    wechatOaProblem,
    async close() {
      for (const c of closers.reverse())
        await c().catch((err) => logger.error({ err }, 'channel close failed'));
    },
  };
}
