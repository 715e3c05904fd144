import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { WechatStatus } from '../../channels/wechat/login-status.js';
import { recordAudit } from '../../kernel/access/audit.js';
import { conflict, forbidden } from '../../kernel/access/errors.js';
import { type ChannelState, STATUS_STALE_AFTER_MS } from '../../kernel/chat/channel-state.js';
import { actorOf } from '../auth.js';
import { errorResponses, errorSchema, fileResponse } from '../schemas.js';

const STATES = [
  'not_configured',
  'connecting',
  'waiting_for_scan',
  'logged_in',
  'logged_out',
  'disconnected',
] as const;

const loginSchema = z.object({
  state: z.enum(STATES).describe('only `logged_in` means messages flow'),
  since: z.string().optional().describe('when the state began'),
  qrcode: z.string().optional(),
  qrcodeUrl: z
    .string()
    .optional()
    .describe(
      'the path of the QR code as an image on this service (superuser): scan it with the bot account’s WeChat app',
    ),
  scanStatus: z.string().optional(),
  user: z.object({ id: z.string(), name: z.string() }).optional(),
  lastError: z
    .object({ message: z.string(), at: z.string() })
    .optional()
    .describe('the latest connection failure or puppet error (the token never appears)'),
  lastHeartbeatAt: z.string().optional().describe('the last sign of life from the puppet'),
  reconnect: z
    .object({ attempt: z.number(), nextAt: z.string() })
    .optional()
    .describe('while disconnected: failed attempts so far and the next one'),
  updatedAt: z.date().optional().describe('when the wechat process last reported this'),
});
type Login = z.infer<typeof loginSchema>;

export interface WechatRouteOptions {
  state: ChannelState;
  configured: boolean;
  /** the live status when this process holds the WeChat channel (role `all`) */
  live?: (() => WechatStatus) | undefined;
}

/**
 * The WeChat channel as the process holding it reports it (live in role `all`; from the database,
 * where the `wechat` process saves it, otherwise — a report older than a minute means that process
 * stopped reporting, shown as `disconnected`), and an operator's logout.
 */
export const channelRoutes =
  (o: WechatRouteOptions): FastifyPluginAsyncZod =>
  async (app) => {
    const current = async (): Promise<Login> => {
      if (!o.configured) return { state: 'not_configured' };
      if (o.live) return JSON.parse(JSON.stringify(o.live())) as Login;
      const saved = await o.state.login('wechat');
      if (!saved) return { state: 'connecting' };
      const login = saved.login as Omit<Login, 'state'> & { state: string };
      // saved before the channel reported its transport ('starting' was the boot state)
      const state = login.state === 'starting' ? 'connecting' : login.state;
      const result = { ...login, state, updatedAt: saved.updatedAt } as Login;
      if (Date.now() - saved.updatedAt.getTime() > STATUS_STALE_AFTER_MS) {
        return {
          ...result,
          state: 'disconnected',
          lastError: {
            message: `the wechat process has not reported since ${saved.updatedAt.toISOString()}`,
            at: new Date().toISOString(),
          },
        };
      }
      return result;
    };

    app.get(
      '/channels/wechat',
      {
        schema: {
          tags: ['chats'],
          summary: 'The WeChat (Wechaty) login state',
          response: { 200: loginSchema, ...errorResponses },
        },
      },
      current,
    );

    app.get(
      '/channels/wechat/qr.png',
      {
        schema: {
          tags: ['chats'],
          summary:
            'The WeChat login QR code as an image to scan with the bot account’s WeChat app (superuser)',
          description:
            'Drawn by the service itself (never a third-party page). 409 when WeChat is not waiting for a scan.',
          response: {
            200: fileResponse('image/png', 'The QR code, 360 px square'),
            // 400: a query parameter (it takes none); 401 and 429 are every route's (route-input-rules.ts)
            400: errorSchema,
            403: errorSchema,
            409: errorSchema,
          },
        },
      },
      async (req, reply) => {
        const actor = actorOf(req);
        // whoever scans it logs the account in: only a superuser sees it
        if (actor.principal.kind !== 'superuser')
          throw forbidden('Only a superuser token may see the WeChat login QR code');
        const now = await current();
        if (now.state !== 'waiting_for_scan' || !now.qrcode)
          throw conflict(`WeChat is not waiting for a QR scan (state: ${now.state})`, [
            { field: 'state', message: now.state },
          ]);
        const png = await QRCode.toBuffer(now.qrcode, { type: 'png', width: 360, margin: 2 });
        return reply.type('image/png').header('cache-control', 'no-store').send(png);
      },
    );

    app.post(
      '/channels/wechat/logout',
      {
        schema: {
          summary: 'Log the WeChat account out',
          tags: ['chats'],
          description:
            'Superuser only. Asks the puppet to log the WeChat account out (it then needs a new QR scan). ' +
            'A deploy or restart never does this; the process holding the login carries it out within seconds.',
          response: {
            202: z.object({ accepted: z.literal(true), state: z.enum(STATES) }),
            ...errorResponses,
          },
        },
      },
      async (req, reply) => {
        const actor = actorOf(req);
        if (actor.principal.kind !== 'superuser')
          throw forbidden('Only a superuser token may log WeChat out');
        const now = await current();
        if (now.state !== 'logged_in') {
          throw conflict(`WeChat is not logged in (state: ${now.state})`, [
            { field: 'state', message: now.state },
          ]);
        }
        await o.state.requestCommand(
          'wechat',
          { kind: 'logout', requestedAt: new Date().toISOString(), by: actor.principal.label },
          (tx) =>
            recordAudit(tx, actor, {
              action: 'wechat.logout',
              objectType: 'channel',
              objectId: 'wechat',
              orgId: null,
              before: { state: now.state, user: now.user },
            }),
        );
        return reply.status(202).send({ accepted: true as const, state: now.state });
      },
    );
  };
