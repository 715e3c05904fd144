import type { Locale, Text } from '../../flows/flow-schema.js';
import type { ChannelName } from '../../kernel/chat/port.js';
import type { LinkOutcome } from './linking.js';

/**
 * What the bot says about linking a chat account to the owner register. `howToLink` is the one
 * message an unlinked person gets wherever only owners count (votes, evaluations): how to link,
 * on the platform they are on. No reply ever repeats a code.
 */
export function howToLink(channel: ChannelName | 'simulator'): Both {
  if (channel === 'telegram')
    return {
      'zh-CN':
        '您的账号还没有关联业主名册，只有关联后的业主才能参与。关联方法（任选其一）：\n' +
        '1. 私聊我发送「认证 验证码」（验证码由业主委员会按户发放）；\n' +
        '2. 私聊我发送 /link，点「分享手机号」，手机号与名册中业主登记的一致即可关联。',
      en:
        'Your account is not linked to the owner register yet; only linked owners take part. To link, either:\n' +
        '1. send me privately "认证 CODE" (the owners’ committee hands out one code per unit); or\n' +
        '2. send me /link privately and tap "Share my phone number": it links when it matches the owner’s phone in the register.',
    };
  if (channel === 'wechat_oa')
    return {
      'zh-CN':
        '您的微信还没有关联业主名册，只有关联后的业主才能参与。关联方法：给本公众号发送「认证 验证码」（验证码由业主委员会按户发放，用后即作废）。',
      en: 'Your WeChat is not linked to the owner register yet; only linked owners take part. To link, send "认证 CODE" to this account (the owners’ committee hands out one code per unit; it works once).',
    };
  return {
    'zh-CN':
      '您的微信还没有关联业主名册，只有关联后的业主才能参与。关联方法：在群里或私聊我发送「认证 验证码」（验证码由业主委员会按户发放，用后即作废）。',
    en: 'Your WeChat is not linked to the owner register yet; only linked owners take part. To link, send "认证 CODE" in the group or to me privately (the owners’ committee hands out one code per unit; it works once).',
  };
}

/** Both locales, always (a Text whose English is never missing). */
export type Both = Required<Pick<Text, Locale>>;

export const linkTexts = {
  shareButton: { 'zh-CN': '分享手机号', en: 'Share my phone number' } as Both,
  askCode(channel: ChannelName, isPrivate: boolean): Both {
    if (channel === 'telegram' && isPrivate)
      return {
        'zh-CN':
          '关联业主身份：发送「认证 验证码」（业主委员会按户发放的 8 位验证码），或点下面的「分享手机号」，手机号与名册中业主登记的一致即可关联。',
        en: 'Link your owner record: send "认证 CODE" (the 8-character code the owners’ committee gave your unit), or tap "Share my phone number" below: it links when it matches the owner’s phone in the register.',
      };
    if (channel === 'telegram')
      return {
        'zh-CN': '请私聊我发送「认证 验证码」或 /link（可分享手机号关联），不要在群里发送验证码。',
        en: 'Please send me "认证 CODE" or /link (to share your phone number) in a private chat, not in the group.',
      };
    return {
      'zh-CN': '请发送「认证 验证码」（业主委员会按户发放的 8 位验证码），例如：认证 AB3D5F7H',
      en: 'Send "认证 CODE" with the 8-character code the owners’ committee gave your unit, e.g. 认证 AB3D5F7H',
    };
  },
  outcome(o: LinkOutcome, locale: Locale): string {
    const en = locale === 'en';
    switch (o.kind) {
      case 'linked':
        return en
          ? `Linked: this account is now owner ${o.ownerName}${o.address ? ` (${o.address})` : ''} in the register. You can vote on owners’ proposals.`
          : `关联成功：此账号已关联名册中的业主 ${o.ownerName}${o.address ? `（${o.address}）` : ''}，可以参加业主表决了。`;
      case 'already':
        return en
          ? `This account is already linked to owner ${o.ownerName}.`
          : `此账号已经关联业主 ${o.ownerName}，无需再次认证。`;
      case 'unknown_code':
        return en
          ? 'That code is not valid. Check it against the paper (8 characters, no 0/O/1/I) and try again.'
          : '验证码不正确。请对照纸质通知核对（8 位，不含 0、O、1、I）后重试。';
      case 'used_code':
        return en
          ? 'That code has been used already. If it was not you, ask the owners’ committee for a new one.'
          : '这个验证码已经被使用过。如果不是您本人使用的，请联系业主委员会重新发放。';
      case 'revoked_code':
        return en
          ? 'That code was withdrawn by the owners’ committee. Ask them for the current one.'
          : '这个验证码已被业主委员会作废，请向业主委员会索取新的验证码。';
      case 'throttled':
        return en
          ? 'Too many wrong codes from this account: try again in an hour.'
          : '此账号输错验证码次数过多，请一小时后再试。';
      case 'no_owner':
        return en
          ? 'The unit of this code has no owner in the register yet. Ask the owners’ committee.'
          : '这个验证码对应的房屋在名册中还没有业主，请联系业主委员会。';
      case 'not_own_contact':
        return en
          ? 'That is someone else’s contact: please tap "Share my phone number" to share your own. Nothing was linked.'
          : '这不是您本人的手机号名片，请点「分享手机号」分享您自己的号码。未做任何关联。';
      case 'no_compound':
        return en
          ? 'I do not know your compound yet: say something in your compound’s residents’ group first, or send "认证 CODE".'
          : '还不知道您所在的小区：请先在小区居民群里发言，或发送「认证 验证码」关联。';
      case 'no_phone_match':
        return en
          ? 'This phone number matches no owner in the register of your compound. Nothing was linked; use the code from the owners’ committee ("认证 CODE").'
          : '这个手机号与您小区名册中的业主都不一致，未做任何关联。请使用业主委员会发放的验证码（发送「认证 验证码」）。';
      case 'ambiguous_phone':
        return en
          ? 'This phone number belongs to several owners in the register. Nothing was linked; use the code of your unit ("认证 CODE").'
          : '这个手机号对应名册中的多位业主，未做任何关联。请使用您房屋的验证码（发送「认证 验证码」）。';
      case 'conflict':
        return en
          ? 'This account cannot be linked automatically (its records clash with the owner’s). Nothing was linked; the owners’ committee can merge them.'
          : '此账号无法自动关联（与业主的已有记录冲突），未做任何关联，请联系业主委员会处理。';
    }
  },
};
