/**
 * Property-company evaluations end to end, on both channels:
 * - Telegram: startLinli (demo city) + the fake Bot API through the webhook: the campaign opens on
 *   its delayed job → the residents' group gets the notice with a 参与评价 button → owners answer
 *   with buttons, a co-owner of an answered unit is refused, someone without a unit is told to
 *   register → the admin closes it → the owners' committee member gets the report privately → a
 *   press after the close records nothing.
 * - WeChat: the Wechaty mock → adapter → dispatcher → flow engine → outbox → mock room, the
 *   keyword 物业评价 and bare numbers, the report sent privately to the committee member.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { FakeUser } from '../../fakes/telegram/index.js';
import type { ContactMock, SentMessage } from '../../fakes/wechat/harness.js';
import { SHANGHAI, seedCompoundChain } from '../../support/org-chain.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

const GROUP = -100777;

describe('property-company evaluation on Telegram, through startLinli and the fake Bot API', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('opens on its job, residents answer by button (one per unit), closes, the committee gets the report', async () => {
    t = await startTelegramLinli();
    const { fake: tg, api, linli } = t;
    const sunshine = (await api('GET', '/orgs?kind=compound')).body.items.find(
      (o: { name: string }) => o.name === '阳光小区',
    );
    const community = (await api('GET', '/orgs?kind=community')).body.items[0];
    const person = async (name: string) =>
      (await api('GET', `/people?q=${encodeURIComponent(name)}`)).body.items.find(
        (p: { name: string }) => p.name === name,
      );
    // 王芳 and 李军 co-own 1栋1单元102; 刘敏 owns 2栋1单元301; 吴磊 rents (no unit); 赵静 sits on the committee
    const users: Record<string, FakeUser> = {
      王芳: { id: 8101, first_name: '王芳' },
      李军: { id: 8102, first_name: '李军' },
      刘敏: { id: 8103, first_name: '刘敏' },
      阳光租户_吴磊: { id: 8104, first_name: '吴磊' },
      阳光业委会_赵静: { id: 8105, first_name: '赵静' },
    };
    // Each of them opened a private chat with the bot (tapped Start). A person who never did cannot be written to
    // privately on Telegram (the fake answers 403): such a notice is recorded unreachable (reach.ts); evaluation notices have no group fallback.
    for (const u of Object.values(users)) tg.startPrivateChat(u.id);
    for (const [name, u] of Object.entries(users)) {
      const p = await person(name.replace('_', ' '));
      expect(p, name).toBeDefined();
      const r = await api('POST', `/people/${p.id}/identities`, {
        channel: 'telegram',
        externalId: String(u.id),
      });
      expect(r.status).toBe(201);
    }
    await api('POST', `/orgs/${sunshine.id}/chats`, {
      channel: 'telegram',
      externalChatId: String(GROUP),
      purpose: 'residents',
    });
    // residents write plain text in the group (comments, a first message): the compound made the bot
    // an administrator of it, as the bind reply asks; with privacy mode alone it would not see them
    tg.setBotAdmin(GROUP);
    const company = (await api('POST', '/property-companies', { orgId: community.id, name: '安居物业' }))
      .body;
    await api('POST', `/property-companies/${company.id}/contracts`, {
      compoundId: sunshine.id,
      startsOn: '2024-01-01',
    });
    const created = await api('POST', '/evaluations', {
      orgId: community.id,
      title: '阳光小区物业服务评价',
      criteria: ['security', { key: 'parking', zh: '停车管理', en: 'Parking' }],
      opensAt: new Date(Date.now() + 1000).toISOString(),
      closesAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      status: 'scheduled',
      targets: [{ compoundId: sunshine.id, companyName: '安居物业' }],
    });
    const id = created.body.id;

    const { next, buttons, press } = telegramChat(tg);
    const say = (from: FakeUser, text: string) =>
      tg.deliverUpdateToWebhook(
        tg.makeTextMessageUpdate({ chatId: GROUP, chatType: 'supergroup', from, text }),
      );

    // the open job fires: the group notice (with the button) and private notices to the owners
    const notice = await next(GROUP, '【物业服务评价】阳光小区物业服务评价');
    expect(String(notice.params.text)).toContain('安居物业');
    expect(String(notice.params.text)).toContain('治安、停车管理');
    expect(buttons(notice).map((b) => b.text)).toEqual(['参与评价']);
    const privateNotice = await next(users.刘敏!.id, '【物业服务评价】');
    expect((await api('GET', `/evaluations/${id}`)).body.status).toBe('open');

    // 王芳 answers for 102 by buttons
    const wang = users.王芳!;
    await press(GROUP, wang, notice, '参与评价');
    const q1 = await next(GROUP, '（1/2）请为「治安」打分');
    expect(buttons(q1).map((b) => b.text)).toEqual([
      '1 很不满意',
      '2 不满意',
      '3 一般',
      '4 满意',
      '5 很满意',
    ]);
    await press(GROUP, wang, q1, '4 满意');
    const q2 = await next(GROUP, '（2/2）请为「停车管理」打分');
    await press(GROUP, wang, q2, '5 很满意');
    await next(GROUP, '还有什么意见或建议吗');
    await say(wang, '保安很负责，停车位少');
    await next(GROUP, '谢谢！已记录阳光小区1栋1单元102的评价');

    // 李军, co-owner of 102: refused, one response per unit
    await press(GROUP, users.李军!, notice, '参与评价');
    await next(GROUP, '已经参加过这次评价了');
    // 吴磊 rents without a registered unit: one message, how to link (an owner) or register (a tenant)
    await say(users.阳光租户_吴磊!, '物业评价');
    const unlinked = await next(GROUP, '您的账号还没有关联业主名册');
    expect(String(unlinked.params.text)).toContain('认证 验证码');
    expect(String(unlinked.params.text)).toContain('租户请发送「登记」登记住址');
    // 刘敏 answers privately from the private notice
    const liu = users.刘敏!;
    await press(liu.id, liu, privateNotice, '参与评价');
    const p1 = await next(liu.id, '（1/2）');
    await press(liu.id, liu, p1, '2 不满意');
    const p2 = await next(liu.id, '（2/2）');
    await press(liu.id, liu, p2, '3 一般');
    await next(liu.id, '还有什么意见');
    await tg.deliverUpdateToWebhook(
      tg.makeTextMessageUpdate({ chatId: liu.id, chatType: 'private', from: liu, text: '跳过' }),
    );
    await next(liu.id, '谢谢！已记录阳光小区2栋1单元301的评价');

    const results = (await api('GET', `/evaluations/${id}/results`)).body;
    expect(results.compounds[0]).toMatchObject({
      responses: 2,
      units: 5,
      responseRate: 0.4,
      means: { security: 3, parking: 4 },
      overall: 3.5,
    });

    // the admin closes it: the committee member hears privately, with the red list
    const closed = await api('POST', `/evaluations/${id}/close`);
    expect(closed.body.status).toBe('closed');
    const report = await next(users.阳光业委会_赵静!.id, '【物业服务评价结果】阳光小区物业服务评价');
    expect(String(report.params.text)).toContain('参与 2/5 户（40%），平均 3.5/5');
    expect(String(report.params.text)).toContain('治安 3 · 停车管理 4');
    expect(String(report.params.text)).toContain('红榜：1. 安居物业');

    // a press after the close: a clear message, nothing recorded
    await press(GROUP, users.李军!, notice, '参与评价');
    await next(GROUP, '已经结束，您的回复没有记录');
    const { rows } = await linli.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM linli.evaluation_responses WHERE campaign_id = $1',
      [id],
    );
    expect(rows[0]!.n).toBe(2);
    const ranking = (await api('GET', `/evaluations/${id}/ranking`)).body;
    expect(ranking.items.map((x: { name: string; rank: number }) => [x.name, x.rank])).toEqual([
      ['安居物业', 1],
    ]);
  }, 120_000);
});

describe('property-company evaluation on WeChat, through the Wechaty mock', () => {
  let w: WechatLinli | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('the keyword 物业评价 and bare numbers; a second owner of the unit refused; the report to the committee', async () => {
    w = await startWechatLinli();
    const { db, services, mock } = w;
    const ids = await seedCompoundChain(services, '阳光小区', SHANGHAI);
    const compound = ids.compound;
    await services.units.importUnits(SYSTEM_ACTOR, compound, [
      {
        building: '3栋',
        unit: '2单元',
        room: '501',
        area: '90',
        owners: [{ name: '张伟' }, { name: '李娜' }],
      },
      { building: '1栋', unit: '1单元', room: '101', area: '89.5', owners: [{ name: '王强' }] },
    ]);
    const zhang = await mock.createResident('张伟');
    const li = await mock.createResident('李娜');
    const zhao = await mock.createResident('赵静');
    const wq = await mock.createResident('王强');
    const room = await mock.createRoom('阳光业主群', [zhang, li, zhao, wq]);
    // the committee gets its report privately: 赵静 has added the bot and it accepted
    await w.addsBot(zhao);
    await services.chats.bindDirect(SYSTEM_ACTOR, compound, {
      channel: 'wechat',
      externalChatId: room.id,
      purpose: 'residents',
    });
    const owner = async (name: string, contact: ContactMock) => {
      const { rows } = await db.query<{ id: number }>('SELECT id FROM linli.people WHERE name = $1', [name]);
      await services.people.addIdentity(SYSTEM_ACTOR, rows[0]!.id, {
        channel: 'wechat',
        externalId: contact.id,
      });
    };
    await owner('张伟', zhang);
    await owner('李娜', li);
    await owner('王强', wq);
    const committee = await services.people.create(SYSTEM_ACTOR, { name: '赵静', orgId: compound });
    await services.people.grantRole(SYSTEM_ACTOR, compound, {
      personId: committee.id,
      role: 'committee_member',
    });
    await services.people.addIdentity(SYSTEM_ACTOR, committee.id, { channel: 'wechat', externalId: zhao.id });
    const company = await services.companies.create(SYSTEM_ACTOR, {
      orgId: ids.community,
      name: '安居物业',
    });
    await services.companies.contract(SYSTEM_ACTOR, company.id, {
      compoundId: compound,
      startsOn: '2024-01-01',
    });

    const c = await services.evaluations.create(SYSTEM_ACTOR, {
      orgId: compound,
      criteria: ['security', 'sanitation'],
      opensAt: new Date(),
      closesAt: new Date(Date.now() + 3_600_000),
    });
    await services.evaluations.openIfDue(c.id);
    const taken = new Set<SentMessage>();
    const sent = async (pred: (m: SentMessage) => boolean) => {
      const m = await mock.waitForSent((x) => !taken.has(x) && pred(x), 15_000);
      taken.add(m);
      return m;
    };
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
    const ask = async (who: ContactMock, text: string) => {
      await mock.say(who, text, room);
      const reply = await sent((m) => m.roomId === room.id && m.mentionIds.includes(who.id));
      await drained(); // numbered choices are remembered once the delivery is sent
      return reply;
    };

    const notice = await sent((m) => m.roomId === room.id && m.text.includes('【物业服务评价】'));
    expect(notice.text).toContain('在群里发送「物业评价」开始');
    expect(notice.text).toContain('治安、保洁');

    const q1 = await ask(zhang, '物业评价');
    expect(q1.text).toContain('（1/2）请为「治安」打分');
    expect(q1.text).toContain('1. 1 很不满意');
    const retry = await ask(zhang, '9');
    expect(retry.text).toContain('请回复 1 到 5 的分数');
    const q2 = await ask(zhang, '5');
    expect(q2.text).toContain('（2/2）请为「保洁」打分');
    const comment = await ask(zhang, '4');
    expect(comment.text).toContain('还有什么意见或建议吗');
    const thanks = await ask(zhang, '垃圾清运及时');
    expect(thanks.text).toContain('谢谢！已记录阳光小区3栋2单元501的评价');

    const refused = await ask(li, '物业评价');
    expect(refused.text).toContain('已经参加过这次评价了，每户只能评价一次');

    // 王强 starts, then the campaign closes before he finishes: his next answer records nothing
    expect((await ask(wq, '物业评价')).text).toContain('（1/2）');
    expect((await ask(wq, '3')).text).toContain('（2/2）');
    await services.evaluations.closeNow(SYSTEM_ACTOR, c.id);
    expect((await ask(wq, '3')).text).toContain('这次物业服务评价已经结束，您的回复没有记录');
    const report = await sent((m) => m.toId === zhao.id);
    expect(report.text).toContain('【物业服务评价结果】');
    expect(report.text).toContain('阳光小区（安居物业）：参与 1/2 户（50%），平均 4.5/5');
    expect(report.text).toContain('治安 5 · 保洁 4');

    const late = await ask(li, '物业评价');
    expect(late.text).toContain('现在没有进行中的物业服务评价');
    const { rows } = await db.query<{ scores: Record<string, number>; comment: string; channel: string }>(
      'SELECT scores, comment, channel FROM linli.evaluation_responses WHERE campaign_id = $1',
      [c.id],
    );
    expect(rows).toEqual([
      { scores: { security: 5, sanitation: 4 }, comment: '垃圾清运及时', channel: 'wechat' },
    ]);
  }, 90_000);
});
