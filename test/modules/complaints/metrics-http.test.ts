import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../../support/app.js';
import { complaintFixture } from '../../support/complaint-fixture.js';
import { engines } from '../../support/env.js';

const HOUR = 3_600_000;

describe.each(engines())('complaint metrics over HTTP on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  // every fixture complaint is filed at T, a month ago, so its deadlines have passed unless set ahead
  const T = new Date(Math.floor(Date.now() / HOUR) * HOUR - 30 * 24 * HOUR);
  const at = (hours: number) => new Date(T.getTime() + hours * HOUR);
  const range = `from=${encodeURIComponent(at(-24).toISOString())}&to=${encodeURIComponent(at(240).toISOString())}`;
  const A = { building: '3栋', unit: '2单元', room: '501' };

  const file = (
    compoundId: number,
    category: string,
    set: Record<string, unknown>,
    loc?: { building: string; unit: string; room: string },
  ) =>
    complaintFixture(
      t,
      compoundId,
      category,
      { created_at: T, ack_due_at: at(2), resolve_due_at: at(72), ...set },
      loc,
    );

  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
    const a = tree.compoundA;
    // c1: acknowledged and resolved in time, 满意, closed at the compound
    await file(
      a,
      'parking',
      {
        status: 'closed',
        acknowledged_at: at(1),
        resolved_at: at(24),
        closed_at: at(30),
        rating: 'satisfied',
        rated_at: at(30),
      },
      A,
    );
    // c2: acknowledged late, resolved late, 基本满意, closed at the compound; same address as c1
    await file(
      a,
      'parking',
      {
        status: 'closed',
        acknowledged_at: at(3),
        resolved_at: at(96),
        closed_at: at(100),
        rating: 'basically_satisfied',
        rated_at: at(100),
      },
      A,
    );
    // c3: in time, closed unrated at the community level
    await file(a, 'noise', {
      status: 'closed',
      level: 'community',
      level_org_id: tree.community,
      acknowledged_at: at(0.5),
      resolved_at: at(48),
      closed_at: at(120),
    });
    // c4: 不满意 reopened it; waiting again for acknowledgement, past the deadline (overdue)
    await file(a, 'noise', {
      status: 'reopened',
      rating: 'dissatisfied',
      rated_at: at(50),
      reopen_count: 1,
      ack_due_at: at(120),
      resolve_due_at: at(240),
    });
    // c5: just filed, deadlines ahead: neither due nor overdue
    await file(a, 'sanitation', {
      ack_due_at: new Date(Date.now() + HOUR),
      resolve_due_at: new Date(Date.now() + 72 * HOUR),
    });
    // c6: rejected before any acknowledgement: out of the response rate
    await file(a, 'repairs', { status: 'rejected' });
    // c7: escalated for a missed acknowledgement deadline, then acknowledged at the community
    const c7 = await file(a, 'repairs', {
      status: 'accepted',
      level: 'community',
      level_org_id: tree.community,
      acknowledged_at: at(3),
      ack_due_at: at(6),
      resolve_due_at: new Date(Date.now() + 48 * HOUR),
      escalations: 1,
    });
    await t.db.query(
      `INSERT INTO linli.complaint_events (complaint_id, actor_label, type, from_status, to_status, level_org_id, note)
       VALUES ($1, 'system', 'escalate', 'submitted', 'submitted', $2, 'ack deadline passed at level compound')`,
      [c7, tree.community],
    );
    // outside the range: not counted (and not a third complaint from the address)
    await file(a, 'parking', { created_at: at(-240) }, A);
    // the other compound
    await file(
      tree.compoundB,
      'parking',
      { status: 'closed', acknowledged_at: at(1), resolved_at: at(5), rating: 'satisfied' },
      A,
    );
  });
  afterAll(() => t.close());

  it('computes counts, the three rates, medians, levels, categories and repeat addresses', async () => {
    const r = await t.call({
      method: 'GET',
      url: `/api/v1/metrics/complaints?orgId=${tree.compoundA}&${range}`,
    });
    expect(r.status).toBe(200);
    const m = r.body;
    expect(m.orgId).toBe(tree.compoundA);
    expect(m.counts).toEqual({
      total: 7,
      open: 3,
      overdue: 1,
      byStatus: {
        submitted: 1,
        accepted: 1,
        in_progress: 0,
        resolved: 0,
        closed: 3,
        rejected: 1,
        reopened: 1,
        withdrawn: 0,
      },
    });
    // c1, c3 in time; c2 late; c4 waiting past its deadline; c7 escalated for a missed deadline
    expect(m.rates.response).toEqual({ rate: 0.4, numerator: 2, denominator: 5 });
    expect(m.rates.onTimeResolution).toEqual({ rate: 2 / 3, numerator: 2, denominator: 3 });
    // rated c1 满意, c2 基本满意, c4 不满意; c3 closed unrated counts against resolution only
    expect(m.rates.satisfaction).toEqual({ rate: 2 / 3, numerator: 2, denominator: 3 });
    expect(m.rates.resolution).toEqual({ rate: 0.5, numerator: 2, denominator: 4 });
    expect(m.unratedClosed).toBe(1);
    // acknowledged after 0.5h, 1h, 3h, 3h: (1 + 3) / 2 = 2h; resolved after 24h, 48h, 96h
    expect(m.medianSeconds).toEqual({ acknowledge: 2 * 3600, resolve: 48 * 3600 });
    expect(m.closedByLevel).toEqual({
      compound: { rate: 2 / 3, numerator: 2, denominator: 3 },
      community: { rate: 1 / 3, numerator: 1, denominator: 3 },
      subdistrict: { rate: 0, numerator: 0, denominator: 3 },
      district: { rate: 0, numerator: 0, denominator: 3 },
      city: { rate: 0, numerator: 0, denominator: 3 },
    });
    expect(m.topCategories).toEqual([
      { code: 'noise', zh: '噪音扰民', en: 'Noise', count: 2 },
      { code: 'parking', zh: '停车', en: 'Parking', count: 2 },
      { code: 'repairs', zh: '公共设施维修', en: 'Repairs of common parts', count: 2 },
      { code: 'sanitation', zh: '垃圾/卫生', en: 'Garbage and sanitation', count: 1 },
    ]);
    expect(m.repeatUnits).toEqual({
      units: 1,
      complaints: 2,
      top: [
        { orgId: tree.compoundA, compound: '甲小区', building: '3栋', unit: '2单元', room: '501', count: 2 },
      ],
    });
  });

  it('without a range counts everything; an empty range gives null rates', async () => {
    const all = await t.call({ method: 'GET', url: `/api/v1/metrics/complaints?orgId=${tree.compoundA}` });
    expect(all.body.counts.total).toBe(8);
    expect(all.body.repeatUnits.complaints).toBe(3);
    const none = await t.call({
      method: 'GET',
      url: `/api/v1/metrics/complaints?orgId=${tree.compoundA}&from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z`,
    });
    expect(none.body.counts.total).toBe(0);
    expect(none.body.rates.response).toEqual({ rate: null, numerator: 0, denominator: 0 });
    expect(none.body.medianSeconds).toEqual({ acknowledge: null, resolve: null });
    expect(none.body.topCategories).toEqual([]);
    const bad = await t.call({
      method: 'GET',
      url: `/api/v1/metrics/complaints?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('to');
  });

  it('is scoped: a compound token sees its own numbers; another org is 404', async () => {
    const b = await tokenFor(t, tree.compoundB, 'viewer');
    const own = await t.call({ method: 'GET', url: `/api/v1/metrics/complaints?${range}`, token: b });
    expect(own.status).toBe(200);
    expect(own.body.orgId).toBe(tree.compoundB);
    expect(own.body.counts.total).toBe(1);
    expect(own.body.rates.satisfaction).toEqual({ rate: 1, numerator: 1, denominator: 1 });
    // the same address in another compound is not a repeat of compound A's
    expect(own.body.repeatUnits.units).toBe(0);
    for (const orgId of [tree.compoundA, tree.community, 999999]) {
      const r = await t.call({ method: 'GET', url: `/api/v1/metrics/complaints?orgId=${orgId}`, token: b });
      expect(r.status).toBe(404);
    }
    const csv = await t.call({
      method: 'GET',
      url: `/api/v1/metrics/complaints.csv?orgId=${tree.compoundA}`,
      token: b,
    });
    expect(csv.status).toBe(404);
    const community = await tokenFor(t, tree.community, 'viewer');
    const all = await t.call({ method: 'GET', url: `/api/v1/metrics/complaints?${range}`, token: community });
    expect(all.body.counts.total).toBe(8);
    expect(all.body.repeatUnits.units).toBe(1);
    expect((await t.call({ method: 'GET', url: '/api/v1/metrics/complaints', token: null })).status).toBe(
      401,
    );
  });

  it('exports the same figures as CSV with a BOM, one metric per row', async () => {
    const r = await t.call({
      method: 'GET',
      url: `/api/v1/metrics/complaints.csv?orgId=${tree.compoundA}&${range}`,
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(r.headers['content-disposition']).toContain('attachment');
    const text = r.body as string;
    expect(text.startsWith('\uFEFF')).toBe(true);
    const lines = text.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe('metric,value,numerator,denominator');
    for (const line of lines) expect(line.split(',')).toHaveLength(4);
    const row = (metric: string) => lines.find((l) => l.startsWith(`${metric},`));
    expect(row('total')).toBe('total,7,,');
    expect(row('status.closed')).toBe('status.closed,3,,');
    expect(row('response_rate')).toBe('response_rate,0.4,2,5');
    expect(row('resolution_rate')).toBe('resolution_rate,0.5,2,4');
    expect(row('satisfaction_rate')).toBe(`satisfaction_rate,${2 / 3},2,3`);
    expect(row('unrated_closed')).toBe('unrated_closed,1,,');
    expect(row('median_resolve_seconds')).toBe(`median_resolve_seconds,${48 * 3600},,`);
    expect(row('closed_at_level.city')).toBe('closed_at_level.city,0,0,3');
    expect(row('category.parking 停车')).toBe('category.parking 停车,2,,');
    expect(row('repeat_unit.甲小区 3栋2单元501')).toBe('repeat_unit.甲小区 3栋2单元501,2,,');
    const empty = await t.call({
      method: 'GET',
      url: `/api/v1/metrics/complaints.csv?orgId=${tree.compoundA}&from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z`,
    });
    expect((empty.body as string).split('\r\n')).toContain('response_rate,,0,0');
  });
});
