import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices } from '../../../src/app/modules.js';
import { AppError } from '../../../src/kernel/access/errors.js';
import { orgChain } from '../../../src/kernel/access/org-chain.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { Outbox } from '../../../src/kernel/outbox/outbox.js';
import { createQueueBackend } from '../../../src/kernel/queue/backend.js';
import { QueueName } from '../../../src/kernel/queue/names.js';
import { voteActions } from '../../../src/modules/votes/actions.js';
import { VoteService } from '../../../src/modules/votes/commands/proposals.js';
import { startVoteWorker } from '../../../src/modules/votes/moments.js';
import { VoteNotifier } from '../../../src/modules/votes/notifier.js';
import { openTestDb } from '../../support/db.js';
import { engines, queueKinds } from '../../support/env.js';
import { MemoryQueues } from '../../support/memory-queues.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { seedRegister } from '../../support/owners.js';
import { eachTestDbAndQueues } from '../../support/queue-world.js';
import { RecordingOutbox } from '../../support/recording-outbox.js';
import { quietServices } from '../../support/services.js';

const T0 = new Date('2026-12-01T02:00:00.000Z');
const HOUR = 3_600_000;

describe.each(engines())('owners’ votes on %s', (engine) => {
  let db: Db;
  let clock: Date;
  let votes: VoteService;
  let compound: number;
  let reg: Awaited<ReturnType<typeof seedRegister>>;
  beforeEach(async () => {
    db = await openTestDb(engine);
    const s = quietServices(db);
    compound = (await seedCompoundChain(s)).compound;
    reg = await seedRegister(db, s, compound);
    clock = T0;
    votes = new VoteService(
      db,
      new MemoryQueues(),
      new VoteNotifier(db, new RecordingOutbox(db)),
      () => clock,
    );
  });
  afterEach(async () => {
    await db.close();
  });

  const create = (over: Record<string, unknown> = {}) =>
    votes.create(SYSTEM_ACTOR, {
      orgId: compound,
      title: '加装电梯',
      rule: 'art278-ordinary',
      opensAt: new Date(T0.getTime() + HOUR),
      closesAt: new Date(T0.getTime() + 72 * HOUR),
      ...over,
    });
  const open = async (over: Record<string, unknown> = {}) => {
    const p = await create(over);
    clock = new Date(T0.getTime() + HOUR);
    expect(await votes.openIfDue(p.id)).toBe(true);
    return p;
  };
  const errorOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      if (e instanceof AppError)
        return { status: e.status, code: e.code, fields: e.details.map((d) => d.field) };
      throw e;
    }
    throw new Error('expected an error');
  };

  it('freezes the electorate at opening: named voters, summed units, co-owned units once', async () => {
    const p = await create();
    expect(p.status).toBe('scheduled');
    expect(await votes.openIfDue(p.id)).toBe(false); // not yet
    clock = new Date(T0.getTime() + HOUR);
    expect(await votes.openIfDue(p.id)).toBe(true);
    expect(await votes.openIfDue(p.id)).toBe(false); // once
    const row = (await votes.row(p.id))!;
    expect(row.status).toBe('open');
    expect(row.totals).toEqual({
      area: '340.00',
      owners: 4,
      units: 5,
      unitsWithoutNamedVoter: [reg.unnamed],
      unitsWithoutOwner: [reg.empty],
    });
    const electorate = await votes.electorate(db, p.id);
    expect(new Map(electorate.map((v) => [v.personId, v.area]))).toEqual(
      new Map([
        [reg.jia, '150.00'],
        [reg.bing, '80.00'],
        [reg.ding, '70.00'],
        [reg.ji, '40.00'],
      ]),
    );
    // a unit bought after opening changes nothing: the electorate is frozen
    await db.query('UPDATE linli.unit_owners SET is_voter = false WHERE person_id = $1', [reg.bing]);
    await db.query('UPDATE linli.unit_owners SET is_voter = true WHERE person_id = $1', [reg.yi]);
    expect((await votes.electorate(db, p.id)).some((v) => v.personId === reg.yi)).toBe(false);
  });

  it('refuses a non-owner, a co-owner who is not the named voter, an unknown option and ballots outside the window', async () => {
    const p = await create();
    expect(
      await errorOf(votes.cast({ proposalId: p.id, personId: reg.jia, option: '同意', channel: 'api' })),
    ).toEqual({
      status: 409,
      code: 'voting_not_open',
      fields: ['proposalId'],
    });
    clock = new Date(T0.getTime() + HOUR);
    await votes.openIfDue(p.id);
    for (const personId of [reg.outsider, reg.yi, reg.wu])
      expect(
        await errorOf(votes.cast({ proposalId: p.id, personId, option: '同意', channel: 'api' })),
      ).toEqual({
        status: 403,
        code: 'not_an_owner',
        fields: ['personId'],
      });
    expect(
      (await errorOf(votes.cast({ proposalId: p.id, personId: reg.jia, option: '赞成', channel: 'api' })))
        .fields,
    ).toEqual(['option']);
    clock = new Date(T0.getTime() + 72 * HOUR);
    expect(
      (await errorOf(votes.cast({ proposalId: p.id, personId: reg.jia, option: '同意', channel: 'api' })))
        .code,
    ).toBe('voting_not_open');
    const { rows } = await db.query('SELECT * FROM linli.ballots');
    expect(rows).toEqual([]);
  });

  it('validates the proposal itself, naming the field', async () => {
    expect((await errorOf(create({ closesAt: new Date(T0.getTime() + HOUR / 2) }))).fields).toEqual([
      'closesAt',
    ]);
    expect((await errorOf(create({ opensAt: new Date(T0.getTime() - HOUR) }))).fields).toEqual(['opensAt']);
    expect((await errorOf(create({ options: ['同意', '同意'] }))).fields).toEqual(['options']);
    expect((await errorOf(create({ orgId: compound - 1 }))).fields).toEqual(['orgId']); // the community
    expect((await errorOf(create({ reminderHours: [0] }))).fields).toEqual(['reminderHours']);
    expect((await db.query('SELECT * FROM linli.proposals')).rows).toEqual([]);
  });

  it('counts the last ballot: changing a vote, a repeated press, a paper ballot over a chat one', async () => {
    const p = await open();
    const first = await votes.cast({
      proposalId: p.id,
      personId: reg.jia,
      option: '反对',
      channel: 'telegram',
    });
    expect(first).toMatchObject({ kind: 'cast', seq: 1 });
    expect(first.receipt).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    const changed = await votes.cast({
      proposalId: p.id,
      personId: reg.jia,
      option: '同意',
      channel: 'telegram',
    });
    expect(changed).toMatchObject({ kind: 'changed', seq: 2 });
    expect(changed.receipt).not.toBe(first.receipt);
    const same = await votes.cast({
      proposalId: p.id,
      personId: reg.jia,
      option: '同意',
      channel: 'telegram',
    });
    expect(same).toMatchObject({ kind: 'same', seq: 2, receipt: changed.receipt });
    await votes.cast({ proposalId: p.id, personId: reg.bing, option: '同意', channel: 'wechat' });
    await votes.cast({ proposalId: p.id, personId: reg.ding, option: '同意', channel: 'telegram' });
    const paper = await votes.cast({
      proposalId: p.id,
      personId: reg.ding,
      option: '反对',
      channel: 'paper',
      evidence: '纸质表决票 0007',
    });
    expect(paper.kind).toBe('changed');
    const log = (await votes.audit(SYSTEM_ACTOR.principal, p.id)).entries;
    expect(log.map((l) => [l.seq, l.entry.option, l.entry.paper, l.entry.version])).toEqual([
      [1, '反对', false, 1],
      [2, '同意', false, 2],
      [3, '同意', false, 1],
      [4, '同意', false, 1],
      [5, '反对', true, 2],
    ]);
    // both receipts are in the log; only the last one is counted
    expect(await votes.receipt(SYSTEM_ACTOR.principal, p.id, first.receipt.toLowerCase())).toMatchObject({
      found: true,
      seq: 1,
      counted: false,
    });
    expect(await votes.receipt(SYSTEM_ACTOR.principal, p.id, changed.receipt)).toMatchObject({
      found: true,
      counted: true,
      option: '同意',
    });
    expect(await votes.receipt(SYSTEM_ACTOR.principal, p.id, 'ZZZZZZZZ')).toMatchObject({ found: false });

    // 甲 150 + 丙 80 yes, 丁 70 no: participation 300/340 = 88.2%, 3/4 owners (75%)
    clock = new Date(T0.getTime() + 72 * HOUR);
    expect(await votes.closeIfDue(p.id)).toBe(true);
    expect(await votes.closeIfDue(p.id)).toBe(false);
    const result = await votes.result(SYSTEM_ACTOR.principal, p.id);
    expect(result).toMatchObject({
      status: 'closed',
      final: true,
      passed: true,
      winner: '同意',
      area: { total: '340.00', participating: '300.00', participationPct: '88.2' },
      owners: { total: 4, participating: 3, participationPct: '75.0' },
    });
    expect((result as { options: unknown[] }).options[0]).toMatchObject({
      option: '同意',
      owners: 2,
      area: '230.00',
    });
    expect(await votes.verify(SYSTEM_ACTOR.principal, p.id)).toMatchObject({ ok: true, entries: 5 });
  });

  it('two racing ballots of one owner count once; racing owners get consecutive seqs', async () => {
    const p = await open();
    const options = ['同意', '反对', '弃权'];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        votes.cast({ proposalId: p.id, personId: reg.jia, option: options[i % 3]!, channel: 'telegram' }),
      ),
    );
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true);
    await Promise.all(
      [reg.bing, reg.ding, reg.ji].map((personId) =>
        votes.cast({ proposalId: p.id, personId, option: '同意', channel: 'wechat' }),
      ),
    );
    const { rows } = await db.query<{ person_id: number; n: number }>(
      'SELECT person_id, count(*)::int AS n FROM linli.ballots WHERE proposal_id = $1 GROUP BY person_id',
      [p.id],
    );
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(rows).toHaveLength(4);
    const verify = await votes.verify(SYSTEM_ACTOR.principal, p.id);
    expect(verify).toMatchObject({ ok: true, ballotsMatchLog: true, firstBrokenSeq: null });
    expect((await votes.turnout(db, (await votes.row(p.id))!)).owners).toEqual({
      total: 4,
      participating: 4,
      pct: '100.0',
    });
  });

  it('detects a log row or a counted ballot edited in the database', async () => {
    const p = await open();
    for (const [personId, option] of [
      [reg.jia, '同意'],
      [reg.bing, '反对'],
      [reg.ding, '同意'],
    ] as const)
      await votes.cast({ proposalId: p.id, personId, option, channel: 'telegram' });
    expect((await votes.verify(SYSTEM_ACTOR.principal, p.id)).ok).toBe(true);

    await db.query(
      `UPDATE linli.ballot_log SET entry = jsonb_set(entry, '{option}', '"同意"') WHERE proposal_id = $1 AND seq = 2`,
      [p.id],
    );
    expect(await votes.verify(SYSTEM_ACTOR.principal, p.id)).toMatchObject({ ok: false, firstBrokenSeq: 2 });
    // recomputing the edited row's hash moves the break to the next row
    const { rows } = await db.query<{ entry: unknown; created_at: Date; prev_hash: string }>(
      'SELECT entry, created_at, prev_hash FROM linli.ballot_log WHERE proposal_id = $1 AND seq = 2',
      [p.id],
    );
    const { chainHash, receiptOf } = await import('../../../src/modules/votes/ballot-log.js');
    const forged = chainHash(rows[0]!.prev_hash, rows[0]!.entry, rows[0]!.created_at);
    await db.query('UPDATE linli.ballot_log SET hash = $2, receipt = $3 WHERE proposal_id = $1 AND seq = 2', [
      p.id,
      forged,
      receiptOf(forged),
    ]);
    expect(await votes.verify(SYSTEM_ACTOR.principal, p.id)).toMatchObject({ ok: false, firstBrokenSeq: 3 });
  });

  it('detects a counted ballot edited or a log row deleted', async () => {
    const p = await open();
    for (const personId of [reg.jia, reg.bing, reg.ding])
      await votes.cast({ proposalId: p.id, personId, option: '反对', channel: 'telegram' });
    await db.query(`UPDATE linli.ballots SET option = '同意' WHERE person_id = $1`, [reg.bing]);
    const edited = await votes.verify(SYSTEM_ACTOR.principal, p.id);
    expect(edited).toMatchObject({ ok: false, firstBrokenSeq: null, ballotsMatchLog: false });
    expect(edited.mismatches).toEqual([{ seq: 2, message: expect.stringContaining('does not match') }]);
    await db.query(`UPDATE linli.ballots SET option = '反对' WHERE person_id = $1`, [reg.bing]);
    await db.query('DELETE FROM linli.ballot_log WHERE proposal_id = $1 AND seq = 1', [p.id]);
    expect(await votes.verify(SYSTEM_ACTOR.principal, p.id)).toMatchObject({ ok: false, firstBrokenSeq: 2 });
  });

  it('a secret ballot: pseudonymous voters, options sealed and tally hidden until closing', async () => {
    const p = await open({ secret: true, rule: 'simple' });
    const r = await votes.cast({ proposalId: p.id, personId: reg.jia, option: '反对', channel: 'telegram' });
    const audit = await votes.audit(SYSTEM_ACTOR.principal, p.id);
    expect(audit.sealed).toBe(true);
    expect(audit.entries[0]!.entry.option).toBeNull();
    expect(audit.entries[0]!.entry.voter).toMatch(/^[0-9a-f]{16}$/);
    expect(await votes.receipt(SYSTEM_ACTOR.principal, p.id, r.receipt)).toMatchObject({
      found: true,
      option: null,
    });
    expect(await votes.result(SYSTEM_ACTOR.principal, p.id)).toMatchObject({ final: false, options: null });
    expect((await votes.verify(SYSTEM_ACTOR.principal, p.id)).ok).toBe(true);
    clock = new Date(T0.getTime() + 72 * HOUR);
    await votes.closeIfDue(p.id);
    const after = await votes.audit(SYSTEM_ACTOR.principal, p.id);
    expect(after.entries[0]!.entry.option).toBe('反对');
    expect(await votes.result(SYSTEM_ACTOR.principal, p.id)).toMatchObject({ passed: true, winner: '反对' });
  });

  it('the vote flow casts a secret ballot in private, never in a group chat', async () => {
    const p = await open({ secret: true, rule: 'simple' });
    const castVote = voteActions(votes).find((a) => a.name === 'cast_vote')!;
    const run = (chatId: number | null) =>
      db.transaction((tx) =>
        castVote.run(
          { proposalId: p.id, option: '2' },
          {
            tx,
            db,
            personId: reg.jia,
            orgId: compound,
            chatId,
            chatExternalId: chatId ? '-100900' : '501',
            chatKind: chatId ? 'group' : 'private',
            channel: 'telegram',
            locale: 'zh-CN',
            dryRun: false,
            orgChain: () => orgChain(db, tx, compound, null),
            afterCommit: () => {},
          },
        ),
      );
    const inGroup = await run(7);
    expect(inGroup).toMatchObject({ ok: false });
    expect(JSON.stringify(inGroup)).toContain('群里投的票不会被记录');
    expect((await votes.audit(SYSTEM_ACTOR.principal, p.id)).entries).toHaveLength(0);
    expect(await run(null)).toMatchObject({ ok: true, output: { option: '反对' } });
    expect((await votes.audit(SYSTEM_ACTOR.principal, p.id)).entries).toHaveLength(1);
  });

  it('cancels only before opening', async () => {
    const p = await create();
    expect((await votes.cancel(SYSTEM_ACTOR, p.id)).status).toBe('cancelled');
    clock = new Date(T0.getTime() + HOUR);
    expect(await votes.openIfDue(p.id)).toBe(false);
    clock = T0;
    const q = await open();
    expect(await errorOf(votes.cancel(SYSTEM_ACTOR, q.id))).toMatchObject({
      status: 409,
      fields: ['status'],
    });
  });

  it('reminds the owners who have not voted once per offset, skipping ones before the opening', async () => {
    const reminded: [number, number[]][] = [];
    // a notifier that only records the reminders, once their transaction committed
    votes = new VoteService(
      db,
      new MemoryQueues(),
      {
        stage: async () => async () => {},
        stageRemind: async (_tx, _p, offset, people) => async () => void reminded.push([offset, people]),
      },
      () => clock,
    );
    // open at T0+1h, close at T0+30h: the 48 h reminder falls before opening, the 24 h one at T0+6h
    const p = await open({ closesAt: new Date(T0.getTime() + 30 * HOUR) });
    await votes.cast({ proposalId: p.id, personId: reg.jia, option: '同意', channel: 'telegram' });
    expect(await votes.reconcile()).toMatchObject({ reminded: 0 });
    clock = new Date(T0.getTime() + 6 * HOUR);
    expect(await votes.reconcile()).toMatchObject({ reminded: 1 });
    expect(await votes.reconcile()).toMatchObject({ reminded: 0 });
    expect(reminded).toEqual([[1440, [reg.bing, reg.ding, reg.ji].sort((a, b) => a - b)]]);
    expect((await votes.row(p.id))!.reminders_sent.sort()).toEqual([1440, 2880]);
  });
});

