import { badRequest } from '../../../kernel/access/errors.js';
import { requireOrg } from '../../../kernel/access/in-scope.js';
import { type Principal, scopeOrgId } from '../../../kernel/access/principal.js';
import type { Db } from '../../../kernel/db/db.js';
import { type Category, categoriesFor, DEFAULT_CATEGORIES } from '../categories.js';
import { LEVELS, type Level, STATUSES } from '../lifecycle.js';
import { complaintFigures } from '../repository-metrics.js';

/**
 * The complaint figures of an org's subtree over a range of filing dates (`created_at`, from
 * inclusive, to exclusive), led by the three rates of the 12345 loop (domain.md: 响应率, 解决率,
 * 满意率). Everything is read from the complaint row, which holds the deadlines and stamps of the
 * level currently handling it; one timeline fact is added (a missed acknowledgement deadline that
 * escalated the complaint), because escalation clears the row's acknowledgement.
 *
 * Definitions (a rate is `{rate, numerator, denominator}`, rate null when the denominator is 0):
 * - open: submitted, accepted, in_progress, reopened. overdue: as in the complaint list — the
 *   overdue flag (city level, nowhere to escalate), or open with its running deadline passed.
 * - response rate (响应率): acknowledged (`acknowledged_at` set) by `ack_due_at` and never
 *   escalated for a missed acknowledgement deadline, of those whose acknowledgement was due:
 *   acknowledged (in time or late), escalated for a missed acknowledgement deadline, or still
 *   waiting (submitted/reopened) past `ack_due_at`. Not counted either way: complaints still
 *   within their acknowledgement deadline, rejected or withdrawn before any acknowledgement, and
 *   complaints escalated later in the resolve stage (escalation clears `acknowledged_at`; that
 *   acknowledgement happened at a lower level and the row no longer says when).
 * - on-time resolution rate: `resolved_at <= resolve_due_at`, of resolved and closed complaints
 *   with a resolution (`resolved_at` set; closing a rejection is not a resolution).
 * - resolution rate (解决率, "the resident confirms it solved"): rated 满意 or 基本满意, of
 *   resolutions that reached the resident's verdict: rated (any rating, including 不满意 that
 *   reopened the complaint) plus closed unrated after a resolution (the rating timeout: not
 *   confirmed). So it differs from the satisfaction rate exactly by the unrated closings.
 * - satisfaction rate (满意率): (满意 + 基本满意) / rated.
 * - unratedClosed: closed after a resolution without a rating (reported apart, not in 满意率).
 * - medians (seconds, rounded): from filing (`created_at`) to the acknowledgement and to the
 *   resolution on the row, over the complaints that have one.
 * - closedByLevel: of closed complaints, the share closed at each level (小事不出小区).
 * - topCategories: the 10 most frequent categories, labelled from the scope org's list.
 * - repeatUnits: addresses (compound + building + unit + room) with 2 or more complaints in
 *   the range; the 50 most frequent, plus how many such addresses and complaints in all.
 */
export interface Rate {
  rate: number | null;
  numerator: number;
  denominator: number;
}

export interface ComplaintMetrics {
  orgId: number | null;
  from: Date | null;
  to: Date | null;
  generatedAt: Date;
  counts: {
    total: number;
    open: number;
    overdue: number;
    byStatus: Record<(typeof STATUSES)[number], number>;
  };
  rates: { response: Rate; onTimeResolution: Rate; resolution: Rate; satisfaction: Rate };
  unratedClosed: number;
  medianSeconds: { acknowledge: number | null; resolve: number | null };
  closedByLevel: Record<Level, Rate>;
  topCategories: { code: string; zh: string; en: string; count: number }[];
  repeatUnits: {
    units: number;
    complaints: number;
    top: {
      orgId: number;
      compound: string;
      building: string;
      unit: string | null;
      room: string | null;
      count: number;
    }[];
  };
}

export interface MetricsFilter {
  orgId?: number;
  from?: Date;
  to?: Date;
}

