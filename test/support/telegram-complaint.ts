import type { FakeTelegram, FakeUser } from '../fakes/telegram/index.js';
import type { SentMessage } from '../fakes/telegram/server.js';
import type { TelegramLinli, telegramChat } from './telegram-linli.js';

/**
 * A resident files a lift complaint as a person does on Telegram: /complaint in the residents'
 * group, the deep link into the private chat, then each answer of the built-in flow, every prompt
 * awaited before the next answer.
 */
export async function fileLiftComplaint(
  fake: FakeTelegram,
  chat: ReturnType<typeof telegramChat>,
  group: number,
  resident: FakeUser,
  description: string,
  /** sent as the photo of the scene (bytes of an image) instead of skipping it */
  photo?: Buffer,
): Promise<void> {
  const { next, press } = chat;
  const say = (text: string, chatId = resident.id) =>
    fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate(
        chatId === group
          ? { chatId, chatType: 'supergroup', from: resident, text }
          : { chatId, chatType: 'private', from: resident, text },
      ),
    );
  await say('/complaint', group);
  const offer = await next(group, '报事请私聊我');
  await say(
    `/start ${fake.startLinkOf({ reply_markup: offer.params.reply_markup } as unknown as SentMessage)}`,
  );
  await press(resident.id, resident, await next(resident.id, '您要反映哪一类问题'), '电梯');
  await next(resident.id, '请简单说一下');
  await say(description);
  await next(resident.id, '问题在哪儿');
  await say('跳过'); // a common area
  await next(resident.id, '现场照片');
  if (photo)
    await fake.deliverUpdateToWebhook(
      fake.makePhotoMessageUpdate({ chatId: resident.id, chatType: 'private', from: resident, bytes: photo }),
    );
  else await say('跳过');
  await next(resident.id, '要匿名吗');
  await say('否');
  await next(resident.id, '请确认');
  await say('是');
  await next(resident.id, '已受理！');
}

/**
 * The scene of a handlers' test on Telegram, set as an admin and the people would: 阳光小区 (the
 * demo seed's), each user registered there with their Telegram id and `role`, each having opened a
 * private chat with the bot, and `group` bound as its residents' group. Returns the compound's id
 * and the people's ids by first name.
 */
export async function sunshineHandlers(
  t: TelegramLinli,
  group: number,
  users: FakeUser[],
  role = 'property_manager',
): Promise<{ compound: { id: number; parentId: number }; people: Record<string, number> }> {
  const { fake, json } = t;
  const compound = (await json('GET', '/orgs?kind=compound')).items.find(
    (o: { name: string }) => o.name === '阳光小区',
  );
  const people: Record<string, number> = {};
  for (const u of users) {
    const p = await json('POST', '/people', { name: u.first_name, orgId: compound.id });
    await json('POST', `/people/${p.id}/identities`, { channel: 'telegram', externalId: String(u.id) });
    await json('POST', `/orgs/${compound.id}/roles`, { personId: p.id, role });
    fake.startPrivateChat(u.id);
    people[u.first_name] = p.id;
  }
  await json('POST', `/orgs/${compound.id}/chats`, {
    channel: 'telegram',
    externalChatId: String(group),
    purpose: 'residents',
  });
  return { compound, people };
}
