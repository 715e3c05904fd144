import type { paths } from '../api/schema';

export type CreateReminder = NonNullable<
  paths['/api/v1/reminders']['post']['requestBody']
>['content']['application/json'];
export type PreviewBody = NonNullable<
  paths['/api/v1/reminders/preview']['post']['requestBody']
>['content']['application/json'];
export type Schedule = CreateReminder['schedule'];
export type HolidayPolicy = 'off' | 'skip' | 'previous' | 'next';

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
/** RRULE's weekday codes by JavaScript's numbering (0 Sunday). */
export const WEEKDAY_NUMBER: Record<(typeof WEEKDAYS)[number], number> = {
  MO: 1,
  TU: 2,
  WE: 3,
  TH: 4,
  FR: 5,
  SA: 6,
  SU: 0,
};

/** What the schedule builder holds: a one-off time, a cron line, or an RRULE built from fields. */
export interface Builder {
  mode: 'once' | 'cron' | 'rrule';
  /** once: local `YYYY-MM-DDTHH:mm` in China time (an offset is required by the API: +08:00) */
  at: string;
  cron: string;
  tz: string;
  freq: 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
  interval: number;
  byDay: (typeof WEEKDAYS)[number][];
  monthBy: 'date' | 'nth';
  monthDay: number;
  nth: number;
  nthDay: (typeof WEEKDAYS)[number];
  months: number[];
  time: string;
  start: string;
  /** the rule as text: built from the fields, editable by hand */
  rrule: string;
  skipHolidays: HolidayPolicy;
}

export function newBuilder(): Builder {
  return {
    mode: 'rrule',
    at: '',
    cron: '0 9 * * 1-5',
    tz: 'Asia/Shanghai',
    freq: 'MONTHLY',
    interval: 1,
    byDay: ['MO'],
    monthBy: 'nth',
    monthDay: 1,
    nth: 1,
    nthDay: 'MO',
    months: [],
    time: '19:30',
    start: '',
    rrule: '',
    skipHolidays: 'off',
  };
}

/** The RRULE the builder's fields describe. */
export function ruleOf(b: Builder): string {
  const [hour, minute] = (b.time || '09:00').split(':').map(Number);
  const parts = [`FREQ=${b.freq}`];
  if (b.interval > 1) parts.push(`INTERVAL=${b.interval}`);
  if (b.freq === 'WEEKLY' && b.byDay.length) parts.push(`BYDAY=${b.byDay.join(',')}`);
  if (b.freq === 'MONTHLY' || b.freq === 'YEARLY') {
    if (b.freq === 'YEARLY' || b.months.length)
      parts.push(`BYMONTH=${(b.months.length ? b.months : [1]).join(',')}`);
    parts.push(b.monthBy === 'date' ? `BYMONTHDAY=${b.monthDay}` : `BYDAY=${b.nth}${b.nthDay}`);
  }
  parts.push(`BYHOUR=${hour ?? 9}`, `BYMINUTE=${minute ?? 0}`);
  return parts.join(';');
}

/** The `schedule` of the API's body. */
export function scheduleOf(b: Builder): Schedule {
  if (b.mode === 'once') return { at: b.at ? `${b.at}:00+08:00` : '' };
  if (b.mode === 'cron') return { cron: b.cron.trim(), tz: b.tz };
  return { rrule: b.rrule.trim(), tz: b.tz, ...(b.start ? { start: b.start } : {}) };
}

/** A stored schedule in a line. */
export function describeSchedule(s: Schedule): string {
  if ('at' in s) return s.at;
  if ('cron' in s) return `cron ${s.cron} (${s.tz})`;
  return `${s.rrule} (${s.tz})`;
}
