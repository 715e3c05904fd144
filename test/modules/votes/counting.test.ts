import { describe, expect, it } from 'vitest';
import {
  canonical,
  chainHash,
  GENESIS,
  normalizeReceipt,
  receiptOf,
} from '../../../src/modules/votes/ballot-log.js';
import { count, pct, type Rule, toCents, turnout, type Voter } from '../../../src/modules/votes/counting.js';

const OPTS = ['同意', '反对', '弃权'];

/** n voters of the given areas; ballots by index */
function run(rule: Rule, areas: string[], ballots: Record<number, string>) {
  const electorate: Voter[] = areas.map((area, i) => ({ personId: i + 1, area }));
  const b = new Map(Object.entries(ballots).map(([k, v]) => [Number(k) + 1, v]));
  return count({ rule, options: OPTS, electorate, ballots: b });
}

describe('exact area arithmetic', () => {
  it('parses areas to cents and refuses anything else', () => {
    expect(toCents('89.5')).toBe(8950n);
    expect(toCents('90')).toBe(9000n);
    expect(toCents('0.01')).toBe(1n);
    expect(() => toCents('1.234')).toThrow();
    expect(() => toCents('-1')).toThrow();
  });
  it('rounds percentages half up to one decimal', () => {
    expect(pct(2n, 3n)).toBe('66.7');
    expect(pct(642n, 1000n)).toBe('64.2');
    expect(pct(1n, 8n)).toBe('12.5');
    expect(pct(0n, 0n)).toBe('0.0');
    expect(pct(2n, 3n, 'down')).toBe('66.6');
    expect(pct(1n, 2n, 'up')).toBe('50.0');
    expect(pct(5001n, 10000n, 'up')).toBe('50.1');
  });
});

describe('Art. 278 participation: two thirds of the area AND two thirds of the owners', () => {
  // 3 owners of 100 m² each: 2 taking part is exactly 2/3 on both axes
  it('exactly two thirds on both axes reaches the quorum', () => {
    const r = run('art278-ordinary', ['100', '100', '100'], { 0: '同意', 1: '同意' });
    expect(r.quorumReached).toBe(true);
    expect(r.passed).toBe(true);
    expect(r.area).toMatchObject({ total: '300.00', participating: '200.00', participationPct: '66.7' });
    expect(r.owners).toMatchObject({ total: 3, participating: 2 });
  });
  it('one cent below two thirds of the area fails, headcount being enough', () => {
    // total 300.01: 2/3 is 200.00666…; the participants hold 200.00
    const r = run('art278-ordinary', ['100', '100', '100.01'], { 0: '同意', 1: '同意' });
    expect(r.passed).toBe(false);
    expect(r.quorumReached).toBe(false);
    // 66.664…% is below two thirds: the reason rounds toward its verdict, never "66.7%, less than"
    expect(r.reason['zh-CN']).toBe('未通过：参与表决的专有部分面积占比 66.6%，低于三分之二');
    expect(r.area.participationPct).toBe('66.7');
    expect(r.reason.en).toContain('less than two thirds');
  });
  it('area passes but headcount is below two thirds', () => {
    // one big owner holds 90% of the area; 1 of 3 owners is 33.3%
    const r = run('art278-ordinary', ['900', '50', '50'], { 0: '同意' });
    expect(r.passed).toBe(false);
    expect(r.area.participationPct).toBe('90.0');
    expect(r.reason['zh-CN']).toBe('未通过：参与表决的业主人数占比 33.3%（1/3），低于三分之二');
  });
  it('headcount passes but area is below two thirds', () => {
    const r = run('art278-ordinary', ['10', '10', '80'], { 0: '同意', 1: '同意' });
    expect(r.owners.participationPct).toBe('66.7');
    expect(r.reason['zh-CN']).toBe('未通过：参与表决的专有部分面积占比 20.0%，低于三分之二');
  });
  it('the reason in the issue: 64.2% of the area', () => {
    // 1000 m² in all; the participants hold 642
    const r = run('art278-ordinary', ['642', '179', '179'], { 0: '同意' });
    expect(r.reason['zh-CN']).toBe('未通过：参与表决的专有部分面积占比 64.2%，低于三分之二');
  });
  it('abstentions count as participation', () => {
    const r = run('art278-ordinary', ['100', '100', '100'], { 0: '同意', 1: '弃权' });
    expect(r.quorumReached).toBe(true);
  });
  it('nobody registered: no quorum', () => {
    const r = run('art278-ordinary', [], {});
    expect(r.passed).toBe(false);
  });
});

