import { afterEach, describe, expect, it, vi } from 'vitest';
import { types } from 'wechaty';
import { ChannelSendError, type InboundMessage } from '../../../src/kernel/chat/port.js';
import { cleanup, sleep, startRig } from './support.js';

afterEach(cleanup);

const BOT = '邻里助手';
const M = '\u2005'; // WeChat's separator after @name

describe('WechatAdapter inbound', () => {
  it('a room message becomes an InboundMessage', async () => {
    const { h, received } = await startRig();
    const alice = await h.createResident('Alice');
    const room = await h.createRoom('3号楼', [alice]);
    const id = await h.say(alice, '停水了吗', room);
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(received[0]).toEqual({
      channel: 'wechat',
      updateId: id,
      messageId: id,
      chat: { externalId: room.id, kind: 'group', title: '3号楼' },
      sender: { externalId: alice.id, displayName: 'Alice', isBot: false },
      text: '停水了吗',
      addressedToBot: false,
      media: [],
      receivedAt: expect.any(Date),
    } satisfies InboundMessage);
  });

  it("the bot's own messages never reach the handler", async () => {
    const { h, adapter, received } = await startRig();
    const alice = await h.createResident('Alice');
    const room = await h.createRoom('3号楼', [alice]);
    await h.befriend(alice);
    await adapter.send({ chat: { externalId: room.id, kind: 'group' }, text: '通知：明天停水' });
    await adapter.send({ chat: { externalId: alice.id, kind: 'private' }, text: '你好' });
    await h.say(alice, '收到', room);
    await vi.waitFor(() => expect(received).toHaveLength(1));
    await sleep(50);
    expect(received.map((m) => m.text)).toEqual(['收到']);
    expect(h.sent).toHaveLength(2);
  });

  it('@-mentioning the bot: addressedToBot and the mention stripped from the text', async () => {
    const { h, received } = await startRig();
    const alice = await h.createResident('Alice');
    const bob = await h.createResident('Bob');
    const room = await h.createRoom('3号楼', [alice, bob]);
    await h.say(alice, `@${BOT}${M}电梯坏了`, { room, mentions: [h.bot] });
    await h.say(alice, `@${BOT} /bind 1234`, { room, mentions: [h.bot] });
    // typed by hand (no mention id): still meant for the bot
    await h.say(alice, `@${BOT}${M}在吗`, room);
    // someone else mentioned: not for the bot, text untouched
    await h.say(alice, `@Bob${M}你好`, { room, mentions: [bob] });
    await vi.waitFor(() => expect(received).toHaveLength(4));
    expect(received.map((m) => [m.text, m.addressedToBot])).toEqual([
      ['电梯坏了', true],
      ['/bind 1234', true],
      ['在吗', true],
      [`@Bob${M}你好`, false],
    ]);
    expect(received[1]?.command).toEqual({ name: 'bind', args: '1234' });
    expect(received[0]?.command).toBeUndefined();
  });

  it('a private message: kind private, addressed to the bot', async () => {
    const { h, received } = await startRig();
    const bob = await h.createResident('Bob');
    // Bob adds the bot, the adapter accepts: only then can he write to it privately
    await h.requestFriendship(bob);
    await h.waitForFriend(bob);
    const id = await h.say(bob, '/start');
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(received[0]).toMatchObject({
      updateId: id,
      chat: { externalId: bob.id, kind: 'private' },
      sender: { externalId: bob.id, displayName: 'Bob', isBot: false },
      text: '/start',
      command: { name: 'start', args: '' },
      addressedToBot: true,
    });
    expect(received[0]?.chat.title).toBeUndefined();
  });

  it('media: kind and message id as ref, no text', async () => {
    const { h, received } = await startRig();
    const alice = await h.createResident('Alice');
    const room = await h.createRoom('3号楼', [alice]);
    await h.befriend(alice);
    const img = await h.sayNonText(alice, types.Message.Image, { room });
    const voice = await h.sayNonText(alice, types.Message.Audio);
    const sticker = await h.sayNonText(alice, types.Message.Emoticon, { room });
    await vi.waitFor(() => expect(received).toHaveLength(3));
    expect(received[0]).toMatchObject({ media: [{ kind: 'photo', ref: img }], addressedToBot: false });
    expect(received[1]).toMatchObject({ media: [{ kind: 'voice', ref: voice }], addressedToBot: true });
    expect(received[2]).toMatchObject({ media: [{ kind: 'sticker', ref: sticker }] });
    for (const m of received) expect(m.text).toBeUndefined();
    // a photo's bytes are read only when asked for (a conversation keeping it), as an image
    const photo = await received[0]!.media[0]!.load!();
    expect(photo?.contentType).toBe('image/png');
    expect(received[1]!.media[0]!.load).toBeUndefined();
  });

  it('one room in order with a slow handler, other rooms in parallel', async () => {
    const log: string[] = [];
    const { h, received } = await startRig({
      handler: async (m) => {
        log.push(`start ${m.text}`);
        if (m.text === 'a1') await sleep(150);
        log.push(`end ${m.text}`);
      },
    });
    const alice = await h.createResident('Alice');
    const roomA = await h.createRoom('A', [alice]);
    const roomB = await h.createRoom('B', [alice]);
    await Promise.all([h.say(alice, 'a1', roomA), h.say(alice, 'a2', roomA), h.say(alice, 'b1', roomB)]);
    await vi.waitFor(() => expect(log).toContain('end a2'));
    expect(received.map((m) => m.text)).toEqual(['a1', 'b1', 'a2']);
    // b1 ran while a1 was still in its handler; a2 only after a1 finished
    expect(log.indexOf('end b1')).toBeLessThan(log.indexOf('end a1'));
    expect(log.indexOf('start a2')).toBeGreaterThan(log.indexOf('end a1'));
  });

  it('a failing handler is logged and the next message is still handled', async () => {
    const { h, received, logs } = await startRig({
      handler: async (m) => {
        if (m.text === 'boom') throw new Error('handler exploded');
      },
    });
    const alice = await h.createResident('Alice');
    const room = await h.createRoom('3号楼', [alice]);
    await h.say(alice, 'boom', room);
    await h.say(alice, 'after', room);
    await vi.waitFor(() => expect(received.map((m) => m.text)).toEqual(['boom', 'after']));
    expect(logs.find((l) => l.msg === 'wechat: inbound handler failed')).toMatchObject({
      err: { message: 'handler exploded' },
    });
    expect(h.errors).toEqual([]);
  });
});

