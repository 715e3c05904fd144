import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../app/config.js';
import type { ChannelState } from '../../kernel/chat/channel-state.js';
import type { InboundHandler } from '../../kernel/chat/port.js';
import type { Db } from '../../kernel/db/db.js';
import { isUp, type WechatStatus } from './login-status.js';
import { DbChoiceMemory } from './pending-choices.js';
import { WechatAdapter } from './wechat-adapter.js';
import { createWechaty } from './wechaty-factory.js';

/**
 * The WeChat channel of the process that holds the login (roles `all` and `wechat`): the adapter
 * on the configured puppet, its status published to the database for API processes, and operators'
 * commands taken from there.
 *
 * Contracts:
 *  - `start` resolves after the first connection attempt, also when it failed (the adapter keeps
 *    retrying; /readyz and GET /api/v1/channels/wechat say so);
 *  - the status is saved within `publishEveryMs` of a change and at least every `touchEveryMs`
 *    (readers treat a status older than STATUS_STALE_AFTER_MS as a dead process);
 *  - a logout command is carried out if it is younger than COMMAND_TTL_MS (older: dropped, logged);
 *  - `close` stops the adapter (disconnects without logging the account out) and saves the status.
 */
const COMMAND_TTL_MS = 60_000;

export interface WechatChannel {
  adapter: WechatAdapter;
  status(): WechatStatus;
  /** resolves when WeChat is up; rejects naming the state otherwise (for /readyz) */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export async function startWechatChannel(o: {
  config: Config;
  db: Db;
  channelState: ChannelState;
  handle: InboundHandler;
  logger: Logger;
  publishEveryMs?: number;
  touchEveryMs?: number;
}): Promise<WechatChannel> {
  const { config, logger } = o;
  const dataDir = resolve(config.dataDir);
  const { wechaty, transport } = await createWechaty({
    puppet: config.wechaty.puppet,
    puppetToken: config.wechaty.puppetServiceToken,
    service: config.wechaty.service,
    dataDir,
    // the puppet's session (memory card) lives beside the embedded database
    name: join(dataDir, 'wechaty'),
    logger,
  });
  const adapter = new WechatAdapter({ wechaty, transport, logger, choices: new DbChoiceMemory(o.db) });
  const touchEveryMs = o.touchEveryMs ?? 15_000;

  let last = '';
  let lastAt = 0;
  const publish = async () => {
    const status = JSON.stringify(adapter.status());
    if (status === last && Date.now() - lastAt < touchEveryMs) return;
    await o.channelState.saveLogin('wechat', JSON.parse(status));
    last = status;
    lastAt = Date.now();
  };
  const commands = async () => {
    const command = await o.channelState.takeCommand('wechat');
    if (!command) return;
    const age = Date.now() - Date.parse(command.requestedAt);
    if (command.kind !== 'logout' || !(age < COMMAND_TTL_MS)) {
      logger.warn({ command }, 'wechat: dropped an expired or unknown command');
      return;
    }
    logger.warn({ by: command.by }, 'wechat: logging the account out at an operator’s request');
    await adapter
      .logout()
      .catch((err) => logger.warn({ error: (err as Error).message }, 'wechat: the requested logout failed'));
  };
  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    void Promise.all([
      commands().catch((err) => logger.warn({ err }, 'wechat: commands not read')),
      publish().catch((err) => logger.warn({ err }, 'wechat: status not saved')),
    ]).finally(() => {
      ticking = false;
    });
  }, o.publishEveryMs ?? 2000);
  timer.unref();

  try {
    await adapter.start(o.handle);
    await publish();
  } catch (err) {
    clearInterval(timer);
    throw err;
  }
  return {
    adapter,
    status: () => adapter.status(),
    ready: async () => {
      const s = adapter.status();
      if (!isUp(s)) throw new WechatNotReady(s);
    },
    async close() {
      clearInterval(timer);
      await adapter.stop();
      await publish().catch(() => {});
    },
  };
}

/** /readyz's failure for WeChat: the state, since when, and the last error */
export class WechatNotReady extends Error {
  readonly state: string;
  constructor(s: WechatStatus) {
    const error = s.state === 'disconnected' && s.lastError ? `: ${s.lastError.message}` : '';
    super(`WeChat ${s.state.replaceAll('_', ' ')} since ${s.since.toISOString()}${error}`);
    this.state = s.state;
  }
}
