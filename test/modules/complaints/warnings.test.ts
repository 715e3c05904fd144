import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/app/modules.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { Outbox } from '../../../src/kernel/outbox/outbox.js';
import { ComplaintService } from '../../../src/modules/complaints/commands/transitions.js';
import { ComplaintNotifier } from '../../../src/modules/complaints/notifier.js';
import { findComplaint } from '../../../src/modules/complaints/repository.js';
import { insertIdentity, insertPerson } from '../../../src/modules/people/repository.js';
import { openTestDb, type TestDb } from '../../support/db.js';
import { engines } from '../../support/env.js';
import { MemoryQueues } from '../../support/memory-queues.js';
import { metricValue } from '../../support/metric-values.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { RecordingOutbox } from '../../support/recording-outbox.js';
import { quietServices } from '../../support/services.js';

const T0 = new Date('2026-12-07T02:00:00Z'); // a Monday, 10:00 in Shanghai
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

describe.each(engines())('warnings before a breach (%s)', (engine) => {
  let db: TestDb;
  let s: Services;
  let now: Date;
  let chain: Awaited<ReturnType<typeof seedCompoundChain>>;
  const people: Record<string, number> = {};

  beforeEach(async () => {
    db = await openTestDb(engine);
    s = quietServices(db);
    now = T0;
    chain = await seedCompoundChain(s);
    const person = async (name: string, externalId: string, orgId: number, role?: string) => {
      const p = await insertPerson(db, { name, orgId });
      await insertIdentity(db, { personId: p.id, channel: 'telegram', externalId });
      if (role) await s.people.grantRole(SYSTEM_ACTOR, orgId, { personId: p.id, role: role as never });
      people[name] = p.id;
    };
    await person('物业王', 'tg-wang', chain.compound, 'property_manager');
    await person('物业李', 'tg-li', chain.compound, 'property_manager');
    await person('社区张', 'tg-zhang', chain.community, 'handler');
    await person('居民', 'tg-resident', chain.compound);
    await s.policies.put(SYSTEM_ACTOR, chain.compound, {
      calendar: 'natural',
      levels: { compound: { '*': { ack: 'PT1H', resolve: 'PT10H' } } },
      warnAtPercent: 50,
    });
  });
  afterEach(async () => db.close());

  const service = (outbox: Outbox) =>
    new ComplaintService(db, new MemoryQueues(), new ComplaintNotifier(db, outbox), () => now);

  const file = async (svc: ComplaintService) =>
    db.transaction(async (tx) => {
      return svc.file(tx, {
        compoundId: chain.compound,
        reporterId: people.居民!,
        anonymous: false,
        category: 'lifts',
        description: '电梯停在5楼',
        photos: [],
        channel: 'telegram',
        chatExternalId: null,
      });
    });

  it('warns once at the policy’s share of each limit: the level’s handlers with their buttons, the next level as supervisors', async () => {
    const outbox = new RecordingOutbox(db);
    const svc = service(outbox);
    const c = await file(svc);
    expect(c.ack_warn_at).toEqual(minutes(30));
    expect(c.resolve_warn_at).toEqual(minutes(300));

    now = minutes(29);
    expect(await svc.warnDue()).toBe(0);
    now = minutes(31);
    const late = () => metricValue('linli_deadline_lateness_seconds_sum', { kind: 'warning' });
    const before = await late();
    expect(await svc.warnDue()).toBe(1);
    expect((await late()) - before).toBeCloseTo(60, 6); // due at 30 min, sent at 31
    const sent = outbox.requests.map((r) => ({ to: r.message.chat.externalId, text: r.message.text }));
    expect(sent.map((m) => m.to).sort()).toEqual(['tg-li', 'tg-wang', 'tg-zhang']);
    const toWang = outbox.requests.find((r) => r.message.chat.externalId === 'tg-wang')!;
    expect(toWang.message.text).toContain('【即将超时】');
    expect(toWang.message.text).toContain('受理时限为 12月7日 11:00');
    expect(toWang.message.choices?.map((b) => b.label)).toEqual(['受理', '补充说明', '已处理', '转办']);
    const toZhang = outbox.requests.find((r) => r.message.chat.externalId === 'tg-zhang')!;
    expect(toZhang.message.text).toContain('【即将超时·督办】');
    expect(toZhang.message.choices).toBeUndefined();
    expect((await findComplaint(db, c.id))?.ack_warn_at).toBeNull();

    // once: the next sweep, and another process's, find nothing
    outbox.requests.length = 0;
    expect(await svc.warnDue()).toBe(0);
    expect(await service(outbox).warnDue()).toBe(0);
    expect(outbox.requests).toHaveLength(0);
  });

  it('the resolve warning goes to the assignee alone (and the supervisors); an acknowledged complaint has no ack warning left', async () => {
    const outbox = new RecordingOutbox(db);
    const svc = service(outbox);
    const c = await file(svc);
    now = minutes(5);
    await svc.act(SYSTEM_ACTOR, c.id, { action: 'accept' });
    await svc.act(SYSTEM_ACTOR, c.id, { action: 'assign', assigneeId: people.物业李! });
    const row = await findComplaint(db, c.id);
    expect(row?.ack_warn_at).toBeNull();
    expect(row?.resolve_warn_at).toEqual(minutes(300));

    outbox.requests.length = 0;
    now = minutes(301);
    expect(await svc.warnDue()).toBe(1);
    expect(outbox.requests.map((r) => r.message.chat.externalId).sort()).toEqual(['tg-li', 'tg-zhang']);
    expect(outbox.requests.find((r) => r.message.chat.externalId === 'tg-li')?.message.text).toContain(
      '办结时限为 12月7日 20:00',
    );
  });

  it('no warning for a deadline that no longer runs or has already passed: cleared unsent', async () => {
    const outbox = new RecordingOutbox(db);
    const svc = service(outbox);
    const resolved = await file(svc);
    const late = await file(svc);
    now = minutes(10);
    await svc.act(SYSTEM_ACTOR, resolved.id, { action: 'accept' });
    await svc.act(SYSTEM_ACTOR, resolved.id, { action: 'resolve' });
    expect((await findComplaint(db, resolved.id))?.resolve_warn_at).toBeNull();

    outbox.requests.length = 0;
    now = minutes(61); // the ack deadline of `late` passed before any sweep ran (a process was down)
    expect(await svc.warnDue()).toBe(0);
    expect(outbox.requests).toHaveLength(0);
    expect((await findComplaint(db, late.id))?.ack_warn_at).toBeNull();
  });

  it('an escalation sets the warnings of the new level’s deadlines', async () => {
    const svc = service(new RecordingOutbox(db));
    const c = await file(svc);
    now = minutes(61);
    expect(await svc.escalateDue()).toBe(1);
    const up = await findComplaint(db, c.id);
    expect(up?.level).toBe('community');
    // the default policy's community deadlines (ack PT4H, resolve P5D), warned at the compound's 50 %
    expect(up?.ack_warn_at).toEqual(new Date(minutes(61).getTime() + 0.5 * 4 * 3600_000));
    expect(up?.resolve_warn_at).toEqual(new Date(minutes(61).getTime() + 0.5 * 5 * 86_400_000));
  });

  it('two sweeps at once queue each warning once (the deliveries’ keys)', async () => {
    const outbox = new Outbox(db, new MemoryQueues(), null);
    const c = await file(service(outbox));
    now = minutes(31);
    await Promise.all([service(outbox).warnDue(), service(outbox).warnDue()]);
    const { rows } = await db.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM linli.deliveries WHERE idempotency_key LIKE $1`,
      [`complaint-${c.id}-warn-ack-%`],
    );
    expect(Number(rows[0]!.n)).toBe(3);
  });
});
