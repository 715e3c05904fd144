/**
 * POST /api/v1/people/:id/merge: the absorbed person's identities, roles, ownerships and ballots
 * move to the kept one in one transaction, the absorbed row stays with mergedInto, one audit entry
 * names both; conflicts answer 409 naming each and write nothing; both ids are checked against the
 * token's scope. The whole scene is set through the API.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../../support/app.js';
import { engines } from '../../support/env.js';

vi.setConfig({ testTimeout: 120_000 });

describe.each(engines())('merging two people on %s', (engine) => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  const ok = async (method: 'GET' | 'POST', url: string, body?: unknown, token?: string): Promise<any> => {
    const r = await t.call({ method, url: `/api/v1${url}`, body: body as object | undefined, token });
    expect([200, 201], `${method} ${url}: ${JSON.stringify(r.body)}`).toContain(r.status);
    return r.body;
  };

  /** Compound A's register (owner 王芳 with a phone, 90 m²), and the chat account's own person. */
  async function scene() {
    t = await startTestApp(engine);
    const tree = await seedTree(t);
    const a = tree.compoundA;
    await ok('POST', `/orgs/${a}/units`, [
      {
        building: '1栋',
        unit: '1单元',
        room: '101',
        area: '90',
        owners: [{ name: '王芳', phone: '13800000001' }],
      },
      {
        building: '1栋',
        unit: '1单元',
        room: '102',
        area: '60',
        owners: [{ name: '李强', phone: '13800000002' }],
      },
    ]);
    const units = (await ok('GET', `/orgs/${a}/units`)).items;
    const owner = units[0].owners[0].personId as number;
    const other = units[1].owners[0].personId as number;
    const chatPerson = (await ok('POST', '/people', { name: '芳芳', orgId: a })).id as number;
    await ok('POST', `/people/${chatPerson}/identities`, { channel: 'telegram', externalId: '9001' });
    await ok('POST', `/orgs/${a}/roles`, { personId: chatPerson, role: 'resident' });
    await ok('POST', `/orgs/${a}/roles`, { personId: owner, role: 'resident' });
    return { tree, a, owner, other, chatPerson };
  }

  it('moves identities, roles and ballots, keeps the absorbed row and audits both ids', async () => {
    const { a, owner, chatPerson } = await scene();
    await ok('POST', `/orgs/${a}/roles`, { personId: chatPerson, role: 'grid_worker' });
    const proposal = await ok('POST', '/proposals', {
      orgId: a,
      title: '更换门禁',
      rule: 'simple',
      closesAt: new Date(Date.now() + 48 * 3_600_000).toISOString(),
    });

    // the identity is taken: the 409 names its holder (in scope) and says how to join the two
    const taken = await t.call({
      method: 'POST',
      url: `/api/v1/people/${owner}/identities`,
      body: { channel: 'telegram', externalId: '9001' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toContain(`belongs to person ${chatPerson}`);
    expect(taken.body.error.message).toContain(`/api/v1/people/${owner}/merge`);
    expect(taken.body.error.details).toEqual([
      { field: 'externalId', message: `already linked to person ${chatPerson}` },
    ]);

    const merged = await ok('POST', `/people/${owner}/merge`, { from: chatPerson });
    expect(merged).toMatchObject({ keep: owner, from: chatPerson });
    expect(merged.moved).toMatchObject({ identities: 1, roles: 1, rolesDeduplicated: 1 });

    const kept = await ok('GET', `/people/${owner}`);
    expect(kept.mergedInto).toBeNull();
    expect(kept.identities.map((i: { externalId: string }) => i.externalId)).toEqual(['9001']);
    expect(kept.roles.map((r: { role: string }) => r.role).sort()).toEqual([
      'grid_worker',
      'owner',
      'resident',
    ]);
    const absorbed = await ok('GET', `/people/${chatPerson}`);
    expect(absorbed).toMatchObject({ mergedInto: owner, identities: [], roles: [] });
    // the list shows who people are now: the absorbed one is not listed
    const listed = await ok('GET', `/people?orgId=${a}&limit=100`);
    expect(listed.items.map((p: { id: number }) => p.id)).not.toContain(chatPerson);

    // the kept person votes with the merged account's history: a paper ballot counts for them
    const ballot = await t.call({
      method: 'POST',
      url: `/api/v1/proposals/${proposal.id}/ballots`,
      body: { personId: owner, option: '同意', evidence: '纸质表决票 #1' },
    });
    expect(ballot.status).toBe(201);

    const audit = await ok('GET', `/audit?objectType=person&objectId=${owner}`);
    const entry = audit.items.find((e: { action: string }) => e.action === 'person.merge');
    expect(entry.after).toMatchObject({ keep: owner, from: chatPerson });

    // merging the absorbed person again: 409, it is someone else now
    const again = await t.call({
      method: 'POST',
      url: `/api/v1/people/${owner}/merge`,
      body: { from: chatPerson },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.details).toEqual([
      { field: 'from', message: `already merged into person ${owner}` },
    ]);
    const self = await t.call({
      method: 'POST',
      url: `/api/v1/people/${owner}/merge`,
      body: { from: owner },
    });
    expect(self.status).toBe(400);
    expect(self.body.error.details).toEqual([{ field: 'from', message: 'same person as id' }]);
  });

  it('refuses, naming every conflict, and writes nothing: the same office, ballots on the same proposal', async () => {
    const { a, owner, other } = await scene();
    await ok('POST', `/orgs/${a}/roles`, { personId: owner, role: 'committee_member' });
    await ok('POST', `/orgs/${a}/roles`, { personId: other, role: 'committee_member' });
    const proposal = await ok('POST', '/proposals', {
      orgId: a,
      title: '外墙翻新',
      rule: 'simple',
      closesAt: new Date(Date.now() + 48 * 3_600_000).toISOString(),
    });
    for (const personId of [owner, other])
      await ok('POST', `/proposals/${proposal.id}/ballots`, { personId, option: '同意', evidence: '纸质票' });

    const before = await ok('GET', `/people/${other}`);
    const r = await t.call({ method: 'POST', url: `/api/v1/people/${owner}/merge`, body: { from: other } });
    expect(r.status).toBe(409);
    expect(r.body.error.details).toEqual(
      expect.arrayContaining([
        { field: 'from', message: `both hold the role committee_member at org ${a}` },
        { field: 'from', message: `both cast a ballot on proposal ${proposal.id}` },
      ]),
    );
    expect(r.body.error.details).toHaveLength(2);
    expect(await ok('GET', `/people/${other}`)).toEqual(before);
    const result = await ok('GET', `/proposals/${proposal.id}/result`);
    expect(JSON.stringify(result)).toContain('"owners"');
    const audit = await ok('GET', `/audit?objectType=person&objectId=${owner}`);
    expect(audit.items.filter((e: { action: string }) => e.action === 'person.merge')).toEqual([]);
  });

  it('moves a unit’s ownership and its cast ballot to the kept person: the count still finds it', async () => {
    const { a, other } = await scene();
    const proposal = await ok('POST', '/proposals', {
      orgId: a,
      title: '增设充电桩',
      rule: 'simple',
      closesAt: new Date(Date.now() + 48 * 3_600_000).toISOString(),
    });
    const cast = await ok('POST', `/proposals/${proposal.id}/ballots`, {
      personId: other,
      option: '反对',
      evidence: '纸质票',
    });
    const keep = (await ok('POST', '/people', { name: '李强（新档案）', orgId: a })).id;
    const merged = await ok('POST', `/people/${keep}/merge`, { from: other });
    expect(merged.moved).toMatchObject({ unitOwners: 1, electorate: 1, ballots: 1 });
    const units = (await ok('GET', `/orgs/${a}/units`)).items;
    expect(units[1].owners).toEqual([{ personId: keep, name: '李强（新档案）', voter: true }]);
    // the receipt is the kept person's ballot now, and still the one that counts
    const receipt = await ok('GET', `/proposals/${proposal.id}/audit/receipts/${cast.receipt}`);
    expect(receipt).toMatchObject({ found: true, counted: true, option: '反对' });
    const verify = await ok('GET', `/proposals/${proposal.id}/audit/verify`);
    expect(verify).toMatchObject({ ok: true, entries: 1 });
  });

  it('checks both ids against the token’s subtree: 404 for a person of another compound', async () => {
    const { tree, owner, chatPerson } = await scene();
    const b = await tokenFor(t, tree.compoundB, 'admin');
    const bPerson = (await ok('POST', '/people', { name: '乙居民', orgId: tree.compoundB }, b)).id;
    const into = await t.call({
      method: 'POST',
      url: `/api/v1/people/${owner}/merge`,
      body: { from: bPerson },
      token: b,
    });
    expect(into.status).toBe(404);
    const from = await t.call({
      method: 'POST',
      url: `/api/v1/people/${bPerson}/merge`,
      body: { from: chatPerson },
      token: b,
    });
    expect(from.status).toBe(404);
    expect(from.body.error.details).toEqual([{ field: 'from', message: 'no such person' }]);
    // a viewer of A names both inside its subtree and still may not write
    const viewer = await tokenFor(t, tree.compoundA, 'viewer');
    const asViewer = await t.call({
      method: 'POST',
      url: `/api/v1/people/${owner}/merge`,
      body: { from: chatPerson },
      token: viewer,
    });
    expect(asViewer.status).toBe(403);
    expect((await ok('GET', `/people/${chatPerson}`)).mergedInto).toBeNull();
    // B's token is told the account is taken, not by whom
    const taken = await t.call({
      method: 'POST',
      url: `/api/v1/people/${bPerson}/identities`,
      body: { channel: 'telegram', externalId: '9001' },
      token: b,
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.details).toEqual([{ field: 'externalId', message: 'already linked' }]);
    expect(JSON.stringify(taken.body)).not.toContain(String(chatPerson));
  });
});
