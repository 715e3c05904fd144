import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/app/modules.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { ComplaintNotifier } from '../../../src/modules/complaints/notifier.js';
import { findComplaint, insertComplaint } from '../../../src/modules/complaints/repository.js';
import { openTestDb } from '../../support/db.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { RecordingOutbox } from '../../support/recording-outbox.js';
import { roleHolder } from '../../support/role-holder.js';
import { quietServices } from '../../support/services.js';

describe('nobody at the compound handles it: the nearest holder up the org path hears of it', () => {
  let db: Db;
  let s: Services;
  let outbox: RecordingOutbox;
  let chain: Awaited<ReturnType<typeof seedCompoundChain>>;

  beforeEach(async () => {
    db = await openTestDb('pglite');
    outbox = new RecordingOutbox(db);
    s = quietServices(db, { outbox });
    chain = await seedCompoundChain(s);
  });
  afterEach(async () => db.close());

  const holder = async (name: string, orgId: number, role: string, identity = true) => {
    await roleHolder(db, s, { name, orgId, role, identity });
  };

  /** Who is told of a new noise complaint at the compound (the handlers' notices). */
  const toldOfNew = async (category = 'noise') => {
    const c = await db.transaction((tx) =>
      insertComplaint(tx, {
        compoundId: chain.compound,
        reporterId: null,
        anonymous: true,
        category,
        description: '楼上深夜装修',
        photos: [],
      }),
    );
    outbox.requests.length = 0;
    await new ComplaintNotifier(db, outbox).changed((await findComplaint(db, c.id))!);
    return outbox.requests
      .filter((r) => r.idempotencyKey.includes('-handlers-'))
      .map((r) => r.message.chat.externalId)
      .sort();
  };

  it('a grid worker registered at the community serves its compounds (the default)', async () => {
    await holder('网格员', chain.community, 'grid_worker');
    await holder('街道网格员', chain.subdistrict, 'grid_worker');
    await holder('社区物业', chain.community, 'property_manager');
    // the nearest level that has one, only: not the subdistrict's; a property manager does not reach down
    expect(await toldOfNew()).toEqual(['tg-网格员']);
    expect(await toldOfNew('lifts')).toEqual(['tg-网格员']);
  });

  it('someone at the compound itself is told instead', async () => {
    await holder('网格员', chain.community, 'grid_worker');
    await holder('小区网格员', chain.compound, 'grid_worker');
    expect(await toldOfNew()).toEqual(['tg-小区网格员']);
  });

  it('a holder without any chat identity does not stop the search', async () => {
    await holder('社区网格员', chain.community, 'grid_worker', false);
    await holder('街道网格员', chain.subdistrict, 'grid_worker');
    expect(await toldOfNew()).toEqual(['tg-街道网格员']);
  });

  it('configurable per role, inherited down the tree: an org may turn it off or let other roles reach down', async () => {
    await holder('网格员', chain.community, 'grid_worker');
    await holder('社区物业', chain.community, 'property_manager');
    await s.orgs.update(SYSTEM_ACTOR, chain.district, { settings: { nearestHolderRoles: [] } });
    expect(await toldOfNew()).toEqual([]);
    await s.orgs.update(SYSTEM_ACTOR, chain.compound, {
      settings: { nearestHolderRoles: ['property_manager', 'grid_worker'] },
    });
    // the category's role first: lifts → property_manager
    expect(await toldOfNew('lifts')).toEqual(['tg-社区物业']);
  });

  it("the category's role is looked for up the whole path before the other roles at a nearer level", async () => {
    await s.orgs.update(SYSTEM_ACTOR, chain.compound, {
      settings: { nearestHolderRoles: ['property_manager', 'grid_worker'] },
    });
    await holder('网格员', chain.community, 'grid_worker');
    await holder('街道物业', chain.subdistrict, 'property_manager');
    await holder('区物业', chain.district, 'property_manager');
    expect(await toldOfNew('lifts')).toEqual(['tg-街道物业']);
    // a category with no role of its own ('other'): the nearest level with any of them
    expect(await toldOfNew('other')).toEqual(['tg-网格员']);
  });
});
