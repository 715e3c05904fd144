/**
 * Child-process probe for wechaty-factory.test.ts: run the WechatAdapter on the mock harness and on a
 * factory-built Wechaty (which the adapter starts itself), exchange messages, stop everything, and do
 * NOT call process.exit(). If anything is left holding the event loop, the process does not exit.
 */
import { pino } from 'pino';
import { InMemoryChoiceMemory } from '../../../src/channels/wechat/choice-memory.js';
import { WechatAdapter } from '../../../src/channels/wechat/wechat-adapter.js';
import { createWechaty } from '../../../src/channels/wechat/wechaty-factory.js';
import { startWechatMock } from '../../fakes/wechat/harness.js';

const logger = pino({ level: 'silent' });
const h = await startWechatMock();
const adapter = new WechatAdapter({ wechaty: h.wechaty, logger, choices: new InMemoryChoiceMemory() });
let handled = 0;
await adapter.start(async (m) => {
  handled++;
  await adapter.send({ chat: m.chat, text: 'ok', choices: [{ label: 'A', payload: 'a' }] });
});
const alice = await h.createResident('Alice');
const room = await h.createRoom('3号楼', [alice]);
await h.say(alice, 'hi', room);
// Alice adds the bot and the adapter accepts (its pacing timer must not outlive stop() either)
await h.requestFriendship(alice);
await h.waitForFriend(alice);
await h.say(alice, 'hi privately');
await h.waitForSent((m) => m.toId === alice.id);
await adapter.stop();
await h.stop();

const own = new WechatAdapter({
  wechaty: (await createWechaty({ puppet: 'wechaty-puppet-mock' })).wechaty,
  logger,
});
await own.start(async () => {});
await own.stop();

// wechaty-puppet-mock's stop() finishes in a setImmediate: let one macrotask pass
await new Promise((resolve) => setTimeout(resolve, 20));
// what is still alive (timers / sockets / immediates); expected: nothing. Ignored as in the harness probe.
const IGNORED = new Set(['TTYWrap', 'PipeWrap', 'MessagePort']);
const left = process.getActiveResourcesInfo().filter((r) => !IGNORED.has(r));
console.log(JSON.stringify({ handled, sent: h.sent.length, left }));
