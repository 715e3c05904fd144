import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { Outbox } from '../../../src/kernel/outbox/outbox.js';
import { parseQuietHours } from '../../../src/kernel/outbox/quiet-hours.js';
import { createQueueBackend, type QueueBackend } from '../../../src/kernel/queue/backend.js';
import { QueueName } from '../../../src/kernel/queue/names.js';
import { insertIdentity, insertPerson, insertRole } from '../../../src/modules/people/repository.js';
import {
  type CreateReminderBody,
  ReminderService,
} from '../../../src/modules/reminders/commands/reminders.js';
import { startReminderWorker } from '../../../src/modules/reminders/moments.js';
import { openTestDb, type TestDb } from '../../support/db.js';
import { type Engine, engines, queueKinds, TEST_REDIS_URL } from '../../support/env.js';
import { metricValue } from '../../support/metric-values.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { deleteRedisKeys } from '../../support/redis.js';
import { quietServices } from '../../support/services.js';

// the first test of a worker builds the migrated PGlite image: slow on a busy machine
vi.setConfig({ testTimeout: 120_000 });

const HOUR = 3_600_000;
const T0 = new Date('2026-03-01T10:00:00+08:00');

interface World {
  db: TestDb;
  queues: QueueBackend;
  reminders: ReminderService;
  clock: { now: Date };
  ids: Awaited<ReturnType<typeof seedCompoundChain>>;
  person(name: string, opts?: { role?: string; orgId?: number; telegram?: string }): Promise<number>;
  deliveries(): Promise<
    {
      key: string;
      person_id: number | null;
      chat: string;
      text: string;
      choices: unknown;
      not_before: Date;
    }[]
  >;
  close(): Promise<void>;
}

const opened: World[] = [];
afterEach(async () => {
  for (const w of opened.splice(0).reverse()) await w.close();
});

async function world(
  engine: Engine,
  opts: {
    kind?: 'postgres' | 'redis';
    quietHours?: string;
    db?: TestDb;
    prefix?: string;
    ids?: World['ids'];
  } = {},
): Promise<World> {
  const db = opts.db ?? (await openTestDb(engine));
  const prefix = opts.prefix ?? `linli-rm-${randomBytes(4).toString('hex')}`;
  const queues = await createQueueBackend({
    db,
    redisUrl: opts.kind === 'redis' ? TEST_REDIS_URL : undefined,
    prefix,
  });
  const clock = { now: T0 };
  const now = () => clock.now;
  const outbox = new Outbox(
    db,
    queues,
    opts.quietHours ? parseQuietHours(opts.quietHours, 'Asia/Shanghai') : null,
    now,
  );
  const reminders = new ReminderService(db, queues, outbox, { now });
  const ids = opts.ids ?? (await seedCompoundChain(quietServices(db)));
  let n = 0;
  const w: World = {
    db,
    queues,
    reminders,
    clock,
    ids,
    async person(name, p = {}) {
      return db.transaction(async (tx) => {
        const person = await insertPerson(tx, { name, orgId: p.orgId ?? ids.compound });
        await insertIdentity(tx, {
          personId: person.id,
          channel: 'telegram',
          externalId: p.telegram ?? `${9000 + person.id}-${++n}`,
        });
        if (p.role) await insertRole(tx, person.id, p.orgId ?? ids.compound, p.role as 'party_member');
        return person.id;
      });
    },
    async deliveries() {
      return (
        await db.query<{
          key: string;
          person_id: number | null;
          chat: string;
          text: string;
          choices: unknown;
          not_before: Date;
        }>(
          `SELECT idempotency_key AS key, person_id, chat_external_id AS chat, message->>'text' AS text,
                  message->'choices' AS choices, not_before
           FROM linli.deliveries ORDER BY id`,
        )
      ).rows;
    },
    async close() {
      await queues.close();
      if (!opts.db) await db.close();
      if (opts.kind === 'redis') await deleteRedisKeys(`${prefix}:*`);
    },
  };
  opened.push(w);
  return w;
}

const body = (w: World, extra: Partial<CreateReminderBody>): CreateReminderBody => ({
  orgId: w.ids.compound,
  audience: { kind: 'group', orgId: w.ids.compound },
  text: '{org}：{date}{time} 三方联席会议',
  locale: 'zh-CN',
  schedule: { at: new Date(T0.getTime() + HOUR).toISOString() },
  ...extra,
});

