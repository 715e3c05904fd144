import { describe, expect, it } from 'vitest';
import { callbackData } from '../../../src/kernel/chat/callback-data.js';

describe('callback data, defined once: written and read by the same definition', () => {
  const complaint = callbackData('cp', { id: 'int', action: ['accept', 'start', 'resolve'], version: 'v' });

  it('writes the form buttons already sent in chats carry, and reads it back', () => {
    const payload = complaint.write({ id: 12, action: 'accept', version: 3 });
    expect(payload).toBe('cp:12:accept:v3');
    expect(complaint.read(payload)).toEqual({ id: 12, action: 'accept', version: 3 });
  });

  it('reads nothing from another kind of payload or a malformed one', () => {
    for (const p of [
      'cpnote:12',
      'cp:12:accept',
      'cp:12:close:v3',
      'cp:x:accept:v3',
      'cp:12:accept:3',
      'cp:12:accept:v3:x',
      '',
    ])
      expect(complaint.read(p), p).toBeNull();
    const note = callbackData('cpnote', { id: 'int' });
    expect(note.read('cp:12:accept:v3')).toBeNull();
    expect(note.read('cpnote:12')).toEqual({ id: 12 });
  });

  it('refuses to write what it could not read back, and what Telegram would refuse (over 64 bytes)', () => {
    expect(() => complaint.write({ id: -1, action: 'accept', version: 1 })).toThrow(/whole number/);
    expect(() => complaint.write({ id: 1.5, action: 'accept', version: 1 })).toThrow(/whole number/);
    expect(() => complaint.write({ id: 1, action: 'close' as 'accept', version: 1 })).toThrow(/action/);
    const long = callbackData('x', { a: 'int', b: 'int', c: 'int', d: 'int', e: 'int' });
    expect(() => long.write({ a: 1e14, b: 1e14, c: 1e14, d: 1e14, e: 1e14 })).toThrow(/64 bytes/);
    expect(() => callbackData('Bad:prefix', {})).toThrow(/lowercase/);
  });
});
