/**
 * WeChat friends: a personal account messages privately only its friends. The adapter classifies a
 * private send to a non-friend as `permanent` `not_friend: …`, tells whether a contact is a friend,
 * and accepts friend requests on its own, paced.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isNotFriendError } from '../../../src/channels/wechat/outbound.js';
import { ChannelSendError, SEND_REFUSAL, sendRefusalOf } from '../../../src/kernel/chat/port.js';
import { cleanup, sleep, startRig } from './support.js';

afterEach(cleanup);

/** fast pacing for tests: accepts 20 ms apart, a failed accept tried again after 50 ms */
const FAST = { intervalMs: 20, retryMs: 50 };

const privately = (id: string, text = '你好') => ({
  chat: { externalId: id, kind: 'private' as const },
  text,
});

describe('WechatAdapter: a private link', () => {
  it('becomes a line asking to message the bot privately (adding it first), in the message locale', async () => {
    const { h, adapter } = await startRig();
    const alice = await h.createResident('Alice');
    const room = await h.createRoom('3号楼', [alice]);
    const link = { label: '私聊评价', payload: 'rate-12', command: '评价 12' };
    await adapter.send({ chat: { externalId: room.id, kind: 'group' }, text: '已办结', privateLink: link });
    await adapter.send({
      chat: { externalId: room.id, kind: 'group' },
      text: 'Resolved',
      privateLink: link,
      locale: 'en',
    });
    expect(h.sent.map((m) => m.text)).toEqual([
      '已办结\n👉 请私聊我发送「评价 12」（还不是好友的话，先加我为好友）。',
      'Resolved\n👉 Send me "评价 12" in a private chat (add me as a friend first if you have not).',
    ]);
  });
});

describe('WechatAdapter: sends to non-friends', () => {
  it('a private send to a room member who is no friend fails permanent `not_friend`; the room still works', async () => {
    const { h, adapter } = await startRig();
    const alice = await h.createResident('Alice');
    const room = await h.createRoom('3号楼', [alice]);
    const error = await adapter.send(privately(alice.id)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChannelSendError);
    expect(error).toMatchObject({ kind: 'permanent' });
    expect((error as Error).message).toMatch(/^not_friend: WeChat contact \S+ is not a friend/);
    expect((error as Error).message).toContain(alice.id);
    expect(sendRefusalOf(error)).toBe(SEND_REFUSAL.notFriend);
    expect(h.sent).toEqual([]);
    // the group @-mention reaches her
    await adapter.send({
      chat: { externalId: room.id, kind: 'group' },
      text: '请查看',
      mention: { externalId: alice.id, displayName: 'Alice' },
    });
    expect(h.sent).toMatchObject([{ roomId: room.id, mentionIds: [alice.id] }]);
  });

  it('someone who deleted the bot (its cache still says friend): the refused send is `not_friend`', async () => {
    const { h, adapter } = await startRig();
    const bob = await h.createResident('Bob');
    await h.befriend(bob);
    await adapter.send(privately(bob.id, '第一条'));
    h.unfriend(bob);
    await expect(adapter.send(privately(bob.id, '第二条'))).rejects.toMatchObject({
      kind: 'permanent',
      message: expect.stringMatching(/^not_friend: .*1204 == 0/),
    });
    expect(h.sent.map((m) => m.text)).toEqual(['第一条']);
  });

  it('another puppet error: `not_friend` only when the refreshed contact is reported as no friend', async () => {
    const { h, adapter } = await startRig();
    const alice = await h.createResident('Alice');
    const bob = await h.createResident('Bob');
    await h.befriend(bob);
    const send = vi.spyOn(h.puppet, 'messageSendText');
    send.mockRejectedValueOnce(new Error('2 UNKNOWN: wechat bad request error'));
    await expect(adapter.send(privately(alice.id))).rejects.toMatchObject({
      kind: 'permanent',
      message: expect.stringMatching(/^not_friend: .*bad request.*no friend/),
    });
    send.mockRejectedValueOnce(new Error('2 UNKNOWN: wechat bad request error'));
    const friendError = await adapter.send(privately(bob.id)).catch((e: unknown) => e);
    expect(friendError).toMatchObject({ kind: 'transient' });
    expect(sendRefusalOf(friendError)).toBeUndefined();
  });

  it('isNotFriendError knows wechat4u (directly and through the puppet service) and plain words', () => {
    expect(isNotFriendError(Object.assign(new Error('x'), { actual: 1204 }))).toBe(true);
    expect(isNotFriendError(new Error('1204 == 0'))).toBe(true);
    expect(isNotFriendError(new Error('2 UNKNOWN: 1204 == 0'))).toBe(true);
    expect(isNotFriendError(new Error('send text msg: wxid_x, its not on your friend list'))).toBe(false);
    expect(isNotFriendError(new Error('contact is not a friend'))).toBe(true);
    expect(isNotFriendError(new Error('消息已发出，但被对方拒收了。'))).toBe(true);
    expect(isNotFriendError(new Error('双方非好友，禁止发送'))).toBe(true);
    expect(isNotFriendError(new Error('11204 == 0'))).toBe(false);
    expect(isNotFriendError(new Error('1205 == 0'))).toBe(false);
    expect(isNotFriendError(new Error('grpc: connection reset'))).toBe(false);
  });

  it('isFriend: what the puppet reports, refreshed; undefined for an unknown contact', async () => {
    const { h, adapter } = await startRig();
    const alice = await h.createResident('Alice');
    expect(await adapter.isFriend(alice.id)).toBe(false);
    await h.befriend(alice);
    expect(await adapter.isFriend(alice.id)).toBe(true);
    h.unfriend(alice); // WeChat does not tell the bot; a refresh from the puppet does
    expect(await adapter.isFriend(alice.id)).toBe(false);
    expect(await adapter.isFriend('nobody')).toBeUndefined();
  });
});