async function occurrences(db: Db, id: number) {
  return (
    await db.query<{ at: Date; status: string; follow_up_status: string | null }>(
      'SELECT at, status, follow_up_status FROM linli.reminder_occurrences WHERE reminder_id = $1 ORDER BY at',
      [id],
    )
  ).rows;
}

describe.each(engines())('reminder delivery on %s', (engine) => {
  it('a role in the org subtree gets it privately with 收到; only those who did not acknowledge get a follow-up', async () => {
    const w = await world(engine);
    const a = await w.person('甲', { role: 'party_member' });
    const b = await w.person('乙', { role: 'party_member' });
    const c = await w.person('丙', { role: 'party_member', orgId: w.ids.community });
    await w.person('丁', { role: 'resident' });
    const r = await w.reminders.create(
      SYSTEM_ACTOR,
      body(w, {
        orgId: w.ids.community,
        audience: { kind: 'role', orgId: w.ids.community, role: 'party_member' },
        ack: { followUpAfterHours: 2 },
      }),
    );
    const at = r.nextAt!;
    expect(await w.reminders.reconcile(new Date(at.getTime() - 1000))).toMatchObject({ fired: 0 });
    w.clock.now = new Date(at.getTime() + 5000);
    expect(await w.reminders.reconcile()).toMatchObject({ fired: 1 });
    const sent = await w.deliveries();
    expect(sent.map((d) => d.person_id).sort()).toEqual([a, b, c].sort());
    expect(sent[0]!.text).toBe('和平社区：2026年3月1日11:00 三方联席会议');
    expect(sent[0]!.choices).toEqual([{ label: '收到', payload: `rm:${r.id}:${at.getTime()}` }]);

    const chat = { channel: 'telegram' as const, externalId: 'x' };
    expect(await w.reminders.acknowledge(a, r.id, at, chat)).toBe('acked');
    expect(await w.reminders.acknowledge(a, r.id, at, chat)).toBe('already');
    const outsider = await w.person('戊', { role: 'resident' });
    expect(await w.reminders.acknowledge(outsider, r.id, at, chat)).toBe('not_recipient');

    // not yet: 1 h 59 min after
    expect(await w.reminders.reconcile(new Date(at.getTime() + 2 * HOUR - 60_000))).toMatchObject({
      followUps: 0,
    });
    expect(await w.reminders.reconcile(new Date(at.getTime() + 2 * HOUR + 1000))).toMatchObject({
      followUps: 1,
    });
    const followUps = (await w.deliveries()).filter((d) => d.key.includes('-f-'));
    expect(followUps.map((d) => d.person_id).sort()).toEqual([b, c].sort());
    expect(followUps[0]!.text).toContain('【提醒·请确认】');
    // a second run (another worker, a duplicate job) sends nothing more
    expect(await w.reminders.followUp(r.id, at, new Date(at.getTime() + 3 * HOUR))).toBe('skipped');
    expect(await w.reminders.reconcile(new Date(at.getTime() + 3 * HOUR))).toMatchObject({ followUps: 0 });
    expect((await w.deliveries()).length).toBe(5);
    const detail = await w.reminders.get(SYSTEM_ACTOR.principal, r.id);
    expect(detail.occurrences).toEqual([
      expect.objectContaining({ status: 'sent', recipients: 3, acknowledged: 1, followUpStatus: 'sent' }),
    ]);
    expect(detail.status).toBe('done');
  });

  it('catch-up: a recent missed occurrence is sent late, an old one is recorded as missed; the series goes on', async () => {
    const w = await world(engine);
    await w.db.query(
      `INSERT INTO linli.chats (channel, external_chat_id, org_id, purpose, bound_via) VALUES ('telegram', '-100', $1, 'residents', 'admin')`,
      [w.ids.compound],
    );
    const r = await w.reminders.create(
      SYSTEM_ACTOR,
      body(w, { schedule: { cron: '0 9 * * *', tz: 'Asia/Shanghai' } }),
    );
    expect(r.nextAt!.toISOString()).toBe('2026-03-02T01:00:00.000Z');
    // down from before the 2nd until the 4th at 12:00: the 2nd and 3rd are too old, the 4th is 3 h late
    expect(await w.reminders.reconcile(new Date('2026-03-04T12:00:00+08:00'))).toMatchObject({ fired: 3 });
    expect((await occurrences(w.db, r.id)).map((o) => [o.at.toISOString(), o.status])).toEqual([
      ['2026-03-02T01:00:00.000Z', 'missed'],
      ['2026-03-03T01:00:00.000Z', 'missed'],
      ['2026-03-04T01:00:00.000Z', 'sent'],
    ]);
    const sent = await w.deliveries();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.chat).toBe('-100');
    const after = await w.reminders.get(SYSTEM_ACTOR.principal, r.id);
    expect(after.nextAt!.toISOString()).toBe('2026-03-05T01:00:00.000Z');
  });

  it('a lost queue: the reconciler re-adds the job, and fires the occurrence when due', async () => {
    const w = await world(engine);
    const p = await w.person('甲');
    const r = await w.reminders.create(
      SYSTEM_ACTOR,
      body(w, { audience: { kind: 'people', personIds: [p] } }),
    );
    const q = w.queues.queue(QueueName.reminders);
    const id = `reminder-${r.id}-o${r.nextAt!.getTime()}`;
    expect(await q.getJob(id)).toBeTruthy();
    await q.remove(id);
    expect(await q.getJob(id)).toBeFalsy();
    expect(await w.reminders.reconcile()).toMatchObject({ fired: 0, rescheduled: 1 });
    expect(await q.getJob(id)).toBeTruthy();
    expect(await w.reminders.reconcile()).toMatchObject({ rescheduled: 0 });
    await q.remove(id);
    expect(await w.reminders.reconcile(new Date(r.nextAt!.getTime() + 60_000))).toMatchObject({ fired: 1 });
    expect((await w.deliveries()).map((d) => d.person_id)).toEqual([p]);
  });

  it('pause, resume (from the next occurrence after now, no catch-up) and delete', async () => {
    const w = await world(engine);
    const p = await w.person('甲');
    const r = await w.reminders.create(
      SYSTEM_ACTOR,
      body(w, {
        audience: { kind: 'people', personIds: [p] },
        schedule: { cron: '0 9 * * *', tz: 'Asia/Shanghai' },
      }),
    );
    await w.reminders.setStatus(SYSTEM_ACTOR, r.id, 'paused');
    w.clock.now = new Date('2026-03-03T10:00:00+08:00');
    expect(await w.reminders.reconcile()).toMatchObject({ fired: 0 });
    // the paused reminder's job, if it ran now, would do nothing
    expect(await w.reminders.fire(r.id, r.nextAt!)).toBe('skipped');
    const resumed = await w.reminders.setStatus(SYSTEM_ACTOR, r.id, 'active');
    expect(resumed.nextAt!.toISOString()).toBe('2026-03-04T01:00:00.000Z');
    w.clock.now = new Date('2026-03-04T09:00:30+08:00');
    expect(await w.reminders.reconcile()).toMatchObject({ fired: 1 });
    await w.reminders.remove(SYSTEM_ACTOR, r.id);
    w.clock.now = new Date('2026-03-05T09:00:30+08:00');
    expect(await w.reminders.reconcile()).toMatchObject({ fired: 0 });
    expect(await w.deliveries()).toHaveLength(1);
    await expect(w.reminders.get(SYSTEM_ACTOR.principal, r.id)).rejects.toMatchObject({ status: 404 });
  });

  it('the worker sends an occurrence and its follow-up when their jobs come due', async () => {
    const w = await world(engine);
    const p = await w.person('甲');
    const r = await w.reminders.create(
      SYSTEM_ACTOR,
      body(w, { audience: { kind: 'people', personIds: [p] }, ack: { followUpAfterHours: 1 } }),
    );
    const at = r.nextAt!;
    const worker = await startReminderWorker(w.queues, w.reminders, pino({ level: 'silent' }), 3_600_000);
    try {
      const q = w.queues.queue(QueueName.reminders);
      const until = async (what: string, check: () => Promise<boolean>) => {
        const end = Date.now() + 20_000;
        while (!(await check())) {
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
          await new Promise((res) => setTimeout(res, 50));
        }
      };
      // time passes: the delayed job comes due (re-added with no delay under its own id)
      w.clock.now = new Date(at.getTime() + 500);
      const id = `reminder-${r.id}-o${at.getTime()}`;
      await q.remove(id);
      await w.queues.add(
        QueueName.reminders,
        'occurrence',
        { reminderId: r.id, at: at.getTime() },
        { jobId: id },
      );
      await until('the occurrence', async () => (await occurrences(w.db, r.id)).length === 1);
      const followId = `reminder-${r.id}-o${at.getTime()}-followup`;
      await until('the follow-up job', async () => Boolean(await q.getJob(followId)));
      w.clock.now = new Date(at.getTime() + HOUR + 500);
      await q.remove(followId);
      await w.queues.add(
        QueueName.reminders,
        'follow-up',
        { reminderId: r.id, at: at.getTime() },
        { jobId: followId },
      );
      await until(
        'the follow-up',
        async () => (await occurrences(w.db, r.id))[0]?.follow_up_status === 'sent',
      );
      expect((await w.deliveries()).map((d) => [d.person_id, d.key.includes('-f-')])).toEqual([
        [p, false],
        [p, true],
      ]);
    } finally {
      await worker.close();
    }
  });

  it('quiet hours hold a reminder due at 23:00 until 07:00', async () => {
    const w = await world(engine, { quietHours: '22:00-07:00' });
    const p = await w.person('甲');
    const r = await w.reminders.create(
      SYSTEM_ACTOR,
      body(w, {
        audience: { kind: 'people', personIds: [p] },
        schedule: { at: '2026-03-01T23:00:00+08:00' },
      }),
    );
    w.clock.now = r.nextAt!;
    await w.reminders.reconcile();
    const [d] = await w.deliveries();
    expect(d!.not_before.toISOString()).toBe('2026-03-01T23:00:00.000Z');
  });
});

