/**
 * An anonymous report leaves no trace of its reporter in any group, on either channel: every
 * message the fakes took into a group (text, mentions, buttons and links) is scanned for the
 * reporter's name, username and platform id, through filing, acceptance, a missed deadline that
 * escalates it, resolution and the reporter later refusing private messages (so no notice may fall
 * back to a group). The complaint views of a compound-level token do not name them either.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { DEFAULT_CATEGORIES } from '../../../src/modules/complaints/categories.js';
import type { FakeUser } from '../../fakes/telegram/index.js';
import type { SentMessage } from '../../fakes/wechat/harness.js';
import { SHANGHAI, seedCompoundChain } from '../../support/org-chain.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';
import { until } from '../../support/until.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

const noise = DEFAULT_CATEGORIES.findIndex((c) => c.code === 'noise') + 1;

describe('an anonymous report on Telegram', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('never shows its reporter in a group, nor to a compound-level token', async () => {
    const GROUP = -100771;
    const REPORTER: FakeUser = { id: 5301, first_name: '吴', last_name: '秘', username: 'wu_secret' };
    const NEIGHBOUR: FakeUser = { id: 5302, first_name: '郑', last_name: '明' };
    const HANDLER: FakeUser = { id: 9301, first_name: '冯涛' };
    t = await startTelegramLinli();
    const { fake, json: api, api: call } = t;
    const { next, press } = telegramChat(fake);
    const sunshine = (await api('GET', '/orgs?kind=compound')).items.find(
      (o: { name: string }) => o.name === '阳光小区',
    );
    const p = await api('POST', '/people', { name: '冯涛', orgId: sunshine.id });
    await api('POST', `/people/${p.id}/identities`, { channel: 'telegram', externalId: String(HANDLER.id) });
    await api('POST', `/orgs/${sunshine.id}/roles`, { personId: p.id, role: 'grid_worker' });
    await api('POST', `/orgs/${sunshine.id}/chats`, {
      channel: 'telegram',
      externalChatId: String(GROUP),
      purpose: 'residents',
    });
    fake.startPrivateChat(HANDLER.id);
    const group = (from: FakeUser, text: string) =>
      fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate({ chatId: GROUP, chatType: 'supergroup', from, text }),
      );
    const dm = (text: string) =>
      fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate({ chatId: REPORTER.id, chatType: 'private', from: REPORTER, text }),
      );

    await group(REPORTER, '/help');
    await next(GROUP, '');
    await group(NEIGHBOUR, '/help');
    await next(GROUP, '');
    // from here on, what the group sees is about the report (the answer to their own /help named them)
    const before = fake.sentMessages().length;
    await dm('/complaint');
    const category = await next(REPORTER.id, '您要反映哪一类问题');
    await press(REPORTER.id, REPORTER, category, '噪音扰民');
    await next(REPORTER.id, '请简单说一下');
    for (const [answer, prompt] of [
      ['隔壁每晚敲墙到一点', '问题在哪儿'],
      ['跳过', '现场照片'],
      ['跳过', '要匿名吗'],
      ['是', '请确认'],
      ['是', '已受理！'],
    ] as const) {
      await dm(answer);
      await next(REPORTER.id, prompt);
    }
    const [complaint] = (await api('GET', `/complaints?orgId=${sunshine.id}`)).items;
    expect(complaint.anonymous).toBe(true);
    await next(GROUP, '【报事进展】');

    // accepted; then the reporter blocks the bot: the resolve notice may not fall back to the group
    await api('POST', `/complaints/${complaint.id}/actions`, { action: 'accept' });
    await next(REPORTER.id, '已受理');
    fake.blockBot(REPORTER.id);
    await api('POST', `/complaints/${complaint.id}/actions`, { action: 'resolve' });
    await next(GROUP, '已处理');
    await expect
      .poll(
        async () => (await api('GET', `/deliveries?orgId=${sunshine.id}&status=unreachable`)).items.length,
        {
          timeout: 15_000,
        },
      )
      .toBe(1);

    const traces = [REPORTER.first_name, REPORTER.last_name!, REPORTER.username!, String(REPORTER.id)];
    const inGroups = fake
      .sentMessages()
      .slice(before)
      .filter((m) => Number(m.chat_id) < 0);
    expect(inGroups.length).toBeGreaterThanOrEqual(2);
    for (const m of inGroups) {
      const seen = JSON.stringify({ params: m.params, entities: m.message.entities });
      for (const trace of traces) expect(seen, `group message ${m.message.text}`).not.toContain(trace);
    }

    // a compound-level admin token sees the complaint, not who filed it, in any view
    const token = await call('POST', '/tokens', { label: '阳光物业', orgId: sunshine.id, role: 'admin' });
    const asCompound = async (path: string) =>
      (
        await fetch(`${t!.base}/api/v1${path}`, { headers: { authorization: `Bearer ${token.body.token}` } })
      ).json();
    const views = [
      await asCompound(`/complaints/${complaint.id}`),
      await asCompound(`/complaints?orgId=${sunshine.id}`),
      await asCompound(`/deliveries?orgId=${sunshine.id}`),
    ];
    const reporterId = (await api('GET', `/complaints/${complaint.id}`)).reporterId;
    expect(reporterId).toEqual(expect.any(Number));
    for (const v of views) {
      const seen = JSON.stringify(v);
      for (const trace of traces) expect(seen).not.toContain(trace);
      expect(seen).not.toMatch(new RegExp(`"(reporterId|personId|actorPersonId)":${reporterId}\\b`));
    }
  }, 90_000);
});

describe('an anonymous report on WeChat', () => {
  let w: WechatLinli | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('never shows its reporter in a group, even after they delete the bot', async () => {
    w = await startWechatLinli();
    const { db, services, mock: h } = w;
    const compound = (await seedCompoundChain(services, '阳光小区', SHANGHAI)).compound;
    const reporter = await h.createResident('吴秘');
    const neighbour = await h.createResident('郑明');
    const room = await h.createRoom('阳光业主群', [reporter, neighbour]);
    await services.chats.bindDirect(SYSTEM_ACTOR, compound, {
      channel: 'wechat',
      externalChatId: room.id,
      purpose: 'residents',
    });
    const taken = new Set<SentMessage>();
    const next = async (where: { toId?: string; roomId?: string }, contains: string) => {
      const m = await h.waitForSent(
        (x) =>
          !taken.has(x) &&
          (where.toId ? x.toId === where.toId : x.roomId === where.roomId) &&
          x.text.includes(contains),
        15_000,
      );
      taken.add(m);
      await until(
        async () =>
          (await db.query(`SELECT 1 FROM linli.deliveries WHERE status = 'queued'`)).rows.length === 0,
        'the outbox to drain',
      );
      return m;
    };

    await h.say(reporter, '帮助', room);
    await next({ roomId: room.id }, '');
    // from here on, what the room sees is about the report (the answer to their own 帮助 named them)
    const before = h.sent.length;
    await w.addsBot(reporter);
    for (const [answer, prompt] of [
      ['投诉', '您要反映哪一类问题'],
      [String(noise), '请简单说一下'],
      ['隔壁每晚敲墙到一点', '问题在哪儿'],
      ['跳过', '现场照片'],
      ['跳过', '要匿名吗'],
      ['1', '请确认'],
      ['1', '已受理！'],
    ] as const) {
      await h.say(reporter, answer);
      await next({ toId: reporter.id }, prompt);
    }
    const [complaint] = (
      await services.complaints.list(SYSTEM_ACTOR.principal, { orgId: compound, limit: 5 })
    ).items;
    expect(complaint!.anonymous).toBe(true);
    await services.complaints.act(SYSTEM_ACTOR, complaint!.id, { action: 'accept' });
    await next({ toId: reporter.id }, '已受理');
    h.unfriend(reporter);
    await services.complaints.act(SYSTEM_ACTOR, complaint!.id, { action: 'resolve' });
    await next({ roomId: room.id }, '已处理');
    await until(
      async () =>
        (await db.query(`SELECT 1 FROM linli.deliveries WHERE status = 'unreachable'`)).rows.length === 1,
      'the refused resolve notice to be on record',
    );

    const inGroups = h.sent.slice(before).filter((m) => m.roomId);
    expect(inGroups.length).toBeGreaterThanOrEqual(2);
    for (const m of inGroups) {
      expect(m.mentionIds).not.toContain(reporter.id);
      expect(m.text).not.toContain('吴秘');
      expect(m.text).not.toContain(reporter.id);
    }
  }, 90_000);
});
