/**
 * The arithmetic of an evaluation, pure so it is tested on its own.
 *
 * - A response scores every criterion 1–5. A subject's (compound's or company's) mean per
 *   criterion is over its responses; its survey `overall` is the mean of those criterion means
 *   (each criterion weighs the same), on the 1–5 scale.
 * - The combined score (0–100) mixes three components, each on 0–100:
 *   survey = (overall − 1) / 4 × 100, on-time = the complaint on-time resolution rate × 100,
 *   satisfaction = the complaint satisfaction rate (满意率) × 100, with the campaign's weights
 *   (default 60 / 20 / 20). A complaint component with no data (no resolved or no rated
 *   complaints) is left out and the remaining weights are scaled up to sum to 1; a subject with
 *   no survey response has no score and is not ranked (complaint figures alone do not rank).
 * - Scores are rounded to 2 decimals before ranking, so float noise never breaks a tie.
 *   Ranking is competition ranking (1, 2, 2, 4): equal scores share the better rank; within a
 *   tie subjects are listed by name, then id (order only, same rank).
 * - Red list (红榜): ranked subjects whose rank is ≤ N. Black list (黑榜): ranked subjects whose
 *   rank counted from the bottom (the same competition rule, worst first) is ≤ N and that are
 *   not on the red list. Ties at the boundary are all included, so a list may hold more than N.
 */
export interface Weights {
  survey: number;
  onTime: number;
  satisfaction: number;
}

export const DEFAULT_WEIGHTS: Weights = { survey: 0.6, onTime: 0.2, satisfaction: 0.2 };
export const DEFAULT_LIST_SIZE = 2;

export function round2(v: number): number {
  return Math.round(v * 100 + Number.EPSILON * 100) / 100;
}

export function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

export interface Components {
  /** survey overall on 1–5, or null */
  overall: number | null;
  onTimeRate: number | null;
  satisfactionRate: number | null;
}

export function combinedScore(c: Components, w: Weights): number | null {
  // the survey is the evaluation: without a response there is nothing to rank
  if (c.overall === null) return null;
  const parts: [number, number][] = [[((c.overall - 1) / 4) * 100, w.survey]];
  if (c.onTimeRate !== null) parts.push([c.onTimeRate * 100, w.onTime]);
  if (c.satisfactionRate !== null) parts.push([c.satisfactionRate * 100, w.satisfaction]);
  const total = parts.reduce((a, [, wt]) => a + wt, 0);
  if (parts.length === 0 || total <= 0) return null;
  return round2(parts.reduce((a, [v, wt]) => a + v * wt, 0) / total);
}

export interface Rankable {
  id: number;
  name: string;
  score: number | null;
}

export type Ranked<T> = T & { rank: number | null; rankFromBottom: number | null };

/** Competition ranking, best first; unscored subjects last with rank null. */
export function rank<T extends Rankable>(items: T[]): Ranked<T>[] {
  const byName = (a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id);
  const scored = items.filter((i) => i.score !== null).sort((a, b) => b.score! - a.score! || byName(a, b));
  const unscored = items.filter((i) => i.score === null).sort(byName);
  const out = scored.map((item) => {
    const better = scored.filter((o) => o.score! > item.score!).length;
    const worse = scored.filter((o) => o.score! < item.score!).length;
    return { ...item, rank: better + 1, rankFromBottom: worse + 1 };
  });
  return [...out, ...unscored.map((i) => ({ ...i, rank: null, rankFromBottom: null }))];
}

export function redBlack<T extends Rankable>(
  ranked: Ranked<T>[],
  size: number,
): { red: Ranked<T>[]; black: Ranked<T>[] } {
  const red = ranked.filter((r) => r.rank !== null && r.rank <= size);
  const black = ranked
    .filter((r) => r.rankFromBottom !== null && r.rankFromBottom <= size && !red.includes(r))
    .sort(
      (a, b) =>
        a.rankFromBottom! - b.rankFromBottom! || (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id),
    );
  return { red, black };
}
