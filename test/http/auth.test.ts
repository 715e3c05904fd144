import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../support/app.js';
import { engines } from '../support/env.js';

describe.each(engines())('authorization on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  let adminA: string;
  let viewerA: string;
  let personB: number;
  beforeAll(async () => {
    t = await startTestApp(engine, { auth: { maxFailures: 1000 } });
    tree = await seedTree(t);
    adminA = await tokenFor(t, tree.compoundA, 'admin');
    viewerA = await tokenFor(t, tree.compoundA, 'viewer');
    personB = (
      await t.call({ method: 'POST', url: '/api/v1/people', body: { name: '乙居民', orgId: tree.compoundB } })
    ).body.id;
  });
  afterAll(() => t.close());

  it('401 without a token or with a wrong one', async () => {
    expect((await t.call({ method: 'GET', url: '/api/v1/orgs', token: null })).status).toBe(401);
    const wrong = await t.call({ method: 'GET', url: '/api/v1/orgs', token: 'lnl_nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthorized');
  });

  it('a compound token sees its subtree only: 404 for another compound and its objects', async () => {
    expect(
      (await t.call({ method: 'GET', url: `/api/v1/orgs/${tree.compoundA}`, token: adminA })).status,
    ).toBe(200);
    expect(
      (await t.call({ method: 'GET', url: `/api/v1/orgs/${tree.compoundB}`, token: adminA })).status,
    ).toBe(404);
    expect(
      (await t.call({ method: 'GET', url: `/api/v1/orgs/${tree.community}`, token: adminA })).status,
    ).toBe(404);
    expect((await t.call({ method: 'GET', url: `/api/v1/people/${personB}`, token: adminA })).status).toBe(
      404,
    );
    expect(
      (await t.call({ method: 'GET', url: `/api/v1/orgs/${tree.compoundB}/roles`, token: adminA })).status,
    ).toBe(404);
    const list = await t.call({ method: 'GET', url: '/api/v1/orgs', token: adminA });
    expect(list.body.items.map((o: { id: number }) => o.id)).toEqual([tree.compoundA]);
  });

  it('checks the object’s org, not the path: no role grant for a person of another compound', async () => {
    const r = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/roles`,
      token: adminA,
      body: { personId: personB, role: 'handler' },
    });
    // outside the token's subtree: 404, as for a person who does not exist (issue 12)
    expect(r.status).toBe(404);
    expect(r.body.error.details[0].field).toBe('personId');
  });

  it('403 for writes a token may not make; a viewer never writes', async () => {
    const city = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      token: adminA,
      body: { kind: 'city', name: '新市' },
    });
    expect(city.status).toBe(403);
    const view = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      token: viewerA,
      body: { kind: 'building', name: 'V栋', parentId: tree.compoundA },
    });
    expect(view.status).toBe(403);
    expect(
      (await t.call({ method: 'POST', url: '/api/v1/people', token: viewerA, body: { name: 'x' } })).status,
    ).toBe(403);
    const ok = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      token: adminA,
      body: { kind: 'building', name: 'A栋', parentId: tree.compoundA },
    });
    expect(ok.status).toBe(201);
    const other = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      token: adminA,
      body: { kind: 'building', name: 'B栋', parentId: tree.compoundB },
    });
    expect(other.status).toBe(404);
  });

  it('masks phone numbers for viewers, not for admins', async () => {
    const p = await t.call({
      method: 'POST',
      url: '/api/v1/people',
      token: adminA,
      body: { name: '甲居民', phone: '138 0013 8000' },
    });
    expect(p.body.phone).toBe('13800138000');
    expect(
      (await t.call({ method: 'GET', url: `/api/v1/people/${p.body.id}`, token: viewerA })).body.phone,
    ).toBe('138****8000');
    expect(
      (await t.call({ method: 'GET', url: `/api/v1/people/${p.body.id}`, token: adminA })).body.phone,
    ).toBe('13800138000');
  });

  it('a revoked token stops working; tokens are stored hashed', async () => {
    const created = await t.call({
      method: 'POST',
      url: '/api/v1/tokens',
      body: { orgId: tree.compoundA, role: 'admin', label: 'tmp' },
    });
    expect(created.body.token).toMatch(/^lnl_/);
    const stored = await t.db.query<{ token_hash: string }>(
      'SELECT token_hash FROM linli.api_tokens WHERE id = $1',
      [created.body.id],
    );
    expect(stored.rows[0]?.token_hash).not.toContain(created.body.token);
    expect((await t.call({ method: 'GET', url: '/api/v1/orgs', token: created.body.token })).status).toBe(
      200,
    );
    expect(
      (await t.call({ method: 'DELETE', url: `/api/v1/tokens/${created.body.id}`, token: adminA })).status,
    ).toBe(204);
    expect((await t.call({ method: 'GET', url: '/api/v1/orgs', token: created.body.token })).status).toBe(
      401,
    );
  });

  it('a compound admin cannot mint a token for a wider scope', async () => {
    const r = await t.call({
      method: 'POST',
      url: '/api/v1/tokens',
      token: adminA,
      body: { orgId: tree.community, role: 'admin', label: 'up' },
    });
    expect(r.status).toBe(404);
  });

  it('the audit log records who wrote what, before and after, scoped to the subtree', async () => {
    const org = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      token: adminA,
      body: { kind: 'building', name: 'C栋', parentId: tree.compoundA },
    });
    await t.call({
      method: 'PATCH',
      url: `/api/v1/orgs/${org.body.id}`,
      token: adminA,
      body: { name: 'C座' },
    });
    const audit = await t.call({
      method: 'GET',
      url: `/api/v1/audit?objectType=org&objectId=${org.body.id}`,
      token: viewerA,
    });
    expect(audit.status).toBe(200);
    const [update, create] = audit.body.items;
    expect(update).toMatchObject({
      action: 'org.update',
      actor: `admin@${tree.compoundA}`,
      before: { name: 'C栋' },
      after: { name: 'C座' },
    });
    expect(create).toMatchObject({ action: 'org.create', before: null });
    expect(update.requestId).toBeTruthy();
    const all = await t.call({ method: 'GET', url: '/api/v1/audit?limit=200', token: adminA });
    expect(all.body.items.every((e: { orgId: number }) => e.orgId !== tree.compoundB)).toBe(true);
  });
});

describe('repeated authentication failures', () => {
  it('are rate limited per address, even for a good token afterwards', async () => {
    const t = await startTestApp('pglite', { auth: { maxFailures: 3 } });
    try {
      for (let i = 0; i < 3; i++)
        expect((await t.call({ method: 'GET', url: '/api/v1/orgs', token: `bad${i}` })).status).toBe(401);
      const limited = await t.call({ method: 'GET', url: '/api/v1/orgs' });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.body.error.code).toBe('rate_limited');
    } finally {
      await t.close();
    }
  });
});
