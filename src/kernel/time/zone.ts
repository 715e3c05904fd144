/**
 * Linli's time zone where nothing else is configured: China has one zone, UTC+8 all year. Every
 * module formats and computes local time through this file (and china-calendar.ts), never with
 * literal offsets or zone names of its own.
 */
export const CHINA_TIME_ZONE = 'Asia/Shanghai';

/**
 * Wall-clock time in an IANA time zone, computed with `Intl` (never the process's local time), so
 * schedules come out the same whatever `TZ` the process runs with.
 */
export interface Wall {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the zone. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function wallOf(instant: Date, timeZone: string): Wall {
  const fields: Record<string, number> = {};
  for (const part of formatOf(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const year = fields.year!;
  const month = fields.month!;
  const day = fields.day!;
  return {
    year,
    month,
    day,
    hour: fields.hour! % 24,
    minute: fields.minute!,
    second: fields.second!,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** The wall time as if it were UTC (a "floating" time), in ms: what rrule computes with. */
export function floatingMs(w: Omit<Wall, 'weekday'>): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** Floating ms back to wall fields. */
export function wallOfFloating(ms: number): Wall {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

function offsetAt(instantMs: number, timeZone: string): number {
  const w = wallOf(new Date(instantMs), timeZone);
  return floatingMs(w) - (instantMs - (((instantMs % 1000) + 1000) % 1000));
}

/**
 * The instant of a wall time in the zone. A wall time skipped by a DST change resolves to the
 * instant the same number of minutes after the change; a repeated one to its first instance.
 */
export function instantOfWall(w: Omit<Wall, 'weekday'>, timeZone: string): Date {
  const floating = floatingMs(w);
  let t = floating - offsetAt(floating, timeZone);
  const again = floating - offsetAt(t, timeZone);
  if (again !== t && floatingMs(wallOf(new Date(again), timeZone)) === floating) t = again;
  return new Date(t);
}

/** 'YYYY-MM-DD' of the instant's civil date in the zone. */
export function civilDate(instant: Date, timeZone: string): string {
  const w = wallOf(instant, timeZone);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** The same wall time `days` civil days later (earlier when negative). */
export function shiftDays(instant: Date, days: number, timeZone: string): Date {
  const w = wallOf(instant, timeZone);
  const d = wallOfFloating(floatingMs(w) + days * 86_400_000);
  return instantOfWall(d, timeZone);
}
