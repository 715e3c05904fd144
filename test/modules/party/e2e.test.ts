/**
 * Party members and tasks end to end on Telegram, through `startLinli` and the fake Bot API
 * (webhook): a member reports to the compound through the 党员报到 flow in a private chat, the
 * compound's party secretary approves by button, the community pushes a volunteer task, the
 * member accepts it by button and completes it with a note, a photo and the hours served; the
 * service record shows it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeUser } from '../../fakes/telegram/index.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';

const GROUP = -100777;
const MEMBER: FakeUser = { id: 6101, first_name: '张', last_name: '伟' };
const LATE: FakeUser = { id: 6102, first_name: '周', last_name: '涛' };
const SECRETARY: FakeUser = { id: 9201, first_name: '孙丽' };
const BRANCH_SECRETARY: FakeUser = { id: 9202, first_name: '税务局书记' };

describe('party members and tasks in chat (Telegram)', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('registration → secretary approves → task pushed → accept (slot race lost by the second) → complete with note and photo', async () => {
    t = await startTelegramLinli();
    // Every party member and secretary here opened a private chat with the bot (tapped Start). A person who never did cannot be written to
    // privately on Telegram (the fake answers 403): such a notice is recorded unreachable (reach.ts); party notices have no group fallback.
    for (const u of [MEMBER, LATE, SECRETARY, BRANCH_SECRETARY]) t.fake.startPrivateChat(u.id);
    const { fake, json: api } = t;
    const sunshine = (await api('GET', '/orgs?kind=compound')).items.find(
      (o: { name: string }) => o.name === '阳光小区',
    );
    const secretary = (await api('GET', `/people?q=${encodeURIComponent('阳光支部书记')}`)).items[0];
    await api('POST', `/people/${secretary.id}/identities`, {
      channel: 'telegram',
      externalId: String(SECRETARY.id),
    });
    const branchSecretary = await api('POST', '/people', { name: '税务局书记', orgId: sunshine.parentId });
    await api('POST', `/people/${branchSecretary.id}/identities`, {
      channel: 'telegram',
      externalId: String(BRANCH_SECRETARY.id),
    });
    const branch = await api('POST', '/party-branches', {
      orgId: sunshine.parentId,
      name: '市税务局第二党支部',
      secretaryPersonId: branchSecretary.id,
    });
    expect(branch.id).toBeGreaterThan(0);
    await api('POST', `/orgs/${sunshine.id}/chats`, {
      channel: 'telegram',
      externalChatId: String(GROUP),
      purpose: 'residents',
    });
    // residents write plain text in the group (comments, a first message): the compound made the bot
    // an administrator of it, as the bind reply asks; with privacy mode alone it would not see them
    fake.setBotAdmin(GROUP);

    const { next, buttons, press } = telegramChat(fake);
    const say = (from: FakeUser, text: string) =>
      fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate({ chatId: from.id, chatType: 'private', from, text }),
      );

    // both members are known from the residents' group, then report privately
    for (const who of [MEMBER, LATE]) {
      await fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate({ chatId: GROUP, chatType: 'supergroup', from: who, text: '大家好' }),
      );
    }
    const registerAs = async (who: FakeUser, name: string) => {
      await say(who, '党员报到');
      await next(who.id, '请问您的真实姓名');
      await say(who, name);
      await next(who.id, '哪个党支部');
      await say(who, '市税务局第三党支部'); // unknown: asked again
      await next(who.id, '没有找到这个党支部');
      await next(who.id, '哪个党支部');
      await say(who, '市税务局第二党支部');
      await next(who.id, '到哪个小区报到');
      await say(who, '阳光小区');
      const choose = await next(who.id, '请选择您的承诺事项');
      expect(String(choose.params.text)).toContain('1. 全部五项');
      await say(who, '7');
      await next(who.id, '请选择您的承诺事项');
      await say(who, '1');
      await next(who.id, '自己的承诺');
      await say(who, '每月陪独居老人散步一次；帮邻居收快递');
      await next(who.id, '报到申请已提交（市税务局第二党支部 → 阳光小区）');
    };
    await registerAs(MEMBER, '张伟');
    const review = await next(SECRETARY.id, '【党员报到】张伟（市税务局第二党支部）申请到 阳光小区 报到');
    expect(buttons(review).map((b) => b.text)).toEqual(['通过', '不通过']);
    // only the compound's party secretary decides
    await press(MEMBER.id, MEMBER, review, '通过');
    await next(MEMBER.id, '只有该小区的党支部书记可以审核');
    await press(SECRETARY.id, SECRETARY, review, '通过');
    await next(SECRETARY.id, '已通过 张伟 的党员报到');
    await next(MEMBER.id, '党员报到已审核通过');
    await press(SECRETARY.id, SECRETARY, review, '不通过');
    await next(SECRETARY.id, '已经审核过了');

    await registerAs(LATE, '周涛');
    const review2 = await next(SECRETARY.id, '【党员报到】周涛');
    await press(SECRETARY.id, SECRETARY, review2, '通过');
    await next(LATE.id, '党员报到已审核通过');

    const members = await api('GET', `/party-members?orgId=${sunshine.id}&status=approved`);
    const zhang = members.items.find((m: { name: string }) => m.name === '张伟');
    expect(zhang).toMatchObject({
      branchName: '市税务局第二党支部',
      ownCommitments: ['每月陪独居老人散步一次', '帮邻居收快递'],
    });
    expect(zhang.commitments).toHaveLength(5);

    // the community pushes a task with one slot to every member reporting in its subtree
    const due = new Date(Date.now() + 48 * 3600_000).toISOString();
    const task = await api('POST', '/tasks', {
      orgId: sunshine.parentId,
      title: '消防通道巡查',
      place: '阳光小区北门',
      dueAt: due,
      volunteersNeeded: 1,
    });
    expect(task).toMatchObject({ slots: 1, status: 'open' });
    const push = await next(MEMBER.id, '【志愿者招募】需要 1 人，先到先得。消防通道巡查');
    const push2 = await next(LATE.id, '【志愿者招募】需要 1 人');
    expect(buttons(push).map((b) => b.text)).toEqual(['接受', '婉拒']);
    await press(MEMBER.id, MEMBER, push, '接受');
    await next(MEMBER.id, '「消防通道巡查」算您一个');
    const accepted = await next(MEMBER.id, '已为您登记任务「消防通道巡查」');
    // the second accepter is in the middle of another conversation: the press is still a press
    await say(LATE, '党员报到');
    await next(LATE.id, '请问您的真实姓名');
    await press(LATE.id, LATE, push2, '接受');
    await next(LATE.id, '名额已满');
    await say(LATE, '取消');
    await next(LATE.id, '已取消');

    // completion: note, photo, hours
    await press(MEMBER.id, MEMBER, accepted, '完成任务');
    await next(MEMBER.id, '「消防通道巡查」完成得怎么样');
    await say(MEMBER, '清理了北门通道的三辆电动车');
    await next(MEMBER.id, '请拍一张现场照片');
    await say(MEMBER, '没带手机');
    await next(MEMBER.id, '请发一张照片');
    const photo = fake.makeTextMessageUpdate({
      chatId: MEMBER.id,
      chatType: 'private',
      from: MEMBER,
      text: 'x',
    });
    const message = (photo as unknown as { message: Record<string, unknown> }).message;
    delete message.text;
    message.photo = [{ file_id: 'photo-north-gate', file_unique_id: 'u1', width: 800, height: 600 }];
    await fake.deliverUpdateToWebhook(photo);
    await next(MEMBER.id, '这次服务了几个小时');
    await say(MEMBER, '2');
    await next(MEMBER.id, '已记录：「消防通道巡查」完成，服务 2.0 小时');

    // the task is done; a late reply to it is answered and records nothing
    await press(MEMBER.id, MEMBER, accepted, '完成任务');
    await next(MEMBER.id, '这个任务已经结束了');
    await press(LATE.id, LATE, push2, '婉拒');
    await next(LATE.id, '这个任务已经结束了');
    const detail = await api('GET', `/tasks/${task.id}`);
    expect(detail.status).toBe('done');
    expect(detail.assignments).toEqual([
      expect.objectContaining({
        name: '张伟',
        status: 'completed',
        note: '清理了北门通道的三辆电动车',
        photo: expect.stringMatching(/^media:\d+$/),
        hours: '2.0',
      }),
      expect.objectContaining({ name: '周涛', status: 'invited' }),
    ]);
    const record = await api('GET', `/party-members/${zhang.id}/service-record`);
    expect(record).toMatchObject({ tasksDone: 1, hours: '2.0' });
  }, 120_000);
});
