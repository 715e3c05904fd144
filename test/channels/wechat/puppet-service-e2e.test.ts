/**
 * WeChat end to end over the protocol production uses: Linli's own wechaty-puppet-service client
 * (built by `createWechaty`, as a process builds it) talks plain gRPC on loopback to
 * wechaty-puppet-service's PuppetServer, which serves the mock puppet
 * (test/fakes/wechat/puppet-service-fake.ts) → WechatAdapter → InboundDispatcher → FlowEngine →
 * Outbox → BullMQ on PGlite → outbound worker → gRPC → the mock room.
 *
 * The service goes down and comes back underneath, and Linli itself is stopped and started again
 * against the same service. Waits poll (generously: the machine is shared); no test asserts a duration.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import type { ContactMock, RoomMock, SentMessage } from '../../fakes/wechat/harness.js';
import { SHANGHAI, seedCompoundChain } from '../../support/org-chain.js';
import { until } from '../../support/until.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

const COMPOUND = '阳光小区';
const NUMBER = /已受理！您的报事编号是 (\d{8}-\d{4})。/;
const LONG = 60_000;

let w: WechatLinli | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const deliveries = async (db: Db, chatId: string) =>
  (
    await db.query<{ id: number; status: string; text: string; last_error: string | null; attempts: number }>(
      `SELECT id, status, message->>'text' AS text, last_error, attempts FROM linli.deliveries
       WHERE channel = 'wechat' AND chat_external_id = $1 ORDER BY id`,
      [chatId],
    )
  ).rows;

/** every delivery to `room` is sent, and the room got each exactly once, and nothing else */
async function exactlyOnce(stack: WechatLinli, room: RoomMock): Promise<void> {
  const rows = await deliveries(stack.db, room.id);
  expect(
    rows.every((d) => d.status === 'sent'),
    JSON.stringify(rows),
  ).toBe(true);
  const sent = stack.mock.sent.filter((m) => m.roomId === room.id).map((m) => m.text);
  expect(sent).toHaveLength(rows.length);
  // a sent text is the delivery's, after an @-mention and before numbered choices
  for (const d of rows)
    expect(
      sent.filter((t) => t.includes(d.text)),
      d.text,
    ).toHaveLength(1);
}

/** `who` says `text` in `room`; resolves with the bot's next message @-mentioning them, the outbox drained */
function chat(stack: WechatLinli, room: RoomMock) {
  const taken = new Set<SentMessage>();
  return async (who: ContactMock, text: string): Promise<SentMessage> => {
    await stack.mock.say(who, text, room);
    const reply = await stack.mock.waitForSent(
      (m) => !taken.has(m) && m.roomId === room.id && m.mentionIds.includes(who.id),
      LONG,
    );
    taken.add(reply);
    await until(
      async () => (await deliveries(stack.db, room.id)).every((d) => d.status === 'sent'),
      'the outbox to drain',
      LONG,
    );
    return reply;
  };
}

const loggedIn = (stack: WechatLinli) =>
  until(() => stack.adapter.status().state === 'logged_in', 'WeChat logged in', LONG);

