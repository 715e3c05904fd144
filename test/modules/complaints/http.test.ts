import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertComplaint } from '../../../src/modules/complaints/repository.js';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../../support/app.js';
import { engines } from '../../support/env.js';

describe.each(engines())('complaints over HTTP on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  let id: number;
  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
    id = await t.db.transaction(async (tx) => {
      const c = await t.services.complaints.file(tx, {
        compoundId: tree.compoundA,
        reporterId: null,
        anonymous: true,
        category: 'parking',
        description: '车位被占',
        photos: [],
      });
      return c.id;
    });
  });
  afterAll(() => t.close());

  it('sets and reads an escalation policy, refusing bad durations by field', async () => {
    const bad = await t.call({
      method: 'PUT',
      url: `/api/v1/orgs/${tree.city}/escalation-policy`,
      body: { calendar: 'workdays', levels: { compound: { '*': { ack: 'P1M', resolve: 'P3D' } } } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('body.levels.compound.*.ack');
    for (const warnAtPercent of [0, 100, 12.5]) {
      const share = await t.call({
        method: 'PUT',
        url: `/api/v1/orgs/${tree.city}/escalation-policy`,
        body: { calendar: 'natural', levels: {}, warnAtPercent },
      });
      expect(share.status, String(warnAtPercent)).toBe(400);
      expect(share.body.error.details[0].field).toBe('body.warnAtPercent');
    }
    const good = await t.call({
      method: 'PUT',
      url: `/api/v1/orgs/${tree.city}/escalation-policy`,
      body: {
        calendar: 'workdays',
        levels: {
          compound: { '*': { ack: 'PT2H', resolve: 'P3D' }, repairs: { ack: 'PT1H', resolve: 'P1D' } },
        },
      },
    });
    expect(good.status).toBe(200);
    expect(
      (await t.call({ method: 'GET', url: `/api/v1/orgs/${tree.city}/escalation-policy` })).body.calendar,
    ).toBe('workdays');
  });

  it('lists and acts on complaints, with the timeline and 409 for a forbidden move', async () => {
    const list = await t.call({ method: 'GET', url: `/api/v1/complaints?orgId=${tree.compoundA}` });
    expect(list.body.items[0]).toMatchObject({
      id,
      status: 'submitted',
      level: 'compound',
      orgId: tree.compoundA,
      levelOrgId: tree.compoundA,
      reporterId: null,
    });
    expect(list.body.items[0].ackDueAt).toBeTruthy();
    const accepted = await t.call({
      method: 'POST',
      url: `/api/v1/complaints/${id}/actions`,
      body: { action: 'accept' },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.events.map((e: { type: string }) => e.type)).toEqual(['submitted', 'accept']);
    const bad = await t.call({
      method: 'POST',
      url: `/api/v1/complaints/${id}/actions`,
      body: { action: 'close' },
    });
    expect(bad.status).toBe(409);
    expect(bad.body.error.code).toBe('invalid_transition');
  });

  it('another compound’s token gets 404; a viewer gets 403', async () => {
    const otherAdmin = await tokenFor(t, tree.compoundB, 'admin');
    expect((await t.call({ method: 'GET', url: `/api/v1/complaints/${id}`, token: otherAdmin })).status).toBe(
      404,
    );
    expect(
      (
        await t.call({
          method: 'POST',
          url: `/api/v1/complaints/${id}/actions`,
          token: otherAdmin,
          body: { action: 'start' },
        })
      ).status,
    ).toBe(404);
    const viewer = await tokenFor(t, tree.compoundA, 'viewer');
    expect((await t.call({ method: 'GET', url: `/api/v1/complaints/${id}`, token: viewer })).status).toBe(
      200,
    );
    expect(
      (
        await t.call({
          method: 'POST',
          url: `/api/v1/complaints/${id}/actions`,
          token: viewer,
          body: { action: 'start' },
        })
      ).status,
    ).toBe(403);
    const community = await tokenFor(t, tree.community, 'admin');
    expect(
      (await t.call({ method: 'GET', url: `/api/v1/complaints?orgId=${tree.community}`, token: community }))
        .body.items,
    ).toHaveLength(1);
  });

  it('hides an anonymous reporter below the community level, shows them from the community up', async () => {
    const person = await t.call({
      method: 'POST',
      url: '/api/v1/people',
      body: { name: '匿名者', orgId: tree.compoundA },
    });
    const anon = await t.db.transaction(async (tx) =>
      insertComplaint(tx, {
        compoundId: tree.compoundA,
        reporterId: person.body.id,
        anonymous: true,
        category: 'noise',
        description: '夜里很吵',
        photos: [],
      }),
    );
    const compoundAdmin = await tokenFor(t, tree.compoundA, 'admin');
    const communityAdmin = await tokenFor(t, tree.community, 'admin');
    expect(
      (await t.call({ method: 'GET', url: `/api/v1/complaints/${anon.id}`, token: compoundAdmin })).body
        .reporterId,
    ).toBeNull();
    expect(
      (await t.call({ method: 'GET', url: `/api/v1/complaints/${anon.id}`, token: communityAdmin })).body
        .reporterId,
    ).toBe(person.body.id);
  });

  it('org settings: categories, first roles and approval, validated by field', async () => {
    const ok = await t.call({
      method: 'PATCH',
      url: `/api/v1/orgs/${tree.compoundB}`,
      body: { settings: { categoryRoles: { repairs: 'grid_worker' }, requireResidentApproval: true } },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.settings).toMatchObject({
      categoryRoles: { repairs: 'grid_worker' },
      requireResidentApproval: true,
    });
    const bad = await t.call({
      method: 'PATCH',
      url: `/api/v1/orgs/${tree.compoundB}`,
      body: { settings: { categoryRoles: { repairs: 'mayor' } } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('body.settings.categoryRoles.repairs');
  });

  it('names the categories in force at an org: the nearest own list up the tree, else the built-in one', async () => {
    const builtIn = await t.call({
      method: 'GET',
      url: `/api/v1/orgs/${tree.compoundA}/complaint-categories`,
    });
    expect(builtIn.status).toBe(200);
    expect(builtIn.body.orgId).toBe(tree.compoundA);
    expect(builtIn.body.items).toContainEqual({ code: 'lifts', zh: '电梯', en: 'Lifts' });
    const own = [
      { code: 'lifts', zh: '电梯故障', en: 'Lift faults' },
      { code: 'heating', zh: '供暖', en: 'Heating' },
    ];
    const set = await t.call({
      method: 'PATCH',
      url: `/api/v1/orgs/${tree.community}`,
      body: { settings: { complaintCategories: own } },
    });
    expect(set.status).toBe(200);
    // both compounds sit below the community: its list is theirs now
    for (const org of [tree.community, tree.compoundA, tree.compoundB]) {
      const r = await t.call({ method: 'GET', url: `/api/v1/orgs/${org}/complaint-categories` });
      expect(r.body).toEqual({ orgId: org, items: own });
    }
    const other = await tokenFor(t, tree.compoundB, 'viewer');
    const hidden = await t.call({
      method: 'GET',
      url: `/api/v1/orgs/${tree.compoundA}/complaint-categories`,
      token: other,
    });
    expect(hidden.status).toBe(404);
    const seen = await t.call({
      method: 'GET',
      url: `/api/v1/orgs/${tree.compoundB}/complaint-categories`,
      token: other,
    });
    expect(seen.status).toBe(200);
  });
});
