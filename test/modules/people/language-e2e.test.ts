import { afterEach, describe, expect, it } from 'vitest';
import type { FakeUser } from '../../fakes/telegram/index.js';
import type { SentMessage } from '../../fakes/telegram/server.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';

const GROUP = -100556;
const RESIDENT: FakeUser = { id: 5201, first_name: 'Tom' };
const HANDLER: FakeUser = { id: 9201, first_name: 'Alice' };

describe('a person chooses their language in chat, and complaint notices follow it', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('/language en and 语言 英文 switch to English (answered in English); the people API switches back', async () => {
    t = await startTelegramLinli();
    const { fake, json: api } = t;
    const sunshine = (await api('GET', '/orgs?kind=compound')).items.find(
      (o: { name: string }) => o.name === '阳光小区',
    );
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
    const privately = (from: FakeUser, text: string) =>
      fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate({ chatId: from.id, chatType: 'private', from, text }),
      );
    const inGroup = (text: string) =>
      fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate({ chatId: GROUP, chatType: 'supergroup', from: RESIDENT, text }),
      );

    // the handler switches by command; a bare command tells the current language
    await privately(HANDLER, '/language');
    await next(HANDLER.id, '当前语言：中文');
    await privately(HANDLER, '/language en');
    await next(HANDLER.id, 'I will write to you in English');
    expect((await api('GET', `/people/${worker.id}`)).locale).toBe('en');

    // the resident starts in the group (they are registered by writing there), taps the deep link
    // the bot answers with, and files in Chinese privately …
    await inGroup('/complaint');
    const offer = await next(GROUP, '报事请私聊我');
    await privately(
      RESIDENT,
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
      await privately(RESIDENT, answer);
      await next(RESIDENT.id, prompt);
    }
    // … and then switches to English privately, in Chinese words
    await privately(RESIDENT, '语言 英文');
    await next(RESIDENT.id, 'I will write to you in English');

    const notice = await next(HANDLER.id, '[New report]');
    expect(buttons(notice).map((b) => b.text)).toEqual(['Accept', 'Add a note', 'Resolved', 'Transfer']);
    await next(GROUP, '【报事进展】电梯 · 公共区域 · 已提交'); // the group stays Chinese
    await press(HANDLER.id, HANDLER, notice, 'Accept');
    await next(HANDLER.id, 'accepted.');
    await next(RESIDENT.id, 'was accepted and is being handled');
    await press(HANDLER.id, HANDLER, notice, 'Resolved');
    const resolved = await next(RESIDENT.id, 'has been resolved. Please rate');
    expect(buttons(resolved).map((b) => b.text)).toEqual(['Rate']);

    // an admin sets the handler back to Chinese; a bad value names the field, an empty body is refused
    const bad = await t.api('PATCH', `/people/${worker.id}`, { locale: 'fr' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('locale');
    expect((await t.api('PATCH', `/people/${worker.id}`, {})).status).toBe(400);
    expect((await api('PATCH', `/people/${worker.id}`, { locale: 'zh-CN' })).locale).toBe('zh-CN');
    const audit = await api('GET', `/audit?action=person.update&objectType=person&objectId=${worker.id}`);
    expect(audit.items[0]).toMatchObject({ before: { locale: 'en' }, after: { locale: 'zh-CN' } });

    // "语言…" that is not a language goes on to the flows, untouched: the next /language is the
    // first to answer with the current language (one chat's messages are handled in order)
    await privately(RESIDENT, '语言暴力也算吗');
    await privately(RESIDENT, '/language');
    await next(RESIDENT.id, 'Current language: English');
    const told = fake
      .callsOf('sendMessage')
      .filter(
        (c) => Number(c.params.chat_id) === RESIDENT.id && String(c.params.text).includes('Current language'),
      );
    expect(told).toHaveLength(1);
  }, 120_000);
});
