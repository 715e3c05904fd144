import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/app/modules.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { createQueueBackend, type QueueBackend } from '../../../src/kernel/queue/backend.js';
import { QueueName } from '../../../src/kernel/queue/names.js';
import {
  bucketJobId,
  bucketOf,
  ComplaintService,
} from '../../../src/modules/complaints/commands/transitions.js';
import { startDeadlineWorker } from '../../../src/modules/complaints/moments.js';
import { openTestDb } from '../../support/db.js';
import { queueKinds, TEST_REDIS_URL } from '../../support/env.js';
import { MemoryQueues } from '../../support/memory-queues.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { deleteRedisKeys } from '../../support/redis.js';
import { quietNotices, quietServices } from '../../support/services.js';

const SHORT = {
  calendar: 'natural' as const,
  levels: Object.fromEntries(
    ['compound', 'community', 'subdistrict', 'district', 'city'].map((l) => [
      l,
      { '*': { ack: 'PT1S', resolve: 'PT30S' } },
    ]),
  ),
};

describe.each(queueKinds())('complaints with deadlines on %s', (kind) => {
  let db: Db;
  let queues: QueueBackend;
  let s: Services;
  let chain: Awaited<ReturnType<typeof seedCompoundChain>>;
  const prefix = `linli-cp-${randomBytes(4).toString('hex')}`;

  const file = async (svc?: ComplaintService) =>
    db.transaction(async (tx) => {
      return (svc ?? s.complaints).file(tx, {
        compoundId: chain.compound,
        reporterId: null,
        anonymous: false,
        category: 'lifts',
        description: '电梯停在5楼',
        photos: [],
      });
    });
  const row = async (id: number) =>
    (
      await db.query<{
        level: string;
        status: string;
        overdue: boolean;
        escalations: number;
        version: number;
      }>('SELECT level, status, overdue, escalations, version FROM linli.complaints WHERE id = $1', [id])
    ).rows[0]!;

  beforeEach(async () => {
    db = await openTestDb('pglite');
    queues = await createQueueBackend({
      db,
      redisUrl: kind === 'redis' ? TEST_REDIS_URL : undefined,
      prefix,
    });
    s = quietServices(db, { queues });
    chain = await seedCompoundChain(s);
  });
  afterEach(async () => {
    await queues.close();
    await db.close();
    if (kind === 'redis') await deleteRedisKeys(`${prefix}:*`);
  });

  it('escalates through every level on real BullMQ jobs, then stays overdue at the city', async () => {
    await s.policies.put(SYSTEM_ACTOR, chain.city, SHORT);
    const worker = await startDeadlineWorker(queues, s.complaints, pino({ level: 'silent' }), 3_600_000);
    try {
      const c = await file();
      await s.complaints.scheduleDeadlines(c);
      await expect.poll(async () => (await row(c.id)).overdue, { timeout: 20_000, interval: 200 }).toBe(true);
      expect(await row(c.id)).toMatchObject({ level: 'city', status: 'submitted', escalations: 4 });
      const { rows } = await db.query<{ type: string; level_org_id: number }>(
        'SELECT type, level_org_id FROM linli.complaint_events WHERE complaint_id = $1 ORDER BY id',
        [c.id],
      );
      expect(rows.map((r) => r.type)).toEqual([
        'submitted',
        'escalate',
        'escalate',
        'escalate',
        'escalate',
        'overdue',
      ]);
      expect(rows.slice(1, 5).map((r) => r.level_org_id)).toEqual([
        chain.community,
        chain.subdistrict,
        chain.district,
        chain.city,
      ]);
    } finally {
      await worker.close();
    }
  });

  it('loses no deadline when the queue loses every job: the reconciler escalates from the rows', async () => {
    await s.policies.put(SYSTEM_ACTOR, chain.city, SHORT);
    const c = await file();
    await s.complaints.scheduleDeadlines(c);
    await queues.queue(QueueName.deadlines).obliterate({ force: true });
    await new Promise((r) => setTimeout(r, 1200));
    const worker = await startDeadlineWorker(queues, s.complaints, pino({ level: 'silent' }), 3_600_000);
    try {
      expect((await row(c.id)).level).toBe('community');
    } finally {
      await worker.close();
    }
  });

  it('deadlines falling in one slot share one bucket job, and one sweep escalates them all', async () => {
    await s.policies.put(SYSTEM_ACTOR, chain.city, SHORT);
    // thirty complaints filed at the same instant: the same ack and resolve deadlines
    const at = new Date();
    const sameInstant = new ComplaintService(db, queues, quietNotices, () => at);
    const filed: Awaited<ReturnType<typeof file>>[] = [];
    for (let i = 0; i < 30; i++) filed.push(await file(sameInstant));
    for (const c of filed) await sameInstant.scheduleDeadlines(c);
    // the two deadlines and their two warnings
    const slots = new Set(
      filed.flatMap((c) =>
        [c.ack_due_at, c.resolve_due_at, c.ack_warn_at, c.resolve_warn_at].map((d) => bucketOf(d!)),
      ),
    );
    expect(slots.size).toBe(4);
    const q = queues.queue(QueueName.deadlines);
    // no worker yet: each bucket is delayed, or waiting once its time has passed
    expect(await q.getJobCountByTypes('delayed', 'wait', 'prioritized')).toBe(4);
    const worker = await startDeadlineWorker(queues, s.complaints, pino({ level: 'silent' }), 3_600_000);
    try {
      await expect
        .poll(
          async () => (await Promise.all(filed.map((c) => row(c.id)))).every((r) => r.level !== 'compound'),
          {
            timeout: 20_000,
            interval: 200,
          },
        )
        .toBe(true);
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM linli.complaint_events WHERE type = 'escalate' AND level_org_id = $1`,
        [chain.community],
      );
      expect(rows[0]!.n).toBe(30);
    } finally {
      await worker.close();
    }
  });

  it('the reconciler re-adds the bucket jobs of future deadlines and warnings the queue lost', async () => {
    const c = await file();
    await s.complaints.scheduleDeadlines(c);
    const q = queues.queue(QueueName.deadlines);
    const ackJob = bucketJobId(bucketOf(c.ack_due_at!));
    expect(await q.getJob(ackJob)).toBeTruthy();
    await q.obliterate({ force: true });
    expect(await q.getJob(ackJob)).toBeFalsy();
    const r = await s.complaints.reconcile();
    expect(r).toEqual({ escalated: 0, rescheduled: 4, renotified: 0 }); // two deadlines, two warnings
    expect(await q.getJob(ackJob)).toBeTruthy();
    expect(await s.complaints.reconcile()).toEqual({ escalated: 0, rescheduled: 0, renotified: 0 });
  });

  it('two handlers accepting at once: one wins, the other is told', async () => {
    const c = await file();
    const results = await Promise.allSettled([
      s.complaints.act(SYSTEM_ACTOR, c.id, { action: 'accept', version: c.version }),
      s.complaints.act(SYSTEM_ACTOR, c.id, { action: 'accept', version: c.version }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason.status).toBe(409);
  });

  it('a stale deadline job does nothing once the complaint moved on', async () => {
    const c = await file();
    await s.complaints.act(SYSTEM_ACTOR, c.id, { action: 'accept' });
    expect(await s.complaints.escalateIfDue(c.id, c.version)).toBe(false);
    expect((await row(c.id)).level).toBe('compound');
  });
});

describe('complaint actions', () => {
  it('reopens at the same level, escalates after too many reopenings, refuses what the loop forbids', async () => {
    const db = await openTestDb('pglite');
    try {
      const s = quietServices(db);
      const chain = await seedCompoundChain(s);
      await s.policies.put(SYSTEM_ACTOR, chain.compound, { calendar: 'workdays', levels: {}, maxReopens: 1 });
      const svc = new ComplaintService(db, new MemoryQueues(), quietNotices);
      const c = await db.transaction(async (tx) => {
        return svc.file(tx, {
          compoundId: chain.compound,
          reporterId: null,
          anonymous: false,
          category: 'noise',
          description: '楼上装修太吵',
          photos: [],
        });
      });
      for (const action of ['accept', 'start', 'resolve', 'reopen', 'accept', 'resolve'] as const)
        await svc.act(SYSTEM_ACTOR, c.id, { action });
      const again = await svc.act(SYSTEM_ACTOR, c.id, { action: 'reopen' });
      expect(again).toMatchObject({ status: 'reopened', level: 'community', reopen_count: 2 });
      await expect(svc.act(SYSTEM_ACTOR, c.id, { action: 'close' })).rejects.toMatchObject({
        status: 409,
        code: 'invalid_transition',
      });
      await expect(svc.act(SYSTEM_ACTOR, c.id, { action: 'reject' })).rejects.toMatchObject({ status: 400 });
      const detail = await svc.get(SYSTEM_ACTOR.principal, c.id);
      expect(detail.events.map((e) => e.type)).toEqual([
        'submitted',
        'accept',
        'start',
        'resolve',
        'reopen',
        'accept',
        'resolve',
        'reopened_escalated',
      ]);
    } finally {
      await db.close();
    }
  });

  it('closes a resolved complaint as unrated after the rating timeout, also after a reopen', async () => {
    const db = await openTestDb('pglite');
    try {
      const s = quietServices(db);
      const chain = await seedCompoundChain(s);
      let clock = new Date('2026-11-23T02:00:00Z');
      const svc = new ComplaintService(db, new MemoryQueues(), quietNotices, () => clock);
      const c = await db.transaction(async (tx) => {
        return svc.file(tx, {
          compoundId: chain.compound,
          reporterId: null,
          anonymous: false,
          category: 'sanitation',
          description: '垃圾没人收',
          photos: [],
        });
      });
      await svc.act(SYSTEM_ACTOR, c.id, { action: 'accept' });
      await svc.act(SYSTEM_ACTOR, c.id, { action: 'resolve' });
      await db.transaction((tx) => svc.rate(tx, c.id, 'dissatisfied', '还是有味道', null));
      await svc.act(SYSTEM_ACTOR, c.id, { action: 'accept' });
      clock = new Date(clock.getTime() + 60_000);
      await svc.act(SYSTEM_ACTOR, c.id, { action: 'resolve' });
      clock = new Date(clock.getTime() + 71 * 3600_000);
      expect(await svc.closeUnratedIfDue(c.id)).toBe(false);
      clock = new Date(clock.getTime() + 2 * 3600_000);
      expect(await svc.closeUnratedIfDue(c.id)).toBe(true);
      const detail = await svc.get(SYSTEM_ACTOR.principal, c.id);
      expect(detail.status).toBe('closed');
      expect(detail.events.at(-1)).toMatchObject({
        type: 'close',
        note: 'no rating in time: closed as unrated',
      });
    } finally {
      await db.close();
    }
  });
});
