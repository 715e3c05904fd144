import { createRequire } from 'node:module';
import { type DurationParts, durationPartsToMs, parseIsoDuration } from './iso-duration.js';
import { CHINA_TIME_ZONE } from './zone.js';

/**
 * Deadlines for complaint escalation.
 *
 * - `natural`: plain elapsed time, `start + duration`.
 * - `workdays`: only Chinese working time counts — working days (statutory holidays off, the adjusted
 *   working days 调休 such as a working Saturday on) between `workStart` and `workEnd` (default
 *   09:00–18:00) in `timeZone` (default Asia/Shanghai). The duration's days count as whole working days
 *   (`P1D` = workEnd − workStart of working time, 9 h by default); hours, minutes and seconds count as
 *   working time (`PT24H` is therefore 24 working hours, not one working day). A start outside working
 *   time begins counting at the next working period's start; a deadline that falls exactly at the end of
 *   a working period stays there (Friday 17:00 + PT1H = Friday 18:00).
 *
 * Time zone: civil dates and the day's working window are computed with `Intl` (the ICU time-zone
 * database that ships with Node), never with the process's local time, so the result is the same whatever
 * `TZ` the process runs with. For Asia/Shanghai this is simply UTC+08:00 (China has had no DST since
 * 1991); using `Intl` rather than a hard-coded +08:00 keeps the `timeZone` option honest. Offsets are
 * looked up once per civil day and memoised, and assumed constant within a working day (only matters in a
 * DST zone if the switch happened inside working hours, which no zone does).
 *
 * Holidays: the data of the `chinese-days` package (statutory holidays and 调休 working days, 2004 to
 * {@link HOLIDAY_DATA_YEARS}.last), read from its published `dist/chinese-days.json` and applied with
 * the package's own rule (`isWorkday`: an adjusted working day, or Monday–Friday that is not a holiday).
 * We do not call `isWorkday()` itself: it reads dates with the process's local-time getters, and its
 * tables are keyed the same way, so west of UTC (e.g. TZ=America/New_York) it answers for the wrong day
 * (2026-02-14, a working Saturday, comes out as a day off; 2026-02-23, a holiday, as a working day), and
 * it changes its answers if `process.env.TZ` changes after it was loaded. Years past the data (the State
 * Council publishes each year's arrangement in the preceding November or so) can be entered by an
 * operator (`setYearArrangement`, from `linli.calendar_years`), which takes precedence; a year known
 * to neither is Monday–Friday with the fixed-date holidays off (`calendarSource`). Upgrade
 * `chinese-days` yearly all the same.
 *
 * Cost: per calendar day, not per minute; a deadline of n working days looks at about 1.4·n days.
 */

export type DeadlineCalendar = 'natural' | 'workdays';

export interface WorkingHoursOptions {
  /** IANA time zone whose civil days and working hours apply (default Asia/Shanghai). */
  timeZone?: string;
  /** 'HH:MM', 24-hour clock (default '09:00'). */
  workStart?: string;
  /** 'HH:MM', 24-hour clock, after workStart; '24:00' allowed (default '18:00'). */
  workEnd?: string;
}

export const DEFAULT_TIME_ZONE = CHINA_TIME_ZONE;
export const DEFAULT_WORK_START = '09:00';
export const DEFAULT_WORK_END = '18:00';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Give up rather than loop forever (no realistic deadline gets near this). */
const MAX_SCAN_DAYS = 100 * 366;

// ---------------------------------------------------------------------------------------------------
// Holiday data

interface HolidayData {
  /** 'YYYY-MM-DD' → name, days off (including the weekend days inside a holiday period). */
  holidays: Record<string, string>;
  /** 'YYYY-MM-DD' → name, adjusted working days (调休), usually a Saturday or Sunday. */
  workdays: Record<string, string>;
}

