import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCjkFont } from '../../../src/kernel/media/png-renderer.js';
import { ADMIN, seedTree, startTestApp, type TestApp, tokenFor } from '../../support/app.js';
import { complaintFixture } from '../../support/complaint-fixture.js';
import { engines } from '../../support/env.js';
import { pngSize } from '../../support/png.js';

const HOUR = 3_600_000;
/** an instant of a day at noon, China time */
const day = (ymd: string) => new Date(`${ymd}T12:00:00+08:00`);
const plus = (d: Date, hours: number) => new Date(d.getTime() + hours * HOUR);

describe.each(engines())('the monthly digest over HTTP on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;

  /** a complaint filed at `at` with its row as `set` says */
  const file = (compoundId: number, category: string, at: Date, set: Record<string, unknown>) =>
    complaintFixture(t, compoundId, category, {
      created_at: at,
      ack_due_at: plus(at, 2),
      resolve_due_at: plus(at, 72),
      ...set,
    });

  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
    const a = tree.compoundA;
    const nov = day('2026-11-10');
    // November: two lifts complaints closed satisfied at the compound, one noise still open
    for (const h of [1, 3])
      await file(a, 'lifts', nov, {
        status: 'closed',
        acknowledged_at: plus(nov, h),
        resolved_at: plus(nov, 24),
        closed_at: plus(nov, 30),
        rating: 'satisfied',
        rated_at: plus(nov, 30),
      });
    await file(a, 'noise', nov, { status: 'accepted', acknowledged_at: plus(nov, 1) });
    // the last hour of October 31 (China time) is October's, not November's
    const oct = new Date('2026-10-31T23:30:00+08:00');
    await file(a, 'parking', oct, {
      status: 'closed',
      acknowledged_at: plus(oct, 1),
      resolved_at: plus(oct, 100),
      closed_at: plus(oct, 101),
      rating: 'dissatisfied',
      rated_at: plus(oct, 101),
    });
  });
  afterAll(() => t.close());

  it('the month beside the month before, China time, and the text a residents’ group reads', async () => {
    const r = await t.call({ method: 'GET', url: `/api/v1/orgs/${tree.compoundA}/digest?month=2026-11` });
    expect(r.status).toBe(200);
    const d = r.body;
    expect(d).toMatchObject({ orgId: tree.compoundA, month: '2026-11', previousMonth: '2026-10' });
    expect(d.current.counts).toMatchObject({ total: 3, open: 1 });
    expect(d.current.counts.byStatus.closed).toBe(2);
    expect(d.current.rates.satisfaction).toEqual({ rate: 1, numerator: 2, denominator: 2 });
    expect(d.current.rates.response).toEqual({ rate: 2 / 3, numerator: 2, denominator: 3 });
    expect(d.previous.counts.total).toBe(1);
    expect(d.previous.rates.satisfaction).toEqual({ rate: 0, numerator: 0, denominator: 1 });
    const lines = String(d.text).split('\n');
    expect(lines[0]).toMatch(/^【.+ 11月报事情况】$/);
    expect(lines).toContain('收到报事 3 件，已办结 2 件，仍在处理 1 件（上月收到 1 件）。');
    expect(lines).toContain('满意率 100%（2/2），比上月高 100 个百分点');
    expect(lines).toContain('响应率 67%（2/3），比上月低 33 个百分点');
    expect(lines).toContain('受理用时中位数 1.0 小时，办结用时中位数 1.0 天。');
    expect(lines).toContain('最多的是：电梯 2 件、噪音扰民 1 件。');
    expect(lines).toContain('在小区内解决 100%（2/2）。');
  });

  it('as CSV; a bad or future month is 400 naming month; another org is 404', async () => {
    const csv = await t.call({
      method: 'GET',
      url: `/api/v1/orgs/${tree.compoundA}/digest.csv?month=2026-11`,
    });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const rows = String(csv.body)
      .replace(/^\uFEFF/, '')
      .split('\r\n');
    expect(rows[0]).toBe('month,metric,value,numerator,denominator');
    expect(rows).toContain('2026-11,total,3,,');
    expect(rows).toContain('2026-10,total,1,,');
    for (const month of ['2026-13', '26-11', '2099-01']) {
      const bad = await t.call({
        method: 'GET',
        url: `/api/v1/orgs/${tree.compoundA}/digest?month=${month}`,
      });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain('"month"');
    }
    const b = await tokenFor(t, tree.compoundB, 'viewer');
    const other = await t.call({ method: 'GET', url: `/api/v1/orgs/${tree.compoundA}/digest`, token: b });
    expect(other.status).toBe(404);
    // without a month: the last complete month
    const last = await t.call({ method: 'GET', url: `/api/v1/orgs/${tree.compoundB}/digest`, token: b });
    expect(last.status).toBe(200);
    expect(last.body.month).toMatch(/^\d{4}-\d{2}$/);
  });

  it.skipIf(!findCjkFont())(
    'as the chart posted with it (PNG); the same checks of org and month',
    async () => {
      const png = (url: string, token = ADMIN) =>
        t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      const r = await png(`/api/v1/orgs/${tree.compoundA}/digest.png?month=2026-11`);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('image/png');
      expect(pngSize(r.rawPayload)).toEqual({ width: 960, height: 540 });
      expect((await png(`/api/v1/orgs/${tree.compoundA}/digest.png?month=2026-13`)).statusCode).toBe(400);
      const b = await tokenFor(t, tree.compoundB, 'viewer');
      expect((await png(`/api/v1/orgs/${tree.compoundA}/digest.png`, b)).statusCode).toBe(404);
    },
  );
});
