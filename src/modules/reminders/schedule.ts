import { CronExpressionParser } from 'cron-parser';
import rrulePkg from 'rrule';
import { z } from 'zod';
import { badRequest } from '../../kernel/access/errors.js';
import { isWorkingDay } from '../../kernel/time/china-calendar.js';
import {
  CHINA_TIME_ZONE,
  civilDate,
  floatingMs,
  instantOfWall,
  isTimeZone,
  shiftDays,
  wallOf,
  wallOfFloating,
} from '../../kernel/time/zone.js';

// rrule 2.8 ships CommonJS as `main`: under Node's ESM loader only its default export (the
// CommonJS module object) exists, so named imports fail at run time.
const { RRule } = rrulePkg;

/**
 * When a reminder fires.
 *
 * - `{at}`: one ISO 8601 instant with an offset (`2026-03-02T19:30:00+08:00`).
 * - `{cron, tz}`: a five-field cron expression (cron-parser 5, the one BullMQ uses) read in `tz`.
 * - `{rrule, tz, start?}`: an RFC 5545 RRULE (`FREQ=MONTHLY;BYDAY=1MO;BYHOUR=19;BYMINUTE=30`), read
 *   as wall-clock time in `tz` ("floating"), so 19:30 stays 19:30 local whatever the offset. Its
 *   DTSTART is `start` (local `YYYY-MM-DDTHH:MM`) or the creation time to the minute; an embedded
 *   `DTSTART[;TZID=…]:YYYYMMDDTHHMMSS[Z]` line is understood too.
 *
 * Holidays (`skipHolidays`, the mainland Chinese calendar of deadline-calendar.ts: statutory
 * holidays off, 调休 working weekends on):
 * - `false`/`'off'`: every occurrence as computed;
 * - `true`/`'skip'`: an occurrence on a day off is dropped;
 * - `'previous'`: it moves to the previous working day at the same wall time ("the last working day
 *   of each quarter" = `FREQ=MONTHLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1;BYHOUR=10` + `'previous'`);
 * - `'next'`: it moves to the next working day at the same wall time.
 * A moved occurrence that lands on another occurrence counts once. Moving is allowed only for
 * schedules at most daily (a more frequent schedule would pile up on one day).
 */
export const DEFAULT_TZ = CHINA_TIME_ZONE;
export const HOLIDAY_POLICIES = ['off', 'skip', 'previous', 'next'] as const;
export type HolidayPolicy = (typeof HOLIDAY_POLICIES)[number];

export const scheduleSchema = z.union([
  z.strictObject({ at: z.string().max(40) }),
  z.strictObject({ cron: z.string().trim().min(1).max(200), tz: z.string().max(64).default(DEFAULT_TZ) }),
  z.strictObject({
    rrule: z.string().trim().min(1).max(1000),
    tz: z.string().max(64).default(DEFAULT_TZ),
    start: z.string().max(40).optional(),
  }),
]);
export type Schedule = z.infer<typeof scheduleSchema>;

export const skipHolidaysSchema = z.union([z.boolean(), z.enum(HOLIDAY_POLICIES)]);
export function holidayPolicyOf(v: boolean | HolidayPolicy | undefined): HolidayPolicy {
  return v === true ? 'skip' : v === false || v === undefined ? 'off' : v;
}

/** A raw schedule: the first occurrence strictly after an instant, or null when there is none. */
type Raw = (after: Date) => Date | null;

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Longest run of days off in the calendar (Spring Festival with weekends) plus margin. */
const MAX_SHIFT_DAYS = 20;
/** Raw candidates examined per preview, so a pathological rule cannot spin. */
const MAX_SCAN = 5000;