describe('ordinary matters: MORE than half of the participating area and owners', () => {
  // 4 participants of 100 m²: exactly half is 2 — not more than half
  const areas = ['100', '100', '100', '100'];
  it('exactly one half on both axes fails', () => {
    const r = run('art278-ordinary', areas, { 0: '同意', 1: '同意', 2: '反对', 3: '反对' });
    expect(r.passed).toBe(false);
    expect(r.quorumReached).toBe(true);
    expect(r.reason['zh-CN']).toBe('未通过：「同意」的专有部分面积占参与表决面积的 50.0%，未超过半数');
  });
  it('just over one half of the area but exactly half the owners fails on headcount', () => {
    const r = run('art278-ordinary', ['100.01', '100', '100', '100'], {
      0: '同意',
      1: '同意',
      2: '反对',
      3: '反对',
    });
    expect(r.passed).toBe(false);
    expect(r.options[0]!.area).toBe('200.01');
    expect(r.reason['zh-CN']).toBe('未通过：「同意」的业主人数占参与表决人数的 50.0%（2/4），未超过半数');
  });
  it('more than half of the owners but exactly half the area fails on area', () => {
    // yes: 3 owners of 50+50+100 = 200 of 400
    const r = run('art278-ordinary', ['50', '50', '100', '200'], {
      0: '同意',
      1: '同意',
      2: '同意',
      3: '反对',
    });
    expect(r.owners.participating).toBe(4);
    expect(r.passed).toBe(false);
    expect(r.reason['zh-CN']).toContain('面积占参与表决面积的 50.0%');
  });
  it('more than half on both passes', () => {
    const r = run('art278-ordinary', ['100', '100', '100'], { 0: '同意', 1: '同意', 2: '反对' });
    expect(r.passed).toBe(true);
    expect(r.winner).toBe('同意');
    expect(r.reason['zh-CN']).toMatch(/^通过：/);
  });
});

describe('major matters: AT LEAST three quarters of the participating area and owners', () => {
  const areas = ['100', '100', '100', '100'];
  it('exactly three quarters on both axes passes', () => {
    const r = run('art278-major', areas, { 0: '同意', 1: '同意', 2: '同意', 3: '反对' });
    expect(r.passed).toBe(true);
    expect(r.options[0]).toMatchObject({ owners: 3, areaPct: '75.0', ownersPct: '75.0' });
  });
  it('three quarters of the owners but one cent less than three quarters of the area fails', () => {
    const r = run('art278-major', ['100', '100', '99.99', '100'], {
      0: '同意',
      1: '同意',
      2: '同意',
      3: '反对',
    });
    expect(r.passed).toBe(false);
    expect(r.reason['zh-CN']).toContain('不足四分之三');
    expect(r.reason['zh-CN']).toContain('面积');
  });
  it('three quarters of the area but fewer than three quarters of the owners fails', () => {
    // 5 participants: yes 3 owners (60%) holding 300 of 400 m² (75%)
    const r = run('art278-major', ['100', '100', '100', '50', '50'], {
      0: '同意',
      1: '同意',
      2: '同意',
      3: '反对',
      4: '反对',
    });
    expect(r.options[0]!.areaPct).toBe('75.0');
    expect(r.passed).toBe(false);
    expect(r.reason['zh-CN']).toBe('未通过：「同意」的业主人数占参与表决人数的 60.0%（3/5），不足四分之三');
  });
});

describe('simple polls: most votes cast', () => {
  it('the option with most ballots wins; a tie decides nothing', () => {
    const win = run('simple', ['1', '1', '1'], { 0: '反对', 1: '反对', 2: '同意' });
    expect(win).toMatchObject({ passed: true, winner: '反对' });
    const tie = run('simple', ['1', '1'], { 0: '反对', 1: '同意' });
    expect(tie).toMatchObject({ passed: false, winner: null });
    expect(tie.reason['zh-CN']).toContain('票数相同');
  });
  it('ballots of people outside the electorate or for unknown options are not counted', () => {
    const r = count({
      rule: 'simple',
      options: OPTS,
      electorate: [{ personId: 1, area: '10' }],
      ballots: new Map([
        [1, '同意'],
        [2, '反对'],
        [1_000, '乱选'],
      ]),
    });
    expect(r.owners.participating).toBe(1);
    expect(turnout([{ personId: 1, area: '10' }], [1, 1, 2]).owners).toMatchObject({
      participating: 1,
      total: 1,
    });
  });
});

describe('the hash chain pieces', () => {
  it('canonical JSON sorts keys, so the hash does not depend on key order', () => {
    expect(canonical({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    const at = new Date('2026-11-24T10:00:00.000Z');
    expect(chainHash(GENESIS, { a: 1, b: 2 }, at)).toBe(chainHash(GENESIS, { b: 2, a: 1 }, at));
    expect(chainHash(GENESIS, { a: 1 }, at)).not.toBe(chainHash(GENESIS, { a: 2 }, at));
  });
  it('receipts are 8 Crockford base32 characters and typed variants normalise', () => {
    const r = receiptOf('ffffffffff00');
    expect(r).toBe('ZZZZZZZZ');
    expect(receiptOf('0000000001')).toBe('00000001');
    expect(normalizeReceipt('abcd-o1il')).toBe('ABCD0111');
  });
});
