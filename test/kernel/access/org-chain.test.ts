import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/app/modules.js';
import { compoundIn, orgChain, orgStampSql } from '../../../src/kernel/access/org-chain.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Queryable } from '../../../src/kernel/db/db.js';
import { policiesOn } from '../../../src/modules/complaints/chain-settings.js';
import { policiesFor } from '../../../src/modules/complaints/repository-settings.js';
import { openTestDb, type TestDb } from '../../support/db.js';
import { engines } from '../../support/env.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { quietServices } from '../../support/services.js';

describe.each(engines())('an org chain kept per process, on %s', (engine) => {
  let db: TestDb;
  let s: Services;
  let chain: Awaited<ReturnType<typeof seedCompoundChain>>;
  let building: number;
  /** the statements orgChain sent through it */
  let reads: number;
  const counted: Queryable = {
    query: (sql, params, opts) => {
      reads++;
      return db.query(sql, params, opts);
    },
  };
  /** the stamp as a turn's first read (TurnContexts) reads it */
  const stamp = async (orgId: number) =>
    (await db.query<{ stamp: string | null }>(`SELECT ${orgStampSql('$1::bigint')} AS stamp`, [orgId]))
      .rows[0]!.stamp;
  const read = async (orgId: number) => orgChain(db, counted, orgId, await stamp(orgId));

  beforeEach(async () => {
    db = await openTestDb(engine);
    s = quietServices(db);
    chain = await seedCompoundChain(s, '阳光小区');
    building = (
      await s.orgs.create(SYSTEM_ACTOR, { kind: 'building', name: '3栋', parentId: chain.compound })
    ).id;
    reads = 0;
  });
  afterEach(async () => db.close());

  it('is read once while the stamp a turn saw is the one kept, city first', async () => {
    const first = await read(building);
    expect(first.map((o) => o.kind)).toEqual([
      'city',
      'district',
      'subdistrict',
      'community',
      'compound',
      'building',
    ]);
    expect(compoundIn(first)).toMatchObject({ id: chain.compound, name: '阳光小区' });
    expect(await read(building)).toBe(first);
    expect(await read(building)).toBe(first);
    expect(reads).toBe(1);
    // without a stamp (work outside a turn) it is read again
    await orgChain(db, counted, building, null);
    expect(reads).toBe(2);
  });

  it('is read again once any org on it changed: settings above, a rename, a move', async () => {
    await read(building);
    await s.orgs.update(SYSTEM_ACTOR, chain.district, { settings: { dispatch: { '*': 'grab' } } });
    const afterSettings = await read(building);
    expect(reads).toBe(2);
    expect(afterSettings[1]!.settings).toEqual({ dispatch: { '*': 'grab' } });

    await s.orgs.update(SYSTEM_ACTOR, chain.compound, { name: '阳光花园' });
    expect(compoundIn(await read(building))?.name).toBe('阳光花园');
    expect(reads).toBe(3);

    const other = await seedCompoundChain(s, '月亮小区', {
      city: '北京市',
      district: '朝阳区',
      subdistrict: '望京街道',
    });
    reads = 0;
    await s.orgs.update(SYSTEM_ACTOR, building, { parentId: other.compound });
    const moved = await read(building);
    expect(compoundIn(moved)?.name).toBe('月亮小区');
    expect(moved[0]!.name).toBe('北京市');
    expect(reads).toBe(1);
    expect(await read(building)).toBe(moved);
    expect(reads).toBe(1);
  });

  it('carries the escalation policies, and is read again once one is set or replaced', async () => {
    expect((await read(building)).every((o) => o.escalationPolicy === null)).toBe(true);
    const policy = {
      calendar: 'natural' as const,
      levels: { compound: { '*': { ack: 'PT2H', resolve: 'P2D' } } },
    };
    await s.policies.put(SYSTEM_ACTOR, chain.district, policy);
    const withPolicy = await read(building);
    expect(reads).toBe(2);
    expect(withPolicy[1]!.escalationPolicy).toMatchObject(policy);
    // the compound's chain of policies, nearest first, as the filing reads them without the chain
    await s.policies.put(SYSTEM_ACTOR, chain.compound, { ...policy, calendar: 'workdays' as const });
    const replaced = await read(building);
    expect(reads).toBe(3);
    expect(policiesOn(replaced)).toEqual(await policiesFor(db, chain.compound));
    expect(policiesOn(replaced).map((p) => p.orgId)).toEqual([chain.compound, chain.district]);
  });

  it('a stamp read before a change still gets what is now kept, never older than it saw', async () => {
    const before = await stamp(building);
    await orgChain(db, counted, building, before);
    await s.orgs.update(SYSTEM_ACTOR, chain.compound, { settings: { complaintCategories: [] } });
    const now = await stamp(building);
    expect(now).not.toBe(before);
    const fresh = await orgChain(db, counted, building, now);
    expect(fresh[4]!.settings).toEqual({ complaintCategories: [] });
    // a slow turn that read the old stamp reads again rather than take the old chain back
    expect(await orgChain(db, counted, building, before)).toEqual(fresh);
    expect(reads).toBe(3);
  });

  it('is kept per database: another database with the same ids does not share it', async () => {
    const ours = await stamp(chain.compound);
    const kept = await orgChain(db, db, chain.compound, ours);
    const other = await openTestDb(engine);
    try {
      const theirs = await seedCompoundChain(quietServices(other), '别的小区');
      expect(theirs.compound).toBe(chain.compound);
      // even were their stamp the same as ours, their chain is their own
      const theirChain = await orgChain(other, other, chain.compound, ours);
      expect(compoundIn(theirChain)?.name).toBe('别的小区');
      expect(compoundIn(kept)?.name).toBe('阳光小区');
    } finally {
      await other.close();
    }
  });

  it('is empty for no org and for one that is gone', async () => {
    expect(await orgChain(db, counted, null, null)).toEqual([]);
    expect(reads).toBe(0);
    expect(await stamp(999_999)).toBeNull();
    expect(await orgChain(db, counted, 999_999, null)).toEqual([]);
  });
});