export class ComplaintMetricsService {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async complaints(p: Principal, f: MetricsFilter): Promise<ComplaintMetrics> {
    if (f.from && f.to && f.from >= f.to) {
      throw badRequest('from must be before to', [{ field: 'to', message: 'must be after from' }]);
    }
    if (f.orgId !== undefined) await requireOrg(this.db, p, f.orgId, { field: 'orgId' });
    const scope = f.orgId ?? scopeOrgId(p);
    const now = this.now();
    const r = await complaintFigures(this.db, { scope, from: f.from ?? null, to: f.to ?? null, now });
    const labels = await this.labels(scope);
    const byStatus = Object.fromEntries(STATUSES.map((s) => [s, Number(r.by_status[s] ?? 0)])) as Record<
      (typeof STATUSES)[number],
      number
    >;
    const closed = byStatus.closed;
    const closedByLevel = Object.fromEntries(
      LEVELS.map((l) => [l, rate(Number(r.closed_by_level[l] ?? 0), closed)]),
    ) as Record<Level, Rate>;
    const round = (v: number | null) => (v === null ? null : Math.round(Number(v)));
    return {
      orgId: scope,
      from: f.from ?? null,
      to: f.to ?? null,
      generatedAt: now,
      counts: { total: r.total, open: r.open, overdue: r.overdue, byStatus },
      rates: {
        response: rate(r.ack_in_time, r.ack_due),
        onTimeResolution: rate(r.resolved_in_time, r.resolved),
        resolution: rate(r.satisfied, r.rated + r.unrated_closed),
        satisfaction: rate(r.satisfied, r.rated),
      },
      unratedClosed: r.unrated_closed,
      medianSeconds: { acknowledge: round(r.median_ack), resolve: round(r.median_resolve) },
      closedByLevel,
      topCategories: r.top_categories.map((t) => {
        const label = labels(t.category);
        return { code: t.category, zh: label.zh, en: label.en, count: Number(t.n) };
      }),
      repeatUnits: {
        units: Number(r.repeat_units.units),
        complaints: Number(r.repeat_units.complaints),
        top: r.repeat_units.top.map((u) => ({
          orgId: Number(u.org_id),
          compound: u.compound,
          building: u.building,
          unit: u.unit_no,
          room: u.room,
          count: Number(u.n),
        })),
      },
    };
  }

  /** Labels from the scope org's category list, then the defaults, then the code itself. */
  private async labels(scope: number | null): Promise<(code: string) => Category> {
    const own = await categoriesFor(this.db, scope);
    return (code) =>
      own.find((c) => c.code === code) ??
      DEFAULT_CATEGORIES.find((c) => c.code === code) ?? { code, zh: code, en: code };
  }
}

function rate(numerator: number, denominator: number): Rate {
  return { rate: denominator > 0 ? numerator / denominator : null, numerator, denominator };
}

/**
 * The metrics as CSV for a spreadsheet: UTF-8 with a BOM (so Excel shows the Chinese), CRLF,
 * one metric per row `metric,value,numerator,denominator`; a rate's value is its share (empty
 * when there is nothing to divide by). Text cells that a spreadsheet would run as a formula
 * (=, +, -, @ first) get a leading apostrophe.
 */
export function metricsCsv(m: ComplaintMetrics): string {
  return csvOf([['metric', 'value', 'numerator', 'denominator'], ...metricsRows(m)]);
}

/** A CSV cell's value: text, a number, or empty. */
export type CsvCell = string | number | null;

/** The metrics as rows `metric,value,numerator,denominator` (no header). */
export function metricsRows(m: ComplaintMetrics): CsvCell[][] {
  const rows: CsvCell[][] = [];
  const value = (metric: string, v: string | number | null) => rows.push([metric, v, null, null]);
  const ratio = (metric: string, r: Rate) => rows.push([metric, r.rate, r.numerator, r.denominator]);
  value('scope.org_id', m.orgId);
  value('scope.from', m.from?.toISOString() ?? null);
  value('scope.to', m.to?.toISOString() ?? null);
  value('generated_at', m.generatedAt.toISOString());
  value('total', m.counts.total);
  for (const s of STATUSES) value(`status.${s}`, m.counts.byStatus[s]);
  value('open', m.counts.open);
  value('overdue', m.counts.overdue);
  ratio('response_rate', m.rates.response);
  ratio('on_time_resolution_rate', m.rates.onTimeResolution);
  ratio('resolution_rate', m.rates.resolution);
  ratio('satisfaction_rate', m.rates.satisfaction);
  value('unrated_closed', m.unratedClosed);
  value('median_ack_seconds', m.medianSeconds.acknowledge);
  value('median_resolve_seconds', m.medianSeconds.resolve);
  for (const l of LEVELS) ratio(`closed_at_level.${l}`, m.closedByLevel[l]);
  for (const c of m.topCategories) value(`category.${c.code} ${c.zh}`, c.count);
  value('repeat_units', m.repeatUnits.units);
  value('repeat_unit_complaints', m.repeatUnits.complaints);
  for (const u of m.repeatUnits.top) {
    const address = [u.building, u.unit, u.room].filter(Boolean).join('');
    value(`repeat_unit.${u.compound} ${address}`, u.count);
  }
  return rows;
}

/** Rows as CSV for a spreadsheet: UTF-8 with a BOM, CRLF, cells escaped (see metricsCsv). */
export function csvOf(rows: CsvCell[][]): string {
  return `\uFEFF${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

function cell(v: CsvCell): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
