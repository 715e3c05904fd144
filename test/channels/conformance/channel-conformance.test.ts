/**
 * One contract, every channel: the same assertions run against the Telegram adapter (fake Bot API) and
 * the WeChat adapter (Wechaty mock), each behind a ChannelDriver (driver.ts). What differs by design is
 * declared in `capabilities` and checked against what the platform actually receives.
 *
 * The last block pins the places where the two adapters currently disagree (see its comment).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChannelName,
  ChannelSendError,
  type Choice,
  type InboundHandler,
  type InboundMessage,
  renderNumberedChoices,
} from '../../../src/kernel/chat/port.js';
import { type ChannelDriver, type DriverFactory, gate, until } from './driver.js';
import { telegramDriver } from './telegram-driver.js';
import { wechatDriver } from './wechat-driver.js';

const DRIVERS: DriverFactory[] = [telegramDriver, wechatDriver];

/** What each adapter declares; the suite checks the behaviour matches. */
const DECLARED: Record<ChannelName, { buttons: boolean }> = {
  telegram: { buttons: true },
  wechat: { buttons: false },
  wechat_oa: { buttons: false },
};

const CHOICES: Choice[] = [
  { label: '满意', payload: 'rate:1' },
  { label: '基本满意', payload: 'rate:2' },
  { label: '不满意', payload: 'rate:3' },
];

const running: ChannelDriver[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
});

/** A started driver whose handler records every message (then runs `inner`, if any). */
async function boot(
  factory: DriverFactory,
  inner?: InboundHandler,
): Promise<{ d: ChannelDriver; got: InboundMessage[] }> {
  const d = await factory.create();
  running.push(d);
  const got: InboundMessage[] = [];
  await d.start(async (m) => {
    got.push(m);
    await inner?.(m);
  });
  return { d, got };
}

