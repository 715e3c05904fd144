import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OaApiError } from '../../channels/wechat-oa/api.js';
import { DEFAULT_MENU, menuSchema, type OaMenu } from '../../channels/wechat-oa/menu.js';
import { OA_WEBHOOK_PATH } from '../../channels/wechat-oa/webhook.js';
import { recordAudit } from '../../kernel/access/audit.js';
import { AppError, forbidden } from '../../kernel/access/errors.js';
import type { Db } from '../../kernel/db/db.js';
import { actorOf } from '../auth.js';
import { errorResponses } from '../schemas.js';

/** What the routes need of the Official Account channel (when this process receives for it). */
export interface WechatOaRouteOptions {
  /** undefined: no account configured (or not in this process) */
  account:
    | {
        appId: string;
        safeMode: boolean;
        publishMenu(menu: OaMenu): Promise<void>;
        /** where the shared token's age is read and the menu's publication audited */
        db: Db;
      }
    | undefined;
}

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
  };
