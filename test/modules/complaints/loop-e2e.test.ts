import { afterEach, describe, expect, it } from 'vitest';
import type { FakeUser } from '../../fakes/telegram/index.js';
import type { SentMessage } from '../../fakes/telegram/server.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';

const GROUP = -100555;
const RESIDENT: FakeUser = { id: 5101, first_name: '赵', last_name: '敏' };
const HANDLER: FakeUser = { id: 9101, first_name: '李强' };

describe('the closed loop in chat: file, handler accepts and resolves by button, reporter rates', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('notifies reporter, handlers and the group; 不满意 reopens the complaint', async () => {
    t = await startTelegramLinli();
    const { fake, json: api } = t;
    // The handler opened a private chat with the bot (tapped Start); reach-e2e.test.ts follows a handler
    // who never did. The reporter never did: they open it by tapping the deep link the bot answers
    // /complaint in the group with.
    fake.startPrivateChat(HANDLER.id);
    const sunshine = (await api('GET', '/orgs?kind=compound')).items.find(
      (o: { name: string }) => o.name === '阳光小区',
    );
    // the demo's grid worker of 阳光小区 gets a Telegram identity: handler notifications reach them
    const worker = (await api('GET', `/people?q=${encodeURIComponent('阳光网格员')}`)).items[0];
    await api('POST', `/people/${worker.id}/identities`, {
      channel: 'telegram',
      externalId: String(HANDLER.id),
    });
    await api('POST', `/orgs/${sunshine.id}/chats`, {
      channel: 'telegram',
      externalChatId: String(GROUP),
      purpose: 'residents',
    });

    const { next, buttons, press } = telegramChat(fake);
    const say = (text: string, chatId = RESIDENT.id) =>
      fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate(
          chatId === GROUP
            ? { chatId, chatType: 'supergroup', from: RESIDENT, text }
            : { chatId, chatType: 'private', from: RESIDENT, text },
        ),
      );

    // /complaint in the group: one message with a deep link; tapped, the filing goes on privately
    await say('/complaint', GROUP);
    const offer = await next(GROUP, '报事请私聊我');
    await say(
      `/start ${fake.startLinkOf({ reply_markup: offer.params.reply_markup } as unknown as SentMessage)}`,
    );
    const category = await next(RESIDENT.id, '您要反映哪一类问题');
    await press(RESIDENT.id, RESIDENT, category, '电梯');
    await next(RESIDENT.id, '请简单说一下');
    for (const [answer, prompt] of [
      ['2号电梯按钮失灵', '问题在哪儿'],
      ['跳过', '现场照片'],
      ['跳过', '要匿名吗'],
      ['否', '请确认'],
      ['是', '已受理！'],
    ] as const) {
      await say(answer);
      await next(RESIDENT.id, prompt);
    }

    // the level's handler hears of it privately, with buttons; the group sees a notice without names
    const notice = await next(HANDLER.id, '【新报事】');
    expect(buttons(notice).map((b) => b.text)).toEqual(['受理', '补充说明', '已处理', '转办']);
    const groupNotice = await next(GROUP, '【报事进展】电梯 · 公共区域 · 已提交');
    expect(String(groupNotice.params.text)).not.toContain('赵');

    await press(HANDLER.id, HANDLER, notice, '受理');
    await next(HANDLER.id, '已受理');
    await next(RESIDENT.id, '已受理，正在处理');
    await press(HANDLER.id, HANDLER, notice, '受理'); // again: the loop refuses a second accept
    await next(HANDLER.id, '状态已经变了');
    // a note from chat, through the built-in note flow
    await press(HANDLER.id, HANDLER, notice, '补充说明');
    await next(HANDLER.id, '请写下处理情况');
    await fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate({
        chatId: HANDLER.id,
        chatType: 'private',
        from: HANDLER,
        text: '已联系电梯公司，明早维修',
      }),
    );
    await next(HANDLER.id, '现场照片');
    await fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate({ chatId: HANDLER.id, chatType: 'private', from: HANDLER, text: '跳过' }),
    );
    await next(HANDLER.id, '已记录到报事');
    await press(HANDLER.id, HANDLER, notice, '已处理');
    const rate = await next(RESIDENT.id, '已处理完毕，请您评价');

    // the reporter rates privately: 不满意 reopens it
    await press(RESIDENT.id, RESIDENT, rate, '评价');
    const score = await next(RESIDENT.id, '您对这次处理结果满意吗');
    await press(RESIDENT.id, RESIDENT, score, '不满意');
    await next(RESIDENT.id, '还有什么想说的吗');
    await fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate({
        chatId: RESIDENT.id,
        chatType: 'private',
        from: RESIDENT,
        text: '按钮还是坏的',
      }),
    );
    await next(RESIDENT.id, '已重新打开');
    const list = await api('GET', `/complaints?orgId=${sunshine.id}`);
    expect(list.items[0]).toMatchObject({
      status: 'reopened',
      rating: 'dissatisfied',
      level: 'compound',
      reopenCount: 1,
    });
    const detail = await api('GET', `/complaints/${list.items[0].id}`);
    expect(detail.events.map((e: { type: string }) => e.type)).toEqual([
      'submitted',
      'accept',
      'note',
      'resolve',
      'reopen',
    ]);
    expect(detail.events[2].note).toBe('已联系电梯公司，明早维修');
  }, 90_000);
});
