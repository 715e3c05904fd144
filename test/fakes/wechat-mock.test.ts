import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Message, types } from 'wechaty';
import { startWechatMock, type WechatMock } from './wechat/harness.js';

const execFileAsync = promisify(execFile);

interface Seen {
  id: string;
  self: boolean;
  text: string;
  type: types.Message;
  roomId?: string;
  roomTopic?: string;
  talkerId: string;
  talkerName: string;
  mentionSelf: boolean;
}

/** a minimal "adapter": records what it sees, filters its own messages, replies like the product will */
function attachBot(h: WechatMock, reply?: (msg: Message) => Promise<void>) {
  const seen: Seen[] = [];
  const own: string[] = [];
  h.wechaty.on('message', async (msg) => {
    if (msg.self()) {
      own.push(msg.text());
      return;
    }
    const room = msg.room();
    const talker = msg.talker();
    const entry: Seen = {
      id: msg.id,
      self: msg.self(),
      text: msg.text(),
      type: msg.type(),
      talkerId: talker.id,
      talkerName: talker.name(),
      mentionSelf: false,
    };
    if (room) entry.roomId = room.id;
    seen.push(entry); // synchronously, so `seen` keeps delivery order
    entry.mentionSelf = await msg.mentionSelf();
    if (room) entry.roomTopic = await room.topic();
    await reply?.(msg);
  });
  return { seen, own };
}

