import { atLeast, type CountInput, fromCents, moreThan, tally } from './counting.js';

/**
 * Can an open vote still pass? Exact, with the integers of the final count (counting.ts): from the
 * ballots cast so far and the owners of the frozen electorate who have not voted, whether
 * participation can still reach two thirds on both axes (and how many owners and ㎡ it lacks),
 * and whether the option the rule tests can still pass or can no longer fail.
 *
 * Assumption, said in the words: the ballots cast stand (an owner may change theirs until the
 * close). Under it the bounds are exact: adding ballots only raises participation; the best case
 * for the tested option is every owner left voting for it, the worst every owner left voting
 * otherwise (either way, each of the four conditions moves the same direction at once).
 *
 * A secret ballot keeps its tally hidden until the close, and "can no longer fail" would tell it:
 * for those only participation is forecast (`option` null).
 */
export interface Outlook {
  /** owners of the electorate who have not voted, and their area */
  remaining: { owners: number; area: string };
  /** art278 rules: participation on both axes; null under `simple` */
  participation: {
    reached: boolean;
    /** still possible if every owner left takes part */
    reachable: boolean;
    /** what it lacks to two thirds (0 / "0.00" when met) */
    short: { owners: number; area: string };
  } | null;
  /** the option whose fate is forecast (art278: the first; simple: the leader), null when none is */
  option: {
    name: string;
    canStillPass: boolean;
    /** decided: it passes whatever the owners left do */
    cannotFail: boolean;
  } | null;
  words: { 'zh-CN': string; en: string };
}

/** the least x ≥ 0 with (part + x) * 3 ≥ total * 2 */
const shortOfTwoThirds = (part: bigint, total: bigint) => {
  const need = (total * 2n - part * 3n + 2n) / 3n;
  return need > 0n ? need : 0n;
};

export function outlook(input: CountInput & { secret: boolean }): Outlook {
  const t = tally(input);
  const [totalA, totalN, partA, partN] = [t.totalArea, t.totalOwners, t.partArea, t.partOwners];
  const restA = totalA - partA;
  const restN = totalN - partN;
  const remaining = { owners: Number(restN), area: fromCents(restA) };

  if (input.rule === 'simple') {
    const sorted = [...t.perOption.entries()].sort((x, y) => Number(y[1].owners - x[1].owners));
    const [lead, second] = [sorted[0], sorted[1]];
    const option =
      lead && lead[1].owners > 0n
        ? {
            name: lead[0],
            // it stays first with every owner left voting for it (a tie decides nothing)
            canStillPass: lead[1].owners + restN > (second?.[1].owners ?? 0n),
            cannotFail: lead[1].owners > (second?.[1].owners ?? 0n) + restN,
          }
        : null;
    const shown = input.secret ? null : option;
    return { remaining, participation: null, option: shown, words: simpleWords(shown, remaining) };
  }

  const reached = atLeast(partA, totalA, 2n, 3n) && atLeast(partN, totalN, 2n, 3n) && totalN > 0n;
  // every owner left taking part is the whole electorate: two thirds, unless there is none
  const reachable = totalN > 0n;
  const participation = {
    reached,
    reachable,
    short: {
      owners: Number(shortOfTwoThirds(partN, totalN)),
      area: fromCents(shortOfTwoThirds(partA, totalA)),
    },
  };
  const yesName = input.options[0]!;
  const yes = t.perOption.get(yesName)!;
  const major = input.rule === 'art278-major';
  const test = (a: bigint, b: bigint) => (major ? atLeast(a, b, 3n, 4n) : moreThan(a, b, 1n, 2n));
  const option = {
    name: yesName,
    canStillPass:
      reachable && test(yes.area + restA, partA + restA) && test(yes.owners + restN, partN + restN),
    cannotFail: reached && test(yes.area, partA + restA) && test(yes.owners, partN + restN),
  };
  const shown = input.secret ? null : option;
  return { remaining, participation, option: shown, words: art278Words(participation, shown, major) };
}

/** "1380.50" → "1,380.50" */
const grouped = (area: string) => area.replace(/\B(?=(\d{3})+(?!\d))(?=.*\.)/g, ',');

function art278Words(
  p: NonNullable<Outlook['participation']>,
  o: Outlook['option'],
  major: boolean,
): Outlook['words'] {
  const zh: string[] = [];
  const en: string[] = [];
  if (p.reached) {
    zh.push('参与已达三分之二');
    en.push('Participation has reached two thirds');
  } else if (!p.reachable) {
    zh.push('没有登记的业主，无法达到三分之二');
    en.push('No owners are registered: two thirds cannot be reached');
  } else {
    const lacks: string[] = [];
    const lacksEn: string[] = [];
    if (p.short.owners > 0) {
      lacks.push(`${p.short.owners} 户`);
      lacksEn.push(`${p.short.owners} more owner${p.short.owners === 1 ? '' : 's'}`);
    }
    if (p.short.area !== '0.00') {
      lacks.push(`${grouped(p.short.area)} ㎡`);
      lacksEn.push(`${grouped(p.short.area)} m² more`);
    }
    zh.push(`还差 ${lacks.join('、')} 参与即达三分之二`);
    en.push(`${lacksEn.join(' and ')} taking part reach two thirds`);
  }
  if (o) {
    const bar = major ? { zh: '四分之三', en: 'three quarters' } : { zh: '过半数', en: 'more than half' };
    if (o.cannotFail) {
      zh.push(`即使其余业主全部投其他选项，「${o.name}」也已确定通过（以已投的票不变计）`);
      en.push(`"${o.name}" passes even if every owner left votes otherwise (if the ballots cast stand)`);
    } else if (!o.canStillPass) {
      zh.push(`即使其余业主全部投「${o.name}」，也已达不到${bar.zh}，不可能通过（以已投的票不变计）`);
      en.push(
        `"${o.name}" can no longer reach ${bar.en}, even if every owner left votes for it (if the ballots cast stand)`,
      );
    } else {
      zh.push(`「${o.name}」仍可能通过，也可能不通过`);
      en.push(`"${o.name}" can still pass or fail`);
    }
  }
  return { 'zh-CN': `${zh.join('；')}。`, en: `${en.join('; ')}.` };
}

function simpleWords(o: Outlook['option'], remaining: Outlook['remaining']): Outlook['words'] {
  if (!o)
    return { 'zh-CN': `尚有 ${remaining.owners} 人未投票。`, en: `${remaining.owners} have not voted yet.` };
  if (o.cannotFail)
    return {
      'zh-CN': `「${o.name}」已确定得票最多（以已投的票不变计）。`,
      en: `"${o.name}" has the most votes whatever the ${remaining.owners} left do (if the ballots cast stand).`,
    };
  return {
    'zh-CN': `「${o.name}」暂时领先，尚有 ${remaining.owners} 人未投票。`,
    en: `"${o.name}" leads; ${remaining.owners} have not voted yet.`,
  };
}
