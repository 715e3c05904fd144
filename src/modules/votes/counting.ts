/**
 * Counting owners' votes, exactly. Areas are decimal strings (numeric(…, 2)) turned into BigInt
 * cents; every threshold is a cross-multiplication of integers (`part * 3 >= total * 2`), so no
 * floating point decides a boundary. Percentages appear only in the words of the result.
 *
 * Rules (Civil Code Art. 278):
 * - `art278-*`: participation (owners who cast any ballot, 弃权 included) must reach two thirds
 *   of all exclusive area AND two thirds of all owners of the electorate;
 * - `art278-ordinary`: then the first option (同意 by default) passes with MORE than half of the
 *   participating area AND more than half of the participating owners;
 * - `art278-major`: with AT LEAST three quarters of both;
 * - `simple`: the option with most ballots (headcount) wins; a tie decides nothing.
 */
export const RULES = ['simple', 'art278-ordinary', 'art278-major'] as const;
export type Rule = (typeof RULES)[number];

export interface Voter {
  personId: number;
  /** exclusive area, decimal string with at most 2 decimals ("89.50") */
  area: string;
}

export interface CountInput {
  rule: Rule;
  options: string[];
  electorate: Voter[];
  /** current ballot per voter: personId → option */
  ballots: Map<number, string> | Record<number, string>;
}

/** One axis of the count: area (decimal strings, `Axis<string>`) or owners (`Axis<number>`). */
export interface Axis<T extends string | number> {
  /** all area or all owners of the electorate */
  total: T;
  participating: T;
  /** participating / total, in percent with one decimal (words only) */
  participationPct: string;
}

export interface OptionCount {
  option: string;
  owners: number;
  area: string;
  /** share of the participating owners / area, percent with one decimal */
  ownersPct: string;
  areaPct: string;
}

export interface CountResult {
  rule: Rule;
  passed: boolean;
  /** the option that passed (art278) or won (simple); null when none did */
  winner: string | null;
  quorumReached: boolean | null;
  area: Axis<string>;
  owners: Axis<number>;
  options: OptionCount[];
  reason: { 'zh-CN': string; en: string };
  /**
   * the ballot log at the close (stored with the result and published in the result message):
   * its entries and the hash of the last one (64 zeros when empty); absent on a live count
   */
  log?: { entries: number; head: string };
}

/** "89.5" / "89.50" / "90" → 8950n; refuses anything else. */
export function toCents(area: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(area.trim());
  if (!m) throw new RangeError(`not an area: ${area}`);
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
}

