import { describe, expect, it } from 'vitest';
import { count, type Rule, type Voter } from '../../../src/modules/votes/counting.js';
import { outlook } from '../../../src/modules/votes/outlook.js';

const owners = (areas: string[]): Voter[] => areas.map((area, i) => ({ personId: i + 1, area }));
const OPTIONS = ['同意', '反对', '弃权'];

describe('can an open vote still pass? (exact, ballots cast standing)', () => {
  it('says what participation lacks on each axis, in owners and ㎡', () => {
    // 30 owners, 2,919.52 ㎡ in all; 8 have voted, holding 819.51 ㎡
    const electorate = owners([...Array(29).fill('100.00'), '100.01']);
    electorate[0]!.area = '119.51';
    electorate[29]!.area = '0.01';
    const ballots = new Map(electorate.slice(0, 8).map((v) => [v.personId, '同意']));
    const o = outlook({ rule: 'art278-ordinary', options: OPTIONS, electorate, ballots, secret: false });
    // two thirds of 291,952 cents is 194,634.67: 194,635 cents, 1,126.84 ㎡ more than 819.51
    expect(o.participation).toEqual({
      reached: false,
      reachable: true,
      short: { owners: 12, area: '1126.84' },
    });
    expect(o.words['zh-CN']).toContain('还差 12 户、1,126.84 ㎡ 参与即达三分之二');
    expect(o.remaining.owners).toBe(22);
  });

  it('decided: even if every owner left votes against, the first option passes', () => {
    const electorate = owners(Array(9).fill('100.00'));
    const ballots = new Map([1, 2, 3, 4, 5, 6].map((id) => [id, '同意']));
    const o = outlook({ rule: 'art278-ordinary', options: OPTIONS, electorate, ballots, secret: false });
    expect(o.participation?.reached).toBe(true);
    expect(o.option).toEqual({ name: '同意', canStillPass: true, cannotFail: true });
    expect(o.words['zh-CN']).toContain('已确定通过');
  });

  it('lost: even if every owner left votes for it, it cannot reach its bar', () => {
    const electorate = owners(Array(9).fill('100.00'));
    const ballots = new Map<number, string>([
      [1, '同意'],
      [2, '反对'],
      [3, '反对'],
      [4, '反对'],
      [5, '反对'],
      [6, '弃权'],
    ]);
    const o = outlook({ rule: 'art278-ordinary', options: OPTIONS, electorate, ballots, secret: false });
    expect(o.option).toEqual({ name: '同意', canStillPass: false, cannotFail: false });
    expect(o.words['zh-CN']).toContain('不可能通过');
  });

  it('a secret ballot forecasts participation only: its tally stays hidden', () => {
    const electorate = owners(Array(9).fill('100.00'));
    const ballots = new Map([1, 2, 3, 4, 5, 6].map((id) => [id, '同意']));
    const o = outlook({ rule: 'art278-major', options: OPTIONS, electorate, ballots, secret: true });
    expect(o.option).toBeNull();
    expect(o.words['zh-CN']).not.toContain('同意');
  });

  // Exhaustive check against the final count: every way the owners left could vote (or not)
  it.each(['art278-ordinary', 'art278-major', 'simple'] as Rule[])(
    'agrees with the final count over every way the owners left may vote (%s)',
    (rule) => {
      let seed = 7;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      for (let round = 0; round < 150; round++) {
        const size = 2 + rand(6);
        const electorate = owners(Array.from({ length: size }, () => `${1 + rand(150)}.${rand(100)}`));
        const ballots = new Map<number, string>();
        for (const v of electorate) if (rand(2)) ballots.set(v.personId, OPTIONS[rand(3)]!);
        const o = outlook({ rule, options: OPTIONS, electorate, ballots, secret: false });
        const left = electorate.filter((v) => !ballots.has(v.personId));
        const outcomes: { passed: boolean; winner: string | null }[] = [];
        for (let k = 0; k < 4 ** left.length; k++) {
          const b = new Map(ballots);
          left.forEach((v, i) => {
            const c = Math.floor(k / 4 ** i) % 4; // 0: does not vote, 1–3: an option
            if (c > 0) b.set(v.personId, OPTIONS[c - 1]!);
          });
          outcomes.push(count({ rule, options: OPTIONS, electorate, ballots: b }));
        }
        const name = o.option?.name;
        const wins = (r: { passed: boolean; winner: string | null }) => r.passed && r.winner === name;
        const context = JSON.stringify({ electorate, ballots: [...ballots] });
        if (!o.option) {
          expect(rule, context).toBe('simple');
          continue;
        }
        expect(o.option.canStillPass, `canStillPass ${context}`).toBe(outcomes.some(wins));
        expect(o.option.cannotFail, `cannotFail ${context}`).toBe(outcomes.every(wins));
      }
    },
  );
});
