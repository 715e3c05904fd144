import { describe, expect, it } from 'vitest';
import { dutyRosterSchema, nextInTurn, onDuty } from '../../../src/modules/complaints/duty-roster.js';

// 2026-12-07 is a Monday; 09:30 in Shanghai is 01:30 UTC
const mondayAt = (hhmm: string, zoneOffsetHours = 8) => {
  const [h, m] = hhmm.split(':').map(Number);
  return new Date(Date.UTC(2026, 11, 7, h! - zoneOffsetHours, m!));
};

describe('duty roster', () => {
  const roster = dutyRosterSchema.parse({
    slots: [
      { personId: 1, weekday: 1, from: '08:00', to: '12:00' },
      { personId: 2, weekday: 1, from: '12:00', to: '18:00' },
      { personId: 3, weekday: 1, from: '00:00', to: '24:00' },
      { personId: 1, weekday: 2, from: '08:00', to: '18:00' },
    ],
    exceptions: [
      { date: '2026-12-07', personId: 3, off: true },
      { date: '2026-12-07', personId: 4, from: '09:00', to: '10:00' },
    ],
  });

  it('weekly slots in China time, end excluded; an exception replaces the day (a day off, an extra shift)', () => {
    expect(roster.timeZone).toBe('Asia/Shanghai');
    expect(onDuty(roster, mondayAt('09:30'))).toEqual([1, 4]);
    expect(onDuty(roster, mondayAt('11:59'))).toEqual([1]);
    expect(onDuty(roster, mondayAt('12:00'))).toEqual([2]);
    expect(onDuty(roster, mondayAt('18:00'))).toEqual([]);
    // Tuesday 08:00 Shanghai: person 1's Tuesday slot, and 3 is back (the exception was Monday's)
    expect(onDuty(roster, new Date(Date.UTC(2026, 11, 8, 0, 0)))).toEqual([1]);
  });

  it('reads the wall clock of the roster’s own time zone', () => {
    const berlin = dutyRosterSchema.parse({
      timeZone: 'Europe/Berlin',
      slots: [{ personId: 7, weekday: 1, from: '09:00', to: '10:00' }],
    });
    expect(onDuty(berlin, mondayAt('09:30', 1))).toEqual([7]);
    expect(onDuty(berlin, mondayAt('09:30', 8))).toEqual([]);
  });

  it('turns go round in id order after the last', () => {
    expect(nextInTurn([2, 5, 9], null)).toBe(2);
    expect(nextInTurn([2, 5, 9], 5)).toBe(9);
    expect(nextInTurn([2, 5, 9], 9)).toBe(2);
    expect(nextInTurn([2, 5, 9], 3)).toBe(5);
    expect(nextInTurn([], 3)).toBeNull();
  });

  it('refuses a slot that ends before it starts, a bad time or zone, an exception that is neither off nor a shift — naming the field', () => {
    const paths = (input: unknown) => {
      const r = dutyRosterSchema.safeParse(input);
      return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    };
    expect(paths({ slots: [{ personId: 1, weekday: 1, from: '18:00', to: '08:00' }] })).toEqual([
      'slots.0.to',
    ]);
    expect(paths({ slots: [{ personId: 1, weekday: 8, from: '08:00', to: '9:00' }] })).toEqual([
      'slots.0.weekday',
      'slots.0.to',
    ]);
    expect(paths({ timeZone: 'Mars/Olympus', slots: [] })).toEqual(['timeZone']);
    expect(paths({ slots: [], exceptions: [{ date: '2026-12-07', personId: 1 }] })).toEqual([
      'exceptions.0.to',
    ]);
    expect(
      paths({ slots: [], exceptions: [{ date: '2026-12-07', personId: 1, from: '10:00', to: '09:00' }] }),
    ).toEqual(['exceptions.0.to']);
    expect(
      paths({ slots: [], exceptions: [{ date: '2026-12-07', personId: 1, off: true, from: '08:00' }] }),
    ).toEqual(['exceptions.0.off']);
  });
});