export function fromCents(c: bigint): string {
  const s = c.toString().padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

/**
 * num/den as a percentage with one decimal ("64.2"); "0.0" when den is 0. Half up by default; the
 * reasons round toward the side of the verdict (down when below a bar, up when it is met), so a
 * failed 66.66…% never reads "66.7%, less than two thirds".
 */
export function pct(num: bigint, den: bigint, mode: 'half-up' | 'down' | 'up' = 'half-up'): string {
  if (den === 0n) return '0.0';
  const tenths =
    mode === 'down'
      ? (num * 1000n) / den
      : mode === 'up'
        ? (num * 1000n + den - 1n) / den
        : (num * 2000n + den) / (2n * den);
  return `${tenths / 10n}.${tenths % 10n}`;
}

/** a/b >= p/q (with b > 0) */
export const atLeast = (a: bigint, b: bigint, p: bigint, q: bigint) => a * q >= b * p;
/** a/b > p/q */
export const moreThan = (a: bigint, b: bigint, p: bigint, q: bigint) => a * q > b * p;

/** The ballots summed in integers: the electorate's totals, each option's and the participation. */
export interface Tally {
  totalArea: bigint;
  totalOwners: bigint;
  perOption: Map<string, { owners: bigint; area: bigint }>;
  partArea: bigint;
  partOwners: bigint;
}

/** Sums the ballots of the frozen electorate (what the count and the outlook start from). */
export function tally(input: Omit<CountInput, 'rule'>): Tally {
  const ballots = input.ballots instanceof Map ? input.ballots : toMap(input.ballots);
  const areaOf = new Map(input.electorate.map((v) => [v.personId, toCents(v.area)]));
  const perOption = new Map(input.options.map((o) => [o, { owners: 0n, area: 0n }]));
  let partArea = 0n;
  let partOwners = 0n;
  for (const [personId, option] of ballots) {
    const a = areaOf.get(personId);
    const slot = perOption.get(option);
    if (a === undefined || !slot) continue; // not in the frozen electorate / not an option
    slot.owners += 1n;
    slot.area += a;
    partArea += a;
    partOwners += 1n;
  }
  return {
    totalArea: sum([...areaOf.values()]),
    totalOwners: BigInt(areaOf.size),
    perOption,
    partArea,
    partOwners,
  };
}

export function count(input: CountInput): CountResult {
  const { totalArea, totalOwners, perOption, partArea, partOwners } = tally(input);
  const area: Axis<string> = {
    total: fromCents(totalArea),
    participating: fromCents(partArea),
    participationPct: pct(partArea, totalArea),
  };
  const owners: Axis<number> = {
    total: Number(totalOwners),
    participating: Number(partOwners),
    participationPct: pct(partOwners, totalOwners),
  };
  const options: OptionCount[] = input.options.map((o) => {
    const c = perOption.get(o)!;
    return {
      option: o,
      owners: Number(c.owners),
      area: fromCents(c.area),
      ownersPct: pct(c.owners, partOwners),
      areaPct: pct(c.area, partArea),
    };
  });
  const base = { rule: input.rule, area, owners, options };

  if (input.rule === 'simple') {
    const top = Math.max(0, ...options.map((o) => o.owners));
    const leaders = options.filter((o) => o.owners === top);
    if (top === 0) {
      return {
        ...base,
        passed: false,
        winner: null,
        quorumReached: null,
        reason: { 'zh-CN': '无结果：没有人投票', en: 'No result: nobody voted' },
      };
    }
    if (leaders.length > 1) {
      const names = leaders.map((l) => l.option);
      return {
        ...base,
        passed: false,
        winner: null,
        quorumReached: null,
        reason: {
          'zh-CN': `无结果：${names.join('、')} 票数相同（各 ${top} 票）`,
          en: `No result: ${names.join(', ')} tied with ${top} votes each`,
        },
      };
    }
    const w = leaders[0]!;
    return {
      ...base,
      passed: true,
      winner: w.option,
      quorumReached: null,
      reason: {
        'zh-CN': `结果：「${w.option}」得票最多（${w.owners} 票，占 ${w.ownersPct}%）`,
        en: `Result: "${w.option}" has the most votes (${w.owners}, ${w.ownersPct}%)`,
      },
    };
  }

  const fail = (zh: string, en: string, quorumReached: boolean): CountResult => ({
    ...base,
    passed: false,
    winner: null,
    quorumReached,
    reason: { 'zh-CN': `未通过：${zh}`, en: `Not passed: ${en}` },
  });
  // participation: two thirds of all area AND of all owners
  if (totalOwners === 0n) return fail('没有登记的业主', 'no owners are registered', false);
  if (!atLeast(partArea, totalArea, 2n, 3n)) {
    const shown = pct(partArea, totalArea, 'down');
    return fail(
      `参与表决的专有部分面积占比 ${shown}%，低于三分之二`,
      `the participating owners hold ${shown}% of the exclusive area, less than two thirds`,
      false,
    );
  }
  if (!atLeast(partOwners, totalOwners, 2n, 3n)) {
    const shown = pct(partOwners, totalOwners, 'down');
    return fail(
      `参与表决的业主人数占比 ${shown}%（${owners.participating}/${owners.total}），低于三分之二`,
      `${shown}% of the owners took part (${owners.participating}/${owners.total}), less than two thirds`,
      false,
    );
  }
  const yes = options[0]!;
  const yesArea = perOption.get(yes.option)!.area;
  const yesOwners = perOption.get(yes.option)!.owners;
  const major = input.rule === 'art278-major';
  const [p, q] = major ? [3n, 4n] : [1n, 2n];
  const test = major ? atLeast : moreThan;
  const need = major
    ? { zh: '不足四分之三', en: 'less than three quarters' }
    : { zh: '未超过半数', en: 'not more than half' };
  if (!test(yesArea, partArea, p, q)) {
    const shown = pct(yesArea, partArea, 'down');
    return fail(
      `「${yes.option}」的专有部分面积占参与表决面积的 ${shown}%，${need.zh}`,
      `"${yes.option}" holds ${shown}% of the participating area, ${need.en}`,
      true,
    );
  }
  if (!test(yesOwners, partOwners, p, q)) {
    const shown = pct(yesOwners, partOwners, 'down');
    return fail(
      `「${yes.option}」的业主人数占参与表决人数的 ${shown}%（${yes.owners}/${owners.participating}），${need.zh}`,
      `"${yes.option}" has ${shown}% of the participating owners (${yes.owners}/${owners.participating}), ${need.en}`,
      true,
    );
  }
  const bar = major
    ? { zh: '均达到四分之三', en: 'at least three quarters of both' }
    : { zh: '均超过半数', en: 'more than half of both' };
  // half up cannot contradict "at least 2/3" or "at least 3/4"; "more than half" rounds up (50.04% → 50.1%)
  const yesMode = major ? 'half-up' : 'up';
  const [pa, po, ya, yo] = [
    area.participationPct,
    owners.participationPct,
    pct(yesArea, partArea, yesMode),
    pct(yesOwners, partOwners, yesMode),
  ];
  return {
    ...base,
    passed: true,
    winner: yes.option,
    quorumReached: true,
    reason: {
      'zh-CN': `通过：参与表决面积占比 ${pa}%、人数占比 ${po}%；「${yes.option}」占参与面积 ${ya}%、参与人数 ${yo}%，${bar.zh}`,
      en: `Passed: participation ${pa}% of the area and ${po}% of the owners; "${yes.option}" holds ${ya}% of the participating area and ${yo}% of the participating owners, ${bar.en}`,
    },
  };
}

/** Participation on both axes (what the group sees while a vote is open). */
export function turnout(electorate: Voter[], voted: Iterable<number>) {
  const areaOf = new Map(electorate.map((v) => [v.personId, toCents(v.area)]));
  const total = sum([...areaOf.values()]);
  let part = 0n;
  let n = 0n;
  for (const id of new Set(voted)) {
    const a = areaOf.get(id);
    if (a === undefined) continue;
    part += a;
    n += 1n;
  }
  return {
    area: { total: fromCents(total), participating: fromCents(part), pct: pct(part, total) },
    owners: { total: areaOf.size, participating: Number(n), pct: pct(n, BigInt(areaOf.size)) },
  };
}

function sum(xs: bigint[]): bigint {
  return xs.reduce((a, b) => a + b, 0n);
}

function toMap(r: Record<number, string>): Map<number, string> {
  return new Map(Object.entries(r).map(([k, v]) => [Number(k), v]));
}
