/**
 * A resident's claim approved on WeChat, through the Wechaty mock: WechatAdapter (DB choice memory)
 * → InboundDispatcher → the units module's buttons / FlowEngine → Outbox → outbound worker → the
 * mock. WeChat has no buttons: the committee member gets 通过 / 不通过 as numbered lines in a
 * private message and answers with a bare "1"; the claimant is told privately.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { SHANGHAI, seedCompoundChain } from '../../support/org-chain.js';
import { wechatChat } from '../../support/wechat-chat.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

describe('a claim approved on WeChat with a numbered reply', () => {
  let w: WechatLinli | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('登记 in the group → the committee member answers "1" privately → the claimant is told', async () => {
    w = await startWechatLinli();
    const { db, services, mock: h } = w;
    const compound = (await seedCompoundChain(services, '阳光小区', SHANGHAI)).compound;
    await services.units.importUnits(SYSTEM_ACTOR, compound, [
      { building: '3号楼', unit: '二单元', room: '501', area: '90', owners: [] },
    ]);
    const resident = await h.createResident('李军');
    const chairContact = await h.createResident('张主任');
    const room = await h.createRoom('阳光业主群', [resident, chairContact]);
    // both are written to privately (the decision, the outcome): on WeChat only friends can be, so they
    // add the bot (it accepts); a claim notice to someone who has not is recorded unreachable (reach.ts)
    for (const c of [resident, chairContact]) await w.addsBot(c);
    await services.chats.bindDirect(SYSTEM_ACTOR, compound, {
      channel: 'wechat',
      externalChatId: room.id,
      purpose: 'residents',
    });
    const chair = await services.people.create(SYSTEM_ACTOR, { name: '张主任', orgId: compound });
    await services.people.addIdentity(SYSTEM_ACTOR, chair.id, {
      channel: 'wechat',
      externalId: chairContact.id,
    });
    await services.people.grantRole(SYSTEM_ACTOR, compound, { personId: chair.id, role: 'committee_member' });

    const { next } = wechatChat(h, db, 15_000);

    await h.say(resident, '登记', room);
    await next({ roomId: room.id }, '请问您住哪一户？');
    await h.say(resident, '三号楼2-501', room);
    await next({ roomId: room.id }, '登记为 3栋2单元501 的住户，对吗？');
    await h.say(resident, '1', room); // 1. 是
    await next({ roomId: room.id }, '已提交登记（3栋2单元501）');

    const ask = await next({ toId: chairContact.id }, '李军 申请登记为 3栋2单元501 的住户，是否通过？');
    expect(ask.text).toMatch(/1\. 通过\n2\. 不通过/);
    await h.say(chairContact, '1');
    await next({ toId: chairContact.id }, '已通过 李军 登记为 3栋2单元501 住户的申请');
    await next({ toId: resident.id }, '您登记的住址 3栋2单元501 已审核通过');

    const claims = await services.claims.list(SYSTEM_ACTOR.principal, compound, { status: 'approved' });
    expect(claims.items).toEqual([expect.objectContaining({ personName: '李军', decidedBy: '张主任' })]);
  });
});
