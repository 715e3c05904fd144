/**
 * The monthly digest on WeChat, through the Wechaty mock: the residents' group gets the text and
 * then the chart as an image file, once, when the month's moment fires.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { types } from 'wechaty';
import { findCjkFont } from '../../../src/kernel/media/png-renderer.js';
import { CHINA_TIME_ZONE, wallOf } from '../../../src/kernel/time/zone.js';
import { digestDueAt } from '../../../src/modules/complaints/digest-push.js';
import type { ContactMock } from '../../fakes/wechat/harness.js';
import { pngSize } from '../../support/png.js';
import { fileNoiseComplaint, sunshineOnWechat, wechatChat } from '../../support/wechat-chat.js';
import { startWechatLinli, type WechatLinli } from '../../support/wechat-linli.js';

describe('the monthly digest in a residents’ group on WeChat', () => {
  let w: WechatLinli | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('on the next month’s first working day at 10:00: the text, then the chart as an image, once', async () => {
    w = await startWechatLinli();
    const { services, mock: h } = w;
    const { reporter, residents, contacts } = await sunshineOnWechat(w, ['王师傅']);
    const [wang] = contacts as [ContactMock];
    const { next } = wechatChat(h, w.db, 20_000);
    await fileNoiseComplaint(h, next, (c) => w!.addsBot(c), reporter, residents, '楼上凌晨还在敲');
    await next({ toId: wang.id }, '【新报事】');
    await h.say(wang, '1');
    await next({ toId: wang.id }, '已受理');

    const now = wallOf(new Date(), CHINA_TIME_ZONE);
    const due = now.month === 12 ? digestDueAt(now.year + 1, 1) : digestDueAt(now.year, now.month + 1);
    expect(await services.digestPush.sendDue(due)).toBe(1);
    const text = await next({ roomId: residents.id }, '报事情况】');
    expect(text.text).toContain('收到报事 1 件，已办结 0 件，仍在处理 1 件');
    expect(text.text).toContain('最多的是：噪音扰民 1 件。');
    if (findCjkFont()) {
      const image = await h.waitForSent(
        (m) => m.roomId === residents.id && m.type === types.Message.Image,
        20_000,
      );
      expect(h.sent.indexOf(image)).toBeGreaterThan(h.sent.indexOf(text));
      const json = h.mocker.cacheFileBoxPayload.get(image.id) as unknown as { base64?: string } | undefined;
      expect(pngSize(Buffer.from(json?.base64 ?? '', 'base64'))).toEqual({ width: 960, height: 540 });
    }
    expect(await services.digestPush.sendDue(due)).toBe(0);
  }, 120_000);
});
