import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../../support/app.js';
import { engines } from '../../support/env.js';

const HOUR = 3600_000;

describe.each(engines())('property companies and evaluations over HTTP on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  const compounds: Record<'A' | 'B' | 'C' | 'D', number> = { A: 0, B: 0, C: 0, D: 0 };
  const companies: Record<'A' | 'B' | 'C' | 'D', number> = { A: 0, B: 0, C: 0, D: 0 };
  const units: Record<string, number[]> = {};

  const post = (url: string, body: unknown, token?: string) =>
    t.call({ method: 'POST', url: `/api/v1${url}`, body: body as object, ...(token ? { token } : {}) });
  const get = (url: string, token?: string) =>
    t.call({ method: 'GET', url: `/api/v1${url}`, ...(token ? { token } : {}) });
  const fieldOf = (r: { body: { error: { details: { field?: string }[] } } }) =>
    r.body.error.details.map((d) => d.field);
  const campaign = async (extra: Record<string, unknown> = {}) => {
    const r = await post('/evaluations', {
      orgId: tree.community,
      opensAt: new Date().toISOString(),
      closesAt: new Date(Date.now() + 24 * HOUR).toISOString(),
      ...extra,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await t.services.evaluations.openIfDue(r.body.id);
    return r.body as { id: number; targets: { compoundId: number; companyId: number }[] };
  };
  const all = (v: number) => ({
    security: v,
    sanitation: v,
    greening: v,
    repair_speed: v,
    facility_upkeep: v,
    communication: v,
  });

  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
    compounds.A = tree.compoundA;
    compounds.B = tree.compoundB;
    for (const k of ['C', 'D'] as const) {
      const r = await post('/orgs', { kind: 'compound', name: `${k}小区`, parentId: tree.community });
      compounds[k] = r.body.id;
    }
    for (const k of ['A', 'B', 'C', 'D'] as const) {
      const n = k === 'C' ? 5 : 4;
      await t.services.units.importUnits(
        SYSTEM_ACTOR,
        compounds[k],
        Array.from({ length: n }, (_, i) => ({
          building: '1栋',
          unit: '1单元',
          room: `${101 + i}`,
          area: '80',
          owners: [{ name: `${k}业主${i}` }],
        })),
      );
      const { rows } = await t.db.query<{ id: number }>(
        'SELECT id FROM linli.units WHERE compound_id = $1 ORDER BY id',
        [compounds[k]],
      );
      units[k] = rows.map((r) => r.id);
      const c = await post('/property-companies', { orgId: tree.community, name: `${k}物业` });
      expect(c.status).toBe(201);
      companies[k] = c.body.id;
      const k2 = await post(`/property-companies/${c.body.id}/contracts`, {
        compoundId: compounds[k],
        startsOn: '2020-01-01',
      });
      expect(k2.status, JSON.stringify(k2.body)).toBe(201);
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('lists companies with their contracts and refuses an overlapping contract, naming startsOn', async () => {
    const list = await get('/property-companies');
    expect(list.body.items.map((c: { name: string }) => c.name)).toEqual([
      'A物业',
      'B物业',
      'C物业',
      'D物业',
    ]);
    expect(list.body.items[0].contracts[0]).toMatchObject({
      compoundId: compounds.A,
      startsOn: '2020-01-01',
      endsOn: null,
    });
    const overlap = await post(`/property-companies/${companies.B}/contracts`, {
      compoundId: compounds.A,
      startsOn: '2025-01-01',
      endsOn: '2025-12-31',
    });
    expect(overlap.status).toBe(409);
    expect(fieldOf(overlap)).toEqual(['startsOn']);
    const backwards = await post(`/property-companies/${companies.B}/contracts`, {
      compoundId: compounds.A,
      startsOn: '2019-05-01',
      endsOn: '2019-01-01',
    });
    expect(fieldOf(backwards)).toEqual(['endsOn']);
    const notCompound = await post(`/property-companies/${companies.B}/contracts`, {
      compoundId: tree.community,
      startsOn: '2019-01-01',
    });
    expect(fieldOf(notCompound)).toEqual(['compoundId']);
  });

  it('refuses bad campaigns with a 400 naming the field, writing nothing', async () => {
    const now = Date.now();
    const base = {
      orgId: tree.community,
      opensAt: new Date(now + HOUR).toISOString(),
      closesAt: new Date(now + 2 * HOUR).toISOString(),
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ closesAt: new Date(now + HOUR / 2).toISOString() }, 'closesAt'],
      [{ opensAt: new Date(now - HOUR).toISOString() }, 'opensAt'],
      [{ criteria: ['security', 'swimming_pool'] }, 'criteria.1'],
      [{ criteria: [] }, 'criteria'],
      [{ weights: { survey: 0.5, onTime: 0.2, satisfaction: 0.2 } }, 'weights'],
      [{ compoundIds: [] }, 'compoundIds'],
      [{ compoundIds: [compounds.A, tree.community] }, 'compoundIds.1'],
      [{ companyId: companies.A, compoundIds: [compounds.B] }, 'compoundIds.0'],
      // a company with no compound inside the scope org
      [{ orgId: compounds.B, companyId: companies.A }, 'companyId'],
    ];
    for (const [extra, field] of cases) {
      const r = await post('/evaluations', { ...base, ...extra });
      expect(r.status, `${field}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(fieldOf(r), field).toContain(field);
    }
    // a compound with no property company under contract: nothing in scope
    const bare = await post('/orgs', { kind: 'compound', name: '无物业小区', parentId: tree.community });
    const none = await post('/evaluations', { ...base, orgId: bare.body.id });
    expect(none.status).toBe(400);
    expect(fieldOf(none)).toEqual(['orgId']);
    const zod = await post('/evaluations', { ...base, closesAt: 'tomorrow' });
    expect(zod.status).toBe(400);
    expect(fieldOf(zod)).toEqual(['body.closesAt']);
    expect((await get('/evaluations')).body.items).toEqual([]);
  });

  it('scores, combines with complaint rates and ranks with ties (1, 2, 2, 4); red and black lists', async () => {
    const c = await campaign({ title: '2026年第四季度物业服务评价' });
    expect(c.targets.map((x) => [x.compoundId, x.companyId])).toEqual(
      (['A', 'B', 'C', 'D'] as const).map((k) => [compounds[k], companies[k]]),
    );
    const answer = async (k: string, i: number, v: Record<string, number>) => {
      const r = await post(`/evaluations/${c.id}/responses`, { unitId: units[k]![i], scores: v });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    };
    // A: 4.0 (2 of 4 units); B: 4.0 plus complaints (on time 1/2, satisfied 1/2); C: 3.6; D: 2.0
    await answer('A', 0, all(4));
    await answer('A', 1, all(4));
    for (const [i, v] of [4, 4, 4, 4].entries()) await answer('B', i, all(v));
    for (const [i, v] of [4, 4, 4, 3, 3].entries()) await answer('C', i, all(v));
    await answer('D', 0, { ...all(2), security: 1, communication: 3 });
    await t.db.query(
      `INSERT INTO linli.complaints (number, org_id, level_org_id, category, description, status,
         resolve_due_at, resolved_at, closed_at, rating, rated_at, created_at)
       VALUES ('T-1', $1, $1, 'repairs', '单元门坏了', 'closed', now() + interval '1 hour', now(), now(), 'satisfied', now(), now() - interval '3 days'),
              ('T-2', $1, $1, 'repairs', '楼道灯坏了', 'closed', now() - interval '2 hours', now() - interval '1 hour', now(), 'dissatisfied', now(), now() - interval '3 days')`,
      [compounds.B],
    );

    const results = (await get(`/evaluations/${c.id}/results`)).body;
    const a = results.compounds.find((x: { id: number }) => x.id === compounds.A);
    expect(a).toMatchObject({
      units: 4,
      responses: 2,
      responseRate: 0.5,
      overall: 4,
      score: 75,
      companyName: 'A物业',
    });
    expect(a.means).toEqual(all(4));
    const d = results.compounds.find((x: { id: number }) => x.id === compounds.D);
    expect(d.means).toMatchObject({ security: 1, sanitation: 2, communication: 3 });
    expect(d.overall).toBe(2);
    const b = results.companies.find((x: { id: number }) => x.id === companies.B);
    expect(b).toMatchObject({
      overall: 4,
      onTime: { rate: 0.5, numerator: 1, denominator: 2 },
      satisfaction: { rate: 0.5, numerator: 1, denominator: 2 },
      // 0.6 × 75 + 0.2 × 50 + 0.2 × 50
      score: 65,
    });

    const ranking = (await get(`/evaluations/${c.id}/ranking`)).body;
    expect(ranking.by).toBe('company');
    expect(
      ranking.items.map((x: { name: string; rank: number; score: number }) => [x.name, x.rank, x.score]),
    ).toEqual([
      ['A物业', 1, 75],
      ['B物业', 2, 65],
      ['C物业', 2, 65],
      ['D物业', 4, 25],
    ]);
    expect(ranking.red.map((x: { name: string }) => x.name)).toEqual(['A物业', 'B物业', 'C物业']);
    expect(ranking.black.map((x: { name: string }) => x.name)).toEqual(['D物业']);
    const byCompound = (await get(`/evaluations/${c.id}/ranking?by=compound`)).body;
    expect(byCompound.items.map((x: { rank: number }) => x.rank)).toEqual([1, 2, 2, 4]);

    // weights are configurable: the survey alone ties A and B (4.0 each)
    const surveyOnly = await campaign({ weights: { survey: 1, onTime: 0, satisfaction: 0 }, listSize: 1 });
    for (const k of ['A', 'B'] as const)
      await post(`/evaluations/${surveyOnly.id}/responses`, { unitId: units[k]![0], scores: all(4) });
    await post(`/evaluations/${surveyOnly.id}/responses`, { unitId: units.C![0], scores: all(3) });
    const r2 = (await get(`/evaluations/${surveyOnly.id}/ranking`)).body;
    expect(r2.items.map((x: { name: string; rank: number | null }) => [x.name, x.rank])).toEqual([
      ['A物业', 1],
      ['B物业', 1],
      ['C物业', 3],
      ['D物业', null],
    ]);
    expect(r2.red.map((x: { name: string }) => x.name)).toEqual(['A物业', 'B物业']);
    expect(r2.black.map((x: { name: string }) => x.name)).toEqual(['C物业']);
    await post(`/evaluations/${surveyOnly.id}/cancel`, {});
    await post(`/evaluations/${c.id}/cancel`, {});
  });

  it('one response per unit: of two at once, one counts and the other is refused; bad scores name the field', async () => {
    const c = await campaign({ compoundIds: [compounds.A], criteria: ['security', 'sanitation'] });
    const bad = await post(`/evaluations/${c.id}/responses`, {
      unitId: units.A![0],
      scores: { security: 6, sanitation: 3 },
    });
    expect(bad.status).toBe(400);
    expect(fieldOf(bad)).toEqual(['scores.security']);
    const unknown = await post(`/evaluations/${c.id}/responses`, {
      unitId: units.A![0],
      scores: { security: 3, sanitation: 3, greening: 4 },
    });
    expect(fieldOf(unknown)).toEqual(['scores.greening']);
    const outside = await post(`/evaluations/${c.id}/responses`, {
      unitId: units.B![0],
      scores: { security: 3, sanitation: 3 },
    });
    expect(outside.status).toBe(400);
    expect(fieldOf(outside)).toEqual(['unitId']);

    const race = await Promise.all(
      [5, 1].map((v) =>
        post(`/evaluations/${c.id}/responses`, {
          unitId: units.A![0],
          scores: { security: v, sanitation: v },
        }),
      ),
    );
    expect(race.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(fieldOf(race.find((r) => r.status === 409)!)).toEqual(['unitId']);
    // and through the service, as two residents of one unit answering in chat at the same moment
    const both = await Promise.all(
      [1, 2].map(() =>
        t.db.transaction((tx) =>
          t.services.evaluations.record(tx, {
            campaignId: c.id,
            unitId: units.A![1]!,
            personId: null,
            scores: { security: 4, sanitation: 4 },
            comment: null,
            channel: 'telegram',
          }),
        ),
      ),
    );
    expect(both.map((r) => (r.ok ? 'ok' : r.refusal)).sort()).toEqual(['duplicate', 'ok']);
    const { rows } = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM linli.evaluation_responses WHERE campaign_id = $1',
      [c.id],
    );
    expect(rows[0]!.n).toBe(2);

    // closed: a clear refusal and nothing recorded
    const closed = await post(`/evaluations/${c.id}/close`, {});
    expect(closed.body.status).toBe('closed');
    const late = await post(`/evaluations/${c.id}/responses`, {
      unitId: units.A![2],
      scores: { security: 3, sanitation: 3 },
    });
    expect(late.status).toBe(409);
    expect(late.body.error.details).toEqual([{ field: 'status', message: 'closed' }]);
    expect((await get(`/evaluations/${c.id}`)).body.targets[0].responses).toBe(2);
    expect((await post(`/evaluations/${c.id}/cancel`, {})).status).toBe(409);
  });

  it('keeps campaigns inside the token’s subtree', async () => {
    const c = await campaign({ compoundIds: [compounds.A] });
    const other = await tokenFor(t, compounds.B, 'admin');
    expect((await get(`/evaluations/${c.id}`, other)).status).toBe(404);
    expect((await get(`/evaluations/${c.id}/results`, other)).status).toBe(404);
    const viewer = await tokenFor(t, tree.community, 'viewer');
    expect((await get(`/evaluations/${c.id}/ranking`, viewer)).status).toBe(200);
    expect((await post(`/evaluations/${c.id}/cancel`, {}, viewer)).status).toBe(403);
    // the compound's own staff enter its paper forms; another compound's token cannot
    const own = await tokenFor(t, compounds.A, 'admin');
    const paper = await post(`/evaluations/${c.id}/responses`, { unitId: units.A![3], scores: all(3) }, own);
    expect(paper.status, JSON.stringify(paper.body)).toBe(201);
    expect(
      (await post(`/evaluations/${c.id}/responses`, { unitId: units.B![3], scores: all(3) }, other)).status,
    ).toBe(404);
    expect(
      (await post(`/evaluations/${c.id}/responses`, { unitId: units.A![2], scores: all(3) }, other)).status,
    ).toBe(404);
    await post(`/evaluations/${c.id}/cancel`, {});
  });
});
