// Drives the fake Telegram Bot API through real grammY (polling, callbacks, faults, webhooks).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api, Bot, GrammyError, HttpError, InlineKeyboard, InputFile, webhookCallback } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeTelegram, isFileUpload, startFakeTelegram } from './telegram/index.js';

const TOKEN = '4242:fake-token';
const ANN = { id: 42, first_name: 'Ann', username: 'ann' };

let fake: FakeTelegram;
const cleanups: Array<() => Promise<unknown>> = [];

async function setup(): Promise<{ fake: FakeTelegram; bot: Bot }> {
  fake = await startFakeTelegram({ token: TOKEN });
  // the protocol tests below write to these users privately: they have opened a chat with the bot
  for (const id of [42, 43, 100, 101, 102, 103]) fake.startPrivateChat(id);
  const bot = new Bot(TOKEN, { botInfo: fake.botInfo, client: { apiRoot: fake.url } });
  cleanups.push(() => fake.close());
  return { fake, bot };
}

/** Starts long polling and registers a stop on cleanup; resolves once the first getUpdates is parked. */
async function startPolling(bot: Bot): Promise<void> {
  const running = bot.start({ timeout: 10 });
  cleanups.unshift(async () => {
    if (bot.isRunning()) await bot.stop();
    await running;
  });
  await fake.waitForCall('deleteWebhook');
}

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('fake Telegram via grammY long polling', () => {
  it('delivers a pushed text update and records the reply', async () => {
    const { fake, bot } = await setup();
    bot.command('start', (ctx) => ctx.reply(`Hello, ${ctx.from?.first_name}!`));
    await startPolling(bot);

    const update = fake.pushUpdate(fake.makeTextMessageUpdate({ chatId: ANN.id, from: ANN, text: '/start' }));
    expect(update.update_id).toBe(1);
    expect(update.message?.entities).toEqual([{ type: 'bot_command', offset: 0, length: 6 }]);

    const call = await fake.waitForCall('sendMessage');
    expect(call.params).toMatchObject({ chat_id: 42, text: 'Hello, Ann!' });
    expect(call.response).toMatchObject({
      ok: true,
      result: {
        message_id: 2, // the user's /start was message 1 in this chat
        chat: { id: 42, type: 'private', first_name: 'Ann' },
        from: { id: 4242, is_bot: true, username: 'test_bot' },
        text: 'Hello, Ann!',
      },
    });
    expect(fake.sentMessages()).toHaveLength(1);

    const t0 = Date.now();
    await bot.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    // stop() confirms the handled update: the last getUpdates carries offset = 2.
    expect(fake.callsOf('getUpdates').at(-1)?.params).toMatchObject({ offset: 2, limit: 1 });
    expect((await bot.api.getWebhookInfo()).pending_update_count).toBe(0);
  });

  it('sends an inline keyboard and answers the callback query', async () => {
    const { fake, bot } = await setup();
    bot.command('vote', (ctx) =>
      ctx.reply('<b>Repaint the gate?</b>', {
        parse_mode: 'HTML',
        reply_markup: new InlineKeyboard().text('Yes', 'vote:yes').text('No', 'vote:no'),
      }),
    );
    bot.callbackQuery(/^vote:(yes|no)$/, async (ctx) => {
      await ctx.answerCallbackQuery({ text: 'Recorded' });
      await ctx.editMessageText(`You voted ${ctx.match[1]}`);
    });
    await startPolling(bot);

    const chatId = -1001234567890;
    fake.pushUpdate(fake.makeTextMessageUpdate({ chatId, from: ANN, text: '/vote', chatTitle: 'Block 7' }));
    const sent = await fake.waitForCall('sendMessage');
    const message = (sent.response as { result: { message_id: number } }).result;
    expect(sent.response).toMatchObject({
      ok: true,
      result: {
        chat: { id: chatId, type: 'supergroup', title: 'Block 7' },
        text: 'Repaint the gate?',
        entities: [{ type: 'bold', offset: 0, length: 17 }],
        reply_markup: { inline_keyboard: [[{ text: 'Yes', callback_data: 'vote:yes' }, expect.anything()]] },
      },
    });

    fake.pushUpdate(
      fake.makeCallbackQueryUpdate({ chatId, from: ANN, data: 'vote:yes', messageId: message.message_id }),
    );
    const [answer] = await fake.waitForCalls('answerCallbackQuery', 1);
    expect(answer?.response).toEqual({ ok: true, result: true });
    expect(answer?.params).toMatchObject({ text: 'Recorded' });
    const edit = await fake.waitForCall('editMessageText');
    expect(edit.response?.ok).toBe(true);
    // Editing text without reply_markup removes the keyboard, as on the real server.
    const stored = fake.message(chatId, message.message_id);
    expect(stored?.text).toBe('You voted yes');
    expect(stored?.reply_markup).toBeUndefined();
    expect(stored?.edit_date).toBeTypeOf('number');
  });
});

