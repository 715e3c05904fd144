import { z } from 'zod';

/**
 * The WeChat Official Account (服务号) part of the environment, parsed by src/app/config.ts. One
 * account per deployment: the account's server URL, token and EncodingAESKey are set once in its
 * 公众平台 settings and point at one Linli, and an account's followers are a city's or a
 * community's, not one compound's (a compound is chosen inside the conversation, as in a private
 * Telegram chat). Unset `WECHAT_OA_APP_ID`: the channel is off.
 */
const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = (schema: z.ZodString) => z.preprocess(emptyToUndefined, schema.optional());

export const wechatOaEnv = {
  WECHAT_OA_APP_ID: optional(
    z.string().regex(/^wx[0-9a-f]{16}$/, { message: 'must be an AppID such as wx1234567890abcdef' }),
  ),
  WECHAT_OA_APP_SECRET: optional(
    z.string().regex(/^[0-9a-f]{32}$/, { message: 'must be the 32-character AppSecret' }),
  ),
  /** the token of the server URL settings (3–32 letters and digits) */
  WECHAT_OA_TOKEN: optional(
    z.string().regex(/^[A-Za-z0-9]{3,32}$/, { message: 'must be 3–32 letters and digits' }),
  ),
  /** the EncodingAESKey: set for 安全模式 (and 兼容模式); unset: 明文模式 only */
  WECHAT_OA_AES_KEY: optional(
    z.string().regex(/^[A-Za-z0-9]{43}$/, { message: 'must be the 43-character EncodingAESKey' }),
  ),
  WECHAT_OA_API_ROOT: z.preprocess(emptyToUndefined, z.string().url().default('https://api.weixin.qq.com')),
  /**
   * A subscription-notice template for notices outside the 48-hour window, as JSON
   * `{"templateId": "...", "field": "thing1", "page": "optional path"}`: the notice's first line
   * (20 characters, WeChat's limit for a `thing` value) goes in `field`.
   */
  WECHAT_OA_NOTICE_TEMPLATE: optional(z.string()),
};

export interface WechatOaConfig {
  appId: string;
  appSecret: string;
  token: string;
  aesKey: string | undefined;
  apiRoot: string;
  noticeTemplate: { templateId: string; field: string; page?: string } | undefined;
}

type Env = z.output<z.ZodObject<typeof wechatOaEnv>>;

const templateSchema = z.object({
  templateId: z.string().min(1).max(128),
  field: z.string().regex(/^[a-z_]+\d+$/, { message: 'field must be a template key such as thing1' }),
  page: z.string().max(1024).optional(),
});

/** The account's settings, or undefined when the channel is off; problems name the variable. */
export function wechatOaConfig(e: Env): {
  config: WechatOaConfig | undefined;
  problems: { variable: string; value: unknown; problem: string }[];
} {
  const problems: { variable: string; value: unknown; problem: string }[] = [];
  if (!e.WECHAT_OA_APP_ID) {
    for (const v of ['WECHAT_OA_APP_SECRET', 'WECHAT_OA_TOKEN', 'WECHAT_OA_AES_KEY'] as const)
      if (e[v]) problems.push({ variable: v, value: '***', problem: 'set without WECHAT_OA_APP_ID' });
    return { config: undefined, problems };
  }
  if (!e.WECHAT_OA_APP_SECRET)
    problems.push({
      variable: 'WECHAT_OA_APP_SECRET',
      value: undefined,
      problem: 'required with WECHAT_OA_APP_ID',
    });
  if (!e.WECHAT_OA_TOKEN)
    problems.push({
      variable: 'WECHAT_OA_TOKEN',
      value: undefined,
      problem: 'required with WECHAT_OA_APP_ID',
    });
  let noticeTemplate: WechatOaConfig['noticeTemplate'];
  if (e.WECHAT_OA_NOTICE_TEMPLATE) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(e.WECHAT_OA_NOTICE_TEMPLATE);
    } catch {
      parsed = undefined;
    }
    const t = templateSchema.safeParse(parsed);
    if (t.success) noticeTemplate = t.data;
    else
      problems.push({
        variable: 'WECHAT_OA_NOTICE_TEMPLATE',
        value: e.WECHAT_OA_NOTICE_TEMPLATE,
        problem: 'must be JSON {"templateId": "...", "field": "thing1", "page": "..."}',
      });
  }
  if (problems.length) return { config: undefined, problems };
  return {
    config: {
      appId: e.WECHAT_OA_APP_ID,
      appSecret: e.WECHAT_OA_APP_SECRET!,
      token: e.WECHAT_OA_TOKEN!,
      aesKey: e.WECHAT_OA_AES_KEY,
      apiRoot: e.WECHAT_OA_API_ROOT.replace(/\/+$/, ''),
      noticeTemplate,
    },
    problems,
  };
}
