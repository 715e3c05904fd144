import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { types } from 'wechaty';
import { ChatQueue } from '../../../src/channels/wechat/chat-queue.js';
import { InMemoryChoiceMemory } from '../../../src/channels/wechat/choice-memory.js';
import { MESSAGE_TYPE, parseCommand, stripLeadingMention } from '../../../src/channels/wechat/inbound.js';
import { LoginStatus, qrcodeUrl } from '../../../src/channels/wechat/login-status.js';
import { isTransientError, splitText } from '../../../src/channels/wechat/outbound.js';

const choices = [
  { label: 'A', payload: 'a' },
  { label: 'B', payload: 'b' },
];

describe('InMemoryChoiceMemory', () => {
  it('resolves per (chat, person) and 1-based, without consuming', async () => {
    const m = new InMemoryChoiceMemory();
    await m.remember('room', 'alice', choices);
    expect(await m.resolve('room', 'alice', 2)).toEqual({ label: 'B', payload: 'b' });
    expect(await m.resolve('room', 'alice', 2)).toEqual({ label: 'B', payload: 'b' });
    expect(await m.resolve('room', 'alice', 3)).toBeNull();
    expect(await m.resolve('room', 'alice', 0)).toBeNull();
    expect(await m.resolve('room', 'bob', 1)).toBeNull();
    expect(await m.resolve('other', 'alice', 1)).toBeNull();
    await m.forget('room', 'alice');
    expect(await m.resolve('room', 'alice', 1)).toBeNull();
  });

  it('a new prompt replaces the old one; an empty one clears it', async () => {
    const m = new InMemoryChoiceMemory();
    await m.remember('c', 'p', choices);
    await m.remember('c', 'p', [{ label: 'X', payload: 'x' }]);
    expect(await m.resolve('c', 'p', 1)).toEqual({ label: 'X', payload: 'x' });
    expect(await m.resolve('c', 'p', 2)).toBeNull();
    await m.remember('c', 'p', []);
    expect(m.size).toBe(0);
  });

  it('expires after ttlMs and keeps at most maxEntries (oldest dropped)', async () => {
    let now = 1000;
    const m = new InMemoryChoiceMemory({ ttlMs: 100, maxEntries: 2, now: () => now });
    await m.remember('c', '1', choices);
    await m.remember('c', '2', choices);
    await m.remember('c', '3', choices);
    expect(m.size).toBe(2);
    expect(await m.resolve('c', '1', 1)).toBeNull();
    expect(await m.resolve('c', '3', 1)).not.toBeNull();
    now += 100;
    expect(await m.resolve('c', '3', 1)).toBeNull();
  });
});

describe('inbound helpers', () => {
  it('MESSAGE_TYPE matches wechaty', () => {
    for (const [name, value] of Object.entries(MESSAGE_TYPE)) {
      expect(types.Message[name as keyof typeof types.Message]).toBe(value);
    }
  });

  it('parseCommand', () => {
    expect(parseCommand('/bind 1234')).toEqual({ name: 'bind', args: '1234' });
    expect(parseCommand('／Bind  12 34 ')).toEqual({ name: 'bind', args: '12 34' });
    expect(parseCommand('/start')).toEqual({ name: 'start', args: '' });
    expect(parseCommand('/bind@linli_bot X')).toEqual({ name: 'bind', args: 'X' });
    expect(parseCommand('/报修 电梯')).toEqual({ name: '报修', args: '电梯' });
    expect(parseCommand('/')).toBeUndefined();
    expect(parseCommand('a/b')).toBeUndefined();
    expect(parseCommand('/ x')).toBeUndefined();
    expect(parseCommand('绑定 1234')).toBeUndefined();
  });

  it('stripLeadingMention', () => {
    expect(stripLeadingMention('@邻里助手\u2005报修', ['邻里助手'])).toBe('报修');
    expect(stripLeadingMention('@邻里助手 报修', ['邻里助手'])).toBe('报修');
    expect(stripLeadingMention('@邻里助手', ['邻里助手'])).toBe('');
    expect(stripLeadingMention('@邻里助手小号 报修', ['邻里助手'])).toBeNull();
    expect(stripLeadingMention('@小助手\u2005报修', ['邻里助手', '小助手'])).toBe('报修');
    expect(stripLeadingMention('报修 @邻里助手', ['邻里助手'])).toBeNull();
    expect(stripLeadingMention('@Bob\u2005hi', ['邻里助手', ''])).toBeNull();
  });
});