describe.each(queueKinds())('two workers, one occurrence (%s queue)', (kind) => {
  it('two processes racing on the job and their reconcilers send it once', async () => {
    // two processes: their own queue connections and services, one database and one queue
    const prefix = `linli-rm-${randomBytes(4).toString('hex')}`;
    const a = await world('pglite', { kind, prefix });
    const b = await world('pglite', { kind, db: a.db, prefix, ids: a.ids });
    const people = [await a.person('甲'), await a.person('乙')];
    const r = await a.reminders.create(
      SYSTEM_ACTOR,
      body(a, { audience: { kind: 'people', personIds: people }, ack: { followUpAfterHours: 1 } }),
    );
    const at = r.nextAt!;
    const late = new Date(at.getTime() + 1000);
    a.clock.now = late;
    b.clock.now = late;
    // the job fires now on both workers' queue, while both reconcilers and direct calls race
    await a.queues.queue(QueueName.reminders).remove(`reminder-${r.id}-o${at.getTime()}`);
    await a.queues.add(
      QueueName.reminders,
      'occurrence',
      { reminderId: r.id, at: at.getTime() },
      { jobId: `race-${r.id}` },
    );
    await b.queues.add(
      QueueName.reminders,
      'occurrence',
      { reminderId: r.id, at: at.getTime() },
      { jobId: `race-${r.id}` },
    );
    const logger = pino({ level: 'silent' });
    const fired = () => metricValue('linli_deadline_lateness_seconds_count', { kind: 'reminder' });
    const firedBefore = await fired();
    const [wa, wb] = await Promise.all([
      startReminderWorker(a.queues, a.reminders, logger, 3_600_000),
      startReminderWorker(b.queues, b.reminders, logger, 3_600_000),
      a.reminders.fire(r.id, at),
      b.reminders.fire(r.id, at),
      a.reminders.reconcile(),
      b.reminders.reconcile(),
    ]);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const left = [
        await a.queues.queue(QueueName.reminders).getJob(`race-${r.id}`),
        await b.queues.queue(QueueName.reminders).getJob(`race-${r.id}`),
      ].filter((j) => j && !j.finishedOn);
      if (left.length === 0) break;
      if (Date.now() > deadline) throw new Error('the race jobs did not run');
      await new Promise((res) => setTimeout(res, 50));
    }
    await wa.close();
    await wb.close();
    expect(await occurrences(a.db, r.id)).toEqual([expect.objectContaining({ status: 'sent' })]);
    expect((await fired()) - firedBefore).toBe(1); // /metrics: one occurrence fired, with its lateness
    const sent = await a.deliveries();
    expect(sent.map((d) => d.person_id).sort()).toEqual([...people].sort());
    // and the follow-up, raced the same way, goes once per person
    const followAt = new Date(at.getTime() + HOUR + 1000);
    await Promise.all([
      a.reminders.followUp(r.id, at, followAt),
      b.reminders.followUp(r.id, at, followAt),
      a.reminders.reconcile(followAt),
      b.reminders.reconcile(followAt),
    ]);
    expect((await a.deliveries()).filter((d) => d.key.includes('-f-'))).toHaveLength(2);
  });
});