function loadHolidayData(): HolidayData {
  const raw: unknown = createRequire(import.meta.url)('chinese-days/dist/chinese-days.json');
  const isTable = (v: unknown): v is Record<string, string> => typeof v === 'object' && v !== null;
  if (typeof raw !== 'object' || raw === null) throw new Error('chinese-days: unexpected holiday data');
  const { holidays, workdays } = raw as Record<string, unknown>;
  if (!isTable(holidays) || !isTable(workdays)) throw new Error('chinese-days: unexpected holiday data');
  return { holidays, workdays };
}

const HOLIDAY_DATA = loadHolidayData();

/** The years for which chinese-days knows the official arrangement; later years are Monday–Friday. */
export const HOLIDAY_DATA_YEARS: { first: number; last: number } = (() => {
  const years = [...Object.keys(HOLIDAY_DATA.holidays), ...Object.keys(HOLIDAY_DATA.workdays)].map((key) =>
    Number(key.slice(0, 4)),
  );
  return { first: Math.min(...years), last: Math.max(...years) };
})();

/** Civil day number: days since 1970-01-01 of a calendar date (time-zone free). */
type DayNumber = number;

const workingDayCache = new Map<DayNumber, boolean>();

/** A year's arrangement as an operator entered it (the State Council's notice): days off, adjusted working days. */
export interface YearArrangement {
  holidays: readonly string[];
  workdays: readonly string[];
}

/**
 * Years an operator entered (`PUT /api/v1/calendar/:year`, loaded from the database by every
 * process): they take precedence over the package's data, so next year's arrangement can be used
 * before `chinese-days` publishes it (or a correction before it fixes one).
 */
const operatorYears = new Map<number, { holidays: Set<string>; workdays: Set<string> }>();

/** Puts an operator's arrangement of `year` in force in this process (null: back to the package / fixed dates). */
export function setYearArrangement(year: number, a: YearArrangement | null): void {
  if (a) operatorYears.set(year, { holidays: new Set(a.holidays), workdays: new Set(a.workdays) });
  else operatorYears.delete(year);
  workingDayCache.clear();
}

/**
 * Where a year's working days come from: an operator's entry, the package's data, or — a year
 * neither knows — Monday–Friday with at least the fixed-date holidays off (1 January, 1 May,
 * 1–3 October), the days every year's arrangement includes.
 */
export function calendarSource(year: number): 'operator' | 'package' | 'fixed_dates' {
  if (operatorYears.has(year)) return 'operator';
  return year >= HOLIDAY_DATA_YEARS.first && year <= HOLIDAY_DATA_YEARS.last ? 'package' : 'fixed_dates';
}

/** The days off and adjusted working days of a year as in force (for `GET /calendar/:year`). */
export function yearArrangement(year: number): YearArrangement {
  const op = operatorYears.get(year);
  if (op) return { holidays: [...op.holidays].sort(), workdays: [...op.workdays].sort() };
  const inYear = (t: Record<string, string>) =>
    Object.keys(t)
      .filter((k) => k.startsWith(`${year}-`))
      .sort();
  if (calendarSource(year) === 'package')
    return { holidays: inYear(HOLIDAY_DATA.holidays), workdays: inYear(HOLIDAY_DATA.workdays) };
  return { holidays: FIXED_HOLIDAYS.map((md) => `${year}-${md}`), workdays: [] };
}

/** The statutory holidays on the same date every year (the Spring Festival and the rest move). */
const FIXED_HOLIDAYS = ['01-01', '05-01', '10-01', '10-02', '10-03'];

function isWorkingDayNumber(day: DayNumber): boolean {
  let working = workingDayCache.get(day);
  if (working === undefined) {
    const key = new Date(day * DAY_MS).toISOString().slice(0, 10);
    const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
    const year = Number(key.slice(0, 4));
    const op = operatorYears.get(year);
    const [off, on] = op
      ? [op.holidays.has(key), op.workdays.has(key)]
      : calendarSource(year) === 'package'
        ? [Object.hasOwn(HOLIDAY_DATA.holidays, key), Object.hasOwn(HOLIDAY_DATA.workdays, key)]
        : [FIXED_HOLIDAYS.includes(key.slice(5)), false];
    working = on || (weekday >= 1 && weekday <= 5 && !off);
    workingDayCache.set(day, working);
  }
  return working;
}

