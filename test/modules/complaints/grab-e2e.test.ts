import { afterEach, describe, expect, it } from 'vitest';
import type { FakeUser } from '../../fakes/telegram/index.js';
import { fileLiftComplaint, sunshineHandlers } from '../../support/telegram-complaint.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';

const GROUP = -100557;
const RESIDENT: FakeUser = { id: 5301, first_name: '吴', last_name: '刚' };
const WANG: FakeUser = { id: 9301, first_name: '王师傅' };
const LI: FakeUser = { id: 9302, first_name: '李师傅' };

describe('dispatch by grab (抢单): the first press takes it, the others’ notices say who did', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('offers 抢单 to every handler; the first wins, a late press is told, an admin’s assignment reaches the assignee', async () => {
    t = await startTelegramLinli();
    const { fake, api, json } = t;
    const { compound: sunshine, people } = await sunshineHandlers(t, GROUP, [WANG, LI]);
    // an unknown mode is refused, naming the field; grab for every category of the compound
    const bad = await api('PATCH', `/orgs/${sunshine.id}`, {
      settings: { dispatch: { '*': 'rotate' } },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('settings.dispatch');
    const set = await api('PATCH', `/orgs/${sunshine.id}`, { settings: { dispatch: { '*': 'grab' } } });
    expect(set.status).toBe(200);

    const chat = telegramChat(fake);
    const { next, buttons, press } = chat;
    await fileLiftComplaint(fake, chat, GROUP, RESIDENT, '5号电梯异响');

    const toWang = await next(WANG.id, '【新报事】');
    const toLi = await next(LI.id, '【新报事】');
    for (const n of [toWang, toLi]) expect(buttons(n).map((b) => b.text)).toEqual(['抢单', '补充说明']);

    await press(WANG.id, WANG, toWang, '抢单');
    await next(WANG.id, '已由您接单并受理');
    await next(RESIDENT.id, '已受理，正在处理');
    // 李师傅's own notice becomes 【已接单】… in place, its 抢单 button gone
    const edited = await fake.waitForCall('editMessageText', {
      timeoutMs: 15_000,
      predicate: (c) => Number(c.params.chat_id) === LI.id,
    });
    expect(String(edited.params.text)).toContain('【已接单】');
    expect(String(edited.params.text)).toContain('已由 王师傅 接单');
    expect(edited.params.message_id).toBe(
      (toLi.response as { result: { message_id: number } }).result.message_id,
    );
    expect(edited.params.reply_markup).toBeUndefined();
    expect(fake.callsOf('sendMessage').some((c) => String(c.params.text).includes('【已接单】'))).toBe(false);
    // 李师傅 pressed a moment too late (before the edit reached him): told who took it, nothing changes
    await press(LI.id, LI, toLi, '抢单');
    await next(LI.id, '已由 王师傅 接单。');

    const [complaint] = (await json('GET', `/complaints?orgId=${sunshine.id}`)).items;
    const detail = await json('GET', `/complaints/${complaint.id}`);
    expect(detail.status).toBe('accepted');
    expect(detail.events.map((e: { type: string }) => e.type)).toEqual(['submitted', 'grab']);
    // grab is a person's press in chat, not an API action
    expect((await api('POST', `/complaints/${complaint.id}/actions`, { action: 'grab' })).status).toBe(400);

    // the committee reassigns it to 李师傅: he hears of it, with the handler's buttons
    await json('POST', `/complaints/${complaint.id}/actions`, {
      action: 'assign',
      assigneeId: people.李师傅,
    });
    const assigned = await next(LI.id, '【分派给您】');
    expect(buttons(assigned).map((b) => b.text)).toEqual(['受理', '补充说明', '已处理', '转办', '退回']);
  }, 60_000); // a whole process and a dozen chat steps
});
