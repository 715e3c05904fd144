/**
 * Photos on WeChat, through the Wechaty mock: a personal account's image cannot be fetched again
 * later, so its bytes are kept when it arrives; the handler receives them as an image file after
 * the notice, the reporter receives the handler's photo of the work after 已处理, and the API gives
 * back the same bytes.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { types } from 'wechaty';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { TINY_JPEG } from '../../fakes/telegram/photos.js';
import type { ContactMock, SentMessage, WechatMock } from '../../fakes/wechat/harness.js';
import { fileNoiseComplaint, sunshineOnWechat, wechatChat } from '../../support/wechat-chat.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

/** the handler's photo of the finished work (a 1×1 PNG) */
const DONE_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** The bytes of an image the bot sent, as the mock keeps its file. */
const bytesOf = (h: WechatMock, m: SentMessage): Buffer => {
  const json = h.mocker.cacheFileBoxPayload.get(m.id) as unknown as { base64?: string } | undefined;
  return Buffer.from(json?.base64 ?? '', 'base64');
};

describe('photos both ways on WeChat', () => {
  let w: WechatLinli | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('the resident’s image reaches the handler as an image; the handler’s reaches the resident with 已处理', async () => {
    w = await startWechatLinli();
    const { services, mock: h } = w;
    const { chain, reporter, residents, contacts } = await sunshineOnWechat(w, ['王师傅']);
    const [wang] = contacts as [ContactMock];
    const { next } = wechatChat(h, w.db, 20_000);
    const imageTo = (toId: string) =>
      h.waitForSent((m) => m.toId === toId && m.type === types.Message.Image, 20_000);

    await fileNoiseComplaint(h, next, (c) => w!.addsBot(c), reporter, residents, '楼道灯不亮', TINY_JPEG);
    await next({ toId: wang.id }, '【新报事】');
    const scene = await imageTo(wang.id);
    expect(bytesOf(h, scene)).toEqual(TINY_JPEG);
    await next({ toId: wang.id }, '的现场照片');

    // the handler accepts (1), adds a note (1. 补充说明 of what comes next) with a photo
    await h.say(wang, '1');
    await next({ toId: wang.id }, '已受理');
    await h.say(wang, '1');
    await next({ toId: wang.id }, '请写下处理情况');
    await h.say(wang, '已更换灯泡');
    await next({ toId: wang.id }, '可以发一张现场照片');
    await h.sayNonText(wang, types.Message.Image, { file: { name: 'done.png', data: DONE_PNG } });
    await next({ toId: wang.id }, '已记录到报事');

    const [listed] = (
      await services.complaints.list(SYSTEM_ACTOR.principal, { orgId: chain.compound, limit: 5 })
    ).items;
    await services.complaints.act(SYSTEM_ACTOR, listed!.id, { action: 'resolve' });
    await next({ toId: reporter.id }, '已处理完毕，请您评价');
    const done = await imageTo(reporter.id);
    expect(bytesOf(h, done)).toEqual(DONE_PNG);

    // the API gives the bytes back, as kept when they arrived
    const first = await services.complaintPhotos.photo(SYSTEM_ACTOR.principal, listed!.id, 0);
    expect(first).toEqual({ bytes: TINY_JPEG, contentType: 'image/jpeg' });
    const second = await services.complaintPhotos.photo(SYSTEM_ACTOR.principal, listed!.id, 1);
    expect(second).toEqual({ bytes: DONE_PNG, contentType: 'image/png' });
  }, 120_000);
});