describe('WechatAdapter send', () => {
  it('sends with an @-mention and returns the sent message id', async () => {
    const { h, adapter } = await startRig();
    const alice = await h.createResident('Alice');
    const room = await h.createRoom('3号楼', [alice]);
    const res = await adapter.send({
      chat: { externalId: room.id, kind: 'group' },
      text: '您的报修已受理',
      mention: { externalId: alice.id, displayName: 'Alice' },
    });
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]).toMatchObject({
      roomId: room.id,
      text: '@Alice 您的报修已受理',
      mentionIds: [alice.id],
    });
    expect(res.messageId).toBe(h.sent[0]?.id);
  });

  it('an unknown mentioned contact: the text goes without @', async () => {
    const { h, adapter } = await startRig();
    const room = await h.createRoom('3号楼', []);
    await adapter.send({
      chat: { externalId: room.id, kind: 'group' },
      text: '通知',
      mention: { externalId: 'nobody', displayName: 'X' },
    });
    expect(h.sent[0]).toMatchObject({ text: '通知', mentionIds: [] });
  });

  it('numbered choices: the mentioned person answers with a bare number', async () => {
    const { h, adapter, received } = await startRig();
    const alice = await h.createResident('Alice');
    const bob = await h.createResident('Bob');
    const room = await h.createRoom('3号楼', [alice, bob]);
    const prompt = {
      chat: { externalId: room.id, kind: 'group' as const },
      text: '您对维修满意吗？',
      mention: { externalId: alice.id, displayName: 'Alice' },
      choices: [
        { label: '满意', payload: 'rate:1' },
        { label: '基本满意', payload: 'rate:2' },
        { label: '不满意', payload: 'rate:3' },
      ],
    };
    await adapter.send(prompt);
    expect(h.sent[0]?.text).toBe('@Alice 您对维修满意吗？\n1. 满意\n2. 基本满意\n3. 不满意\n回复 1、2 或 3');

    await h.say(bob, '2', room); // not the person asked
    await h.say(alice, '4', room); // out of range
    await h.say(alice, '2', room);
    await h.say(alice, '2', room); // the prompt was answered already
    await adapter.send(prompt);
    await h.say(alice, '２', room); // full-width
    await vi.waitFor(() => expect(received).toHaveLength(5));
    expect(received.map((m) => [m.sender.displayName, m.text, m.choice])).toEqual([
      ['Bob', '2', undefined],
      ['Alice', '4', undefined],
      ['Alice', '2', 'rate:2'],
      ['Alice', '2', undefined],
      ['Alice', '２', 'rate:2'],
    ]);
  });

  it('numbered choices in a private chat: the chat itself answers', async () => {
    const { h, adapter, received } = await startRig();
    const bob = await h.createResident('Bob');
    await h.befriend(bob);
    await adapter.send({
      chat: { externalId: bob.id, kind: 'private' },
      text: '选择楼栋',
      choices: [
        { label: '1号楼', payload: 'b1' },
        { label: '2号楼', payload: 'b2' },
      ],
    });
    expect(h.sent[0]).toMatchObject({ toId: bob.id, text: '选择楼栋\n1. 1号楼\n2. 2号楼\n回复 1 或 2' });
    await h.say(bob, ' 1 ');
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(received[0]).toMatchObject({ text: ' 1 ', choice: 'b1', addressedToBot: true });
  });

  it('numbered choices to an English reader: the hint is English too', async () => {
    const { h, adapter } = await startRig();
    const bob = await h.createResident('Bob');
    await h.befriend(bob);
    await adapter.send({
      chat: { externalId: bob.id, kind: 'private' },
      text: 'Pick a building',
      choices: [
        { label: 'Building 1', payload: 'b1' },
        { label: 'Building 2', payload: 'b2' },
      ],
      locale: 'en',
    });
    expect(h.sent[0]).toMatchObject({
      toId: bob.id,
      text: 'Pick a building\n1. Building 1\n2. Building 2\nReply 1 or 2',
    });
  });

  it('an unknown room or contact is a permanent error', async () => {
    const { adapter, h } = await startRig();
    const room = adapter.send({ chat: { externalId: 'gone@chatroom', kind: 'group' }, text: 'x' });
    await expect(room).rejects.toBeInstanceOf(ChannelSendError);
    await expect(room).rejects.toMatchObject({ kind: 'permanent', message: 'chat not found' });
    const contact = adapter.send({ chat: { externalId: 'nobody', kind: 'private' }, text: 'x' });
    await expect(contact).rejects.toMatchObject({ kind: 'permanent', message: 'chat not found' });
    expect(h.sent).toEqual([]);
  });

  it('a logged-out account: the send waits (unavailable, nothing sent) instead of failing', async () => {
    const { adapter, h } = await startRig();
    const alice = await h.createResident('Alice');
    await h.logout('kicked');
    await expect(
      adapter.send({ chat: { externalId: alice.id, kind: 'private' }, text: 'x' }),
    ).rejects.toMatchObject({ kind: 'unavailable', message: 'WeChat account not logged in' });
    expect(h.sent).toEqual([]);
  });

  it('a puppet failure while sending is a transient error', async () => {
    const { adapter, h } = await startRig();
    const alice = await h.createResident('Alice');
    await h.befriend(alice);
    vi.spyOn(h.puppet, 'messageSendText').mockRejectedValueOnce(new Error('grpc: connection reset'));
    await expect(
      adapter.send({ chat: { externalId: alice.id, kind: 'private' }, text: 'x' }),
    ).rejects.toMatchObject({ kind: 'transient' });
  });

  it('text longer than maxTextLength goes as several messages', async () => {
    const { adapter, h } = await startRig();
    const alice = await h.createResident('Alice');
    await h.befriend(alice);
    const line = `${'住'.repeat(99)}\n`;
    const res = await adapter.send({
      chat: { externalId: alice.id, kind: 'private' },
      text: line.repeat(30),
    });
    expect(h.sent.map((m) => m.text.length)).toEqual([1999, 1000]);
    expect(res.messageId).toBe(h.sent[1]?.id);
  });
});

