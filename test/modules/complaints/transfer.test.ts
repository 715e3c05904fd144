import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/app/modules.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { findComplaint, findComplaintForUpdate } from '../../../src/modules/complaints/repository.js';
import { pickTarget, transferTargets } from '../../../src/modules/complaints/transfer-targets.js';
import { insertPerson } from '../../../src/modules/people/repository.js';
import { openTestDb } from '../../support/db.js';
import { engines } from '../../support/env.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { RecordingOutbox } from '../../support/recording-outbox.js';
import { roleHolder } from '../../support/role-holder.js';
import { quietServices } from '../../support/services.js';

describe.each(engines())('who has a complaint: accept, transfer, return, grab again (%s)', (engine) => {
  let db: Db;
  let s: Services;
  let outbox: RecordingOutbox;
  let chain: Awaited<ReturnType<typeof seedCompoundChain>>;

  beforeEach(async () => {
    db = await openTestDb(engine);
    outbox = new RecordingOutbox(db);
    s = quietServices(db, { outbox });
    chain = await seedCompoundChain(s);
  });
  afterEach(async () => db.close());

  const holder = (name: string, orgId: number, role: string) => roleHolder(db, s, { name, orgId, role });
  const file = async () =>
    db.transaction(async (tx) => {
      return s.complaints.file(tx, {
        compoundId: chain.compound,
        reporterId: null,
        anonymous: false,
        category: 'lifts',
        description: '电梯异响',
        photos: [],
      });
    });
  /** A person's move in chat, as the buttons and flows make it (in one transaction, row locked). */
  const byPerson = (
    id: number,
    personId: number,
    body: Parameters<Services['complaints']['transition']>[2],
  ) =>
    db.transaction(async (tx) =>
      s.complaints.transition(tx, (await findComplaintForUpdate(tx, id))!, body, { label: 'p', personId }),
    );
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: { status: number; code: string; details: { field?: string }[] }) => ({
        status: e.status,
        code: e.code,
        field: e.details[0]?.field,
      }),
    );

  it('the person who accepts has it; in progress returned goes back to accepted with the resolve deadline running; a grab takes it then', async () => {
    const wang = await holder('王师傅', chain.compound, 'property_manager');
    const li = await holder('李师傅', chain.compound, 'property_manager');
    const c = await file();
    const accepted = await byPerson(c.id, wang, { action: 'accept' });
    expect(accepted.assignee_id).toBe(wang);
    const started = await byPerson(c.id, wang, { action: 'start' });
    const back = await byPerson(c.id, wang, { action: 'return', note: '不归物业管' });
    expect(back).toMatchObject({ status: 'accepted', assignee_id: null, assigned_role: null });
    expect(back.resolve_due_at).toEqual(started.resolve_due_at);
    expect(back.acknowledged_at).toEqual(accepted.acknowledged_at);
    // nobody has it: a second return is refused, naming why
    expect(await refusal(byPerson(c.id, li, { action: 'return', note: '再退' }))).toMatchObject({
      status: 409,
      code: 'not_assigned',
    });
    const grabbed = await byPerson(c.id, li, { action: 'grab' });
    expect(grabbed).toMatchObject({ status: 'accepted', assignee_id: li });
    expect(grabbed.acknowledged_at).toEqual(accepted.acknowledged_at);
    // the first press won: a second grab changes nothing
    expect(await refusal(byPerson(c.id, wang, { action: 'grab' }))).toMatchObject({
      status: 409,
      code: 'taken',
    });
    expect((await findComplaint(db, c.id))!.version).toBe(grabbed.version);
  });

  it('a transfer names one person who handles it there, or a role someone holds; bad ones change nothing', async () => {
    const wang = await holder('王师傅', chain.compound, 'property_manager');
    const li = await holder('李师傅', chain.compound, 'property_manager');
    const resident = (await insertPerson(db, { name: '居民', orgId: chain.compound })).id;
    const c = await file();
    await byPerson(c.id, wang, { action: 'accept' });
    const cases: [object, string][] = [
      [{}, 'assigneeId'],
      [{ assigneeId: li, role: 'property_manager' }, 'role'],
      [{ assigneeId: wang }, 'assigneeId'],
      [{ assigneeId: resident }, 'assigneeId'],
      [{ role: 'grid_worker' }, 'role'],
      [{ role: 'committee_member' }, 'role'],
    ];
    for (const [body, field] of cases) {
      expect(
        await refusal(byPerson(c.id, wang, { action: 'transfer', ...body })),
        JSON.stringify(body),
      ).toEqual({
        status: 400,
        code: 'validation_failed',
        field,
      });
    }
    const before = (await findComplaint(db, c.id))!;
    expect(before.assignee_id).toBe(wang);
    const toLi = await byPerson(c.id, wang, { action: 'transfer', assigneeId: li, note: '交给你' });
    expect(toLi).toMatchObject({
      status: 'accepted',
      assignee_id: li,
      assigned_role: null,
      version: before.version + 1,
    });
    const toRole = await byPerson(c.id, li, { action: 'transfer', role: 'property_manager' });
    expect(toRole).toMatchObject({ assignee_id: null, assigned_role: 'property_manager' });
    // the role's holders hear of it (and grab mode would let them take it); settled: refused
    await byPerson(c.id, wang, { action: 'resolve' });
    expect(await refusal(byPerson(c.id, wang, { action: 'transfer', assigneeId: li }))).toMatchObject({
      status: 409,
      code: 'invalid_transition',
    });
  });

  it('the chat list: the handlers at its level and the nearest grid worker above, not the presser, then their roles; a number or a name picks', async () => {
    const wang = await holder('王师傅', chain.compound, 'property_manager');
    await holder('李师傅', chain.compound, 'property_manager');
    await holder('社区网格员', chain.community, 'grid_worker');
    await holder('街道网格员', chain.subdistrict, 'grid_worker');
    await holder('社区物业', chain.community, 'property_manager');
    const c = await file();
    const targets = await transferTargets(db, c.id, wang, 'zh-CN');
    expect(targets.map((x) => x.label)).toEqual([
      '李师傅 · 物业经理',
      '社区网格员 · 网格员',
      '网格员（岗位，由任一网格员接手）',
      '物业经理（岗位，由任一物业经理接手）',
    ]);
    expect(pickTarget(targets, '2')).toMatchObject({ kind: 'person', name: '社区网格员' });
    expect(pickTarget(targets, ' 李师傅 ')).toMatchObject({ kind: 'person', name: '李师傅' });
    expect(pickTarget(targets, '4')).toMatchObject({ kind: 'role', role: 'property_manager' });
    expect(pickTarget(targets, '5')).toBeNull();
    expect(pickTarget(targets, '王师傅')).toBeNull();
    expect((await transferTargets(db, c.id, wang, 'en')).map((x) => x.label)[0]).toBe(
      '李师傅 · property manager',
    );
  });
});
