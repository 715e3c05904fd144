import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTree, startTestApp, type TestApp } from '../../support/app.js';
import { engines } from '../../support/env.js';

describe.each(engines())('org tree API on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
  });
  afterAll(() => t.close());

  it('creates an org under the kind just above it, with its path', async () => {
    const r = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      body: { kind: 'building', name: '1栋', parentId: tree.compoundA },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: 'building', name: '1栋', parentId: tree.compoundA });
    expect(r.body.path).toEqual([
      tree.city,
      tree.district,
      tree.subdistrict,
      tree.community,
      tree.compoundA,
      r.body.id,
    ]);
    const got = await t.call({ method: 'GET', url: `/api/v1/orgs/${r.body.id}` });
    expect(got.body.name).toBe('1栋');
  });

  it('refuses a wrong parent kind, naming the field, and writes nothing', async () => {
    const before = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM linli.orgs');
    const r = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      body: { kind: 'compound', name: '错小区', parentId: tree.district },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('validation_failed');
    expect(r.body.error.details[0].field).toBe('parentId');
    expect(r.body.error.message).toMatch(/community/);
    const missingParent = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      body: { kind: 'district', name: '孤区' },
    });
    expect(missingParent.status).toBe(400);
    const after = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM linli.orgs');
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });

  it('refuses an unknown kind, an unknown field and a malformed body with 400', async () => {
    const kind = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      body: { kind: 'village', name: 'x', parentId: tree.city },
    });
    expect(kind.status).toBe(400);
    expect(kind.body.error.details[0].field).toBe('body.kind');
    const extra = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      body: { kind: 'district', name: 'x', parentId: tree.city, color: 'red' },
    });
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body.error.details)).toContain('color');
    const bad = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      body: '{"kind": "district", "name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad_json');
  });

  it('answers 413 for an oversize body', async () => {
    const r = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      body: { kind: 'district', name: 'x'.repeat(70_000), parentId: tree.city },
    });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('payload_too_large');
  });

  it('answers 409 for a duplicate name among siblings, 404 for an unknown id', async () => {
    const dup = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      body: { kind: 'compound', name: '甲小区', parentId: tree.community },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details[0].field).toBe('name');
    const missing = await t.call({ method: 'GET', url: '/api/v1/orgs/999999' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('lists children by parentId and pages with a cursor', async () => {
    const first = await t.call({ method: 'GET', url: `/api/v1/orgs?parentId=${tree.community}&limit=1` });
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toBeTruthy();
    const second = await t.call({
      method: 'GET',
      url: `/api/v1/orgs?parentId=${tree.community}&limit=1&cursor=${first.body.nextCursor}`,
    });
    expect(second.body.items.map((o: { name: string }) => o.name)).toEqual(['乙小区']);
    expect(second.body.nextCursor).toBeNull();
    const tooMany = await t.call({ method: 'GET', url: '/api/v1/orgs?limit=500' });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0].field).toBe('querystring.limit');
  });

  it('moves an org with its subtree, and refuses a move that would make a cycle', async () => {
    const c2 = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      body: { kind: 'community', name: '二社区', parentId: tree.subdistrict },
    });
    const comp = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      body: { kind: 'compound', name: '丙小区', parentId: tree.community },
    });
    const bld = await t.call({
      method: 'POST',
      url: '/api/v1/orgs',
      body: { kind: 'building', name: '9栋', parentId: comp.body.id },
    });
    const moved = await t.call({
      method: 'PATCH',
      url: `/api/v1/orgs/${comp.body.id}`,
      body: { parentId: c2.body.id },
    });
    expect(moved.status).toBe(200);
    const b = await t.call({ method: 'GET', url: `/api/v1/orgs/${bld.body.id}` });
    expect(b.body.path).toEqual([
      tree.city,
      tree.district,
      tree.subdistrict,
      c2.body.id,
      comp.body.id,
      bld.body.id,
    ]);
    const cycle = await t.call({
      method: 'PATCH',
      url: `/api/v1/orgs/${tree.district}`,
      body: { parentId: tree.district },
    });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.message).toMatch(/cycle/);
  });
});