describe('fake Telegram fault injection', () => {
  it('surfaces 429 retry_after as GrammyError.parameters.retry_after', async () => {
    const { fake, bot } = await setup();
    fake.failNext('sendMessage', { kind: 'retry_after', seconds: 7 });
    const err = await bot.api.sendMessage(42, 'hi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrammyError);
    const g = err as GrammyError;
    expect(g.error_code).toBe(429);
    expect(g.description).toBe('Too Many Requests: retry after 7');
    expect(g.parameters.retry_after).toBe(7);
    // The fault is consumed: the next call goes through and nothing was stored by the failed one.
    const ok = await bot.api.sendMessage(42, 'hi');
    expect(ok.message_id).toBe(1);
    expect(fake.stats()).toMatchObject({ acceptedSends: 1, tooManyRequests: 1, rateLimited: 0 });
  });

  it('answers 403 for a blocked user, per chat, until cleared', async () => {
    const { fake, bot } = await setup();
    fake.failForChat(42, { kind: 'blocked' }, Number.POSITIVE_INFINITY);
    for (let i = 0; i < 2; i += 1) {
      const err = await bot.api.sendMessage(42, 'news').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GrammyError);
      expect((err as GrammyError).error_code).toBe(403);
      expect((err as GrammyError).description).toBe('Forbidden: bot was blocked by the user');
    }
    await expect(bot.api.sendMessage(43, 'news')).resolves.toMatchObject({ chat: { id: 43 } });
    fake.clearFaults();
    await expect(bot.api.sendMessage(42, 'news')).resolves.toMatchObject({ chat: { id: 42 } });
    expect(fake.callsOf('sendMessage').map((c) => c.status)).toEqual([403, 403, 200, 200]);
  });

  it('maps the other fault kinds to Bot API errors, and network faults to HttpError', async () => {
    const { fake, bot } = await setup();
    fake.failNext('sendMessage', { kind: 'server_error' });
    fake.failNext('sendMessage', { kind: 'chat_not_found' });
    fake.failNext('sendMessage', { kind: 'kicked' });
    fake.failNext('sendMessage', { kind: 'network' });
    const errors = [];
    for (let i = 0; i < 4; i += 1) errors.push(await bot.api.sendMessage(-5, 'x').catch((e: unknown) => e));
    expect(
      errors.slice(0, 3).map((e) => [(e as GrammyError).error_code, (e as GrammyError).description]),
    ).toEqual([
      [502, 'Bad Gateway'],
      [400, 'Bad Request: chat not found'],
      [403, 'Forbidden: bot was kicked from the group chat'],
    ]);
    expect(errors[3]).toBeInstanceOf(HttpError);
  });
});

