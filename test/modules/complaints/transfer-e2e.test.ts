import { afterEach, describe, expect, it } from 'vitest';
import type { FakeUser } from '../../fakes/telegram/index.js';
import { fileLiftComplaint, sunshineHandlers } from '../../support/telegram-complaint.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';

const GROUP = -100661;
const RESIDENT: FakeUser = { id: 5401, first_name: '陈', last_name: '静' };
const WANG: FakeUser = { id: 9401, first_name: '王师傅' };
const LI: FakeUser = { id: 9402, first_name: '李师傅' };

describe('transfer (转办) and return (退回) in chat and over the API', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('who accepts has it; they hand it on with a note, the colleague returns it with a reason, dispatch hears why', async () => {
    t = await startTelegramLinli();
    const { fake, api, json } = t;
    const { compound: sunshine, people } = await sunshineHandlers(t, GROUP, [WANG, LI]);
    const chat = telegramChat(fake);
    const { next, buttons, press } = chat;
    const say = (from: FakeUser, text: string) =>
      fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate({ chatId: from.id, chatType: 'private', from, text }),
      );
    await fileLiftComplaint(fake, chat, GROUP, RESIDENT, '3号电梯按钮失灵');

    const toWang = await next(WANG.id, '【新报事】');
    const toLi = await next(LI.id, '【新报事】');
    expect(buttons(toWang).map((b) => b.text)).toEqual(['受理', '补充说明', '已处理', '转办']);
    // 王师傅 accepts: he has it now
    await press(WANG.id, WANG, toWang, '受理');
    await next(WANG.id, '已受理');
    const [complaint] = (await json('GET', `/complaints?orgId=${sunshine.id}`)).items;
    expect((await json('GET', `/complaints/${complaint.id}`)).assigneeId).toBe(people.王师傅);

    // 转办: a number off the list is told why and asked again; then a note, and it is 李师傅's
    await press(WANG.id, WANG, toWang, '转办');
    const list = await next(WANG.id, '转给谁？');
    // the handlers of the compound (the seed's and 李师傅), then their roles; not 王师傅 himself, nobody above
    const lines = String(list.params.text).split('\n').slice(1);
    expect(lines).toContain(`${lines.findIndex((l) => l.includes('李师傅')) + 1}. 李师傅 · 物业经理`);
    expect(lines.at(-1)).toMatch(/^\d+\. 物业经理（岗位，由任一物业经理接手）$/);
    expect(lines.join()).not.toMatch(/王师傅|街道|市级/);
    await say(WANG, '99');
    await next(WANG.id, `请回复列表中的编号（1–${lines.length}）`);
    await next(WANG.id, '转给谁？');
    await say(WANG, '李师傅');
    await next(WANG.id, '转给 李师傅 · 物业经理。请写一句转办说明');
    await say(WANG, '电梯维保归你负责');
    await next(WANG.id, '已转给 李师傅 · 物业经理');
    const toLiNow = await next(LI.id, '【转办给您】');
    expect(String(toLiNow.params.text)).toContain('由 王师傅 转来，说明：电梯维保归你负责');
    expect(buttons(toLiNow).map((b) => b.text)).toEqual(['受理', '补充说明', '已处理', '转办', '退回']);
    let detail = await json('GET', `/complaints/${complaint.id}`);
    expect(detail.status).toBe('accepted');
    expect(detail.assigneeId).toBe(people.李师傅);
    expect(detail.events.at(-1)).toMatchObject({
      type: 'transfer',
      assigneeId: people.李师傅,
      priorAssigneeId: people.王师傅,
      note: '电梯维保归你负责',
    });

    // 退回 needs a reason: one character is re-asked, saying why
    await press(LI.id, LI, toLiNow, '退回');
    await next(LI.id, '请写下退回原因');
    await say(LI, '否');
    await next(LI.id, '退回需要写明原因');
    await say(LI, '这是电梯公司的维保范围');
    await next(LI.id, '已退回派单');
    const back = await next(WANG.id, '【退回派单】');
    expect(String(back.params.text)).toContain('李师傅 退回，原因：这是电梯公司的维保范围');
    detail = await json('GET', `/complaints/${complaint.id}`);
    expect(detail).toMatchObject({ status: 'accepted', assigneeId: null, assignedRole: null });
    expect(detail.events.map((e: { type: string }) => e.type)).toEqual([
      'submitted',
      'accept',
      'transfer',
      'return',
    ]);
    // the resident heard nothing of the internal moves after 已受理
    await next(RESIDENT.id, '已受理，正在处理');
    expect(
      fake
        .callsOf('sendMessage')
        .filter((c) => Number(c.params.chat_id) === RESIDENT.id && /转|退回/.test(String(c.params.text))),
    ).toEqual([]);
    // 李师傅's own old notice can no longer return it: nobody has it
    await press(LI.id, LI, toLiNow, '退回');
    await next(LI.id, '请写下退回原因');
    await say(LI, '再退一次');
    await next(LI.id, '目前没有人接手，不需要退回');

    // over the API: bad bodies name the field and change nothing
    const act = (body: object) => api('POST', `/complaints/${complaint.id}/actions`, body);
    const noReason = await act({ action: 'return' });
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(noReason.body)).toContain('"note"');
    const both = await act({ action: 'transfer', assigneeId: people.李师傅, role: 'property_manager' });
    expect(both.status).toBe(400);
    const notHandlerRole = await act({ action: 'transfer', role: 'committee_member' });
    expect(notHandlerRole.status).toBe(400);
    expect(JSON.stringify(notHandlerRole.body)).toContain('role');
    const resident = (await json('GET', `/complaints/${complaint.id}`)).reporterId;
    const notHandler = await act({ action: 'transfer', assigneeId: resident });
    expect(notHandler.status).toBe(400);
    expect(JSON.stringify(notHandler.body)).toContain('"assigneeId"');
    expect((await json('GET', `/complaints/${complaint.id}`)).version).toBe(detail.version);

    // to the role: both property managers hear of it, with the note
    await json('POST', `/complaints/${complaint.id}/actions`, {
      action: 'transfer',
      role: 'property_manager',
      note: '请物业再看一下',
    });
    for (const u of [WANG, LI]) {
      const n = await next(u.id, '【转办·物业经理】');
      expect(String(n.params.text)).toContain('请物业再看一下');
    }
    // resolved and closed: a transfer is refused with 409
    for (const action of ['resolve', 'close'])
      await json('POST', `/complaints/${complaint.id}/actions`, { action });
    expect((await act({ action: 'transfer', assigneeId: people.王师傅 })).status).toBe(409);
    void toLi;
  }, 60_000); // a whole process and a dozen chat steps
});
