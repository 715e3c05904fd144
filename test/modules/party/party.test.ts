import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { Outbox } from '../../../src/kernel/outbox/outbox.js';
import { createQueueBackend, type QueueBackend } from '../../../src/kernel/queue/backend.js';
import { QueueName } from '../../../src/kernel/queue/names.js';
import { PartyService } from '../../../src/modules/party/commands/members.js';
import { TaskService, taskJobId } from '../../../src/modules/party/commands/tasks.js';
import { checkinYearDue } from '../../../src/modules/party/moments.js';
import { PartyNotifier } from '../../../src/modules/party/notifier.js';
import { insertIdentity, insertPerson, insertRole } from '../../../src/modules/people/repository.js';
import { openTestDb } from '../../support/db.js';
import { engines, queueKinds, TEST_REDIS_URL } from '../../support/env.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { deleteRedisKeys } from '../../support/redis.js';
import { quietServices } from '../../support/services.js';

// the first test of a file warms up a fresh database and module graph: slow on a loaded 2-CPU machine
vi.setConfig({ testTimeout: 90_000 });

const HOUR = 3600_000;

/** A compound with a party secretary, a workplace branch with its secretary, and `n` approved members. */
async function seedParty(db: Db, party: PartyService, n: number) {
  const chain = await seedCompoundChain(quietServices(db));
  const person = async (name: string, orgId: number) => {
    const p = await insertPerson(db, { name, orgId });
    await insertIdentity(db, { personId: p.id, channel: 'telegram', externalId: `tg-${p.id}-${name}` });
    return p.id;
  };
  const secretary = await person('支部书记', chain.compound);
  await insertRole(db, secretary, chain.compound, 'party_secretary');
  const branchSecretary = await person('单位书记', chain.community);
  const branch = await party.createBranch(SYSTEM_ACTOR, {
    orgId: chain.community,
    name: '市税务局第二党支部',
    secretaryPersonId: branchSecretary,
  });
  const members: { personId: number; memberId: number }[] = [];
  for (let i = 0; i < n; i++) {
    const personId = await person(`党员${i + 1}`, chain.compound);
    const r = await db.transaction((tx) =>
      party.register(tx, {
        personId,
        name: `党员${i + 1}`,
        branchId: branch.id,
        compoundId: chain.compound,
        commitments: ['all'],
        own: ['每月陪独居老人散步一次'],
      }),
    );
    await db.transaction((tx) =>
      party.decide(tx, r.member.id, 'approve', { personId: secretary, label: '支部书记' }),
    );
    members.push({ personId, memberId: r.member.id });
  }
  return { chain, secretary, branchSecretary, branch, members };
}

const deliveries = async (db: Db, personId: number) =>
  (
    await db.query<{ text: string; key: string }>(
      `SELECT message ->> 'text' AS text, idempotency_key AS key FROM linli.deliveries WHERE person_id = $1 ORDER BY id`,
      [personId],
    )
  ).rows;

