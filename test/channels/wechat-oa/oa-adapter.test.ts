/**
 * The Official Account adapter's sends against the fake 公众平台: what WeChat takes and how each
 * refusal is classified for the outbox (src/kernel/chat/port.ts ChannelSendError).
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WechatOaAdapter } from '../../../src/channels/wechat-oa/oa-adapter.js';
import { ChannelSendError, sendRefusalOf } from '../../../src/kernel/chat/port.js';
import { type FakeOfficialAccount, startFakeOfficialAccount } from '../../fakes/wechat-oa/server.js';
import { openTestDb, type TestDb } from '../../support/db.js';

const APP_ID = 'wx0123456789abcdef';
const APP_SECRET = '0123456789abcdef0123456789abcdef';
const ME = 'oAdapter_follower_000000000000';
// a 1×1 PNG
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('the Official Account adapter sends', () => {
  let db: TestDb;
  let oa: FakeOfficialAccount;
  let adapter: WechatOaAdapter;
  beforeEach(async () => {
    db = await openTestDb('pglite');
    // nobody answers its pushes here: a follow only opens the person's window
    oa = await startFakeOfficialAccount({
      appId: APP_ID,
      appSecret: APP_SECRET,
      token: 'tok123',
      replyTimeoutMs: 100,
    });
    adapter = new WechatOaAdapter({
      db,
      logger: pino({ level: 'silent' }),
      config: {
        appId: APP_ID,
        appSecret: APP_SECRET,
        token: 'tok123',
        aesKey: undefined,
        apiRoot: oa.apiRoot,
        noticeTemplate: undefined,
      },
    });
    oa.setWebhookUrl('http://127.0.0.1:1/unused');
    await oa.follow(ME).catch(() => undefined);
  });
  afterEach(async () => {
    await oa.close();
    await db.close();
  });
  const chat = { externalId: ME, kind: 'private' as const };
  const refusal = async (p: Promise<unknown>) => {
    const e = await p.catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ChannelSendError);
    return e as ChannelSendError;
  };

  it('numbered choices, a private link told as what to send, long text in pieces of 2,048 bytes, a photo first', async () => {
    await adapter.send({
      chat,
      text: '要匿名吗？',
      choices: [
        { label: '是', payload: 'yes' },
        { label: '否', payload: 'no' },
      ],
      privateLink: { label: '私聊', payload: 'complaint', command: '投诉' },
    });
    expect(oa.messagesTo(ME).at(-1)!.text).toBe(
      '要匿名吗？\n1. 是\n2. 否\n回复 1 或 2\n👉 回复「投诉」继续。',
    );

    const long = '楼'.repeat(1000); // 3,000 bytes
    await adapter.send({ chat, text: long });
    const pieces = oa
      .messagesTo(ME)
      .slice(-2)
      .map((m) => m.text!);
    expect(pieces.join('')).toBe(long);
    for (const p of pieces) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(2048);

    const photo = PHOTO;
    await adapter.send({
      chat,
      text: '现场照片',
      media: { kind: 'photo', ref: 'media:1', data: { bytes: photo, contentType: 'image/png' } },
    });
    const [image, caption] = oa.messagesTo(ME).slice(-2);
    expect(image!.msgtype).toBe('image');
    expect(Buffer.compare(image!.image!, Buffer.from(photo))).toBe(0);
    expect(caption!.text).toBe('现场照片');
  });

  it('classifies what WeChat refuses', async () => {
    expect((await refusal(adapter.send({ chat: { externalId: 'g1', kind: 'group' }, text: 'x' }))).kind).toBe(
      'permanent',
    );
    // unfollowed: the person blocked us
    await oa.unfollow(ME).catch(() => undefined);
    expect(sendRefusalOf(await refusal(adapter.send({ chat, text: '你好' })))).toBe('blocked');
    await oa.follow(ME).catch(() => undefined);
    // never a follower
    expect(
      sendRefusalOf(
        await refusal(adapter.send({ chat: { externalId: 'oNobody', kind: 'private' }, text: '你好' })),
      ),
    ).toBe('not_started');
    // the account's quota: the channel waits
    oa.rateLimit('/cgi-bin/message/custom/send');
    const limited = await refusal(adapter.send({ chat, text: '你好' }));
    expect(limited.kind).toBe('rate_limited');
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    // WeChat busy, or away: try again
    oa.failNext('/cgi-bin/message/custom/send', { errcode: -1 });
    expect((await refusal(adapter.send({ chat, text: '你好' }))).kind).toBe('transient');
    oa.failNext('/cgi-bin/message/custom/send', { status: 502 });
    expect((await refusal(adapter.send({ chat, text: '你好' }))).kind).toBe('transient');
    // more than 20 answers to one message of theirs
    for (let i = 0; i < 20; i++) await adapter.send({ chat, text: `第${i}条` }).catch(() => undefined);
    expect(sendRefusalOf(await refusal(adapter.send({ chat, text: '又一条' })))).toBe('out_of_window');
    // a token that cannot be had: nothing sent, the channel waits
    const wrong = new WechatOaAdapter({
      db,
      logger: pino({ level: 'silent' }),
      config: {
        appId: 'wx1111111111111111',
        appSecret: APP_SECRET,
        token: 'tok123',
        aesKey: undefined,
        apiRoot: oa.apiRoot,
        noticeTemplate: undefined,
      },
    });
    expect((await refusal(wrong.send({ chat, text: '你好' }))).kind).toBe('unavailable');
  });
});
