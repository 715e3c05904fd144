import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../support/app.js';

/** GET /api/v1/session: who a token is, as the console's header and buttons need it. */
describe('GET /api/v1/session', () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  beforeAll(async () => {
    t = await startTestApp('pglite');
    tree = await seedTree(t);
  });
  afterAll(() => t.close());

  it('the bootstrap token is a superuser confined to no org', async () => {
    const r = await t.call({ method: 'GET', url: '/api/v1/session' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      role: 'superuser',
      label: 'bootstrap',
      tokenId: null,
      canWrite: true,
      org: null,
    });
  });

  it('a scoped token names its role and its org (ids of the path only: nothing above it by name)', async () => {
    const admin = await tokenFor(t, tree.compoundA, 'admin');
    const viewer = await tokenFor(t, tree.compoundA, 'viewer');
    const a = await t.call({ method: 'GET', url: '/api/v1/session', token: admin });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({
      role: 'admin',
      label: `admin@${tree.compoundA}`,
      tokenId: expect.any(Number),
      canWrite: true,
      org: {
        id: tree.compoundA,
        kind: 'compound',
        name: '甲小区',
        parentId: tree.community,
        path: [tree.city, tree.district, tree.subdistrict, tree.community, tree.compoundA],
      },
    });
    const v = await t.call({ method: 'GET', url: '/api/v1/session', token: viewer });
    expect(v.body).toMatchObject({ role: 'viewer', canWrite: false, org: { id: tree.compoundA } });
  });

  it('401 with the API’s error for a wrong token', async () => {
    const r = await t.call({ method: 'GET', url: '/api/v1/session', token: 'lnl_wrong' });
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: 'unauthorized', message: 'Invalid or revoked token' });
  });
});
