import { describe, expect, it } from 'vitest';
import { checkScores, DEFAULT_CRITERIA, resolveCriteria } from '../../../src/modules/evaluations/criteria.js';
import { combinedScore, DEFAULT_WEIGHTS, rank, redBlack } from '../../../src/modules/evaluations/scoring.js';

const s = (id: number, name: string, score: number | null) => ({ id, name, score });

describe('evaluation scoring', () => {
  it('ranks by competition ranking: equal scores share the better rank, the next rank skips (1, 2, 2, 4)', () => {
    const r = rank([s(1, '丁', 70), s(2, '乙', 80), s(3, '甲', 80), s(4, '丙', 90), s(5, '戊', null)]);
    expect(r.map((x) => [x.name, x.rank, x.rankFromBottom])).toEqual([
      ['丙', 1, 4],
      // within a tie: by name (code point order), then id — order only, same rank
      ['乙', 2, 2],
      ['甲', 2, 2],
      ['丁', 4, 1],
      ['戊', null, null],
    ]);
  });

  it('red list = rank ≤ N and black list = rank from the bottom ≤ N, ties at the boundary included, never both', () => {
    const ranked = rank([
      s(1, 'a', 90),
      s(2, 'b', 80),
      s(3, 'c', 80),
      s(4, 'd', 60),
      s(5, 'e', 50),
      s(6, 'f', null),
    ]);
    const { red, black } = redBlack(ranked, 2);
    expect(red.map((x) => x.name)).toEqual(['a', 'b', 'c']);
    expect(black.map((x) => x.name)).toEqual(['e', 'd']);
    const three = redBlack(rank([s(1, 'a', 90), s(2, 'b', 80), s(3, 'c', 70)]), 2);
    expect(three.red.map((x) => x.name)).toEqual(['a', 'b']);
    expect(three.black.map((x) => x.name)).toEqual(['c']);
    const allTied = redBlack(rank([s(1, 'a', 50), s(2, 'b', 50), s(3, 'c', 50)]), 1);
    expect(allTied.red.map((x) => x.name)).toEqual(['a', 'b', 'c']);
    expect(allTied.black).toEqual([]);
  });

  it('combines survey and complaint rates with the weights, leaving out components without data', () => {
    // survey 4.0 → 75; on-time 0.5 → 50; satisfaction 1 → 100: 0.6·75 + 0.2·50 + 0.2·100 = 75
    expect(combinedScore({ overall: 4, onTimeRate: 0.5, satisfactionRate: 1 }, DEFAULT_WEIGHTS)).toBe(75);
    // no complaints: the survey alone
    expect(combinedScore({ overall: 4, onTimeRate: null, satisfactionRate: null }, DEFAULT_WEIGHTS)).toBe(75);
    // only the satisfaction rate: 0.6·75 + 0.2·0 re-weighted over 0.8 → (45 + 0) / 0.8 = 56.25
    expect(combinedScore({ overall: 4, onTimeRate: null, satisfactionRate: 0 }, DEFAULT_WEIGHTS)).toBe(56.25);
    // no responses: not scored, whatever the complaints say
    expect(
      combinedScore({ overall: null, onTimeRate: 0.5, satisfactionRate: 1 }, DEFAULT_WEIGHTS),
    ).toBeNull();
    expect(
      combinedScore({ overall: null, onTimeRate: null, satisfactionRate: null }, DEFAULT_WEIGHTS),
    ).toBeNull();
    expect(
      combinedScore(
        { overall: 5, onTimeRate: 0, satisfactionRate: 0 },
        { survey: 1, onTime: 0, satisfaction: 0 },
      ),
    ).toBe(100);
    // 2/3 → 66.666… rounds to 66.67 before ranking
    expect(
      combinedScore({ overall: 11 / 3, onTimeRate: null, satisfactionRate: null }, DEFAULT_WEIGHTS),
    ).toBe(66.67);
  });

  it('criteria: defaults, own criteria with labels, unknown keys named by index', () => {
    expect(resolveCriteria(undefined).map((c) => c.key)).toEqual([
      'security',
      'sanitation',
      'greening',
      'repair_speed',
      'facility_upkeep',
      'communication',
    ]);
    expect(resolveCriteria(['security', { key: 'parking', zh: '停车管理', en: 'Parking' }])).toEqual([
      DEFAULT_CRITERIA[0],
      { key: 'parking', zh: '停车管理', en: 'Parking' },
    ]);
    expect(() => resolveCriteria(['security', 'swimming_pool'])).toThrow(
      expect.objectContaining({ status: 400, details: [expect.objectContaining({ field: 'criteria.1' })] }),
    );
    expect(() => resolveCriteria(['security', 'security'])).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ field: 'criteria.1' })] }),
    );
  });

  it('scores: every criterion an integer 1–5, no unknown key', () => {
    const c = resolveCriteria(['security', 'sanitation']);
    expect(checkScores(c, { security: 5, sanitation: 1 })).toEqual({ security: 5, sanitation: 1 });
    for (const [scores, field] of [
      [{ security: 6, sanitation: 1 }, 'scores.security'],
      [{ security: 0, sanitation: 1 }, 'scores.security'],
      [{ security: 2.5, sanitation: 1 }, 'scores.security'],
      [{ security: 3 }, 'scores.sanitation'],
      [{ security: 3, sanitation: 3, parking: 3 }, 'scores.parking'],
    ] as const) {
      expect(() => checkScores(c, scores)).toThrow(
        expect.objectContaining({ status: 400, details: [expect.objectContaining({ field })] }),
      );
    }
  });
});
