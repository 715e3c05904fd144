import { badRequest, type ErrorDetail } from '../../kernel/access/errors.js';

/** One thing residents score 1–5, with its labels. */
export interface Criterion {
  key: string;
  zh: string;
  en: string;
}

/** The default criteria (Bishan and Bazhong score security, sanitation and rectification speed). */
export const DEFAULT_CRITERIA: Criterion[] = [
  { key: 'security', zh: '治安', en: 'Security' },
  { key: 'sanitation', zh: '保洁', en: 'Sanitation' },
  { key: 'greening', zh: '绿化', en: 'Greening' },
  { key: 'repair_speed', zh: '维修速度', en: 'Repair speed' },
  { key: 'facility_upkeep', zh: '设施维护', en: 'Facility upkeep' },
  { key: 'communication', zh: '沟通', en: 'Communication' },
];

/** What a campaign may list: a default key, or its own criterion with labels. */
export type CriterionInput = string | { key: string; zh: string; en?: string };

const KEY = /^[a-z][a-z0-9_]{0,39}$/;

/** The campaign's criteria from the request (default: all six), or a 400 naming the entry. */
export function resolveCriteria(input: CriterionInput[] | undefined): Criterion[] {
  if (input === undefined) return DEFAULT_CRITERIA;
  const out: Criterion[] = [];
  const problems: ErrorDetail[] = [];
  input.forEach((c, i) => {
    const field = `criteria.${i}`;
    if (typeof c === 'string') {
      const known = DEFAULT_CRITERIA.find((d) => d.key === c);
      if (!known)
        problems.push({
          field,
          message: `unknown criterion "${c}" (known: ${DEFAULT_CRITERIA.map((d) => d.key).join(', ')}; or give {key, zh, en})`,
        });
      else out.push(known);
    } else {
      if (!KEY.test(c.key))
        problems.push({ field: `${field}.key`, message: 'lowercase letters, digits and _' });
      const known = DEFAULT_CRITERIA.find((d) => d.key === c.key);
      out.push({ key: c.key, zh: c.zh, en: c.en ?? known?.en ?? c.zh });
    }
  });
  const seen = new Set<string>();
  out.forEach((c, i) => {
    if (seen.has(c.key))
      problems.push({ field: `criteria.${i}`, message: `criterion "${c.key}" listed twice` });
    seen.add(c.key);
  });
  if (input.length === 0) problems.push({ field: 'criteria', message: 'at least one criterion' });
  if (problems.length)
    throw badRequest(`Invalid criteria: ${problems[0]!.field} ${problems[0]!.message}`, problems);
  return out;
}

/** Every criterion scored with an integer 1–5, nothing else: else a 400 naming `scores.<key>`. */
export function checkScores(criteria: Criterion[], scores: Record<string, unknown>): Record<string, number> {
  const problems: ErrorDetail[] = [];
  for (const key of Object.keys(scores)) {
    if (!criteria.some((c) => c.key === key))
      problems.push({
        field: `scores.${key}`,
        message: `unknown criterion (this campaign asks: ${criteria.map((c) => c.key).join(', ')})`,
      });
  }
  const out: Record<string, number> = {};
  for (const c of criteria) {
    const v = scores[c.key];
    if (v === undefined || v === null) problems.push({ field: `scores.${c.key}`, message: 'required (1–5)' });
    else if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 5)
      problems.push({ field: `scores.${c.key}`, message: 'must be an integer from 1 to 5' });
    else out[c.key] = v;
  }
  if (problems.length)
    throw badRequest(`Invalid scores: ${problems[0]!.field} ${problems[0]!.message}`, problems);
  return out;
}
