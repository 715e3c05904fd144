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
});
