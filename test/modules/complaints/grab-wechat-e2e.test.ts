/**
 * 抢单 on WeChat, through the Wechaty mock: the handler notice carries numbered choices (1. 抢单
 * 2. 补充说明); the first handler to answer 1 takes the complaint, the other is told who did, and
 * their own 1 afterwards is answered with the name.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { ContactMock } from '../../fakes/wechat/harness.js';
import { fileNoiseComplaint, sunshineOnWechat, wechatChat } from '../../support/wechat-chat.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

describe('dispatch by grab on WeChat', () => {
  let w: WechatLinli | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('the first 1 takes it; the other handler is told, and their late 1 is answered with who took it', async () => {
    w = await startWechatLinli();
    const { services, mock: h } = w;
    const { chain, reporter, residents, contacts } = await sunshineOnWechat(w, ['王师傅', '李师傅']);
    const [wang, li] = contacts as [ContactMock, ContactMock];
    await services.orgs.update(SYSTEM_ACTOR, chain.compound, { settings: { dispatch: { '*': 'grab' } } });

    const { next } = wechatChat(h, w!.db, 20_000);

    await fileNoiseComplaint(h, next, (c) => w!.addsBot(c), reporter, residents);
    for (const contact of [wang, li]) {
      const notice = await next({ toId: contact.id }, '【新报事】');
      expect(notice.text).toMatch(/1\. 抢单\n2\. 补充说明/);
    }

    await h.say(wang, '1');
    await next({ toId: wang.id }, '已由您接单并受理');
    await next({ toId: reporter.id }, '已受理，正在处理');
    expect((await next({ toId: li.id }, '【已接单】')).text).toContain('已由 王师傅 接单');
    await h.say(li, '1');
    await next({ toId: li.id }, '已由 王师傅 接单。');

    const [complaint] = (
      await services.complaints.list(SYSTEM_ACTOR.principal, { orgId: chain.compound, limit: 5 })
    ).items;
    const detail = await services.complaints.get(SYSTEM_ACTOR.principal, complaint!.id);
    expect(detail.status).toBe('accepted');
    expect(detail.events.map((e: { type: string }) => e.type)).toEqual(['submitted', 'grab']);
  }, 120_000);
});