describe.each(queueKinds())('vote jobs on the %s queue', (kind) => {
  const t = eachTestDbAndQueues(kind, 'vt');

  it('schedules open, close and reminders with fixed ids; a lost queue loses nothing', async () => {
    const { db, queues } = t;
    const s = quietServices(db, { queues });
    const compound = (await seedCompoundChain(s)).compound;
    await seedRegister(db, s, compound);
    let clock = T0;
    const votes = new VoteService(db, queues, new VoteNotifier(db, new RecordingOutbox(db)), () => clock);
    const p = await votes.create(SYSTEM_ACTOR, {
      orgId: compound,
      title: '更换物业',
      rule: 'art278-ordinary',
      opensAt: new Date(T0.getTime() + HOUR),
      closesAt: new Date(T0.getTime() + 72 * HOUR),
    });
    const q = queues.queue(QueueName.votes);
    const ids = [
      `proposal-${p.id}-open`,
      `proposal-${p.id}-close`,
      `proposal-${p.id}-remind2880`,
      `proposal-${p.id}-remind1440`,
    ];
    for (const id of ids) expect(await q.getJob(id), id).toBeTruthy();
    const job = await q.getJob(`proposal-${p.id}-open`);
    expect(job!.data).toEqual({ proposalId: p.id, kind: 'open' });

    // the queue loses everything: the reconciler puts the jobs back
    await q.obliterate({ force: true });
    for (const id of ids) expect(await q.getJob(id)).toBeFalsy();
    expect(await votes.reconcile()).toMatchObject({ rescheduled: 1 });
    for (const id of ids) expect(await q.getJob(id), id).toBeTruthy();

    // the opening and closing jobs lost again, and their times passed: the reconciler acts
    await q.obliterate({ force: true });
    clock = new Date(T0.getTime() + 2 * HOUR);
    expect(await votes.reconcile()).toMatchObject({ opened: 1 });
    expect((await votes.row(p.id))!.status).toBe('open');
    await q.obliterate({ force: true });
    clock = new Date(T0.getTime() + 80 * HOUR);
    expect(await votes.reconcile()).toMatchObject({ closed: 1 });
    const closed = (await votes.row(p.id))!;
    expect(closed.status).toBe('closed');
    expect(closed.result!.reason['zh-CN']).toBe('未通过：参与表决的专有部分面积占比 0.0%，低于三分之二');
    // a stale job for a closed proposal does nothing
    expect(await votes.runJob({ proposalId: p.id, kind: 'close' })).toBe(false);
  });
});

