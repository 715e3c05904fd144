import type { Queryable } from '../../kernel/db/db.js';
import type { YearArrangement } from '../../kernel/time/china-calendar.js';

export interface CalendarYearRow {
  year: number;
  holidays: string[];
  workdays: string[];
  updated_at: Date;
  updated_by: string;
}

export async function calendarYears(q: Queryable): Promise<CalendarYearRow[]> {
  const { rows } = await q.query<CalendarYearRow>(
    'SELECT year, holidays, workdays, updated_at, updated_by FROM linli.calendar_years ORDER BY year',
  );
  return rows.map((r) => ({ ...r, year: Number(r.year) }));
}

export async function upsertCalendarYear(q: Queryable, year: number, a: YearArrangement, by: string) {
  await q.query(
    `INSERT INTO linli.calendar_years (year, holidays, workdays, updated_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (year) DO UPDATE
       SET holidays = EXCLUDED.holidays, workdays = EXCLUDED.workdays,
           updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [year, JSON.stringify(a.holidays), JSON.stringify(a.workdays), by],
  );
}