describe.each(engines())('party members and tasks on %s', (engine) => {
  let db: Db & { close(): Promise<void> };
  let queues: QueueBackend;
  let clock: Date;
  let party: PartyService;
  let tasks: TaskService;
  const now = () => clock;

  beforeEach(async () => {
    db = await openTestDb(engine);
    queues = await createQueueBackend({ db });
    clock = new Date('2026-11-24T02:00:00Z');
    const notifier = new PartyNotifier(db, new Outbox(db, queues, null, now));
    party = new PartyService(db, notifier, now);
    tasks = new TaskService(db, queues, notifier, now);
  });
  afterEach(async () => {
    await queues.close();
    await db.close();
  });

  it('registration is pending until approved; the secretary gets buttons; a second decision is refused', async () => {
    const s = await seedParty(db, party, 0);
    const personId = (await insertPerson(db, { name: '微信名', orgId: s.chain.compound })).id;
    const r = await db.transaction((tx) =>
      party.register(tx, {
        personId,
        name: '张伟',
        branchId: s.branch.id,
        compoundId: s.chain.compound,
        commitments: ['lead_by_example', 'report_problems', 'bogus'],
        own: ['每周巡楼一次'],
      }),
    );
    await party.flush(r.staged);
    expect(r.member).toMatchObject({
      status: 'pending',
      commitments: ['lead_by_example', 'report_problems'],
      own_commitments: ['每周巡楼一次'],
    });
    const [toSecretary] = await deliveries(db, s.secretary);
    expect(toSecretary!.text).toContain('【党员报到】张伟（市税务局第二党支部）');
    expect(await party.isSecretaryFor(db, s.secretary, r.member.id)).toBe(true);
    expect(await party.isSecretaryFor(db, s.branchSecretary, r.member.id)).toBe(false);
    await db.transaction((tx) =>
      party.decide(tx, r.member.id, 'reject', { personId: s.secretary, label: 'x' }),
    );
    await expect(
      db.transaction((tx) => party.decide(tx, r.member.id, 'approve', { personId: s.secretary, label: 'x' })),
    ).rejects.toMatchObject({ status: 409 });
    // registering again after a rejection makes it pending again
    const again = await db.transaction((tx) =>
      party.register(tx, {
        personId,
        name: '张伟',
        branchId: s.branch.id,
        compoundId: s.chain.compound,
        commitments: ['all'],
        own: ['每周巡楼一次'],
      }),
    );
    expect(again.member).toMatchObject({ id: r.member.id, status: 'pending' });
    expect(again.member.commitments).toHaveLength(5);
  });

  it('bad tasks get a 400 naming the field, and nothing is written', async () => {
    const s = await seedParty(db, party, 1);
    const base = { orgId: s.chain.compound, title: '巡楼', dueAt: new Date(clock.getTime() + 24 * HOUR) };
    const field = async (body: Parameters<TaskService['create']>[1]) => {
      const err = await tasks.create(SYSTEM_ACTOR, body).then(
        () => null,
        (e) => e,
      );
      expect(err?.status).toBe(400);
      return err.details.map((d: { field: string }) => d.field);
    };
    expect(await field({ ...base })).toEqual(['volunteersNeeded']);
    expect(await field({ ...base, volunteersNeeded: 0 })).toEqual(['volunteersNeeded']);
    expect(await field({ ...base, assignees: [] })).toEqual(['assignees']);
    expect(await field({ ...base, volunteersNeeded: 1, dueAt: new Date(clock.getTime() - 1000) })).toEqual([
      'dueAt',
    ]);
    expect(await field({ ...base, assignees: [s.members[0]!.personId, s.secretary] })).toEqual([
      'assignees.1',
    ]);
    expect(await field({ ...base, orgId: s.chain.subdistrict, volunteersNeeded: 1 })).toEqual(['orgId']);
    expect((await db.query('SELECT 1 FROM linli.party_tasks')).rows).toHaveLength(0);
  });

  it('slot race: five members press accept at once for two slots; exactly two win, three are told it is full', async () => {
    const s = await seedParty(db, party, 5);
    const t = await tasks.create(SYSTEM_ACTOR, {
      orgId: s.chain.community,
      title: '疫苗接种引导',
      place: '社区卫生站',
      dueAt: new Date(clock.getTime() + 48 * HOUR),
      volunteersNeeded: 2,
    });
    expect(t).toMatchObject({ kind: 'volunteers', slots: 2 });
    // every member was asked privately with the two buttons
    for (const m of s.members)
      expect((await deliveries(db, m.personId))[1]!.text).toContain('【志愿者招募】需要 2 人');
    const results = await Promise.all(
      s.members.map((m) => db.transaction((tx) => tasks.accept(tx, t.id, m.personId))),
    );
    const winners = results.filter((r) => r.ok);
    const full = results.filter((r) => !r.ok);
    expect(winners).toHaveLength(2);
    expect(full.map((r) => (r.ok ? '' : r.message['zh-CN']))).toEqual(
      Array(3).fill('名额已满，谢谢您的热心！'),
    );
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM linli.party_task_assignments WHERE task_id = $1 AND status = 'accepted'`,
      [t.id],
    );
    expect(rows[0]!.n).toBe(2);
  });

  it('a finished or cancelled task answers clearly and records nothing', async () => {
    const s = await seedParty(db, party, 2);
    const [a, b] = s.members;
    const t = await tasks.create(SYSTEM_ACTOR, {
      orgId: s.chain.compound,
      title: '入户通知',
      dueAt: new Date(clock.getTime() + 24 * HOUR),
      assignees: [a!.personId],
    });
    // not an assignee
    const stranger = await db.transaction((tx) => tasks.accept(tx, t.id, b!.personId));
    expect(stranger).toMatchObject({ ok: false, message: { 'zh-CN': '这个任务不是派给您的。' } });
    expect((await db.transaction((tx) => tasks.accept(tx, t.id, a!.personId))).ok).toBe(true);
    const done = await db.transaction((tx) =>
      tasks.complete(tx, {
        taskId: t.id,
        personId: a!.personId,
        note: '已通知12户',
        photo: 'photo-1',
        hours: 1.5,
      }),
    );
    expect(done).toMatchObject({ ok: true, finished: true });
    const late = await db.transaction((tx) =>
      tasks.complete(tx, { taskId: t.id, personId: a!.personId, note: '又来', photo: null, hours: 1 }),
    );
    expect(late).toMatchObject({ ok: false, message: { 'zh-CN': '这个任务已经结束了，谢谢您。' } });
    const row = (
      await db.query<{ note: string; hours: string }>(
        'SELECT note, hours FROM linli.party_task_assignments WHERE task_id = $1 AND person_id = $2',
        [t.id, a!.personId],
      )
    ).rows[0];
    expect(row).toEqual({ note: '已通知12户', hours: '1.5' });

    const c = await tasks.create(SYSTEM_ACTOR, {
      orgId: s.chain.compound,
      title: '值班',
      dueAt: new Date(clock.getTime() + 24 * HOUR),
      volunteersNeeded: 1,
    });
    await tasks.cancel(SYSTEM_ACTOR, c.id);
    const after = await db.transaction((tx) => tasks.accept(tx, c.id, b!.personId));
    expect(after).toMatchObject({ ok: false, message: { 'zh-CN': '这个任务已取消，无需再回复。' } });
    const declined = await db.transaction((tx) => tasks.decline(tx, c.id, b!.personId));
    expect(declined.ok).toBe(false);
    expect(
      (
        await db.query(
          `SELECT 1 FROM linli.party_task_assignments WHERE task_id = $1 AND status <> 'invited'`,
          [c.id],
        )
      ).rows,
    ).toHaveLength(0);
    await expect(tasks.cancel(SYSTEM_ACTOR, c.id)).rejects.toMatchObject({ status: 409 });
  });

  it('service record and the yearly CSV count completed tasks and hours of that year (China time)', async () => {
    const s = await seedParty(db, party, 2);
    const [a, b] = s.members;
    const building = await quietServices(db).orgs.create(SYSTEM_ACTOR, {
      kind: 'building',
      name: '1栋',
      parentId: s.chain.compound,
    });
    const unit = await db.query<{ id: number }>(
      `INSERT INTO linli.units (compound_id, building_id, unit_no, room, area)
       VALUES ($1, $2, '1单元', '101', 80) RETURNING id`,
      [s.chain.compound, building.id],
    );
    await party.addPairing(SYSTEM_ACTOR, a!.memberId, unit.rows[0]!.id);
    for (const [title, hours] of [
      ['巡楼', 2],
      ['垃圾分类宣传', 1.5],
    ] as const) {
      const t = await tasks.create(SYSTEM_ACTOR, {
        orgId: s.chain.compound,
        title,
        dueAt: new Date(clock.getTime() + 24 * HOUR),
        assignees: [a!.personId],
      });
      await db.transaction((tx) => tasks.accept(tx, t.id, a!.personId));
      await db.transaction((tx) =>
        tasks.complete(tx, { taskId: t.id, personId: a!.personId, note: '完成', photo: 'p', hours }),
      );
    }
    const record = await party.serviceRecord(SYSTEM_ACTOR.principal, a!.memberId, 2026);
    expect(record).toMatchObject({ tasksDone: 2, hours: '3.5', ownCommitments: ['每月陪独居老人散步一次'] });
    expect(record.commitments).toHaveLength(5);
    expect(record.pairings).toHaveLength(1);
    expect((await party.serviceRecord(SYSTEM_ACTOR.principal, a!.memberId, 2025)).tasksDone).toBe(0);

    const csv = await party.serviceRecordsCsv(SYSTEM_ACTOR.principal, s.chain.community, 2026);
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe(
      'member_id,name,branch,compound,year,tasks_done,hours,commitments,own_commitments,paired_households',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${a!.memberId},党员1,市税务局第二党支部,阳光小区,2026,2,3\\.5,带头遵守小区公约.*,每月陪独居老人散步一次,1$`,
      ),
    );
    expect(lines[2]).toMatch(new RegExp(`^${b!.memberId},党员2,.*,2026,0,0\\.0,`));
  });

  it('the January check-in goes to every approved member once per year', async () => {
    const s = await seedParty(db, party, 2);
    expect(checkinYearDue(new Date('2026-12-31T15:59:00Z'))).toBeNull();
    expect(checkinYearDue(new Date('2027-01-01T01:00:00Z'))).toBe(2027);
    expect(await party.januaryCheckin(2027)).toEqual({ sent: 2, already: false });
    expect(await party.januaryCheckin(2027)).toEqual({ sent: 0, already: true });
    const mine = await deliveries(db, s.members[0]!.personId);
    expect(mine.filter((d) => d.key === `party-checkin-2027-${s.members[0]!.memberId}`)).toHaveLength(1);
    expect(mine.at(-1)!.text).toContain('【年度承诺践诺】党员1同志');
  });
});

