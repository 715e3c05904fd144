import { badRequest, notFound } from '../../../kernel/access/errors.js';
import { assertCanSee, type Principal } from '../../../kernel/access/principal.js';
import type { Db } from '../../../kernel/db/db.js';
import { CHINA_TIME_ZONE, instantOfWall, wallOf } from '../../../kernel/time/zone.js';
import { findOrg } from '../../orgs/index.js';
import {
  type ComplaintMetrics,
  type ComplaintMetricsService,
  csvOf,
  metricsRows,
  type Rate,
} from './metrics.js';

/**
 * The monthly digest of an org's complaints (#16: the public accountability the seeds describe):
 * the figures of the complaints filed in one calendar month, China time, beside the month before —
 * received and closed (of those filed that month), the three rates with numerator and denominator,
 * the medians to acknowledge and to resolve, the top categories, the share closed inside the
 * compound — and the short text a residents' group reads. Default month: the last complete one.
 */
export interface MonthlyDigest {
  orgId: number;
  orgName: string;
  /** YYYY-MM, and the month it is compared with */
  month: string;
  previousMonth: string;
  current: ComplaintMetrics;
  previous: ComplaintMetrics;
  /** the digest as a group reads it, in Simplified Chinese */
  text: string;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The first instant of a month (China time) and of the next. */
export function monthBounds(year: number, month: number): { from: Date; to: Date } {
  const start = (y: number, m: number) =>
    instantOfWall({ year: y, month: m, day: 1, hour: 0, minute: 0, second: 0 }, CHINA_TIME_ZONE);
  return { from: start(year, month), to: month === 12 ? start(year + 1, 1) : start(year, month + 1) };
}

/** The month before `now`'s month, China time, as YYYY-MM. */
export function lastMonth(now: Date): string {
  const w = wallOf(now, CHINA_TIME_ZONE);
  const [y, m] = w.month === 1 ? [w.year - 1, 12] : [w.year, w.month - 1];
  return `${y}-${String(m).padStart(2, '0')}`;
}

export class DigestService {
  constructor(
    private readonly db: Db,
    private readonly metrics: ComplaintMetricsService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async monthly(p: Principal, orgId: number, month?: string): Promise<MonthlyDigest> {
    const m = month ?? lastMonth(this.now());
    const parts = MONTH.exec(m);
    if (!parts)
      throw badRequest('A month is YYYY-MM', [{ field: 'month', message: 'as YYYY-MM, e.g. 2026-11' }]);
    const [year, mon] = [Number(parts[1]), Number(parts[2])];
    const cur = monthBounds(year, mon);
    if (cur.from > this.now())
      throw badRequest('That month has not begun', [{ field: 'month', message: 'not in the future' }]);
    const prev = mon === 1 ? monthBounds(year - 1, 12) : monthBounds(year, mon - 1);
    // the org named in the path, in the token's scope (404 naming it otherwise, as absent)
    const org = await findOrg(this.db, orgId);
    if (!org) throw notFound('org', orgId);
    assertCanSee(p, org.path, 'org', orgId);
    const current = await this.metrics.complaints(p, { orgId, ...cur });
    const previous = await this.metrics.complaints(p, { orgId, ...prev });
    const previousMonth = mon === 1 ? `${year - 1}-12` : `${year}-${String(mon - 1).padStart(2, '0')}`;
    return {
      orgId,
      orgName: org.name,
      month: m,
      previousMonth,
      current,
      previous,
      text: digestText(org.name, mon, current, previous),
    };
  }
}

export const pct = (r: Rate) => (r.rate === null ? '—' : `${Math.round(r.rate * 100)}%`);
const ratio = (r: Rate) => `${pct(r)}（${r.numerator}/${r.denominator}）`;
const trend = (now: Rate, before: Rate) =>
  now.rate === null || before.rate === null
    ? ''
    : now.rate > before.rate
      ? `，比上月高 ${Math.round((now.rate - before.rate) * 100)} 个百分点`
      : now.rate < before.rate
        ? `，比上月低 ${Math.round((before.rate - now.rate) * 100)} 个百分点`
        : '，与上月持平';
export const duration = (s: number | null) =>
  s === null
    ? '—'
    : s < 3600
      ? `${Math.max(1, Math.round(s / 60))} 分钟`
      : s < 86_400
        ? `${(s / 3600).toFixed(1)} 小时`
        : `${(s / 86_400).toFixed(1)} 天`;

/** The digest as the residents' group reads it: numbers with what they are out of, compared with last month. */
export function digestText(name: string, month: number, c: ComplaintMetrics, p: ComplaintMetrics): string {
  const lines = [
    `【${name} ${month}月报事情况】`,
    `收到报事 ${c.counts.total} 件，已办结 ${c.counts.byStatus.closed} 件，仍在处理 ${c.counts.open} 件（上月收到 ${p.counts.total} 件）。`,
    `响应率 ${ratio(c.rates.response)}${trend(c.rates.response, p.rates.response)}`,
    `解决率 ${ratio(c.rates.resolution)}${trend(c.rates.resolution, p.rates.resolution)}`,
    `满意率 ${ratio(c.rates.satisfaction)}${trend(c.rates.satisfaction, p.rates.satisfaction)}`,
    `受理用时中位数 ${duration(c.medianSeconds.acknowledge)}，办结用时中位数 ${duration(c.medianSeconds.resolve)}。`,
  ];
  if (c.topCategories.length)
    lines.push(
      `最多的是：${c.topCategories
        .slice(0, 3)
        .map((t) => `${t.zh} ${t.count} 件`)
        .join('、')}。`,
    );
  lines.push(`在小区内解决 ${ratio(c.closedByLevel.compound)}。`);
  return lines.join('\n');
}

/** The digest as CSV: the month's figures, then the month before's, each row prefixed by which. */
export function digestCsv(d: MonthlyDigest): string {
  const of = (m: ComplaintMetrics, month: string) => metricsRows(m).map((r) => [month, ...r]);
  return csvOf([
    ['month', 'metric', 'value', 'numerator', 'denominator'],
    ...of(d.current, d.month),
    ...of(d.previous, d.previousMonth),
  ]);
}
