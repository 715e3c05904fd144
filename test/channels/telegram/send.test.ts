// send(): the Bot API calls it makes, splitting, HTML escaping, and error mapping.
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelSendError, type OutboundMessage, sendRefusalOf } from '../../../src/kernel/chat/port.js';
import type { Fault } from '../../fakes/telegram/index.js';
import { cleanup, GROUP, makeAdapter, startFake } from './harness.js';

afterEach(cleanup);

const PRIVATE = { externalId: '42', kind: 'private' as const };

async function setup() {
  const fake = await startFake();
  fake.setChat(GROUP, 'supergroup', 'Block 7');
  return makeAdapter(fake);
}

describe('telegram send', () => {
  it('edits an earlier message in place: new text, its buttons gone; an unknown message is refused as permanent', async () => {
    const { fake, adapter } = await setup();
    const first = await adapter.send({
      chat: PRIVATE,
      text: '【新报事】抢单？',
      choices: [{ label: '抢单', payload: 'cp:1:grab:v0' }],
    });
    const edited = await adapter.send({
      chat: PRIVATE,
      text: '【已接单】已由 王师傅 接单',
      editMessageId: first.messageId,
    });
    expect(edited).toEqual(first);
    const [call] = fake.callsOf('editMessageText');
    expect(call?.params).toEqual({
      chat_id: 42,
      message_id: Number(first.messageId),
      text: '【已接单】已由 王师傅 接单',
    });
    expect(call?.status).toBe(200);
    const err = await adapter
      .send({ chat: PRIVATE, text: 'x', editMessageId: '9999' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelSendError);
    expect((err as ChannelSendError).kind).toBe('permanent');
  });

  it('sends choices as an inline keyboard, one button per row, and returns the message id', async () => {
    const { fake, adapter } = await setup();
    const result = await adapter.send({
      chat: PRIVATE,
      text: 'Satisfied?',
      choices: [
        { label: '满意', payload: 'sat:1' },
        { label: '不满意', payload: 'sat:0' },
      ],
      forceReply: true, // ignored with choices: buttons already answer
    });
    const [sent] = fake.sentMessages();
    expect(sent?.params).toEqual({
      chat_id: 42,
      text: 'Satisfied?',
      reply_markup: {
        inline_keyboard: [
          [{ text: '满意', callback_data: 'sat:1' }],
          [{ text: '不满意', callback_data: 'sat:0' }],
        ],
      },
    });
    expect(result).toEqual({ messageId: String(sent?.message.message_id) });
  });

  it('a private link is a t.me deep-link button, after any choices; a payload Telegram refuses is not sent', async () => {
    const { fake, adapter } = await setup();
    await adapter.send({
      chat: { externalId: String(GROUP), kind: 'group' },
      text: '请私聊评价',
      choices: [{ label: '满意', payload: 'sat:1' }],
      privateLink: { label: '私聊评价', payload: 'rate-12', command: '评价 12' },
    });
    const [sent] = fake.sentMessages();
    expect(sent?.reply_markup).toEqual({
      inline_keyboard: [
        [{ text: '满意', callback_data: 'sat:1' }],
        [{ text: '私聊评价', url: `https://t.me/${fake.botInfo.username}?start=rate-12` }],
      ],
    });
    expect(fake.startLinkOf(sent!)).toBe('rate-12');
    const err = await adapter
      .send({ chat: PRIVATE, text: 'x', privateLink: { label: 'x', payload: 'rate:12', command: 'x' } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'permanent' });
    expect(fake.sentMessages()).toHaveLength(1);
  });

  it('asks for a reply with force_reply and replies to a message', async () => {
    const { fake, adapter } = await setup();
    const first = await adapter.send({ chat: { externalId: String(GROUP), kind: 'group' }, text: 'hello' });
    await adapter.send({
      chat: { externalId: String(GROUP), kind: 'group' },
      text: 'Which unit?',
      forceReply: true,
      replyToMessageId: first.messageId,
    });
    expect(fake.sentMessages()[1]?.params).toEqual({
      chat_id: GROUP,
      text: 'Which unit?',
      reply_markup: { force_reply: true, selective: true },
      reply_parameters: { message_id: Number(first.messageId), allow_sending_without_reply: true },
    });
    expect(fake.sentMessages()[1]?.message.reply_to_message?.message_id).toBe(Number(first.messageId));
  });

  it('sends text as typed without a mention, and HTML-escaped after a text mention with one', async () => {
    const { fake, adapter } = await setup();
    await adapter.send({ chat: PRIVATE, text: 'Tom & <Jerry>' });
    await adapter.send({
      chat: { externalId: String(GROUP), kind: 'group' },
      text: 'Tom & <Jerry>',
      mention: { externalId: '42', displayName: 'Ann <Lee>' },
    });
    const [plain, mentioned] = fake.sentMessages();
    expect(plain?.params).toEqual({ chat_id: 42, text: 'Tom & <Jerry>' });
    expect(mentioned?.params).toMatchObject({
      text: '<a href="tg://user?id=42">Ann &lt;Lee&gt;</a> Tom &amp; &lt;Jerry&gt;',
      parse_mode: 'HTML',
    });
    expect(mentioned?.message.text).toBe('Ann <Lee> Tom & <Jerry>');
    expect(mentioned?.message.entities).toEqual([
      // Telegram turns a tg://user link into a mention of that user
      {
        type: 'text_mention',
        offset: 0,
        length: 9,
        user: { id: 42, is_bot: false, first_name: '' },
      },
    ]);
  });

  it('splits a 9000-character text at line boundaries; choices and result go with the last part', async () => {
    const { fake, adapter } = await setup();
    const lines = Array.from({ length: 90 }, (_, i) => `${String(i).padStart(2, '0')} ${'x'.repeat(96)}`);
    const text = lines.join('\n');
    expect(text.length).toBe(8999);
    const result = await adapter.send({
      chat: PRIVATE,
      text,
      replyToMessageId: '999',
      choices: [{ label: 'OK', payload: 'ok' }],
    });
    const sent = fake.sentMessages();
    expect(sent).toHaveLength(3);
    expect(sent.every((s) => (s.text?.length ?? 0) <= 4096)).toBe(true);
    expect(sent.map((s) => s.text).join('\n')).toBe(text);
    expect(sent.map((s) => s.reply_markup !== undefined)).toEqual([false, false, true]);
    expect(sent.map((s) => s.params.reply_parameters !== undefined)).toEqual([true, false, false]);
    expect(result.messageId).toBe(String(sent[2]?.message.message_id));
  });

  it('splits one long line too, counting the mention in the first part', async () => {
    const { fake, adapter } = await setup();
    const text = `${'a'.repeat(5000)}&${'b'.repeat(3999)}`;
    await adapter.send({ chat: PRIVATE, text, mention: { externalId: '42', displayName: 'Ann' } });
    const sent = fake.sentMessages();
    expect(sent.map((s) => s.message.text?.length)).toEqual([4096, 4096, 812]);
    expect(sent.map((s) => s.message.text).join('')).toBe(`Ann ${text}`);
  });

  it('sends a photo with the text as caption, or the text after it when too long for a caption', async () => {
    const { fake, adapter } = await setup();
    // a file id Telegram issued: the one of a photo a user sent
    const fileId = fake
      .makePhotoMessageUpdate({ chatId: 42, from: { id: 42, is_bot: false, first_name: 'Ann' } })
      .message!.photo!.at(-1)!.file_id;
    const photo: OutboundMessage['media'] = { kind: 'photo', ref: fileId };
    await adapter.send({
      chat: PRIVATE,
      text: 'Gate, before',
      media: photo,
      choices: [{ label: 'OK', payload: 'ok' }],
    });
    expect(fake.sentMessages()[0]).toMatchObject({
      method: 'sendPhoto',
      caption: 'Gate, before',
      params: {
        photo: fileId,
        reply_markup: { inline_keyboard: [[{ text: 'OK', callback_data: 'ok' }]] },
      },
    });
    fake.clearCalls();
    const long = 'y'.repeat(1500);
    const result = await adapter.send({
      chat: PRIVATE,
      text: long,
      media: photo,
      choices: [{ label: 'OK', payload: 'ok' }],
    });
    const [pic, text] = fake.sentMessages();
    expect(pic?.method).toBe('sendPhoto');
    expect(pic?.params).toEqual({ chat_id: 42, photo: fileId });
    expect(text).toMatchObject({ method: 'sendMessage', text: long, reply_markup: expect.anything() });
    expect(result.messageId).toBe(String(text?.message.message_id));
  });

  it('refuses media it cannot send as permanent, without calling Telegram', async () => {
    const { fake, adapter } = await setup();
    const err = await adapter
      .send({ chat: PRIVATE, text: 'here', media: { kind: 'location', ref: '31.2,121.4' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelSendError);
    expect(err).toMatchObject({ kind: 'permanent' });
    expect(fake.calls).toHaveLength(0);
  });

  const cases: Array<[string, Fault, ChannelSendError['kind'], number | undefined]> = [
    ['429 with retry_after', { kind: 'retry_after', seconds: 7 }, 'rate_limited', 7000],
    ['502', { kind: 'server_error' }, 'transient', undefined],
    ['network failure', { kind: 'network' }, 'transient', undefined],
    ['blocked by the user', { kind: 'blocked' }, 'permanent', undefined],
    ['kicked from the group', { kind: 'kicked' }, 'permanent', undefined],
    ['chat not found', { kind: 'chat_not_found' }, 'permanent', undefined],
    [
      'PEER_ID_INVALID',
      { kind: 'error', error_code: 400, description: 'Bad Request: PEER_ID_INVALID' },
      'permanent',
      undefined,
    ],
    [
      'deactivated',
      { kind: 'error', error_code: 403, description: 'Forbidden: user is deactivated' },
      'permanent',
      undefined,
    ],
    [
      'a malformed request',
      { kind: 'error', error_code: 400, description: 'Bad Request: BUTTON_DATA_INVALID' },
      'permanent',
      undefined,
    ],
  ];
  for (const [what, fault, kind, retryAfterMs] of cases) {
    it(`maps ${what} to ${kind}, trying once`, async () => {
      const { fake, adapter } = await setup();
      fake.failNext('sendMessage', fault);
      const err = await adapter.send({ chat: PRIVATE, text: 'hi' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChannelSendError);
      expect(err).toMatchObject({ kind, retryAfterMs });
      expect(fake.callsOf('sendMessage')).toHaveLength(1); // no automatic retry inside grammY
      expect((err as Error).message).not.toContain(fake.token);
    });
  }

  const refusals: Array<[string, Fault, string]> = [
    ['blocked by the user', { kind: 'blocked' }, 'blocked'],
    [
      'never started',
      {
        kind: 'error',
        error_code: 403,
        description: "Forbidden: bot can't initiate conversation with a user",
      },
      'not_started',
    ],
    [
      'deactivated',
      { kind: 'error', error_code: 403, description: 'Forbidden: user is deactivated' },
      'deactivated',
    ],
  ];
  for (const [what, fault, code] of refusals) {
    it(`names the refusal of ${what} (${code}) so the outbox can route around it`, async () => {
      const { fake, adapter } = await setup();
      fake.failNext('sendMessage', fault);
      const err = await adapter.send({ chat: PRIVATE, text: 'hi' }).catch((e: unknown) => e);
      expect(sendRefusalOf(err)).toBe(code);
    });
  }
  it('a 403 that is not about the person (kicked from the group) has no refusal code', async () => {
    const { fake, adapter } = await setup();
    fake.failNext('sendMessage', { kind: 'kicked' });
    const err = await adapter.send({ chat: PRIVATE, text: 'hi' }).catch((e: unknown) => e);
    expect(sendRefusalOf(err)).toBeUndefined();
  });
});