describe('WechatAdapter: friend requests', () => {
  it('accepts a request: the contact becomes a friend, private sends work, both steps logged', async () => {
    const { h, adapter, logs } = await startRig({ adapter: { friendRequests: FAST } });
    const carol = await h.createResident('Carol');
    await expect(adapter.send(privately(carol.id))).rejects.toMatchObject({ kind: 'permanent' });

    await h.requestFriendship(carol, '我是5号楼的');
    await h.waitForFriend(carol);
    expect(await adapter.isFriend(carol.id)).toBe(true);
    const sent = await adapter.send(privately(carol.id, '欢迎'));
    expect(h.sent).toMatchObject([{ id: sent.messageId, toId: carol.id, text: '欢迎' }]);
    await vi.waitFor(() =>
      expect(logs.map((l) => l.msg)).toEqual(
        expect.arrayContaining([
          'wechat: friend request received',
          'wechat: friend request accepted',
          'wechat: friendship confirmed',
        ]),
      ),
    );
    expect(logs.find((l) => l.msg === 'wechat: friend request accepted')).toMatchObject({
      contactId: carol.id,
    });
    expect(h.errors).toEqual([]);
  });

  it('a burst of requests is accepted one at a time, at least intervalMs apart', async () => {
    const { h, logs } = await startRig({ adapter: { friendRequests: { intervalMs: 150 } } });
    const people = [];
    for (const name of ['A', 'B', 'C']) people.push(await h.createResident(name));
    const acceptedAt = new Map<string, number>();
    const accept = h.puppet.friendshipAccept.bind(h.puppet);
    vi.spyOn(h.puppet, 'friendshipAccept').mockImplementation(async (id) => {
      acceptedAt.set(id, Date.now());
      await accept(id);
    });
    const ids = await Promise.all(people.map((p) => h.requestFriendship(p)));
    for (const p of people) await h.waitForFriend(p, 3000);
    const times = ids.map((id) => acceptedAt.get(id) ?? Number.NaN);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(140);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(140);
    await vi.waitFor(() =>
      expect(logs.filter((l) => l.msg === 'wechat: friend request accepted')).toHaveLength(3),
    );
  });

  it('a failed accept is tried again after a backoff; after maxAttempts it gives up', async () => {
    const { h, logs } = await startRig({ adapter: { friendRequests: { ...FAST, maxAttempts: 2 } } });
    const dora = await h.createResident('Dora');
    const accept = vi.spyOn(h.puppet, 'friendshipAccept');
    accept.mockRejectedValueOnce(new Error('2 UNKNOWN: wechat bad request error'));
    await h.requestFriendship(dora);
    await h.waitForFriend(dora, 3000);
    expect(accept).toHaveBeenCalledTimes(2);
    expect(
      logs.find((l) => l.msg === 'wechat: could not accept a friend request; trying again'),
    ).toMatchObject({
      contactId: dora.id,
      attempts: 1,
      retryInMs: 50,
    });

    const ed = await h.createResident('Ed');
    accept.mockRejectedValue(new Error('2 UNKNOWN: wechat bad request error'));
    await h.requestFriendship(ed);
    await vi.waitFor(() =>
      expect(logs.map((l) => l.msg)).toContain('wechat: could not accept a friend request; giving up'),
    );
    expect(accept).toHaveBeenCalledTimes(4);
    expect(h.isFriend(ed)).toBe(false);
  });

  it('friendRequests: false accepts nothing; a stopped adapter accepts nothing', async () => {
    const off = await startRig({ adapter: { friendRequests: false } });
    const fay = await off.h.createResident('Fay');
    await off.h.requestFriendship(fay);
    await expect(off.h.waitForFriend(fay, 200)).rejects.toThrow(/timed out/);

    const { h, adapter } = await startRig({ adapter: { friendRequests: FAST } });
    const gus = await h.createResident('Gus');
    await adapter.stop();
    await h.requestFriendship(gus);
    await sleep(100);
    expect(h.isFriend(gus)).toBe(false);
  });
});