describe.each(DRIVERS.map((f) => [f.name, f] as const))('channel conformance: %s', (_name, factory) => {
  describe('inbound', () => {
    it('a group message reaches the handler: group chat, sender, text', async () => {
      const { d, got } = await boot(factory);
      await d.sayInGroup('停水了吗');
      await until(() => got.length === 1, 3000, 'the group message');
      const m = got[0]!;
      expect(m).toMatchObject({
        channel: d.name,
        chat: d.groupChat(),
        sender: { ...d.resident(), isBot: false },
        text: '停水了吗',
        addressedToBot: false,
        media: [],
      });
      expect(m.messageId).toEqual(expect.any(String));
      expect(m.updateId).toEqual(expect.any(String));
      expect(m.messageId).not.toBe('');
      expect(m.receivedAt).toBeInstanceOf(Date);
      expect(m.choice).toBeUndefined();
      expect(m.command).toBeUndefined();
    });

    it('a private message reaches the handler with chat kind private', async () => {
      const { d, got } = await boot(factory);
      await d.sayPrivately('你好');
      await until(() => got.length === 1, 3000, 'the private message');
      expect(got[0]).toMatchObject({
        channel: d.name,
        chat: { externalId: d.privateChat().externalId, kind: 'private' },
        sender: { ...d.resident(), isBot: false },
        text: '你好',
      });
    });

    it("the bot's own messages and other bots' never reach the handler", async () => {
      const { d, got } = await boot(factory);
      await d.botSpeaksInGroup('通知：明天停水');
      await d.sayInGroup('收到');
      // same chat, handled in order: once '收到' is in, the bot's message was dropped before it
      await until(() => got.some((m) => m.text === '收到'), 3000, 'the resident message');
      expect(got.map((m) => m.text)).toEqual(['收到']);
      expect(got.every((m) => !m.sender.isBot)).toBe(true);
    });

    it('@-mentioning the bot sets addressedToBot and strips the mention from the text', async () => {
      const { d, got } = await boot(factory);
      await d.sayInGroup('电梯坏了', { mentionBot: true });
      await d.sayInGroup('大家好');
      await until(() => got.length === 2, 3000, 'both group messages');
      expect(got.map((m) => [m.text, m.addressedToBot])).toEqual([
        ['电梯坏了', true],
        ['大家好', false],
      ]);
    });

    it('/bind CODE is a command, with or without a mention of the bot', async () => {
      const { d, got } = await boot(factory);
      await d.sayInGroup('/bind AB12CD34');
      await d.sayInGroup('/bind K9K9K9', { mentionBot: true });
      await until(() => got.length === 2, 3000, 'both commands');
      expect(got.map((m) => m.command)).toEqual([
        { name: 'bind', args: 'AB12CD34' },
        { name: 'bind', args: 'K9K9K9' },
      ]);
    });

    it("one chat's messages reach the handler in order with a slow handler; other chats are not held up", async () => {
      const slow = gate();
      const log: string[] = [];
      const { d } = await boot(factory, async (m) => {
        log.push(`start ${m.text}`);
        if (m.text === 'm1') await slow.wait;
        log.push(`end ${m.text}`);
      });
      await Promise.all([d.sayInGroup('m1'), d.sayInGroup('m2'), d.sayInGroup('m3')]);
      await d.sayPrivately('p1');
      await until(
        () => log.includes('end p1') && log.includes('start m1'),
        3000,
        'the private message handled while m1 is stuck',
      );
      expect(log).not.toContain('end m1');
      expect(log).not.toContain('start m2');
      slow.open();
      await until(() => log.includes('end m3'), 3000, 'the rest of the group');
      expect(log.filter((e) => e.endsWith('m1') || e.endsWith('m2') || e.endsWith('m3'))).toEqual([
        'start m1',
        'end m1',
        'start m2',
        'end m2',
        'start m3',
        'end m3',
      ]);
    });
  });

  describe('send', () => {
    it('to the group: returns the platform message id and the platform receives the text', async () => {
      const { d } = await boot(factory);
      const res = await d.adapter.send({ chat: d.groupChat(), text: '通知：明天上午停水' });
      expect(res.messageId).toEqual(expect.any(String));
      expect(res.messageId).not.toBe('');
      expect(d.received()).toEqual([
        {
          chatId: d.groupChat().externalId,
          messageId: res.messageId,
          text: '通知：明天上午停水',
          mentionIds: [],
        },
      ]);
    });

    it('to a private chat: the resident receives it', async () => {
      const { d } = await boot(factory);
      const res = await d.adapter.send({ chat: d.privateChat(), text: '您的报修已受理' });
      expect(d.received()).toEqual([
        {
          chatId: d.privateChat().externalId,
          messageId: res.messageId,
          text: '您的报修已受理',
          mentionIds: [],
        },
      ]);
    });

    it('with a mention: the mentioned person is notified', async () => {
      const { d } = await boot(factory);
      const resident = d.resident();
      await d.adapter.send({ chat: d.groupChat(), text: '您的报修已受理', mention: resident });
      const [sent, ...rest] = d.received();
      expect(rest).toEqual([]);
      expect(sent?.chatId).toBe(d.groupChat().externalId);
      expect(sent?.mentionIds).toEqual([resident.externalId]);
      expect(sent?.text).toContain(resident.displayName);
      expect(sent?.text).toContain('您的报修已受理');
    });

    it('with choices in the group: the mentioned resident picks the 2nd, the handler gets its payload', async () => {
      const { d, got } = await boot(factory);
      const resident = d.resident();
      await d.adapter.send({
        chat: d.groupChat(),
        text: '您对维修满意吗？',
        mention: resident,
        choices: CHOICES,
      });
      const [prompt] = d.received();
      expect(prompt).toBeDefined();
      await d.pressChoice(prompt!, 1);
      await until(() => got.length === 1, 3000, 'the choice');
      expect(got[0]).toMatchObject({
        chat: { externalId: d.groupChat().externalId, kind: 'group' },
        sender: { externalId: resident.externalId, isBot: false },
        choice: 'rate:2',
      });
    });

    it('with choices in a private chat: the resident picks the 3rd, the handler gets its payload', async () => {
      const { d, got } = await boot(factory);
      await d.adapter.send({ chat: d.privateChat(), text: '选择楼栋', choices: CHOICES });
      await d.pressChoice(d.received()[0]!, 2);
      await until(() => got.length === 1, 3000, 'the choice');
      expect(got[0]).toMatchObject({
        chat: { externalId: d.privateChat().externalId, kind: 'private' },
        sender: { externalId: d.resident().externalId },
        choice: 'rate:3',
      });
    });

    it('to an unknown chat: ChannelSendError permanent, nothing delivered', async () => {
      const { d } = await boot(factory);
      const err = await d.adapter.send({ chat: d.unknownChat(), text: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChannelSendError);
      expect(err).toMatchObject({ kind: 'permanent' });
      expect(d.received()).toEqual([]);
    });
  });

  describe('capabilities', () => {
    it('are declared as expected and match how choices reach the platform', async () => {
      const { d } = await boot(factory);
      const caps = d.adapter.capabilities;
      expect(d.adapter.name).toBe(d.name);
      expect(caps.buttons).toBe(DECLARED[d.name].buttons);
      expect(caps).toMatchObject({ mentions: true, privateMessages: true });
      expect(caps.maxTextLength).toBeGreaterThan(0);

      await d.adapter.send({ chat: d.privateChat(), text: '选择楼栋', choices: CHOICES });
      const [sent] = d.received();
      if (caps.buttons) {
        expect(sent?.buttons).toEqual(CHOICES.map((c) => c.label));
        expect(sent?.text).toBe('选择楼栋');
      } else {
        expect(sent?.buttons).toBeUndefined();
        expect(sent?.text).toBe(renderNumberedChoices('选择楼栋', CHOICES));
      }
    });
  });
});

/**
 * Where the platforms differ in form, the port's meaning is the same: a private message and an
 * answer to the bot's choices are both said to the bot (port.ts, `addressedToBot`).
 */
describe('the same meaning on both channels', () => {
  async function onEach<T>(scenario: (d: ChannelDriver, got: InboundMessage[]) => Promise<T>) {
    const out = {} as Record<ChannelName, T>;
    for (const factory of DRIVERS) {
      const { d, got } = await boot(factory);
      out[factory.name] = await scenario(d, got);
      await d.stop();
    }
    return out;
  }

  it('a plain private message is addressed to the bot', async () => {
    const addressed = await onEach(async (d, got) => {
      await d.sayPrivately('你好');
      await until(() => got.length === 1, 3000, 'the private message');
      return got[0]!.addressedToBot;
    });
    expect(addressed).toEqual({ telegram: true, wechat: true });
  });

  it('an answer to choices in a group is addressed to the bot and carries the payload', async () => {
    const answers = await onEach(async (d, got) => {
      await d.adapter.send({
        chat: d.groupChat(),
        text: '满意吗？',
        mention: d.resident(),
        choices: CHOICES,
      });
      await d.pressChoice(d.received()[0]!, 0);
      await until(() => got.length === 1, 3000, 'the choice');
      return { choice: got[0]!.choice, addressedToBot: got[0]!.addressedToBot };
    });
    expect(answers).toEqual({
      telegram: { choice: 'rate:1', addressedToBot: true },
      wechat: { choice: 'rate:1', addressedToBot: true },
    });
  });
});
