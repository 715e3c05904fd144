import { z } from 'zod';

/**
 * ISO 8601 durations for escalation policies: `PT2H`, `P3D`, `P1DT12H`, `PT1H30M`, `PT30S` (the demo).
 *
 * Grammar (upper-case only, components in this order, each at most once, at least one):
 *
 *     P [n W] [n D] [T [n H] [n M] [n S]]
 *
 * - `W` is accepted and means 7 days (it may be combined with `D`, as Temporal allows: `P1W2D` = 9 days).
 * - `Y` and `M` before the `T` (years, months) are rejected: they have no fixed length.
 * - Only seconds may carry a fraction (`PT1.5S`), to millisecond precision at most.
 * - Negative and zero durations are rejected; so is anything longer than {@link MAX_DURATION_DAYS} days.
 *
 * The parts are returned as written (not normalised: `PT90M` is 90 minutes, weeks are folded into days),
 * because the workdays calendar treats days differently from hours: `P1D` is one working day, `PT24H` is
 * 24 hours of working time (see deadline-calendar.ts).
 */
export interface DurationParts {
  days: number;
  hours: number;
  minutes: number;
  /** May have up to three decimals. */
  seconds: number;
}

export type ParsedDuration = { ok: true; ms: number; parts: DurationParts } | { ok: false; message: string };

/** Upper bound for a duration (10 years): anything longer is a typo in a policy, not a deadline. */
export const MAX_DURATION_DAYS = 3650;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

type Unit = 'W' | 'D' | 'H' | 'M' | 'S';
/** Position of each designator in the grammar; components must appear in increasing rank. */
const RANK: Record<Unit, number> = { W: 0, D: 1, H: 2, M: 3, S: 4 };
const UNIT_NAME: Record<Unit, string> = { W: 'weeks', D: 'days', H: 'hours', M: 'minutes', S: 'seconds' };

const NUMBER = /^(\d+)(?:([.,])(\d+))?/;

function fail(message: string): ParsedDuration {
  return { ok: false, message };
}

export function parseIsoDuration(text: string): ParsedDuration {
  if (typeof text !== 'string') return fail('expected a string such as "PT2H" or "P3D"');
  if (text === '') return fail('empty duration: write e.g. PT2H (2 hours) or P3D (3 days)');
  if (text.startsWith('-')) return fail('negative durations are not allowed');
  if (text.trim() !== text) return fail('unexpected white space around the duration');
  if (text.startsWith('p')) return fail('ISO 8601 durations use upper-case letters: write "P…", e.g. PT2H');
  if (!text.startsWith('P'))
    return fail('an ISO 8601 duration starts with "P", e.g. PT2H (2 hours) or P3D (3 days)');

  const values: Record<Unit, number> = { W: 0, D: 0, H: 0, M: 0, S: 0 };
  let inTime = false;
  let timeComponents = 0;
  let components = 0;
  let lastRank = -1;
  let i = 1;

  while (i < text.length) {
    const ch = text[i]!;
    if (ch === 'T') {
      if (inTime) return fail('"T" appears twice');
      inTime = true;
      i++;
      continue;
    }
    const match = NUMBER.exec(text.slice(i));
    if (!match) {
      if (ch === 't') return fail('ISO 8601 durations use upper-case letters: write "T", not "t"');
      return fail(`expected a number at position ${i + 1}, found "${ch}"`);
    }
    const [numberText, whole, separator, fraction] = match;
    i += numberText.length;
    const designator = text[i];
    if (designator === undefined) {
      return fail(`the number ${numberText} has no unit: add D, H, M or S (e.g. P${numberText}D)`);
    }
    i++;

    if (designator === 'Y') return fail('months and years have no fixed length: use days (P365D)');
    if (!inTime && designator === 'M') {
      return fail('months and years have no fixed length: use days (P30D); for minutes write PT…M');
    }
    if (!isUnit(designator)) {
      if (/[a-z]/.test(designator) && isUnit(designator.toUpperCase())) {
        return fail(`ISO 8601 durations use upper-case letters: write "${designator.toUpperCase()}"`);
      }
      return fail(`unknown unit "${designator}": use W, D (days) or, after T, H, M, S`);
    }
    if (!inTime && (designator === 'H' || designator === 'S')) {
      return fail(`${UNIT_NAME[designator]} go after "T": write PT${numberText}${designator}`);
    }
    if (inTime && (designator === 'W' || designator === 'D')) {
      return fail(`${UNIT_NAME[designator]} go before "T": write P${numberText}${designator}`);
    }
    const rank = RANK[designator];
    if (rank === lastRank) return fail(`${UNIT_NAME[designator]} appear twice`);
    if (rank < lastRank) return fail('components are out of order: the order is PnWnDTnHnMnS');
    lastRank = rank;

    if (separator !== undefined) {
      if (designator !== 'S') {
        return fail(`only seconds may have a fraction: write e.g. PT1H30M rather than PT1.5H`);
      }
      if (separator === ',') return fail('use a dot as the decimal separator (PT1.5S)');
      if (fraction!.length > 3) return fail('seconds have at most three decimals (millisecond precision)');
    }
    const value = Number(separator === undefined ? whole : `${whole}.${fraction}`);
    if (!Number.isSafeInteger(Number(whole))) return fail(`the number ${numberText} is too large`);
    values[designator] = value;
    components++;
    if (inTime) timeComponents++;
  }

  if (components === 0) {
    return fail(
      inTime
        ? '"T" must be followed by hours, minutes or seconds (PT2H)'
        : 'no duration after "P": write e.g. PT2H or P3D',
    );
  }
  if (inTime && timeComponents === 0) {
    return fail('"T" must be followed by hours, minutes or seconds: write P1D, not P1DT');
  }

  const parts: DurationParts = {
    days: values.W * 7 + values.D,
    hours: values.H,
    minutes: values.M,
    seconds: values.S,
  };
  const ms = durationPartsToMs(parts);
  if (ms === 0) return fail('the duration must be longer than zero');
  if (ms > MAX_DURATION_DAYS * DAY_MS) return fail(`the duration is longer than ${MAX_DURATION_DAYS} days`);
  return { ok: true, ms, parts };
}

/** Elapsed milliseconds of the parts, days counted as 24 hours. */
export function durationPartsToMs(parts: DurationParts): number {
  return (
    parts.days * DAY_MS + parts.hours * HOUR_MS + parts.minutes * MINUTE_MS + Math.round(parts.seconds * 1000)
  );
}

function isUnit(s: string): s is Unit {
  return Object.hasOwn(RANK, s);
}

/** A string holding a valid ISO 8601 duration (see {@link parseIsoDuration}); the output stays the string. */
export const isoDurationSchema = z
  .string()
  .superRefine((value, ctx) => {
    const parsed = parseIsoDuration(value);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: `invalid ISO 8601 duration "${value}": ${parsed.message}` });
    }
  })
  .meta({
    description: 'ISO 8601 duration: days and/or hours, minutes, seconds, e.g. PT2H, P3D, P1DT12H, PT30S',
    example: 'PT2H',
  });
