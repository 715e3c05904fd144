import type { Locale } from '../../flows/flow-schema.js';
import type { InboundContext } from '../../kernel/chat/dispatcher.js';
import type { ChatHandler } from '../../kernel/chat/handler.js';
import type { Db } from '../../kernel/db/db.js';
import { setLocale } from './repository.js';

/**
 * A person chooses the language of everything Linli sends them (`people.locale`, zh-CN by default):
 * `/language en|zh` (or `/lang`), or `语言 英文` / `语言 中文` / `language English` said to the bot
 * (a private chat, or addressed to it in a group; the text form only with a language name after
 * it, so other words starting with 语言 go on to the flows). The answer is in the new language. Without a
 * known language it tells the current one and how to change it; someone Linli does not know yet
 * is told to write in their compound's residents' group first (nothing is stored).
 */
const COMMANDS = new Set(['language', 'lang', 'yuyan']);
const TEXT = /^(?:语言|語言|language|lang)\s*[:：]?\s*(.*)$/i;
const NAMES: Record<string, Locale> = {
  en: 'en',
  english: 'en',
  英文: 'en',
  英语: 'en',
  英語: 'en',
  zh: 'zh-CN',
  'zh-cn': 'zh-CN',
  cn: 'zh-CN',
  chinese: 'zh-CN',
  中文: 'zh-CN',
  汉语: 'zh-CN',
  漢語: 'zh-CN',
  简体中文: 'zh-CN',
};

const TEXTS: Record<Locale, { switched: string; current: string; unknownPerson: string }> = {
  'zh-CN': {
    switched: '好的，以后我用中文和您说话。（Send “/language en” for English.）',
    current: '当前语言：中文。发送「语言 英文」或 /language en 可切换为英文。',
    unknownPerson: '我还不认识您：请先在您小区的居民群里说句话，或请管理员登记您，然后再设置语言。',
  },
  en: {
    switched: 'OK, I will write to you in English from now on. (发送「语言 中文」切换回中文。)',
    current: 'Current language: English. Send “/language zh” (or 语言 中文) for Chinese.',
    unknownPerson:
      'I do not know you yet: say something in your compound’s residents’ group first, or ask an admin to register you, then set your language.',
  },
};

export class LanguageChat implements ChatHandler {
  constructor(private readonly db: Db) {}

  async handle(ctx: InboundContext): Promise<boolean> {
    const m = ctx.message;
    let arg: string;
    if (m.command && COMMANDS.has(m.command.name.toLowerCase())) arg = m.command.args;
    else {
      const said = m.text ? TEXT.exec(m.text.trim()) : null;
      if (!said || !(m.chat.kind === 'private' || m.addressedToBot)) return false;
      // text takes only a language name: "语言暴力…" is someone's words for a flow, not a command
      if (!NAMES[said[1]!.trim().toLowerCase()]) return false;
      arg = said[1]!;
    }
    const wanted = NAMES[arg.trim().toLowerCase()];
    const person = ctx.person;
    if (!person) {
      await ctx.reply(TEXTS[wanted ?? 'zh-CN'].unknownPerson, { key: 'lang' });
      return true;
    }
    if (!wanted) {
      await ctx.reply(TEXTS[person.locale].current, { key: 'lang' });
      return true;
    }
    await this.db.transaction(async (tx) => {
      await setLocale(tx, person.id, wanted);
      await ctx.markIn(tx);
    });
    await ctx.reply(TEXTS[wanted].switched, { key: 'lang' });
    return true;
  }
}
