import type { Services } from '../../app/modules.js';
import { recordAudit } from '../../kernel/access/audit.js';
import { SYSTEM_ACTOR } from '../../kernel/access/principal.js';
import type { Db } from '../../kernel/db/db.js';
import type { OrgKind } from '../orgs/index.js';
import type { Role } from '../people/index.js';
import { findOrgByName, findPersonByPhone, holdsRole, seedMarks } from './repository.js';

/**
 * A small demo city for a first run: one chain down to two compounds, their buildings,
 * units with owners (a co-owned unit, an owner of two units) and a person in every role.
 *
 * Contract: seeded only when the database has no org at all (so it never touches real data),
 * or when a start stopped half-way through seeding it (its `demo.seed_started` audit entry has
 * no `demo.seed_finished`): then it is completed. Every step finds what an earlier run made
 * before creating it (orgs by parent and name, people by org and phone, roles, units by
 * address), so a run repeated or resumed makes the demo exactly once. Concurrent first starts
 * are serialized by the caller (src/kernel/db/startup-lock.ts), not here.
 */
export async function seedDemoIfEmpty(db: Db, s: Services): Promise<boolean> {
  const state = await demoState(db);
  if (state === 'skip') return false;
  if (state === 'empty') await mark(db, 'demo.seed_started');
  const a = SYSTEM_ACTOR;
  const org = async (kind: OrgKind, name: string, parentId?: number) => {
    return (
      (await findOrgByName(db, parentId ?? null, name)) ??
      (await s.orgs.create(a, { kind, name, parentId })).id
    );
  };
  const city = await org('city', '示范市');
  const district = await org('district', '锦江区', city);
  const subdistrict = await org('subdistrict', '春熙路街道', district);
  const community = await org('community', '和平社区', subdistrict);
  const sunshine = await org('compound', '阳光小区', community);
  const happiness = await org('compound', '幸福里小区', community);

  const person = async (name: string, phone: string, orgId: number, roles: [Role, number][]) => {
    const id =
      (await findPersonByPhone(db, orgId, phone)) ?? (await s.people.create(a, { name, phone, orgId })).id;
    for (const [role, at] of roles) {
      if (!(await holdsRole(db, id, at, role))) await s.people.grantRole(a, at, { personId: id, role });
    }
    return id;
  };
  await person('市级管理员', '13800000001', city, [
    ['admin', city],
    ['handler', city],
  ]);
  await person('区级专员', '13800000002', district, [['handler', district]]);
  await person('街道干部 周敏', '13800000003', subdistrict, [['handler', subdistrict]]);
  await person('社区书记 陈红', '13800000004', community, [
    ['handler', community],
    ['party_secretary', community],
  ]);
  for (const [compound, tag] of [
    [sunshine, '阳光'],
    [happiness, '幸福里'],
  ] as const) {
    await person(`${tag}网格员 李强`, phoneFor(tag, 1), compound, [
      ['grid_worker', compound],
      ['handler', compound],
    ]);
    await person(`${tag}物业经理 王刚`, phoneFor(tag, 2), compound, [
      ['property_manager', compound],
      ['handler', compound],
    ]);
    await person(`${tag}业委会 赵静`, phoneFor(tag, 3), compound, [['committee_member', compound]]);
    await person(`${tag}支部书记 孙丽`, phoneFor(tag, 4), compound, [
      ['party_secretary', compound],
      ['party_member', compound],
    ]);
    await person(`${tag}党员 刘洋`, phoneFor(tag, 5), compound, [
      ['party_member', compound],
      ['resident', compound],
    ]);
    await person(`${tag}租户 吴磊`, phoneFor(tag, 6), compound, [['resident', compound]]);
  }
  await s.units.importUnits(a, sunshine, [
    {
      building: '1栋',
      unit: '1单元',
      room: '101',
      area: '89.50',
      owners: [{ name: '张伟', phone: '13900000001' }],
    },
    {
      building: '1栋',
      unit: '1单元',
      room: '102',
      area: '120.00',
      owners: [
        { name: '王芳', phone: '13900000002', voter: true },
        { name: '李军', phone: '13900000003' },
      ],
    },
    {
      building: '1栋',
      unit: '2单元',
      room: '201',
      area: '75.25',
      owners: [{ name: '张伟', phone: '13900000001' }],
    },
    {
      building: '2栋',
      unit: '1单元',
      room: '301',
      area: '98.00',
      owners: [{ name: '刘敏', phone: '13900000004' }],
    },
    {
      building: '2栋',
      unit: '1单元',
      room: '302',
      area: '98.00',
      owners: [{ name: '陈静', phone: '13900000005' }],
    },
  ]);
  await s.units.importUnits(a, happiness, [
    {
      building: 'A座',
      unit: '1单元',
      room: '1001',
      area: '66.80',
      owners: [{ name: '黄磊', phone: '13900000011' }],
    },
    {
      building: 'A座',
      unit: '1单元',
      room: '1002',
      area: '88.00',
      owners: [{ name: '周杰', phone: '13900000012' }],
    },
  ]);
  await mark(db, 'demo.seed_finished');
  return true;
}

/**
 * `empty`: no org at all; `unfinished`: a seed started and did not finish; `skip`: anything else
 * (a finished demo, real data, or a demo seeded before these marks existed).
 */
async function demoState(db: Db): Promise<'empty' | 'unfinished' | 'skip'> {
  const r = await seedMarks(db);
  if (!r.any_org) return 'empty';
  return r.started && !r.finished ? 'unfinished' : 'skip';
}

/** The seed's progress marks: audit entries of the system, outside every org's scope. */
async function mark(db: Db, action: 'demo.seed_started' | 'demo.seed_finished'): Promise<void> {
  await db.transaction((tx) =>
    recordAudit(tx, SYSTEM_ACTOR, { action, objectType: 'demo', objectId: null, orgId: null }),
  );
}

function phoneFor(tag: string, n: number): string {
  return `1370000${tag === '阳光' ? '1' : '2'}00${n}`;
}
