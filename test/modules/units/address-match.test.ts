import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normaliseAddress } from '../../../src/flows/address.js';
import { locationKey, parseLocation } from '../../../src/flows/answers.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import {
  checkAddress,
  matchAddress,
  type RegisterEntry,
  registerEntries,
  unitForClaim,
} from '../../../src/modules/units/address-match.js';
import { openTestDb } from '../../support/db.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { quietServices } from '../../support/services.js';

let nextId = 1;
const entry = (building: string, unit: string, room: string): RegisterEntry => ({
  id: nextId++,
  building,
  unit,
  room,
  key: locationKey({ building, unit, room }),
});
const typed = (text: string) => normaliseAddress(text)!;
const names = (es: RegisterEntry[]) => es.map((e) => `${e.building}${e.unit}${e.room}`);

describe('matchAddress', () => {
  // a register spelt the way one property company keeps it
  const register = [
    entry('3号楼', '二单元', '501'),
    entry('3号楼', '一单元', '501'),
    entry('3号楼', '二单元', '502'),
    entry('4号楼', '二单元', '501'),
    entry('B座', '-', '1203'),
    entry('12栋', '1单元', '1101'),
  ];

  it('finds an entry stored in another spelling', () => {
    for (const t of ['3栋2单元501', '3#2-501', '3-2-501', '三栋二单元501室', '３号楼２单元５０１']) {
      const m = matchAddress(register, typed(t));
      expect(m.kind, t).toBe('exact');
      expect(m.kind === 'exact' && names([m.entry]), t).toEqual(['3号楼二单元501']);
    }
    const b = matchAddress(register, typed('b座1203室'));
    expect(b.kind === 'exact' && b.entry.room).toBe('1203');
  });

  it('offers the units of a building when the address names none and several fit', () => {
    const m = matchAddress(register, typed('3幢501'));
    expect(m.kind).toBe('several');
    expect(names(m.kind === 'several' ? m.entries : [])).toEqual(['3号楼一单元501', '3号楼二单元501']);
  });

  it('takes an address without a unit when one entry fits', () => {
    const m = matchAddress(register, typed('12栋1101'));
    expect(m.kind === 'exact' && names([m.entry])).toEqual(['12栋1单元1101']);
  });

  it('offers the closest entries when none fits, nearest first, at most five', () => {
    const m = matchAddress(register, typed('3栋3单元501'));
    expect(m.kind).toBe('none');
    // same building and room in other units (one part differs; 502 or 4号楼 would be two)
    expect(names(m.kind === 'none' ? m.entries : [])).toEqual(['3号楼一单元501', '3号楼二单元501']);
    const room = matchAddress(register, typed('3栋2单元510'));
    expect(names(room.kind === 'none' ? room.entries : [])).toEqual(['3号楼二单元501', '3号楼二单元502']);
    const building = matchAddress(register, typed('5栋2单元501'));
    expect(names(building.kind === 'none' ? building.entries : [])).toEqual([
      '3号楼二单元501',
      '4号楼二单元501',
    ]);
    const many = Array.from({ length: 9 }, (_, i) => entry('5栋', `${i + 1}单元`, '101'));
    const far = matchAddress(many, typed('5栋10单元101'));
    expect(far.kind !== 'exact' && far.entries.length).toBe(5);
  });

  it('offers nothing far away', () => {
    // another building and another room: not the same home mistyped
    expect(matchAddress(register, typed('9栋1单元101'))).toEqual({ kind: 'none', entries: [] });
    expect(matchAddress(register, typed('4栋1单元502'))).toEqual({ kind: 'none', entries: [] });
  });
});

describe('the register in the database', () => {
  let db: Db;
  let compound: number;
  beforeEach(async () => {
    db = await openTestDb('pglite');
    const s = quietServices(db);
    compound = (await seedCompoundChain(s)).compound;
    await s.units.importUnits(SYSTEM_ACTOR, compound, [
      { building: '3号楼', unit: '二单元', room: '501', area: '90', owners: [] },
      { building: '3号楼', unit: '一单元', room: '501', area: '90', owners: [] },
    ]);
  });
  afterEach(() => db.close());

  it('answers a location step with the entry in canonical spelling and its id, or suggestions', async () => {
    const [two] = (await registerEntries(db, compound)).filter((e) => e.unit === '二单元');
    const ok = await checkAddress(db, compound, parseLocation('3栋2单元501室')!, 'zh-CN');
    expect(ok).toEqual({
      ok: true,
      location: { building: '3栋', unit: '2单元', room: '501', unitId: two!.id },
    });
    const several = await checkAddress(db, compound, parseLocation('3幢501')!, 'zh-CN');
    expect(several.ok).toBe(false);
    expect(!several.ok && several.reason).toBe('3栋501 对应登记册里的好几户，请选一户：');
    expect(!several.ok && several.suggestions.map((l) => `${l.building}${l.unit}${l.room}`)).toEqual([
      '3栋1单元501',
      '3栋2单元501',
    ]);
  });

  it('a claim names one unit: the chosen id in this compound, or the one exact fit', async () => {
    const entries = await registerEntries(db, compound);
    expect((await unitForClaim(db, compound, parseLocation('3号楼二单元501')!))?.unit).toBe('二单元');
    expect(await unitForClaim(db, compound, parseLocation('3幢501')!)).toBeNull();
    const chosen = { ...parseLocation('3幢501')!, unitId: entries[1]!.id };
    expect((await unitForClaim(db, compound, chosen))?.id).toBe(entries[1]!.id);
    expect(await unitForClaim(db, compound, { ...chosen, unitId: 999_999 })).toBeNull();
  });
});