describe('the vote worker', () => {
  it('opens and closes a proposal when its jobs fire (the reconciler only ran at start)', async () => {
    const db = await openTestDb('pglite');
    const queues = await createQueueBackend({ db });
    try {
      const s = quietServices(db, { queues });
      const compound = (await seedCompoundChain(s)).compound;
      await seedRegister(db, s, compound);
      const worker = await startVoteWorker(queues, s.votes, pino({ level: 'silent' }), 3_600_000);
      try {
        const now = Date.now();
        const p = await s.votes.create(SYSTEM_ACTOR, {
          orgId: compound,
          title: '快速表决',
          rule: 'simple',
          opensAt: new Date(now + 1_000),
          closesAt: new Date(now + 2_500),
        });
        expect(p.status).toBe('scheduled');
        const until = async (status: string) => {
          for (let i = 0; i < 300; i++) {
            if ((await s.votes.row(p.id))!.status === status) return;
            await new Promise((r) => setTimeout(r, 50));
          }
          throw new Error(`proposal never became ${status}`);
        };
        await until('open');
        await until('closed');
        const row = (await s.votes.row(p.id))!;
        expect(row.totals!.owners).toBe(4);
        expect(row.result!.rule).toBe('simple');
      } finally {
        await worker.close();
      }
    } finally {
      await queues.close();
      await db.close();
    }
  });
});

