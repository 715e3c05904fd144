import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedBuiltinFlows } from '../../src/app/builtin-flows.js';
import type { Services } from '../../src/app/modules.js';
import { FlowEngine } from '../../src/flows/flow-engine.js';
import { TurnContexts } from '../../src/flows/turn-context.js';
import { SYSTEM_ACTOR } from '../../src/kernel/access/principal.js';
import { InboundDispatcher } from '../../src/kernel/chat/dispatcher.js';
import type { InboundMessage } from '../../src/kernel/chat/port.js';
import type { Db, Queryable, QueryOptions } from '../../src/kernel/db/db.js';
import { Outbox } from '../../src/kernel/outbox/outbox.js';
import { createQueueBackend, type QueueBackend } from '../../src/kernel/queue/backend.js';

import { openTestDb } from '../support/db.js';
import { engines } from '../support/env.js';
import { seedCompoundChain } from '../support/org-chain.js';
import { quietServices } from '../support/services.js';

const ROOM = { externalId: 'room-1@chatroom', kind: 'group' as const, title: '阳光业主群' };
let seq = 0;

// Both ways the dispatcher can start: its own reads (handledBefore, chat, writer), and the one
// statement of TurnContexts the runtime uses (which also reads the engine's pre-check).
const setups = engines().flatMap((engine) =>
  (['dispatcher', 'turn-contexts'] as const).map((lookup) => ({ engine, lookup })),
);

