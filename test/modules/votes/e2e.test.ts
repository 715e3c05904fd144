/**
 * Owners' votes end to end:
 * - Telegram: `startLinli` against the fake Bot API. The owners link their accounts privately with
 *   the committee's codes (`/verify`, 「认证」, `/link`). A proposal opens, the residents' group gets
 *   the announcement with a button per option; owners press them (one changes their vote), an
 *   unlinked resident is told how to link, one owner votes privately through the vote flow (a wrong option is
 *   asked again), the group asks for the turnout; at closing the result is announced in the group.
 * - Telegram, a secret ballot: the announcement and any vote typed in the group carry a deep link
 *   and record nothing; the owner taps it (`/start vote-<id>`) and votes with the ballot's buttons.
 * - WeChat: the Wechaty mock → adapter → dispatcher → VoteChatActions → outbox → the mock room:
 *   an owner links in the group with 「认证 CODE」 (the code is consumed and not repeated); on a
 *   secret ballot 「投票 <id> <n>」 in the group records nothing and says to send 「投票 <id>」
 *   privately; the owner adds the bot, does so and answers the numbered ballot; an open ballot's
 *   numbered options are answered in the group with 「投票 <id> <n>」 and a receipt comes back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { VoteNotifier } from '../../../src/modules/votes/notifier.js';
import type { CallRecord, FakeUser } from '../../fakes/telegram/index.js';
import type { SentMessage } from '../../fakes/wechat/harness.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { codesByVoter, seedRegister } from '../../support/owners.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

const GROUP = -100777;
const JIA: FakeUser = { id: 6101, first_name: '甲' };
const BING: FakeUser = { id: 6102, first_name: '丙' };
const DING: FakeUser = { id: 6103, first_name: '丁' };
const JI: FakeUser = { id: 6104, first_name: '己' };
const TENANT: FakeUser = { id: 6199, first_name: '租户' };

describe('an owners’ vote in a Telegram group, against the fake Bot API', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('announce → owners press buttons → a change → a private vote → turnout → close → result in the group', async () => {
    t = await startTelegramLinli({ env: { SEED_DEMO: 'false' } });
    const { fake, api, linli } = t;
    const { db, services } = linli;
    const compound = (await seedCompoundChain(services, '投票小区')).compound;
    await seedRegister(db, services, compound);
    expect(
      (
        await api('POST', `/orgs/${compound}/chats`, {
          channel: 'telegram',
          externalChatId: String(GROUP),
          purpose: 'residents',
        })
      ).status,
    ).toBe(201);

    const chat = telegramChat(fake);
    const { next, buttons } = chat;
    const press = (from: FakeUser, call: CallRecord, label: string) => chat.press(GROUP, from, call, label);
    const privately = (from: FakeUser, text: string) =>
      fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate({ chatId: from.id, chatType: 'private', from, text }),
      );

    // the committee issues the codes; each owner links their account privately, as printed
    const issued = await api('POST', `/orgs/${compound}/unit-codes`, {});
    expect(issued.status).toBe(201);
    const codes = codesByVoter(issued.body.issued);
    for (const [name, user, say] of [
      ['甲', JIA, (c: string) => `/verify ${c}`],
      ['丙', BING, (c: string) => `认证 ${c.toLowerCase()}`],
      ['丁', DING, (c: string) => `认证：${c.slice(0, 4)}-${c.slice(4)}`],
      ['己', JI, (c: string) => `/link ${c}`],
    ] as const) {
      await privately(user, say(codes.get(name)!));
      await next(user.id, `关联成功：此账号已关联名册中的业主 ${name}`);
    }

    const created = await api('POST', '/proposals', {
      orgId: compound,
      title: '加装电梯',
      body: '1号楼加装电梯，费用按楼层分摊。',
      rule: 'art278-ordinary',
      closesAt: new Date(Date.now() + 72 * 3_600_000).toISOString(),
    });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    const announcement = await next(GROUP, `【业主表决】#${id} 加装电梯`);
    expect(buttons(announcement).map((b) => b.text)).toEqual(['同意', '反对', '弃权', '投票进度']);

    await press(JIA, announcement, '同意');
    const jia = await next(GROUP, '已记录您的投票：同意');
    expect(String(jia.params.text)).toMatch(/回执码：[0-9A-Z]{8}/);
    expect(String(jia.params.text)).toContain(
      '当前参与：面积 44.1%（150.00/340.00 ㎡），人数 25.0%（1/4 人）',
    );

    await press(BING, announcement, '反对');
    await next(GROUP, '已记录您的投票：反对');
    await press(BING, announcement, '同意');
    const changed = await next(GROUP, '已改票：同意');
    const receipt = /回执码：([0-9A-Z]{8})/.exec(String(changed.params.text))![1]!;

    // a resident whose account is linked to no owner is told how to link, in one message
    await press(TENANT, announcement, '同意');
    const unlinked = await next(GROUP, '您的账号还没有关联业主名册');
    expect(String(unlinked.params.text)).toContain('认证 验证码');
    expect(String(unlinked.params.text)).toContain('/link');

    // 己 votes privately: /vote, a wrong number is asked again, then 反对
    await privately(JI, '/vote');
    const prompt = await next(JI.id, '请回复选项序号');
    expect(String(prompt.params.text)).toContain('1. 同意\n2. 反对\n3. 弃权');
    await privately(JI, '7');
    await next(JI.id, '没有这个选项');
    await next(JI.id, '请回复选项序号');
    await privately(JI, '2');
    await next(JI.id, '已记录您的投票：反对');

    await press(DING, announcement, '投票进度');
    const turnout = await next(GROUP, `#${id} 加装电梯`);
    expect(String(turnout.params.text)).toContain('人数 75.0%（3/4 人）');
    expect(String(turnout.params.text)).toContain('同意 2 人 / 230.00 ㎡；反对 1 人 / 40.00 ㎡');
    // the last owner decides the headcount: 2 of 4 is not more than half, 3 of 4 is
    expect(String(turnout.params.text)).toContain('参与已达三分之二；「同意」仍可能通过，也可能不通过。');

    // the closing time passes (its job is far away): the reconciler closes and announces
    await db.query(
      `UPDATE linli.proposals SET opens_at = now() - interval '2 hours', closes_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    expect(await services.votes.reconcile()).toMatchObject({ closed: 1 });
    const result = await next(GROUP, `【表决结果】#${id} 加装电梯`);
    // 甲 150 + 丙 80 yes, 己 40 no: 270/340 m² (79.4%) and 3/4 owners took part
    expect(String(result.params.text)).toContain('通过：参与表决面积占比 79.4%、人数占比 75.0%');

    await press(DING, announcement, '同意');
    await next(GROUP, '这项表决现在不接受投票');

    // 丙 checks the receipt privately: it is in the log and it is the ballot that counts
    await privately(BING, `回执 ${receipt.toLowerCase()}`);
    await next(
      BING.id,
      `回执码 ${receipt} 在表决 #${id}「加装电梯」的投票记录中（第 3 条），这是当前计入的一票。`,
    );
    await privately(BING, '回执 ZZZZZZZZ');
    await next(BING.id, '不在本小区任何表决的投票记录中');

    const verify = await api('GET', `/proposals/${id}/audit/verify`);
    expect(verify.body).toMatchObject({ ok: true, entries: 4 });
    const check = await api('GET', `/proposals/${id}/audit/receipts/${receipt}`);
    expect(check.body).toMatchObject({ found: true, counted: true, option: '同意' });
  }, 120_000);
});

describe('a secret ballot on Telegram: cast only in the private chat', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('a vote in the group records nothing and answers with the deep link; tapping it shows the ballot privately', async () => {
    t = await startTelegramLinli({ env: { SEED_DEMO: 'false' } });
    const { fake, api, linli } = t;
    const { db, services } = linli;
    const compound = (await seedCompoundChain(services, '投票小区')).compound;
    await seedRegister(db, services, compound);
    expect(
      (
        await api('POST', `/orgs/${compound}/chats`, {
          channel: 'telegram',
          externalChatId: String(GROUP),
          purpose: 'residents',
        })
      ).status,
    ).toBe(201);
    const chat = telegramChat(fake);
    const { next, buttons } = chat;
    const inGroup = (from: FakeUser, text: string) =>
      fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate({ chatId: GROUP, chatType: 'group', from, text }),
      );
    const privately = (from: FakeUser, text: string) =>
      fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate({ chatId: from.id, chatType: 'private', from, text }),
      );
    const startLink = (call: CallRecord) =>
      fake.startLinkOf(fake.sentMessages().find((m) => m.params === call.params)!);
    const entries = async (id: number) => (await api('GET', `/proposals/${id}/audit/verify`)).body.entries;

    // 甲 links in the group (a command reaches the bot with privacy mode on): no private chat yet
    const issued = await api('POST', `/orgs/${compound}/unit-codes`, {});
    const codes = codesByVoter(issued.body.issued);
    await inGroup(JIA, `/verify ${codes.get('甲')!}`);
    await next(GROUP, '关联成功');

    const created = await api('POST', '/proposals', {
      orgId: compound,
      title: '小区八景命名',
      options: ['翠湖', '竹林', '石桥'],
      rule: 'simple',
      secret: true,
      closesAt: new Date(Date.now() + 24 * 3_600_000).toISOString(),
    });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    // the announcement has no ballot buttons: the turnout and the way to the private chat
    const announcement = await next(GROUP, `【业主表决】#${id} 小区八景命名`);
    expect(String(announcement.params.text)).toContain('不记名投票只在私聊中进行');
    expect(buttons(announcement).map((b) => b.text)).toEqual(['投票进度', '私聊投票']);
    expect(startLink(announcement)).toBe(`vote-${id}`);

    // in the group: /vote with a choice, /vote alone: nothing recorded, the choice not repeated
    await inGroup(JIA, `/vote ${id} 2`);
    const told = await next(GROUP, `#${id}「小区八景命名」是不记名投票，群里投的票不会被记录`);
    expect(String(told.params.text)).not.toContain('竹林');
    expect(startLink(told)).toBe(`vote-${id}`);
    await inGroup(JIA, '/vote');
    const again = await next(GROUP, '请私聊本机器人投票');
    expect(startLink(again)).toBe(`vote-${id}`);
    // a ballot button pressed in the group (an announcement from before secret ballots were private)
    const messageId = (announcement.response as { result: { message_id: number } }).result.message_id;
    await fake.deliverUpdateToWebhook(
      fake.makeCallbackQueryUpdate({ chatId: GROUP, from: JIA, data: `vt:${id}:2`, messageId }),
    );
    const pressed = await next(GROUP, '群里投的票不会被记录');
    expect(String(pressed.params.text)).not.toContain('竹林');
    expect(await entries(id)).toBe(0);

    // 甲 taps the link: Telegram opens the private chat and sends /start vote-<id>
    await privately(JIA, `/start ${startLink(told)!}`);
    const ballot = await next(JIA.id, `业主表决 #${id} 小区八景命名`);
    expect(String(ballot.params.text)).toContain('请选择');
    expect(buttons(ballot).map((b) => b.text)).toEqual(['翠湖', '竹林', '石桥']);
    await chat.press(JIA.id, JIA, ballot, '竹林');
    const receipt = await next(JIA.id, '已记录您的投票：竹林');
    expect(String(receipt.params.text)).toContain('不记名投票：票数截止后公布。');
    expect(await entries(id)).toBe(1);
    // 「投票 <id>」 in private shows the ballot too
    await privately(JIA, `投票 ${id}`);
    await next(JIA.id, `业主表决 #${id} 小区八景命名`);

    const live = await api('GET', `/proposals/${id}/result`);
    // counted, and the tally still sealed
    expect(live.body).toMatchObject({
      status: 'open',
      turnout: { owners: { participating: 1 } },
      options: null,
    });
  }, 120_000);
});

describe('an owners’ vote in a WeChat group, through the Wechaty mock', () => {
  let w: WechatLinli | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('a secret ballot: refused in the group with the way to the private chat, cast there; an open one in the group', async () => {
    w = await startWechatLinli();
    const { db, services, mock: h } = w;
    const compound = (await seedCompoundChain(services)).compound;
    await seedRegister(db, services, compound);
    const jia = await h.createResident('甲');
    const tenant = await h.createResident('租户');
    const room = await h.createRoom('投票小区业主群', [jia, tenant]);
    await services.chats.bindDirect(SYSTEM_ACTOR, compound, {
      channel: 'wechat',
      externalChatId: room.id,
      purpose: 'residents',
    });
    expect(services.votes.notifier).toBeInstanceOf(VoteNotifier);

    const taken = new Set<SentMessage>();
    const sent = async (contains: string) => {
      const m = await h.waitForSent(
        (x) => !taken.has(x) && x.roomId === room.id && x.text.includes(contains),
        15_000,
      );
      taken.add(m);
      return m;
    };
    // 甲 links in the group with the committee's code: consumed, and not repeated in the answer
    const codes = codesByVoter((await services.unitCodes.issue(SYSTEM_ACTOR, compound, {})).issued);
    const code = codes.get('甲')!;
    await h.say(jia, `认证 ${code}`, room);
    const linked = await sent('关联成功');
    expect(linked.mentionIds).toEqual([jia.id]);
    expect(linked.text).not.toContain(code);
    await h.say(tenant, `认证 ${code}`, room);
    const used = await sent('已经被使用过');
    expect(used.text).not.toContain(code);

    const audit = async (id: number) =>
      (await services.votes.audit(SYSTEM_ACTOR.principal, id)).entries.length;

    // a secret ballot: the announcement lists the options and asks for a private vote
    const p = await services.votes.create(SYSTEM_ACTOR, {
      orgId: compound,
      title: '小区八景命名',
      options: ['翠湖', '竹林', '石桥'],
      rule: 'simple',
      closesAt: new Date(Date.now() + 24 * 3_600_000),
      secret: true,
    });
    const announcement = await sent(`【业主表决】#${p.id} 小区八景命名`);
    expect(announcement.text).toContain('1. 翠湖 2. 竹林 3. 石桥');
    expect(announcement.text).not.toContain('请回复「投票');
    expect(announcement.text).toContain(`👉 请私聊我发送「投票 ${p.id}」`);

    // a vote typed in the group records nothing; the answer does not repeat the choice
    await h.say(jia, `投票 ${p.id} 2`, room);
    const told = await sent(`#${p.id}「小区八景命名」是不记名投票，群里投的票不会被记录`);
    expect(told.mentionIds).toEqual([jia.id]);
    expect(told.text).not.toContain('竹林');
    expect(told.text).toContain(`👉 请私聊我发送「投票 ${p.id}」（还不是好友的话，先加我为好友）`);
    await h.say(jia, `投票 ${p.id}`, room);
    await sent('请私聊本机器人投票');
    expect(await audit(p.id)).toBe(0);

    // 甲 adds the bot and asks privately: the ballot with numbered options; a bare number casts
    await w.addsBot(jia);
    await h.say(jia, `投票 ${p.id}`);
    const privately = async (contains: string) => {
      const m = await h.waitForSent(
        (x) => !taken.has(x) && x.toId === jia.id && x.text.includes(contains),
        15_000,
      );
      taken.add(m);
      return m;
    };
    // numbered choices are remembered once their delivery is sent: a bare number waits for that
    const drained = async () => {
      const end = Date.now() + 15_000;
      for (;;) {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM linli.deliveries WHERE status <> 'sent'`,
        );
        if (rows[0]!.n === 0) return;
        if (Date.now() > end) throw new Error('outbox did not drain');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const ballot = await privately(`业主表决 #${p.id} 小区八景命名`);
    expect(ballot.text).toContain('1. 翠湖');
    expect(ballot.text).toContain('2. 竹林');
    await drained();
    await h.say(jia, '2');
    const receipt = await privately('已记录您的投票：竹林');
    expect(receipt.text).toContain('不记名投票：票数截止后公布。');
    expect(receipt.text).toMatch(/回执码：[0-9A-Z]{8}/);
    expect(receipt.text).toContain('人数 25.0%（1/4 人）');
    expect(await audit(p.id)).toBe(1);

    // an open ballot is still cast in the group: the unlinked are told how to link
    const q = await services.votes.create(SYSTEM_ACTOR, {
      orgId: compound,
      title: '增设快递柜',
      options: ['同意', '反对'],
      rule: 'simple',
      closesAt: new Date(Date.now() + 24 * 3_600_000),
    });
    const open = await sent(`【业主表决】#${q.id} 增设快递柜`);
    expect(open.text).toContain(`请回复「投票 ${q.id} 序号」`);
    await h.say(tenant, `投票 ${q.id} 1`, room);
    const unlinked = await sent('您的微信还没有关联业主名册');
    expect(unlinked.text).toContain('认证 验证码');
    await h.say(jia, `投票 ${q.id} 9`, room);
    await sent('没有这个选项');
    await h.say(jia, `投票 ${q.id} 1`, room);
    const openReceipt = await sent('已记录您的投票：同意');
    expect(openReceipt.mentionIds).toEqual([jia.id]);
    expect(await audit(q.id)).toBe(1);
  }, 90_000);
});
