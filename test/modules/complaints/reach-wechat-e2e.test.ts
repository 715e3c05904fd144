/**
 * Reach on WeChat, through the Wechaty mock, which refuses what a personal account is refused: a
 * private message to someone who is not the account's friend fails, so a complaint notice goes to
 * their group with an @-mention instead (WeChat has no deep links; the numbered choices stay, and
 * only the @-mentioned person's bare number is taken). The reporter files privately as a friend, then
 * deletes the bot; the grid worker never added it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { DEFAULT_CATEGORIES } from '../../../src/modules/complaints/categories.js';
import type { SentMessage } from '../../fakes/wechat/harness.js';
import { SHANGHAI, seedCompoundChain } from '../../support/org-chain.js';
import { until } from '../../support/until.js';
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

    const taken = new Set<SentMessage>();
    const drained = () =>
      until(
        async () =>
          (await db.query(`SELECT 1 FROM linli.deliveries WHERE status = 'queued'`)).rows.length === 0,
        'the outbox to drain',
      );
    const next = async (where: { toId?: string; roomId?: string }, contains: string) => {
      const m = await h
        .waitForSent(
          (x) =>
            !taken.has(x) &&
            (where.toId ? x.toId === where.toId : x.roomId === where.roomId) &&
            x.text.includes(contains),
          15_000,
        )
        .catch((err: Error) => {
          const log = h.sent.map((x) => [x.toId ?? x.roomId, x.text]);
          throw new Error(`${err.message}: "${contains}"; sent: ${JSON.stringify(log)}`);
        });
      taken.add(m);
      await drained();
      return m;
    };

    // the reporter speaks in the group (the bot now knows them), adds the bot and files privately
    await h.say(reporter, '帮助', residents);
    await next({ roomId: residents.id }, '');
    await w.addsBot(reporter);
    const noise = DEFAULT_CATEGORIES.findIndex((c) => c.code === 'noise') + 1;
    for (const [answer, prompt] of [
      ['投诉', '您要反映哪一类问题'],
      [String(noise), '请简单说一下'],
      ['楼上装修到晚上十点', '问题在哪儿'],
      ['跳过', '现场照片'],
      ['跳过', '要匿名吗'],
      ['2', '请确认'],
      ['1', '已受理！'],
    ] as const) {
      await h.say(reporter, answer);
      await next({ toId: reporter.id }, prompt);
    }

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
