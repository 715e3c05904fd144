import { z } from 'zod';
import { PURPOSES } from '../../kernel/chat/binding.js';
import type { DeliveryChannel } from '../../kernel/chat/port.js';

export { type ChatPurpose, PURPOSES } from '../../kernel/chat/binding.js';

export const bindCodeBody = z.strictObject({
  purpose: z.enum(PURPOSES),
  ttlMinutes: z
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .default(24 * 60)
    .describe('how long the code can be used (default 24 h)'),
});

export const bindCodeSchema = z
  .object({
    code: z.string(),
    orgId: z.number().int(),
    purpose: z.enum(PURPOSES),
    expiresAt: z.date(),
    instructions: z.string().describe('what a group member sends in the group'),
    telegramStartGroupUrl: z
      .string()
      .nullable()
      .describe(
        'https://t.me/<bot>?startgroup=<code>: opened (or scanned) by a group admin, Telegram asks which group to add the bot to and the bot binds that group with the code; null until the Telegram bot has started once',
      ),
  })
  .meta({ id: 'BindCode' });

/**
 * The channels whose chats can be bound to an org (migration 027's CHECK on linli.chats): an
 * Official Account has followers, not group chats — its entry to a compound is a QR code.
 */
const BINDABLE_CHANNELS = ['telegram', 'wechat', 'wecom_robot'] as const satisfies readonly DeliveryChannel[];

export const bindChatBody = z.strictObject({
  channel: z.enum(BINDABLE_CHANNELS),
  /** a WeCom robot: its webhook key, or the whole webhook URL (the key is taken from it) */
  externalChatId: z.string().trim().min(1).max(300),
  purpose: z.enum(PURPOSES),
  title: z.string().trim().max(200).optional(),
});

export { type Chat, chatSchema } from '../../kernel/chat/binding.js';
