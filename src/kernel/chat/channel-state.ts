import type { Db, Queryable } from '../db/db.js';
import type { ChannelName } from './port.js';

/**
 * A process holding a channel saves its status at least every 15 s; a status older than this is a
 * process that stopped reporting (crashed, hung, or gone).
 */
export const STATUS_STALE_AFTER_MS = 60_000;

/** An operator's request to the process that holds a channel's login (taken once). */
export interface ChannelCommand {
  kind: 'logout';
  requestedAt: string;
  by: string;
}

/**
 * Small per-channel facts shared between processes through the database: the WeChat login as
 * the `wechat` process sees it (the API process serves it), operators' commands to that process,
 * and Telegram's bot info (cached so a restart makes no getMe).
 */
export class ChannelState {
  constructor(private readonly db: Db) {}

  async saveLogin(channel: ChannelName, login: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO linli.channel_state (channel, login, login_updated_at) VALUES ($1, $2, now())
       ON CONFLICT (channel) DO UPDATE SET login = EXCLUDED.login, login_updated_at = now(), updated_at = now()`,
      [channel, JSON.stringify(login)],
    );
  }

  /** the last saved login and when it was saved */
  async login(channel: ChannelName): Promise<{ login: unknown; updatedAt: Date } | null> {
    const { rows } = await this.db.query<{ login: unknown; updated_at: Date }>(
      `SELECT login, coalesce(login_updated_at, updated_at) AS updated_at FROM linli.channel_state
       WHERE channel = $1 AND login IS NOT NULL`,
      [channel],
    );
    return rows[0] ? { login: rows[0].login, updatedAt: rows[0].updated_at } : null;
  }

  /**
   * Leaves `command` for the process holding the channel (replacing an older one), with `audit`
   * (the audit-log entry) in the same transaction.
   */
  async requestCommand(
    channel: ChannelName,
    command: ChannelCommand,
    audit: (tx: Queryable) => Promise<void>,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO linli.channel_state (channel, command) VALUES ($1, $2)
         ON CONFLICT (channel) DO UPDATE SET command = EXCLUDED.command, updated_at = now()`,
        [channel, JSON.stringify(command)],
      );
      await audit(tx);
    });
  }

  /** takes (and clears) the pending command, if any: only one caller gets it */
  async takeCommand(channel: ChannelName): Promise<ChannelCommand | null> {
    const { rows } = await this.db.query<{ command: ChannelCommand }>(
      `UPDATE linli.channel_state s SET command = NULL
       FROM (SELECT channel, command FROM linli.channel_state WHERE channel = $1 AND command IS NOT NULL FOR UPDATE) old
       WHERE s.channel = old.channel RETURNING old.command`,
      [channel],
    );
    return rows[0]?.command ?? null;
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