describe('vote notifications through the outbox', () => {
  it('announces with buttons (Telegram) or numbers (WeChat), reminds each non-voter once, announces the result', async () => {
    const db = await openTestDb('pglite');
    const queues = await createQueueBackend({ db });
    try {
      const outbox = new Outbox(db, queues, null);
      const s = createServices(db, { queues, outbox });
      const compound = (await seedCompoundChain(s)).compound;
      const reg = await seedRegister(db, s, compound);
      await db.query(
        `INSERT INTO linli.identities (person_id, channel, external_id) VALUES ($1, 'telegram', '501'), ($2, 'wechat', 'wx-ding')`,
        [reg.bing, reg.ding],
      );
      for (const [channel, chat] of [
        ['telegram', '-100900'],
        ['wechat', 'room1@chatroom'],
      ] as const)
        await s.chats.bindDirect(SYSTEM_ACTOR, compound, {
          channel,
          externalChatId: chat,
          purpose: 'residents',
        });
      let clock = T0;
      const notifier = new VoteNotifier(db, outbox);
      const votes = new VoteService(db, queues, notifier, () => clock);
      const p = await votes.create(SYSTEM_ACTOR, {
        orgId: compound,
        title: '续聘物业',
        rule: 'art278-ordinary',
        closesAt: new Date(T0.getTime() + 72 * HOUR),
      });
      await votes.cast({ proposalId: p.id, personId: reg.jia, option: '同意', channel: 'api' });
      clock = new Date(T0.getTime() + 30 * HOUR);
      await votes.reconcile();
      await votes.reconcile();
      // a repeated trigger (a retried job) sends nothing twice
      await notifier.remind((await votes.row(p.id))!, 2880, [reg.bing, reg.ding]);
      clock = new Date(T0.getTime() + 48 * HOUR);
      await votes.reconcile();
      clock = new Date(T0.getTime() + 72 * HOUR);
      await votes.reconcile();
      const { rows } = await db.query<{
        idempotency_key: string;
        chat_external_id: string;
        message: {
          text: string;
          choices?: { label: string; payload: string }[];
          mention?: { externalId: string };
        };
      }>('SELECT idempotency_key, chat_external_id, message FROM linli.deliveries ORDER BY id');
      expect(rows.map((r) => r.idempotency_key)).toEqual([
        `vote-${p.id}-open-telegram--100900`,
        `vote-${p.id}-open-wechat-room1@chatroom`,
        `vote-${p.id}-remind2880-${reg.bing}`,
        `vote-${p.id}-remind2880-${reg.ding}`,
        `vote-${p.id}-remind1440-${reg.bing}`,
        `vote-${p.id}-remind1440-${reg.ding}`,
        `vote-${p.id}-result-telegram--100900`,
        `vote-${p.id}-result-wechat-room1@chatroom`,
      ]);
      expect(rows[0]!.message.choices!.map((c) => c.payload)).toEqual([
        `vt:${p.id}:1`,
        `vt:${p.id}:2`,
        `vt:${p.id}:3`,
        `vtt:${p.id}`,
      ]);
      expect(rows[1]!.message.choices).toBeUndefined();
      expect(rows[1]!.message.text).toContain(`「投票 ${p.id} 1」`);
      expect(rows[2]!.chat_external_id).toBe('501');
      expect(rows[3]).toMatchObject({
        chat_external_id: 'room1@chatroom',
        message: { mention: { externalId: 'wx-ding' } },
      });
      expect(rows[3]!.message.text).toContain('您还没有投票');
      expect(rows[6]!.message.text).toContain('未通过：参与表决的专有部分面积占比 44.1%，低于三分之二');
    } finally {
      await queues.close();
      await db.close();
    }
  });

  it('a secret ballot is announced with the private link, no ballot buttons; the WeChat reminder carries it too', async () => {
    const db = await openTestDb('pglite');
    const queues = await createQueueBackend({ db });
    try {
      const outbox = new Outbox(db, queues, null);
      const s = createServices(db, { queues, outbox });
      const compound = (await seedCompoundChain(s)).compound;
      const reg = await seedRegister(db, s, compound);
      await s.people.addIdentity(SYSTEM_ACTOR, reg.ding, { channel: 'wechat', externalId: 'wx-ding' });
      for (const [channel, chat] of [
        ['telegram', '-100900'],
        ['wechat', 'room1@chatroom'],
      ] as const)
        await s.chats.bindDirect(SYSTEM_ACTOR, compound, {
          channel,
          externalChatId: chat,
          purpose: 'residents',
        });
      const notifier = new VoteNotifier(db, outbox);
      const votes = new VoteService(db, queues, notifier, () => T0);
      const p = await votes.create(SYSTEM_ACTOR, {
        orgId: compound,
        title: '小区八景命名',
        options: ['翠湖', '竹林', '石桥'],
        rule: 'simple',
        secret: true,
        closesAt: new Date(T0.getTime() + 72 * HOUR),
      });
      await notifier.remind((await votes.row(p.id))!, 1440, [reg.ding]);
      const { rows } = await db.query<{
        idempotency_key: string;
        message: {
          text: string;
          choices?: { label: string; payload: string }[];
          privateLink?: { label: string; payload: string; command: string };
        };
      }>('SELECT idempotency_key, message FROM linli.deliveries ORDER BY id');
      const link = { label: '私聊投票', payload: `vote-${p.id}`, command: `投票 ${p.id}` };
      expect(rows.map((r) => r.idempotency_key)).toEqual([
        `vote-${p.id}-open-telegram--100900`,
        `vote-${p.id}-open-wechat-room1@chatroom`,
        `vote-${p.id}-remind1440-${reg.ding}`,
      ]);
      expect(rows[0]!.message.choices!.map((c) => c.payload)).toEqual([`vtt:${p.id}`]);
      expect(rows[0]!.message.privateLink).toEqual(link);
      expect(rows[1]!.message.choices).toBeUndefined();
      expect(rows[1]!.message.privateLink).toEqual(link);
      expect(rows[1]!.message.text).not.toContain('请回复「投票');
      expect(rows[1]!.message.text).toContain('不记名投票只在私聊中进行');
      expect(rows[2]!.message.privateLink).toEqual(link);
      expect(rows[2]!.message.text).toContain(`请私聊我发送「投票 ${p.id}」`);
      expect(rows[2]!.message.text).not.toContain('在群里投票');
    } finally {
      await queues.close();
      await db.close();
    }
  });
});
