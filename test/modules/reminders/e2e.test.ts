/**
 * Reminders end to end: delivered through the real outbound path, 收到 pressed (Telegram button) or
 * answered by number (WeChat), and the follow-up reaching only those who did not acknowledge. Time
 * is driven by calling the reconciler with an explicit `now` (the injectable clock), never by waiting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { insertIdentity, insertPerson } from '../../../src/modules/people/repository.js';
import type { FakeUser } from '../../fakes/telegram/index.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

const GROUP = -100777;
const HOUR = 3_600_000;

describe('reminders through the Telegram fake', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('private reminder with 收到; the follow-up only to the one who did not press it; a group 收到', async () => {
    t = await startTelegramLinli();
    const { fake, api, linli } = t;
    const sunshine = (await api('GET', '/orgs?kind=compound')).body.items.find(
      (o: { name: string }) => o.name === '阳光小区',
    );
    const users: FakeUser[] = [
      { id: 6101, first_name: '甲' },
      { id: 6102, first_name: '乙' },
      { id: 6103, first_name: '丁' },
    ];
    // 甲 and 乙 opened a private chat with the bot (tapped Start). A person who never did cannot be written to
    // privately on Telegram (the fake answers 403): such a reminder is recorded unreachable (reach.ts); reminders have no group fallback.
    // 丁 never did: the reminder to 丁 is refused (403) and marked unreachable on the occurrence
    for (const u of users.slice(0, 2)) fake.startPrivateChat(u.id);
    const personIds: number[] = [];
    for (const u of users) {
      const p = await api('POST', '/people', { name: u.first_name, orgId: sunshine.id });
      await api('POST', `/people/${p.body.id}/identities`, { channel: 'telegram', externalId: String(u.id) });
      personIds.push(p.body.id);
    }
    await api('POST', `/orgs/${sunshine.id}/chats`, {
      channel: 'telegram',
      externalChatId: String(GROUP),
      purpose: 'residents',
    });

    const at = new Date(Date.now() + HOUR);
    const created = await api('POST', '/reminders', {
      orgId: sunshine.id,
      audience: { kind: 'people', personIds },
      text: '{org}：{date} {time} 三方联席会议，请准时参加',
      schedule: { at: at.toISOString() },
      ack: { followUpAfterHours: 2 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const reminders = linli.services.reminders;

    const { next, press } = telegramChat(fake);

    expect(await reminders.reconcile(new Date(at.getTime() + 1000))).toMatchObject({ fired: 1 });
    const toA = await next(users[0]!.id, '三方联席会议');
    await next(users[1]!.id, '三方联席会议');
    expect(String(toA.params.text)).toContain('阳光小区：');
    await press(users[0]!.id, users[0]!, toA, '收到');
    await next(users[0]!.id, '已确认收到');
    await press(users[0]!.id, users[0]!, toA, '收到');
    await next(users[0]!.id, '已经确认过');
    await expect
      .poll(async () => (await api('GET', `/reminders/${created.body.id}`)).body.occurrences[0].unreachable, {
        timeout: 15_000,
      })
      .toBe(1);

    expect(await reminders.reconcile(new Date(at.getTime() + 2 * HOUR + 1000))).toMatchObject({
      followUps: 1,
    });
    const followUp = await next(users[1]!.id, '【提醒·请确认】');
    await press(users[1]!.id, users[1]!, followUp, '收到');
    await next(users[1]!.id, '已确认收到');
    const keys = (
      await linli.db.query<{ person_id: number }>(
        `SELECT person_id FROM linli.deliveries WHERE idempotency_key LIKE $1`,
        [`reminder-${created.body.id}-o%-f-%`],
      )
    ).rows;
    expect(keys).toEqual([{ person_id: personIds[1] }]);
    expect(
      fake.calls.filter(
        (c) => Number(c.params.chat_id) === users[0]!.id && String(c.params.text).includes('【提醒'),
      ),
    ).toEqual([]);
    const detail = await api('GET', `/reminders/${created.body.id}`);
    // no follow-up went into the refusal: only 乙 was reminded again
    expect(detail.body.occurrences[0]).toMatchObject({
      recipients: 3,
      acknowledged: 2,
      unreachable: 1,
      followUpStatus: 'sent',
    });

    // the residents' group: a notice with 收到; whoever presses it in the group is recorded
    const groupAt = new Date(Date.now() + 3 * HOUR);
    const group = await api('POST', '/reminders', {
      orgId: sunshine.id,
      audience: { kind: 'group', orgId: sunshine.id },
      text: '本周六 {time} 消防演练',
      schedule: { at: groupAt.toISOString() },
      ack: {},
    });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    await reminders.reconcile(new Date(groupAt.getTime() + 1000));
    const notice = await next(GROUP, '消防演练');
    const resident: FakeUser = { id: 6201, first_name: '丙' };
    await press(GROUP, resident, notice, '收到');
    await next(GROUP, '已确认收到');
    const g = await api('GET', `/reminders/${group.body.id}`);
    expect(g.body.occurrences[0]).toMatchObject({ recipients: 1, acknowledged: 1 });
  }, 90_000);
});

describe('reminders through the WeChat mock', () => {
  let w: WechatLinli | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('numbered reply 1 acknowledges; the follow-up goes only to the other', async () => {
    w = await startWechatLinli({ flows: false });
    const { db, services, mock: h } = w;
    const ids = await seedCompoundChain(services);

    const zhang = await h.createResident('张伟');
    const wang = await h.createResident('王芳');
    // private reminders reach only friends of the account: both have added the bot, it accepted
    await w.addsBot(zhang);
    await w.addsBot(wang);
    const personIds: number[] = [];
    for (const c of [zhang, wang]) {
      personIds.push(
        await db.transaction(async (tx) => {
          const p = await insertPerson(tx, { name: c.payload.name, orgId: ids.compound });
          await insertIdentity(tx, { personId: p.id, channel: 'wechat', externalId: c.id });
          return p.id;
        }),
      );
    }
    const at = new Date(Date.now() + HOUR);
    const r = await services.reminders.create(SYSTEM_ACTOR, {
      orgId: ids.compound,
      audience: { kind: 'people', personIds },
      text: '{date} 请交本季度党费',
      locale: 'zh-CN',
      schedule: { at: at.toISOString() },
      ack: { followUpAfterHours: 1 },
    });
    await services.reminders.reconcile(new Date(at.getTime() + 1000));
    const toZhang = await h.waitForSent((m) => m.toId === zhang.id && m.text.includes('党费'), 15_000);
    expect(toZhang.text).toContain('1. 收到');
    await h.waitForSent((m) => m.toId === wang.id && m.text.includes('党费'), 15_000);

    await h.say(zhang, '1');
    await h.waitForSent((m) => m.toId === zhang.id && m.text.includes('已确认收到'), 15_000);

    await services.reminders.reconcile(new Date(at.getTime() + HOUR + 1000));
    const followUp = await h.waitForSent(
      (m) => m.toId === wang.id && m.text.includes('【提醒·请确认】'),
      15_000,
    );
    expect(followUp.text).toContain('1. 收到');
    await h.say(wang, '1');
    await h.waitForSent((m) => m.toId === wang.id && m.text.includes('已确认收到'), 15_000);
    expect(h.sent.filter((m) => m.toId === zhang.id && m.text.includes('【提醒'))).toEqual([]);
    const detail = await services.reminders.get(SYSTEM_ACTOR.principal, r.id);
    expect(detail.occurrences[0]).toMatchObject({ recipients: 2, acknowledged: 2, followUpStatus: 'sent' });

    // a residents' group: no numbered choices in a WeChat group, a plain 收到 answers the latest reminder
    const room = await h.createRoom('阳光业主群', [zhang, wang]);
    await db.query(
      `INSERT INTO linli.chats (channel, external_chat_id, org_id, purpose, bound_via) VALUES ('wechat', $1, $2, 'residents', 'admin')`,
      [room.id, ids.compound],
    );
    const groupAt = new Date(Date.now() + 2 * HOUR);
    const g = await services.reminders.create(SYSTEM_ACTOR, {
      orgId: ids.compound,
      audience: { kind: 'group', orgId: ids.compound },
      text: '{date} 停水通知：9:00–12:00',
      locale: 'zh-CN',
      schedule: { at: groupAt.toISOString() },
      ack: {},
    });
    await services.reminders.reconcile(new Date(groupAt.getTime() + 1000));
    const notice = await h.waitForSent((m) => m.roomId === room.id && m.text.includes('停水通知'), 15_000);
    expect(notice.text).toContain('请回复“收到”确认。');
    expect(notice.text).not.toContain('1. 收到');
    await h.say(wang, '收到', room);
    const reply = await h.waitForSent((m) => m.roomId === room.id && m.text.includes('已确认收到'), 15_000);
    expect(reply.mentionIds).toEqual([wang.id]);
    const gd = await services.reminders.get(SYSTEM_ACTOR.principal, g.id);
    expect(gd.occurrences[0]).toMatchObject({ recipients: 1, acknowledged: 1 });
  }, 60_000);
});
