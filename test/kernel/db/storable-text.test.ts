import { describe, expect, it } from 'vitest';
import {
  findUnstorable,
  isStorable,
  storableDeep,
  storableText,
} from '../../../src/kernel/db/storable-text.js';

describe('storable text', () => {
  it('knows what PostgreSQL cannot store: U+0000 and surrogates not in a pair', () => {
    for (const s of ['', '张伟', '😀', 'a\ud83d\ude00b', '\uffff\ufeff']) expect(isStorable(s), s).toBe(true);
    for (const s of ['\u0000', 'a\u0000b', '\ud800', 'x\udc00', '\ude00\ud83d', '😀\ud83d']) {
      expect(isStorable(s), JSON.stringify(s)).toBe(false);
    }
  });

  it('cleans: U+0000 dropped, a lone surrogate becomes U+FFFD, pairs kept', () => {
    expect(storableText('张\u0000伟')).toBe('张伟');
    expect(storableText('a\ud800b\udc00😀')).toBe('a\ufffdb\ufffd😀');
    expect(storableText('fine')).toBe('fine');
  });

  it('cleans every string and key of JSON-like data, keeping Dates and returning clean input as is', () => {
    const at = new Date(0);
    const dirty = { 'k\u0000': ['a\u0000', { b: '\ud800' }], at, n: 1 };
    expect(storableDeep(dirty)).toEqual({ k: ['a', { b: '\ufffd' }], at, n: 1 });
    expect(storableDeep(dirty).at).toBe(at);
    const clean = { a: ['b'] };
    expect(storableDeep(clean)).toBe(clean);
  });

  it('finds the first unstorable string or key with its path, even thousands of levels deep', () => {
    expect(findUnstorable({ name: { en: 'x', 'zh-CN': '\ud800' } })).toEqual({
      path: ['name', 'zh-CN'],
      inKey: false,
    });
    expect(findUnstorable({ steps: [{}, { '\u0000': 1 }] })).toEqual({ path: ['steps', 1], inKey: true });
    expect(findUnstorable('\u0000')).toEqual({ path: [], inKey: false });
    expect(findUnstorable({ a: 1, b: [true, null, 'ok'] })).toBeUndefined();
    let deep: unknown = 'a\u0000';
    for (let i = 0; i < 20_000; i++) deep = [deep];
    expect(findUnstorable(deep)?.path).toHaveLength(20_000);
  });
});
