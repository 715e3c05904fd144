/**
 * The built-in complaint flow (报事/投诉) end to end, on both channels:
 *
 * - Telegram: `startLinli` against the fake Bot API in webhook mode. Two residents of one group, who
 *   never started the bot, write /complaint in the group; each gets one message with a deep link
 *   into the private chat, taps it (`/start complaint`), and files there at the same time as the
 *   other, answering with inline buttons (callback queries carrying the `opt:<code>` payload of the
 *   bot's own message to them) and with replies to the bot's force_reply prompts. Linli is stopped
 *   and started again on the same DATA_DIR (the embedded PGlite persists) in the middle; both
 *   conversations go on where they were and end with distinct numbers; one of them anonymous.
 * - WeChat: the Wechaty mock → WechatAdapter (DbChoiceMemory) → InboundDispatcher → FlowEngine →
 *   Outbox → outbound worker → the mock room. 投诉 in the room gets one message asking to add the bot
 *   and message it privately, or answer 1 to go on in the group without anonymity: one resident goes
 *   on in the group (no anonymity question), the other adds the bot and files privately. Categories come as numbered lines ("回复 1、2 … 或 N")
 *   answered by a bare (half- or full-width) number; a wrong answer gets a re-prompt saying why; all
 *   objects are rebuilt in the middle on the same database while numbered choices are pending.
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup, Message } from 'grammy/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { types } from 'wechaty';
import type { Services } from '../../../src/app/modules.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { DEFAULT_CATEGORIES } from '../../../src/modules/complaints/categories.js';
import { findPersonByIdentity } from '../../../src/modules/people/repository.js';
import type { CallRecord, FakeTelegram, FakeUser } from '../../fakes/telegram/index.js';
import type { SentMessage as TelegramSentMessage } from '../../fakes/telegram/server.js';
import type { ContactMock, RoomMock, SentMessage, WechatMock } from '../../fakes/wechat/harness.js';
import { SHANGHAI, seedCompoundChain } from '../../support/org-chain.js';
import { startTelegramLinli, type TelegramLinli } from '../../support/telegram-linli.js';
import { until } from '../../support/until.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

const NUMBER = /已受理！您的报事编号是 (\d{8}-\d{4})。/;
const CATEGORY_PROMPT = '您好，您要反映哪一类问题？';
const label = (code: string) => DEFAULT_CATEGORIES.find((c) => c.code === code)!.zh;

type ComplaintRow = {
  number: string;
  category: string;
  description: string;
  building: string | null;
  unit: string | null;
  room: string | null;
  anonymous: boolean;
  photos: string[];
  reporter_id: number;
  channel: string | null;
};
const complaints = async (db: Db) =>
  (
    await db.query<ComplaintRow>(
      `SELECT number, category, description, building, unit_no AS unit, room, anonymous, photos,
         reporter_id::int AS reporter_id, channel
       FROM linli.complaints ORDER BY id`,
    )
  ).rows;

// ------------------------------------------------------------------------------------------------
// Telegram
// ------------------------------------------------------------------------------------------------

const SECRET = 'complaint-hook_secret';
const GROUP = -1001234567890;

/** One message the bot sent to one resident (in the group, text-mentioning them). */
interface BotPrompt {
  messageId: number;
  /** plain text as Telegram shows it (mention resolved) */
  text: string;
  buttons: InlineKeyboardButton.CallbackButton[];
  forceReply: boolean;
  /** the payload of its deep-link button into the private chat, if it has one */
  startLink: string | undefined;
  call: CallRecord;
}