let h: WechatMock | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('wechaty + wechaty-puppet-mock harness', () => {
  it('starts logged in and ready, with mock-shaped ids', async () => {
    h = await startWechatMock({ botName: '邻里助手' });
    expect(h.wechaty.isLoggedIn).toBe(true);
    expect(h.wechaty.currentUser.id).toBe(h.bot.id);
    expect(h.wechaty.currentUser.name()).toBe('邻里助手');
    const alice = await h.createResident('Alice');
    const room = await h.createRoom('3号楼', [alice]);
    expect(alice.id).toMatch(/^c[a-z0-9]{24}$/); // cuid
    expect(room.id).toMatch(/^c[a-z0-9]{24}@chatroom$/);
    expect(room.payload.memberIdList).toEqual([h.bot.id, alice.id]);
    const wRoom = await h.wechaty.Room.find({ id: room.id });
    expect(await wRoom?.topic()).toBe('3号楼');
    expect((await wRoom?.memberAll())?.map((c) => c.name()).sort()).toEqual(['Alice', '邻里助手']);
    expect(h.errors).toEqual([]);
  });

  it('room message reaches the bot with room + talker; @-reply is recorded with the mention', async () => {
    h = await startWechatMock();
    const { seen, own } = attachBot(h, async (msg) => {
      const room = msg.room();
      if (room) await room.say('回复 1、2 或 3', msg.talker());
    });
    const alice = await h.createResident('Alice');
    const room = await h.createRoom('3号楼', [alice]);

    const msgId = await h.say(alice, '停水了吗', room);
    const reply = await h.waitForSent((m) => m.roomId === room.id);

    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      id: msgId,
      self: false,
      text: '停水了吗',
      type: types.Message.Text,
      roomId: room.id,
      roomTopic: '3号楼',
      talkerId: alice.id,
      talkerName: 'Alice',
      mentionSelf: false,
    });
    // wechaty prefixes "@<name> " itself; the harness puppet keeps the mention id list
    expect(reply).toMatchObject({ roomId: room.id, text: '@Alice 回复 1、2 或 3', mentionIds: [alice.id] });
    expect(reply.toId).toBeUndefined();
    expect(h.sent).toHaveLength(1);

    // the bot's own message comes back through `message` as msg.self() === true (and is filtered)
    await vi.waitFor(() => expect(own).toHaveLength(1));
    expect(own).toEqual(['@Alice 回复 1、2 或 3']);
    expect(seen).toHaveLength(1);
    expect(h.errors).toEqual([]);
  });

  it('room.say resolves to the sent Message; several mentions and the template form keep ids', async () => {
    h = await startWechatMock();
    const alice = await h.createResident('Alice');
    const bob = await h.createResident('Bob');
    const room = await h.createRoom('3号楼', [alice, bob]);
    const wRoom = (await h.wechaty.Room.find({ id: room.id }))!;
    const wAlice = (await h.wechaty.Contact.find({ id: alice.id }))!;
    const wBob = (await h.wechaty.Contact.find({ id: bob.id }))!;

    const sentMsg = await wRoom.say('开会', wAlice, wBob);
    expect(sentMsg?.id).toBe(h.sent[0]?.id);
    expect(h.sent[0]).toMatchObject({ text: '@Alice\u2005@Bob 开会', mentionIds: [alice.id, bob.id] });

    await wRoom.say`${wBob} 请确认`;
    expect(h.sent[1]).toMatchObject({ text: '@Bob 请确认', mentionIds: [bob.id] });

    await wRoom.say('无提及');
    expect(h.sent[2]).toMatchObject({ text: '无提及', mentionIds: [] });
  });

  it('mentionSelf() is true when the resident @-mentions the bot (mention ids must be passed)', async () => {
    h = await startWechatMock({ botName: '邻里助手' });
    const { seen } = attachBot(h);
    const alice = await h.createResident('Alice');
    const room = await h.createRoom('3号楼', [alice]);
    await h.befriend(alice);
    await h.say(alice, '@邻里助手\u2005报修', { room, mentions: [h.bot] });
    // without `mentions` the mock still sets mentionIdList: [] so wechaty does not parse the text
    await h.say(alice, '@邻里助手\u2005报修');
    await h.say(alice, '@邻里助手\u2005报修', room);
    // mentionSelf / topic are filled in after awaits inside the handler
    await vi.waitFor(() => expect(seen.filter((s) => s.roomTopic || !s.roomId)).toHaveLength(3));
    expect(seen.map((s) => s.mentionSelf)).toEqual([true, false, false]);
  });

  it('private message: no room, talker set, contact.say reply recorded with toId', async () => {
    h = await startWechatMock();
    const { seen } = attachBot(h, async (msg) => {
      if (!msg.room()) await msg.talker().say(`收到：${msg.text()}`);
    });
    const bob = await h.createResident('Bob');
    await h.befriend(bob);
    await h.say(bob, '你好');
    const reply = await h.waitForSent((m) => m.toId === bob.id);
    expect(seen[0]).toMatchObject({ text: '你好', talkerId: bob.id, talkerName: 'Bob' });
    expect(seen[0]?.roomId).toBeUndefined();
    expect(reply).toMatchObject({
      toId: bob.id,
      text: '收到：你好',
      mentionIds: [],
      type: types.Message.Text,
    });
    expect(reply.roomId).toBeUndefined();
  });

  it('a 50-message burst across rooms and private chats arrives in order', async () => {
    h = await startWechatMock();
    const { seen } = attachBot(h);
    const people = await Promise.all(['A', 'B', 'C', 'D', 'E'].map((n) => h!.createResident(n)));
    for (const p of people) await h.befriend(p);
    const rooms = await Promise.all(['R1', 'R2', 'R3'].map((t) => h!.createRoom(t, people)));
    const deliveries: Promise<string>[] = [];
    for (let i = 0; i < 50; i++) {
      const from = people[i % people.length]!;
      // not awaited one by one: all 50 are emitted synchronously, back to back
      deliveries.push(i % 7 === 0 ? h.say(from, `m${i}`) : h.say(from, `m${i}`, rooms[i % rooms.length]));
    }
    const ids = await Promise.all(deliveries);
    expect(seen.map((s) => s.text)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    expect(seen.map((s) => s.id)).toEqual(ids);
  });

  it('non-text message: image type, empty text, file served by toFileBox()', async () => {
    h = await startWechatMock();
    const got: { type: types.Message; text: string; name: string; bytes: number }[] = [];
    h.wechaty.on('message', async (msg) => {
      if (msg.self()) return;
      const file = await msg.toFileBox();
      got.push({
        type: msg.type(),
        text: msg.text(),
        name: file.name,
        bytes: (await file.toBuffer()).length,
      });
    });
    const alice = await h.createResident('Alice');
    const room = await h.createRoom('3号楼', [alice]);
    await h.sayNonText(alice, types.Message.Image, {
      room,
      file: { name: 'leak.jpg', data: Buffer.from('JPEG') },
    });
    await h.befriend(alice);
    await h.sayNonText(alice, types.Message.Audio);
    await vi.waitFor(() => expect(got).toHaveLength(2));
    expect(got[0]).toEqual({ type: types.Message.Image, text: '', name: 'leak.jpg', bytes: 4 });
    expect(got[1]).toMatchObject({ type: types.Message.Audio, text: '', name: 'image.png' });
  });

  it('scan → login → ready → logout lifecycle can be driven', async () => {
    const events: string[] = [];
    h = await startWechatMock({
      login: false,
      beforeStart: (w) => {
        w.on('scan', (qrcode, status) => {
          events.push(`scan:${qrcode}:${types.ScanStatus[status]}`);
        });
        w.on('login', (user) => {
          events.push(`login:${user.name()}`);
        });
        w.on('ready', () => {
          events.push('ready');
        });
        w.on('logout', (user, reason) => {
          events.push(`logout:${user.name()}:${reason}`);
        });
      },
    });
    expect(h.wechaty.isLoggedIn).toBe(false);
    await h.scan('https://login.weixin.qq.com/l/abc');
    await h.scan('https://login.weixin.qq.com/l/abc', types.ScanStatus.Scanned);
    await h.login();
    expect(h.wechaty.isLoggedIn).toBe(true);
    await h.logout('kicked');
    expect(h.wechaty.isLoggedIn).toBe(false);
    await h.scan('https://login.weixin.qq.com/l/def');
    await h.login(); // re-login after logout works
    expect(events).toEqual([
      'scan:https://login.weixin.qq.com/l/abc:Waiting',
      'scan:https://login.weixin.qq.com/l/abc:Scanned',
      'login:邻里助手',
      'ready',
      'logout:邻里助手:kicked',
      'scan:https://login.weixin.qq.com/l/def:Waiting',
      'login:邻里助手',
      'ready',
    ]);
    await h.stop();
    // stopping a logged-in wechaty emits logout with reason "puppet stop()"
    expect(events.at(-1)).toBe('logout:邻里助手:puppet stop()');
  });

  it('two harnesses in one process are isolated', async () => {
    const h1 = await startWechatMock();
    const h2 = await startWechatMock();
    try {
      const a1 = await h1.createResident('A');
      const r1 = await h1.createRoom('R', [a1]);
      expect(await h2.wechaty.Room.findAll()).toEqual([]);
      const seen2 = attachBot(h2).seen;
      const seen1 = attachBot(h1).seen;
      await h1.say(a1, 'only h1', r1);
      expect(seen1).toHaveLength(1);
      expect(seen2).toHaveLength(0);
    } finally {
      await h1.stop();
      await h2.stop();
    }
  });

  it('room members are strangers: private sends to them fail like wechat4u (Ret 1204), nothing is sent', async () => {
    h = await startWechatMock();
    const alice = await h.createResident('Alice');
    const room = await h.createRoom('3号楼', [alice]);
    expect(h.isFriend(alice)).toBe(false);
    const wAlice = (await h.wechaty.Contact.find({ id: alice.id }))!;
    expect(wAlice.friend()).toBe(false);

    // wechaty hands the puppet's rejection to the caller of say()
    const error = await wAlice.say('私信').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ message: '1204 == 0', code: 'ERR_ASSERTION', actual: 1204 });
    await expect(h.puppet.messageSendText(alice.id, '私信')).rejects.toThrow('1204 == 0');
    expect(h.sent).toEqual([]);

    // the room still works, @-mentions included
    const wRoom = (await h.wechaty.Room.find({ id: room.id }))!;
    await wRoom.say('群里说', wAlice);
    expect(h.sent).toMatchObject([{ roomId: room.id, mentionIds: [alice.id] }]);

    // and a stranger cannot write to the bot privately either
    await expect(h.say(alice, '你好')).rejects.toThrow(/not a friend of the bot/);
    await expect(h.sayNonText(alice, types.Message.Image)).rejects.toThrow(/not a friend of the bot/);
  });

  it('befriend: private sends work both ways; unfriend: sends fail while the bot cache still says friend', async () => {
    h = await startWechatMock();
    const { seen } = attachBot(h);
    const bob = await h.createResident('Bob');
    await h.befriend(bob);
    const wBob = (await h.wechaty.Contact.find({ id: bob.id }))!;
    expect(wBob.friend()).toBe(true);
    const sentMsg = await wBob.say('你好 Bob');
    expect(h.sent).toMatchObject([{ id: sentMsg?.id, toId: bob.id, text: '你好 Bob' }]);
    await h.say(bob, '收到');
    expect(seen.map((m) => m.text)).toEqual(['收到']);

    h.unfriend(bob); // Bob deletes the bot: WeChat does not tell it
    expect(h.isFriend(bob)).toBe(false);
    expect(wBob.friend()).toBe(true);
    await expect(wBob.say('还在吗')).rejects.toMatchObject({ actual: 1204 });
    expect(h.sent).toHaveLength(1);
  });

  it('a friend request reaches wechaty as `friendship` (Receive); accepting it makes a friend, then Confirm', async () => {
    h = await startWechatMock();
    const events: { type: string; contactId: string; hello: string }[] = [];
    let accepting = true;
    h.wechaty.on('friendship', async (f) => {
      events.push({ type: types.Friendship[f.type()], contactId: f.contact().id, hello: f.hello() });
      if (accepting && f.type() === types.Friendship.Receive) await f.accept();
    });
    const carol = await h.createResident('Carol');
    const id = await h.requestFriendship(carol, '我是3号楼的住户');
    expect(id).toMatch(/^mock-friendship-/);
    await h.waitForFriend(carol);
    expect(h.isFriend(carol)).toBe(true);
    await vi.waitFor(() => expect(events).toHaveLength(2));
    expect(events).toEqual([
      { type: 'Receive', contactId: carol.id, hello: '我是3号楼的住户' },
      { type: 'Confirm', contactId: carol.id, hello: '' },
    ]);
    // accept() synced the contact: the bot's cache knows, and private sends work
    const wCarol = (await h.wechaty.Contact.find({ id: carol.id }))!;
    expect(wCarol.friend()).toBe(true);
    await wCarol.say('欢迎');
    expect(h.sent).toMatchObject([{ toId: carol.id, text: '欢迎' }]);
    // a request nobody accepts leaves a stranger
    const dave = await h.createResident('Dave');
    accepting = false;
    await h.requestFriendship(dave);
    await expect(h.waitForFriend(dave, 100)).rejects.toThrow(/timed out/);
    expect(h.isFriend(dave)).toBe(false);
    expect(h.errors).toEqual([]);
  });

  it('stop() releases everything: a child process using the harness exits on its own', async () => {
    const script = fileURLToPath(new URL('./wechat/exit-check.ts', import.meta.url));
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', script], {
      timeout: 20_000,
      env: { ...process.env, WECHATY_LOG: 'silent' },
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ sent: 2, left: [] });
  });
});
