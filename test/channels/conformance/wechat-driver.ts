/**
 * Conformance driver for WeChat: the WechatAdapter (with an InMemoryChoiceMemory, so bare numbers answer
 * numbered choices) on a real Wechaty driven by the mock harness (test/fakes/wechat/harness.ts).
 */
import { pino } from 'pino';
import { InMemoryChoiceMemory } from '../../../src/channels/wechat/choice-memory.js';
import { WechatAdapter } from '../../../src/channels/wechat/wechat-adapter.js';
import type { ChatRef, InboundHandler, PersonRef } from '../../../src/kernel/chat/port.js';
import { startWechatMock } from '../../fakes/wechat/harness.js';
import type { ChannelDriver, DriverFactory, ObservedMessage } from './driver.js';

const BOT_NAME = '邻里助手';
const ROOM_TOPIC = '3号楼';
const RESIDENT_NAME = 'Alice';
/** what WeChat puts after `@name` */
const MENTION_GAP = '\u2005';

export const wechatDriver: DriverFactory = {
  name: 'wechat',
  async create(): Promise<ChannelDriver> {
    const h = await startWechatMock({ botName: BOT_NAME });
    const alice = await h.createResident(RESIDENT_NAME);
    const room = await h.createRoom(ROOM_TOPIC, [alice]);
    const adapter = new WechatAdapter({
      wechaty: h.wechaty,
      logger: pino({ level: 'silent' }),
      choices: new InMemoryChoiceMemory(),
      drainTimeoutMs: 2000,
    });
    /** ids of messages injected as the bot's own (the harness records those as sent too) */
    const echoes = new Set<string>();

    /** resolves once wechaty emitted the message (the adapter has queued it on its chat) */
    const deliver = async (said: Promise<string>): Promise<void> => {
      await said;
    };

    let stopped: Promise<void> | undefined;
    return {
      name: 'wechat',
      adapter,
      start: async (handler: InboundHandler) => {
        await adapter.start(handler);
        // the resident has added the bot and the adapter accepted: WeChat has no private chat with a
        // stranger, and the private-chat cases need one
        await h.requestFriendship(alice);
        await h.waitForFriend(alice);
      },
      groupChat: (): ChatRef => ({ externalId: room.id, kind: 'group', title: ROOM_TOPIC }),
      privateChat: (): ChatRef => ({ externalId: alice.id, kind: 'private' }),
      resident: (): PersonRef => ({ externalId: alice.id, displayName: RESIDENT_NAME }),
      sayInGroup: (text, opts = {}) =>
        deliver(
          opts.mentionBot
            ? h.say(alice, `@${BOT_NAME}${MENTION_GAP}${text}`, { room, mentions: [h.bot] })
            : h.say(alice, text, room),
        ),
      sayPrivately: (text) => deliver(h.say(alice, text)),
      // real puppets echo what the account sends (from any device) back as messages of its own
      botSpeaksInGroup: async (text) => {
        echoes.add(await h.say(h.bot, text, room));
      },
      pressChoice: async (sent, index) => {
        const answer = String(index + 1);
        if (sent.chatId === room.id) return deliver(h.say(alice, answer, room));
        if (sent.chatId === alice.id) return deliver(h.say(alice, answer));
        throw new Error(`wechat driver: the resident is not in chat ${sent.chatId}`);
      },
      received: () =>
        h.sent
          .filter((m) => !echoes.has(m.id))
          .map(
            (m): ObservedMessage => ({
              chatId: m.roomId ?? m.toId ?? '',
              messageId: m.id,
              text: m.text,
              mentionIds: [...m.mentionIds],
            }),
          ),
      unknownChat: (): ChatRef => ({ externalId: 'gone@chatroom', kind: 'group' }),
      stop() {
        stopped ??= (async () => {
          try {
            await adapter.stop();
          } finally {
            await h.stop();
          }
        })();
        return stopped;
      },
    };
  },
};
