import { describe, expect, it } from 'vitest';
import {
  addressDistance,
  buildingKey,
  chineseNumeral,
  normaliseAddress,
  roomKey,
  unitKey,
} from '../../src/flows/address.js';
import { parseLocation } from '../../src/flows/answers.js';

// [as typed, building, unit (null: none named), room] — or [as typed, null] for what is no address
const TABLE: [string, string | null, (string | null)?, string?][] = [
  ['3栋2单元501', '3', '2', '501'],
  ['3号楼2单元501室', '3', '2', '501'],
  ['3号楼2单元501', '3', '2', '501'],
  ['3#2-501', '3', '2', '501'],
  ['3#2单元501', '3', '2', '501'],
  ['3-2-501', '3', '2', '501'],
  ['3/2/501', '3', '2', '501'],
  ['3幢501', '3', null, '501'],
  ['3幢501室', '3', null, '501'],
  ['3-501', '3', null, '501'],
  ['3#501', '3', null, '501'],
  ['三栋二单元501', '3', '2', '501'],
  ['三栋二单元五零一', '3', '2', '501'],
  ['十一栋三单元1102', '11', '3', '1102'],
  ['二十三号楼一单元302室', '23', '1', '302'],
  ['B座1203', 'B', null, '1203'],
  ['b座1203室', 'B', null, '1203'],
  ['A栋1单元1001', 'A', '1', '1001'],
  ['A座1单元1001', 'A', '1', '1001'],
  ['３栋２单元５０１', '3', '2', '501'],
  ['３－２－５０１', '3', '2', '501'],
  ['3 栋 2 单元 501', '3', '2', '501'],
  ['3　栋　2　单元　501', '3', '2', '501'],
  ['阳光小区3栋2单元501', '3', '2', '501'],
  ['阳光小区 3号楼 2单元 501室', '3', '2', '501'],
  ['阳光2期3栋2单元501', '3', '2', '501'],
  ['03栋02单元0501', '3', '2', '501'],
  ['3栋-2单元-501', '3', '2', '501'],
  ['3栋2-501', '3', '2', '501'],
  ['3栋2门501', '3', '2', '501'],
  ['3号2单元501号', '3', '2', '501'],
  ['12栋1单元101房', '12', '1', '101'],
  ['3栋2单元501A', '3', '2', '501A'],
  ['3—2—501', '3', '2', '501'],
  ['第3栋2单元501', '3', '2', '501'],
  // not an address
  ['', null],
  ['你好', null],
  ['501', null],
  ['3栋', null],
  ['3栋2单元', null],
  ['楼下垃圾没人收', null],
  ['hello world', null],
  ['3栋2单元5', null],
];

describe('normaliseAddress', () => {
  it.each(TABLE)('%s', (typed, building, unit, room) => {
    const key = normaliseAddress(typed);
    if (building === null) expect(key).toBeNull();
    else expect(key).toEqual({ building, unit, room });
  });
});

describe('register names as key parts', () => {
  it.each([
    ['3栋', '3'],
    ['3号楼', '3'],
    ['三号楼', '3'],
    ['3幢', '3'],
    ['B座', 'B'],
    ['b座', 'B'],
    ['03栋', '3'],
    ['阳光小区3栋', '3'],
    ['综合楼', '综合楼'],
  ])('building %s → %s', (name, key) => expect(buildingKey(name)).toBe(key));

  it.each([
    ['2单元', '2'],
    ['二单元', '2'],
    ['2', '2'],
    ['02门', '2'],
    ['-', null],
    ['无', null],
  ])('unit %s → %s', (name, key) => expect(unitKey(name)).toBe(key));

  it.each([
    ['501', '501'],
    ['501室', '501'],
    ['0501', '501'],
  ])('room %s → %s', (name, key) => expect(roomKey(name)).toBe(key));
});

describe('chineseNumeral', () => {
  it.each([
    ['一', 1],
    ['十', 10],
    ['十一', 11],
    ['二十', 20],
    ['二十三', 23],
    ['一百零一', 101],
    ['五零一', 501],
    ['两', 2],
  ])('%s → %d', (s, n) => expect(chineseNumeral(s)).toBe(n));
  it('is null for other text', () => expect(chineseNumeral('栋')).toBeNull());
});

describe('parseLocation (canonical spelling)', () => {
  it('writes numbered buildings 栋, lettered ones 座, the unit 单元', () => {
    expect(parseLocation('3号楼二单元501室')).toEqual({ building: '3栋', unit: '2单元', room: '501' });
    expect(parseLocation('b座1203')).toEqual({ building: 'B座', unit: '', room: '1203' });
    expect(parseLocation('东门')).toBeNull();
  });
});

describe('addressDistance', () => {
  const k = (building: string, unit: string | null, room: string) => ({ building, unit, room });
  it('is 0 for the same address, and a missing unit fits any', () => {
    expect(addressDistance(k('3', '2', '501'), k('3', '2', '501'))).toBe(0);
    expect(addressDistance(k('3', null, '501'), k('3', '2', '501'))).toBe(0);
  });
  it('counts each differing part', () => {
    expect(addressDistance(k('3', '2', '501'), k('3', '1', '501'))).toBe(1);
    expect(addressDistance(k('3', '2', '501'), k('4', '2', '501'))).toBe(1);
    expect(addressDistance(k('3', '2', '501'), k('3', '2', '502'))).toBe(1);
    expect(addressDistance(k('3', '2', '501'), k('5', '1', '1203'))).toBeGreaterThan(2);
  });
});
