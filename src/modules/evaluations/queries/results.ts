import { SYSTEM_ACTOR } from '../../../kernel/access/principal.js';
import { ComplaintMetricsService, type Rate } from '../../complaints/index.js';
import { responseScores, targetsWithUnits } from '../repository.js';
import type { CampaignRow, EvaluationDeps, Ranking, Results, SubjectResult } from '../schema.js';
import { combinedScore, mean, rank, redBlack, round2 } from '../scoring.js';

/**
 * A campaign's results: per compound and per company, the survey's means, the response rate, the
 * complaint rates over the campaign's complaint window, and the combined score; and the ranking
 * with its red and black lists.
 */
export async function computeResults(deps: EvaluationDeps, c: CampaignRow): Promise<Results> {
  const targets = await targetsWithUnits(deps.db, c.id);
  const responses = await responseScores(deps.db, c.id);
  const metrics = new ComplaintMetricsService(deps.db, deps.now);
  const from = new Date(c.settings.complaintsFrom);
  const to = new Date(c.settings.complaintsTo);
  const w = c.settings.weights;
  const subject = (
    base: Pick<SubjectResult, 'id' | 'name' | 'units'> & Partial<SubjectResult>,
    scores: Record<string, number>[],
    onTime: Rate,
    satisfaction: Rate,
  ): SubjectResult => {
    const means = Object.fromEntries(
      c.criteria.map((k) => {
        const m = mean(scores.map((s) => s[k.key]).filter((v): v is number => typeof v === 'number'));
        return [k.key, m === null ? null : round2(m)];
      }),
    );
    const raw = c.criteria.map((k) =>
      mean(scores.map((s) => s[k.key]!).filter((v) => typeof v === 'number')),
    );
    const overallRaw = raw.some((m) => m === null) ? null : mean(raw as number[]);
    return {
      ...base,
      responses: scores.length,
      responseRate: base.units > 0 ? round2(scores.length / base.units) : null,
      means,
      overall: overallRaw === null ? null : round2(overallRaw),
      onTime,
      satisfaction,
      score: combinedScore(
        { overall: overallRaw, onTimeRate: onTime.rate, satisfactionRate: satisfaction.rate },
        w,
      ),
    };
  };
  const compounds: SubjectResult[] = [];
  const rates = new Map<number, { onTime: Rate; satisfaction: Rate }>();
  for (const t of targets) {
    const m = await metrics.complaints(SYSTEM_ACTOR.principal, { orgId: t.compound_id, from, to });
    rates.set(t.compound_id, { onTime: m.rates.onTimeResolution, satisfaction: m.rates.satisfaction });
    compounds.push(
      subject(
        {
          id: t.compound_id,
          name: t.compound_name,
          companyId: t.company_id,
          companyName: t.company_name,
          units: Number(t.units),
        },
        responses.filter((r) => r.compound_id === t.compound_id).map((r) => r.scores),
        m.rates.onTimeResolution,
        m.rates.satisfaction,
      ),
    );
  }
  const companies: SubjectResult[] = [];
  const companyIds = [...new Set(targets.map((t) => t.company_id).filter((x): x is number => x !== null))];
  for (const companyId of companyIds) {
    const mine = targets.filter((t) => t.company_id === companyId);
    const ids = mine.map((t) => t.compound_id);
    const sum = (pick: (x: { onTime: Rate; satisfaction: Rate }) => Rate): Rate => {
      const n = ids.reduce((a, id) => a + pick(rates.get(id)!).numerator, 0);
      const d = ids.reduce((a, id) => a + pick(rates.get(id)!).denominator, 0);
      return { rate: d > 0 ? n / d : null, numerator: n, denominator: d };
    };
    companies.push(
      subject(
        {
          id: companyId,
          name: mine[0]!.company_name!,
          compoundIds: ids,
          units: mine.reduce((a, t) => a + Number(t.units), 0),
        },
        responses.filter((r) => ids.includes(r.compound_id)).map((r) => r.scores),
        sum((x) => x.onTime),
        sum((x) => x.satisfaction),
      ),
    );
  }
  return {
    campaignId: c.id,
    title: c.title,
    status: c.status,
    criteria: c.criteria,
    weights: w,
    listSize: c.settings.listSize,
    complaintsFrom: c.settings.complaintsFrom,
    complaintsTo: c.settings.complaintsTo,
    generatedAt: deps.now(),
    compounds,
    companies,
  };
}

export function rankingOf(r: Results, by: 'company' | 'compound'): Ranking {
  const items = rank(by === 'company' ? r.companies : r.compounds);
  const { red, black } = redBlack(items, r.listSize);
  return { campaignId: r.campaignId, by, weights: r.weights, listSize: r.listSize, items, red, black };
}
