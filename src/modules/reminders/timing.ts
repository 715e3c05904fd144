import { civilDate, isTimeZone, wallOf } from '../../kernel/time/zone.js';
import type { ReminderRow } from './repository.js';
import { type CompiledSchedule, compileSchedule, type Schedule } from './schedule.js';

/** A stored reminder's times: its compiled schedule and how an instant reads in its zone. */

export function compiledOf(r: ReminderRow): CompiledSchedule {
  return compileSchedule(r.schedule, r.holiday_policy, r.created_at);
}

/** `YYYY-MM-DD HH:MM` in the zone. */
export function localText(at: Date, tz: string): string {
  const w = wallOf(at, tz);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${civilDate(at, tz)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/**
 * An RRULE without a start counts from its creation: that start is written into the stored
 * schedule (`start`, local to the minute), so every later calculation gives the same series.
 * An unknown zone is left to `compileSchedule`, which refuses it naming `schedule.tz`.
 */
export function pinStart(s: Schedule, now: Date): Schedule {
  if (!('rrule' in s) || s.start !== undefined || /DTSTART/i.test(s.rrule) || !isTimeZone(s.tz)) return s;
  return { ...s, start: localText(now, s.tz).replace(' ', 'T') };
}
