import { recordAudit } from '../../kernel/access/audit.js';
import { badRequest, notFound } from '../../kernel/access/errors.js';
import { decodeCursor, page } from '../../kernel/access/pagination.js';
import { type Actor, assertCanSee, assertCanWrite, type Principal } from '../../kernel/access/principal.js';
import type { Db, Queryable } from '../../kernel/db/db.js';
import type { Org } from '../orgs/index.js';
import { findOrg, insertOrg } from '../orgs/index.js';
import { insertPerson, insertRole } from '../people/index.js';
import {
  buildingsOf,
  deleteUnitOwners,
  insertUnitOwner,
  listUnits,
  matchOwner,
  upsertUnit,
} from './repository.js';
import type { ImportResult, Unit, UnitInput } from './schema.js';

/** Thrown out of a dry run's transaction to roll it back, carrying what the import would have done. */
class DryRunRollback extends Error {
  constructor(readonly result: ImportResult) {
    super('dry run: rolled back');
  }
}

/**
 * The owner register of a compound: units (building, unit, room, exclusive area) and owners.
 *
 * Import contract: all-or-nothing in one transaction. A unit is keyed by building + unit +
 * room; importing it again updates its area and replaces its owners. Buildings are created
 * as `building` orgs when first named. An owner is matched to an existing person by phone
 * within the compound (a person the compound's subtree holds, by the rule of `GET /people/:id`:
 * never someone of another compound), else (no phone) by name among the compound's owners
 * without a phone, else created. Each unit has exactly one voter: the owner marked `voter`, else the first.
 *
 * A dry run (`dryRun`) is the same import, run to its end in its transaction and then rolled back:
 * its answer is what the import would do now (created, updated), and nothing is written (no audit
 * entry either).
 */
export class UnitService {
  constructor(private readonly db: Db) {}

  async importUnits(
    actor: Actor,
    compoundId: number,
    units: UnitInput[],
    opts: { dryRun?: boolean } = {},
  ): Promise<ImportResult> {
    try {
      return await this.db.transaction((tx) =>
        this.importIn(tx, actor, compoundId, units, opts.dryRun === true),
      );
    } catch (err) {
      if (err instanceof DryRunRollback) return err.result;
      throw err;
    }
  }

  private async importIn(
    tx: Queryable,
    actor: Actor,
    compoundId: number,
    units: UnitInput[],
    dryRun: boolean,
  ): Promise<ImportResult> {
    const compound = await this.writableCompound(tx, actor.principal, compoundId);
    const buildings = await buildingsOf(tx, compoundId);
    const people = new Map<string, number>();
    const stats = {
      units: units.length,
      unitsCreated: 0,
      unitsUpdated: 0,
      buildingsCreated: 0,
      ownersCreated: 0,
      ownerLinks: 0,
    };
    for (const u of units) {
      let buildingId = buildings.get(u.building);
      if (buildingId === undefined) {
        const b = await insertOrg(tx, {
          kind: 'building',
          name: u.building,
          parentId: compoundId,
          parentPath: compound.path,
        });
        buildingId = b.id;
        buildings.set(u.building, b.id);
        stats.buildingsCreated++;
      }
      const unit = await upsertUnit(tx, {
        compoundId,
        buildingId,
        unit: u.unit,
        room: u.room,
        area: u.area,
      });
      if (unit.inserted) stats.unitsCreated++;
      else stats.unitsUpdated++;
      await deleteUnitOwners(tx, unit.id);
      const voterIndex = Math.max(
        0,
        u.owners.findIndex((o) => o.voter),
      );
      for (const [i, owner] of u.owners.entries()) {
        const key = `${owner.name}\u0000${owner.phone ?? ''}`;
        let personId = people.get(key) ?? (await matchOwner(tx, compoundId, owner.name, owner.phone));
        if (personId === null) {
          personId = (await insertPerson(tx, { name: owner.name, phone: owner.phone, orgId: compoundId })).id;
          stats.ownersCreated++;
        }
        people.set(key, personId);
        await insertUnitOwner(tx, unit.id, personId, i === voterIndex);
        await insertRole(tx, personId, compoundId, 'owner');
        stats.ownerLinks++;
      }
    }
    if (dryRun) throw new DryRunRollback(stats);
    await recordAudit(tx, actor, {
      action: 'units.import',
      objectType: 'org',
      objectId: compoundId,
      orgId: compoundId,
      after: stats,
    });
    return stats;
  }

  async list(p: Principal, compoundId: number, f: { building?: string; limit: number; cursor?: string }) {
    const org = await findOrg(this.db, compoundId);
    if (!org) throw notFound('org', compoundId);
    assertCanSee(p, org.path, 'org', compoundId);
    const rows = await listUnits(this.db, {
      compoundId,
      building: f.building ?? null,
      after: decodeCursor(f.cursor),
      limit: f.limit + 1,
    });
    const units: Unit[] = rows.map((r) => ({
      id: r.id,
      compoundId: r.compound_id,
      buildingId: r.building_id,
      building: r.building,
      unit: r.unit_no,
      room: r.room,
      area: r.area,
      owners: (r.owners ?? []).map((o) => ({ personId: Number(o.personId), name: o.name, voter: o.voter })),
    }));
    return page(units, f.limit);
  }

  private async writableCompound(tx: Queryable, p: Principal, id: number): Promise<Org> {
    const org = await findOrg(tx, id, true);
    if (!org) throw notFound('org', id);
    assertCanWrite(p, org.path, 'org', id);
    if (org.kind !== 'compound') {
      throw badRequest(`Units belong to a compound; org ${id} is a ${org.kind}`, [
        { field: 'id', message: 'not a compound' },
      ]);
    }
    return org;
  }
}
