import type { Locale } from '../../flows/flow-schema.js';
import type { InboundContext } from '../../kernel/chat/dispatcher.js';
import type { ChatHandler } from '../../kernel/chat/handler.js';
import { linkTexts } from './link-texts.js';
import type { LinkService, Sender } from './linking.js';

/**
 * Linking from the chat, before the flow engine:
 * - 「认证 CODE」 (also `/verify CODE`, `/link CODE` on Telegram), privately or in the residents'
 *   group (WeChat has no other way to reach a new resident): the code is consumed, and the answer
 *   never repeats it;
 * - 「认证」 / `/link` / `/verify` without a code: how to link; in a private Telegram chat with the
 *   one-time "share my phone number" keyboard;
 * - a shared contact (Telegram): linked by phone when it is the sender's own number; the keyboard
 *   is taken away with the answer.
 */
const TYPED = /^(?:认证|認證)\s*[:：]?\s*([A-Za-z0-9][A-Za-z0-9\s-]{0,19})?$/;

export class LinkChat implements ChatHandler {
  constructor(private readonly links: LinkService) {}

  async handle(ctx: InboundContext): Promise<boolean> {
    const m = ctx.message;
    if (m.choice) return false;
    const locale: Locale = ctx.person?.locale ?? 'zh-CN';
    const sender: Sender = {
      channel: m.channel,
      externalId: m.sender.externalId,
      displayName: m.sender.displayName,
    };
    if (m.contact) {
      const outcome = await this.links.byPhone(sender, m.contact.phone, m.contact.userExternalId);
      await ctx.reply(linkTexts.outcome(outcome, locale), { key: 'link', removeKeyboard: true });
      return true;
    }
    let code: string | undefined;
    if (m.command) {
      if (m.command.name !== 'link' && m.command.name !== 'verify') return false;
      code = m.command.args.trim();
    } else {
      const typed = TYPED.exec(m.text?.trim() ?? '');
      if (!typed) return false;
      code = typed[1]?.trim() ?? '';
    }
    if (code) {
      const outcome = await this.links.byCode(sender, code);
      await ctx.reply(linkTexts.outcome(outcome, locale), { key: 'link' });
      return true;
    }
    const isPrivate = m.chat.kind === 'private';
    const ask = linkTexts.askCode(m.channel, isPrivate);
    await ctx.reply(ask[locale], {
      key: 'link',
      ...(m.channel === 'telegram' && isPrivate
        ? { requestContact: { label: linkTexts.shareButton[locale] } }
        : {}),
    });
    return true;
  }
}
