import chineseDays from 'chinese-days';
import { afterEach, describe, expect, it } from 'vitest';
import {
  calendarSource,
  dueAt,
  HOLIDAY_DATA_YEARS,
  isWorkingDay,
  setYearArrangement,
  type WorkingHoursOptions,
  workingDayLengthMs,
  workingTimeBetween,
  yearArrangement,
} from '../../../src/kernel/time/china-calendar.js';
import { isoDurationSchema, parseIsoDuration } from '../../../src/kernel/time/iso-duration.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** An instant written as Beijing wall-clock time: cst('2026-03-03 10:00'). */
const cst = (wall: string) => new Date(`${wall.replace(' ', 'T')}+08:00`);
/** The instant back as Beijing wall-clock time, for readable failures. */
const wall = (d: Date) => new Date(d.getTime() + 8 * HOUR).toISOString().slice(0, 19).replace('T', ' ');
const due = (start: string, duration: string, opts?: WorkingHoursOptions) =>
  wall(dueAt(cst(start), duration, 'workdays', opts));

/**
 * chinese-days' own answer for a civil date. Its isWorkday() reads dates with the process's local-time
 * getters and keys its tables the same way, which is only right when the process TZ is at or east of
 * UTC; the cross-checks are skipped elsewhere (our calendar does not depend on the process TZ).
 */
function packageSaysWorkday(date: string): boolean {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return chineseDays.isWorkday(new Date(y, m - 1, d, 12));
}
const packageReliableHere = new Date(Date.UTC(2026, 1, 14)).getDate() === 14;

function datesBetween(first: string, last: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += 24 * HOUR) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