describe('fake Telegram protocol details', () => {
  it('rejects unknown methods (404) and wrong tokens (401)', async () => {
    const { fake } = await setup();
    const res = await fetch(`${fake.url}/bot${TOKEN}/getFoo`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      ok: false,
      error_code: 404,
      description: 'Not Found: method not found',
    });
    const wrong = await new Api('1:wrong', { apiRoot: fake.url }).getMe().catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(GrammyError);
    expect(wrong).toMatchObject({ error_code: 401, description: 'Unauthorized' });
  });

  it('rejects malformed HTML like the real server', async () => {
    const { bot } = await setup();
    const err = await bot.api.sendMessage(42, 'Tom <Jerry>', { parse_mode: 'HTML' }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      error_code: 400,
      description: 'Bad Request: can\'t parse entities: Unsupported start tag "jerry" at byte offset 4',
    });
    const md = await bot.api
      .sendMessage(42, 'Fee: 3.5', { parse_mode: 'MarkdownV2' })
      .catch((e: unknown) => e);
    expect(md).toMatchObject({ error_code: 400 });
    expect((md as GrammyError).description).toContain("Character '.' is reserved");
  });

  it('close() answers a pending long poll with an empty result', async () => {
    const { fake } = await setup();
    const poll = fetch(`${fake.url}/bot${TOKEN}/getUpdates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timeout: 30 }),
    });
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await fake.close();
    const res = await poll;
    expect(await res.json()).toEqual({ ok: true, result: [] });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('accepts multipart uploads (sendPhoto with InputFile)', async () => {
    const { fake, bot } = await setup();
    const msg = await bot.api.sendPhoto(42, new InputFile(Buffer.from('fake-jpeg-bytes'), 'gate.jpg'), {
      caption: 'Gate, before',
    });
    expect(msg.caption).toBe('Gate, before');
    expect(msg.photo?.at(-1)).toMatchObject({ file_size: 15 });
    const photo = fake.callsOf('sendPhoto')[0]?.params.photo;
    expect(isFileUpload(photo) && photo.filename).toBe('gate.jpg');
    await expect(bot.api.sendPhoto(42, msg.photo!.at(-1)!.file_id)).resolves.toMatchObject({ message_id: 2 });
    expect(fake.sentMessages().map((s) => s.caption)).toEqual(['Gate, before', undefined]);
  });

  it('enforces a global send rate and counts duplicates', async () => {
    const { fake, bot } = await setup();
    fake.enforceRate({ globalPerSecond: 5 });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => bot.api.sendMessage(100 + (i % 4), `notice ${i % 4}`)),
    );
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(3);
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({
      error_code: 429,
      parameters: { retry_after: 1 },
    });
    const s = fake.stats();
    expect(s).toMatchObject({ acceptedSends: 5, rateLimited: 3, tooManyRequests: 3, duplicates: 1 });
    expect(s.peakSendsPerSecond).toBe(5);
  });

  it('webhook mode: setWebhook + delivery with secret token, and webhook replies', async () => {
    const { fake, bot } = await setup();
    bot.on('message:text', (ctx) => ctx.reply(`got ${ctx.message.text}`));
    const handle = webhookCallback(bot, 'http', { secretToken: 's3cret' });
    const server: Server = createServer((req, res) => void handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((r) => server.close(r)));
    const hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tg`;

    await bot.api.setWebhook(hookUrl, { secret_token: 's3cret' });
    expect(fake.webhook()).toMatchObject({ url: hookUrl, secretToken: 's3cret' });
    expect(await bot.api.getWebhookInfo()).toMatchObject({ url: hookUrl, pending_update_count: 0 });
    await expect(bot.api.getUpdates()).rejects.toMatchObject({ error_code: 409 });

    const delivery = await fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate({ chatId: 42, from: ANN, text: 'ping' }),
    );
    expect(delivery.status).toBe(200);
    expect(fake.sentMessages().map((m) => m.text)).toEqual(['got ping']);

    const bad = await fake.postUpdateToWebhook(
      hookUrl,
      fake.makeTextMessageUpdate({ chatId: 42, from: ANN, text: 'x' }),
      'nope',
    );
    expect(bad.status).toBe(401);

    // grammY webhook reply: the method comes back in the HTTP response body and the fake runs it.
    const replyBot = new Bot(TOKEN, {
      botInfo: fake.botInfo,
      client: { apiRoot: fake.url, canUseWebhookReply: (m) => m === 'sendMessage' },
    });
    replyBot.on('message:text', (ctx) => ctx.reply('via reply'));
    const replyHandle = webhookCallback(replyBot, 'http');
    const replyServer = createServer((req, res) => void replyHandle(req, res));
    replyServer.listen(0, '127.0.0.1');
    await once(replyServer, 'listening');
    cleanups.push(() => new Promise((r) => replyServer.close(r)));
    const replyUrl = `http://127.0.0.1:${(replyServer.address() as AddressInfo).port}/`;
    await fake.postUpdateToWebhook(
      replyUrl,
      fake.makeTextMessageUpdate({ chatId: 42, from: ANN, text: 'y' }),
    );
    const last = fake.callsOf('sendMessage').at(-1);
    expect(last).toMatchObject({
      viaWebhookReply: true,
      params: { chat_id: 42, text: 'via reply' },
      status: 200,
    });
  });
});

