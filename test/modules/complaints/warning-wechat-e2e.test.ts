/**
 * The warning before a breach on WeChat, through the Wechaty mock: the grid worker, a friend of the
 * bot, is warned privately with the numbered handler choices and accepts from the warning; the
 * community's handler, no friend of the bot, is warned as supervisor in the community's handlers'
 * group with an @-mention (a personal account may write privately only to its friends).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { startDeadlineWorker } from '../../../src/modules/complaints/moments.js';
import { SHANGHAI, seedCompoundChain } from '../../support/org-chain.js';
import { fileNoiseComplaint, wechatChat } from '../../support/wechat-chat.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

describe('warnings before a breach on WeChat', () => {
  let w: WechatLinli | undefined;
  let stopDeadlines: (() => Promise<unknown>) | undefined;
  afterEach(async () => {
    await stopDeadlines?.();
    stopDeadlines = undefined;
    await w?.stop();
    w = undefined;
  });

  it('warns the grid worker privately and the community’s handler in its group; accepting in time stops the escalation', async () => {
    w = await startWechatLinli();
    const { services, mock: h } = w;
    const chain = await seedCompoundChain(services, '阳光小区', SHANGHAI);
    const reporter = await h.createResident('张伟');
    const workerContact = await h.createResident('李强');
    const directorContact = await h.createResident('周主任');
    const residents = await h.createRoom('阳光业主群', [reporter, workerContact]);
    const office = await h.createRoom('和平社区工作群', [directorContact]);
    await services.chats.bindDirect(SYSTEM_ACTOR, chain.compound, {
      channel: 'wechat',
      externalChatId: residents.id,
      purpose: 'residents',
    });
    await services.chats.bindDirect(SYSTEM_ACTOR, chain.community, {
      channel: 'wechat',
      externalChatId: office.id,
      purpose: 'handlers',
    });
    const register = async (
      name: string,
      contactId: string,
      orgId: number,
      role: 'grid_worker' | 'handler',
    ) => {
      const p = await services.people.create(SYSTEM_ACTOR, { name, orgId });
      await services.people.addIdentity(SYSTEM_ACTOR, p.id, { channel: 'wechat', externalId: contactId });
      await services.people.grantRole(SYSTEM_ACTOR, orgId, { personId: p.id, role });
    };
    await register('李强', workerContact.id, chain.compound, 'grid_worker');
    await register('周主任', directorContact.id, chain.community, 'handler');
    await w.addsBot(workerContact);
    // the deadline worker, as the runtime starts it (this harness runs the chat side only)
    const deadlines = await startDeadlineWorker(w.queues, services.complaints, w.logger, 3_600_000);
    stopDeadlines = () => deadlines.close();
    // acknowledge within 20 s, warned at half of it
    await services.policies.put(SYSTEM_ACTOR, chain.compound, {
      calendar: 'natural',
      levels: { compound: { '*': { ack: 'PT20S', resolve: 'PT1H' } } },
      warnAtPercent: 50,
    });

    const { next } = wechatChat(h, w!.db, 30_000);

    await fileNoiseComplaint(h, next, (c) => w!.addsBot(c), reporter, residents);
    await next({ toId: workerContact.id }, '【新报事】');

    const warning = await next({ toId: workerContact.id }, '【即将超时】');
    expect(warning.text).toMatch(/受理时限为 \d+月\d+日 \d\d:\d\d/);
    expect(warning.text).toMatch(/1\. 受理\n2\. 补充说明\n3\. 已处理/);
    const supervising = await next({ roomId: office.id }, '【即将超时·督办】');
    expect(supervising.mentionIds).toEqual([directorContact.id]);

    // the worker accepts from the warning (its numbered choices are the latest they were sent)
    await h.say(workerContact, '1');
    await next({ toId: workerContact.id }, '已受理');
    const [complaint] = (
      await services.complaints.list(SYSTEM_ACTOR.principal, { orgId: chain.compound, limit: 5 })
    ).items;
    expect(complaint).toMatchObject({ status: 'accepted', level: 'compound' });
    // nothing more: no second warning, no escalation
    await new Promise((r) => setTimeout(r, 12_000));
    const after = await services.complaints.get(SYSTEM_ACTOR.principal, complaint!.id);
    expect(after).toMatchObject({ status: 'accepted', level: 'compound' });
    expect(h.sent.filter((m) => m.text.includes('即将超时'))).toHaveLength(2);
  }, 120_000);
});
