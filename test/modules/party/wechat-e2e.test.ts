/**
 * Party members and tasks on WeChat, through the Wechaty mock: WechatAdapter (DB choice memory) →
 * InboundDispatcher → party buttons / FlowEngine → Outbox → outbound worker → the mock. WeChat has
 * no buttons: the secretary's 通过 / 不通过 and the member's 接受 / 婉拒 come as numbered lines and
 * are answered with a bare number; completion starts from the keyword 完成任务.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { types } from 'wechaty';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { findPersonByIdentity, insertIdentity, insertRole } from '../../../src/modules/people/repository.js';
import type { ContactMock } from '../../fakes/wechat/harness.js';
import { SHANGHAI, seedCompoundChain } from '../../support/org-chain.js';
import { until } from '../../support/until.js';
import { wechatChat } from '../../support/wechat-chat.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

describe('party members and tasks on WeChat, through the Wechaty mock', () => {
  let w: WechatLinli | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('报到 → the secretary approves with "1" → a task pushed → "1" accepts → 完成任务 with note, photo and hours', async () => {
    w = await startWechatLinli();
    const { db, services, mock: h } = w;
    const compoundId = (await seedCompoundChain(services, '阳光小区', SHANGHAI)).compound;
    const member = await h.createResident('张伟');
    const secretaryContact = await h.createResident('孙丽');
    const room = await h.createRoom('阳光业主群', [member, secretaryContact]);
    await services.chats.bindDirect(SYSTEM_ACTOR, compoundId, {
      channel: 'wechat',
      externalChatId: room.id,
      purpose: 'residents',
    });
    const secretary = await services.people.create(SYSTEM_ACTOR, { name: '孙丽', orgId: compoundId });
    await insertIdentity(db, { personId: secretary.id, channel: 'wechat', externalId: secretaryContact.id });
    await insertRole(db, secretary.id, compoundId, 'party_secretary');
    await services.party.createBranch(SYSTEM_ACTOR, { orgId: compoundId, name: '浦东新区税务局党支部' });

    const chat = wechatChat(h, db, 15_000);
    const next = (to: ContactMock, contains: string) => chat.next({ toId: to.id }, contains);
    const say = async (who: ContactMock, text: string) => {
      await h.say(who, text);
    };

    // both will talk to the bot privately: each adds it as a friend first (WeChat has no private
    // chat with a stranger), the bot accepts
    await w.addsBot(member, '我是张伟');
    await w.addsBot(secretaryContact);
    await h.say(member, '大家好', room); // known from the residents' group
    await until(
      async () => (await findPersonByIdentity(db, 'wechat', member.id)) !== null,
      'the member as a person',
    );
    await say(member, '党员报到');
    await next(member, '请问您的真实姓名');
    await say(member, '张伟');
    await next(member, '哪个党支部');
    await say(member, '浦东新区税务局党支部');
    await next(member, '到哪个小区报到');
    await say(member, '阳光小区');
    const choose = await next(member, '请选择您的承诺事项');
    expect(choose.text).toContain('1. 全部五项');
    await say(member, '2,3,4,5,6');
    await next(member, '自己的承诺');
    await say(member, '好');
    await next(member, '内容太短'); // the re-prompt says why
    await say(member, '每周帮楼里老人取一次药');
    await next(member, '报到申请已提交');

    const review = await next(secretaryContact, '【党员报到】张伟（浦东新区税务局党支部）');
    expect(review.text).toMatch(/1\. 通过\n2\. 不通过/);
    await say(secretaryContact, '1');
    await next(secretaryContact, '已通过 张伟 的党员报到');
    await next(member, '党员报到已审核通过');

    const task = await services.tasks.create(SYSTEM_ACTOR, {
      orgId: compoundId,
      title: '垃圾分类宣传',
      place: '小区广场',
      dueAt: new Date(Date.now() + 24 * 3600_000),
      volunteersNeeded: 1,
    });
    const push = await next(member, '【志愿者招募】需要 1 人，先到先得。垃圾分类宣传');
    expect(push.text).toMatch(/1\. 接受\n2\. 婉拒/);
    await say(member, '1');
    await next(member, '「垃圾分类宣传」算您一个');
    await next(member, '已为您登记任务「垃圾分类宣传」');

    await say(member, '完成任务');
    await next(member, '「垃圾分类宣传」完成得怎么样');
    await say(member, '发放宣传单120份，讲解分类要点');
    await next(member, '请拍一张现场照片');
    await h.sayNonText(member, types.Message.Image);
    await next(member, '这次服务了几个小时');
    await say(member, '1.5');
    await next(member, '已记录：「垃圾分类宣传」完成，服务 1.5 小时');

    const detail = await services.tasks.get(SYSTEM_ACTOR.principal, task.id);
    expect(detail.status).toBe('done');
    expect(detail.assignments[0]).toMatchObject({
      status: 'completed',
      note: '发放宣传单120份，讲解分类要点',
      hours: '1.5',
    });
    expect(detail.assignments[0]!.photo).toBeTruthy();
    const { items } = await services.party.listMembers(SYSTEM_ACTOR.principal, { orgId: compoundId });
    expect(items[0]).toMatchObject({ status: 'approved', ownCommitments: ['每周帮楼里老人取一次药'] });
    expect(items[0]!.commitments.map((c) => c.code)).toHaveLength(5);
    // a later 完成任务 gets a clear answer and starts nothing
    await say(member, '完成任务');
    await next(member, '您现在没有待完成的任务');
  }, 90_000);
});
