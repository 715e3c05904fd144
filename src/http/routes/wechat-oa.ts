import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OaApiError } from '../../channels/wechat-oa/api.js';
import { compoundScene } from '../../channels/wechat-oa/inbound.js';
import { DEFAULT_MENU, menuSchema, type OaMenu } from '../../channels/wechat-oa/menu.js';
import { OA_WEBHOOK_PATH } from '../../channels/wechat-oa/webhook.js';
import { recordAudit } from '../../kernel/access/audit.js';
import type { Org } from '../../kernel/access/directory.js';
import { AppError, forbidden } from '../../kernel/access/errors.js';
import { assertCanWrite, type Principal } from '../../kernel/access/principal.js';
import type { Db } from '../../kernel/db/db.js';
import { actorOf, principalOf } from '../auth.js';
import { errorResponses, idParams } from '../schemas.js';

/** What the routes need of the Official Account channel (when this process receives for it). */
export interface WechatOaRouteOptions {
  /** undefined: no account configured (or not in this process) */
  account:
    | {
        appId: string;
        safeMode: boolean;
        publishMenu(menu: OaMenu): Promise<void>;
        /** qrcode/create: a permanent QR code without `expireSeconds` */
        createQrCode(scene: string, expireSeconds?: number): Promise<{ ticket: string; url: string }>;
        /** where the shared token's age is read and the menu's publication audited */
        db: Db;
      }
    | undefined;
  /** the org an id names, as the caller may see it (404 otherwise) */
  orgs: { get(p: Principal, id: number): Promise<Org> };
}

/** What a compound's QR code may open, besides the account itself: the flows' start payloads. */
const OPENS = ['complaint', 'vote', 'register', 'eval'] as const;

const qrBody = z.strictObject({
  opens: z
    .enum(OPENS)
    .optional()
    .describe(
      'the conversation it starts: complaint (报事), vote, register (住户登记), eval (评价物业); none: a greeting',
    ),
  days: z
    .number()
    .int()
    .min(1)
    .max(30)
    .optional()
    .describe(
      'a temporary code lasting this many days (WeChat allows 30); none: permanent (WeChat allows 100,000 per account)',
    ),
});

const statusSchema = z.object({
  configured: z.boolean(),
  appId: z.string().optional(),
  serverPath: z
    .string()
    .optional()
    .describe('the server URL path to set in 公众平台 → 设置与开发 → 基本配置'),
  mode: z.enum(['safe', 'plain']).optional().describe('safe: messages encrypted with the EncodingAESKey'),
  accessToken: z
    .object({ expiresAt: z.string().nullable(), fetchedAt: z.string().nullable() })
    .optional()
    .describe('the shared access_token’s age (never the token)'),
});

const notConfigured = () =>
  new AppError(
    409,
    'not_configured',
    'No WeChat Official Account is configured (set WECHAT_OA_APP_ID and the rest)',
  );

/**
 * The WeChat Official Account (服务号): its settings as this deployment has them, and its menu
 * published from the admin API (superuser only: one account serves every org).
 */
