import type { ChatRef, DeliveryChannel } from '../chat/port.js';

/**
 * How fast Linli may send, per channel. Telegram's published limits: about 30 messages/s
 * overall, 20/min in one group, 1/s in one private chat. WeChat has no published limit and bans
 * accounts that look like spam, so its defaults are conservative: one message every 3 s per
 * room and a daily cap per account.
 */
export interface PacingLimits {
  telegram: { globalPerSecond: number; groupPerMinute: number; privatePerSecond: number };
  wechat: { chatIntervalMs: number; dailyCap: number };
  /** a WeCom group robot takes 20 messages a minute (errcode 45009 past it) */
  wecomRobot: { perMinute: number };
}

export const DEFAULT_PACING: PacingLimits = {
  telegram: { globalPerSecond: 30, groupPerMinute: 20, privatePerSecond: 1 },
  wechat: { chatIntervalMs: 3000, dailyCap: 500 },
  wecomRobot: { perMinute: 20 },
};

/** Customer-service messages to one Official Account follower per second. */
export const WECHAT_OA_PER_FOLLOWER_PER_SECOND = 5;

/** A sending window: at most `max` sends within `windowMs`. */
export interface Window {
  max: number;
  windowMs: number;
}

/** Per-chat windows. */
export function chatWindow(
  limits: PacingLimits,
  channel: DeliveryChannel,
  chat: ChatRef,
): { max: number; windowMs: number } {
  if (channel === 'telegram') {
    return chat.kind === 'group'
      ? { max: limits.telegram.groupPerMinute, windowMs: 60_000 }
      : { max: limits.telegram.privatePerSecond, windowMs: 1000 };
  }
  if (channel === 'wecom_robot') return { max: limits.wecomRobot.perMinute, windowMs: 60_000 };
  // an Official Account's customer-service messages have no published rate per follower, only
  // a count per message of theirs (20, errcode 45047): a few a second keeps a turn's replies together
  if (channel === 'wechat_oa') return { max: WECHAT_OA_PER_FOLLOWER_PER_SECOND, windowMs: 1000 };
  return { max: 1, windowMs: limits.wechat.chatIntervalMs };
}

/**
 * A second, short window for one chat where the main one is long: Telegram asks for no more than
 * about one message a second in any chat, groups included (beside a group's 20/min); null elsewhere.
 */
export function chatBurstWindow(
  limits: PacingLimits,
  channel: DeliveryChannel,
  chat: ChatRef,
): { max: number; windowMs: number } | null {
  return channel === 'telegram' && chat.kind === 'group'
    ? { max: limits.telegram.privatePerSecond, windowMs: 1000 }
    : null;
}

/** Channel-wide windows (the BullMQ worker limiter enforces Telegram's; WeChat's daily cap here). */
export function channelWindow(
  limits: PacingLimits,
  channel: DeliveryChannel,
): { max: number; windowMs: number } | null {
  return channel === 'wechat' ? { max: limits.wechat.dailyCap, windowMs: 24 * 60 * 60 * 1000 } : null;
}
