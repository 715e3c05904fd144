import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../../support/app.js';
import { engines } from '../../support/env.js';
import { seedRegister } from '../../support/owners.js';

describe.each(engines())('proposals API on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  let reg: Awaited<ReturnType<typeof seedRegister>>;
  const future = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
    reg = await seedRegister(t.db, t.services, tree.compoundA);
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (url: string, body: object, token?: string) => t.call({ method: 'POST', url, body, token });
  const get = (url: string, token?: string | null) => t.call({ method: 'GET', url, token });

  it('refuses bad proposals with 400 naming the field, writing nothing', async () => {
    const base = { orgId: tree.compoundA, title: '加装电梯', rule: 'art278-major', closesAt: future(48) };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, opensAt: future(50) }, 'closesAt'],
      [{ ...base, opensAt: new Date(Date.now() - 3_600_000).toISOString() }, 'opensAt'],
      [{ ...base, rule: 'unanimous' }, 'rule'],
      [{ ...base, orgId: tree.community }, 'orgId'],
      [{ ...base, options: ['好'] }, 'options'],
      [{ ...base, closesAt: 'tomorrow' }, 'closesAt'],
    ];
    for (const [body, field] of cases) {
      const r = await post('/api/v1/proposals', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(r.body.error.details), field).toContain(field);
    }
    expect((await t.db.query('SELECT * FROM linli.proposals')).rows).toEqual([]);
  });

  it('creates, opens now, takes paper ballots, verifies the log and its receipts; scoped tokens', async () => {
    const created = await post('/api/v1/proposals', {
      orgId: tree.compoundA,
      title: '使用维修基金更换水泵',
      body: '预算 12 万元',
      rule: 'art278-ordinary',
      closesAt: future(72),
      reminderHours: [24],
    });
    expect(created.status).toBe(201);
    const p = created.body;
    expect(p).toMatchObject({
      status: 'open',
      options: ['同意', '反对', '弃权'],
      reminderHours: [24],
      totals: {
        area: '340.00',
        owners: 4,
        unitsWithoutNamedVoter: [reg.unnamed],
        unitsWithoutOwner: [reg.empty],
      },
      turnout: { owners: { total: 4, participating: 0 } },
    });

    const admin = await tokenFor(t, tree.compoundA, 'admin');
    const viewer = await tokenFor(t, tree.compoundA, 'viewer');
    const other = await tokenFor(t, tree.compoundB, 'admin');
    const paper = (body: object, token = admin) => post(`/api/v1/proposals/${p.id}/ballots`, body, token);

    const first = await paper({ personId: reg.jia, option: '同意', evidence: '纸质票 001' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ seq: 1, kind: 'cast', option: '同意' });
    expect(
      (await paper({ personId: reg.bing, option: '乱选', evidence: 'x' })).body.error.details[0].field,
    ).toBe('option');
    const notOwner = await paper({ personId: reg.outsider, option: '同意', evidence: 'x' });
    expect(notOwner.status).toBe(403);
    expect(notOwner.body.error.details[0].field).toBe('personId');
    expect((await paper({ personId: reg.bing, option: '同意', evidence: 'x' }, viewer)).status).toBe(403);
    expect((await paper({ personId: reg.bing, option: '同意', evidence: 'x' }, other)).status).toBe(404);
    expect((await get(`/api/v1/proposals/${p.id}`, other)).status).toBe(404);
    expect((await get(`/api/v1/proposals/${p.id}`, viewer)).status).toBe(200);
    expect((await paper({ personId: reg.bing, option: '同意' })).body.error.details[0].field).toBe(
      'body.evidence',
    );
    await paper({ personId: reg.bing, option: '反对', evidence: '纸质票 002' });
    await paper({ personId: reg.bing, option: '同意', evidence: '纸质票 002 更正' });

    const live = await get(`/api/v1/proposals/${p.id}/result`);
    expect(live.body).toMatchObject({
      final: false,
      turnout: { owners: { participating: 2 }, area: { participating: '230.00' } },
    });
    expect(live.body.options[0]).toMatchObject({ option: '同意', owners: 2 });
    // 2 of 4 owners have voted: one more makes two thirds of the headcount
    expect(live.body.outlook).toMatchObject({
      remaining: { owners: 2 },
      participation: { reached: false, reachable: true, short: { owners: 1 } },
      option: { name: '同意', canStillPass: true },
    });
    expect(live.body.outlook.words['zh-CN']).toMatch(/^还差 1 户.*参与即达三分之二/);

    // while open, the log needs a token of the compound
    const noToken = await get(`/api/v1/proposals/${p.id}/audit`, null);
    expect(noToken.status).toBe(401);
    expect((await get(`/api/v1/proposals/${p.id}/audit/verify`, null)).status).toBe(401);
    expect((await get('/api/v1/proposals/999999/audit', null)).status).toBe(401);
    const audit = await get(`/api/v1/proposals/${p.id}/audit`, viewer);
    expect(
      audit.body.entries.map((e: { entry: { voter: number; paper: boolean } }) => [
        e.entry.voter,
        e.entry.paper,
      ]),
    ).toEqual([
      [reg.jia, true],
      [reg.bing, true],
      [reg.bing, true],
    ]);
    expect((await get(`/api/v1/proposals/${p.id}/audit/verify`)).body).toMatchObject({
      ok: true,
      entries: 3,
    });
    const receipt = await get(`/api/v1/proposals/${p.id}/audit/receipts/${first.body.receipt}`);
    expect(receipt.body).toMatchObject({ found: true, counted: true, seq: 1, option: '同意' });

    // someone edits a ballot in the database: verify names the row
    await t.db.query(
      `UPDATE linli.ballot_log SET entry = jsonb_set(entry, '{option}', '"反对"') WHERE proposal_id = $1 AND seq = 1`,
      [p.id],
    );
    expect((await get(`/api/v1/proposals/${p.id}/audit/verify`)).body).toMatchObject({
      ok: false,
      firstBrokenSeq: 1,
    });

    // cancel is only before opening
    const cancel = await post(`/api/v1/proposals/${p.id}/cancel`, {});
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.details[0].field).toBe('status');

    // closing (its time moved into the past, as the worker would find it)
    await t.db.query(
      `UPDATE linli.proposals SET opens_at = now() - interval '2 hours', closes_at = now() - interval '1 minute' WHERE id = $1`,
      [p.id],
    );
    expect(await t.services.votes.closeIfDue(p.id)).toBe(true);
    const result = await get(`/api/v1/proposals/${p.id}/result`);
    expect(result.body).toMatchObject({
      final: true,
      passed: false,
      area: { total: '340.00', participating: '230.00', participationPct: '67.6' },
      owners: { total: 4, participating: 2, participationPct: '50.0' },
    });
    expect(result.body.reason['zh-CN']).toBe('未通过：参与表决的业主人数占比 50.0%（2/4），低于三分之二');
    expect(result.body.log).toEqual({ entries: 3, head: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // once closed, anyone may read and check the log: no token
    const open = await get(`/api/v1/proposals/${p.id}/audit`, null);
    expect(open.status).toBe(200);
    expect(open.body.proposal).toMatchObject({ rule: p.rule, status: 'closed', result: { passed: false } });
    expect(open.body.electorate).toHaveLength(4);
    const publicVerify = await get(`/api/v1/proposals/${p.id}/audit/verify`, null);
    expect(publicVerify.body).toMatchObject({ ok: false, firstBrokenSeq: 1 }); // the edit above
    // a bad token is still refused (only a missing one reads the public log)
    expect((await get(`/api/v1/proposals/${p.id}/audit`, 'not-a-token')).status).toBe(401);
    const late = await paper({ personId: reg.ding, option: '同意', evidence: '迟到的票' });
    expect(late.status).toBe(409);
    expect(late.body.error.details[0].field).toBe('proposalId');
    expect((await get(`/api/v1/orgs/${tree.compoundA}/proposals`, viewer)).body.items).toHaveLength(1);
  });

  it('cancels a scheduled proposal', async () => {
    const r = await post('/api/v1/proposals', {
      orgId: tree.compoundA,
      title: '小区八景命名',
      options: ['翠湖', '竹林', '石桥'],
      rule: 'simple',
      opensAt: future(1),
      closesAt: future(24),
      secret: true,
    });
    expect(r.body).toMatchObject({ status: 'scheduled', totals: null, secret: true });
    const c = await post(`/api/v1/proposals/${r.body.id}/cancel`, {});
    expect(c.body.status).toBe('cancelled');
    const viewer = await tokenFor(t, tree.compoundA, 'viewer');
    expect((await post(`/api/v1/proposals/${r.body.id}/cancel`, {}, viewer)).status).toBe(403);
  });
});
