import type { Db } from '../db/db.js';
import type { ChannelName } from './port.js';

/**
 * Small per-channel facts shared between processes through the database: the WeChat login as
 * the `wechat` process sees it (the API process serves it), and Telegram's bot info (cached so a
 * restart makes no getMe).
 */
export class ChannelState {
  constructor(private readonly db: Db) {}

  async saveLogin(channel: ChannelName, login: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO linli.channel_state (channel, login) VALUES ($1, $2)
       ON CONFLICT (channel) DO UPDATE SET login = EXCLUDED.login, updated_at = now()`,
      [channel, JSON.stringify(login)],
    );
  }

  async login(channel: ChannelName): Promise<{ login: unknown; updatedAt: Date } | null> {
    const { rows } = await this.db.query<{ login: unknown; updated_at: Date }>(
      'SELECT login, updated_at FROM linli.channel_state WHERE channel = $1 AND login IS NOT NULL',
      [channel],
    );
    return rows[0] ? { login: rows[0].login, updatedAt: rows[0].updated_at } : null;
  }

  async botInfo<T>(channel: ChannelName): Promise<T | null> {
    const { rows } = await this.db.query<{ bot_info: T | null }>(
      'SELECT bot_info FROM linli.channel_state WHERE channel = $1',
      [channel],
    );
    return rows[0]?.bot_info ?? null;
  }

  async saveBotInfo(channel: ChannelName, info: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO linli.channel_state (channel, bot_info) VALUES ($1, $2)
       ON CONFLICT (channel) DO UPDATE SET bot_info = EXCLUDED.bot_info, updated_at = now()`,
      [channel, JSON.stringify(info)],
    );
  }
}