describe('parseIsoDuration', () => {
  it.each([
    ['PT2H', 2 * HOUR, { days: 0, hours: 2, minutes: 0, seconds: 0 }],
    ['P3D', 72 * HOUR, { days: 3, hours: 0, minutes: 0, seconds: 0 }],
    ['PT30S', 30_000, { days: 0, hours: 0, minutes: 0, seconds: 30 }],
    ['P1DT12H', 36 * HOUR, { days: 1, hours: 12, minutes: 0, seconds: 0 }],
    ['PT1H30M', 90 * MINUTE, { days: 0, hours: 1, minutes: 30, seconds: 0 }],
    ['PT90M', 90 * MINUTE, { days: 0, hours: 0, minutes: 90, seconds: 0 }],
    ['P1W', 7 * 24 * HOUR, { days: 7, hours: 0, minutes: 0, seconds: 0 }],
    ['P1W2D', 9 * 24 * HOUR, { days: 9, hours: 0, minutes: 0, seconds: 0 }],
    ['PT1.5S', 1_500, { days: 0, hours: 0, minutes: 0, seconds: 1.5 }],
    ['PT0.25S', 250, { days: 0, hours: 0, minutes: 0, seconds: 0.25 }],
    ['P0DT1M', MINUTE, { days: 0, hours: 0, minutes: 1, seconds: 0 }],
    ['P2DT3H4M5S', ((2 * 24 + 3) * 60 + 4) * MINUTE + 5_000, { days: 2, hours: 3, minutes: 4, seconds: 5 }],
  ])('accepts %s', (text, ms, parts) => {
    expect(parseIsoDuration(text)).toEqual({ ok: true, ms, parts });
  });

  it.each([
    ['P1M', 'months and years have no fixed length: use days (P30D)'],
    ['P1Y', 'months and years have no fixed length'],
    ['P1Y2M3D', 'months and years have no fixed length'],
    ['', 'empty duration'],
    ['P', 'no duration after "P"'],
    ['PT', '"T" must be followed by hours, minutes or seconds'],
    ['P1DT', '"T" must be followed by hours, minutes or seconds'],
    ['2H', 'starts with "P"'],
    ['pt2h', 'upper-case'],
    ['PT2h', 'upper-case'],
    ['-PT2H', 'negative durations are not allowed'],
    [' PT2H', 'white space'],
    ['PT0S', 'longer than zero'],
    ['P0D', 'longer than zero'],
    ['PT1.5H', 'only seconds may have a fraction'],
    ['PT1,5S', 'decimal separator'],
    ['PT1.2345S', 'at most three decimals'],
    ['PT5M1H', 'out of order'],
    ['P1D1D', 'days appear twice'],
    ['P1H', 'hours go after "T": write PT1H'],
    ['PT1D', 'days go before "T": write P1D'],
    ['PTH', 'expected a number'],
    ['PT2', 'has no unit'],
    ['P1DT2H3', 'has no unit'],
    ['PT2X', 'unknown unit "X"'],
    ['PT1HT', '"T" appears twice'],
    ['P3651D', 'longer than 3650 days'],
  ])('rejects %j: %s', (text, message) => {
    const parsed = parseIsoDuration(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toContain(message);
  });

  it('isoDurationSchema validates with the parser’s message and keeps the string', () => {
    expect(isoDurationSchema.parse('P1DT12H')).toBe('P1DT12H');
    const bad = isoDurationSchema.safeParse('P1M');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toBe(
      'invalid ISO 8601 duration "P1M": months and years have no fixed length: use days (P30D); for minutes write PT…M',
    );
    expect(isoDurationSchema.safeParse(7200).success).toBe(false);
  });
});

describe('natural calendar', () => {
  it('is plain elapsed time, holidays and nights included', () => {
    expect(wall(dueAt(cst('2026-02-13 17:00'), 'P1DT12H', 'natural'))).toBe('2026-02-15 05:00:00');
    expect(wall(dueAt(cst('2026-03-06 23:59'), 'PT30S', 'natural'))).toBe('2026-03-06 23:59:30');
    expect(dueAt(cst('2026-03-06 10:00'), { days: 0, hours: 1, minutes: 30, seconds: 0 }, 'natural')).toEqual(
      cst('2026-03-06 11:30'),
    );
    expect(workingTimeBetween(cst('2026-02-13 17:00'), cst('2026-02-24 10:00'), 'natural')).toBe(
      (10 * 24 + 17) * HOUR,
    );
  });
});

describe('workdays calendar', () => {
  it('counts within one working day (Tuesday 2026-03-03)', () => {
    expect(due('2026-03-03 10:00', 'PT2H')).toBe('2026-03-03 12:00:00');
    expect(due('2026-03-03 10:00', 'PT30S')).toBe('2026-03-03 10:00:30');
    expect(due('2026-03-03 09:00', 'PT1H30M')).toBe('2026-03-03 10:30:00');
  });

  it('stops at the end of the working day rather than rolling over', () => {
    expect(due('2026-03-03 17:00', 'PT1H')).toBe('2026-03-03 18:00:00');
  });

  it('carries over night to the next morning (Tue 2026-03-03 17:00 + PT2H = Wed 10:00)', () => {
    expect(due('2026-03-03 17:00', 'PT2H')).toBe('2026-03-04 10:00:00');
  });

  it('skips a weekend (Fri 2026-03-06 17:00 + PT2H = Mon 2026-03-09 10:00)', () => {
    expect(due('2026-03-06 17:00', 'PT2H')).toBe('2026-03-09 10:00:00');
    expect(isWorkingDay('2026-03-07')).toBe(false);
    expect(isWorkingDay('2026-03-08')).toBe(false);
  });

  describe('Spring Festival 2026: off Sun 2026-02-15 to Mon 2026-02-23, adjusted working Saturdays 2026-02-14 and 2026-02-28', () => {
    const offDays = datesBetween('2026-02-15', '2026-02-23');
    const adjustedWorkingSaturdays = ['2026-02-14', '2026-02-28'];

    it('isWorkingDay has these dates (and the ordinary weekdays around them)', () => {
      for (const date of datesBetween('2026-02-09', '2026-03-01')) {
        const expected =
          adjustedWorkingSaturdays.includes(date) || (!offDays.includes(date) && date !== '2026-03-01');
        expect([date, isWorkingDay(date)]).toEqual([date, expected]);
      }
    });

    it.skipIf(!packageReliableHere)('the dates agree with chinese-days’ own isWorkday and names', () => {
      for (const date of offDays) expect([date, packageSaysWorkday(date)]).toEqual([date, false]);
      for (const date of adjustedWorkingSaturdays) {
        expect([date, packageSaysWorkday(date)]).toEqual([date, true]);
        expect(chineseDays.getDayDetail(date).name).toContain('春节');
      }
      expect(packageSaysWorkday('2026-02-24')).toBe(true);
    });

    it('the adjusted working Saturday 2026-02-14 counts (Fri 2026-02-13 17:00 + PT2H = Sat 2026-02-14 10:00)', () => {
      expect(due('2026-02-13 17:00', 'PT2H')).toBe('2026-02-14 10:00:00');
    });

    it('from the eve of the holiday it resumes after it (Sat 2026-02-14 17:00 + PT2H = Tue 2026-02-24 10:00)', () => {
      expect(due('2026-02-14 17:00', 'PT2H')).toBe('2026-02-24 10:00:00');
      expect(due('2026-02-14 17:00', 'P1D')).toBe('2026-02-24 17:00:00');
    });

    it('a complaint made during the holiday starts counting on Tue 2026-02-24 09:00', () => {
      expect(due('2026-02-17 10:00', 'PT1H')).toBe('2026-02-24 10:00:00');
      expect(due('2026-02-23 23:59', 'PT30S')).toBe('2026-02-24 09:00:30');
    });

    it('the adjusted working Saturday 2026-02-28 counts too (Fri 2026-02-27 17:00 + PT2H = Sat 2026-02-28 10:00)', () => {
      expect(due('2026-02-27 17:00', 'PT2H')).toBe('2026-02-28 10:00:00');
      expect(due('2026-02-28 17:00', 'PT2H')).toBe('2026-03-02 10:00:00');
    });

    it('workingTimeBetween Fri 2026-02-13 17:00 and Tue 2026-02-24 10:00 is 1 h + 9 h (Sat 14th) + 1 h', () => {
      expect(workingTimeBetween(cst('2026-02-13 17:00'), cst('2026-02-24 10:00'), 'workdays')).toBe(
        11 * HOUR,
      );
    });
  });

  it('other holidays: New Year 2026 (off 2026-01-01..03, working Sunday 2026-01-04), National Day 2026', () => {
    expect(['2026-01-01', '2026-01-02', '2026-01-03'].map((d) => isWorkingDay(d))).toEqual([
      false,
      false,
      false,
    ]);
    expect(isWorkingDay('2026-01-04')).toBe(true);
    expect(due('2025-12-31 17:00', 'PT2H')).toBe('2026-01-04 10:00:00');
    expect(due('2026-09-30 17:00', 'PT2H')).toBe('2026-10-08 10:00:00');
    expect(isWorkingDay('2026-10-10')).toBe(true);
  });

  it.skipIf(!packageReliableHere)('agrees with chinese-days’ isWorkday on every day of 2025 and 2026', () => {
    const disagreements = datesBetween('2025-01-01', '2026-12-31').filter(
      (date) => isWorkingDay(date) !== packageSaysWorkday(date),
    );
    expect(disagreements).toEqual([]);
  });

  it('a start outside working hours begins at the next working period', () => {
    expect(due('2026-03-03 07:30', 'PT1H')).toBe('2026-03-03 10:00:00');
    expect(due('2026-03-03 18:00', 'PT1H')).toBe('2026-03-04 10:00:00');
    expect(due('2026-03-03 20:00', 'PT1H')).toBe('2026-03-04 10:00:00');
    expect(due('2026-03-07 11:00', 'PT1H')).toBe('2026-03-09 10:00:00');
    expect(due('2026-03-06 23:59', 'PT30S')).toBe('2026-03-09 09:00:30');
  });

  it('P1D is one working day = 9 working hours, unlike PT24H', () => {
    expect(workingDayLengthMs()).toBe(9 * HOUR);
    expect(due('2026-03-03 10:00', 'P1D')).toBe('2026-03-04 10:00:00');
    expect(due('2026-03-03 10:00', 'PT9H')).toBe('2026-03-04 10:00:00');
    expect(due('2026-03-06 17:00', 'P1D')).toBe('2026-03-09 17:00:00');
    // Three full working days from Tuesday's opening end at Thursday's close (not Friday 09:00).
    expect(due('2026-03-03 09:00', 'P3D')).toBe('2026-03-05 18:00:00');
    expect(due('2026-03-03 10:00', 'P1DT4H30M')).toBe('2026-03-04 14:30:00');
    // 24 working hours: 8 on Tue, 9 on Wed, 7 on Thu.
    expect(due('2026-03-03 10:00', 'PT24H')).toBe('2026-03-05 16:00:00');
    expect(due('2026-03-03 10:00', 'P1W')).toBe('2026-03-12 10:00:00');
    expect(
      wall(dueAt(cst('2026-03-03 10:00'), { days: 1, hours: 0, minutes: 0, seconds: 0 }, 'workdays')),
    ).toBe('2026-03-04 10:00:00');
  });

  it('custom working hours 08:30–17:30', () => {
    const opts = { workStart: '08:30', workEnd: '17:30' };
    expect(workingDayLengthMs(opts)).toBe(9 * HOUR);
    expect(due('2026-03-03 08:00', 'PT30M', opts)).toBe('2026-03-03 09:00:00');
    expect(due('2026-03-03 17:00', 'PT1H', opts)).toBe('2026-03-04 09:00:00');
    expect(due('2026-03-03 17:45', 'PT1H', opts)).toBe('2026-03-04 09:30:00');
    expect(due('2026-03-06 17:00', 'P1D', opts)).toBe('2026-03-09 17:00:00');
    expect(due('2026-03-06 17:30', 'P1D', opts)).toBe('2026-03-09 17:30:00');
    expect(workingTimeBetween(cst('2026-03-03 08:00'), cst('2026-03-03 18:00'), 'workdays', opts)).toBe(
      9 * HOUR,
    );
    // A half day: P1D is then 3 hours.
    expect(due('2026-03-03 11:00', 'P1D', { workStart: '09:00', workEnd: '12:00' })).toBe(
      '2026-03-04 11:00:00',
    );
  });

  it('another time zone: working hours and civil days follow it', () => {
    const utc = { timeZone: 'UTC' };
    expect(dueAt(new Date('2026-03-03T17:30:00Z'), 'PT1H', 'workdays', utc)).toEqual(
      new Date('2026-03-04T09:30:00Z'),
    );
    // 2026-02-23T20:00Z is a Tuesday morning (04:00) in Beijing but still the holiday Monday in UTC.
    expect(isWorkingDay(new Date('2026-02-23T20:00:00Z'))).toBe(true);
    expect(isWorkingDay(new Date('2026-02-23T20:00:00Z'), 'UTC')).toBe(false);
    expect(isWorkingDay(cst('2026-02-23 23:59'))).toBe(false);
  });

  describe('independent of the process time zone', () => {
    const originalTz = process.env.TZ;
    afterEach(() => {
      if (originalTz === undefined) delete process.env.TZ;
      else process.env.TZ = originalTz;
    });

    it.each([
      ['America/New_York', 300],
      ['Pacific/Kiritimati', -840],
      ['Asia/Shanghai', -480],
      ['UTC', 0],
    ])('TZ=%s', (tz, offsetMinutes) => {
      process.env.TZ = tz; // Node applies this at once
      expect(new Date('2026-03-03T12:00:00Z').getTimezoneOffset()).toBe(offsetMinutes);
      expect(due('2026-02-13 17:00', 'PT2H')).toBe('2026-02-14 10:00:00');
      expect(due('2026-02-14 17:00', 'PT2H')).toBe('2026-02-24 10:00:00');
      expect(due('2026-03-06 17:00', 'PT2H')).toBe('2026-03-09 10:00:00');
      expect(isWorkingDay(cst('2026-02-23 12:00'))).toBe(false);
      expect(isWorkingDay(cst('2026-02-28 12:00'))).toBe(true);
      expect(isWorkingDay(cst('2026-03-07 12:00'))).toBe(false);
    });
  });

  it('rejects bad input with clear errors', () => {
    expect(() => dueAt(cst('2026-03-03 10:00'), 'P1M', 'workdays')).toThrow(
      'invalid ISO 8601 duration "P1M": months and years have no fixed length',
    );
    expect(() => dueAt(new Date(Number.NaN), 'PT1H', 'natural')).toThrow('start must be a valid Date');
    expect(() => due('2026-03-03 10:00', 'PT1H', { workStart: '9:00' })).toThrow("workStart must be 'HH:MM'");
    expect(() => due('2026-03-03 10:00', 'PT1H', { workStart: '18:00', workEnd: '09:00' })).toThrow(
      'workEnd (09:00) must be after workStart (18:00)',
    );
    expect(() => due('2026-03-03 10:00', 'PT1H', { timeZone: 'Asia/Beijing' })).toThrow(
      'unknown time zone "Asia/Beijing"',
    );
    expect(() => isWorkingDay('2026-02-30')).toThrow("expected a date 'YYYY-MM-DD'");
    expect(() =>
      dueAt(cst('2026-03-03 10:00'), { days: -1, hours: 0, minutes: 0, seconds: 0 }, 'workdays'),
    ).toThrow('duration.days must be a non-negative number');
  });

  it('knows the official arrangement up to at least 2026', () => {
    expect(HOLIDAY_DATA_YEARS.first).toBe(2004);
    expect(HOLIDAY_DATA_YEARS.last).toBeGreaterThanOrEqual(2026);
  });

  it('a year past the data has at least the fixed-date holidays off; an operator’s entry takes precedence', () => {
    const year = HOLIDAY_DATA_YEARS.last + 1;
    expect(calendarSource(year)).toBe('fixed_dates');
    expect(isWorkingDay(`${year}-01-01`)).toBe(false);
    expect(isWorkingDay(`${year}-10-02`)).toBe(false);
    expect(yearArrangement(year).holidays).toEqual([
      `${year}-01-01`,
      `${year}-05-01`,
      `${year}-10-01`,
      `${year}-10-02`,
      `${year}-10-03`,
    ]);
    try {
      // the operator enters the year's notice: a Monday off, a Saturday on
      const monday = (() => {
        for (let d = 10; ; d++)
          if (new Date(Date.UTC(year, 1, d)).getUTCDay() === 1)
            return `${year}-02-${String(d).padStart(2, '0')}`;
      })();
      const saturday = (() => {
        for (let d = 10; ; d++)
          if (new Date(Date.UTC(year, 1, d)).getUTCDay() === 6)
            return `${year}-02-${String(d).padStart(2, '0')}`;
      })();
      expect(isWorkingDay(monday)).toBe(true);
      setYearArrangement(year, { holidays: [`${year}-01-01`, monday], workdays: [saturday] });
      expect(calendarSource(year)).toBe('operator');
      expect(isWorkingDay(monday)).toBe(false);
      expect(isWorkingDay(saturday)).toBe(true);
      // what the operator did not list is an ordinary day: 1 May is a working day on a weekday
      const mayDay = new Date(Date.UTC(year, 4, 1)).getUTCDay();
      expect(isWorkingDay(`${year}-05-01`)).toBe(mayDay >= 1 && mayDay <= 5);
      // an operator's correction of a year the package knows wins too
      setYearArrangement(2026, { holidays: ['2026-03-03'], workdays: [] });
      expect(isWorkingDay('2026-03-03')).toBe(false);
      expect(isWorkingDay('2026-10-01')).toBe(true);
    } finally {
      setYearArrangement(year, null);
      setYearArrangement(2026, null);
    }
    expect(calendarSource(2026)).toBe('package');
    expect(isWorkingDay('2026-10-01')).toBe(false);
    expect(isWorkingDay('2026-03-03')).toBe(true);
  });
});

describe('workingTimeBetween', () => {
  it('counts only working time', () => {
    expect(workingTimeBetween(cst('2026-03-06 17:00'), cst('2026-03-09 10:00'), 'workdays')).toBe(2 * HOUR);
    expect(workingTimeBetween(cst('2026-03-03 07:00'), cst('2026-03-03 20:00'), 'workdays')).toBe(9 * HOUR);
    expect(workingTimeBetween(cst('2026-03-07 07:00'), cst('2026-03-08 20:00'), 'workdays')).toBe(0);
    expect(workingTimeBetween(cst('2026-03-09 10:00'), cst('2026-03-06 17:00'), 'workdays')).toBe(-2 * HOUR);
  });

  it('round-trips with dueAt for many starts and durations, across the Spring Festival 2026', () => {
    const durations: [string, number][] = [
      ['PT30S', 30_000],
      ['PT2H', 2 * HOUR],
      ['PT1H30M', 90 * MINUTE],
      ['P1D', 9 * HOUR],
      ['P1DT4H30M', 13.5 * HOUR],
      ['PT24H', 24 * HOUR],
      ['P3D', 27 * HOUR],
      ['P2W', 14 * 9 * HOUR],
    ];
    const first = cst('2026-01-28 00:00').getTime();
    const last = cst('2026-03-10 00:00').getTime();
    let checked = 0;
    for (let t = first; t < last; t += 7 * HOUR + 13 * MINUTE + 7_000) {
      const start = new Date(t);
      for (const [duration, working] of durations) {
        const end = dueAt(start, duration, 'workdays');
        expect(workingTimeBetween(start, end, 'workdays')).toBe(working);
        // The deadline is the first instant at which that much working time has passed.
        expect(workingTimeBetween(start, new Date(end.getTime() - 1), 'workdays')).toBe(working - 1);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