/**
 * Whether a day is a Chinese working day: `date` is an instant, judged by its civil date in `timeZone`,
 * or a civil date 'YYYY-MM-DD'.
 */
export function isWorkingDay(date: Date | string, timeZone: string = DEFAULT_TIME_ZONE): boolean {
  if (typeof date === 'string') {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
    const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
    if (!match || new Date(ms).toISOString().slice(0, 10) !== date) {
      throw new RangeError(`expected a date 'YYYY-MM-DD', got "${date}"`);
    }
    return isWorkingDayNumber(ms / DAY_MS);
  }
  return isWorkingDayNumber(civilDay(instantOf(date, 'date'), zoneOf(timeZone)));
}

// ---------------------------------------------------------------------------------------------------
// Time zones

interface Zone {
  name: string;
  format: Intl.DateTimeFormat;
  /** Offset (local − UTC, ms) in effect during a civil day, memoised. */
  dayOffsets: Map<DayNumber, number>;
}

const zones = new Map<string, Zone>();

function zoneOf(name: string): Zone {
  let zone = zones.get(name);
  if (!zone) {
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new RangeError(`unknown time zone "${name}" (expected an IANA name such as Asia/Shanghai)`);
    }
    zone = { name, format, dayOffsets: new Map() };
    zones.set(name, zone);
  }
  return zone;
}

/** Offset (local − UTC, ms) of the zone at an instant. */
function offsetAt(zone: Zone, instant: number): number {
  const fields: Record<string, number> = {};
  for (const part of zone.format.formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const local = Date.UTC(
    fields.year!,
    fields.month! - 1,
    fields.day!,
    fields.hour! % 24,
    fields.minute!,
    fields.second!,
  );
  return local - (instant - (((instant % 1000) + 1000) % 1000));
}

/**
 * The civil day of an instant in the zone. Fast path from the memoised per-day offsets: the instant lies
 * between the local noons of UTC day −2 and +2, so if the offset is the same at all five noons (no DST
 * change nearby; always for Asia/Shanghai) it is the offset at the instant too. Otherwise ask Intl.
 */
function civilDay(instant: number, zone: Zone): DayNumber {
  const utcDay = Math.floor(instant / DAY_MS);
  const offset = dayOffset(zone, utcDay);
  for (let day = utcDay - 2; day <= utcDay + 2; day++) {
    if (dayOffset(zone, day) !== offset) return Math.floor((instant + offsetAt(zone, instant)) / DAY_MS);
  }
  return Math.floor((instant + offset) / DAY_MS);
}

function dayOffset(zone: Zone, day: DayNumber): number {
  let offset = zone.dayOffsets.get(day);
  if (offset === undefined) {
    const localNoon = day * DAY_MS + 12 * HOUR_MS;
    offset = offsetAt(zone, localNoon - offsetAt(zone, localNoon));
    zone.dayOffsets.set(day, offset);
  }
  return offset;
}

// ---------------------------------------------------------------------------------------------------
// Working hours

interface WorkingHours {
  zone: Zone;
  /** Minutes after local midnight. */
  startMinute: number;
  endMinute: number;
  dayLengthMs: number;
}

function parseClock(text: string, what: string, allow24: boolean): number {
  const match = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
  if (!match || minutes > (allow24 ? 24 * 60 : 24 * 60 - 1)) {
    throw new RangeError(`${what} must be 'HH:MM' (24-hour clock), got "${text}"`);
  }
  return minutes;
}

function workingHours(opts: WorkingHoursOptions = {}): WorkingHours {
  const workStart = opts.workStart ?? DEFAULT_WORK_START;
  const workEnd = opts.workEnd ?? DEFAULT_WORK_END;
  const startMinute = parseClock(workStart, 'workStart', false);
  const endMinute = parseClock(workEnd, 'workEnd', true);
  if (endMinute <= startMinute)
    throw new RangeError(`workEnd (${workEnd}) must be after workStart (${workStart})`);
  return {
    zone: zoneOf(opts.timeZone ?? DEFAULT_TIME_ZONE),
    startMinute,
    endMinute,
    dayLengthMs: (endMinute - startMinute) * MINUTE_MS,
  };
}

/** The working window [open, close) of a civil day as instants, or null on a day off. */
function windowOf(day: DayNumber, hours: WorkingHours): { open: number; close: number } | null {
  if (!isWorkingDayNumber(day)) return null;
  const midnight = day * DAY_MS - dayOffset(hours.zone, day);
  return { open: midnight + hours.startMinute * MINUTE_MS, close: midnight + hours.endMinute * MINUTE_MS };
}

// ---------------------------------------------------------------------------------------------------
// Deadlines

function instantOf(date: Date, what: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new TypeError(`${what} must be a valid Date`);
  return ms;
}

function partsOf(duration: string | DurationParts): DurationParts {
  if (typeof duration === 'string') {
    const parsed = parseIsoDuration(duration);
    if (!parsed.ok) throw new RangeError(`invalid ISO 8601 duration "${duration}": ${parsed.message}`);
    return parsed.parts;
  }
  for (const field of ['days', 'hours', 'minutes', 'seconds'] as const) {
    const value = duration[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`duration.${field} must be a non-negative number`);
    }
  }
  return duration;
}

