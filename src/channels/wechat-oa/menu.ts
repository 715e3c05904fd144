import { z } from 'zod';

/**
 * The account's custom menu (自定义菜单), as WeChat takes it (`menu/create`): 1–3 buttons, each an
 * action or a list of 1–5 sub-buttons; names of at most 16 bytes (top) or 60 (sub) in UTF-8; a
 * `click` button's key (≤ 128 bytes) arrives as a menu event and is read as a command (`complaint`
 * is `/complaint`, `language en` is `/language en`: inbound.ts); a `view` button opens its URL.
 * Checked here, so an admin's mistake is a 400 naming the field instead of WeChat's errcode.
 */
const bytes = (max: number) => (s: string) => Buffer.byteLength(s, 'utf8') <= max;
const name = (max: number) =>
  z
    .string()
    .min(1)
    .refine(bytes(max), { message: `at most ${max} bytes of UTF-8 (a Chinese character is 3)` });
const key = z
  .string()
  .min(1)
  .refine(bytes(128), { message: 'at most 128 bytes' })
  .refine((k) => /^[\p{L}\p{N}_]+(?: .*)?$/u.test(k), {
    message: 'a command name, then optional arguments after a space (e.g. complaint, language en)',
  });
const url = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u) && bytes(1024)(u), {
    message: 'an http(s) URL of at most 1,024 bytes',
  });

const action = (max: number) =>
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('click'), name: name(max), key }),
    z.strictObject({ type: z.literal('view'), name: name(max), url }),
  ]);

export const menuSchema = z
  .strictObject({
    button: z
      .array(
        z.union([
          action(16),
          z.strictObject({ name: name(16), sub_button: z.array(action(60)).min(1).max(5) }),
        ]),
      )
      .min(1)
      .max(3),
  })
  .meta({ id: 'WechatOaMenu' });
export type OaMenu = z.infer<typeof menuSchema>;

/** What a deployment publishes unless an admin gives its own: 报事 / 投票 / 我的 (登记, 认证, 帮助, English). */
export const DEFAULT_MENU: OaMenu = {
  button: [
    { type: 'click', name: '报事', key: 'complaint' },
    { type: 'click', name: '投票', key: 'vote' },
    {
      name: '我的',
      sub_button: [
        { type: 'click', name: '住户登记', key: 'register' },
        { type: 'click', name: '认证房屋', key: 'link' },
        { type: 'click', name: '评价物业', key: 'evaluate' },
        { type: 'click', name: '帮助', key: 'help' },
        { type: 'click', name: 'English', key: 'language en' },
      ],
    },
  ],
};
