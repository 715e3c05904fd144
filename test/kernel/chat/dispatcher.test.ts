import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/app/modules.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { type InboundContext, InboundDispatcher } from '../../../src/kernel/chat/dispatcher.js';
import { TransientHandlingError } from '../../../src/kernel/chat/handling-failure.js';
import type { InboundMessage } from '../../../src/kernel/chat/port.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { Outbox } from '../../../src/kernel/outbox/outbox.js';
import { createQueueBackend, type QueueBackend } from '../../../src/kernel/queue/backend.js';
import { openTestDb } from '../../support/db.js';
import { engines } from '../../support/env.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { quietServices } from '../../support/services.js';

let seq = 0;
const msg = (over: Partial<InboundMessage> & { text?: string }): InboundMessage => ({
  channel: 'wechat',
  updateId: `u${++seq}`,
  messageId: `m${seq}`,
  chat: { externalId: 'room-a@chatroom', kind: 'group', title: '阳光业主群' },
  sender: { externalId: 'wxid_zhang', displayName: '张伟', isBot: false },
  addressedToBot: false,
  media: [],
  receivedAt: new Date(),
  ...over,
});

describe.each(engines())('inbound dispatcher on %s', (engine) => {
  let db: Db;
  let queues: QueueBackend;
  let s: Services;
  let dispatcher: InboundDispatcher;
  let compound: number;
  const seen: InboundContext[] = [];
  const replies = async () =>
    (
      await db.query<{ message: { text: string; mention?: { externalId: string } } }>(
        'SELECT message FROM linli.deliveries ORDER BY id',
      )
    ).rows.map((r) => r.message);

  beforeEach(async () => {
    db = await openTestDb(engine);
    queues = await createQueueBackend({ db });
    s = quietServices(db);
    compound = (await seedCompoundChain(s)).compound;
    seen.length = 0;
    dispatcher = new InboundDispatcher({
      db,
      chats: s.chats,
      speakers: s.speakers,
      outbox: new Outbox(db, queues, null),
      logger: pino({ level: 'silent' }),
      next: async (ctx) => void seen.push(ctx),
    });
  });
  afterEach(async () => {
    await queues.close();
    await db.close();
  });

  it('binds a group with "绑定 CODE" and confirms in the chat, @-mentioning the sender', async () => {
    const { code } = await s.chats.createBindCode(SYSTEM_ACTOR, compound, {
      purpose: 'residents',
      ttlMinutes: 60,
    });
    await dispatcher.handle(msg({ text: `绑定 ${code}` }));
    expect(await s.chats.find('wechat', 'room-a@chatroom')).toMatchObject({
      orgId: compound,
      purpose: 'residents',
    });
    const [confirm] = await replies();
    expect(confirm?.text).toBe('绑定成功：本群现为「阳光小区」的居民群。');
    expect(confirm?.mention?.externalId).toBe('wxid_zhang');
    await dispatcher.handle(msg({ command: { name: 'bind', args: code }, text: `/bind ${code}` }));
    expect((await replies())[1]?.text).toMatch(/已经用过/);
  });

  it('explains an unbound group once, not on every message', async () => {
    await dispatcher.handle(msg({ text: '电梯坏了' }));
    await dispatcher.handle(msg({ text: '有人吗' }));
    const r = await replies();
    expect(r).toHaveLength(1);
    expect(r[0]?.text).toMatch(/还没有绑定小区/);
    expect(seen).toHaveLength(0);
  });

  it('registers a writer in a residents’ group once, with identity and resident role, then passes on', async () => {
    await s.chats.bindDirect(SYSTEM_ACTOR, compound, {
      channel: 'wechat',
      externalChatId: 'room-a@chatroom',
      purpose: 'residents',
    });
    await Promise.all([dispatcher.handle(msg({ text: '你好' })), dispatcher.handle(msg({ text: '在吗' }))]);
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*) AS n FROM linli.identities WHERE channel = 'wechat' AND external_id = 'wxid_zhang'`,
    );
    expect(rows[0]?.n).toBe(1);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.person?.name).toBe('张伟');
    const roles = await s.people.listRoles(SYSTEM_ACTOR.principal, compound, { role: 'resident', limit: 10 });
    expect(roles.items.map((r) => r.personName)).toEqual(['张伟']);
    expect(await replies()).toHaveLength(0);
  });

  it('never answers one update twice', async () => {
    const m = msg({ text: '帮助', chat: { externalId: 'dm', kind: 'private' } });
    await dispatcher.handle(m);
    await dispatcher.handle(m);
    expect(await replies()).toHaveLength(1);
  });

  it('ignores bots, and refuses to bind from a private chat', async () => {
    await dispatcher.handle(
      msg({ text: '绑定 ABCD2345', sender: { externalId: 'b', displayName: 'bot', isBot: true } }),
    );
    expect(await replies()).toHaveLength(0);
    await dispatcher.handle(msg({ text: '绑定 ABCD2345', chat: { externalId: 'dm', kind: 'private' } }));
    expect((await replies())[0]?.text).toMatch(/请在要绑定的群里发送/);
  });

  it('greets /start without a payload, passes a deep-link payload on, ignores edits', async () => {
    const dm = { externalId: '9', kind: 'private' as const };
    await dispatcher.handle(msg({ chat: dm, command: { name: 'start', args: '' }, text: '/start' }));
    expect((await replies())[0]?.text).toMatch(/邻里助手/);
    await dispatcher.handle(
      msg({
        chat: dm,
        command: { name: 'start', args: 'rate-12' },
        startPayload: 'rate-12',
        text: '/start rate-12',
      }),
    );
    expect(seen.map((c) => c.message.startPayload)).toEqual(['rate-12']);
    await dispatcher.handle(msg({ chat: dm, text: '改一下', edited: true }));
    expect(seen).toHaveLength(1);
    expect(await replies()).toHaveLength(1);
  });

  describe('failures', () => {
    const bound = async () =>
      s.chats.bindDirect(SYSTEM_ACTOR, compound, {
        channel: 'wechat',
        externalChatId: 'room-a@chatroom',
        purpose: 'residents',
      });
    const marks = async () =>
      (
        await db.query<{ update_id: string }>(
          'SELECT update_id FROM linli.processed_updates ORDER BY update_id',
        )
      ).rows.map((r) => r.update_id);
    const withNext = (next: (ctx: InboundContext) => Promise<void>) =>
      new InboundDispatcher({
        db,
        chats: s.chats,
        speakers: s.speakers,
        outbox: new Outbox(db, queues, null),
        logger: pino({ level: 'silent' }),
        next,
      });

    it('a failure that may pass leaves no mark and rejects, so the redelivery is handled', async () => {
      await bound();
      let down = true;
      const handled: string[] = [];
      const d = withNext(async (ctx) => {
        if (down)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        handled.push(ctx.message.text ?? '');
      });
      const m = msg({ text: '电梯坏了' });
      const err = await d.handle(m).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientHandlingError);
      expect(await marks()).toEqual([]);
      down = false;
      await d.handle(m); // Telegram's redelivery: the same update id
      await d.handle(m); // and once more after it was handled: dropped
      expect(handled).toEqual(['电梯坏了']);
      expect(await marks()).toEqual([m.updateId]);
    });

    it('a turn that committed its mark is not handled again; a handler that marks rolls back a duplicate', async () => {
      await bound();
      const effects: string[] = [];
      const d = withNext(async (ctx) => {
        await db.transaction(async (tx) => {
          await ctx.markIn(tx);
          effects.push(ctx.message.updateId);
        });
      });
      const m = msg({ text: '报事' });
      await Promise.all([d.handle(m), d.handle(m)]); // two deliveries racing past the first read
      expect(effects).toHaveLength(1);
      expect(await marks()).toEqual([m.updateId]);
    });

    it('a failure that will not pass is kept as a dead letter, marked, and acknowledged', async () => {
      await bound();
      const d = withNext(async () => {
        throw new TypeError('a bug');
      });
      const m = msg({ text: 'a\u0000b \ud800 已坏' });
      await d.handle(m); // resolves: the channel acknowledges
      const { rows } = await db.query<{ update_id: string; error: string; message: { text: string } }>(
        'SELECT update_id, error, message FROM linli.failed_updates',
      );
      expect(rows).toEqual([
        {
          update_id: m.updateId,
          error: 'TypeError: a bug',
          message: expect.objectContaining({ text: 'ab \ufffd 已坏' }),
        },
      ]);
      expect(await marks()).toEqual([m.updateId]);
    });
  });
});