/**
 * When a complaint started at `start` is due after `duration` on `calendar` (see the module comment).
 * `duration` is an ISO 8601 string (parsed by parseIsoDuration) or its parts. Throws RangeError on an
 * invalid duration, time zone or working hours.
 */
export function dueAt(
  start: Date,
  duration: string | DurationParts,
  calendar: DeadlineCalendar,
  opts?: WorkingHoursOptions,
): Date {
  const from = instantOf(start, 'start');
  const parts = partsOf(duration);
  if (calendar === 'natural') return new Date(from + durationPartsToMs(parts));
  if (calendar !== 'workdays') throw new RangeError(`unknown calendar "${String(calendar)}"`);

  const hours = workingHours(opts);
  let remaining =
    parts.days * hours.dayLengthMs +
    parts.hours * HOUR_MS +
    parts.minutes * MINUTE_MS +
    Math.round(parts.seconds * 1000);
  if (remaining === 0) return new Date(from);

  const firstDay = civilDay(from, hours.zone);
  for (let day = firstDay; day < firstDay + MAX_SCAN_DAYS; day++) {
    const window = windowOf(day, hours);
    if (!window) continue;
    const counting = Math.max(from, window.open);
    if (counting >= window.close) continue;
    const available = window.close - counting;
    if (remaining <= available) return new Date(counting + remaining);
    remaining -= available;
  }
  throw new RangeError('deadline too far in the future');
}

/**
 * Milliseconds of counted time from `a` to `b` on `calendar` (negative when `b` is before `a`).
 * Consistent with dueAt: workingTimeBetween(s, dueAt(s, d, c, o), c, o) is the duration's working time.
 */
export function workingTimeBetween(
  a: Date,
  b: Date,
  calendar: DeadlineCalendar,
  opts?: WorkingHoursOptions,
): number {
  const from = instantOf(a, 'a');
  const to = instantOf(b, 'b');
  if (calendar === 'natural') return to - from;
  if (calendar !== 'workdays') throw new RangeError(`unknown calendar "${String(calendar)}"`);
  if (to < from) return -workingTimeBetween(b, a, calendar, opts);

  const hours = workingHours(opts);
  const lastDay = civilDay(to, hours.zone);
  let total = 0;
  for (let day = civilDay(from, hours.zone); day <= lastDay; day++) {
    const window = windowOf(day, hours);
    if (window) total += Math.max(0, Math.min(to, window.close) - Math.max(from, window.open));
  }
  return total;
}

/** Working time one day of a duration stands for on the workdays calendar (9 h by default). */
export function workingDayLengthMs(opts?: WorkingHoursOptions): number {
  return workingHours(opts).dayLengthMs;
}
