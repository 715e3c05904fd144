// Normalization of real-shaped updates, delivered through the webhook: callbacks, commands,
// addressing, media, edits, and the senders Linli ignores.
import type { Message } from 'grammy/types';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewUpdate } from '../../fakes/telegram/index.js';
import { ANN, BOB, cleanup, GROUP, startWebhook } from './harness.js';

afterEach(cleanup);

/** The text message update with its message patched (e.g. text removed, a sticker added). */
function patched(update: NewUpdate, patch: Partial<Message> & Record<string, unknown>): NewUpdate {
  const { text: _text, entities: _entities, ...message } = update.message!;
  return { message: { ...message, ...patch } as NonNullable<NewUpdate['message']> };
}

describe('telegram inbound normalization', () => {
  it('delivers a button press as a choice and always answers the callback query', async () => {
    const h = await startWebhook({
      handler: async (m) => {
        if (m.choice === 'unknown:x') throw new Error('no such choice');
      },
    });
    h.fake.setChat(GROUP, 'supergroup', 'Block 7');
    const { messageId } = await h.adapter.send({
      chat: { externalId: String(GROUP), kind: 'group' },
      text: 'Repaint the gate?',
      choices: [
        { label: 'Yes', payload: 'vote:yes' },
        { label: 'No', payload: 'vote:no' },
      ],
    });
    for (const data of ['vote:yes', 'unknown:x']) {
      const res = await h.post(
        h.fake.makeCallbackQueryUpdate({ chatId: GROUP, from: ANN, data, messageId: Number(messageId) }),
      );
      expect(res.status).toBe(200);
    }
    expect(h.received.map((m) => [m.choice, m.messageId, m.addressedToBot, m.text])).toEqual([
      ['vote:yes', messageId, true, undefined],
      ['unknown:x', messageId, true, undefined],
    ]);
    expect(h.received[0]).toMatchObject({
      chat: { externalId: String(GROUP), kind: 'group', title: 'Block 7' },
      sender: { externalId: '42', displayName: 'Ann Lee', isBot: false },
    });
    const answers = h.fake.callsOf('answerCallbackQuery');
    expect(answers.map((c) => c.status)).toEqual([200, 200]);
  });

  it('parses commands, /cmd@this_bot, /start payloads, and ignores commands for other bots', async () => {
    const h = await startWebhook();
    const texts = ['/bind@test_bot ABC', '/Help', '/start invite-123', '/bind@other_bot XYZ', '/start'];
    for (const text of texts) await h.post(h.fake.makeTextMessageUpdate({ chatId: GROUP, from: ANN, text }));
    expect(h.received.map((m) => [m.command, m.startPayload, m.addressedToBot])).toEqual([
      [{ name: 'bind', args: 'ABC' }, undefined, true],
      [{ name: 'help', args: '' }, undefined, false],
      [{ name: 'start', args: 'invite-123' }, 'invite-123', false],
      [{ name: 'start', args: '' }, undefined, false],
    ]);
    expect(h.received[0]?.text).toBe('/bind@test_bot ABC');
  });

  it('marks replies to the bot and @-mentions as addressed, stripping a leading mention', async () => {
    const h = await startWebhook();
    h.fake.setChat(GROUP, 'supergroup', 'Block 7');
    const { messageId } = await h.adapter.send({
      chat: { externalId: String(GROUP), kind: 'group' },
      text: 'Q?',
    });
    const own = h.fake.makeTextMessageUpdate({ chatId: GROUP, from: BOB, text: 'a neighbour speaks' });
    await h.post(own);
    const cases = [
      { text: 'my answer', replyToMessageId: Number(messageId) },
      { text: 'me too', replyToMessageId: own.message!.message_id }, // a reply to a person, not the bot
      { text: '@Test_Bot, 报修 电梯' },
      { text: 'ask @test_bot later' },
      { text: '@test_bot /bind K9' },
      { text: 'mail me@test_bot.example' },
      { text: 'plain chatter' },
    ];
    h.received.length = 0;
    for (const c of cases) await h.post(h.fake.makeTextMessageUpdate({ chatId: GROUP, from: ANN, ...c }));
    expect(h.received.map((m) => [m.text, m.addressedToBot])).toEqual([
      ['my answer', true],
      ['me too', false],
      ['报修 电梯', true],
      ['ask @test_bot later', true],
      ['/bind K9', true],
      ['mail me@test_bot.example', false],
      ['plain chatter', false],
    ]);
    expect(h.received[4]?.command).toEqual({ name: 'bind', args: 'K9' });
  });

  it('drops messages from bots and from chats (channels, anonymous admins) and service messages', async () => {
    const h = await startWebhook();
    const base = h.fake.makeTextMessageUpdate({ chatId: GROUP, from: ANN, text: 'x' });
    const updates: NewUpdate[] = [
      h.fake.makeTextMessageUpdate({
        chatId: GROUP,
        from: { id: 99, first_name: 'Other', is_bot: true },
        text: 'beep',
      }),
      { message: { ...base.message!, sender_chat: { id: -100777, type: 'channel', title: 'News' } } },
      {
        channel_post: { ...base.message!, chat: { id: -100777, type: 'channel', title: 'News' } },
      } as NewUpdate,
      patched(base, { new_chat_members: [{ id: 50, is_bot: false, first_name: 'Cai' }] }),
      {
        my_chat_member: {
          chat: base.message!.chat,
          from: { id: 42, is_bot: false, first_name: 'Ann' },
          date: 0,
          old_chat_member: { status: 'left', user: { id: 777000, is_bot: true, first_name: 'Test Bot' } },
          new_chat_member: { status: 'member', user: { id: 777000, is_bot: true, first_name: 'Test Bot' } },
        },
      },
    ];
    for (const u of updates) expect((await h.post(u)).status).toBe(200);
    expect(h.received).toEqual([]);
    expect(h.dedupeCalls).toEqual([]); // dropped by the adapter: never handed to the handler
  });

  it('delivers media: sticker with no text, largest photo with caption, document, location', async () => {
    const h = await startWebhook();
    const base = h.fake.makeTextMessageUpdate({ chatId: ANN.id, from: ANN, text: 'x' });
    const size = (id: string, w: number) => ({ file_id: id, file_unique_id: `u${id}`, width: w, height: w });
    await h.post(
      patched(base, {
        sticker: {
          ...size('STICKER-1', 512),
          type: 'regular',
          is_animated: false,
          is_video: false,
        },
      }),
    );
    await h.post(
      patched(base, { photo: [size('P-S', 90), size('P-L', 1280), size('P-M', 320)], caption: 'gate' }),
    );
    await h.post(patched(base, { document: { file_id: 'DOC-1', file_unique_id: 'd1' } }));
    await h.post(patched(base, { location: { latitude: 31.23, longitude: 121.47 } }));
    expect(h.received.map((m) => [m.text, m.media])).toEqual([
      [undefined, [{ kind: 'sticker', ref: 'STICKER-1' }]],
      ['gate', [{ kind: 'photo', ref: 'P-L' }]],
      [undefined, [{ kind: 'file', ref: 'DOC-1' }]],
      [undefined, [{ kind: 'location', ref: '31.23,121.47' }]],
    ]);
    expect(h.received[0]).not.toHaveProperty('text');
  });

  it('flags edited messages', async () => {
    const h = await startWebhook();
    const base = h.fake.makeTextMessageUpdate({ chatId: ANN.id, from: ANN, text: 'typo' });
    await h.post({
      edited_message: { ...base.message!, text: 'fixed', edit_date: 1 } as NonNullable<
        NewUpdate['edited_message']
      >,
    });
    expect(h.received).toHaveLength(1);
    expect(h.received[0]).toMatchObject({
      text: 'fixed',
      edited: true,
      messageId: String(base.message!.message_id),
    });
  });
});
