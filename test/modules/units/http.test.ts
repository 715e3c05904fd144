import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTree, startTestApp, type TestApp } from '../../support/app.js';
import { engines } from '../../support/env.js';

const CSV = `building,unit,room,area,owner_name,owner_phone,voter
1栋,1单元,101,89.50,张伟,13900000001,
1栋,1单元,102,120.00,王芳,13900000002,
1栋,1单元,102,120.00,李军,13900000003,是
2栋,1单元,201,75.25,张伟,13900000001,
`;

describe.each(engines())('unit and owner import on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  const count = async (table: string) =>
    (await t.db.query<{ n: number }>(`SELECT count(*) AS n FROM linli.${table}`)).rows[0]?.n;
  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
  });
  afterAll(() => t.close());

  it('imports CSV: buildings, units, co-owners with one voter, an owner of two units', async () => {
    const r = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/units`,
      body: CSV,
      headers: { 'content-type': 'text/csv' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      units: 3,
      unitsCreated: 3,
      unitsUpdated: 0,
      buildingsCreated: 2,
      ownersCreated: 3,
      ownerLinks: 4,
    });
    const list = await t.call({ method: 'GET', url: `/api/v1/orgs/${tree.compoundA}/units` });
    const u102 = list.body.items.find((u: { room: string }) => u.room === '102');
    expect(u102.area).toBe('120.00');
    expect(u102.owners).toEqual([
      expect.objectContaining({ name: '王芳', voter: false }),
      expect.objectContaining({ name: '李军', voter: true }),
    ]);
    const zhang = list.body.items.filter((u: { owners: { name: string }[] }) =>
      u.owners.some((o) => o.name === '张伟'),
    );
    expect(new Set(zhang.map((u: { owners: { personId: number }[] }) => u.owners[0]?.personId)).size).toBe(1);
    const owners = await t.call({ method: 'GET', url: `/api/v1/orgs/${tree.compoundA}/roles?role=owner` });
    expect(owners.body.items).toHaveLength(3);
  });

  it('re-importing updates area and owners without duplicating people', async () => {
    const r = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/units`,
      body: [
        {
          building: '1栋',
          unit: '1单元',
          room: '101',
          area: 90,
          owners: [{ name: '张伟', phone: '13900000001' }],
        },
      ],
    });
    expect(r.body).toMatchObject({ unitsCreated: 0, unitsUpdated: 1, ownersCreated: 0 });
  });

  it('rejects the whole file when any row is bad, reporting every bad row, writing nothing', async () => {
    const before = [await count('units'), await count('people'), await count('orgs')];
    const bad = `building,unit,room,area,owner_name,owner_phone
3栋,1单元,101,80,赵六,13900000009
3栋,1单元,102,-5,钱七,
3栋,,103,70,孙八,12345
`;
    const r = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/units`,
      body: bad,
      headers: { 'content-type': 'text/csv' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([
      { row: 3, field: 'area', message: expect.any(String) },
      { row: 4, field: 'unit', message: 'must not be empty' },
      { row: 4, field: 'owner_phone', message: expect.stringMatching(/mobile/) },
    ]);
    expect(r.body.error.message).toMatch(/row 3/);
    expect([await count('units'), await count('people'), await count('orgs')]).toEqual(before);
  });

  it('rejects unknown columns, two voters in one unit, and a unit that is not a compound', async () => {
    const cols = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/units`,
      body: 'building,unit,room,size\n1,1,1,1\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(cols.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'area', message: 'missing column' })]),
    );
    const voters = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/units`,
      body: [
        {
          building: '5栋',
          unit: '1',
          room: '1',
          area: '50',
          owners: [
            { name: 'a', voter: true },
            { name: 'b', voter: true },
          ],
        },
      ],
    });
    expect(voters.status).toBe(400);
    expect(voters.body.error.details[0]).toMatchObject({ row: 1, field: 'voter' });
    const notCompound = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.community}/units`,
      body: [{ building: '5栋', unit: '1', room: '1', area: '50' }],
    });
    expect(notCompound.status).toBe(400);
  });
});
