import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ChannelState } from '../../bot/channel-state.js';
import { errorResponses } from '../schemas.js';

const loginSchema = z.object({
  state: z.enum(['not_configured', 'starting', 'waiting_for_scan', 'logged_in', 'logged_out']),
  qrcode: z.string().optional(),
  qrcodeUrl: z.string().optional().describe('open and scan with the WeChat app to log the bot in'),
  user: z.object({ id: z.string(), name: z.string() }).optional(),
  since: z.string().optional(),
  updatedAt: z.date().optional(),
});

/** The WeChat login as the `wechat` process last reported it (QR code while waiting for a scan). */
export const channelRoutes =
  (state: ChannelState, wechatConfigured: boolean): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/channels/wechat',
      { schema: { tags: ['chats'], response: { 200: loginSchema, ...errorResponses } } },
      async () => {
        const saved = await state.login('wechat');
        if (!saved) return { state: wechatConfigured ? ('starting' as const) : ('not_configured' as const) };
        const login = saved.login as z.infer<typeof loginSchema>;
        return { ...login, since: login.since ? String(login.since) : undefined, updatedAt: saved.updatedAt };
      },
    );
  };
