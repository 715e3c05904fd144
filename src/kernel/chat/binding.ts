import { z } from 'zod';
import { DELIVERY_CHANNELS, type DeliveryChannel } from './port.js';

/**
 * A chat bound to an org, as the dispatcher, the flow engine and every module's chat handler see
 * it. The chats module owns the table, binding and its API (and re-exports these); the kernel
 * reads bindings through the `ChatDirectory` port (dispatcher.ts).
 */
export const PURPOSES = ['residents', 'handlers'] as const;
export type ChatPurpose = (typeof PURPOSES)[number];

export const chatSchema = z
  .object({
    id: z.number().int(),
    channel: z.enum(DELIVERY_CHANNELS),
    externalChatId: z.string(),
    orgId: z.number().int(),
    purpose: z.enum(PURPOSES),
    title: z.string().nullable(),
    boundVia: z.enum(['code', 'admin']),
    createdAt: z.date(),
  })
  .meta({ id: 'Chat' });
export type Chat = z.infer<typeof chatSchema>;

export interface ChatRow {
  id: number;
  channel: DeliveryChannel;
  external_chat_id: string;
  org_id: number;
  purpose: ChatPurpose;
  title: string | null;
  bound_via: 'code' | 'admin';
  created_at: Date;
}
export const toChat = (r: ChatRow): Chat => ({
  id: r.id,
  channel: r.channel,
  externalChatId: r.external_chat_id,
  orgId: r.org_id,
  purpose: r.purpose,
  title: r.title,
  boundVia: r.bound_via,
  createdAt: r.created_at,
});
