import { afterEach, describe, expect, it } from 'vitest';
import type { FakeUser } from '../../fakes/telegram/index.js';
import { TINY_JPEG } from '../../fakes/telegram/photos.js';
import { fileLiftComplaint, sunshineHandlers } from '../../support/telegram-complaint.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';

const GROUP = -100771;
const RESIDENT: FakeUser = { id: 5501, first_name: '林', last_name: '欣' };
const WANG: FakeUser = { id: 9501, first_name: '王师傅' };
/** a second, different image: the handler's photo of the finished work (a 1×1 PNG) */
const DONE_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

describe('photos both ways on Telegram', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('the resident’s photo follows the handler’s notice, the handler’s reaches the resident with 已处理, both downloadable over the API', async () => {
    t = await startTelegramLinli();
    const { fake, json, base, config } = t;
    const { compound: sunshine } = await sunshineHandlers(t, GROUP, [WANG]);
    const chat = telegramChat(fake);
    const { next, press } = chat;
    const photoTo = (chatId: number, caption: string) =>
      fake.waitForCall('sendPhoto', {
        timeoutMs: 15_000,
        predicate: (c) => Number(c.params.chat_id) === chatId && String(c.params.caption).includes(caption),
      });
    await fileLiftComplaint(fake, chat, GROUP, RESIDENT, '电梯按钮掉了', TINY_JPEG);
    const notice = await next(WANG.id, '【新报事】');
    const scene = await photoTo(WANG.id, '的现场照片');
    // Telegram sends its own file again by id: the resident's photo, not a copy
    const residentFileId = String(scene.params.photo);
    expect(fake.fileBytes(residentFileId)).toEqual(TINY_JPEG);

    const [listed] = (await json('GET', `/complaints?orgId=${sunshine.id}`)).items;
    const detail = await json('GET', `/complaints/${listed.id}`);
    expect(detail.photos).toEqual([expect.stringMatching(/^media:\d+$/)]);
    expect(detail.photoUrls).toEqual([`/api/v1/complaints/${listed.id}/photos/0`]);
    const download = (n: number, token = config.adminToken) =>
      fetch(`${base}/api/v1/complaints/${listed.id}/photos/${n}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const got = await download(0);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await got.arrayBuffer())).toEqual(TINY_JPEG);
    expect((await download(5)).status).toBe(404);
    expect((await download(0, 'not-a-token')).status).toBe(401);

    // the handler accepts, adds a note with a photo of the work, marks it resolved
    await press(WANG.id, WANG, notice, '受理');
    const held = await next(WANG.id, '已受理');
    await press(WANG.id, WANG, held, '补充说明');
    await next(WANG.id, '请写下处理情况');
    await fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate({
        chatId: WANG.id,
        chatType: 'private',
        from: WANG,
        text: '已更换按钮面板',
      }),
    );
    await next(WANG.id, '可以发一张现场照片');
    await fake.deliverUpdateToWebhook(
      fake.makePhotoMessageUpdate({ chatId: WANG.id, chatType: 'private', from: WANG, bytes: DONE_PNG }),
    );
    await next(WANG.id, '已记录到报事');
    await press(WANG.id, WANG, held, '已处理');
    await next(RESIDENT.id, '已处理完毕，请您评价');
    const done = await photoTo(RESIDENT.id, '处理后照片');
    expect(fake.fileBytes(String(done.params.photo))).toEqual(DONE_PNG);

    const after = await json('GET', `/complaints/${listed.id}`);
    expect(after.photoUrls).toHaveLength(2);
    const second = await download(1);
    expect(second.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await second.arrayBuffer())).toEqual(DONE_PNG);
  }, 60_000); // a whole process and a dozen chat steps
});
