import { afterEach, describe, expect, it } from 'vitest';
import { recordAudit } from '../../../src/kernel/access/audit.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { seedDemoIfEmpty } from '../../../src/modules/demo/seed.js';
import { openTestDb, type TestDb } from '../../support/db.js';
import { quietServices } from '../../support/services.js';

let db: TestDb | null = null;
afterEach(async () => {
  await db?.close();
  db = null;
});

async function counts(d: TestDb) {
  const { rows } = await d.query<{
    orgs: number;
    people: number;
    roles: number;
    units: number;
    owners: number;
  }>(
    `SELECT (SELECT count(*) FROM linli.orgs)::int AS orgs, (SELECT count(*) FROM linli.people)::int AS people,
            (SELECT count(*) FROM linli.role_assignments)::int AS roles, (SELECT count(*) FROM linli.units)::int AS units,
            (SELECT count(*) FROM linli.unit_owners)::int AS owners`,
  );
  return rows[0]!;
}

// a PGlite seed takes seconds, more while other test files load both cores
describe('the demo seed', () => {
  it('seeds an empty database once; a second run changes nothing', async () => {
    db = await openTestDb('pglite');
    const s = quietServices(db);
    expect(await seedDemoIfEmpty(db, s)).toBe(true);
    const first = await counts(db);
    expect(first).toMatchObject({ units: 7 });
    expect(await seedDemoIfEmpty(db, s)).toBe(false);
    expect(await counts(db)).toEqual(first);
  }, 120_000);

  it('completes a seed that stopped half-way, creating nothing twice', async () => {
    db = await openTestDb('pglite');
    const s = quietServices(db);
    expect(await seedDemoIfEmpty(db, s)).toBe(true);
    const whole = await counts(db);

    // a start killed while seeding: the started mark, the first orgs and one person with one role
    const half = await openTestDb('pglite');
    try {
      const hs = quietServices(half);
      await half.transaction((tx) =>
        recordAudit(tx, SYSTEM_ACTOR, {
          action: 'demo.seed_started',
          objectType: 'demo',
          objectId: null,
          orgId: null,
        }),
      );
      const city = await hs.orgs.create(SYSTEM_ACTOR, { kind: 'city', name: '示范市' });
      await hs.orgs.create(SYSTEM_ACTOR, { kind: 'district', name: '锦江区', parentId: city.id });
      const p = await hs.people.create(SYSTEM_ACTOR, {
        name: '市级管理员',
        phone: '13800000001',
        orgId: city.id,
      });
      await hs.people.grantRole(SYSTEM_ACTOR, city.id, { personId: p.id, role: 'admin' });

      expect(await seedDemoIfEmpty(half, hs)).toBe(true);
      expect(await counts(half)).toEqual(whole);
      expect(await seedDemoIfEmpty(half, hs)).toBe(false);
    } finally {
      await half.close();
    }
  }, 120_000);

  it('leaves a database with real data alone', async () => {
    db = await openTestDb('pglite');
    const s = quietServices(db);
    await s.orgs.create(SYSTEM_ACTOR, { kind: 'city', name: '成都市' });
    expect(await seedDemoIfEmpty(db, s)).toBe(false);
    expect(await counts(db)).toMatchObject({ orgs: 1, people: 0 });
  });
});
