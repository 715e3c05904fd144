import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { seedBuiltinFlows } from '../../src/app/builtin-flows.js';
import { TurnContexts } from '../../src/flows/turn-context.js';
import {
  type BegunTurn,
  ConversationIds,
  type TurnWrite,
  writeBegunTurn,
  writeLockedTurn,
  writeTurns,
} from '../../src/flows/turn-writes.js';
import { isUniqueViolation } from '../../src/kernel/access/errors.js';
import { orgStampSql } from '../../src/kernel/access/org-chain.js';
import { SYSTEM_ACTOR } from '../../src/kernel/access/principal.js';
import type { InboundMessage } from '../../src/kernel/chat/port.js';
import { markIn } from '../../src/kernel/chat/update-marks.js';
import type { Db, QueryOptions } from '../../src/kernel/db/db.js';
import { insertIdentity, insertPerson } from '../../src/modules/people/repository.js';
import { openTestDb } from '../support/db.js';
import { engines } from '../support/env.js';
import { readsOf, total } from '../support/index-reads.js';
import { seedCompoundChain } from '../support/org-chain.js';
import { quietServices } from '../support/services.js';

// The statements of a conversation turn outside a transaction: the first read (update id, chat,
// writer, active conversation) and the compare-and-set write of many turns at once.
describe.each(engines())('turn path on %s', (engine) => {
  let db: Db;
  let compound: number;
  let path: number[];
  let personId: number;
  let conversationId: number;
  const ROOM = 'room-7@chatroom';
  const now = new Date('2026-11-23T02:00:00Z');
  let seq = 0;

  const message = (sender: string, updateId = `u${++seq}`, chat = ROOM): InboundMessage => ({
    channel: 'wechat',
    updateId,
    messageId: `m${seq}`,
    chat: { externalId: chat, kind: 'group' },
    sender: { externalId: sender, displayName: sender, isBot: false },
    text: '你好',
    addressedToBot: true,
    media: [],
    receivedAt: now,
  });

  beforeEach(async () => {
    db = await openTestDb(engine);
    const s = quietServices(db);
    const chain = await seedCompoundChain(s);
    compound = chain.compound;
    path = [chain.city, chain.district, chain.subdistrict, chain.community, chain.compound];
    await s.chats.bindDirect(SYSTEM_ACTOR, compound, {
      channel: 'wechat',
      externalChatId: ROOM,
      purpose: 'residents',
    });
    await seedBuiltinFlows(db, s.actions);
    const person = await insertPerson(db, { name: '张伟', orgId: compound });
    personId = person.id;
    await insertIdentity(db, { personId, channel: 'wechat', externalId: 'wx-zw', displayName: '张伟' });
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO linli.conversations (channel, chat_external_id, chat_kind, person_id, person_external_id,
         person_display_name, flow_id, org_id, locale, step, answers, seq, expires_at)
       VALUES ('wechat', $1, 'group', $2, 'wx-zw', '张伟', (SELECT min(id) FROM linli.flows WHERE version > 0),
         $3, 'zh-CN', 'ask_a', '{"x":1}', 3, $4) RETURNING id`,
      [ROOM, personId, compound, new Date(now.getTime() + 10 * 60_000)],
    );
    conversationId = rows[0]!.id;
  });
  afterEach(async () => {
    await db.close();
  });

  /** `count` other people, each in a conversation of the same flow in a room of their own, in `status` */
  const otherConversations = (status: string, count: number) =>
    db.query(
      `WITH p AS (INSERT INTO linli.people (name, org_id) SELECT '邻居 ' || n, $2 FROM generate_series(1, $4) n
                  RETURNING id)
       INSERT INTO linli.conversations (channel, chat_external_id, chat_kind, person_id, person_external_id,
         person_display_name, flow_id, org_id, step, status, expires_at)
       SELECT 'wechat', 'room-' || id, 'group', id, 'wx-' || id, '邻居',
              (SELECT flow_id FROM linli.conversations WHERE id = $1), $2, 'ask_a', $3, now() + interval '1 hour'
         FROM p`,
      [conversationId, compound, status, count],
    );

  describe('TurnContexts', () => {
    it('reads the chat, the writer, their active conversation, the org path and the flow generation', async () => {
      const ctx = await new TurnContexts(db).load(message('wx-zw'));
      expect(ctx.fresh).toBe(true);
      expect(ctx.chat).toMatchObject({ orgId: compound, purpose: 'residents', externalChatId: ROOM });
      expect(ctx.person).toMatchObject({ id: personId, name: '张伟', orgId: compound });
      expect(ctx.prefetch.personId).toBe(personId);
      expect(ctx.prefetch.active).toMatchObject({
        id: conversationId,
        seq: 3,
        step: 'ask_a',
        answers: { x: 1 },
      });
      expect(ctx.prefetch.active?.expires_at).toBeInstanceOf(Date);
      expect(ctx.prefetch.orgPath).toEqual(path);
      const { rows } = await db.query<{ gen: number }>(
        'SELECT max(id) AS gen FROM linli.flows WHERE version > 0',
      );
      expect(ctx.prefetch.flowGen).toBe(rows[0]!.gen);
    });

    it('reads the stamp of the org chain a turn will look things up in: the chat’s, else the writer’s', async () => {
      const chainStamp = async (orgId: number) =>
        (await db.query<{ s: string }>(`SELECT ${orgStampSql('$1::bigint')} AS s`, [orgId])).rows[0]!.s;
      const stamp = await chainStamp(compound);
      expect(stamp.split(',')).toHaveLength(path.length);
      const inGroup = await new TurnContexts(db).load(message('wx-zw'));
      expect(inGroup.prefetch.orgFacts).toEqual({ orgId: compound, stamp });
      // a private chat has no chat row: the org is the writer's (whose columns an alias of the
      // stamp's own query once shadowed, so a private turn always read its chain again)
      const privately = await new TurnContexts(db).load({
        ...message('wx-zw', undefined, 'wx-zw'),
        chat: { externalId: 'wx-zw', kind: 'private' },
      });
      expect(privately.chat).toBeNull();
      expect(privately.prefetch.orgFacts).toEqual({ orgId: compound, stamp });
      expect(privately.prefetch.stampOf(compound)).toBe(stamp);
    });

    it('a stranger in an unbound chat: no chat, no person, no conversation', async () => {
      const ctx = await new TurnContexts(db).load(message('wx-nobody', undefined, 'other-room'));
      expect(ctx).toMatchObject({ fresh: true, chat: null, person: null });
      expect(ctx.prefetch).toMatchObject({ personId: null, active: null, orgPath: [] });
    });

    it('records nothing itself: an update is fresh until its mark exists (written with its turn)', async () => {
      const contexts = new TurnContexts(db);
      const [a, b, c] = await Promise.all([
        contexts.load(message('wx-zw', 'dup-1')),
        contexts.load(message('wx-zw', 'dup-1')),
        contexts.load(message('wx-zw', 'dup-2')),
      ]);
      // a redelivery racing its first delivery is fresh too: the turn's mark decides (see writeTurns)
      expect([a.fresh, b.fresh, c.fresh]).toEqual([true, true, true]);
      expect((await db.query('SELECT 1 FROM linli.processed_updates')).rows).toEqual([]);
      expect(await markIn(db, 'wechat', 'dup-2')).toBe(true);
      expect((await contexts.load(message('wx-zw', 'dup-2'))).fresh).toBe(false);
      expect((await contexts.load(message('wx-zw', 'dup-1'))).fresh).toBe(true);
    });
    /** The statement TurnContexts sends for `m` (not run). */
    const contextStatement = async (m: InboundMessage) => {
      const sent: { sql: string; params: unknown[]; opts?: QueryOptions }[] = [];
      const spy = vi.spyOn(db, 'query').mockImplementation((async (
        sql: string,
        params?: unknown[],
        opts?: QueryOptions,
      ) => {
        sent.push({ sql, params: params ?? [], opts });
        return { rows: [], rowCount: 0 };
      }) as unknown as typeof db.query);
      try {
        await new TurnContexts(db).load(m);
      } finally {
        spy.mockRestore();
      }
      expect(sent).toHaveLength(1);
      return sent[0]!;
    };

    it("finds the writer's active conversation by its key, however many others are active", async () => {
      // statistics taken while nothing else was active (a quiet night after a year of ended
      // conversations), then 20,000 other people in the middle of one
      await otherConversations('completed', 50_000);
      await db.query('VACUUM ANALYZE linli.conversations');
      await otherConversations('active', 20_000);
      expect((await new TurnContexts(db).load(message('wx-zw'))).prefetch.active?.id).toBe(conversationId);
      // and the writer in a chat where they have none (found nowhere: no scan may end early);
      // the statement as it runs: prepared, so its sixth run may be PostgreSQL's generic plan
      expect(
        (await new TurnContexts(db).load(message('wx-zw', undefined, 'new-room'))).prefetch.active,
      ).toBeNull();
      const { sql, params, opts } = await contextStatement(message('wx-zw', undefined, 'new-room'));
      const reads = await readsOf(db, 'linli.conversations', async (tx) => {
        for (let i = 0; i < 6; i++) await tx.query(sql, params, opts);
      });
      expect(total(reads.blocks), JSON.stringify(reads)).toBeLessThan(6 * 10);
    });

    it("looks the update's mark up by its key, not by reading the day's marks (kept 24 h)", async () => {
      await db.query(
        `INSERT INTO linli.processed_updates (channel, update_id)
         SELECT 'wechat', 'old-' || n FROM generate_series(1, 20000) n`,
      );
      await db.query('ANALYZE linli.processed_updates');
      const { sql, params } = await contextStatement(message('wx-zw'));
      const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      const scans: string[] = [];
      const walk = (node: Record<string, unknown>) => {
        if (node['Relation Name'] === 'processed_updates') scans.push(String(node['Node Type']));
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
      };
      const plan = rows[0]!['QUERY PLAN'];
      walk(
        ((typeof plan === 'string' ? JSON.parse(plan) : plan) as { Plan: Record<string, unknown> }[])[0]!
          .Plan,
      );
      expect(scans.length).toBeGreaterThan(0);
      expect(scans.filter((t) => !t.startsWith('Index'))).toEqual([]);
    });
  });

  describe('writeTurns', () => {
    const reply = (key: string, text: string) => ({
      channel: 'wechat' as const,
      idempotencyKey: key,
      orgId: compound,
      personId,
      urgent: true,
      notBefore: now,
      message: { chat: { externalId: ROOM, kind: 'group' as const }, text },
    });
    const turn = (over: Partial<TurnWrite> = {}): TurnWrite => ({
      conversationId,
      seq: 3,
      state: { step: 'ask_b', answers: { x: 1, a: '好' }, attempts: 0, status: 'active' },
      expiresAt: new Date(now.getTime() + 30 * 60_000),
      replies: [reply('k-1', '第一条'), reply('k-2', '第二条')],
      now,
      update: { channel: 'wechat', updateId: 'u-1' },
      ...over,
    });
    const marks = async () =>
      (
        await db.query<{ update_id: string }>(
          'SELECT update_id FROM linli.processed_updates ORDER BY update_id',
        )
      ).rows.map((r) => r.update_id);
    const row = async () =>
      (
        await db.query<{
          step: string;
          seq: number;
          answers: unknown;
          status: string;
          ended_at: Date | null;
        }>('SELECT step, seq, answers, status, ended_at FROM linli.conversations WHERE id = $1', [
          conversationId,
        ])
      ).rows[0]!;
    const deliveries = async () =>
      (
        await db.query<{ id: number; idempotency_key: string; message: { text: string } }>(
          'SELECT id, idempotency_key, message FROM linli.deliveries ORDER BY id',
        )
      ).rows;

    it('writes the state and the replies, in order, when the row still has the seq it was read with', async () => {
      const [r] = await writeTurns(db, [turn()]);
      expect(r!.applied).toBe(true);
      expect(await row()).toMatchObject({
        step: 'ask_b',
        seq: 4,
        answers: { x: 1, a: '好' },
        status: 'active',
      });
      const written = await deliveries();
      expect(written.map((d) => [d.idempotency_key, d.message.text])).toEqual([
        ['k-1', '第一条'],
        ['k-2', '第二条'],
      ]);
      expect(r!.deliveries.map((d) => d.id)).toEqual(written.map((d) => d.id));
      expect(await marks()).toEqual(['u-1']);
    });

    it('writes nothing when the conversation moved on, expired or ended meanwhile', async () => {
      expect((await writeTurns(db, [turn({ seq: 2 })]))[0]).toEqual({ applied: false, deliveries: [] });
      const late = new Date(now.getTime() + 11 * 60_000);
      expect((await writeTurns(db, [turn({ now: late })]))[0]!.applied).toBe(false);
      await db.query(`UPDATE linli.conversations SET status = 'cancelled' WHERE id = $1`, [conversationId]);
      expect((await writeTurns(db, [turn()]))[0]!.applied).toBe(false);
      expect(await deliveries()).toEqual([]);
      expect((await row()).seq).toBe(3);
      expect(await marks()).toEqual([]); // not written: not handled, so a redelivery is handled again
    });

    it('ends a conversation, and writes a conversation twice in one batch for its first turn only', async () => {
      const done = turn({ state: { step: 'end', answers: {}, attempts: 0, status: 'completed' } });
      const [first, second] = await writeTurns(db, [
        done,
        turn({ replies: [reply('k-3', '第三条')], update: { channel: 'wechat', updateId: 'u-2' } }),
      ]);
      expect(first!.applied).toBe(true);
      expect(second).toEqual({ applied: false, deliveries: [] });
      const r = await row();
      expect(r.status).toBe('completed');
      expect(r.ended_at).toBeInstanceOf(Date);
      expect((await deliveries()).map((d) => d.idempotency_key)).toEqual(['k-1', 'k-2']);
      expect(await marks()).toEqual(['u-1']);
    });

    it('a reply whose idempotency key exists is not written again (and not reported)', async () => {
      await writeTurns(db, [turn({ replies: [reply('k-1', '第一条')] })]);
      const [r] = await writeTurns(db, [
        turn({ seq: 4, replies: [reply('k-1', '第一条'), reply('k-9', '新')] }),
      ]);
      expect(r!.applied).toBe(true);
      expect(r!.deliveries).toHaveLength(1);
      expect((await deliveries()).map((d) => d.idempotency_key)).toEqual(['k-1', 'k-9']);
    });

    describe('writeBegunTurn (a conversation begun without a transaction)', () => {
      const PRIVATE = 'wx-zw';
      const begun = async (over: Partial<BegunTurn> = {}): Promise<BegunTurn> => {
        const flow = (
          await db.query<{ id: number; key: string }>(
            'SELECT f.id, f.key FROM linli.flows f JOIN linli.conversations c ON c.flow_id = f.id WHERE c.id = $1',
            [conversationId],
          )
        ).rows[0]!;
        return {
          id: await new ConversationIds(db, 1).next(),
          m: { channel: 'wechat', chatExternalId: PRIVATE, chatKind: 'private', updateId: 'b-1' },
          person: { id: personId, externalId: 'wx-zw', displayName: '张伟' },
          flowId: flow.id,
          orgId: compound,
          chatId: null,
          locale: 'zh-CN',
          state: { step: 'category', answers: { compound: { id: compound } }, attempts: 0, status: 'active' },
          expiresAt: new Date(now.getTime() + 10 * 60_000),
          cancelElsewhere: flow.key,
          replies: [
            {
              ...reply('b-k1', '请选择类别'),
              message: { chat: { externalId: PRIVATE, kind: 'private' as const }, text: '请选择类别' },
            },
            {
              ...reply('b-k2', '第二条'),
              message: { chat: { externalId: PRIVATE, kind: 'private' as const }, text: '第二条' },
            },
          ],
          ...over,
        };
      };
      const conversations = async () =>
        (
          await db.query<{ id: number; chat_external_id: string; step: string; seq: number; status: string }>(
            'SELECT id, chat_external_id, step, seq, status FROM linli.conversations ORDER BY id',
          )
        ).rows;

      it('writes the conversation in its state at seq 1, the mark and the replies in order, and ends the same flow elsewhere', async () => {
        const t = await begun();
        const r = await writeBegunTurn(db, t);
        expect(r.begun).toBe(true);
        expect(await conversations()).toEqual([
          { id: conversationId, chat_external_id: ROOM, step: 'ask_a', seq: 4, status: 'cancelled' },
          { id: t.id, chat_external_id: PRIVATE, step: 'category', seq: 1, status: 'active' },
        ]);
        const written = await deliveries();
        expect(written.map((d) => [d.idempotency_key, d.message.text])).toEqual([
          ['b-k1', '请选择类别'],
          ['b-k2', '第二条'],
        ]);
        expect(r.deliveries.map((d) => d.id)).toEqual(written.map((d) => d.id));
        expect(await marks()).toEqual(['b-1']);
      });

      it("ends the same flow elsewhere by the person's own active conversations, not everyone's", async () => {
        // statistics taken while nothing else was active (a year of ended conversations), then
        // 20,000 other people in the middle of a conversation
        await otherConversations('completed', 3000);
        await db.query('ANALYZE linli.conversations');
        await otherConversations('active', 20_000);
        const t = await begun();
        const reads = await readsOf(db, 'linli.conversations', async (tx) => {
          expect((await writeBegunTurn(tx, t)).begun).toBe(true);
        });
        expect((await conversations()).find((c) => c.id === conversationId)?.status).toBe('cancelled');
        expect(total(reads.blocks), JSON.stringify(reads)).toBeLessThan(50);
      });

      it('a conversation that ends in its first turn is written ended, with its replies', async () => {
        const t = await begun({
          m: { channel: 'wechat', chatExternalId: ROOM, chatKind: 'group', updateId: 'b-2' },
          state: { step: 'go_private', answers: {}, attempts: 0, status: 'completed' },
          cancelElsewhere: undefined,
          replies: [reply('b-k3', '请私聊我')],
        });
        // the person's active one in this chat is not the same flow's business here: the insert of an
        // ended conversation does not collide with it
        expect((await writeBegunTurn(db, t)).begun).toBe(true);
        const ended = (await conversations()).find((c) => c.id === t.id)!;
        expect(ended).toMatchObject({ status: 'completed', seq: 1 });
        expect((await deliveries()).map((d) => d.idempotency_key)).toEqual(['b-k3']);
      });

      it('writes nothing when the update was marked first (another delivery of it began it)', async () => {
        await markIn(db, 'wechat', 'b-1');
        const r = await writeBegunTurn(db, await begun());
        expect(r).toEqual({ begun: false, deliveries: [] });
        expect(await conversations()).toEqual([
          { id: conversationId, chat_external_id: ROOM, step: 'ask_a', seq: 3, status: 'active' },
        ]);
        expect(await deliveries()).toEqual([]);
      });

      it('a second active conversation of the person in the chat is a unique violation, and writes nothing', async () => {
        const t = await begun({
          m: { channel: 'wechat', chatExternalId: ROOM, chatKind: 'group', updateId: 'b-4' },
        });
        const err = await writeBegunTurn(db, { ...t, cancelElsewhere: undefined }).catch((e: unknown) => e);
        expect(isUniqueViolation(err)).toBe(true);
        expect(await marks()).toEqual([]);
        expect(await deliveries()).toEqual([]);
      });

      it('conversation ids are taken ahead a few at a time, each once, however many ask together', async () => {
        let statements = 0;
        const ids = new ConversationIds(
          {
            query: (sql, params, opts) => {
              statements++;
              return db.query(sql, params, opts);
            },
          },
          8,
        );
        const taken = await Promise.all(Array.from({ length: 20 }, () => ids.next()));
        expect(new Set(taken).size).toBe(20);
        expect(statements).toBe(3);
        const after = (await db.query<{ id: number }>("SELECT nextval('linli.conversations_id_seq') AS id"))
          .rows[0]!.id;
        expect(Math.max(...taken)).toBeLessThan(after);
      });
    });

    describe("writeLockedTurn (inside the turn's transaction, the row locked)", () => {
      const locked = (over: Partial<TurnWrite> = {}) => {
        const { now: _now, ...t } = turn(over);
        return t;
      };

      it('writes the state, the mark and the replies in reply order, in one statement', async () => {
        const r = await db.transaction((tx) => writeLockedTurn(tx, locked()));
        expect(r.marked).toBe(true);
        expect(await row()).toMatchObject({
          step: 'ask_b',
          seq: 4,
          answers: { x: 1, a: '好' },
          status: 'active',
        });
        const written = await deliveries();
        expect(written.map((d) => [d.idempotency_key, d.message.text])).toEqual([
          ['k-1', '第一条'],
          ['k-2', '第二条'],
        ]);
        expect(r.deliveries.map((d) => d.id)).toEqual(written.map((d) => d.id));
        expect(r.deliveries.every((d) => d.notBefore instanceof Date)).toBe(true);
        expect(await marks()).toEqual(['u-1']);
      });

      it('answers marked: false when the update was marked first (the caller rolls back), and ends a conversation', async () => {
        await markIn(db, 'wechat', 'u-1');
        const r = await db.transaction((tx) => writeLockedTurn(tx, locked()));
        expect(r.marked).toBe(false);
        const none = await db.transaction((tx) =>
          writeLockedTurn(
            tx,
            locked({
              replies: [],
              state: { step: 'end', answers: {}, attempts: 0, status: 'completed' },
              update: { channel: 'wechat', updateId: 'u-3' },
            }),
          ),
        );
        expect(none).toEqual({ marked: true, deliveries: [] });
        const ended = await row();
        expect(ended.status).toBe('completed');
        expect(ended.ended_at).toBeInstanceOf(Date);
      });
    });
  });
});
