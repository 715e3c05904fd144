// Webhook mode: secret check, dedupe, per-chat ordering, malformed bodies, not-running answers.
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../../src/channels/telegram/telegram-adapter.js';
import { TransientHandlingError } from '../../../src/kernel/chat/handling-failure.js';
import { ANN, BOB, cleanup, GROUP, gate, SECRET, startFake, startWebhook, until } from './harness.js';

afterEach(cleanup);

describe('telegram webhook', () => {
  it('rejects a missing or wrong secret with 401 and never calls dedupe or the handler', async () => {
    const h = await startWebhook();
    for (const secret of [null, 'wrong', `${SECRET}x`, '']) {
      const res = await h.post(
        h.fake.makeTextMessageUpdate({ chatId: ANN.id, from: ANN, text: 'hi' }),
        secret,
      );
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'unauthorized' } });
    }
    expect(h.received).toEqual([]);
    expect(h.dedupeCalls).toEqual([]);
  });

  it('delivers a text message as an InboundMessage and answers 200 with an empty body', async () => {
    const h = await startWebhook();
    const res = await h.post(h.fake.makeTextMessageUpdate({ chatId: ANN.id, from: ANN, text: 'hello' }));
    expect(res).toMatchObject({ status: 200, body: '' });
    expect(h.received).toEqual([
      {
        channel: 'telegram',
        updateId: String(res.updateId),
        chat: { externalId: '42', kind: 'private' },
        sender: { externalId: '42', displayName: 'Ann Lee', isBot: false },
        messageId: '1',
        text: 'hello',
        addressedToBot: true, // a private chat is all said to the bot
        media: [],
        receivedAt: expect.any(Date),
      },
    ]);
  });

  it('handles a redelivered update_id once', async () => {
    const h = await startWebhook();
    const update = h.fake.makeTextMessageUpdate({ chatId: ANN.id, from: ANN, text: 'once' });
    const first = await h.post({ ...update, update_id: 900 });
    const second = await h.post({ ...update, update_id: 900 });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(h.received.map((m) => m.text)).toEqual(['once']);
    expect(h.dedupeCalls).toEqual(['900', '900']);
  });

  it('keeps one chat in order while other chats go ahead', async () => {
    const slow = gate();
    const events: string[] = [];
    const h = await startWebhook({
      handler: async (m) => {
        events.push(`start ${m.text}`);
        if (m.text === 'a1') await slow.wait;
        events.push(`end ${m.text}`);
      },
    });
    const a1 = h.post(h.fake.makeTextMessageUpdate({ chatId: GROUP, from: ANN, text: 'a1' }));
    await until(() => events.includes('start a1'));
    let a2Answered = false;
    const a2 = h.post(h.fake.makeTextMessageUpdate({ chatId: GROUP, from: BOB, text: 'a2' })).then((r) => {
      a2Answered = true;
      return r;
    });
    const b1 = await h.post(h.fake.makeTextMessageUpdate({ chatId: BOB.id, from: BOB, text: 'b1' }));
    expect(b1.status).toBe(200); // chat B answered while chat A is still busy
    await new Promise((r) => setTimeout(r, 50));
    expect(a2Answered).toBe(false); // webhook answers only after the update was handled
    slow.open();
    expect((await a1).status).toBe(200);
    expect((await a2).status).toBe(200);
    expect(events).toEqual(['start a1', 'start b1', 'end b1', 'end a1', 'start a2', 'end a2']);
  });

  it('answers 200 to malformed bodies without handling anything, and keeps working', async () => {
    const h = await startWebhook();
    const bodies: Array<[string | undefined, string | undefined]> = [
      ['application/json', '{not json'],
      ['application/json', '[]'],
      ['application/json', '{"update_id":"7","message":{}}'],
      ['application/json', 'null'],
      ['text/plain', 'hello'],
      [undefined, undefined],
    ];
    for (const [type, body] of bodies) {
      const headers: Record<string, string> = { 'x-telegram-bot-api-secret-token': SECRET };
      if (type) headers['content-type'] = type;
      const res = await fetch(h.hookUrl, { method: 'POST', headers, body: body ?? null });
      expect(res.status, `${type} ${body}`).toBe(200);
    }
    expect(h.dedupeCalls).toEqual([]);
    const ok = await h.post(h.fake.makeTextMessageUpdate({ chatId: ANN.id, from: ANN, text: 'after' }));
    expect(ok.status).toBe(200);
    expect(h.received.map((m) => m.text)).toEqual(['after']);
  });

  it('answers 200 when the handler throws, and the next update of that chat is still handled', async () => {
    const h = await startWebhook({
      handler: async (m) => {
        if (m.text === 'boom') throw new Error('handler failed');
      },
    });
    const bad = await h.post(h.fake.makeTextMessageUpdate({ chatId: ANN.id, from: ANN, text: 'boom' }));
    const good = await h.post(h.fake.makeTextMessageUpdate({ chatId: ANN.id, from: ANN, text: 'fine' }));
    expect([bad.status, good.status]).toEqual([200, 200]);
    expect(h.received.map((m) => m.text)).toEqual(['boom', 'fine']);
  });

  it('answers 503 with Retry-After when handling failed for a reason that may pass, and handles the redelivery', async () => {
    let down = true;
    const h = await startWebhook({
      handler: async () => {
        if (down) throw new TransientHandlingError('1', new Error('connect ECONNREFUSED 127.0.0.1:5432'));
      },
    });
    const update = {
      ...h.fake.makeTextMessageUpdate({ chatId: ANN.id, from: ANN, text: '报事' }),
      update_id: 700,
    };
    const first = await fetch(h.hookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      body: JSON.stringify(update),
    });
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('2');
    down = false;
    expect((await h.post(update)).status).toBe(200);
    expect((await h.post(update)).status).toBe(200);
    // the failed attempt reached the handler, the redelivery was handled, the third was a duplicate
    expect(h.dedupeCalls).toEqual(['700', '700', '700']);
    expect(h.received.map((m) => m.text)).toEqual(['报事', '报事']);
  });

  it('answers 503 before start and after stop, so Telegram keeps the update', async () => {
    const h = await startWebhook({}, { start: false });
    const update = h.fake.makeTextMessageUpdate({ chatId: ANN.id, from: ANN, text: 'early' });
    expect((await h.post(update)).status).toBe(503);
    await h.adapter.start(h.handler);
    expect((await h.post(update)).status).toBe(200);
    await h.adapter.stop();
    expect((await h.post(update)).status).toBe(503);
    expect(h.received.map((m) => m.text)).toEqual(['early']);
  });

  it('registers the webhook with secret and allowed updates when publicUrl is set', async () => {
    const fake = await startFake();
    const adapter = new TelegramAdapter({
      token: fake.token,
      apiRoot: fake.url,
      webhookSecret: SECRET,
      publicUrl: 'https://linli.example.org/',
      logger: pino({ level: 'silent' }),
    });
    expect(adapter.botInfo).toBeUndefined();
    await adapter.start(async () => {});
    expect(adapter.botInfo).toEqual(fake.botInfo); // fetched once, for the caller to cache
    expect(fake.callsOf('getMe')).toHaveLength(1);
    expect(fake.webhook()).toEqual({
      url: 'https://linli.example.org/telegram/webhook',
      secretToken: SECRET,
      allowedUpdates: ['message', 'edited_message', 'callback_query', 'my_chat_member'],
    });
    expect(fake.callsOf('getUpdates')).toHaveLength(0);
    await adapter.stop();
  });

  it("keeps its own body parsing to its route: the app's JSON routes still parse JSON", async () => {
    const h = await startWebhook({}, { start: false });
    await h.app.close();
    const app = Fastify();
    app.post('/echo', async (req) => req.body);
    await h.adapter.webhookPlugin(app);
    const res = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    expect(res.json()).toEqual({ a: 1 });
    const hook = await app.inject({
      method: 'POST',
      url: '/telegram/webhook',
      headers: { 'x-telegram-bot-api-secret-token': SECRET, 'content-type': 'application/json' },
      payload: '{broken',
    });
    expect(hook.statusCode).toBe(200);
    await app.close();
  });

  it('without publicUrl leaves the webhook alone; without a secret registers no route', async () => {
    const h = await startWebhook();
    expect(h.fake.callsOf('setWebhook')).toHaveLength(0);
    const fake = await startFake();
    const polling = new TelegramAdapter({
      token: fake.token,
      apiRoot: fake.url,
      botInfo: fake.botInfo,
      logger: pino({ level: 'silent' }),
    });
    const app = Fastify();
    await polling.webhookPlugin(app);
    const res = await app.inject({ method: 'POST', url: '/telegram/webhook', payload: {} });
    expect(res.statusCode).toBe(404);
    await app.close();
  });
});