describe('outbound helpers', () => {
  it('splitText prefers line breaks and keeps surrogate pairs', () => {
    expect(splitText('short', 10)).toEqual(['short']);
    expect(splitText('', 10)).toEqual(['']);
    expect(splitText('aaaa\nbbbb\ncccc', 10)).toEqual(['aaaa\nbbbb', 'cccc']);
    expect(splitText('a'.repeat(25), 10)).toEqual(['a'.repeat(10), 'a'.repeat(10), 'a'.repeat(5)]);
    const emoji = `${'a'.repeat(9)}😀b`;
    expect(splitText(emoji, 10)).toEqual(['a'.repeat(9), '😀b']);
    for (const piece of splitText('住'.repeat(4500), 2000)) expect(piece.length).toBeLessThanOrEqual(2000);
  });

  it('isTransientError', () => {
    expect(isTransientError(Object.assign(new Error('x'), { code: 14 }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientError(new Error('request timed out'))).toBe(true);
    expect(isTransientError(Object.assign(new Error('no payload'), { code: 5 }))).toBe(false);
    expect(isTransientError('nope')).toBe(false);
  });
});

describe('LoginStatus', () => {
  it('tracks scan → login → logout with since', () => {
    let t = 0;
    const s = new LoginStatus(() => new Date(++t));
    expect(s.get()).toEqual({ state: 'connecting', since: new Date(1) });
    s.transportUp();
    expect(s.get()).toEqual({ state: 'connecting', since: new Date(1) });
    s.scan('qr1', types.ScanStatus.Waiting);
    expect(s.get()).toEqual({
      state: 'waiting_for_scan',
      qrcode: 'qr1',
      qrcodeUrl: qrcodeUrl('qr1'),
      scanStatus: 'waiting',
      since: new Date(2),
    });
    s.scan('qr1', types.ScanStatus.Scanned); // same code: since unchanged
    expect(s.get()).toMatchObject({ scanStatus: 'scanned', since: new Date(2) });
    s.scan('qr2', types.ScanStatus.Timeout);
    expect(s.get()).toMatchObject({ qrcode: 'qr2', scanStatus: 'timeout', since: new Date(3) });
    s.login({ id: 'u', name: 'Bot' });
    expect(s.get()).toEqual({ state: 'logged_in', user: { id: 'u', name: 'Bot' }, since: new Date(4) });
    s.logout();
    expect(s.get()).toEqual({ state: 'logged_out', user: { id: 'u', name: 'Bot' }, since: new Date(5) });
    // the service's own image, never a third-party page that would see the login code
    expect(qrcodeUrl('a b&c')).toBe('/api/v1/channels/wechat/qr.png');
  });

  it('tracks the transport: down with the reason and the next attempt, up again, detached on stop', () => {
    let t = 0;
    const s = new LoginStatus(() => new Date(++t));
    s.transportDown('14 UNAVAILABLE', 1, new Date(100));
    expect(s.isConnected).toBe(false);
    expect(s.get()).toEqual({
      state: 'disconnected',
      since: new Date(2),
      lastError: { message: '14 UNAVAILABLE', at: new Date(2) },
      reconnect: { attempt: 1, nextAt: new Date(100) },
    });
    s.transportDown('14 UNAVAILABLE', 2, new Date(200)); // still down: since unchanged
    expect(s.get()).toMatchObject({ since: new Date(2), reconnect: { attempt: 2 } });
    s.transportUp();
    expect(s.isConnected).toBe(true);
    expect(s.get()).toEqual({
      state: 'connecting',
      since: new Date(4),
      lastError: { message: '14 UNAVAILABLE', at: new Date(3) },
    });
    s.heartbeatSeen();
    s.login({ id: 'u', name: 'Bot' });
    expect(s.get()).toMatchObject({ state: 'logged_in', lastHeartbeatAt: new Date(5), since: new Date(6) });
    s.login({ id: 'u', name: 'Bot' }); // the same account again (a re-announced login): since unchanged
    expect(s.get().since).toEqual(new Date(6));
    s.transportDown('stream ended', 0, new Date(300)); // lost while logged in
    expect(s.get()).toMatchObject({ state: 'disconnected', user: { id: 'u' }, since: new Date(7) });
    s.transportUp();
    s.detached('Linli stopped');
    expect(s.isConnected).toBe(false);
    expect(s.get()).toMatchObject({ state: 'disconnected', stoppedBecause: 'Linli stopped' });
    expect(s.get().reconnect).toBeUndefined();
  });
});

describe('ChatQueue', () => {
  it('one key in order, keys in parallel; drain is bounded', async () => {
    const q = new ChatQueue();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`+${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`-${name}`);
    };
    q.push('a', task('a1', 40));
    q.push('a', task('a2', 0));
    q.push('b', task('b1', 0));
    expect(q.busy).toBe(2);
    expect(await q.drain(1000)).toBe(true);
    expect(log).toEqual(['+a1', '+b1', '-b1', '-a1', '+a2', '-a2']);
    expect(q.busy).toBe(0);
    q.push('c', task('slow', 200));
    expect(await q.drain(10)).toBe(false);
    expect(await q.drain(1000)).toBe(true);
  });
});

describe('module boundaries', () => {
  it('src/channels/wechat imports wechaty only as types (the factory loads it lazily)', () => {
    const dir = new URL('../../../src/channels/wechat/', import.meta.url);
    for (const file of readdirSync(dir)) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      for (const m of source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'(wechaty[^']*)'/gms)) {
        expect(m[1], `${file}: ${m[0]}`).toBeDefined();
      }
    }
  });
});
