/**
 * 转办 and 退回 on WeChat, through the Wechaty mock: every step is a numbered choice or a typed
 * answer. The handler who accepts is offered what to do next; 转办 lists colleagues by number, a
 * name picks as well; the colleague hears of it with the note, and 退回 needs a reason, which the
 * level's other handler reads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { ContactMock } from '../../fakes/wechat/harness.js';
import { fileNoiseComplaint, sunshineOnWechat, wechatChat } from '../../support/wechat-chat.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

describe('transfer and return on WeChat', () => {
  let w: WechatLinli | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('accept, then 转办 by name with a note; the colleague returns it with a reason; the other handler is told why', async () => {
    w = await startWechatLinli();
    const { services, mock: h } = w;
    const { chain, reporter, residents, contacts } = await sunshineOnWechat(w, ['王师傅', '李师傅']);
    const [wang, li] = contacts as [ContactMock, ContactMock];
    const { next } = wechatChat(h, w.db, 20_000);
    await fileNoiseComplaint(h, next, (c) => w!.addsBot(c), reporter, residents);

    expect((await next({ toId: wang.id }, '【新报事】')).text).toMatch(
      /1\. 受理\n2\. 补充说明\n3\. 已处理\n4\. 转办/,
    );
    await next({ toId: li.id }, '【新报事】');
    await h.say(wang, '1');
    const held = await next({ toId: wang.id }, '已受理');
    expect(held.text).toMatch(/1\. 补充说明\n2\. 已处理\n3\. 转办\n4\. 退回/);

    await h.say(wang, '3');
    const list = await next({ toId: wang.id }, '转给谁？');
    expect(list.text).toContain('. 李师傅 · 网格员');
    expect(list.text).not.toContain('王师傅');
    await h.say(wang, '李师傅');
    await next({ toId: wang.id }, '请写一句转办说明');
    await h.say(wang, '你负责3栋');
    await next({ toId: wang.id }, '已转给 李师傅 · 网格员');
    const toLi = await next({ toId: li.id }, '【转办给您】');
    expect(toLi.text).toContain('由 王师傅 转来，说明：你负责3栋');
    expect(toLi.text).toMatch(/5\. 退回/);

    await h.say(li, '5');
    await next({ toId: li.id }, '请写下退回原因');
    await h.say(li, '不是我片区的');
    await next({ toId: li.id }, '已退回派单');
    expect((await next({ toId: wang.id }, '【退回派单】')).text).toContain('李师傅 退回，原因：不是我片区的');

    const [complaint] = (
      await services.complaints.list(SYSTEM_ACTOR.principal, { orgId: chain.compound, limit: 5 })
    ).items;
    const detail = await services.complaints.get(SYSTEM_ACTOR.principal, complaint!.id);
    expect(detail).toMatchObject({ status: 'accepted', assigneeId: null });
    expect(detail.events.map((e: { type: string }) => e.type)).toEqual([
      'submitted',
      'accept',
      'transfer',
      'return',
    ]);
  }, 120_000);
});