export const wechatOaRoutes =
  (o: WechatOaRouteOptions): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/channels/wechat-oa',
      {
        schema: {
          tags: ['chats'],
          summary: 'The WeChat Official Account channel',
          description:
            'Superuser only. Whether an account is configured, its server URL path and the shared access_token’s age.',
          response: { 200: statusSchema, ...errorResponses },
        },
      },
      async (req) => {
        if (actorOf(req).principal.kind !== 'superuser')
          throw forbidden('Only a superuser token may see the account');
        const a = o.account;
        if (!a) return { configured: false };
        const { rows } = await a.db.query<{ expires_at: Date | null; fetched_at: Date | null }>(
          'SELECT expires_at, fetched_at FROM linli.wechat_oa_tokens WHERE app_id = $1',
          [a.appId],
        );
        const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);
        return {
          configured: true,
          appId: a.appId,
          serverPath: OA_WEBHOOK_PATH,
          mode: a.safeMode ? ('safe' as const) : ('plain' as const),
          accessToken: { expiresAt: iso(rows[0]?.expires_at), fetchedAt: iso(rows[0]?.fetched_at) },
        };
      },
    );

    app.put(
      '/channels/wechat-oa/menu',
      {
        schema: {
          tags: ['chats'],
          summary: 'Publish the Official Account’s menu',
          description:
            'Superuser only. Publishes the account’s custom menu (`menu/create`): 1–3 buttons, each `click` ' +
            '(its key is read as a command: `complaint`, `vote`, `register`, `link`, `evaluate`, `help`, ' +
            '`language en`) or `view` (a URL), or a `sub_button` list of 1–5. An empty object `{}`: the default menu ' +
            '(报事 / 投票 / 我的). WeChat shows a new menu to followers within minutes.',
          body: z.union([menuSchema, z.strictObject({})]),
          response: { 200: menuSchema, ...errorResponses },
        },
      },
      async (req) => {
        const actor = actorOf(req);
        if (actor.principal.kind !== 'superuser')
          throw forbidden('Only a superuser token may publish the menu');
        const a = o.account;
        if (!a) throw notConfigured();
        const menu = 'button' in req.body ? (req.body as OaMenu) : DEFAULT_MENU;
        try {
          await a.publishMenu(menu);
        } catch (err) {
          if (err instanceof OaApiError && err.errcode !== undefined)
            throw new AppError(422, 'refused_by_wechat', `WeChat refused the menu: ${err.message}`, [
              { field: 'button', message: `errcode ${err.errcode}` },
            ]);
          throw new AppError(503, 'unavailable', `WeChat could not be reached: ${(err as Error).message}`);
        }
        await a.db.transaction((tx) =>
          recordAudit(tx, actor, {
            action: 'wechat_oa.menu',
            objectType: 'channel',
            objectId: 'wechat_oa',
            orgId: null,
            after: menu,
          }),
        );
        return menu;
      },
    );

    app.post(
      '/orgs/:id/wechat-oa-qrcodes',
      {
        schema: {
          tags: ['chats'],
          summary: 'A compound’s QR code on the Official Account',
          description:
            'A parametric QR code (`qrcode/create`) for a compound (or a building: its compound) to print in the ' +
            'lobby or a notice: whoever scans it follows the account, becomes a resident of the compound (as writing ' +
            'in its residents’ group makes someone) and, with `opens`, is taken straight into that conversation. ' +
            '`imageUrl` is WeChat’s image of the code. Writers of the org only; 409 when no account is configured.',
          params: idParams,
          body: qrBody,
          response: {
            201: z.object({
              scene: z.string(),
              ticket: z.string(),
              url: z.string().describe('what the code encodes'),
              imageUrl: z.string().describe('the code as an image, from WeChat'),
              expiresAt: z.string().nullable(),
            }),
            ...errorResponses,
          },
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const org = await o.orgs.get(p, req.params.id);
        assertCanWrite(p, org.path, 'org', org.id);
        if (org.kind !== 'compound' && org.kind !== 'building')
          throw new AppError(
            422,
            'unprocessable',
            'Residents live in a compound: give a compound or a building',
            [{ field: 'id', message: `a ${org.kind}, not a compound or building` }],
          );
        const a = o.account;
        if (!a) throw notConfigured();
        const scene = compoundScene(org.id, req.body.opens);
        const expire = req.body.days ? req.body.days * 86_400 : undefined;
        let made: { ticket: string; url: string };
        try {
          made = await a.createQrCode(scene, expire);
        } catch (err) {
          if (err instanceof OaApiError && err.errcode !== undefined)
            throw new AppError(422, 'refused_by_wechat', `WeChat refused the QR code: ${err.message}`);
          throw new AppError(503, 'unavailable', `WeChat could not be reached: ${(err as Error).message}`);
        }
        return reply.status(201).send({
          scene,
          ticket: made.ticket,
          url: made.url,
          imageUrl: `https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=${encodeURIComponent(made.ticket)}`,
          expiresAt: expire ? new Date(Date.now() + expire * 1000).toISOString() : null,
        });
      },
    );
  };
