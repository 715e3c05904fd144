import { randomBytes } from 'node:crypto';
import type { Services } from '../../src/app/modules.js';
import { SYSTEM_ACTOR } from '../../src/kernel/access/principal.js';
import type { Db } from '../../src/kernel/db/db.js';

/**
 * The register used throughout:
 * - 甲 owns two units (100 + 50): one voter with 150 m²;
 * - 乙 and 丙 co-own a unit of 80 m², 丙 is the named voter;
 * - 丁 and 戊 co-own 70 m² and named nobody: it counts for 丁 (lower id), reported;
 * - 己 owns 40 m²; a unit of 60 m² has no owner (outside, reported).
 * Electorate: 甲 150, 丙 80, 丁 70, 己 40 = 340 m², 4 owners.
 */
export async function seedRegister(db: Db, s: Services, compoundId: number) {
  const person = async (name: string) =>
    (
      await db.query<{ id: number }>('INSERT INTO linli.people (name, org_id) VALUES ($1, $2) RETURNING id', [
        name,
        compoundId,
      ])
    ).rows[0]!.id;
  const building = (
    await s.orgs.create(SYSTEM_ACTOR, {
      kind: 'building',
      name: `${randomBytes(3).toString('hex')}号楼`,
      parentId: compoundId,
    })
  ).id;
  let room = 100;
  const unit = async (area: string, owners: [number, boolean][]) => {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO linli.units (compound_id, building_id, unit_no, room, area) VALUES ($1, $2, '1单元', $3, $4) RETURNING id`,
      [compoundId, building, String(room++), area],
    );
    for (const [p, voter] of owners)
      await db.query('INSERT INTO linli.unit_owners (unit_id, person_id, is_voter) VALUES ($1, $2, $3)', [
        rows[0]!.id,
        p,
        voter,
      ]);
    return rows[0]!.id;
  };
  const jia = await person('甲');
  const yi = await person('乙');
  const bing = await person('丙');
  const ding = await person('丁');
  const wu = await person('戊');
  const ji = await person('己');
  const outsider = await person('租户');
  await unit('100', [[jia, false]]);
  await unit('50.00', [[jia, false]]);
  await unit('80', [
    [yi, false],
    [bing, true],
  ]);
  const unnamed = await unit('70', [
    [wu, false],
    [ding, false],
  ]);
  const empty = await unit('60', []);
  await unit('40', [[ji, false]]);
  return { jia, yi, bing, ding, wu, ji, outsider, unnamed, empty };
}

/**
 * The committee's codes as the issue API answers them (`POST /orgs/:id/unit-codes`), by the name of
 * each unit's voter (first-listed owner: the named voter, else the co-owner with the lowest id).
 * Tests link owners' chat accounts by sending these codes in chat, as owners do.
 */
export function codesByVoter(issued: { owners: string[]; code: string }[]): Map<string, string> {
  const codes = new Map<string, string>();
  for (const u of issued) if (u.owners[0] && !codes.has(u.owners[0])) codes.set(u.owners[0], u.code);
  return codes;
}
