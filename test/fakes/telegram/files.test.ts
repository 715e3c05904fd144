// Photos and files through real HTTP: user photos, getFile + download, sendPhoto upload / by file_id.
import { Bot, GrammyError, InputFile } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { contentTypeOf } from './files.js';
import { DOWNLOAD_LIMIT, type FakeTelegram, startFakeTelegram, TINY_JPEG } from './index.js';

const TOKEN = '4242:fake-token';
const ANN = { id: 42, first_name: 'Ann', username: 'ann' };

const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(): Promise<{ fake: FakeTelegram; bot: Bot }> {
  const fake = await startFakeTelegram({ token: TOKEN });
  fake.startPrivateChat(ANN.id);
  const bot = new Bot(TOKEN, { botInfo: fake.botInfo, client: { apiRoot: fake.url } });
  cleanups.push(() => fake.close());
  return { fake, bot };
}

const download = (fake: FakeTelegram, filePath: string, token = TOKEN) =>
  fetch(`${fake.url}/file/bot${token}/${filePath}`);

const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());

/** The error a rejected API call carries. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail('expected the call to fail'),
    (e: unknown) => {
      expect(e).toBeInstanceOf(GrammyError);
      const { error_code, description } = e as GrammyError;
      return { error_code, description };
    },
  );

describe('fake Telegram files', () => {
  it("a user's photo reaches the bot, which downloads it via getFile", async () => {
    const { fake, bot } = await setup();
    const downloaded: Buffer[] = [];
    bot.on('message:photo', async (ctx) => {
      const file = await ctx.getFile(); // the largest size
      const res = await download(fake, file.file_path!);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      downloaded.push(await bytesOf(res));
      await ctx.reply(`got ${file.file_size} bytes`);
    });
    const running = bot.start({ timeout: 10 });
    cleanups.unshift(async () => {
      if (bot.isRunning()) await bot.stop();
      await running;
    });
    await fake.waitForCall('deleteWebhook');

    const update = fake.pushUpdate(
      fake.makePhotoMessageUpdate({ chatId: ANN.id, from: ANN, caption: '/report gate is broken' }),
    );
    const photo = update.message!.photo!;
    expect(photo.map((p) => p.width)).toEqual([90, 320, 800]);
    expect(new Set(photo.map((p) => p.file_id)).size).toBe(3);
    expect(update.message).toMatchObject({
      message_id: 1,
      chat: { id: 42, type: 'private' },
      caption: '/report gate is broken',
      caption_entities: [{ type: 'bot_command', offset: 0, length: 7 }],
    });
    expect(fake.message(ANN.id, 1)?.photo).toEqual(photo);

    await fake.waitForCall('sendMessage');
    expect(fake.sentMessages()[0]?.text).toBe(`got ${TINY_JPEG.length} bytes`);
    expect(downloaded).toEqual([TINY_JPEG]);
    expect(TINY_JPEG.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8])); // a JPEG (SOI marker)
    // every size is registered and downloadable
    for (const size of photo) {
      const file = await bot.api.getFile(size.file_id);
      expect(file).toMatchObject({ file_id: size.file_id, file_unique_id: size.file_unique_id });
      expect(file.file_path).toMatch(/^photos\/file_\d+\.jpg$/);
      expect(await bytesOf(await download(fake, file.file_path!))).toEqual(TINY_JPEG);
      expect(fake.fileBytes(size.file_id)).toEqual(TINY_JPEG);
    }
  });

  it('serves the given bytes of a photo update delivered to a webhook-less test directly', async () => {
    const { fake, bot } = await setup();
    const bytes = Buffer.from('not-really-a-jpeg-but-ours');
    const update = fake.makePhotoMessageUpdate({ chatId: -100, chatType: 'supergroup', from: ANN, bytes });
    const largest = update.message!.photo!.at(-1)!;
    expect(largest.file_size).toBe(bytes.length);
    expect(update.message!.caption).toBeUndefined();
    const file = await bot.api.getFile(largest.file_id);
    expect(file.file_size).toBe(bytes.length);
    expect(await bytesOf(await download(fake, file.file_path!))).toEqual(bytes);
    expect(fake.fileBytes('never-issued')).toBeUndefined();
  });

  it('sendPhoto with an upload registers the uploaded bytes under the returned file_ids', async () => {
    const { fake, bot } = await setup();
    const uploaded = Buffer.from('uploaded-gate-photo');
    const msg = await bot.api.sendPhoto(ANN.id, new InputFile(uploaded, 'gate.jpg'), { caption: 'Gate' });
    expect(msg.photo).toHaveLength(3);
    for (const size of msg.photo!) {
      expect(size.file_size).toBe(uploaded.length);
      const file = await bot.api.getFile(size.file_id);
      expect(await bytesOf(await download(fake, file.file_path!))).toEqual(uploaded);
    }

    // re-sent by file_id: the largest size keeps the file_id and file_unique_id, the bytes follow
    const largest = msg.photo!.at(-1)!;
    const again = await bot.api.sendPhoto(ANN.id, largest.file_id);
    expect(again.photo!.at(-1)).toMatchObject({
      file_id: largest.file_id,
      file_unique_id: largest.file_unique_id,
      file_size: uploaded.length,
    });
    expect(fake.fileBytes(again.photo![0]!.file_id)).toEqual(uploaded);
  });

  it("sendPhoto accepts a user's photo file_id and refuses one the fake never issued", async () => {
    const { fake, bot } = await setup();
    const update = fake.makePhotoMessageUpdate({ chatId: ANN.id, from: ANN });
    const userPhoto = update.message!.photo![1]!.file_id;
    await expect(bot.api.sendPhoto(ANN.id, userPhoto)).resolves.toMatchObject({ message_id: 2 });

    expect(await failure(bot.api.sendPhoto(ANN.id, 'AgACAgIAAx-made-up-id'))).toEqual({
      error_code: 400,
      description: 'Bad Request: wrong file identifier/HTTP URL specified',
    });
    expect(fake.messages(ANN.id).map((m) => m.message_id)).toEqual([1, 2]); // nothing stored
    // URLs are not fetched but accepted, and their file_ids work afterwards
    const byUrl = await bot.api.sendPhoto(ANN.id, 'https://example.com/gate.jpg');
    await expect(bot.api.sendPhoto(ANN.id, byUrl.photo!.at(-1)!.file_id)).resolves.toBeTruthy();
  });

  it('getFile refuses unknown file_ids and files over 20 MB', async () => {
    const { fake, bot } = await setup();
    expect(await failure(bot.api.getFile('no-such-file'))).toEqual({
      error_code: 400,
      description: 'Bad Request: invalid file_id',
    });
    const big = fake.makePhotoMessageUpdate({
      chatId: ANN.id,
      from: ANN,
      bytes: Buffer.alloc(DOWNLOAD_LIMIT + 1),
    });
    expect(await failure(bot.api.getFile(big.message!.photo!.at(-1)!.file_id))).toEqual({
      error_code: 400,
      description: 'Bad Request: file is too big',
    });
  });

  it('the download route wants the right token and a known path', async () => {
    const { fake, bot } = await setup();
    const update = fake.makePhotoMessageUpdate({ chatId: ANN.id, from: ANN });
    const file = await bot.api.getFile(update.message!.photo!.at(-1)!.file_id);
    expect((await download(fake, file.file_path!)).status).toBe(200);
    const wrongToken = await download(fake, file.file_path!, '4242:other');
    expect(wrongToken.status).toBe(401);
    expect(await wrongToken.json()).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });
    expect((await download(fake, 'photos/file_999.jpg')).status).toBe(404);
    expect((await download(fake, '%E0%A4%A')).status).toBe(404);
    expect(fake.calls.map((c) => c.method)).toEqual(['getFile']); // downloads are not method calls
  });

  it('names content types by extension', () => {
    expect(contentTypeOf('photos/file_1.jpg')).toBe('image/jpeg');
    expect(contentTypeOf('photos/file_1.png')).toBe('image/png');
    expect(contentTypeOf('documents/file_2.pdf')).toBe('application/octet-stream');
  });
});
