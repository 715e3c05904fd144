import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  HOLIDAY_DATA_YEARS,
  isWorkingDay,
  setYearArrangement,
} from '../../../src/kernel/time/china-calendar.js';
import { CalendarService } from '../../../src/modules/calendar/service.js';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../../support/app.js';
import { engines } from '../../support/env.js';

/** the first year the package does not know (2027 with chinese-days 1.5.7) */
const NEXT = HOLIDAY_DATA_YEARS.last + 1;

describe.each(engines())('the holiday calendar an operator maintains (%s)', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
  });
  afterAll(() => t.close());
  afterEach(() => setYearArrangement(NEXT, null));

  const arrangement = {
    holidays: [`${NEXT}-01-01`, `${NEXT}-02-08`, `${NEXT}-02-09`, `${NEXT}-02-10`],
    workdays: [`${NEXT}-02-06`],
  };

  it('shows the year in force and where it comes from: the package’s, or the fixed-date holidays only', async () => {
    const known = await t.call({ method: 'GET', url: `/api/v1/calendar/${HOLIDAY_DATA_YEARS.last}` });
    expect(known.status).toBe(200);
    expect(known.body).toMatchObject({ source: 'package', updatedAt: null });
    expect(known.body.holidays).toContain(`${HOLIDAY_DATA_YEARS.last}-10-01`);
    const unknown = await t.call({ method: 'GET', url: `/api/v1/calendar/${NEXT}` });
    expect(unknown.body).toMatchObject({
      source: 'fixed_dates',
      holidays: ['01-01', '05-01', '10-01', '10-02', '10-03'].map((d) => `${NEXT}-${d}`),
      workdays: [],
    });
    expect((await t.call({ method: 'GET', url: '/api/v1/calendar/1999' })).status).toBe(400);
  });

  it('a superuser enters next year’s notice: in force at once here, and in another process at its refresh', async () => {
    const put = await t.call({ method: 'PUT', url: `/api/v1/calendar/${NEXT}`, body: arrangement });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ source: 'operator', ...arrangement, updatedBy: expect.any(String) });
    expect(isWorkingDay(`${NEXT}-02-08`)).toBe(false);
    expect(isWorkingDay(`${NEXT}-02-06`)).toBe(true);
    // another process: nothing in force until it reads the database
    setYearArrangement(NEXT, null);
    expect(isWorkingDay(`${NEXT}-02-08`)).toBe(true);
    expect(await new CalendarService(t.db).refresh()).toBe(1);
    expect(isWorkingDay(`${NEXT}-02-08`)).toBe(false);
    const audit = await t.call({ method: 'GET', url: '/api/v1/audit?action=calendar.put' });
    expect(JSON.stringify(audit.body)).toContain('calendar.put');
  });

  it('bad dates are 400 naming each; a scoped token is 403; nothing is written', async () => {
    const stored = async () =>
      (await t.db.query('SELECT year, holidays, workdays FROM linli.calendar_years')).rows;
    const before = await stored();
    const bad = await t.call({
      method: 'PUT',
      url: `/api/v1/calendar/${NEXT}`,
      body: {
        holidays: [`${NEXT}-01-01`, `${NEXT}-02-30`, `${NEXT - 1}-12-31`, `${NEXT}-01-01`],
        workdays: [`${NEXT}-01-01`],
      },
    });
    expect(bad.status).toBe(400);
    const fields = bad.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(['holidays.1', 'holidays.2', 'holidays.3', 'workdays.0']);
    expect(JSON.stringify(bad.body)).toContain('both off and working');
    const scoped = await tokenFor(t, tree.compoundA, 'admin');
    const refused = await t.call({
      method: 'PUT',
      url: `/api/v1/calendar/${NEXT}`,
      body: arrangement,
      token: scoped,
    });
    expect(refused.status).toBe(403);
    expect((await t.call({ method: 'GET', url: `/api/v1/calendar/${NEXT}` })).body.source).toBe(
      'fixed_dates',
    );
    expect(await stored()).toEqual(before);
  });

  it('takes the notice as CSV too (a header, 休/班 or holiday/workday, notes); a bad line is 400 naming it', async () => {
    const csv = [
      '\uFEFFdate,kind,note',
      `${NEXT}-01-01,休,元旦`,
      `${NEXT}-02-08,holiday,春节`,
      `${NEXT}-02-09,off`,
      '# 调休',
      `${NEXT}-02-06,班,春节调休`,
      '',
    ].join('\r\n');
    const headers = { 'content-type': 'text/csv; charset=utf-8' };
    const put = await t.call({ method: 'PUT', url: `/api/v1/calendar/${NEXT}`, body: csv, headers });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({
      source: 'operator',
      holidays: [`${NEXT}-01-01`, `${NEXT}-02-08`, `${NEXT}-02-09`],
      workdays: [`${NEXT}-02-06`],
    });
    expect(isWorkingDay(`${NEXT}-02-09`)).toBe(false);

    const bad = await t.call({
      method: 'PUT',
      url: `/api/v1/calendar/${NEXT}`,
      body: `${NEXT}-03-01,休\n${NEXT}-02-30,休\n${NEXT}-03-01,班\n`,
      headers,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'line 2',
      'line 3',
    ]);
    const kind = await t.call({
      method: 'PUT',
      url: `/api/v1/calendar/${NEXT}`,
      body: `${NEXT}-03-01,放假\n`,
      headers,
    });
    expect(kind.status).toBe(400);
    expect(kind.body.error.details).toEqual([{ field: 'line 1', message: expect.stringContaining('放假') }]);
    // what was in force stays
    expect((await t.call({ method: 'GET', url: `/api/v1/calendar/${NEXT}` })).body.holidays).toHaveLength(3);
  });

  it('from 1 December, next year unknown to both is what an operator must be told of', async () => {
    const at = (iso: string) => new CalendarService(t.db, () => new Date(iso));
    expect(at(`${NEXT - 1}-11-30T12:00:00+08:00`).needsNextYear()).toBeNull();
    expect(at(`${NEXT - 1}-12-01T00:30:00+08:00`).needsNextYear()).toBe(NEXT);
    await t.call({ method: 'PUT', url: `/api/v1/calendar/${NEXT}`, body: arrangement });
    expect(at(`${NEXT - 1}-12-01T00:30:00+08:00`).needsNextYear()).toBeNull();
  });
});
