import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/app/modules.js';
import { orgChain } from '../../../src/kernel/access/org-chain.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import {
  type Category,
  categoriesFor,
  categoriesOn,
  DEFAULT_CATEGORIES,
} from '../../../src/modules/complaints/categories.js';
import { compoundOf } from '../../../src/modules/orgs/index.js';
import { openTestDb, type TestDb } from '../../support/db.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { quietServices } from '../../support/services.js';

const list = (code: string): Category[] => [{ code, zh: code, en: code }];

describe('the category list a conversation offers (from its org chain)', () => {
  let db: TestDb;
  let s: Services;
  let chain: Awaited<ReturnType<typeof seedCompoundChain>>;
  let building: number;
  let bare: Awaited<ReturnType<typeof seedCompoundChain>>;

  beforeAll(async () => {
    db = await openTestDb('pglite');
    s = quietServices(db);
    chain = await seedCompoundChain(s, '阳光小区');
    bare = await seedCompoundChain(s, '空白小区', {
      city: '北京市',
      district: '朝阳区',
      subdistrict: '望京街道',
    });
    building = (
      await s.orgs.create(SYSTEM_ACTOR, { kind: 'building', name: '3栋', parentId: chain.compound })
    ).id;
    const set = (id: number, code: string) =>
      s.orgs.update(SYSTEM_ACTOR, id, { settings: { complaintCategories: list(code) } });
    await set(chain.district, 'district');
    await set(chain.community, 'community');
    // a building's own list is not the compound's: a conversation in a building's chat keeps the compound's
    await set(building, 'building');
  });
  afterAll(async () => db.close());

  /** What the flow offered before: the compound's nearest list (two statements). */
  const twoStatements = async (orgId: number) =>
    categoriesFor(db, (await compoundOf(db, orgId))?.id ?? orgId);
  /** What a conversation in the org offers: the list on its chain (read afresh: no stamp). */
  const offered = async (orgId: number) => categoriesOn(await orgChain(db, db, orgId, null));

  it('answers as compoundOf + categoriesFor do, at every level', async () => {
    const cases: [string, number, string | null][] = [
      ['compound inherits the community’s', chain.compound, 'community'],
      ['building below it keeps the compound’s, not its own', building, 'community'],
      ['community its own', chain.community, 'community'],
      ['subdistrict the district’s', chain.subdistrict, 'district'],
      ['city: none set', chain.city, null],
      ['a compound on a chain without lists', bare.compound, null],
    ];
    for (const [what, orgId, code] of cases) {
      const one = await offered(orgId);
      expect(one[0]?.code, what).toBe(code ?? DEFAULT_CATEGORIES[0]!.code);
      expect(one, what).toEqual(await twoStatements(orgId));
    }
  });

  it('the compound’s own list wins over those above it', async () => {
    await s.orgs.update(SYSTEM_ACTOR, chain.compound, {
      settings: { complaintCategories: list('compound') },
    });
    expect((await offered(building))[0]?.code).toBe('compound');
    expect(await offered(building)).toEqual(await twoStatements(building));
  });

  it('an org that does not exist has the built-in list', async () => {
    expect(await orgChain(db, db, 999_999, null)).toEqual([]);
    expect(await offered(999_999)).toEqual(DEFAULT_CATEGORIES);
  });
});