describe('complaint flow on Telegram, through startLinli and the fake Bot API (webhook)', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('two residents of one group file complaints side by side, across a restart, each getting their own number', async () => {
    t = await startTelegramLinli({ env: { TELEGRAM_WEBHOOK_SECRET: SECRET } });
    const { fake: tg, base, api } = t;
    let linli = t.linli;
    const compounds = (await api<{ items: { id: number; name: string }[] }>('GET', '/orgs?kind=compound'))
      .body.items;
    const sunshine = compounds.find((c) => c.name === '阳光小区')!;
    expect(sunshine).toBeDefined();

    const zhang: FakeUser = { id: 7101, first_name: '张', last_name: '伟' };
    const wang: FakeUser = { id: 7102, first_name: '王芳' };

    const deliver = async (update: ReturnType<FakeTelegram['makeTextMessageUpdate']>) => {
      const res = await tg.deliverUpdateToWebhook(update);
      expect(res.status).toBe(200); // the webhook answers once the update is handled
    };
    const sayInGroup = (from: FakeUser, text: string) =>
      deliver(
        tg.makeTextMessageUpdate({
          chatId: GROUP,
          chatType: 'supergroup',
          chatTitle: '阳光业主群',
          from,
          text,
        }),
      );
    /** `from` writes in their private chat with the bot */
    const say = (from: FakeUser, text: string, replyTo?: BotPrompt) =>
      deliver(
        tg.makeTextMessageUpdate({
          chatId: from.id,
          from,
          text,
          ...(replyTo ? { replyToMessageId: replyTo.messageId } : {}),
        }),
      );
    const press = (from: FakeUser, prompt: BotPrompt, data: string) => {
      expect(prompt.buttons.map((b) => b.callback_data)).toContain(data);
      return deliver(
        tg.makeCallbackQueryUpdate({ chatId: from.id, from, data, messageId: prompt.messageId }),
      );
    };
    /** the button of `prompt` labelled `text` (its payload is what a press sends back) */
    const button = (prompt: BotPrompt, text: string) => {
      const b = prompt.buttons.find((x) => x.text === text);
      expect(b, `a button "${text}" in ${JSON.stringify(prompt.buttons)}`).toBeDefined();
      return b!.callback_data;
    };

    /** sendMessage calls the prompts were already taken from, so each prompt is taken once */
    const taken = new Set<CallRecord>();
    /** the bot's next message (not taken yet) to `user`: in their private chat, or in the group (@-mentioning them) */
    const nextPrompt = async (user: FakeUser, where: 'private' | 'group' = 'private'): Promise<BotPrompt> => {
      const call = await tg.waitForCall('sendMessage', {
        timeoutMs: 15_000,
        predicate: (c) =>
          !taken.has(c) &&
          c.response?.ok === true &&
          (where === 'private'
            ? Number(c.params.chat_id) === user.id
            : Number(c.params.chat_id) === GROUP &&
              String(c.params.text).includes(`tg://user?id=${user.id}`)),
      });
      taken.add(call);
      const message = (call.response as { result: Message }).result;
      const markup = call.params.reply_markup as
        | (Partial<InlineKeyboardMarkup> & { force_reply?: boolean })
        | undefined;
      return {
        messageId: message.message_id,
        text: message.text ?? '',
        buttons: (markup?.inline_keyboard ?? []).flat() as InlineKeyboardButton.CallbackButton[],
        forceReply: markup?.force_reply === true,
        startLink: tg.startLinkOf({ reply_markup: markup } as unknown as TelegramSentMessage),
        call,
      };
    };

    // the residents' group binds itself with a code
    const code = (
      await api<{ code: string }>('POST', `/orgs/${sunshine.id}/bind-codes`, { purpose: 'residents' })
    ).body.code;
    await sayInGroup(zhang, `/bind ${code}`);
    expect((await nextPrompt(zhang, 'group')).text).toContain('绑定成功：本群现为「阳光小区」的居民群。');

    // both write /complaint in the group (neither has started the bot): one message each, in the
    // group, with a deep link into the private chat and nothing to answer there
    await sayInGroup(zhang, '/complaint');
    await sayInGroup(wang, '/complaint');
    for (const user of [zhang, wang]) {
      const offer = await nextPrompt(user, 'group');
      expect(offer.text).toContain('为保护您的隐私，报事请私聊我：点下面的按钮继续（可以匿名）。');
      expect(offer.startLink).toBe('complaint');
      expect(offer.buttons.filter((b) => b.callback_data)).toEqual([]);
    }
    // they tap it: Telegram opens the private chat and sends /start complaint there
    await say(zhang, '/start complaint');
    await say(wang, '/start complaint');

    // each gets the categories as inline buttons, with opt:<code> payloads, privately
    const zCategory = await nextPrompt(zhang);
    const wCategory = await nextPrompt(wang);
    for (const p of [zCategory, wCategory]) {
      expect(p.text).toContain(CATEGORY_PROMPT);
      // each payload names its conversation and step: opt:<conversation>.<seq>:<code>
      expect(p.buttons.map((b) => [b.text, b.callback_data.replace(/^opt:\d+\.\d+:/, 'opt:')])).toEqual(
        DEFAULT_CATEGORIES.map((c) => [c.zh, `opt:${c.code}`]),
      );
    }
    expect([zCategory.call.params.chat_id, wCategory.call.params.chat_id].map(Number)).toEqual([
      zhang.id,
      wang.id,
    ]);

    // interleaved answers: 张伟 公共设施维修, 王芳 停车 (each presses a button of their own prompt)
    await press(zhang, zCategory, button(zCategory, label('repairs')));
    await press(wang, wCategory, button(wCategory, label('parking')));
    expect(button(zCategory, label('repairs'))).toMatch(/^opt:\d+\.\d+:repairs$/);
    const zDescription = await nextPrompt(zhang);
    const wDescription = await nextPrompt(wang);
    for (const p of [zDescription, wDescription]) {
      expect(p.text).toContain('请简单说一下是什么问题');
      expect(p.forceReply).toBe(true);
      expect(p.buttons).toEqual([]);
    }
    await say(wang, '楼下总有车堵消防通道', wDescription);
    await say(zhang, '楼道灯坏了好几天了', zDescription);
    const zLocationBefore = await nextPrompt(zhang);
    const wLocationBefore = await nextPrompt(wang);
    for (const p of [zLocationBefore, wLocationBefore]) {
      expect(p.text).toContain('问题在哪儿？');
      expect(p.forceReply).toBe(true);
    }

    // restart on the same DATA_DIR: nothing of the two conversations is lost
    await until(
      async () =>
        (
          await linli.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM linli.deliveries WHERE status <> 'sent'`,
          )
        ).rows[0]!.n === 0,
      'every delivery to be sent before the stop',
    );
    linli = await t.restart();
    expect(tg.webhook()).toMatchObject({ url: `${base}/telegram/webhook`, secretToken: SECRET });
    {
      const { rows } = await linli.db.query<{ step: string; status: string }>(
        `SELECT step, status, chat_kind FROM linli.conversations WHERE channel = 'telegram' ORDER BY id`,
      );
      // the group's conversations ended with their one message; the private ones go on
      expect(rows).toEqual([
        { step: 'go_private', status: 'completed', chat_kind: 'group' },
        { step: 'go_private', status: 'completed', chat_kind: 'group' },
        { step: 'location', status: 'active', chat_kind: 'private' },
        { step: 'location', status: 'active', chat_kind: 'private' },
      ]);
    }

    // the prompts sent before the restart are answered after it
    await say(zhang, '1栋1单元101', zLocationBefore);
    await say(wang, '2栋1单元301', wLocationBefore);
    const zPhoto = await nextPrompt(zhang);
    const wPhoto = await nextPrompt(wang);
    for (const p of [zPhoto, wPhoto]) expect(p.text).toContain('方便的话发一张现场照片。（可回复「跳过」）');
    await say(wang, '跳过', wPhoto);
    await say(zhang, '跳过', zPhoto);

    const zAnonymous = await nextPrompt(zhang);
    const wAnonymous = await nextPrompt(wang);
    for (const p of [zAnonymous, wAnonymous]) {
      expect(p.text).toContain('要匿名吗？');
      expect(p.buttons.map((b) => [b.text, b.callback_data.replace(/^opt:\d+\.\d+:/, 'opt:')])).toEqual([
        ['是', 'opt:yes'],
        ['否', 'opt:no'],
      ]);
    }
    await press(zhang, zAnonymous, button(zAnonymous, '否'));
    await press(wang, wAnonymous, button(wAnonymous, '是'));

    const zConfirm = await nextPrompt(zhang);
    const wConfirm = await nextPrompt(wang);
    expect(zConfirm.text).toContain('类别：公共设施维修\n问题：楼道灯坏了好几天了\n位置：1栋1单元101');
    expect(wConfirm.text).toContain('类别：停车\n问题：楼下总有车堵消防通道\n位置：2栋1单元301');
    // an old button of one's own (the anonymous prompt) does not answer the confirm step
    await press(zhang, zAnonymous, button(zAnonymous, '是'));
    expect((await nextPrompt(zhang)).text).toContain('这个按钮已失效，或不是发给您的。');
    await press(wang, wConfirm, button(wConfirm, '是'));
    await press(zhang, zConfirm, button(zConfirm, '是'));

    const zDone = await nextPrompt(zhang);
    const wDone = await nextPrompt(wang);
    const zNumber = NUMBER.exec(zDone.text)?.[1];
    const wNumber = NUMBER.exec(wDone.text)?.[1];
    expect(zNumber, zDone.text).toBeDefined();
    expect(wNumber, wDone.text).toBeDefined();
    expect(zNumber).not.toBe(wNumber);

    const db = linli.db;
    const zPerson = await findPersonByIdentity(db, 'telegram', String(zhang.id));
    const wPerson = await findPersonByIdentity(db, 'telegram', String(wang.id));
    const rows = await complaints(db);
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.number === zNumber)).toMatchObject({
      category: 'repairs',
      description: '楼道灯坏了好几天了',
      building: '1栋',
      unit: '1单元',
      room: '101',
      anonymous: false,
      photos: [],
      reporter_id: zPerson!.id,
      channel: 'telegram',
    });
    expect(rows.find((r) => r.number === wNumber)).toMatchObject({
      category: 'parking',
      description: '楼下总有车堵消防通道',
      building: '2栋',
      unit: '1单元',
      room: '301',
      anonymous: true,
      photos: [],
      reporter_id: wPerson!.id,
      channel: 'telegram',
    });
    const { rows: conversations } = await db.query<{ status: string }>(
      `SELECT status FROM linli.conversations WHERE channel = 'telegram' ORDER BY id`,
    );
    expect(conversations).toEqual(Array(4).fill({ status: 'completed' }));

    // every press was answered (the button spinner stops) and nothing was sent twice
    const pressed = 7; // 6 answers and a stale press
    await expect.poll(() => tg.callsOf('answerCallbackQuery').length, { timeout: 10_000 }).toBe(pressed);
    await new Promise((r) => setTimeout(r, 300));
    const ok = tg.callsOf('sendMessage').filter((c) => c.response?.ok === true);
    // the group also gets one public progress notice per complaint filed, without names
    const notices = ok.filter((c) => String(c.params.text).startsWith('【报事进展】'));
    expect(notices.map((c) => String(c.params.text)).sort()).toEqual(
      ['【报事进展】公共设施维修 · 1栋 · 已提交', '【报事进展】停车 · 2栋 · 已提交'].sort(),
    );
    const sent = ok.filter((c) => !notices.includes(c));
    // 1 bind + 2 offers in the group + 2 × 7 flow messages privately + 1 stale-button note, each taken once
    expect(sent).toHaveLength(taken.size);
    expect(taken.size).toBe(1 + 2 + 2 * 7 + 1);
    // the group saw the bind, the two offers and the notices only: the filing went on privately
    expect(ok.filter((c) => Number(c.params.chat_id) === GROUP && !notices.includes(c))).toHaveLength(3);
  }, 120_000);
});

// ------------------------------------------------------------------------------------------------
// WeChat
// ------------------------------------------------------------------------------------------------

describe('complaint flow on WeChat, through the Wechaty mock', () => {
  let w: WechatLinli | undefined;
  let db: Db;
  let services: Services;
  let h: WechatMock;
  let compoundId: number;

  beforeEach(async () => {
    // services without queues and outbox: no domain notifier sends, the room holds the flow's replies only
    w = await startWechatLinli({ notify: false });
    ({ db, services, mock: h } = w);
    compoundId = (await seedCompoundChain(services, '阳光小区', SHANGHAI)).compound;
    await services.units.importUnits(SYSTEM_ACTOR, compoundId, [
      { building: '3栋', unit: '2单元', room: '501', area: '90', owners: [] },
      { building: '1栋', unit: '1单元', room: '101', area: '89.5', owners: [] },
    ]);
  });

  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('one offer in the group: one resident goes on there without anonymity, the other adds the bot and files privately; numbered choices, re-prompts, rebuilds mid-way', async () => {
    const stack = w!;
    const zhang = await h.createResident('张伟');
    const wang = await h.createResident('王芳');
    const room = await h.createRoom('阳光业主群', [zhang, wang]);
    await services.chats.bindDirect(SYSTEM_ACTOR, compoundId, {
      channel: 'wechat',
      externalChatId: room.id,
      purpose: 'residents',
    });

    const deliveries = async () =>
      (
        await db.query<{ status: string }>(
          `SELECT status FROM linli.deliveries WHERE channel = 'wechat' AND chat_external_id = $1`,
          [room.id],
        )
      ).rows;
    const privately = async () =>
      (
        await db.query<{ status: string }>(
          `SELECT status FROM linli.deliveries WHERE channel = 'wechat' AND chat_kind = 'private'`,
        )
      ).rows;
    const taken = new Set<SentMessage>();
    /**
     * `who` says `text` (or sends a photo) in the room; resolves with the bot's next message to them,
     * once every delivery of the room is marked sent (the adapter has remembered its numbered choices
     * by then, so an immediate bare-number answer cannot race it).
     */
    const ask = async (who: ContactMock, text: string | { photo: true }, r: RoomMock | 'private' = room) => {
      const inRoom = r === 'private' ? undefined : r;
      if (typeof text === 'string') await h.say(who, text, inRoom);
      else await h.sayNonText(who, types.Message.Image, { room: inRoom });
      const reply = await h.waitForSent(
        (m) =>
          !taken.has(m) &&
          (inRoom ? m.roomId === inRoom.id && m.mentionIds.includes(who.id) : m.toId === who.id),
        15_000,
      );
      taken.add(reply);
      await until(async () => (await deliveries()).every((d) => d.status === 'sent'), 'the outbox to drain');
      await until(async () => (await privately()).every((d) => d.status === 'sent'), 'the outbox to drain');
      return reply;
    };
    const numberedList = (text: string) =>
      text
        .split('\n')
        .filter((l) => /^\d+\. /.test(l))
        .map((l) => l.replace(/^\d+\. /, ''));

    // 投诉 in the room → one message: add the bot and message it privately, or 1 to go on here
    const zOffer = await ask(zhang, '投诉');
    expect(zOffer.mentionIds).toEqual([zhang.id]);
    expect(zOffer.text).toContain(
      '为保护您的隐私，报事请私聊我（可以匿名）。也可以在群里继续，但群里的人会看到：',
    );
    expect(zOffer.text).toContain('\n1. 在群里继续（不匿名）\n回复 1\n');
    expect(zOffer.text.endsWith('\n👉 请私聊我发送「投诉」（还不是好友的话，先加我为好友）。')).toBe(true);
    const wOffer = await ask(wang, '报事');
    expect(wOffer.text).toContain('为保护您的隐私，报事请私聊我');

    // 张伟 goes on in the group → a numbered category list, @-mentioning him, ending with "回复 1、2 … 或 N"
    const zCategory = await ask(zhang, '1');
    const n = DEFAULT_CATEGORIES.length;
    expect(zCategory.mentionIds).toEqual([zhang.id]);
    expect(zCategory.text.startsWith('@张伟')).toBe(true);
    expect(zCategory.text).toContain(CATEGORY_PROMPT);
    expect(numberedList(zCategory.text)).toEqual(DEFAULT_CATEGORIES.map((c) => c.zh));
    const hint = `回复 ${Array.from({ length: n - 1 }, (_, i) => i + 1).join('、')} 或 ${n}`;
    expect(zCategory.text.endsWith(`\n${hint}`)).toBe(true);
    expect(zCategory.text).toMatch(/\n回复 1、2、.*或 \d+$/);

    // 王芳 adds the bot (it accepts) and sends it 投诉 privately: the same list, in her private chat
    await stack.addsBot(wang);
    const wCategory = await ask(wang, '投诉', 'private');
    expect(wCategory.mentionIds).toEqual([]);
    expect(wCategory.text.startsWith(CATEGORY_PROMPT)).toBe(true);
    expect(numberedList(wCategory.text)).toEqual(DEFAULT_CATEGORIES.map((c) => c.zh));
    // the offer she left in the room ended when she began privately (a "1" there now starts nothing)
    const wangs = await db.query<{ chat_kind: string; status: string }>(
      `SELECT chat_kind, status FROM linli.conversations
       WHERE channel = 'wechat' AND person_external_id = $1 ORDER BY id`,
      [wang.id],
    );
    expect(wangs.rows).toEqual([
      { chat_kind: 'group', status: 'cancelled' },
      { chat_kind: 'private', status: 'active' },
    ]);

    // a wrong answer: the re-prompt says why, and offers the list again
    const zRetry = await ask(zhang, 'abc');
    expect(zRetry.text).toContain(`请从选项中选择（回复 1 到 ${n} 的数字）。请再试一次。`);
    expect(zRetry.text).toContain(CATEGORY_PROMPT);
    expect(zRetry.text.endsWith(`\n${hint}`)).toBe(true);
    const zOutOfRange = await ask(zhang, '99');
    expect(zOutOfRange.text).toContain(`请从选项中选择（回复 1 到 ${n} 的数字）。`);

    // restart while both have numbered choices pending: they live in the database
    await stack.restart();

    // a full-width digit (５ = 电梯) and a half-width one (3 = 停车)
    const zDescription = await ask(zhang, '５');
    expect(zDescription.text).toContain('请简单说一下是什么问题');
    const wDescription = await ask(wang, '3', 'private');
    expect(wDescription.text).toContain('请简单说一下是什么问题');

    const zShort = await ask(zhang, '坏了');
    expect(zShort.text).toMatch(/^@张伟\s内容太短，至少要 5 个字。请再说一遍。\n请简单说一下/);
    const wLocation = await ask(wang, '楼下总有车堵消防通道', 'private');
    expect(wLocation.text).toContain('问题在哪儿？');
    const zLocation = await ask(zhang, '3号电梯停在5楼不动了');
    expect(zLocation.text).toContain('问题在哪儿？');

    // rebuild once more, between two free-text steps
    await stack.restart();

    const zUnknown = await ask(zhang, '9栋1单元101');
    // an address the register lacks is re-asked with the closest register entries to pick from
    expect(zUnknown.text).toContain('小区登记册里没有 9栋1单元101');
    expect(zUnknown.text).toContain('1. 1栋1单元101');
    const zPhoto = await ask(zhang, '3栋2单元501');
    expect(zPhoto.text).toContain('方便的话发一张现场照片。');
    const wPhoto = await ask(wang, '跳过', 'private');
    expect(wPhoto.text).toContain('方便的话发一张现场照片。');

    // in the group no anonymity question: the photo leads to the confirmation
    const zConfirm = await ask(zhang, { photo: true });
    expect(zConfirm.text).not.toContain('要匿名吗？');
    expect(zConfirm.text).toContain('类别：电梯\n问题：3号电梯停在5楼不动了\n位置：3栋2单元501');
    // privately it is asked
    const wAnonymous = await ask(wang, '跳过', 'private');
    expect(wAnonymous.text).toContain('要匿名吗？');
    expect(wAnonymous.text).toMatch(/\n1\. 是\n2\. 否\n回复 1 或 2$/);
    const wConfirm = await ask(wang, '１', 'private'); // １ = 是: anonymous
    expect(wConfirm.text).toContain('类别：停车\n问题：楼下总有车堵消防通道');

    const wDone = await ask(wang, '是', 'private');
    const zDone = await ask(zhang, '1');
    const zNumber = NUMBER.exec(zDone.text)?.[1];
    const wNumber = NUMBER.exec(wDone.text)?.[1];
    expect(zNumber, zDone.text).toBeDefined();
    expect(wNumber, wDone.text).toBeDefined();
    expect(zNumber).not.toBe(wNumber);

    const zPerson = await findPersonByIdentity(db, 'wechat', zhang.id);
    const wPerson = await findPersonByIdentity(db, 'wechat', wang.id);
    const rows = await complaints(db);
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.number === zNumber)).toMatchObject({
      category: 'lifts',
      description: '3号电梯停在5楼不动了',
      building: '3栋',
      unit: '2单元',
      room: '501',
      anonymous: false,
      reporter_id: zPerson!.id,
      channel: 'wechat',
    });
    expect(rows.find((r) => r.number === zNumber)!.photos).toHaveLength(1);
    expect(rows.find((r) => r.number === wNumber)).toMatchObject({
      category: 'parking',
      description: '楼下总有车堵消防通道',
      building: null,
      anonymous: true,
      photos: [],
      reporter_id: wPerson!.id,
      channel: 'wechat',
    });
    // 张伟 answered every numbered prompt by number: each was consumed
    const { rows: pending } = await db.query(
      'SELECT 1 FROM linli.pending_choices WHERE person_external_id = $1',
      [zhang.id],
    );
    expect(pending).toEqual([]);

    await new Promise((r) => setTimeout(r, 200));
    // nothing sent twice; 王芳's filing never reached the room
    expect(h.sent.filter((m) => m.roomId === room.id || m.toId === wang.id)).toHaveLength(taken.size);
    expect(h.sent.filter((m) => m.roomId === room.id && m.mentionIds.includes(wang.id))).toEqual([wOffer]);
    expect(stack.failures).toEqual([]);
    expect(h.errors).toEqual([]);
  }, 90_000);
});
