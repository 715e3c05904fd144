import { afterEach, describe, expect, it } from 'vitest';
import { WecomRobotAdapter } from '../../../src/channels/wecom/robot-adapter.js';
import type { ChannelSendError } from '../../../src/kernel/chat/port.js';
import { type FakeWecomRobot, startFakeWecomRobot } from '../../fakes/wecom/robot-server.js';

describe('WeCom group robot adapter', () => {
  let fake: FakeWecomRobot | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: ChannelSendError) => ({ kind: e.kind, retryAfterMs: e.retryAfterMs, message: e.message }),
    );

  it('posts text to the robot’s webhook; long text in pieces of 2,048 bytes; choices are not for robots', async () => {
    fake = await startFakeWecomRobot();
    const key = fake.addRobot();
    const robot = new WecomRobotAdapter({ apiRoot: fake.url });
    await robot.send({
      chat: { externalId: key, kind: 'group' },
      text: '【报事升级】20261206-0001 · 电梯 已超时',
      choices: [{ label: '受理', payload: 'cp:1:accept:v0' }],
    });
    expect(fake.messages).toEqual([
      expect.objectContaining({ key, msgtype: 'text', content: '【报事升级】20261206-0001 · 电梯 已超时' }),
    ]);
    const long = Array.from({ length: 300 }, (_, i) => `第${i}行：电梯异响`).join('\n');
    await robot.send({ chat: { externalId: key, kind: 'group' }, text: long });
    const pieces = fake.messages.slice(1).map((m) => m.content);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('\n')).toBe(long);
    for (const p of pieces) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(2048);
  });

  it('a robot that is gone is permanent; past 20 a minute is rate-limited for a minute; a dead endpoint is transient', async () => {
    fake = await startFakeWecomRobot({ perMinute: 2 });
    const key = fake.addRobot();
    const robot = new WecomRobotAdapter({ apiRoot: fake.url });
    const to = (k: string) => ({ chat: { externalId: k, kind: 'group' as const }, text: '提醒' });
    expect(await refusal(robot.send(to('00000000-0000-0000-0000-000000000000')))).toMatchObject({
      kind: 'permanent',
      message: expect.stringContaining('93000'),
    });
    await robot.send(to(key));
    await robot.send(to(key));
    expect(await refusal(robot.send(to(key)))).toMatchObject({ kind: 'rate_limited', retryAfterMs: 60_000 });
    expect(fake.answers.map((a) => a.errcode)).toEqual([93000, 0, 0, 45009]);
    const url = fake.url;
    await fake.close();
    fake = undefined;
    const dead = new WecomRobotAdapter({ apiRoot: url, timeoutMs: 2000 });
    expect(await refusal(dead.send(to(key)))).toMatchObject({ kind: 'transient' });
  });

  it('a photo goes first as an image (base64 and its md5), then the text; one WeCom refuses is left out with a line', async () => {
    fake = await startFakeWecomRobot();
    const key = fake.addRobot();
    const robot = new WecomRobotAdapter({ apiRoot: fake.url });
    const chat = { externalId: key, kind: 'group' as const };
    await robot.send({
      chat,
      text: '本月报事情况图',
      media: { kind: 'photo', ref: 'media:1', data: { bytes: ONE_PIXEL_PNG, contentType: 'image/png' } },
    });
    expect(fake.messages.map((m) => m.msgtype)).toEqual(['image', 'text']);
    expect(fake.messages[0]!.image).toEqual(ONE_PIXEL_PNG);
    expect(fake.messages[1]!.content).toBe('本月报事情况图');
    // an image alone, no text
    await robot.send({
      chat,
      text: '',
      media: { kind: 'photo', ref: 'media:1', data: { bytes: ONE_PIXEL_PNG, contentType: 'image/png' } },
    });
    expect(fake.messages.map((m) => m.msgtype)).toEqual(['image', 'text', 'image']);
    // a GIF (WeCom takes JPG and PNG) is not sent: the text says so
    const gif = Buffer.from('R0lGODlhAQABAAAAACw=', 'base64');
    await robot.send({
      chat,
      text: '现场',
      media: { kind: 'photo', ref: 'media:2', data: { bytes: gif, contentType: 'image/gif' } },
    });
    expect(fake.messages.at(-1)).toMatchObject({
      msgtype: 'text',
      content: '现场\n（图片无法通过机器人发送）',
    });
    expect(fake.answers.every((a) => a.errcode === 0)).toBe(true);
  });
});

const ONE_PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
