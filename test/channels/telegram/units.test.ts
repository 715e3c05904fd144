// Pure pieces of the Telegram adapter: text splitting, the per-chat queue, command parsing, errors.
import { GrammyError } from 'grammy';
import { describe, expect, it } from 'vitest';
import { KeyedSerialQueue } from '../../../src/channels/telegram/chat-queue.js';
import { toChannelSendError } from '../../../src/channels/telegram/errors.js';
import { parseCommand } from '../../../src/channels/telegram/normalize.js';
import { escapeHtml, splitText } from '../../../src/channels/telegram/outbound.js';

describe('splitText', () => {
  it('keeps short text whole and prefers line breaks, then spaces, then a hard cut', () => {
    expect(splitText('short', 10)).toEqual(['short']);
    expect(splitText('aaaa\nbbbb\ncc', 10)).toEqual(['aaaa\nbbbb', 'cc']);
    expect(splitText('aaaa bbbb cc', 10)).toEqual(['aaaa bbbb', 'cc']);
    expect(splitText('abcdefghijklmno', 10)).toEqual(['abcdefghij', 'klmno']);
    expect(splitText('abcdefghij', 10, 4)).toEqual(['abcd', 'efghij']);
  });

  it('never cuts a surrogate pair and drops whitespace-only parts', () => {
    const parts = splitText(`abcdefghi${'😀'}xyz`, 10);
    expect(parts).toEqual(['abcdefghi', '😀xyz']);
    expect(splitText('aaaa\n\n\n\n\n\n\n\n\n\n\nbbbb', 5).map((p) => p.trim())).toEqual(['aaaa', 'bbbb']);
    expect(splitText('   ', 10)).toEqual(['   ']);
  });
});

describe('escapeHtml', () => {
  it('escapes the three characters Telegram HTML needs', () => {
    expect(escapeHtml('a & b < c > d "e"')).toBe('a &amp; b &lt; c &gt; d "e"');
  });
});

describe('KeyedSerialQueue', () => {
  it('serializes a key, runs keys concurrently, survives failures, forgets idle keys', async () => {
    const q = new KeyedSerialQueue();
    const log: string[] = [];
    const step =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const a1 = q.run('a', step('a1', 30, true));
    const a2 = q.run('a', step('a2', 1));
    const b1 = q.run('b', step('b1', 1));
    expect(q.busyKeys).toBe(2);
    await expect(a1).rejects.toThrow('a1');
    await expect(a2).resolves.toBe('a2');
    await expect(b1).resolves.toBe('b1');
    await q.idle();
    expect(q.busyKeys).toBe(0);
    expect(log).toEqual(['start a1', 'start b1', 'end b1', 'end a1', 'start a2', 'end a2']);
  });
});

describe('parseCommand', () => {
  it('reads name, target and args', () => {
    expect(parseCommand('/bind@linli_bot ABC')).toEqual({ name: 'bind', target: 'linli_bot', args: 'ABC' });
    expect(parseCommand('/Start  payload x\nmore')).toEqual({ name: 'start', args: 'payload x\nmore' });
    expect(parseCommand('/help')).toEqual({ name: 'help', args: '' });
    expect(parseCommand('/path/to/file')).toBeUndefined();
    expect(parseCommand('hello /help')).toBeUndefined();
    expect(parseCommand('/')).toBeUndefined();
  });
});

describe('toChannelSendError', () => {
  const grammy = (error_code: number, description: string, parameters = {}) =>
    new GrammyError(
      'Call to sendMessage failed',
      { ok: false, error_code, description, parameters },
      'sendMessage',
      {},
    );

  it('keeps the new chat id of a migrated group in the message', () => {
    const err = toChannelSendError(
      grammy(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: -1009 }),
    );
    expect(err).toMatchObject({ kind: 'permanent' });
    expect(err.message).toContain('migrated to chat -1009');
  });

  it('gives 429 without retry_after a 1 s pause; unknown errors are permanent', () => {
    expect(toChannelSendError(grammy(429, 'Too Many Requests'))).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 1000,
    });
    expect(toChannelSendError(new TypeError('bug'))).toMatchObject({ kind: 'permanent' });
  });
});
