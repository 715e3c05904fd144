import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { Outbox } from '../../../src/kernel/outbox/outbox.js';
import { QueueName } from '../../../src/kernel/queue/names.js';
import { PartyService } from '../../../src/modules/party/commands/members.js';
import { TaskService } from '../../../src/modules/party/commands/tasks.js';
import { checkinJobId, startPartyWorker } from '../../../src/modules/party/moments.js';
import { PartyNotifier } from '../../../src/modules/party/notifier.js';
import { insertIdentity, insertPerson, insertRole } from '../../../src/modules/people/repository.js';
import { queueKinds } from '../../support/env.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { eachTestDbAndQueues } from '../../support/queue-world.js';
import { RecordingOutbox } from '../../support/recording-outbox.js';
import { quietServices } from '../../support/services.js';

describe.each(queueKinds())('party worker on %s', (kind) => {
  const t = eachTestDbAndQueues(kind, 'pw');

  it('escalates an unaccepted task through its delayed job, and keeps next January’s check-in job', async () => {
    const { db, queues } = t;
    const notifier = new PartyNotifier(db, new Outbox(db, queues, null));
    const party = new PartyService(db, notifier);
    const tasks = new TaskService(db, queues, notifier);
    const chain = await seedCompoundChain(quietServices(db));
    const secretary = await insertPerson(db, { name: '书记', orgId: chain.compound });
    await insertIdentity(db, { personId: secretary.id, channel: 'telegram', externalId: 'sec-1' });
    await insertRole(db, secretary.id, chain.compound, 'party_secretary');
    const branch = await party.createBranch(SYSTEM_ACTOR, { orgId: chain.community, name: '某单位党支部' });
    const member = await insertPerson(db, { name: '党员甲', orgId: chain.compound });
    const r = await db.transaction((tx) =>
      party.register(tx, {
        personId: member.id,
        name: '党员甲',
        branchId: branch.id,
        compoundId: chain.compound,
        commitments: ['all'],
        own: ['自选承诺'],
      }),
    );
    await db.transaction((tx) =>
      party.decide(tx, r.member.id, 'approve', { personId: null, label: 'admin' }),
    );

    // the reconciler runs once at start only (a long period): the job alone must do the work
    const worker = await startPartyWorker(queues, tasks, party, pino({ level: 'silent' }), {
      everyMs: 3_600_000,
    });
    try {
      const soon = Date.now() + 1500;
      const task = await tasks.create(SYSTEM_ACTOR, {
        orgId: chain.compound,
        title: '楼道清理',
        dueAt: new Date(soon + 3_600_000),
        acceptBy: new Date(soon),
        volunteersNeeded: 1,
      });
      // the branch has no secretary: the compound's party secretary hears of it
      await expect
        .poll(
          async () =>
            (
              await db.query<{ text: string }>(
                `SELECT message ->> 'text' AS text FROM linli.deliveries WHERE person_id = $1`,
                [secretary.id],
              )
            ).rows.map((x) => x.text),
          { timeout: 20_000, interval: 200 },
        )
        .toEqual(expect.arrayContaining([expect.stringContaining('【任务无人接】楼道清理')]));
      const row = await tasks.get(SYSTEM_ACTOR.principal, task.id);
      expect(row.unacceptedEscalatedAt).not.toBeNull();
      const china = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
      expect(await queues.queue(QueueName.party).getJob(checkinJobId(china + 1))).toBeTruthy();
    } finally {
      await worker.close();
    }
  }, 60_000);

  it('in January, a check-in the queue lost is run by the reconciler at start and recorded for the year', async () => {
    const { db, queues } = t;
    const party = new PartyService(db, new PartyNotifier(db, new Outbox(db, queues, null)));
    const tasks = new TaskService(db, queues, new PartyNotifier(db, new RecordingOutbox(db)));
    const now = () => new Date('2027-01-05T02:00:00Z');
    const logger = pino({ level: 'silent' });
    const first = await startPartyWorker(queues, tasks, party, logger, { everyMs: 3_600_000, now });
    await first.close();
    const second = await startPartyWorker(queues, tasks, party, logger, { everyMs: 3_600_000, now });
    await second.close();
    const { rows } = await db.query<{ year: number }>('SELECT year FROM linli.party_checkins');
    expect(rows).toEqual([{ year: 2027 }]);
    expect(await queues.queue(QueueName.party).getJob(checkinJobId(2028))).toBeTruthy();
  }, 60_000);
});
