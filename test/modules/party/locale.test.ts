import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { PartyService } from '../../../src/modules/party/commands/members.js';
import { TaskService } from '../../../src/modules/party/commands/tasks.js';
import { PartyNotifier } from '../../../src/modules/party/notifier.js';
import { insertIdentity, insertPerson, insertRole } from '../../../src/modules/people/repository.js';
import { openTestDb } from '../../support/db.js';
import { MemoryQueues } from '../../support/memory-queues.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { RecordingOutbox } from '../../support/recording-outbox.js';
import { quietServices } from '../../support/services.js';

const HOUR = 3600_000;

/** Every party message goes to one person, in their locale: English ones read English, Chinese ones Chinese. */
describe('party messages in each recipient’s locale', () => {
  let db: Db & { close(): Promise<void> };
  let outbox: RecordingOutbox;
  let party: PartyService;
  let tasks: TaskService;
  let clock: Date;
  const now = () => clock;

  beforeEach(async () => {
    db = await openTestDb('pglite');
    clock = new Date('2026-11-24T02:00:00Z');
    outbox = new RecordingOutbox(db);
    const notifier = new PartyNotifier(db, outbox);
    party = new PartyService(db, notifier, now);
    tasks = new TaskService(db, new MemoryQueues(), notifier, now);
  });
  afterEach(async () => {
    await db.close();
  });

  /** What was sent to a Telegram account: text, button labels and locale. */
  const to = (externalId: string) =>
    outbox.requests
      .filter((r) => r.message.chat.externalId === externalId)
      .map((r) => ({
        text: r.message.text,
        buttons: r.message.choices?.map((c) => c.label),
        locale: r.message.locale,
      }));

  /** An English party secretary and branch secretary; members Mary (English) and 李明 (Chinese), approved. */
  async function seed() {
    const chain = await seedCompoundChain(quietServices(db));
    const person = async (name: string, locale: 'zh-CN' | 'en', externalId: string, orgId: number) => {
      const p = await insertPerson(db, { name, locale, orgId });
      await insertIdentity(db, { personId: p.id, channel: 'telegram', externalId });
      return p.id;
    };
    const secretary = await person('Sam', 'en', 'tg-sec', chain.compound);
    await insertRole(db, secretary, chain.compound, 'party_secretary');
    const branchSecretary = await person('Beth', 'en', 'tg-bsec', chain.community);
    const branch = await party.createBranch(SYSTEM_ACTOR, {
      orgId: chain.community,
      name: 'Tax Bureau Branch 2',
      secretaryPersonId: branchSecretary,
    });
    const members: Record<'mary' | 'li', number> = { mary: 0, li: 0 };
    for (const [key, name, locale] of [
      ['mary', 'Mary', 'en'],
      ['li', '李明', 'zh-CN'],
    ] as const) {
      const personId = await person(name, locale, `tg-${key}`, chain.compound);
      const r = await db.transaction((tx) =>
        party.register(tx, {
          personId,
          name,
          branchId: branch.id,
          compoundId: chain.compound,
          commitments: ['lead_by_example'],
          own: ['walk with an elderly neighbour'],
        }),
      );
      await party.flush(r.staged);
      await db.transaction((tx) =>
        party.decide(tx, r.member.id, 'approve', { personId: secretary, label: 'Sam' }),
      );
      members[key] = personId;
    }
    return { chain, branch, members };
  }

  it('registration and approval: the English secretary and member read English, the Chinese member Chinese', async () => {
    await seed();
    const [registration] = to('tg-sec');
    expect(registration!.text).toBe(
      [
        '[Party member registration] Mary (Tax Bureau Branch 2) asks to report to 阳光小区.',
        'Commitments:',
        '1. Keep the compound rules and show I am a party member',
        '· Own: walk with an elderly neighbour',
        'Please approve or reject.',
      ].join('\n'),
    );
    expect(registration!.buttons).toEqual(['Approve', 'Reject']);
    expect(registration!.locale).toBe('en');
    expect(to('tg-mary').map((m) => m.text)).toEqual([
      expect.stringMatching(/^Your party member registration was approved/),
    ]);
    expect(to('tg-li').map((m) => m.text)).toEqual([
      '您的党员报到已审核通过，欢迎参与小区服务！社区发布任务时会私信通知您。',
    ]);
  });

  it('a task: invitations, acceptance, reminder, escalation and cancellation each in the reader’s language', async () => {
    const s = await seed();
    outbox.requests.length = 0;
    const t = await tasks.create(SYSTEM_ACTOR, {
      orgId: s.chain.compound,
      branchId: s.branch.id,
      title: '楼道清理',
      place: '3栋',
      dueAt: new Date(clock.getTime() + 10 * HOUR),
      acceptBy: new Date(clock.getTime() + 2 * HOUR),
      remindBeforeMinutes: 300,
      volunteersNeeded: 2,
    });
    const [maryInvite] = to('tg-mary');
    expect(maryInvite!.text).toMatch(
      /^\[Volunteers wanted\] 2 needed, first come first served\. 楼道清理\nPlace: 3栋\nDue: /,
    );
    expect(maryInvite!.buttons).toEqual(['Accept', 'Decline']);
    const [liInvite] = to('tg-li');
    expect(liInvite!.text).toMatch(/^【志愿者招募】需要 2 人，先到先得。楼道清理\n地点：3栋\n截止：/);
    expect(liInvite!.buttons).toEqual(['接受', '婉拒']);

    const accepted = await db.transaction((tx) => tasks.accept(tx, t.id, s.members.mary));
    if (!accepted.ok) throw new Error('accept refused');
    await tasks.flush(accepted.staged);
    expect(to('tg-mary')[1]).toMatchObject({
      text: 'You are down for “楼道清理”. When it is done, press “Done”, say how it went and send a photo.',
      buttons: ['Done'],
    });

    clock = new Date(clock.getTime() + 6 * HOUR); // past accept-by and the reminder
    await tasks.fireIfDue(t.id, 'unaccepted');
    await tasks.fireIfDue(t.id, 'remind');
    expect(to('tg-bsec').map((m) => m.text)).toEqual([
      expect.stringMatching(
        /^\[Task not taken\] 楼道清理 \(due .+\) needs 2, 1 took it\. Please follow up\.$/,
      ),
    ]);
    expect(to('tg-mary')[2]).toMatchObject({
      text: expect.stringMatching(
        /^\[Task reminder\] 楼道清理 is due .+, at 3栋\. Press “Done” when it is done\.$/,
      ),
      buttons: ['Done'],
    });

    await tasks.cancel(SYSTEM_ACTOR, t.id);
    expect(to('tg-mary').at(-1)!.text).toBe('[Task cancelled] 楼道清理 was cancelled; nothing more to do.');
    expect(to('tg-li').at(-1)!.text).toBe('【任务取消】楼道清理 已取消，无需再处理。');
  });

  it('the January check-in is in each member’s language', async () => {
    await seed();
    outbox.requests.length = 0;
    expect(await party.januaryCheckin(2027)).toEqual({ sent: 2, already: false });
    expect(to('tg-mary')[0]!.text).toBe(
      [
        '[Yearly commitments] Happy New Year, Mary! Please report to the compound’s party branch on last year’s commitments:',
        '1. Keep the compound rules and show I am a party member',
        '· Own: walk with an elderly neighbour',
        'In 2026 you completed 0 task(s) and served 0.0 hours.',
      ].join('\n'),
    );
    expect(to('tg-li')[0]!.text).toMatch(/^【年度承诺践诺】李明同志，新年好！/);
    expect(to('tg-li')[0]!.text).toContain('1. 带头遵守小区公约，亮明党员身份');
  });
});
