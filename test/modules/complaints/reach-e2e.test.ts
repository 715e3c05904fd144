/**
 * Reach, end to end on Telegram with the fake refusing what Telegram refuses: a private message to
 * someone who never started the bot (or blocked it) is answered 403, so a notice goes to their group
 * with an @-mention instead, a rating asked for there is a deep link into the private chat, and
 * someone with no route left is recorded as unreachable where admins and colleagues see it.
 * Scenes are set through the admin API and the chat only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeUser, SentMessage } from '../../fakes/telegram/index.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';

const RESIDENTS = -100661;
const HANDLERS = -100662;
const RESIDENT: FakeUser = { id: 5201, first_name: '钱', last_name: '芳' };
const HANDLER: FakeUser = { id: 9201, first_name: '孙磊' };
const COLLEAGUE: FakeUser = { id: 9202, first_name: '周静' };

describe('reach on Telegram: group fallback, deep links, unreachable on record', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  /** 阳光小区 with its residents' group bound and grid workers with Telegram accounts. */
  const scene = async (workers: FakeUser[], handlersGroup: boolean) => {
    t = await startTelegramLinli();
    const { json: api } = t;
    const sunshine = (await api('GET', '/orgs?kind=compound')).items.find(
      (o: { name: string }) => o.name === '阳光小区',
    );
    for (const u of workers) {
      const p = await api('POST', '/people', { name: u.first_name, orgId: sunshine.id });
      await api('POST', `/people/${p.id}/identities`, { channel: 'telegram', externalId: String(u.id) });
      await api('POST', `/orgs/${sunshine.id}/roles`, { personId: p.id, role: 'grid_worker' });
    }
    await api('POST', `/orgs/${sunshine.id}/chats`, {
      channel: 'telegram',
      externalChatId: String(RESIDENTS),
      purpose: 'residents',
    });
    if (handlersGroup) {
      await api('POST', `/orgs/${sunshine.id}/chats`, {
        channel: 'telegram',
        externalChatId: String(HANDLERS),
        purpose: 'handlers',
      });
    }
    return sunshine.id as number;
  };

  /** The resident speaks in the group once (so the bot knows them), then files a complaint privately. */
  const filePrivately = async () => {
    const { fake } = t!;
    const { next, press } = telegramChat(fake);
    const dm = (text: string) =>
      fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate({ chatId: RESIDENT.id, chatType: 'private', from: RESIDENT, text }),
      );
    await fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate({
        chatId: RESIDENTS,
        chatType: 'supergroup',
        from: RESIDENT,
        text: '/help',
      }),
    );
    await next(RESIDENTS, '');
    await dm('/complaint');
    const category = await next(RESIDENT.id, '您要反映哪一类问题');
    await press(RESIDENT.id, RESIDENT, category, '噪音扰民');
    await next(RESIDENT.id, '请简单说一下');
    for (const [answer, prompt] of [
      ['楼上装修到晚上十点', '问题在哪儿'],
      ['跳过', '现场照片'],
      ['跳过', '要匿名吗'],
      ['否', '请确认'],
      ['是', '已受理！'],
    ] as const) {
      await dm(answer);
      await next(RESIDENT.id, prompt);
    }
  };

  /** The next message that Telegram accepted into a chat (refused calls are not messages). */
  const delivered = async (chatId: number, contains: string): Promise<SentMessage> => {
    const { fake } = t!;
    let found: SentMessage | undefined;
    await expect
      .poll(
        () =>
          (found = fake
            .sentMessages()
            .find((m) => Number(m.chat_id) === chatId && (m.message.text ?? '').includes(contains))),
        { timeout: 15_000 },
      )
      .toBeDefined();
    return found!;
  };

  it('a handler who never started the bot is @-mentioned in the handlers’ group; a blocked reporter hears in the residents’ group and rates through the deep link', async () => {
    const orgId = await scene([HANDLER], true);
    const { fake, json: api } = t!;
    const { buttons } = telegramChat(fake);
    await filePrivately();

    // Telegram refuses the private notice (never started): it comes to the handlers' group instead
    const notice = await delivered(HANDLERS, '【新报事】');
    expect(notice.message.entities?.some((e) => e.type === 'text_mention' && e.user?.id === HANDLER.id)).toBe(
      true,
    );
    expect(fake.canMessagePrivately(HANDLER.id)).toBe(false);
    const row = (notice.reply_markup as { inline_keyboard: { text: string; callback_data?: string }[][] })
      .inline_keyboard;
    expect(row.flat().map((b) => b.text)).toEqual([
      '受理',
      '补充说明',
      '已处理',
      '转办',
      '私聊机器人，以后直接收到通知',
    ]);
    expect(fake.startLinkOf(notice)).toBe('hello');

    // the reporter blocks the bot; the handler accepts from the group
    fake.blockBot(RESIDENT.id);
    const accept = buttons({ params: notice.params } as never).find((b) => b.text === '受理')!;
    await fake.deliverUpdateToWebhook(
      fake.makeCallbackQueryUpdate({
        chatId: HANDLERS,
        from: HANDLER,
        data: accept.callback_data!,
        messageId: notice.message.message_id,
      }),
    );
    const told = await delivered(RESIDENTS, '已受理，正在处理');
    expect(told.message.entities?.some((e) => e.type === 'text_mention' && e.user?.id === RESIDENT.id)).toBe(
      true,
    );

    // the handler taps the deep link: the private chat opens, and the next notice goes there
    await fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate({
        chatId: HANDLER.id,
        chatType: 'private',
        from: HANDLER,
        text: '/start hello',
      }),
    );
    await delivered(HANDLER.id, '');
    const [complaint] = (await api('GET', `/complaints?orgId=${orgId}`)).items;
    await api('POST', `/complaints/${complaint.id}/actions`, { action: 'resolve' });

    // resolved: the rating is asked for in the group as a deep link, never as a button to press there
    const rate = await delivered(RESIDENTS, '已处理完毕，请您评价');
    expect(fake.startLinkOf(rate)).toBe(`rate-${complaint.id}`);
    expect(
      (rate.reply_markup as { inline_keyboard: { callback_data?: string }[][] }).inline_keyboard
        .flat()
        .some((b) => b.callback_data),
    ).toBe(false);
    // tapping it opens (and unblocks) the private chat with /start rate-<id>: the rating goes on there
    await fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate({
        chatId: RESIDENT.id,
        chatType: 'private',
        from: RESIDENT,
        text: `/start rate-${complaint.id}`,
      }),
    );
    await delivered(RESIDENT.id, '您对这次处理结果满意吗');

    // the refused deliveries are on record, each naming the group message sent instead
    const rerouted = (await api('GET', `/deliveries?orgId=${orgId}&status=rerouted`)).items;
    expect(rerouted.map((d: { subject: string }) => d.subject).sort()).toEqual([
      `complaint:${complaint.id}:handler`,
      `complaint:${complaint.id}:reporter`,
      `complaint:${complaint.id}:reporter`,
    ]);
    for (const d of rerouted) {
      expect(d.lastError).toMatch(/^permanent: (not_started|blocked): /);
      expect(d.reroutedTo).toEqual(expect.any(Number));
    }
  }, 90_000);

  it('a handler with no route at all is unreachable: on the delivery, on the timeline, and told to a colleague', async () => {
    const orgId = await scene([HANDLER, COLLEAGUE], false);
    const { fake, json: api } = t!;
    fake.startPrivateChat(COLLEAGUE.id); // the colleague once tapped Start; the handler never did
    await filePrivately();

    await delivered(COLLEAGUE.id, '【新报事】');
    const word = await delivered(COLLEAGUE.id, '【处理人联系不上】');
    expect(word.message.text).toContain('孙磊');
    expect(word.message.text).toContain('还没有和机器人开始私聊');

    const unreachable = (await api('GET', `/deliveries?orgId=${orgId}&status=unreachable`)).items;
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]).toMatchObject({
      chatExternalId: String(HANDLER.id),
      lastError: expect.stringMatching(/^permanent: not_started: /),
    });
    const [complaint] = (await api('GET', `/complaints?orgId=${orgId}`)).items;
    const detail = await api('GET', `/complaints/${complaint.id}`);
    const event = detail.events.find((e: { type: string }) => e.type === 'unreachable');
    expect(event.note).toContain('未能通知处理人 孙磊：还没有和机器人开始私聊');
    // a record, not a change: the complaint still waits for acceptance
    expect(detail.status).toBe('submitted');
  }, 90_000);
});
