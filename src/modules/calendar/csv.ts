import type { YearArrangement } from '../../kernel/time/china-calendar.js';

/** How a CSV line's second column may name the day: off (holiday) or an adjusted working day. */
const KINDS: Record<string, 'holidays' | 'workdays'> = {
  holiday: 'holidays',
  off: 'holidays',
  休: 'holidays',
  假: 'holidays',
  workday: 'workdays',
  work: 'workdays',
  班: 'workdays',
};

export type CalendarCsv =
  | {
      ok: true;
      arrangement: YearArrangement;
      /** the CSV line of each entry, to name it in the arrangement's checks (`holidays.2` → `line 4`) */
      lineOf: (field: string) => string;
    }
  | { ok: false; errors: { field: string; message: string }[] };

/**
 * A year's arrangement as CSV, one day per line: `date,kind[,note]` where kind is `holiday`
 * (`off`, 休, 假) or `workday` (`work`, 班), e.g. `2027-02-07,workday,春节调休`. A header line
 * (`date,kind…`), blank lines and lines starting with `#` are skipped; a BOM is dropped. A line
 * that is not that is named (`line N`); the dates themselves are checked as the JSON body's are.
 */
export function parseCalendarCsv(text: string): CalendarCsv {
  const arrangement = { holidays: [] as string[], workdays: [] as string[] };
  const lines: Record<'holidays' | 'workdays', number[]> = { holidays: [], workdays: [] };
  const errors: { field: string; message: string }[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      const [date = '', kind = ''] = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
      if (i === 0 && !/^\d/.test(date)) return; // the header
      const list = KINDS[kind.toLowerCase()];
      if (!list) {
        errors.push({
          field: `line ${i + 1}`,
          message: `the second column must be holiday (off, 休, 假) or workday (work, 班), not "${kind}"`,
        });
        return;
      }
      arrangement[list].push(date);
      lines[list].push(i + 1);
    });
  if (errors.length) return { ok: false, errors };
  if (arrangement.holidays.length + arrangement.workdays.length === 0)
    return { ok: false, errors: [{ field: 'body', message: 'no date in the CSV (date,kind per line)' }] };
  return {
    ok: true,
    arrangement,
    lineOf: (field) => {
      const [list, index] = field.split('.') as ['holidays' | 'workdays', string];
      const n = lines[list]?.[Number(index)];
      return n ? `line ${n}` : field;
    },
  };
}