function fail(field: string, message: string): never {
  throw badRequest(`Invalid schedule: ${message}`, [{ field, message }]);
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const OFFSET_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function compileRaw(s: Schedule, createdAt: Date): Raw {
  if ('at' in s) {
    if (!OFFSET_ISO.test(s.at) || Number.isNaN(Date.parse(s.at)))
      fail('schedule.at', 'expected an ISO 8601 time with an offset, e.g. 2026-03-02T19:30:00+08:00');
    const at = new Date(s.at);
    return (after) => (at > after ? at : null);
  }
  if (!isTimeZone(s.tz))
    fail('schedule.tz', `unknown time zone "${s.tz}" (an IANA name such as Asia/Shanghai)`);
  if ('cron' in s) {
    const fields = s.cron.split(/\s+/);
    if (fields.length !== 5)
      fail('schedule.cron', 'expected five fields: minute hour day-of-month month weekday');
    const parse = (after: Date) =>
      CronExpressionParser.parse(s.cron, { tz: s.tz, currentDate: after, strict: false });
    try {
      parse(createdAt).next();
    } catch (err) {
      fail('schedule.cron', `impossible cron expression: ${(err as Error).message}`);
    }
    return (after) => {
      try {
        // cron-parser counts from the start of the second: step past `after` itself
        const d = parse(new Date(after.getTime() + 1))
          .next()
          .toDate();
        return d > after ? d : null;
      } catch {
        return null;
      }
    };
  }
  return compileRrule(s, createdAt);
}

function compileRrule(s: { rrule: string; tz: string; start?: string }, createdAt: Date): Raw {
  let ruleText = '';
  let dtstart: number | null = null;
  for (const line of s.rrule
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)) {
    const dt = /^DTSTART(?:;TZID=([^:]+))?:(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/.exec(line);
    if (dt) {
      const [, tzid, y, mo, d, h, mi, se, z] = dt;
      const wall = { year: +y!, month: +mo!, day: +d!, hour: +h!, minute: +mi!, second: +se! };
      if (z) dtstart = floatingMs(wallOf(new Date(floatingMs(wall)), s.tz));
      else if (tzid && tzid !== s.tz)
        fail('schedule.rrule', `DTSTART's TZID (${tzid}) differs from schedule.tz (${s.tz})`);
      else dtstart = floatingMs(wall);
    } else if (line.startsWith('DTSTART')) {
      fail('schedule.rrule', 'DTSTART must look like DTSTART;TZID=Asia/Shanghai:20260101T193000');
    } else {
      if (ruleText) fail('schedule.rrule', 'one RRULE only');
      ruleText = line.replace(/^RRULE:/, '');
    }
  }
  if (!ruleText) fail('schedule.rrule', 'no RRULE');
  if (s.start !== undefined) {
    const m = LOCAL.exec(s.start);
    if (!m) fail('schedule.start', 'expected a local time YYYY-MM-DDTHH:MM in schedule.tz');
    dtstart = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  }
  if (dtstart === null) {
    const w = wallOf(createdAt, s.tz);
    dtstart = floatingMs({ ...w, second: 0 });
  }
  let rule: InstanceType<typeof RRule>;
  try {
    const opts = RRule.parseString(ruleText);
    if (typeof opts.freq !== 'number') fail('schedule.rrule', 'FREQ is missing or unknown');
    if (opts.freq === RRule.SECONDLY) fail('schedule.rrule', 'FREQ=SECONDLY is not allowed');
    if (opts.tzid) fail('schedule.rrule', 'use schedule.tz rather than TZID inside the rule');
    rule = new RRule({ ...opts, dtstart: new Date(dtstart) });
    rule.after(new Date(dtstart), true);
  } catch (err) {
    if (err instanceof Error && err.name === 'AppError') throw err;
    fail('schedule.rrule', `impossible RRULE: ${(err as Error).message}`);
  }
  const tz = s.tz;
  return (after) => {
    const floatingAfter = floatingMs(wallOf(after, tz)) + (after.getTime() % 1000);
    let next = rule.after(new Date(floatingAfter), false);
    // a wall time that maps back to an instant not after `after` (DST overlap): look further
    while (next) {
      const at = instantOfWall(wallOfFloating(next.getTime()), tz);
      if (at > after) return at;
      next = rule.after(next, false);
    }
    return null;
  };
}

export function tzOf(s: Schedule): string {
  return 'tz' in s ? s.tz : DEFAULT_TZ;
}

/** A compiled schedule with its holiday policy. */
export interface CompiledSchedule {
  /** The next `count` occurrences strictly after `after`, holiday moves applied, ascending. */
  after(after: Date, count: number): Date[];
  /** The first occurrence strictly after `after`, or null. */
  next(after: Date): Date | null;
}

/**
 * Compiles and checks a schedule: a 400 naming the field for an unknown zone, an impossible cron or
 * RRULE, a rule more frequent than once a minute, or a holiday move on a sub-daily schedule.
 */
export function compileSchedule(s: Schedule, policy: HolidayPolicy, createdAt: Date): CompiledSchedule {
  const raw = compileRaw(s, createdAt);
  const tz = tzOf(s);
  const first = raw(createdAt);
  const second = first && raw(first);
  if (first && second && second.getTime() - first.getTime() < MINUTE)
    fail('schedule', 'more often than once a minute');
  if (
    (policy === 'previous' || policy === 'next') &&
    first &&
    second &&
    second.getTime() - first.getTime() < DAY - 2 * 3_600_000
  )
    fail('skipHolidays', `'${policy}' moves occurrences by whole days: only for schedules at most daily`);

  const move = (d: Date): Date | null => {
    if (policy === 'off' || isWorkingDay(civilDate(d, tz))) return d;
    if (policy === 'skip') return null;
    const step = policy === 'previous' ? -1 : 1;
    for (let k = 1; k <= MAX_SHIFT_DAYS; k++) {
      const moved = shiftDays(d, step * k, tz);
      if (isWorkingDay(civilDate(moved, tz))) return moved;
    }
    return null;
  };

  const after = (from: Date, count: number): Date[] => {
    const found = new Map<number, Date>();
    // 'next' can move a raw occurrence before `from` past it: start the scan earlier
    let cursor: Date | null = policy === 'next' ? new Date(from.getTime() - MAX_SHIFT_DAYS * DAY) : from;
    const slack = policy === 'previous' ? MAX_SHIFT_DAYS * DAY : 0;
    for (let i = 0; i < MAX_SCAN && cursor; i++) {
      const r: Date | null = raw(cursor);
      if (!r) break;
      cursor = r;
      if (found.size >= count) {
        const kth = [...found.keys()].sort((a, b) => a - b)[count - 1]!;
        // 'previous' can move a later raw occurrence before the kth found: scan on by the slack
        if (r.getTime() > kth + slack) break;
      }
      const m = move(r);
      if (m && m > from) found.set(m.getTime(), m);
    }
    return [...found.values()].sort((a, b) => a.getTime() - b.getTime()).slice(0, count);
  };
  return { after, next: (from) => after(from, 1)[0] ?? null };
}
