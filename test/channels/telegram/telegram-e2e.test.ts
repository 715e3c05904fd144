import { afterEach, describe, expect, it } from 'vitest';
import type { FakeTelegram } from '../../fakes/telegram/index.js';
import { startTelegramLinli, type TelegramLinli } from '../../support/telegram-linli.js';

const SECRET = 'hook-secret_42';

describe('Linli with Telegram, end to end through the fake Bot API', () => {
  let fake: FakeTelegram;
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  const boot = async (mode: 'webhook' | 'polling') => {
    t = await startTelegramLinli({
      webhook: mode === 'webhook',
      env: mode === 'webhook' ? { TELEGRAM_WEBHOOK_SECRET: SECRET } : {},
    });
    fake = t.fake;
    const { base, api } = t;
    const compound = (await api('GET', '/orgs?kind=compound')).body.items[0];
    return { base, api, compound };
  };

  it("a bind code's startgroup link: the group an admin adds the bot to binds itself with the code", async () => {
    const { api, compound } = await boot('webhook');
    const made = (await api('POST', `/orgs/${compound.id}/bind-codes`, { purpose: 'residents' })).body;
    expect(made.telegramStartGroupUrl).toBe(`https://t.me/test_bot?startgroup=${made.code}`);
    const added = fake.startGroupUpdate(made.telegramStartGroupUrl, {
      chatId: -100777,
      chatTitle: '阳光二期业主群',
      from: { id: 5003, first_name: '李', last_name: '强' },
    });
    expect((await fake.deliverUpdateToWebhook(added)).status).toBe(200);
    const confirm = await fake.waitForCall('sendMessage', {
      timeoutMs: 10_000,
      predicate: (c) => String(c.params.chat_id) === '-100777',
    });
    expect(String(confirm.params.text)).toContain('绑定成功：本群现为「阳光小区」的居民群。');
    const chats = await api('GET', `/orgs/${compound.id}/chats`);
    expect(chats.body.items).toEqual([
      expect.objectContaining({ channel: 'telegram', externalChatId: '-100777', purpose: 'residents' }),
    ]);
    // a private chat's deep link sent in a group is no bind code: nothing is bound by it
    const deepLink = fake.makeTextMessageUpdate({
      chatId: -100778,
      chatType: 'supergroup',
      from: { id: 5003, first_name: '李' },
      text: '/start@test_bot complaint',
    });
    expect((await fake.deliverUpdateToWebhook(deepLink)).status).toBe(200);
    expect((await api('GET', `/orgs/${compound.id}/chats`)).body.items).toHaveLength(1);
  });

  it('webhook mode: a group binds itself with a code, and a resident is registered on first message', async () => {
    const { base, api, compound } = await boot('webhook');
    expect(fake.webhook()).toMatchObject({ url: `${base}/telegram/webhook`, secretToken: SECRET });
    const code = (await api('POST', `/orgs/${compound.id}/bind-codes`, { purpose: 'residents' })).body.code;
    const from = { id: 5001, first_name: '张', last_name: '伟' };

    const wrongSecret = await fake.postUpdateToWebhook(
      `${base}/telegram/webhook`,
      fake.makeTextMessageUpdate({
        chatId: -100123,
        chatType: 'supergroup',
        chatTitle: '阳光业主群',
        from,
        text: `/bind ${code}`,
      }),
      'wrong',
    );
    expect(wrongSecret.status).toBe(401);

    const bind = {
      ...fake.makeTextMessageUpdate({
        chatId: -100123,
        chatType: 'supergroup',
        chatTitle: '阳光业主群',
        from,
        text: `/bind ${code}`,
      }),
      update_id: 9001,
    };
    expect((await fake.deliverUpdateToWebhook(bind)).status).toBe(200);
    expect((await fake.deliverUpdateToWebhook(bind)).status).toBe(200); // Telegram resends: handled once
    const confirm = await fake.waitForCall('sendMessage', { timeoutMs: 10_000 });
    expect(String(confirm.params.text)).toContain('绑定成功：本群现为「阳光小区」的居民群。');
    // privacy mode: the people binding the group are told how to let the bot read it
    expect(String(confirm.params.text)).toContain('请把我设为群管理员');
    expect(String(confirm.params.text)).toContain('tg://user?id=5001');

    const chats = await api('GET', `/orgs/${compound.id}/chats`);
    expect(chats.body.items).toEqual([
      expect.objectContaining({ channel: 'telegram', externalChatId: '-100123', purpose: 'residents' }),
    ]);

    await fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate({
        chatId: -100123,
        chatType: 'supergroup',
        from: { id: 5002, first_name: '王芳' },
        text: '大家好',
      }),
    );
    await expect
      .poll(
        async () =>
          (await api('GET', `/people?orgId=${compound.id}&q=${encodeURIComponent('王芳')}`)).body.items
            .length,
        {
          timeout: 10_000,
        },
      )
      .toBeGreaterThan(0);

    const deliveries = await api('GET', '/deliveries?status=sent');
    expect(deliveries.body.items).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.callsOf('sendMessage')).toHaveLength(1);
  }, 60_000);

  it('a resident whose name and message hold U+0000 and a lone surrogate is registered and answered', async () => {
    const { api, compound } = await boot('webhook');
    const code = (await api('POST', `/orgs/${compound.id}/bind-codes`, { purpose: 'residents' })).body.code;
    const group = { chatId: -100777, chatType: 'supergroup' as const, chatTitle: '阳光\u0000业主群' };
    const bind = await fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate({
        ...group,
        from: { id: 5101, first_name: '管理员' },
        text: `/bind ${code}`,
      }),
    );
    expect(bind.status).toBe(200);
    expect(String((await fake.waitForCall('sendMessage', { timeoutMs: 10_000 })).params.text)).toContain(
      '绑定成功',
    );

    const from = { id: 5102, first_name: '钱\u0000', last_name: '七\ud800' };
    const said = await fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate({ ...group, from, text: '/complaint\u0000' }),
    );
    expect(said.status).toBe(200);
    const prompt = await fake.waitForCall('sendMessage', {
      timeoutMs: 10_000,
      predicate: (c) => String(c.params.text).includes('tg://user?id=5102'),
    });
    // the one answer in the group: the way into the private chat, where the report is taken
    expect(String(prompt.params.text)).toContain('为保护您的隐私，报事请私聊我');
    const people = (await api('GET', `/people?orgId=${compound.id}&q=${encodeURIComponent('钱')}`)).body
      .items;
    expect(people.map((p: { name: string }) => p.name)).toEqual(['钱 七\ufffd']);
    const chats = (await api('GET', `/orgs/${compound.id}/chats`)).body.items;
    expect(chats).toEqual([expect.objectContaining({ externalChatId: '-100777', title: '阳光业主群' })]);
  }, 60_000);

  it('polling mode: an unbound group gets one explanation, not one per message', async () => {
    await boot('polling');
    const from = { id: 6001, first_name: 'Li' };
    // with privacy mode on, what reaches the bot from a group is commands and mentions of it
    for (const text of ['/complaint', `@${fake.botInfo.username} 电梯坏了，有人管吗`, '/help']) {
      fake.pushUpdate(fake.makeTextMessageUpdate({ chatId: -100999, chatType: 'group', from, text }));
    }
    const explain = await fake.waitForCall('sendMessage', { timeoutMs: 10_000 });
    expect(String(explain.params.text)).toContain('本群还没有绑定小区');
    await new Promise((r) => setTimeout(r, 1000));
    expect(fake.callsOf('sendMessage')).toHaveLength(1);
  }, 60_000);
});