describe('WechatAdapter stop', () => {
  it('waits for a running handler, then ignores messages; a wechaty it did not start keeps running', async () => {
    let finished = false;
    const { h, adapter, received } = await startRig({
      handler: async () => {
        await sleep(100);
        finished = true;
      },
    });
    const alice = await h.createResident('Alice');
    await h.befriend(alice);
    await h.say(alice, 'first');
    await adapter.stop();
    expect(finished).toBe(true);
    await h.say(alice, 'after stop');
    await sleep(50);
    expect(received.map((m) => m.text)).toEqual(['first']);
    expect(h.wechaty.state.active()).toBe(true);
    expect(h.wechaty.isLoggedIn).toBe(true);
  });
});

describe('WechatAdapter login status', () => {
  it('connecting → waiting_for_scan → logged_in → logged_out', async () => {
    const { h, adapter } = await startRig({ login: false });
    expect(adapter.status()).toMatchObject({ state: 'connecting' });
    expect(adapter.status().qrcode).toBeUndefined();

    const qr = 'https://login.weixin.qq.com/l/abc=';
    await h.scan(qr);
    expect(adapter.status()).toMatchObject({
      state: 'waiting_for_scan',
      qrcode: qr,
      qrcodeUrl: '/api/v1/channels/wechat/qr.png',
      scanStatus: 'waiting',
    });
    await h.scan('', types.ScanStatus.Scanned);
    expect(adapter.status()).toMatchObject({ state: 'waiting_for_scan', qrcode: qr, scanStatus: 'scanned' });

    await h.login();
    const s = adapter.status();
    expect(s).toMatchObject({ state: 'logged_in', user: { id: h.bot.id, name: BOT } });
    expect(s.qrcode).toBeUndefined();
    expect(s.since).toBeInstanceOf(Date);

    await h.logout('kicked');
    expect(adapter.status()).toMatchObject({ state: 'logged_out', user: { id: h.bot.id } });
  });

  it('an adapter started on a logged-in wechaty reports logged_in', async () => {
    const { h, adapter } = await startRig();
    expect(adapter.status()).toMatchObject({ state: 'logged_in', user: { id: h.bot.id, name: BOT } });
  });
});
