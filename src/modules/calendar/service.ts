import type { Logger } from 'pino';
import { recordAudit } from '../../kernel/access/audit.js';
import { badRequest, forbidden } from '../../kernel/access/errors.js';
import type { Actor, Principal } from '../../kernel/access/principal.js';
import type { Db } from '../../kernel/db/db.js';
import {
  calendarSource,
  setYearArrangement,
  type YearArrangement,
  yearArrangement,
} from '../../kernel/time/china-calendar.js';
import { CHINA_TIME_ZONE, civilDate } from '../../kernel/time/zone.js';
import { parseCalendarCsv } from './csv.js';
import { calendarYears, upsertCalendarYear } from './repository.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 400 naming `field.i` unless every date is a real date of `year`, none twice, none in both lists. */
/** `fieldOf`: how a problem's field is named to the caller (a CSV body names its lines). */
export function checkArrangement(
  year: number,
  a: YearArrangement,
  fieldOf: (field: string) => string = (f) => f,
): YearArrangement {
  const problems: { field: string; message: string }[] = [];
  const seen = new Map<string, string>();
  for (const list of ['holidays', 'workdays'] as const) {
    a[list].forEach((d, i) => {
      const m = DATE.exec(d);
      const real = m && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;
      if (!real) problems.push({ field: `${list}.${i}`, message: 'a date as YYYY-MM-DD' });
      else if (Number(m[1]) !== year) problems.push({ field: `${list}.${i}`, message: `not in ${year}` });
      else if (seen.has(d))
        problems.push({
          field: `${list}.${i}`,
          message: seen.get(d) === list ? 'listed twice' : 'a day cannot be both off and working',
        });
      else seen.set(d, list);
    });
  }
  if (problems.length)
    throw badRequest(
      `The arrangement of ${year} has bad dates`,
      problems.map((p) => ({ ...p, field: fieldOf(p.field) })),
    );
  return { holidays: [...a.holidays].sort(), workdays: [...a.workdays].sort() };
}

/**
 * The official holiday calendar as data an operator maintains (#18): a year's days off and
 * adjusted working days, entered by a superuser, stored in `linli.calendar_years`, put in force in
 * this process at once and in every other within a minute (`refresh`), in preference to the
 * `chinese-days` package. `needsNextYear` says when next year is known to neither (from 1 December).
 */
export class CalendarService {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(_p: Principal, year: number) {
    const row = (await calendarYears(this.db)).find((r) => r.year === year);
    const a = yearArrangement(year);
    return {
      year,
      source: calendarSource(year),
      holidays: [...a.holidays],
      workdays: [...a.workdays],
      updatedAt: row?.updated_at ?? null,
      updatedBy: row?.updated_by ?? null,
    };
  }

  async put(actor: Actor, year: number, body: YearArrangement | string) {
    if (actor.principal.kind !== 'superuser') throw forbidden('Only a superuser token sets the calendar');
    let a: YearArrangement;
    if (typeof body === 'string') {
      const csv = parseCalendarCsv(body);
      if (!csv.ok) throw badRequest(`The CSV of ${year}'s arrangement has bad lines`, csv.errors);
      a = checkArrangement(year, csv.arrangement, csv.lineOf);
    } else a = checkArrangement(year, body);
    const before = calendarSource(year) === 'operator' ? yearArrangement(year) : undefined;
    await this.db.transaction(async (tx) => {
      await upsertCalendarYear(tx, year, a, actor.principal.label);
      await recordAudit(tx, actor, {
        action: 'calendar.put',
        objectType: 'calendar',
        objectId: year,
        orgId: null,
        before,
        after: a,
      });
    });
    setYearArrangement(year, a);
    return this.get(actor.principal, year);
  }

  /** Puts the stored years in force in this process (at start, then every minute). */
  async refresh(): Promise<number> {
    const rows = await calendarYears(this.db);
    for (const r of rows) setYearArrangement(r.year, { holidays: r.holidays, workdays: r.workdays });
    return rows.length;
  }

  /** From 1 December (China time): next year, when neither the package nor an operator knows it; else null. */
  needsNextYear(): number | null {
    const today = civilDate(this.now(), CHINA_TIME_ZONE);
    const next = Number(today.slice(0, 4)) + 1;
    return today.slice(5, 7) === '12' && calendarSource(next) === 'fixed_dates' ? next : null;
  }

  /** Keeps this process's calendar in step with the database, warning while next year is unknown. */
  start(logger: Logger, everyMs = 60_000): { stop(): void } {
    let lastWarned = '';
    const tick = async () => {
      await this.refresh().catch((err) => logger.warn({ err }, 'calendar: could not load the stored years'));
      const year = this.needsNextYear();
      const today = civilDate(this.now(), CHINA_TIME_ZONE);
      if (year && lastWarned !== today) {
        lastWarned = today;
        logger.warn(
          { year },
          `calendar: the official holidays of ${year} are not known: enter them with PUT /api/v1/calendar/${year} (until then only 1 Jan, 1 May and 1–3 Oct are days off)`,
        );
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), everyMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }
}
