import type { InboundContext } from '../../kernel/chat/dispatcher.js';
import { type AckOutcome, ackButton } from './commands/acknowledge.js';
import type { ReminderService } from './commands/reminders.js';

/**
 * The 收到 button of a reminder (Telegram), its numbered reply (WeChat private chats), or a plain
 * 收到 in a residents' group answering the latest group reminder there (WeChat groups): payload
 * `rm:<reminder>:<occurrence epoch ms>`. Recorded once per person per occurrence; a second press
 * gets "already", someone the reminder was not sent to gets a clear refusal and nothing recorded.
 */
const GROUP_ACK = /^收到[!！。.~～]*$/;
const REPLIES: Record<AckOutcome | 'unknown', { zh: string; en: string }> = {
  acked: { zh: '已确认收到，谢谢！', en: 'Acknowledged, thank you!' },
  already: { zh: '您已经确认过这条提醒了。', en: 'You have already acknowledged this reminder.' },
  not_recipient: { zh: '这条提醒不是发给您的，无需确认。', en: 'This reminder was not sent to you.' },
  gone: { zh: '这条提醒已取消。', en: 'This reminder has been cancelled.' },
  unknown: { zh: '未找到您的登记信息，无法确认。', en: 'We could not find you; nothing was recorded.' },
};

export class ReminderChatActions {
  constructor(private readonly reminders: ReminderService) {}

  /** True when the message was a reminder acknowledgement (answered either way). */
  async handle(ctx: InboundContext): Promise<boolean> {
    const m = ackButton.read(ctx.message.choice ?? '');
    const say = (o: AckOutcome | 'unknown') =>
      ctx.reply(ctx.person?.locale === 'en' ? REPLIES[o].en : REPLIES[o].zh, { key: 'rm' });
    if (!m) {
      // a WeChat residents' group: no numbered choices there, a plain 收到 answers the latest reminder
      if (ctx.chat?.purpose !== 'residents' || ctx.message.chat.kind !== 'group' || !ctx.person) return false;
      if (!GROUP_ACK.test(ctx.message.text?.trim() ?? '')) return false;
      const outcome = await this.reminders.acknowledgeInGroup(ctx.person.id, {
        channel: ctx.message.channel,
        externalId: ctx.message.chat.externalId,
      });
      if (outcome === null) return false;
      await say(outcome);
      return true;
    }
    if (!ctx.person) {
      await say('unknown');
      return true;
    }
    const outcome = await this.reminders.acknowledge(ctx.person.id, m.reminder, new Date(m.at), {
      channel: ctx.message.channel,
      externalId: ctx.message.chat.externalId,
    });
    await say(outcome);
    return true;
  }
}
