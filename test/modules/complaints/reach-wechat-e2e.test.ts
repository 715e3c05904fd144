/**
 * Reach on WeChat, through the Wechaty mock, which refuses what a personal account is refused: a
 * private message to someone who is not the account's friend fails, so a complaint notice goes to
 * their group with an @-mention instead (WeChat has no deep links; the numbered choices stay, and
 * only the @-mentioned person's bare number is taken). The reporter files privately as a friend, then
 * deletes the bot; the grid worker never added it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { SHANGHAI, seedCompoundChain } from '../../support/org-chain.js';
import { fileNoiseComplaint, wechatChat } from '../../support/wechat-chat.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

describe('reach on WeChat: notices to someone who is no friend of the bot', () => {
  let w: WechatLinli | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('the handler answers in the handlers’ group; the reporter who deleted the bot hears and rates in the residents’ group', async () => {
    w = await startWechatLinli();
    const { db, services, mock: h } = w;
    const compound = (await seedCompoundChain(services, '阳光小区', SHANGHAI)).compound;
    const reporter = await h.createResident('张伟');
    const workerContact = await h.createResident('李强');
    const residents = await h.createRoom('阳光业主群', [reporter, workerContact]);
    const handlers = await h.createRoom('阳光物业工作群', [workerContact]);
    await services.chats.bindDirect(SYSTEM_ACTOR, compound, {
      channel: 'wechat',
      externalChatId: residents.id,
      purpose: 'residents',
    });
    await services.chats.bindDirect(SYSTEM_ACTOR, compound, {
      channel: 'wechat',
      externalChatId: handlers.id,
      purpose: 'handlers',
    });
    const worker = await services.people.create(SYSTEM_ACTOR, { name: '李强', orgId: compound });
    await services.people.addIdentity(SYSTEM_ACTOR, worker.id, {
      channel: 'wechat',
      externalId: workerContact.id,
    });
    await services.people.grantRole(SYSTEM_ACTOR, compound, { personId: worker.id, role: 'grid_worker' });

    const { next } = wechatChat(h, db, 15_000);

    // the reporter speaks in the group (the bot now knows them), adds the bot and files privately
    await fileNoiseComplaint(h, next, (c) => w!.addsBot(c), reporter, residents);

    // the grid worker is no friend of the bot: the notice comes to the handlers' group, @-mentioning them
    const notice = await next({ roomId: handlers.id }, '【新报事】');
    expect(notice.mentionIds).toEqual([workerContact.id]);
    expect(notice.text).toMatch(/1\. 受理\n2\. 补充说明\n3\. 已处理/);
    expect(h.sent.some((m) => m.toId === workerContact.id)).toBe(false);

    // the reporter deletes the bot; the worker accepts with a bare "1" in the handlers' group
    h.unfriend(reporter);
    await h.say(workerContact, '1', handlers);
    await next({ roomId: handlers.id }, '已受理');
    const accepted = await next({ roomId: residents.id }, '已受理，正在处理');
    expect(accepted.mentionIds).toEqual([reporter.id]);
    expect(accepted.text).toContain('您的报事');

    const [complaint] = (
      await services.complaints.list(SYSTEM_ACTOR.principal, { orgId: compound, limit: 5 })
    ).items;
    await services.complaints.act(SYSTEM_ACTOR, complaint!.id, { action: 'resolve' });
    const rate = await next({ roomId: residents.id }, '已处理完毕，请您评价');
    expect(rate.mentionIds).toEqual([reporter.id]);
    await h.say(reporter, '1', residents); // 1. 评价
    await next({ roomId: residents.id }, '您对这次处理结果满意吗');

    const refused = (
      await db.query<{ status: string; last_error: string; subject: string }>(
        `SELECT status, last_error, subject FROM linli.deliveries WHERE status = 'rerouted' ORDER BY id`,
      )
    ).rows;
    expect(refused.map((r) => r.subject)).toEqual([
      `complaint:${complaint!.id}:handler`,
      `complaint:${complaint!.id}:reporter`,
      `complaint:${complaint!.id}:reporter`,
    ]);
    for (const r of refused) expect(r.last_error).toMatch(/^permanent: not_friend: /);
  }, 90_000);
});
