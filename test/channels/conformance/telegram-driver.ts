/**
 * Conformance driver for Telegram: the TelegramAdapter in long-polling mode against the fake Bot API
 * (test/fakes/telegram). Polling, not the webhook: updates pushed one after another reach the adapter
 * in that order (one getUpdates batch stream), which the ordering contract needs; concurrent webhook
 * POSTs may arrive in any order.
 */
import type { Message, Update } from 'grammy/types';
import { pino } from 'pino';
import { TelegramAdapter } from '../../../src/channels/telegram/telegram-adapter.js';
import type { ChatRef, InboundHandler, PersonRef } from '../../../src/kernel/chat/port.js';
import { type FakeUser, type NewUpdate, startFakeTelegram } from '../../fakes/telegram/index.js';
import type { ChannelDriver, DriverFactory, ObservedMessage } from './driver.js';

const TOKEN = '777000:conformance-token';
const GROUP = -1001234567890;
const GROUP_TITLE = 'Block 7';
const RESIDENT: FakeUser = { id: 42, first_name: 'Ann', last_name: 'Lee' };
const OTHER_BOT: FakeUser = { id: 999, first_name: 'Other Bot', username: 'other_bot', is_bot: true };
/** a group the bot was never in / was removed from: the fake answers 400 chat not found */
const UNKNOWN_GROUP = -1009999999999;

export const telegramDriver: DriverFactory = {
  name: 'telegram',
  async create(): Promise<ChannelDriver> {
    const fake = await startFakeTelegram({ token: TOKEN });
    fake.setChat(GROUP, 'supergroup', GROUP_TITLE);
    // Conformance is about the adapter, so the bot reads the whole group (an admin there) and the
    // resident has opened a private chat with it; what Telegram withholds and refuses otherwise is
    // tested in test/fakes/telegram-fake.test.ts and by the journeys.
    fake.setBotAdmin(GROUP);
    fake.startPrivateChat(RESIDENT.id);
    const adapter = new TelegramAdapter({
      token: fake.token,
      apiRoot: fake.url,
      botInfo: fake.botInfo,
      logger: pino({ level: 'silent' }),
    });

    /** queues the update and resolves once a getUpdates answer carried it to the adapter */
    const push = async (update: NewUpdate): Promise<void> => {
      const { update_id } = fake.pushUpdate(update);
      await fake.waitForCall('getUpdates', {
        predicate: (c) =>
          c.response?.ok === true && (c.response.result as Update[]).some((u) => u.update_id === update_id),
      });
    };
    const text = (chatId: number, from: FakeUser, t: string) =>
      push(fake.makeTextMessageUpdate({ chatId, from, text: t }));

    let stopped: Promise<void> | undefined;
    return {
      name: 'telegram',
      adapter,
      start: (handler: InboundHandler) => adapter.start(handler),
      groupChat: (): ChatRef => ({ externalId: String(GROUP), kind: 'group', title: GROUP_TITLE }),
      privateChat: (): ChatRef => ({ externalId: String(RESIDENT.id), kind: 'private' }),
      resident: (): PersonRef => ({
        externalId: String(RESIDENT.id),
        displayName: `${RESIDENT.first_name} ${RESIDENT.last_name}`,
      }),
      sayInGroup: (t, opts = {}) =>
        text(GROUP, RESIDENT, opts.mentionBot ? `@${fake.botInfo.username} ${t}` : t),
      sayPrivately: (t) => text(RESIDENT.id, RESIDENT, t),
      botSpeaksInGroup: (t) => text(GROUP, OTHER_BOT, t),
      pressChoice: async (sent, index) => {
        const chatId = Number(sent.chatId);
        const messageId = Number(sent.messageId);
        const message = fake.message(chatId, messageId);
        const button = message?.reply_markup?.inline_keyboard.flat()[index];
        if (!button || !('callback_data' in button)) {
          throw new Error(`telegram driver: message ${sent.messageId} has no button #${index}`);
        }
        await push(
          fake.makeCallbackQueryUpdate({ chatId, from: RESIDENT, data: button.callback_data, messageId }),
        );
      },
      received: () => fake.sentMessages().map((s) => observe(s.message)),
      unknownChat: (): ChatRef => {
        fake.failForChat(UNKNOWN_GROUP, { kind: 'chat_not_found' }, Number.POSITIVE_INFINITY);
        return { externalId: String(UNKNOWN_GROUP), kind: 'group' };
      },
      stop() {
        stopped ??= (async () => {
          try {
            await adapter.stop();
          } finally {
            await fake.close();
          }
        })();
        return stopped;
      },
    };
  },
};

/** The message as the chat's members see it: entities rendered, text mentions as user ids. */
function observe(m: Message): ObservedMessage {
  const entities = m.entities ?? m.caption_entities ?? [];
  const mentionIds: string[] = [];
  for (const e of entities) {
    if (e.type === 'text_mention') mentionIds.push(String(e.user.id));
    if (e.type === 'text_link') {
      const id = /^tg:\/\/user\?id=(\d+)$/.exec(e.url)?.[1];
      if (id) mentionIds.push(id);
    }
  }
  const observed: ObservedMessage = {
    chatId: String(m.chat.id),
    messageId: String(m.message_id),
    text: m.text ?? m.caption ?? '',
    mentionIds,
  };
  const keyboard = m.reply_markup?.inline_keyboard;
  if (keyboard) observed.buttons = keyboard.flat().map((b) => b.text);
  return observed;
}