describe('fake Telegram refuses what Telegram refuses', () => {
  it('answers 403 to a private send to a user who never wrote to the bot, until they do; 403 once they block it', async () => {
    fake = await startFakeTelegram({ token: TOKEN });
    cleanups.push(() => fake.close());
    const api = new Api(TOKEN, { apiRoot: fake.url });
    await expect(api.sendMessage(77, 'hi')).rejects.toMatchObject({
      error_code: 403,
      description: "Forbidden: bot can't initiate conversation with a user",
    });
    expect(fake.canMessagePrivately(77)).toBe(false);
    fake.pushUpdate(
      fake.makeTextMessageUpdate({ chatId: 77, from: { id: 77, first_name: 'Bo' }, text: '/start' }),
    );
    expect(fake.canMessagePrivately(77)).toBe(true);
    await expect(api.sendMessage(77, 'hi')).resolves.toMatchObject({ text: 'hi' });
    fake.blockBot(77);
    await expect(api.sendMessage(77, 'again')).rejects.toMatchObject({
      error_code: 403,
      description: 'Forbidden: bot was blocked by the user',
    });
    // group sends are not affected
    await expect(api.sendMessage(-100500, 'to the group')).resolves.toMatchObject({ text: 'to the group' });
  });

  it('with privacy mode on, gives the bot only commands, replies to it and mentions of it from a group, unless it is an admin', async () => {
    const { fake, bot } = await setup();
    const seen: string[] = [];
    bot.on('message', (ctx) => {
      seen.push(ctx.message.text ?? '');
    });
    await startPolling(bot);
    const group = -100777;
    const say = (text: string, replyToMessageId?: number) =>
      fake.pushUpdate(
        fake.makeTextMessageUpdate({
          chatId: group,
          from: ANN,
          text,
          ...(replyToMessageId === undefined ? {} : { replyToMessageId }),
        }),
      );
    const plain = say('投诉');
    expect(fake.isWithheld(plain)).toBe(true);
    say('/complaint');
    say(`hello @${fake.botInfo.username}`);
    const botMessage = await new Api(TOKEN, { apiRoot: fake.url }).sendMessage(group, '请回复');
    say('回复机器人', botMessage.message_id);
    fake.setBotAdmin(group);
    say('管理员能看到');
    await until(() => seen.length === 4);
    expect(seen).toEqual(['/complaint', `hello @${fake.botInfo.username}`, '回复机器人', '管理员能看到']);
  });

  it('a webhook is not called for a withheld group message', async () => {
    fake = await startFakeTelegram({ token: TOKEN });
    cleanups.push(() => fake.close());
    let posts = 0;
    const server = createServer((_req, res) => {
      posts++;
      res.end('');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((r) => server.close(r)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const r = await fake.postUpdateToWebhook(
      url,
      fake.makeTextMessageUpdate({ chatId: -100778, from: ANN, text: '楼道灯坏了' }),
    );
    expect(r.withheld).toBe(true);
    expect(posts).toBe(0);
    fake.setPrivacyMode(false);
    await fake.postUpdateToWebhook(
      url,
      fake.makeTextMessageUpdate({ chatId: -100778, from: ANN, text: '楼道灯坏了' }),
    );
    expect(posts).toBe(1);
  });
});

async function until(ok: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
