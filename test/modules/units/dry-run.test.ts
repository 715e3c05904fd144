import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../../support/app.js';
import { engines } from '../../support/env.js';

/** `POST /orgs/:id/units?dryRun=true`: the import run and rolled back; every check goes through the API. */
const GOOD = `building,unit,room,area,owner_name,owner_phone,voter
1栋,1单元,101,89.50,张伟,13900000001,
1栋,1单元,102,120.00,王芳,13900000002,
1栋,1单元,102,120.00,李军,13900000003,是
`;
const BAD = `楼栋,单元,房号,专有面积,业主姓名,业主电话
2栋,1单元,201,80,赵六,13900000009
2栋,1单元,202,abc,钱七,
`;

describe.each(engines())('unit import dry run on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
  });
  afterAll(() => t.close());

  const importCsv = (csv: string, query = '', token?: string) =>
    t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/units${query}`,
      body: csv,
      headers: { 'content-type': 'text/csv' },
      ...(token ? { token } : {}),
    });
  /** What the API shows of the compound: its units, buildings, owner roles, people, audit entries. */
  const snapshot = async () => {
    const [units, buildings, owners, people, audit] = await Promise.all([
      t.call({ method: 'GET', url: `/api/v1/orgs/${tree.compoundA}/units` }),
      t.call({ method: 'GET', url: `/api/v1/orgs?parentId=${tree.compoundA}` }),
      t.call({ method: 'GET', url: `/api/v1/orgs/${tree.compoundA}/roles?role=owner` }),
      t.call({ method: 'GET', url: `/api/v1/people?orgId=${tree.compoundA}` }),
      t.call({ method: 'GET', url: `/api/v1/audit?action=units.import` }),
    ]);
    for (const r of [units, buildings, owners, people, audit]) expect(r.status).toBe(200);
    return {
      units: units.body.items,
      buildings: buildings.body.items,
      owners: owners.body.items,
      people: people.body.items,
      audit: audit.body.items,
    };
  };

  it('answers what the import would do and writes nothing; the import then does just that', async () => {
    const before = await snapshot();
    expect(before.units).toEqual([]);
    const dry = await importCsv(GOOD, '?dryRun=true');
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual({
      units: 2,
      unitsCreated: 2,
      unitsUpdated: 0,
      buildingsCreated: 1,
      ownersCreated: 3,
      ownerLinks: 3,
    });
    expect(await snapshot()).toEqual(before);

    const real = await importCsv(GOOD, '?dryRun=false');
    expect(real.status).toBe(200);
    expect(real.body).toEqual(dry.body);
    const after = await snapshot();
    expect(after.units.map((u: { room: string }) => u.room)).toEqual(['101', '102']);
    expect(after.owners).toHaveLength(3);
    expect(after.audit).toHaveLength(before.audit.length + 1);

    // a dry run of the same file now: both units would be updated, nobody created
    const again = await importCsv(GOOD, '?dryRun=true');
    expect(again.body).toMatchObject({
      unitsCreated: 0,
      unitsUpdated: 2,
      buildingsCreated: 0,
      ownersCreated: 0,
    });
    expect(await snapshot()).toEqual(after);
  });

  it('lists a bad row as the import does (400, row and field), writing nothing', async () => {
    const before = await snapshot();
    const dry = await importCsv(BAD, '?dryRun=true');
    expect(dry.status).toBe(400);
    expect(dry.body.error.details).toEqual([{ row: 3, field: 'area', message: expect.any(String) }]);
    const real = await importCsv(BAD);
    expect(real.status).toBe(400);
    expect(real.body.error.details).toEqual(dry.body.error.details);
    expect(await snapshot()).toEqual(before);
  });

  it('is refused to a viewer as the import is, and takes only true or false', async () => {
    const viewer = await tokenFor(t, tree.compoundA, 'viewer');
    const before = await snapshot();
    expect((await importCsv(GOOD, '?dryRun=true', viewer)).status).toBe(403);
    const odd = await importCsv(GOOD, '?dryRun=yes');
    expect(odd.status).toBe(400);
    expect(odd.body.error.details).toEqual([expect.objectContaining({ field: 'querystring.dryRun' })]);
    expect(await snapshot()).toEqual(before);
  });
});