describe.each(queueKinds())('task moments survive a lost queue (%s)', (kind) => {
  let db: Db & { close(): Promise<void> };
  let queues: QueueBackend;
  let clock: Date;
  const prefix = `linli-party-${randomBytes(4).toString('hex')}`;
  const now = () => clock;

  beforeEach(async () => {
    db = await openTestDb('pglite');
    queues = await createQueueBackend({
      db,
      redisUrl: kind === 'redis' ? TEST_REDIS_URL : undefined,
      prefix,
    });
    clock = new Date('2026-11-24T02:00:00Z');
  });
  afterEach(async () => {
    await queues.close();
    await db.close();
    if (kind === 'redis') await deleteRedisKeys(`${prefix}:*`);
  });

  it('re-adds lost jobs, then escalates an unaccepted and an overdue task to the branch secretary exactly once', async () => {
    const notifier = new PartyNotifier(db, new Outbox(db, queues, null, now));
    const party = new PartyService(db, notifier, now);
    const tasks = new TaskService(db, queues, notifier, now);
    const s = await seedParty(db, party, 2);
    const t = await tasks.create(SYSTEM_ACTOR, {
      orgId: s.chain.compound,
      branchId: s.branch.id,
      title: '消防通道巡查',
      dueAt: new Date(clock.getTime() + 10 * HOUR),
      acceptBy: new Date(clock.getTime() + 2 * HOUR),
      volunteersNeeded: 2,
    });
    const q = queues.queue(QueueName.party);
    expect(await q.getJob(taskJobId(t.id, 'unaccepted'))).toBeTruthy();
    await q.obliterate({ force: true });
    expect(await q.getJob(taskJobId(t.id, 'unaccepted'))).toBeFalsy();
    expect(await tasks.reconcile()).toEqual({ fired: 0, rescheduled: 1 });
    for (const stage of ['remind', 'unaccepted', 'overdue'] as const)
      expect(await q.getJob(taskJobId(t.id, stage))).toBeTruthy();

    // one member accepts; the queue is lost again; accept-by passes: the reconciler escalates
    await db.transaction((tx) => tasks.accept(tx, t.id, s.members[0]!.personId));
    await q.obliterate({ force: true });
    clock = new Date(clock.getTime() + 3 * HOUR);
    expect(await tasks.reconcile()).toEqual({ fired: 1, rescheduled: 1 });
    expect(await tasks.fireIfDue(t.id, 'unaccepted')).toBe(false); // a late duplicate job does nothing
    const toSecretary = await deliveries(db, s.branchSecretary);
    expect(toSecretary.map((d) => d.text)).toEqual([expect.stringContaining('【任务无人接】消防通道巡查')]);
    expect(toSecretary[0]!.text).toContain('需要 2 人，已接 1 人');

    // past the reminder and the due time with the work not done: a reminder, then overdue
    await q.obliterate({ force: true });
    clock = new Date(clock.getTime() + 8 * HOUR);
    expect((await tasks.reconcile()).fired).toBe(2);
    expect((await deliveries(db, s.members[0]!.personId)).map((d) => d.text)).toContainEqual(
      expect.stringContaining('【任务提醒】消防通道巡查'),
    );
    const later = await deliveries(db, s.branchSecretary);
    expect(later).toHaveLength(2);
    expect(later[1]!.text).toContain('【任务逾期】消防通道巡查');
    expect(later[1]!.text).toContain('未完成：党员1');
    expect(await tasks.reconcile()).toEqual({ fired: 0, rescheduled: 0 });
  });
});
