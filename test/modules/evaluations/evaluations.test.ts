import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../src/app/modules.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { Outbox } from '../../../src/kernel/outbox/outbox.js';
import { createQueueBackend, type QueueBackend } from '../../../src/kernel/queue/backend.js';
import { QueueName } from '../../../src/kernel/queue/names.js';
import {
  type CampaignRow,
  EvaluationService,
  type Notifier,
  type Results,
} from '../../../src/modules/evaluations/commands/campaigns.js';
import { startEvaluationWorker } from '../../../src/modules/evaluations/moments.js';
import { openTestDb } from '../../support/db.js';
import { queueKinds, TEST_REDIS_URL } from '../../support/env.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { deleteRedisKeys } from '../../support/redis.js';
import { quietServices } from '../../support/services.js';

const HOUR = 3600_000;

class RecordingNotifier implements Notifier {
  announced: number[] = [];
  reported: { id: number; results: Results }[] = [];
  failReports = 0;
  async announce(c: CampaignRow) {
    this.announced.push(c.id);
  }
  async report(c: CampaignRow, results: Results) {
    if (this.failReports > 0) {
      this.failReports--;
      throw new Error('outbox down');
    }
    this.reported.push({ id: c.id, results });
  }
}

describe.each(queueKinds())('evaluation campaigns opening and closing on the %s queue', (kind) => {
  let db: Db;
  let queues: QueueBackend;
  let s: Services;
  let chain: Awaited<ReturnType<typeof seedCompoundChain>>;
  let notifier: RecordingNotifier;
  let clock: Date;
  let evaluations: EvaluationService;
  const prefix = `linli-ev-${randomBytes(4).toString('hex')}`;

  const status = async (id: number) =>
    (
      await db.query<{ status: string; announced_at: Date | null; reported_at: Date | null }>(
        'SELECT status, announced_at, reported_at FROM linli.evaluation_campaigns WHERE id = $1',
        [id],
      )
    ).rows[0]!;
  const jobs = async (id: number) => {
    const q = queues.queue(QueueName.evaluations);
    return [
      Boolean(await q.getJob(`evaluation-${id}-open`)),
      Boolean(await q.getJob(`evaluation-${id}-close`)),
    ];
  };

  beforeEach(async () => {
    db = await openTestDb('pglite');
    queues = await createQueueBackend({
      db,
      redisUrl: kind === 'redis' ? TEST_REDIS_URL : undefined,
      prefix,
    });
    s = quietServices(db, { queues });
    chain = await seedCompoundChain(s);
    const company = await s.companies.create(SYSTEM_ACTOR, { orgId: chain.community, name: '安居物业' });
    await s.companies.contract(SYSTEM_ACTOR, company.id, {
      compoundId: chain.compound,
      startsOn: '2020-01-01',
    });
    await s.units.importUnits(SYSTEM_ACTOR, chain.compound, [
      { building: '1栋', unit: '1单元', room: '101', area: '80', owners: [{ name: '业主甲' }] },
    ]);
    notifier = new RecordingNotifier();
    clock = new Date();
    evaluations = new EvaluationService(db, queues, notifier, () => clock);
  });
  afterEach(async () => {
    await queues.close();
    await db.close();
    if (kind === 'redis') await deleteRedisKeys(`${prefix}:*`);
  });

  it('a lost queue loses nothing: the reconciler re-adds the jobs, opens, closes, and retries a failed report', async () => {
    const start = clock.getTime();
    const c = await evaluations.create(SYSTEM_ACTOR, {
      orgId: chain.community,
      opensAt: new Date(start + HOUR),
      closesAt: new Date(start + 2 * HOUR),
    });
    expect(await jobs(c.id)).toEqual([true, true]);
    await queues.queue(QueueName.evaluations).obliterate({ force: true });
    expect(await jobs(c.id)).toEqual([false, false]);
    expect(await evaluations.reconcile()).toEqual({ opened: 0, closed: 0, rescheduled: 1 });
    expect(await jobs(c.id)).toEqual([true, true]);
    expect(await evaluations.reconcile()).toEqual({ opened: 0, closed: 0, rescheduled: 0 });

    // an early job does nothing: the row decides
    expect(await evaluations.openIfDue(c.id)).toBe(false);
    clock = new Date(start + HOUR + 1000);
    await queues.queue(QueueName.evaluations).obliterate({ force: true });
    expect(await evaluations.reconcile()).toMatchObject({ opened: 1, closed: 0 });
    expect(await status(c.id)).toMatchObject({ status: 'open' });
    expect((await status(c.id)).announced_at).not.toBeNull();
    expect(notifier.announced).toEqual([c.id]);
    expect(await jobs(c.id)).toEqual([false, true]); // the close job is back
    expect(await evaluations.openIfDue(c.id)).toBe(false); // a duplicate open job
    await evaluations.reconcile();
    expect(notifier.announced).toEqual([c.id]); // announced once

    const unit = (await db.query<{ id: number }>('SELECT id FROM linli.units LIMIT 1')).rows[0]!.id;
    const scores = {
      security: 5,
      sanitation: 4,
      greening: 4,
      repair_speed: 3,
      facility_upkeep: 4,
      communication: 4,
    };
    const ok = await db.transaction((tx) =>
      evaluations.record(tx, {
        campaignId: c.id,
        unitId: unit,
        personId: null,
        scores,
        comment: '不错',
        channel: 'api',
      }),
    );
    expect(ok.ok).toBe(true);

    // closing: the report fails once (the outbox was down), the next sweep sends it
    clock = new Date(start + 2 * HOUR + 1000);
    notifier.failReports = 1;
    await expect(evaluations.closeIfDue(c.id)).rejects.toThrow('outbox down');
    expect(await status(c.id)).toMatchObject({ status: 'closed', reported_at: null });
    expect(await evaluations.reconcile()).toMatchObject({ opened: 0, closed: 0 });
    expect(notifier.reported).toHaveLength(1);
    expect(notifier.reported[0]!.results.compounds[0]).toMatchObject({ responses: 1, units: 1, overall: 4 });
    expect((await status(c.id)).reported_at).not.toBeNull();
    await evaluations.reconcile();
    expect(notifier.reported).toHaveLength(1);

    // a reply after the close: refused, nothing recorded
    const late = await db.transaction((tx) =>
      evaluations.record(tx, {
        campaignId: c.id,
        unitId: unit,
        personId: null,
        scores,
        comment: null,
        channel: 'api',
      }),
    );
    expect(late).toEqual({ ok: false, refusal: 'closed' });
  });

  it('opens and closes on real delayed jobs through the worker', async () => {
    const real = new EvaluationService(db, queues, notifier);
    const now = Date.now();
    const c = await real.create(SYSTEM_ACTOR, {
      orgId: chain.compound,
      opensAt: new Date(now + 300),
      closesAt: new Date(now + 1500),
    });
    expect(c.status).toBe('scheduled');
    const worker = await startEvaluationWorker(queues, real, pino({ level: 'silent' }), 3_600_000);
    try {
      await expect
        .poll(async () => (await status(c.id)).status, { timeout: 20_000, interval: 100 })
        .toBe('closed');
      await expect.poll(() => notifier.reported.length, { timeout: 10_000, interval: 100 }).toBe(1);
      expect(notifier.announced).toEqual([c.id]);
    } finally {
      await worker.close();
    }
  });
});

