import { recordAudit } from '../../kernel/access/audit.js';
import { badRequest, notFound } from '../../kernel/access/errors.js';
import { decodeCursor, page } from '../../kernel/access/pagination.js';
import { type Actor, assertCanSee, assertCanWrite, type Principal } from '../../kernel/access/principal.js';
import type { Db, Queryable } from '../../kernel/db/db.js';
import type { Org } from '../orgs/index.js';
import { findOrg, insertOrg } from '../orgs/index.js';
import { insertPerson, insertRole, personInSubtree } from '../people/index.js';
import type { Unit, UnitInput } from './schema.js';

/**
 * The owner register of a compound: units (building, unit, room, exclusive area) and owners.
 *
 * Import contract: all-or-nothing in one transaction. A unit is keyed by building + unit +
 * room; importing it again updates its area and replaces its owners. Buildings are created
 * as `building` orgs when first named. An owner is matched to an existing person by phone
 * within the compound (a person the compound's subtree holds, by the rule of `GET /people/:id`:
 * never someone of another compound), else (no phone) by name among the compound's owners
 * without a phone, else created. Each unit has exactly one voter: the owner marked `voter`, else the first.
 */
export class UnitService {
  constructor(private readonly db: Db) {}

  async importUnits(actor: Actor, compoundId: number, units: UnitInput[]) {
    return this.db.transaction(async (tx) => {
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
        const { rows } = await tx.query<{ id: number; inserted: boolean }>(
          `INSERT INTO linli.units (compound_id, building_id, unit_no, room, area) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (building_id, unit_no, room) DO UPDATE SET area = EXCLUDED.area, updated_at = now()
           RETURNING id, (xmax = 0) AS inserted`,
          [compoundId, buildingId, u.unit, u.room, u.area],
        );
        const unit = rows[0]!;
        if (unit.inserted) stats.unitsCreated++;
        else stats.unitsUpdated++;
        await tx.query('DELETE FROM linli.unit_owners WHERE unit_id = $1', [unit.id]);
        const voterIndex = Math.max(
          0,
          u.owners.findIndex((o) => o.voter),
        );
        for (const [i, owner] of u.owners.entries()) {
          const key = `${owner.name}\u0000${owner.phone ?? ''}`;
          let personId = people.get(key) ?? (await matchOwner(tx, compoundId, owner.name, owner.phone));
          if (personId === null) {
            personId = (await insertPerson(tx, { name: owner.name, phone: owner.phone, orgId: compoundId }))
              .id;
            stats.ownersCreated++;
          }
          people.set(key, personId);
          await tx.query('INSERT INTO linli.unit_owners (unit_id, person_id, is_voter) VALUES ($1, $2, $3)', [
            unit.id,
            personId,
            i === voterIndex,
          ]);
          await insertRole(tx, personId, compoundId, 'owner');
          stats.ownerLinks++;
        }
      }
      await recordAudit(tx, actor, {
        action: 'units.import',
        objectType: 'org',
        objectId: compoundId,
        orgId: compoundId,
        after: stats,
      });
      return stats;
    });
  }

  async list(p: Principal, compoundId: number, f: { building?: string; limit: number; cursor?: string }) {
    const org = await findOrg(this.db, compoundId);
    if (!org) throw notFound('org', compoundId);
    assertCanSee(p, org.path, 'org', compoundId);
    const { rows } = await this.db.query<{
      id: number;
      compound_id: number;
      building_id: number;
      building: string;
      unit_no: string;
      room: string;
      area: string;
      owners: { personId: number; name: string; voter: boolean }[] | null;
    }>(
      `SELECT u.id, u.compound_id, u.building_id, b.name AS building, u.unit_no, u.room, u.area::text AS area,
              (SELECT json_agg(json_build_object('personId', p.id, 'name', p.name, 'voter', uo.is_voter) ORDER BY p.id)
                 FROM linli.unit_owners uo JOIN linli.people p ON p.id = uo.person_id WHERE uo.unit_id = u.id) AS owners
       FROM linli.units u JOIN linli.orgs b ON b.id = u.building_id
       WHERE b.path @> ARRAY[$1::bigint] AND ($2::text IS NULL OR b.name = $2) AND ($3::bigint IS NULL OR u.id > $3)
       ORDER BY u.id LIMIT $4`,
      [compoundId, f.building ?? null, decodeCursor(f.cursor), f.limit + 1],
    );
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

async function buildingsOf(tx: Queryable, compoundId: number): Promise<Map<string, number>> {
  const { rows } = await tx.query<{ id: number; name: string }>(
    `SELECT id, name FROM linli.orgs WHERE parent_id = $1 AND kind = 'building'`,
    [compoundId],
  );
  return new Map(rows.map((r) => [r.name, r.id]));
}

async function matchOwner(
  tx: Queryable,
  compoundId: number,
  name: string,
  phone?: string,
): Promise<number | null> {
  const { rows } = await tx.query<{ id: number }>(
    phone
      ? `SELECT p.id FROM linli.people p WHERE p.phone = $2 AND ${personInSubtree(1)} ORDER BY p.id LIMIT 1`
      : `SELECT p.id FROM linli.people p WHERE p.name = $2 AND p.phone IS NULL AND EXISTS (
           SELECT 1 FROM linli.role_assignments ra WHERE ra.person_id = p.id AND ra.org_id = $1 AND ra.role = 'owner')
         ORDER BY p.id LIMIT 1`,
    [compoundId, phone ?? name],
  );
  return rows[0]?.id ?? null;
}
