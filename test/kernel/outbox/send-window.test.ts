import { describe, expect, it } from 'vitest';
import { IN_FLIGHT_CAP_MS, SendWindow, type Slot } from '../../../src/kernel/outbox/send-window.js';

describe('SendWindow: the channel-wide limit shared by replies and notices', () => {
  /** a clock moved by hand; `sleep` moves it and lets other waiters run */
  const clock = () => {
    let t = 1_000_000;
    return {
      now: () => t,
      advance: (ms: number) => {
        t += ms;
      },
      sleep: async (ms: number) => {
        t += ms;
        await new Promise((resolve) => setImmediate(resolve));
      },
    };
  };
  const slot = (got: Slot | number): Slot => {
    if (typeof got === 'number') throw new Error(`no slot: wait ${got} ms`);
    return got;
  };

  it('allows max sends, each holding its slot until a window after the platform answered it', () => {
    const c = clock();
    const w = new SendWindow(3, 1000, c.now);
    const sends = [slot(w.take('reply')), slot(w.take('reply')), slot(w.take('reply'))];
    // all three in flight: none frees before a window after its answer
    expect(w.take('reply')).toBe(1000);
    c.advance(30);
    for (const s of sends) s.done();
    expect(w.take('reply')).toBe(1000);
    c.advance(400);
    expect(w.take('reply')).toBe(600);
    c.advance(600);
    slot(w.take('reply'));
  });

  it('counts from the answer, not from when the send left: a slow request holds its slot longer', () => {
    const c = clock();
    const w = new SendWindow(1, 1000, c.now);
    const s = slot(w.take('notice'));
    c.advance(300); // the platform took 300 ms to answer; it counted the message somewhere in them
    s.done();
    c.advance(999);
    expect(w.take('notice')).toBe(1);
    c.advance(1);
    slot(w.take('notice'));
  });

  it('frees the slot of a send left unanswered past IN_FLIGHT_CAP_MS a window later, so hung requests stall nothing', () => {
    const c = clock();
    const w = new SendWindow(1, 1000, c.now);
    const hung = slot(w.take('notice'));
    c.advance(IN_FLIGHT_CAP_MS);
    expect(w.take('notice')).toBe(1000);
    c.advance(1000);
    slot(w.take('notice'));
    hung.done(); // its answer, at last: the slot is not counted twice
    expect(w.take('notice')).toBe(1000);
  });

  it('lets notices use the whole limit when no reply waits, replies beside them included', () => {
    const c = clock();
    const w = new SendWindow(10, 1000, c.now);
    for (let i = 0; i < 6; i++) slot(w.take('reply')).done();
    // six replies in the window do not keep the notices from the other four slots
    for (let i = 0; i < 4; i++) slot(w.take('notice')).done();
    expect(w.take('notice')).toBe(1000);
    expect(w.take('reply')).toBe(1000);
  });

  it('gives a slot that frees to a waiting reply before any notice', async () => {
    const c = clock();
    const w = new SendWindow(2, 1000, c.now, c.sleep);
    slot(w.take('notice')).done();
    c.advance(400);
    slot(w.take('notice')).done();
    c.advance(100);
    const reply = w.acquire('reply', 1000);
    // while the reply waits, a notice is told to ask again shortly, and takes nothing
    const asked = w.take('notice');
    expect(typeof asked === 'number' && asked > 0 && asked < 100).toBe(true);
    expect(await reply).not.toBeNull();
    // the reply took the freed slot; the window is full again
    expect(typeof w.take('notice')).toBe('number');
  });

  it('keeps a reply’s slot for replies a little after it frees, when the conversation’s next reply is due', () => {
    const c = clock();
    const w = new SendWindow(2, 1000, c.now, undefined, 100);
    slot(w.take('reply')).done();
    slot(w.take('notice')).done();
    c.advance(1000);
    // both freed: the notice's for anyone, the reply's for replies only, for 100 ms
    slot(w.take('notice')).done();
    expect(w.take('notice')).toBe(100);
    slot(w.take('reply')).done();
    // the reply took the kept slot: nothing is kept any more, the window is simply full
    c.advance(100);
    expect(w.take('notice')).toBe(900);
    // a kept slot nobody wanted goes to notices once its time is over
    c.advance(1000);
    slot(w.take('notice'));
    slot(w.take('notice'));
  });

  it('a reply gives up past its longest wait (nothing held), and notices go again after it', async () => {
    const c = clock();
    const w = new SendWindow(1, 1000, c.now, c.sleep);
    slot(w.take('notice')).done();
    expect(await w.acquire('reply', 300)).toBeNull();
    c.advance(1000);
    expect(await w.acquire('notice', 0)).not.toBeNull();
  });

  it('frees at once the slot of a send that never left; settling twice changes nothing', () => {
    const c = clock();
    const w = new SendWindow(2, 1000, c.now);
    const a = slot(w.take('notice'));
    const b = slot(w.take('notice'));
    a.cancel();
    a.done();
    const d = slot(w.take('notice'));
    expect(typeof w.take('notice')).toBe('number');
    b.done();
    b.cancel();
    d.done();
    expect(w.take('notice')).toBe(1000);
  });
});
