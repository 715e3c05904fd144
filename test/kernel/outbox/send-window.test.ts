import { describe, expect, it } from 'vitest';
import { SendWindow } from '../../../src/kernel/outbox/send-window.js';

describe('SendWindow: the channel-wide limit shared by replies and notices', () => {
  const clock = () => {
    let t = 1_000_000;
    return {
      now: () => t,
      advance: (ms: number) => {
        t += ms;
      },
    };
  };

  it('allows max sends in any window, and says how long until the next one may go', () => {
    const c = clock();
    const w = new SendWindow(3, 1000, c.now);
    expect([w.take('reply'), w.take('reply'), w.take('reply')]).toEqual([0, 0, 0]);
    expect(w.take('reply')).toBe(1000);
    c.advance(400);
    expect(w.take('reply')).toBe(600);
    c.advance(600);
    expect(w.take('reply')).toBe(0);
  });

  it('keeps room for replies: notices leave one slot free, more while replies are being sent', () => {
    const c = clock();
    const w = new SendWindow(10, 1000, c.now);
    // no replies about: notices take all but one slot
    for (let i = 0; i < 9; i++) expect(w.take('notice')).toBe(0);
    expect(w.take('notice')).toBeGreaterThan(0);
    // the reply finds its slot at once
    expect(w.take('reply')).toBe(0);
    c.advance(1001);
    // three replies in the window: notices now leave four slots
    for (let i = 0; i < 3; i++) expect(w.take('reply')).toBe(0);
    for (let i = 0; i < 3; i++) expect(w.take('notice')).toBe(0);
    expect(w.take('notice')).toBeGreaterThan(0);
    expect(w.take('reply')).toBe(0);
  });

  it('never reserves more than half the window for replies, nor lets replies past the limit', () => {
    const c = clock();
    const w = new SendWindow(4, 1000, c.now);
    for (let i = 0; i < 3; i++) expect(w.take('reply')).toBe(0);
    // three replies would reserve four slots: capped at two, the notice waits for a known time
    c.advance(100);
    expect(w.take('notice')).toBe(900);
    expect(w.take('reply')).toBe(0);
    expect(w.take('reply')).toBe(900);
    c.advance(1000);
    // the replies have left: notices take all but one slot
    for (let i = 0; i < 3; i++) expect(w.take('notice')).toBe(0);
    expect(w.take('notice')).toBeGreaterThan(0);
  });
});