describe('evaluation notices and reports through the outbox', () => {
  it('announces to the residents’ groups and owners, reports privately to the committee in their language', async () => {
    const db = await openTestDb('pglite');
    const queues = await createQueueBackend({ db });
    try {
      const outbox = new Outbox(db, queues, null);
      const s = createServices(db, { queues, outbox });
      const chain = await seedCompoundChain(s);
      const company = await s.companies.create(SYSTEM_ACTOR, { orgId: chain.community, name: '安居物业' });
      await s.companies.contract(SYSTEM_ACTOR, company.id, {
        compoundId: chain.compound,
        startsOn: '2020-01-01',
      });
      await s.units.importUnits(SYSTEM_ACTOR, chain.compound, [
        { building: '1栋', unit: '1单元', room: '101', area: '80', owners: [{ name: '业主甲' }] },
      ]);
      const ownerId = (await db.query<{ id: number }>(`SELECT id FROM linli.people WHERE name = '业主甲'`))
        .rows[0]!.id;
      await s.people.addIdentity(SYSTEM_ACTOR, ownerId, { channel: 'telegram', externalId: '501' });
      await s.chats.bindDirect(SYSTEM_ACTOR, chain.compound, {
        channel: 'wechat',
        externalChatId: 'room@chatroom',
        purpose: 'residents',
      });
      for (const [name, locale, ext] of [
        ['Anna', 'en', '601'],
        ['赵静', 'zh-CN', '602'],
      ] as const) {
        const p = await s.people.create(SYSTEM_ACTOR, { name, locale, orgId: chain.compound });
        await s.people.grantRole(SYSTEM_ACTOR, chain.compound, { personId: p.id, role: 'committee_member' });
        await s.people.addIdentity(SYSTEM_ACTOR, p.id, { channel: 'telegram', externalId: ext });
      }
      const c = await s.evaluations.create(SYSTEM_ACTOR, {
        orgId: chain.compound,
        criteria: ['security'],
        opensAt: new Date(),
        closesAt: new Date(Date.now() + HOUR),
      });
      await s.evaluations.openIfDue(c.id);
      await s.evaluations.openIfDue(c.id); // twice: still one notice each
      const unit = (await db.query<{ id: number }>('SELECT id FROM linli.units')).rows[0]!.id;
      await s.evaluations.respond(SYSTEM_ACTOR, c.id, { unitId: unit, scores: { security: 5 } });
      await s.evaluations.closeNow(SYSTEM_ACTOR, c.id);
      await s.evaluations.reconcile(); // nothing more to send
      const { rows } = await db.query<{ chat_external_id: string; text: string; choices: unknown }>(
        `SELECT chat_external_id, message ->> 'text' AS text, message -> 'choices' AS choices
         FROM linli.deliveries ORDER BY id`,
      );
      expect(rows.map((r) => r.chat_external_id)).toEqual(['room@chatroom', '501', '601', '602']);
      expect(rows[0]!.text).toContain('在群里发送「物业评价」开始');
      expect(rows[0]!.choices).toBeNull();
      expect(rows[1]!.text).toContain('【物业服务评价】');
      expect(rows[2]!.text).toContain('[Property-service evaluation results]');
      expect(rows[2]!.text).toContain('1/1 units answered (100%), mean 5/5');
      expect(rows[2]!.text).toContain('Red list: 1. 安居物业 100');
      expect(rows[3]!.text).toContain('红榜：1. 安居物业 100');
    } finally {
      await queues.close();
      await db.close();
    }
  });
});

