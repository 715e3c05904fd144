/**
 * The registration flow (登记) at the dispatcher, with addresses as residents type them: a register
 * spelt '3号楼' / '二单元', an address that fits several units or none, the closest entries offered
 * as choices (a bare number on WeChat, a button's payload as on Telegram), typing again instead,
 * and nothing registered before a unit is picked and confirmed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { type FlowChat, startFlowChat } from '../../support/flow-chat.js';

const claims = async (t: FlowChat) =>
  (
    await t.db.query<{ address: string; status: string }>(
      `SELECT b.name || u.unit_no || u.room AS address, ur.status FROM linli.unit_residents ur
         JOIN linli.units u ON u.id = ur.unit_id JOIN linli.orgs b ON b.id = u.building_id ORDER BY u.id`,
    )
  ).rows;

describe('registration with addresses as residents type them', () => {
  let t: FlowChat;
  beforeEach(async () => {
    t = await startFlowChat();
    // claims are approved at once here: approval has its own tests (claims.test.ts)
    await t.s.orgs.update(SYSTEM_ACTOR, t.compound, { settings: { requireResidentApproval: false } });
    await t.s.units.importUnits(SYSTEM_ACTOR, t.compound, [
      { building: '3号楼', unit: '一单元', room: '501', area: '90', owners: [] },
      { building: '3号楼', unit: '二单元', room: '501', area: '90', owners: [] },
      { building: '3号楼', unit: '二单元', room: '502', area: '90', owners: [] },
    ]);
  });
  afterEach(() => t.close());

  it('takes another spelling of a register entry at once', async () => {
    await t.say('李军', '登记');
    await t.say('李军', '3#2-501');
    expect((await t.last('李军')).text).toBe('登记为 3栋2单元501 的住户，对吗？');
    await t.say('李军', '是');
    expect((await t.last('李军')).text).toBe('登记成功！您已是 3栋2单元501 的住户。');
    expect(await claims(t)).toEqual([{ address: '3号楼二单元501', status: 'approved' }]);
  });

  it('offers the units that fit an address naming none; a bare number picks one', async () => {
    await t.say('李军', '登记');
    await t.say('李军', '三幢501');
    const offer = await t.last('李军');
    expect(offer.text).toMatch(/^3栋501 对应登记册里的好几户，请选一户：/);
    expect(offer.text).toContain('选一户，或重新输入住址。');
    expect(offer.choices?.map((c) => c.label)).toEqual(['3栋1单元501', '3栋2单元501']);
    expect(await claims(t)).toEqual([]);
    await t.say('李军', '2');
    expect((await t.last('李军')).text).toBe('登记为 3栋2单元501 的住户，对吗？');
    expect(await claims(t)).toEqual([]); // nothing before the confirmation
    await t.say('李军', '是');
    expect(await claims(t)).toEqual([{ address: '3号楼二单元501', status: 'approved' }]);
  });

  it('offers the closest entries when none fits; a button picks one, or the resident types again', async () => {
    await t.say('王芳', '登记');
    await t.say('王芳', '3栋2单元510');
    const offer = await t.last('王芳');
    expect(offer.text).toMatch(/^小区登记册里没有 3栋2单元510，您是不是指下面的某一户？/);
    expect(offer.choices?.map((c) => c.label)).toEqual(['3栋2单元501', '3栋2单元502']);
    // types again instead: a new address, checked again
    await t.say('王芳', '3栋1单元502');
    const again = await t.last('王芳');
    expect(again.choices?.map((c) => c.label)).toEqual(['3栋1单元501', '3栋2单元502']);
    await t.press('王芳', again.choices!.find((c) => c.label === '3栋2单元502')!.payload);
    expect((await t.last('王芳')).text).toBe('登记为 3栋2单元502 的住户，对吗？');
    await t.say('王芳', '否');
    expect(await claims(t)).toEqual([]);
  });

  it('says so when nothing is close', async () => {
    await t.say('王芳', '登记');
    await t.say('王芳', '9栋1单元101');
    const reply = await t.last('王芳');
    expect(reply.text).toMatch(/^小区里没有找到这个房号/);
    expect(reply.choices).toBeUndefined();
  });
});