describe.each(setups)('flow engine on $engine (first read: $lookup)', ({ engine, lookup }) => {
  let db: Db;
  let queues: QueueBackend;
  let s: Services;
  let clock: Date;
  let compound: number;
  let flows: FlowEngine;
  let dispatcher: InboundDispatcher;

  const build = () => {
    const outbox = new Outbox(db, queues, null);
    flows = new FlowEngine({
      db,
      actions: s.actions,
      lookups: s.lookups,
      queues,
      outbox,
      logger: pino({ level: 'silent' }),
      now: () => clock,
    });
    const contexts = new TurnContexts(db);
    dispatcher = new InboundDispatcher({
      db,
      chats: s.chats,
      speakers: s.speakers,
      outbox,
      logger: pino({ level: 'silent' }),
      next: async (ctx) => void (await flows.handle(ctx)),
      ...(lookup === 'turn-contexts' ? { lookup: (m: InboundMessage) => contexts.load(m) } : {}),
    });
  };
  const say = (who: string, text: string, extra: Partial<InboundMessage> = {}) =>
    dispatcher.handle({
      channel: 'wechat',
      updateId: `u${++seq}`,
      messageId: `m${seq}`,
      chat: ROOM,
      sender: { externalId: `wx-${who}`, displayName: who, isBot: false },
      text,
      addressedToBot: true,
      media: [],
      receivedAt: clock,
      ...extra,
    });
  /** The bot's messages to one person, in order (texts, with choices as labels). */
  const toPerson = async (who: string) =>
    (
      await db.query<{
        message: { text: string; mention?: { externalId: string }; choices?: { label: string }[] };
      }>('SELECT message FROM linli.deliveries ORDER BY id')
    ).rows
      .map((r) => r.message)
      .filter((m) => m.mention?.externalId === `wx-${who}`);
  const last = async (who: string) => (await toPerson(who)).at(-1)!;
  /**
   * A complaint started in the group, going on there: the flow first offers the private chat
   * (anonymity is asked only there), and "1" takes its offer to continue in the group.
   */
  const complainInGroup = async (who: string, keyword = '投诉') => {
    await say(who, keyword);
    expect((await last(who)).text).toContain('为保护您的隐私，报事请私聊我');
    await say(who, '1');
  };

  /** Counts the transactions begun from now on. */
  const countTransactions = () => {
    const counter = { n: 0 };
    const transaction = db.transaction.bind(db);
    db.transaction = (<T>(fn: (tx: Queryable) => Promise<T>) => {
      counter.n++;
      return transaction(fn);
    }) as Db['transaction'];
    return counter;
  };

  beforeEach(async () => {
    clock = new Date('2026-11-23T02:00:00Z');
    db = await openTestDb(engine);
    queues = await createQueueBackend({ db });
    s = quietServices(db);
    compound = (await seedCompoundChain(s)).compound;
    await s.units.importUnits(SYSTEM_ACTOR, compound, [
      { building: '3栋', unit: '2单元', room: '501', area: '90', owners: [] },
    ]);
    await s.chats.bindDirect(SYSTEM_ACTOR, compound, {
      channel: 'wechat',
      externalChatId: ROOM.externalId,
      purpose: 'residents',
    });
    await seedBuiltinFlows(db, s.actions);
    build();
  });
  afterEach(async () => {
    await queues.close();
    await db.close();
  });

  it('files a complaint: re-prompts with the reason, checks the unit, ends with the number', async () => {
    await complainInGroup('张伟');
    const first = await last('张伟');
    expect(first.text).toBe('您好，您要反映哪一类问题？');
    expect(first.choices?.map((c) => c.label)).toContain('电梯');
    await say('张伟', '5'); // the 5th category: 电梯
    expect((await last('张伟')).text).toMatch(/请简单说一下/);
    await say('张伟', '坏了');
    expect((await last('张伟')).text).toMatch(/^内容太短，至少要 5 个字。请再说一遍。\n请简单说一下/);
    await say('张伟', '3号电梯停在5楼不动了');
    await say('张伟', '9栋1单元101');
    expect((await last('张伟')).text).toMatch(/^小区里没有找到这个房号/);
    await say('张伟', '3栋2单元501');
    await say('张伟', '跳过'); // the photo; no anonymity question in the group
    const confirm = await last('张伟');
    expect(confirm.text).toContain('类别：电梯');
    expect(confirm.text).toContain('位置：3栋2单元501');
    await say('张伟', '是');
    const done = await last('张伟');
    expect(done.text).toMatch(/^已受理！您的报事编号是 \d{8}-\d{4}。/);
    const { rows } = await db.query<{
      number: string;
      category: string;
      building: string;
      anonymous: boolean;
    }>('SELECT number, category, building, anonymous FROM linli.complaints');
    expect(rows).toEqual([expect.objectContaining({ category: 'lifts', building: '3栋', anonymous: false })]);
    expect(done.text).toContain(rows[0]!.number);
  });

  it('ignores chatter without a transaction, and sees a newly published trigger at once', async () => {
    await say('张伟', '今天天气不错'); // warms the cache of flows in effect at the compound
    expect(await toPerson('张伟')).toEqual([]);
    const { rows: convs } = await db.query('SELECT id FROM linli.conversations');
    expect(convs).toEqual([]);
    await say('张伟', '修电梯');
    expect(await toPerson('张伟')).toEqual([]);
    // the compound words its complaint flow its own way, with one more keyword
    const global = (
      await db.query<{ definition: Record<string, unknown> & { triggers: unknown[] } }>(
        `SELECT definition FROM linli.flows WHERE key = 'complaint' AND version = 1`,
      )
    ).rows[0]!.definition;
    const own = { ...global, triggers: [...global.triggers, { type: 'keyword', keywords: ['修电梯'] }] };
    await s.flows.putDraft(SYSTEM_ACTOR, 'complaint', own, compound);
    await s.flows.publish(SYSTEM_ACTOR, 'complaint', compound);
    await say('张伟', '修电梯');
    expect((await last('张伟')).text).toContain('为保护您的隐私，报事请私聊我');
  });

  it('keeps two residents of one group apart, and survives a restart mid-conversation', async () => {
    await complainInGroup('张伟', '报事');
    await complainInGroup('王芳', '报事');
    await say('张伟', '1');
    await say('王芳', '3');
    build(); // a new engine: all state is in the database
    await say('王芳', '楼下总有车堵消防通道');
    await say('张伟', '楼道灯坏了好几天了');
    for (const [who, cat] of [
      ['张伟', '公共设施维修'],
      ['王芳', '停车'],
    ] as const) {
      await say(who, '跳过');
      await say(who, '跳过');
      const c = await last(who);
      expect(c.text).toContain(`类别：${cat}`);
      await say(who, '是');
    }
    const { rows } = await db.query<{ category: string; description: string; anonymous: boolean }>(
      'SELECT category, description, anonymous FROM linli.complaints ORDER BY id',
    );
    expect(rows).toEqual([
      { category: 'repairs', description: '楼道灯坏了好几天了', anonymous: false },
      { category: 'parking', description: '楼下总有车堵消防通道', anonymous: false },
    ]);
  });

  it('takes an anonymous report only in the private chat; an edited flow cannot take one in the group', async () => {
    const dm = (who: string) => ({ externalId: `wx-${who}`, kind: 'private' as const });
    const inPrivate = (who: string, text: string) => say(who, text, { chat: dm(who) });
    const lastPrivate = async (who: string) =>
      (
        await db.query<{ message: { text: string } }>(
          `SELECT message FROM linli.deliveries WHERE chat_external_id = $1 AND chat_kind = 'private'
            ORDER BY id DESC LIMIT 1`,
          [`wx-${who}`],
        )
      ).rows[0]?.message.text;

    // someone the bot has never seen (no group message yet) is told how to start, and nothing starts
    await inPrivate('陌生人', '投诉');
    expect(await lastPrivate('陌生人')).toBe('请先在小区居民群里发一句话，或联系网格员登记后再试。');
    expect((await db.query('SELECT id FROM linli.conversations')).rows).toEqual([]);

    // known, but registered at no compound (a community's volunteer): told at once, nothing asked
    const street = (
      await db.query<{ parent_id: number }>('SELECT parent_id FROM linli.orgs WHERE id = $1', [compound])
    ).rows[0]!.parent_id;
    const volunteer = await s.people.create(SYSTEM_ACTOR, { name: '志愿者', orgId: street });
    await s.people.addIdentity(SYSTEM_ACTOR, volunteer.id, { channel: 'wechat', externalId: 'wx-志愿者' });
    await inPrivate('志愿者', '投诉');
    expect(await lastPrivate('志愿者')).toBe(
      '还不知道您是哪个小区的：请先在您小区的居民群里发「投诉」，再按提示私聊我报事。',
    );
    expect((await db.query(`SELECT status FROM linli.conversations`)).rows).toEqual([{ status: 'failed' }]);

    // known from the group: privately, the flow runs at their compound and asks about anonymity
    await say('张伟', '大家好');
    await inPrivate('张伟', '投诉');
    expect(await lastPrivate('张伟')).toBe('您好，您要反映哪一类问题？');
    for (const answer of ['5', '3号电梯停在5楼不动了', '3栋2单元501', '跳过'])
      await inPrivate('张伟', answer);
    expect(await lastPrivate('张伟')).toContain('要匿名吗？');
    await inPrivate('张伟', '是');
    await inPrivate('张伟', '是');
    expect(await lastPrivate('张伟')).toMatch(/^已受理！您的报事编号是/);

    // an admin's flow that asks about anonymity in the group too: the action refuses it there
    const global = (
      await db.query<{ definition: { steps: Record<string, unknown>[] } }>(
        `SELECT definition FROM linli.flows WHERE key = 'complaint' AND org_id IS NULL ORDER BY version DESC LIMIT 1`,
      )
    ).rows[0]!.definition;
    const careless = structuredClone(global);
    Object.assign(careless.steps.find((x) => x.id === 'anonymity')!, { otherwise: 'anonymous' });
    await s.flows.putDraft(SYSTEM_ACTOR, 'complaint', careless, compound);
    await s.flows.publish(SYSTEM_ACTOR, 'complaint', compound);
    await complainInGroup('王芳');
    for (const answer of ['3', '楼下总有车堵消防通道', '跳过', '跳过']) await say('王芳', answer);
    expect((await last('王芳')).text).toContain('要匿名吗？');
    await say('王芳', '是');
    await say('王芳', '是');
    expect((await last('王芳')).text).toBe('匿名报事只能私聊我提交，群里提交的报事会显示您的名字。');

    const { rows } = await db.query<{ description: string; anonymous: boolean }>(
      'SELECT description, anonymous FROM linli.complaints ORDER BY id',
    );
    expect(rows).toEqual([{ description: '3号电梯停在5楼不动了', anonymous: true }]);
  });

  it('cancels at any step with 取消, and ends politely after too many wrong answers', async () => {
    await say('张伟', '投诉');
    await say('张伟', '取消');
    expect((await last('张伟')).text).toBe('好的，已取消。需要时再找我。');
    await say('张伟', '随便说说'); // no conversation, no trigger: nothing
    expect((await toPerson('张伟')).length).toBe(2);
    await complainInGroup('张伟');
    for (const wrong of ['abc', '99', '什么']) await say('张伟', wrong);
    expect((await last('张伟')).text).toMatch(/几次都没能识别/);
    const { rows } = await db.query<{ status: string }>('SELECT status FROM linli.conversations ORDER BY id');
    expect(rows.map((r) => r.status)).toEqual(['cancelled', 'failed']);
  });

  it('times out after inactivity through its job, and a stale job does nothing', async () => {
    await say('张伟', '投诉');
    const { rows } = await db.query<{ id: number; seq: number }>('SELECT id, seq FROM linli.conversations');
    const job = await queues.queue('flows').getJob(`flow-timeout-${rows[0]!.id}-${rows[0]!.seq}`);
    expect(await job?.getState()).toBe('delayed');
    await say('张伟', '1'); // activity: the first job now fires early
    const id = rows[0]!.id;
    expect(await queues.queue('flows').getJob(`flow-timeout-${id}-${rows[0]!.seq + 1}`)).toBeFalsy();
    clock = new Date(clock.getTime() + 9 * 60_000);
    await job?.remove();
    expect(await flows.timeoutDue(id)).toBe('rearmed'); // 9 min after the answer: not yet
    const rearmed = await queues.queue('flows').getJob(`flow-timeout-${id}-${rows[0]!.seq + 1}`);
    expect(await rearmed?.getState()).toBe('delayed');
    expect(rearmed?.opts.delay).toBe(60_000);
    clock = new Date(clock.getTime() + 2 * 60_000);
    expect(await flows.expire(id, rows[0]!.seq)).toBe(false); // a stale seq does nothing
    expect(await flows.sweepExpired()).toBe(1);
    expect((await last('张伟')).text).toMatch(/太久没有回复/);
    await say('张伟', '4');
    expect((await last('张伟')).text).toMatch(/太久没有回复/); // no conversation: "4" starts nothing
  });

  it('registers a resident to a unit of the register (a compound that asks for no approval)', async () => {
    await s.orgs.update(SYSTEM_ACTOR, compound, { settings: { requireResidentApproval: false } });
    await say('李军', '登记');
    await say('李军', '3栋2单元501');
    await say('李军', '是');
    expect((await last('李军')).text).toBe('登记成功！您已是 3栋2单元501 的住户。');
    const { rows } = await db.query<{ status: string }>('SELECT status FROM linli.unit_residents');
    expect(rows).toEqual([{ status: 'approved' }]);
  });

  it('answers without a transaction; a turn whose row moved on meanwhile is taken again under the lock', async () => {
    await complainInGroup('张伟');
    const transactions = countTransactions();
    await say('张伟', '5'); // a plain answer: read, computed, compared and set, no transaction
    expect(transactions.n).toBe(0);
    expect((await last('张伟')).text).toMatch(/请简单说一下/);
    // the row changes between the turn's read and its write (another process, a timeout)
    const query = db.query.bind(db);
    db.query = (async (sql: string, params?: readonly unknown[], opts?: QueryOptions) => {
      if (opts?.prepare === 'linli_turn_write' || /^\s*WITH t AS/.test(sql))
        await query('UPDATE linli.conversations SET seq = seq + 1 WHERE status = $1', ['active']);
      return query(sql, params, opts);
    }) as Db['query'];
    await say('张伟', '3号电梯停在5楼不动了');
    db.query = query;
    expect(transactions.n).toBe(1); // the slow path took it, once
    const mine = await toPerson('张伟');
    expect(mine.at(-1)!.text).toMatch(/^问题在哪儿？/);
    expect(mine.filter((m) => /请简单说一下/.test(m.text))).toHaveLength(1); // answered once
    const { rows } = await db.query<{ answers: Record<string, unknown> }>(
      `SELECT answers FROM linli.conversations WHERE status = 'active'`,
    );
    expect(Object.values(rows[0]!.answers)).toContain('3号电梯停在5楼不动了');
  });

  it('a redelivered update (an id seen before) is dropped', async () => {
    const m = {
      channel: 'wechat' as const,
      updateId: 'redelivered-1',
      messageId: 'mr1',
      chat: ROOM,
      sender: { externalId: 'wx-张伟', displayName: '张伟', isBot: false },
      text: '投诉',
      addressedToBot: true,
      media: [],
      receivedAt: clock,
    };
    await dispatcher.handle(m);
    await dispatcher.handle(m);
    expect(await toPerson('张伟')).toHaveLength(1);
    const { rows } = await db.query('SELECT id FROM linli.conversations');
    expect(rows).toHaveLength(1);
  });

  it('a button answers only the conversation and step it was sent for', async () => {
    await complainInGroup('张伟');
    await complainInGroup('王芳');
    const zhangButtons = (await last('张伟')).choices as unknown as { label: string; payload: string }[];
    const lift = zhangButtons.find((c) => c.label === '电梯')!.payload;
    expect(lift).toMatch(/^opt:\d+\.\d+:lifts$/);
    await say('王芳', '', { text: undefined, choice: lift }); // someone else's button
    expect((await last('王芳')).text).toBe('这个按钮已失效，或不是发给您的。');
    await say('张伟', '', { text: undefined, choice: lift });
    expect((await last('张伟')).text).toMatch(/请简单说一下/);
    await say('张伟', '', { text: undefined, choice: lift }); // pressed again: stale now
    expect((await last('张伟')).text).toBe('这个按钮已失效，或不是发给您的。');
  });
});