describe('which campaign and unit a resident answers for', () => {
  it('the first unanswered unit; refusals for another compound, no unit, nothing running, answered', async () => {
    const db = await openTestDb('pglite');
    try {
      const s = quietServices(db);
      const chain = await seedCompoundChain(s);
      const other = (
        await s.orgs.create(SYSTEM_ACTOR, { kind: 'compound', name: '幸福里', parentId: chain.community })
      ).id;
      const company = await s.companies.create(SYSTEM_ACTOR, { orgId: chain.community, name: '安居物业' });
      await s.companies.contract(SYSTEM_ACTOR, company.id, {
        compoundId: chain.compound,
        startsOn: '2020-01-01',
      });
      await s.units.importUnits(SYSTEM_ACTOR, chain.compound, [
        {
          building: '1栋',
          unit: '1单元',
          room: '101',
          area: '80',
          owners: [{ name: '两套房', phone: '13900000011' }],
        },
        {
          building: '1栋',
          unit: '1单元',
          room: '102',
          area: '80',
          owners: [{ name: '两套房', phone: '13900000011' }],
        },
      ]);
      await s.units.importUnits(SYSTEM_ACTOR, other, [
        { building: 'A座', unit: '1单元', room: '101', area: '80', owners: [{ name: '邻小区' }] },
      ]);
      const id = async (name: string) =>
        (await db.query<{ id: number }>('SELECT id FROM linli.people WHERE name = $1', [name])).rows[0]!.id;
      const twoUnits = await id('两套房');
      const neighbour = await id('邻小区');
      const nobody = (await s.people.create(SYSTEM_ACTOR, { name: '路人', orgId: chain.compound })).id;
      const forResident = (person: number, campaign: number | null, chatOrg: number | null = null) =>
        db.transaction((tx) => s.evaluations.forResident(tx, person, campaign, chatOrg));

      expect(await forResident(twoUnits, null)).toEqual({ ok: false, refusal: 'no_campaign' });
      const c = await s.evaluations.create(SYSTEM_ACTOR, {
        orgId: chain.community,
        criteria: ['security'],
        opensAt: new Date(),
        closesAt: new Date(Date.now() + HOUR),
      });
      expect(await forResident(twoUnits, c.id)).toEqual({ ok: false, refusal: 'not_open' });
      await s.evaluations.openIfDue(c.id);
      const first = await forResident(twoUnits, null);
      expect(first).toMatchObject({ ok: true, unit: { label: '1栋1单元101', compound: '阳光小区' } });
      if (!first.ok) throw new Error('unreachable');
      await db.transaction((tx) =>
        s.evaluations.record(tx, {
          campaignId: c.id,
          unitId: first.unit.id,
          personId: twoUnits,
          scores: { security: 4 },
          comment: null,
          channel: 'telegram',
        }),
      );
      expect(await forResident(twoUnits, c.id)).toMatchObject({ ok: true, unit: { label: '1栋1单元102' } });
      const second = await forResident(twoUnits, c.id);
      if (!second.ok) throw new Error('unreachable');
      await db.transaction((tx) =>
        s.evaluations.record(tx, {
          campaignId: c.id,
          unitId: second.unit.id,
          personId: twoUnits,
          scores: { security: 5 },
          comment: null,
          channel: 'telegram',
        }),
      );
      expect(await forResident(twoUnits, c.id)).toEqual({
        ok: false,
        refusal: 'duplicate',
        unitLabel: '1栋1单元101',
      });
      expect(await forResident(neighbour, c.id)).toEqual({ ok: false, refusal: 'not_in_scope' });
      expect(await forResident(nobody, c.id)).toEqual({ ok: false, refusal: 'no_unit' });
      // by keyword in the campaign's group, without a unit: register first, not "nothing running"
      expect(await forResident(nobody, null, chain.compound)).toEqual({ ok: false, refusal: 'no_unit' });
      expect(await forResident(neighbour, null, other)).toEqual({ ok: false, refusal: 'no_campaign' });
      await s.evaluations.cancel(SYSTEM_ACTOR, c.id);
      expect(await forResident(twoUnits, c.id)).toEqual({ ok: false, refusal: 'cancelled' });
    } finally {
      await db.close();
    }
  }, 90_000);
});
