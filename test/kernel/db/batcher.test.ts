import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Batcher } from '../../../src/kernel/db/batcher.js';
import { type Db, TransactionMisuseError } from '../../../src/kernel/db/db.js';
import { openTestDb } from '../../support/db.js';

describe('Batcher', () => {
  it('answers each caller with its own output, calls made together going in one batch', async () => {
    const batches: number[][] = [];
    const b = new Batcher(async (xs: number[]) => {
      batches.push(xs);
      return xs.map((x) => x * 10);
    });
    const answers = await Promise.all([1, 2, 3].map((x) => b.load(x)));
    expect(answers).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('holds calls made while maxInFlight batches run, and sends them together after', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const b = new Batcher(
      async (xs: number[]) => {
        batches.push(xs);
        if (batches.length === 1) await gate;
        return xs;
      },
      { maxInFlight: 1 },
    );
    const first = b.load(1);
    await new Promise((r) => setImmediate(r)); // the first batch is running
    const later = [b.load(2), b.load(3), b.load(4)];
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toEqual([[1]]); // nothing else started while it ran
    release();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3, 4]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('splits a batch at maxBatch', async () => {
    const sizes: number[] = [];
    const b = new Batcher(
      async (xs: number[]) => {
        sizes.push(xs.length);
        return xs;
      },
      { maxBatch: 2, maxInFlight: 1 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((x) => b.load(x)));
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('a failed batch runs each input alone, so one bad input fails only its caller', async () => {
    const batches: number[][] = [];
    const b = new Batcher(async (xs: number[]) => {
      batches.push(xs);
      if (xs.includes(2)) throw new Error('bad input 2');
      return xs.map((x) => -x);
    });
    const settled = await Promise.allSettled([1, 2, 3].map((x) => b.load(x)));
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([
      -1,
      'bad input 2',
      -3,
    ]);
    expect(batches).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('refuses an answer of the wrong length', async () => {
    const b = new Batcher(async (xs: number[]) => xs.slice(1));
    await expect(b.load(1)).rejects.toThrow(/0 outputs for 1 inputs/);
  });

  describe('inside a transaction', () => {
    let db: Db;
    beforeEach(async () => {
      db = await openTestDb('pglite');
    });
    afterEach(async () => {
      await db.close();
    });

    it('refuses to load (the batch would wait for the very transaction that waits for it)', async () => {
      const b = new Batcher(async (xs: number[]) => xs);
      await expect(db.transaction(async () => b.load(1))).rejects.toBeInstanceOf(TransactionMisuseError);
    });
  });
});
