import type { FakeTelegram, FakeUser } from '../fakes/telegram/index.js';

/**
 * A private message carrying a shared contact, as Telegram sends it when the user taps a
 * request_contact keyboard button (or forwards someone's card): built from the fake's text message
 * (so chat, ids and sender are the fake's own) with the text swapped for `contact`.
 * `userId` is whose Telegram account the number is (the sender's own when they share themselves).
 */
export function contactUpdate(
  fake: FakeTelegram,
  from: FakeUser,
  contact: { phone: string; userId?: number; firstName?: string },
) {
  const update = fake.makeTextMessageUpdate({ chatId: from.id, chatType: 'private', from, text: '.' });
  const message = { ...update.message! } as Record<string, unknown>;
  delete message.text;
  delete message.entities;
  message.contact = {
    phone_number: contact.phone,
    first_name: contact.firstName ?? from.first_name,
    ...(contact.userId === undefined ? {} : { user_id: contact.userId }),
  };
  return { message } as unknown as Parameters<FakeTelegram['deliverUpdateToWebhook']>[0];
}