describe('Linli with WeChat over wechaty-puppet-service (PuppetServer on loopback)', () => {
  it('binds a room, files a complaint and notifies — the service restarting mid-conversation loses and repeats nothing', async () => {
    w = await startWechatLinli({ via: 'puppet-service' });
    const { db, mock: h, service } = w;
    await loggedIn(w);
    const compoundId = (await seedCompoundChain(w.services, COMPOUND, SHANGHAI)).compound;
    const { code } = await w.services.chats.createBindCode(SYSTEM_ACTOR, compoundId, {
      purpose: 'residents',
      ttlMinutes: 60,
    });
    const zhang = await h.createResident('张伟');
    const room = await h.createRoom('阳光业主群', [zhang]);
    const ask = chat(w, room);

    const bound = await ask(zhang, `绑定 ${code}`);
    expect(bound.text).toContain(`绑定成功：本群现为「${COMPOUND}」的居民群。`);
    // 投诉 in the room offers the private chat; 1 goes on in the room (not anonymous)
    expect((await ask(zhang, '投诉')).text).toContain('1. 在群里继续（不匿名）');
    const category = await ask(zhang, '1');
    expect(category.text).toContain('您好，您要反映哪一类问题？');

    // the provider's gateway restarts while 张伟 is choosing
    await service!.stopServer();
    await until(() => w!.adapter.status().state === 'disconnected', 'the outage to be noticed', LONG);
    // a notice written meanwhile waits in the outbox instead of failing
    const notice = await w.outbox.enqueue({
      channel: 'wechat',
      message: { chat: { externalId: room.id, kind: 'group' }, text: '【通知】明天上午 9 点到 11 点停水' },
      idempotencyKey: 'e2e-water-notice',
      urgent: true,
    });
    const noticeRow = async () => (await deliveries(db, room.id)).find((d) => d.id === notice.deliveryId)!;
    await until(
      async () => (await noticeRow()).last_error?.startsWith('unavailable:') ?? false,
      'a held send',
      LONG,
    );
    expect(await noticeRow()).toMatchObject({ status: 'queued', attempts: 0 });

    await service!.startServer();
    await loggedIn(w);
    await h.waitForSent((m) => m.roomId === room.id && m.text.includes('明天上午 9 点到 11 点停水'), LONG);

    // the conversation goes on where it was
    const description = await ask(zhang, '５'); // 电梯
    expect(description.text).toContain('请简单说一下是什么问题');
    expect((await ask(zhang, '3号电梯停在5楼不动了')).text).toContain('问题在哪儿？');
    expect((await ask(zhang, '跳过')).text).toContain('方便的话发一张现场照片。');
    expect((await ask(zhang, '跳过')).text).toContain('类别：电梯\n问题：3号电梯停在5楼不动了');
    const done = await ask(zhang, '1');
    const number = NUMBER.exec(done.text)?.[1];
    expect(number, done.text).toBeDefined();

    // a handler accepts it: 张伟 hears so in the room, @-mentioned
    const { rows } = await db.query<{ id: number }>('SELECT id FROM linli.complaints WHERE number = $1', [
      number,
    ]);
    await w.services.complaints.act(SYSTEM_ACTOR, rows[0]!.id, { action: 'accept' });
    const accepted = await h.waitForSent(
      (m) => m.roomId === room.id && m.text.includes(`您的报事 ${number}（电梯）已受理，正在处理。`),
      LONG,
    );
    expect(accepted.mentionIds).toEqual([zhang.id]);
    await until(
      async () => (await deliveries(db, room.id)).every((d) => d.status === 'sent'),
      'the outbox',
      LONG,
    );
    await exactlyOnce(w, room);
    expect(w.failures).toEqual([]);
  }, 240_000);

  it('the service down at boot, then up: Linli logs in without a restart; what it had to say waited', async () => {
    w = await startWechatLinli({ via: 'puppet-service', serviceDown: true, flows: false, notify: false });
    const { mock: h, service } = w;
    expect(w.adapter.status()).toMatchObject({ state: 'disconnected' });
    const compoundId = (await seedCompoundChain(w.services, COMPOUND, SHANGHAI)).compound;
    const { code } = await w.services.chats.createBindCode(SYSTEM_ACTOR, compoundId, {
      purpose: 'residents',
      ttlMinutes: 60,
    });
    const zhang = await h.createResident('张伟');
    const room = await h.createRoom('阳光业主群', [zhang]);
    await w.outbox.enqueue({
      channel: 'wechat',
      message: { chat: { externalId: room.id, kind: 'group' }, text: '【通知】本周六上午开业主大会' },
      idempotencyKey: 'e2e-boot-notice',
      urgent: true,
    });
    await until(
      async () => (await deliveries(w!.db, room.id))[0]?.last_error?.startsWith('unavailable:') ?? false,
      'a held send',
      LONG,
    );

    await service!.startServer();
    await loggedIn(w);
    await h.waitForSent((m) => m.roomId === room.id && m.text.includes('本周六上午开业主大会'), LONG);
    const bound = await chat(w, room)(zhang, `绑定 ${code}`);
    expect(bound.text).toContain(`绑定成功：本群现为「${COMPOUND}」的居民群。`);
    await exactlyOnce(w, room);
  }, 240_000);

  it('a deploy (Linli stopped and started against the same service) keeps the login and the conversation', async () => {
    w = await startWechatLinli({ via: 'puppet-service', notify: false });
    const { mock: h } = w;
    await loggedIn(w);
    const compoundId = (await seedCompoundChain(w.services, COMPOUND, SHANGHAI)).compound;
    const zhang = await h.createResident('张伟');
    const room = await h.createRoom('阳光业主群', [zhang]);
    await w.services.chats.bindDirect(SYSTEM_ACTOR, compoundId, {
      channel: 'wechat',
      externalChatId: room.id,
      purpose: 'residents',
    });
    const ask = chat(w, room);
    expect((await ask(zhang, '投诉')).text).toContain('1. 在群里继续（不匿名）');
    expect((await ask(zhang, '1')).text).toContain('您好，您要反映哪一类问题？');

    const scans: string[] = [];
    h.wechaty.on('scan', (qr) => void scans.push(qr));
    await w.restart();
    expect(h.puppet.isLoggedIn).toBe(true); // the provider's session was left alone
    await loggedIn(w);
    expect((await ask(zhang, '５')).text).toContain('请简单说一下是什么问题');
    expect(scans).toEqual([]);
    await exactlyOnce(w, room);
  }, 240_000);
});
