/**
 * WeChat end to end, without Telegram: a real Wechaty on the mock puppet (test/fakes/wechat/harness.ts)
 * → WechatAdapter (DB-backed choice memory) → InboundDispatcher → Outbox → BullMQ on the migrated
 * PGlite database → outbound worker → WechatAdapter.send → the mock room.
 *
 * The mock puppet does not echo what the bot sends; real puppets do (the account's own messages arrive
 * as `message` events). `echoBotMessages` adds that echo, so "the bot's replies never loop back" is
 * tested against messages that really reach wechaty.
 */
import type { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/app/modules.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { InboundMessage } from '../../../src/kernel/chat/port.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { findPersonByIdentity } from '../../../src/modules/people/repository.js';
import type { MessageMock, WechatMock } from '../../fakes/wechat/harness.js';
import { SHANGHAI, seedCompoundChain } from '../../support/org-chain.js';
import { until } from '../../support/until.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

const COMPOUND = '阳光小区';

/**
 * Makes every message the bot sends come back to wechaty as a `message` event, as real puppets do.
 * Returns the ids echoed (after wechaty emitted them) and a function to stop echoing.
 */
function echoBotMessages(h: WechatMock): { echoed: string[]; stop: () => void } {
  const echoed: string[] = [];
  const pending = new Set<string>();
  const onMockMessage = (msg: MessageMock): void => {
    if (msg.payload.talkerId !== h.bot.id) return; // the bot is also the listener of private messages to it
    pending.add(msg.id);
    setImmediate(() => h.puppet.emit('message', { messageId: msg.id }));
  };
  const onWechatyMessage = (msg: { id: string }): void => {
    if (pending.delete(msg.id)) echoed.push(msg.id);
  };
  const bot = h.bot as unknown as EventEmitter; // typed-emitter typings do not resolve under NodeNext
  bot.on('message', onMockMessage);
  h.wechaty.on('message', onWechatyMessage);
  return {
    echoed,
    stop: () => {
      bot.off('message', onMockMessage);
      h.wechaty.off('message', onWechatyMessage);
    },
  };
}

describe('Linli with WeChat, end to end through the Wechaty mock', () => {
  let w: WechatLinli | undefined;
  let db: Db;
  let services: Services;
  let h: WechatMock;
  let echo: { echoed: string[]; stop: () => void };
  /** every InboundMessage the adapter handed to the dispatcher, once the dispatcher is done with it */
  let handled: InboundMessage[];
  let failures: unknown[];
  let compoundId: number;

  beforeEach(async () => {
    w = await startWechatLinli({ flows: false, notify: false });
    ({ db, services, mock: h, handled, failures } = w);
    compoundId = (await seedCompoundChain(services, COMPOUND, SHANGHAI)).compound;
    echo = echoBotMessages(h);
  });

  afterEach(async () => {
    echo?.stop();
    await w?.stop();
    w = undefined;
  });

  const deliveriesTo = async (chatId: string) =>
    (
      await db.query<{ status: string; text: string }>(
        `SELECT status, message->>'text' AS text FROM linli.deliveries
         WHERE channel = 'wechat' AND chat_external_id = $1 ORDER BY id`,
        [chatId],
      )
    ).rows;

  it('a room binds itself with a code; the next writer becomes a resident; the replies never loop back', async () => {
    const { code } = await services.chats.createBindCode(SYSTEM_ACTOR, compoundId, {
      purpose: 'residents',
      ttlMinutes: 60,
    });
    const zhang = await h.createResident('张伟');
    const wang = await h.createResident('王芳');
    const room = await h.createRoom('阳光业主群', [zhang, wang]);

    await h.say(zhang, `绑定 ${code}`, room);
    const confirm = await h.waitForSent((m) => m.roomId === room.id, 15_000);
    expect(confirm.text).toContain(`绑定成功：本群现为「${COMPOUND}」的居民群。`);
    expect(confirm.text.startsWith('@张伟')).toBe(true);
    expect(confirm.mentionIds).toEqual([zhang.id]);
    expect(await services.chats.find('wechat', room.id)).toMatchObject({
      orgId: compoundId,
      purpose: 'residents',
      title: '阳光业主群',
      boundVia: 'code',
    });

    await h.say(wang, '大家好，我是 3 号楼的', room);
    await until(() => handled.length === 2, 'the second message to be handled');
    const person = await findPersonByIdentity(db, 'wechat', wang.id);
    expect(person).toMatchObject({ name: '王芳', orgId: compoundId });
    const full = await services.people.get(SYSTEM_ACTOR.principal, person!.id);
    expect(full.identities).toEqual([
      expect.objectContaining({ channel: 'wechat', externalId: wang.id, displayName: '王芳' }),
    ]);
    expect(full.roles).toEqual([expect.objectContaining({ orgId: compoundId, role: 'resident' })]);

    // the confirmation came back to wechaty as the bot's own message, and went nowhere
    await until(() => echo.echoed.includes(confirm.id), 'the echo of the confirmation');
    await until(async () => (await deliveriesTo(room.id)).every((d) => d.status === 'sent'), 'the outbox');
    await new Promise((r) => setTimeout(r, 200));
    expect(handled.map((m) => m.sender.externalId)).toEqual([zhang.id, wang.id]);
    expect(await deliveriesTo(room.id)).toEqual([
      { status: 'sent', text: expect.stringContaining('绑定成功') },
    ]);
    expect(h.sent.filter((m) => m.roomId === room.id)).toHaveLength(1);
    expect(failures).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it('names, room topics and texts holding U+0000 or a lone surrogate are cleaned: bound, answered, registered', async () => {
    const { code } = await services.chats.createBindCode(SYSTEM_ACTOR, compoundId, {
      purpose: 'residents',
      ttlMinutes: 60,
    });
    const zhang = await h.createResident('张\u0000伟');
    const wang = await h.createResident('王芳\ud800');
    const room = await h.createRoom('阳光\u0000业主群', [zhang, wang]);

    await h.say(zhang, `绑定 ${code}\u0000`, room);
    const confirm = await h.waitForSent((m) => m.roomId === room.id, 15_000);
    expect(confirm.text).toContain(`绑定成功：本群现为「${COMPOUND}」的居民群。`);
    expect(await services.chats.find('wechat', room.id)).toMatchObject({ title: '阳光业主群' });

    await h.say(wang, '大家好\u0000', room);
    await until(() => handled.length === 2, 'the second message to be handled');
    expect(failures).toEqual([]);
    const person = await findPersonByIdentity(db, 'wechat', wang.id);
    expect(person).toMatchObject({ name: '王芳\ufffd', orgId: compoundId });
    expect(handled.map((m) => [m.sender.displayName, m.text])).toEqual([
      ['张伟', `绑定 ${code}`],
      ['王芳\ufffd', '大家好'],
    ]);
  });

  it('an unbound room gets exactly one explanation for several messages', async () => {
    const li = await h.createResident('李雷');
    const room = await h.createRoom('未绑定的群', [li]);
    for (const text of ['电梯坏了', '有人管吗', '？']) await h.say(li, text, room);

    const explain = await h.waitForSent((m) => m.roomId === room.id, 15_000);
    expect(explain.text).toContain('本群还没有绑定小区');
    expect(explain.mentionIds).toEqual([li.id]);
    await until(() => handled.length === 3, 'all three messages to be handled');
    await until(async () => (await deliveriesTo(room.id)).every((d) => d.status === 'sent'), 'the outbox');
    await until(() => echo.echoed.includes(explain.id), 'the echo of the explanation');
    await new Promise((r) => setTimeout(r, 200));

    expect(await deliveriesTo(room.id)).toEqual([
      { status: 'sent', text: expect.stringContaining('本群还没有绑定小区') },
    ]);
    expect(h.sent.filter((m) => m.roomId === room.id)).toHaveLength(1);
    expect(handled).toHaveLength(3); // the echoed explanation never reached the dispatcher
    expect(await services.chats.find('wechat', room.id)).toBeNull();
    expect(await findPersonByIdentity(db, 'wechat', li.id)).toBeNull();
    expect(failures).toEqual([]);
  });
});
