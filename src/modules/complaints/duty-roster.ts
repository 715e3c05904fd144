import { z } from 'zod';
import { CHINA_TIME_ZONE, isTimeZone, wallOf } from '../../kernel/time/zone.js';

/**
 * An org's duty roster (值班表) for the dispatch mode round_robin: weekly slots per person, and
 * exceptions by date that replace a person's weekly slots that day (a day off, or a different
 * shift), read in the roster's time zone (China's unless it says otherwise). A slot runs from its
 * start to its end on one day: a night shift is two slots (22:00–24:00 and 00:00–08:00 the next day).
 */
const HHMM = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const hhmm = z.string().regex(HHMM, 'a time of day as HH:MM (00:00–24:00)');
const personId = z.number().int().positive();
const minutesOf = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
/** false only for two well-formed times where `to` is not after `from` (zod runs refinements on bad input too) */
const ordered = (from: unknown, to: unknown) =>
  typeof from !== 'string' ||
  typeof to !== 'string' ||
  !HHMM.test(from) ||
  !HHMM.test(to) ||
  minutesOf(from) < minutesOf(to);

const slot = z
  .strictObject({
    personId,
    /** 1 = Monday … 7 = Sunday */
    weekday: z.number().int().min(1).max(7),
    from: hhmm,
    to: hhmm,
  })
  .refine((s) => ordered(s.from, s.to), { path: ['to'], message: 'ends before it starts' });

const exception = z
  .strictObject({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD'),
    personId,
    /** true: not on duty that day; else on duty from `from` to `to` that day instead of their slots */
    off: z.boolean().optional(),
    from: hhmm.optional(),
    to: hhmm.optional(),
  })
  .superRefine((e, ctx) => {
    const shift = e.from !== undefined || e.to !== undefined;
    if (e.off === true && shift)
      ctx.addIssue({ code: 'custom', path: ['off'], message: 'a day off has no from and to' });
    else if (e.off !== true && (e.from === undefined || e.to === undefined))
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'either off: true, or a shift from … to' });
    else if (!ordered(e.from, e.to))
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'ends before it starts' });
  });

export const dutyRosterSchema = z.strictObject({
  timeZone: z.string().refine(isTimeZone, 'an IANA time zone such as Asia/Shanghai').default(CHINA_TIME_ZONE),
  slots: z.array(slot).max(1000),
  exceptions: z.array(exception).max(1000).default([]),
});
export type DutyRoster = z.infer<typeof dutyRosterSchema>;

/** Every person the roster names (its slots' and exceptions'). */
export function rosterPeople(r: DutyRoster): number[] {
  return [...new Set([...r.slots.map((s) => s.personId), ...r.exceptions.map((e) => e.personId)])];
}

/** Who is on duty at `at`, ascending by id. */
export function onDuty(r: DutyRoster, at: Date): number[] {
  const w = wallOf(at, r.timeZone);
  const date = `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
  const weekday = w.weekday === 0 ? 7 : w.weekday;
  const now = w.hour * 60 + w.minute;
  const within = (from: string, to: string) => minutesOf(from) <= now && now < minutesOf(to);
  const on = new Set<number>();
  for (const id of rosterPeople(r)) {
    const today = r.exceptions.filter((e) => e.date === date && e.personId === id);
    const working = today.length
      ? today.some((e) => !e.off && within(e.from!, e.to!))
      : r.slots.some((s) => s.personId === id && s.weekday === weekday && within(s.from, s.to));
    if (working) on.add(id);
  }
  return [...on].sort((a, b) => a - b);
}

/** Whose turn it is among `eligible` (ascending ids) after `last`: the next id above it, else the first. */
export function nextInTurn(eligible: number[], last: number | null): number | null {
  if (eligible.length === 0) return null;
  return eligible.find((id) => last === null || id > last) ?? eligible[0]!;
}
