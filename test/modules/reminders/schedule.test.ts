import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/kernel/access/errors.js';
import { civilDate } from '../../../src/kernel/time/zone.js';
import {
  compileSchedule,
  type HolidayPolicy,
  type Schedule,
} from '../../../src/modules/reminders/schedule.js';
import { checkTemplate, renderTemplate } from '../../../src/modules/reminders/template.js';

const T0 = new Date('2026-01-01T00:00:00+08:00');
const SH = 'Asia/Shanghai';

function next(s: Schedule, count: number, policy: HolidayPolicy = 'off', from = T0) {
  return compileSchedule(s, policy, T0).after(from, count);
}
/** Local 'YYYY-MM-DD HH:MM' in Shanghai. */
function local(ds: Date[], tz = SH) {
  return ds.map((d) => {
    const t = new Intl.DateTimeFormat('en-GB', {
      timeZone: tz,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(d);
    return `${civilDate(d, tz)} ${t}`;
  });
}
function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.details[0]?.field;
    throw err;
  }
  return undefined;
}

describe('reminder schedules', () => {
  it('the first Monday of each month at 19:30 Shanghai time', () => {
    const ds = next({ rrule: 'FREQ=MONTHLY;BYDAY=1MO;BYHOUR=19;BYMINUTE=30', tz: SH }, 4);
    expect(ds.map((d) => d.toISOString())).toEqual([
      '2026-01-05T11:30:00.000Z',
      '2026-02-02T11:30:00.000Z',
      '2026-03-02T11:30:00.000Z',
      '2026-04-06T11:30:00.000Z',
    ]);
  });

  it('month ends: the 31st skips short months, BYMONTHDAY=-1 and cron L land on the last day (Feb, leap year)', () => {
    expect(local(next({ rrule: 'FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=9;BYMINUTE=0', tz: SH }, 4))).toEqual([
      '2026-01-31 09:00',
      '2026-03-31 09:00',
      '2026-05-31 09:00',
      '2026-07-31 09:00',
    ]);
    expect(local(next({ rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=9;BYMINUTE=0', tz: SH }, 3))).toEqual([
      '2026-01-31 09:00',
      '2026-02-28 09:00',
      '2026-03-31 09:00',
    ]);
    const leap = new Date('2028-02-01T00:00:00+08:00');
    expect(local(next({ cron: '0 9 L * *', tz: SH }, 2, 'off', leap))).toEqual([
      '2028-02-29 09:00',
      '2028-03-31 09:00',
    ]);
    expect(local(next({ cron: '0 9 31 * *', tz: SH }, 2))).toEqual(['2026-01-31 09:00', '2026-03-31 09:00']);
    // the month end in Shanghai is not the month end in UTC: 31 Jan 01:00 local is 30 Jan UTC
    expect(next({ cron: '0 1 31 1 *', tz: SH }, 1)[0]!.toISOString()).toBe('2026-01-30T17:00:00.000Z');
  });

  it('cron in a time zone follows its offset, across a DST change', () => {
    const ny = next(
      { cron: '30 19 * * 1', tz: 'America/New_York' },
      2,
      'off',
      new Date('2026-03-01T00:00:00Z'),
    );
    expect(ny.map((d) => d.toISOString())).toEqual(['2026-03-03T00:30:00.000Z', '2026-03-09T23:30:00.000Z']);
    expect(next({ cron: '30 19 * * 1', tz: SH }, 1)[0]!.toISOString()).toBe('2026-01-05T11:30:00.000Z');
  });

  it('skip: National Day 2026 is off, the 调休 Saturday 10 October is a working day', () => {
    const from = new Date('2026-09-29T00:00:00+08:00');
    expect(local(next({ cron: '0 9 * * *', tz: SH }, 6, 'skip', from))).toEqual([
      '2026-09-29 09:00',
      '2026-09-30 09:00',
      '2026-10-08 09:00',
      '2026-10-09 09:00',
      '2026-10-10 09:00',
      '2026-10-12 09:00',
    ]);
  });

  it('skip: Spring Festival 2026 (15–23 Feb off, Saturdays 14 and 28 Feb worked)', () => {
    const from = new Date('2026-02-12T00:00:00+08:00');
    expect(local(next({ rrule: 'FREQ=DAILY;BYHOUR=8;BYMINUTE=30', tz: SH }, 8, 'skip', from))).toEqual([
      '2026-02-12 08:30',
      '2026-02-13 08:30',
      '2026-02-14 08:30',
      '2026-02-24 08:30',
      '2026-02-25 08:30',
      '2026-02-26 08:30',
      '2026-02-27 08:30',
      '2026-02-28 08:30',
    ]);
  });

  it('previous: the last working day of each month (a worked Saturday stays, a weekend moves back)', () => {
    const rule = { rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=10;BYMINUTE=0', tz: SH };
    expect(local(next(rule, 5, 'previous'))).toEqual([
      '2026-01-30 10:00', // 31 Jan is a Saturday
      '2026-02-28 10:00', // a Saturday, but a 调休 working day
      '2026-03-31 10:00',
      '2026-04-30 10:00',
      '2026-05-29 10:00', // 31 May is a Sunday
    ]);
    // the last working day of each quarter
    const quarter = { rrule: 'FREQ=MONTHLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1;BYHOUR=10;BYMINUTE=0', tz: SH };
    expect(local(next(quarter, 4, 'previous'))).toEqual([
      '2026-03-31 10:00',
      '2026-06-30 10:00',
      '2026-09-30 10:00',
      '2026-12-31 10:00',
    ]);
  });

  it('previous and next move a holiday occurrence by whole days; two landing on one day count once', () => {
    const first = { rrule: 'FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=10;BYMINUTE=0', tz: SH };
    const from = new Date('2026-09-15T00:00:00+08:00');
    expect(local(next(first, 2, 'previous', from))).toEqual(['2026-09-30 10:00', '2026-10-30 10:00']);
    expect(local(next(first, 2, 'next', from))).toEqual(['2026-10-08 10:00', '2026-11-02 10:00']);
    const daily = { cron: '0 10 * * *', tz: SH };
    // 1–7 October all move to 30 September, which has its own occurrence: one
    expect(local(next(daily, 3, 'previous', new Date('2026-09-29T12:00:00+08:00')))).toEqual([
      '2026-09-30 10:00',
      '2026-10-08 10:00',
      '2026-10-09 10:00',
    ]);
    // a raw occurrence before `from` moved past it still counts
    expect(local(next(daily, 1, 'next', new Date('2026-10-05T12:00:00+08:00')))).toEqual([
      '2026-10-08 10:00',
    ]);
  });

  it('a one-off time', () => {
    const at = '2026-03-02T19:30:00+08:00';
    expect(next({ at }, 3).map((d) => d.toISOString())).toEqual(['2026-03-02T11:30:00.000Z']);
    expect(next({ at: '2026-10-01T10:00:00+08:00' }, 1, 'skip')).toEqual([]);
    expect(local(next({ at: '2026-10-01T10:00:00+08:00' }, 1, 'previous'))).toEqual(['2026-09-30 10:00']);
  });

  it('names the field of an impossible schedule', () => {
    const f = (s: Schedule, policy: HolidayPolicy = 'off') => fieldOf(() => compileSchedule(s, policy, T0));
    expect(f({ cron: '0 0 30 2 *', tz: SH })).toBe('schedule.cron');
    expect(f({ cron: '61 * * * *', tz: SH })).toBe('schedule.cron');
    expect(f({ cron: '0 9 * *', tz: SH })).toBe('schedule.cron');
    expect(f({ cron: '0 9 * * *', tz: 'Mars/Olympus' })).toBe('schedule.tz');
    expect(f({ rrule: 'FREQ=SOMETIMES', tz: SH })).toBe('schedule.rrule');
    expect(f({ rrule: 'FOO=1;FREQ=DAILY', tz: SH })).toBe('schedule.rrule');
    expect(f({ rrule: 'FREQ=SECONDLY', tz: SH })).toBe('schedule.rrule');
    expect(f({ at: 'tomorrow' })).toBe('schedule.at');
    expect(f({ at: '2026-03-02T19:30:00' })).toBe('schedule.at');
    expect(f({ cron: '* * * * *', tz: SH }, 'previous')).toBe('skipHolidays');
    expect(f({ rrule: 'FREQ=MONTHLY;BYDAY=1MO;BYHOUR=19;BYMINUTE=30', tz: SH })).toBeUndefined();
    // never matches: compiles, but has no occurrence
    expect(next({ rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', tz: SH }, 1)).toEqual([]);
  });

  it('an embedded DTSTART with TZID and COUNT', () => {
    const s = { rrule: 'DTSTART;TZID=Asia/Shanghai:20260105T193000\nRRULE:FREQ=WEEKLY;COUNT=2', tz: SH };
    expect(local(next(s, 5))).toEqual(['2026-01-05 19:30', '2026-01-12 19:30']);
  });
});

describe('reminder templates', () => {
  it('fills date, time, weekday and org in zh-CN and en; {{ }} are literal', () => {
    const at = new Date('2026-03-02T11:30:00Z');
    expect(
      renderTemplate('{org}：{date}（{weekday}）{time} 召开联席会议 {{备注}}', {
        at,
        timeZone: SH,
        org: '阳光小区',
        locale: 'zh-CN',
      }),
    ).toBe('阳光小区：2026年3月2日（星期一）19:30 召开联席会议 {备注}');
    expect(renderTemplate('{date} {weekday} {time}', { at, timeZone: SH, org: 'x', locale: 'en' })).toBe(
      '2026-03-02 Monday 19:30',
    );
  });

  it('an unknown variable or a lone brace is a 400 on text', () => {
    expect(fieldOf(() => checkTemplate('会议 {place}'))).toBe('text');
    expect(fieldOf(() => checkTemplate('会议 {date'))).toBe('text');
    expect(fieldOf(() => checkTemplate('会议 {date} {{ok}}'))).toBeUndefined();
  });
});
