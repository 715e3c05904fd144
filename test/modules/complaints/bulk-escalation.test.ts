import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/app/modules.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { ComplaintService } from '../../../src/modules/complaints/commands/transitions.js';
import { insertComplaint } from '../../../src/modules/complaints/repository.js';
import { openTestDb, type TestDb } from '../../support/db.js';
import { engines } from '../../support/env.js';
import { MemoryQueues } from '../../support/memory-queues.js';
import { metricValue } from '../../support/metric-values.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { quietNotices, quietServices } from '../../support/services.js';

/** The set-based sweep: same effect per row as the escalate transition, never twice for one row. */
describe.each(engines())('set-based escalation on %s', (engine) => {
  let db: TestDb;
  let s: Services;
  let chain: Awaited<ReturnType<typeof seedCompoundChain>>;

  beforeEach(async () => {
    db = await openTestDb(engine);
    s = quietServices(db);
    chain = await seedCompoundChain(s);
    await s.policies.put(SYSTEM_ACTOR, chain.city, {
      calendar: 'natural',
      levels: { community: { '*': { ack: 'PT2H', resolve: 'P2D' }, lifts: { ack: 'PT1H', resolve: 'P1D' } } },
    });
  });
  afterEach(async () => {
    await db.close();
  });

  const fileMany = async (d: Db, n: number, category = 'lifts') =>
    d.transaction(async (tx) => {
      const ids: number[] = [];
      for (let i = 0; i < n; i++) {
        const c = await insertComplaint(tx, {
          compoundId: chain.compound,
          reporterId: null,
          anonymous: false,
          category: i % 2 ? category : 'noise',
          description: `第${i}件`,
          photos: [],
        });
        ids.push(c.id);
      }
      return ids;
    });

  it('two sweeps racing escalate each overdue complaint exactly once, with the level above and its deadlines', async () => {
    const ids = await fileMany(db, 120);
    const now = new Date('2026-11-24T08:00:00Z');
    await db.query(
      `UPDATE linli.complaints SET ack_due_at = $1, resolve_due_at = $2 WHERE id = ANY($3::bigint[])`,
      [new Date(now.getTime() - 1000), new Date(now.getTime() + 86_400_000), ids],
    );
    const a = new ComplaintService(db, new MemoryQueues(), quietNotices, () => now);
    const b = new ComplaintService(db, new MemoryQueues(), quietNotices, () => now);
    const counted = { from_level: 'compound', outcome: 'escalated' };
    const before = {
      escalations: await metricValue('linli_escalations_total', counted),
      late: await metricValue('linli_deadline_lateness_seconds_count', { kind: 'escalation' }),
      lateSum: await metricValue('linli_deadline_lateness_seconds_sum', { kind: 'escalation' }),
    };
    const [x, y] = await Promise.all([a.escalateDue(25), b.escalateDue(25)]);
    expect(x + y).toBe(120);
    expect(await a.escalateDue(25)).toBe(0);
    // /metrics counts each escalation once, and how late it came (each deadline passed 1 s before)
    expect((await metricValue('linli_escalations_total', counted)) - before.escalations).toBe(120);
    expect(
      (await metricValue('linli_deadline_lateness_seconds_count', { kind: 'escalation' })) - before.late,
    ).toBe(120);
    expect(
      (await metricValue('linli_deadline_lateness_seconds_sum', { kind: 'escalation' })) - before.lateSum,
    ).toBeCloseTo(120, 6);
    const { rows } = await db.query<{
      id: number;
      category: string;
      level: string;
      level_org_id: number;
      ack_due_at: Date;
      escalations: number;
      version: number;
      events: number;
    }>(
      `SELECT c.id, c.category, c.level, c.level_org_id, c.ack_due_at, c.escalations, c.version,
         (SELECT count(*)::int FROM linli.complaint_events e WHERE e.complaint_id = c.id AND e.type = 'escalate') AS events
       FROM linli.complaints c WHERE c.id = ANY($1::bigint[]) ORDER BY c.id`,
      [ids],
    );
    for (const r of rows) {
      expect(r).toMatchObject({
        level: 'community',
        level_org_id: chain.community,
        escalations: 1,
        events: 1,
      });
      // category first, then '*': lifts get 1 h to acknowledge at the community, the rest 2 h
      const hours = r.category === 'lifts' ? 1 : 2;
      expect(r.ack_due_at.getTime()).toBe(now.getTime() + hours * 3_600_000);
    }
    const { rows: ev } = await db.query<{ note: string; actor_label: string; from_status: string }>(
      `SELECT note, actor_label, from_status FROM linli.complaint_events WHERE complaint_id = $1 AND type = 'escalate'`,
      [ids[0]],
    );
    expect(ev[0]).toMatchObject({ actor_label: 'system', from_status: 'submitted' });
    expect(ev[0]!.note).toContain('ack deadline');
  });

  it('leaves a complaint alone once it was accepted in time, and marks overdue at the top', async () => {
    const [accepted, atCity] = await fileMany(db, 2);
    const now = new Date('2026-11-24T08:00:00Z');
    await s.complaints.act(SYSTEM_ACTOR, accepted!, { action: 'accept' });
    await db.query(`UPDATE linli.complaints SET ack_due_at = $1, resolve_due_at = $2 WHERE id = $3`, [
      new Date(now.getTime() - 1000),
      new Date(now.getTime() + 3_600_000),
      accepted,
    ]);
    await db.query(
      `UPDATE linli.complaints SET level = 'city', level_org_id = $1, ack_due_at = $2 WHERE id = $3`,
      [chain.city, new Date(now.getTime() - 1000), atCity],
    );
    const svc = new ComplaintService(db, new MemoryQueues(), quietNotices, () => now);
    expect(await svc.escalateDue()).toBe(1);
    const { rows } = await db.query<{ id: number; level: string; overdue: boolean }>(
      'SELECT id, level, overdue FROM linli.complaints WHERE id = ANY($1::bigint[]) ORDER BY id',
      [[accepted, atCity]],
    );
    expect(rows).toEqual([
      { id: accepted, level: 'compound', overdue: false },
      { id: atCity, level: 'city', overdue: true },
    ]);
  });

  it('reminds the handlers of a complaint overdue at the city again every overdueReminderEvery, once per period', async () => {
    const [id] = await fileMany(db, 1);
    await s.policies.put(SYSTEM_ACTOR, chain.city, {
      calendar: 'natural',
      levels: {},
      overdueReminderEvery: 'PT1H',
    });
    let now = new Date('2026-11-24T08:00:00Z');
    await db.query(
      `UPDATE linli.complaints SET level = 'city', level_org_id = $1, ack_due_at = $2 WHERE id = $3`,
      [chain.city, new Date(now.getTime() - 1000), id],
    );
    const reminded: { id: number; n: number }[] = [];
    const notifier = {
      changed: async () => {},
      overdueReminder: async (c: { id: number; overdue_reminders: number }) =>
        void reminded.push({ id: c.id, n: c.overdue_reminders }),
      warning: async () => {},
    };
    const svc = new ComplaintService(db, new MemoryQueues(), notifier, () => now);
    const other = new ComplaintService(db, new MemoryQueues(), notifier, () => now);
    expect(await svc.escalateDue()).toBe(1); // marked overdue: that notice counts as the first reminder
    expect(await svc.remindOverdue()).toBe(0);
    now = new Date(now.getTime() + 30 * 60_000);
    expect(await svc.remindOverdue()).toBe(0);
    now = new Date(now.getTime() + 31 * 60_000);
    const [a, b] = await Promise.all([svc.remindOverdue(), other.remindOverdue()]);
    expect(a + b).toBe(1);
    expect(await svc.remindOverdue()).toBe(0);
    now = new Date(now.getTime() + 61 * 60_000);
    expect(await svc.remindOverdue()).toBe(1);
    expect(reminded).toEqual([
      { id, n: 1 },
      { id, n: 2 },
    ]);
    expect(
      (await db.query('SELECT overdue_reminders FROM linli.complaints WHERE id = $1', [id])).rows[0],
    ).toEqual({ overdue_reminders: 2 });
    // accepted but still not resolved: still overdue, still reminded; resolved: no more
    await svc.act(SYSTEM_ACTOR, id!, { action: 'accept' });
    now = new Date(now.getTime() + 61 * 60_000);
    expect(await svc.remindOverdue()).toBe(1);
    await svc.act(SYSTEM_ACTOR, id!, { action: 'resolve' });
    now = new Date(now.getTime() + 5 * 3_600_000);
    expect(await svc.remindOverdue()).toBe(0);
  });
});
