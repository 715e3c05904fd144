/**
 * Child-process probe used by wechat-mock.test.ts: start the harness, exchange messages, stop(), and
 * then do NOT call process.exit(). If anything the harness/wechaty/mock started is still holding the
 * event loop open, this process will not exit and the test times out.
 */
import { startWechatMock } from './harness.js';

const h = await startWechatMock();
h.wechaty.on('message', async (msg) => {
  if (msg.self()) return;
  const room = msg.room();
  if (room) await room.say('ok', msg.talker());
  else await msg.talker().say('ok');
});
const alice = await h.createResident('Alice');
const room = await h.createRoom('3号楼', [alice]);
await h.say(alice, 'hi', room);
await h.befriend(alice);
await h.say(alice, 'hi privately');
await h.waitForSent((m) => m.toId === alice.id);
await h.stop();
// what is still alive after stop() (timers / sockets / immediates); expected: nothing. Ignored: stdio
// wraps and MessagePort (the tsx module loader's channel, present when spawned from vitest, unref'd).
const IGNORED = new Set(['TTYWrap', 'PipeWrap', 'MessagePort']);
const left = process.getActiveResourcesInfo().filter((r) => !IGNORED.has(r));
console.log(JSON.stringify({ sent: h.sent.length, left }));
