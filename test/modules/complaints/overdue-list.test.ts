import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/app/modules.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { Moments } from '../../../src/kernel/moments/moments.js';
import {
  nextOverdueListAt,
  OverdueListPush,
  overdueListText,
} from '../../../src/modules/complaints/overdue-list.js';
import { insertComplaint } from '../../../src/modules/complaints/repository.js';
import type { OverdueRow } from '../../../src/modules/complaints/repository-overdue.js';
import { openTestDb } from '../../support/db.js';
import { engines } from '../../support/env.js';
import { MemoryQueues } from '../../support/memory-queues.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { RecordingOutbox } from '../../support/recording-outbox.js';
import { quietServices } from '../../support/services.js';

const ROBOT = '7d3c2b1a-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
/** Monday 7 December 2026, a working day; the 5th is a Saturday */
const MONDAY_9 = new Date('2026-12-07T09:00:00+08:00');

describe('when the daily overdue list is posted', () => {
  it('09:00 China time on working days: Saturday’s goes to Monday; after 09:00, the next working day', () => {
    expect(nextOverdueListAt(new Date('2026-12-05T08:00:00+08:00'))).toEqual({
      day: '2026-12-07',
      at: MONDAY_9,
    });
    expect(nextOverdueListAt(new Date('2026-12-07T08:59:00+08:00')).day).toBe('2026-12-07');
    expect(nextOverdueListAt(new Date('2026-12-07T09:00:01+08:00')).day).toBe('2026-12-08');
    // the National Day holiday: after the 30th of September comes the 8th of October
    expect(nextOverdueListAt(new Date('2026-09-30T10:00:00+08:00')).day).toBe('2026-10-08');
  });

  it('names at most the first ones and counts the rest', () => {
    const row = (i: number): OverdueRow & { categoryName: string } => ({
      id: i,
      number: `20261201-${String(i).padStart(4, '0')}`,
      org_id: 1,
      compound: '阳光小区',
      category: 'lifts',
      categoryName: '电梯',
      level: 'community',
      status: 'accepted',
      created_at: new Date('2026-12-01T09:00:00+08:00'),
      escalations: 1,
      late_now: i === 1,
    });
    const text = overdueListText('和平社区', '2026-12-07', 23, [row(1), row(2)], MONDAY_9);
    const lines = text.split('\n');
    expect(lines[0]).toBe('【超期未办结报事 · 12月7日】和平社区 共 23 件（超时升级过或已逾期，仍未办结）');
    expect(lines[1]).toBe(
      '1. 20261201-0001 阳光小区 · 电梯 · 现由社区办理（已受理） · 超时升级 1 次 · 已逾期 · 已 6 天',
    );
    expect(lines[2]).not.toContain('已逾期');
    expect(lines.at(-1)).toBe('另有 21 件未列出，请在管理后台查看。');
  });
});

describe.each(engines())('the daily overdue list to the officials’ robots (%s)', (engine) => {
  let db: Db;
  let s: Services;
  let outbox: RecordingOutbox;
  let chain: Awaited<ReturnType<typeof seedCompoundChain>>;
  const HOUR = 3_600_000;

  /** a complaint of `compoundId` filed `daysAgo` before Monday 09:00, its row as `set` says (a fixture of what the loop writes) */
  const file = async (compoundId: number, daysAgo: number, set: Record<string, unknown>) =>
    db.transaction(async (tx) => {
      const c = await insertComplaint(tx, {
        compoundId,
        reporterId: null,
        anonymous: false,
        category: 'lifts',
        description: '电梯异响',
        photos: [],
      });
      const filed = new Date(MONDAY_9.getTime() - daysAgo * 24 * HOUR);
      const row: Record<string, unknown> = {
        created_at: filed,
        ack_due_at: new Date(filed.getTime() + 2 * HOUR),
        resolve_due_at: new Date(MONDAY_9.getTime() + 48 * HOUR),
        ...set,
      };
      const cols = Object.keys(row);
      await tx.query(
        `UPDATE linli.complaints SET ${cols.map((k, i) => `${k} = $${i + 2}`).join(', ')} WHERE id = $1`,
        [c.id, ...Object.values(row)],
      );
      return c;
    });

  beforeEach(async () => {
    db = await openTestDb(engine);
    outbox = new RecordingOutbox(db);
    s = quietServices(db, { outbox });
    chain = await seedCompoundChain(s);
    await s.chats.bindDirect(SYSTEM_ACTOR, chain.community, {
      channel: 'wecom_robot',
      externalChatId: ROBOT,
      purpose: 'handlers',
    });
  });
  afterEach(async () => db.close());

  it('the open complaints of its subtree that missed a deadline, oldest first, once a working day at 09:00', async () => {
    const mk = async (kind: 'community' | 'compound', name: string, parentId: number) =>
      (await s.orgs.create(SYSTEM_ACTOR, { kind, name, parentId })).id;
    const other = await mk('compound', '别处小区', await mk('community', '别处社区', chain.subdistrict));
    // escalated twice, now at the subdistrict; still open
    const escalated = await file(chain.compound, 6, {
      status: 'accepted',
      acknowledged_at: MONDAY_9,
      level: 'subdistrict',
      level_org_id: chain.subdistrict,
      escalations: 2,
    });
    // its resolve deadline has passed this morning (not yet swept)
    const late = await file(chain.compound, 3, {
      status: 'in_progress',
      acknowledged_at: MONDAY_9,
      resolve_due_at: new Date(MONDAY_9.getTime() - HOUR),
    });
    // on time; closed after escalating; another community's
    await file(chain.compound, 1, { status: 'accepted', acknowledged_at: MONDAY_9 });
    await file(chain.compound, 5, { status: 'closed', escalations: 1, closed_at: MONDAY_9 });
    await file(other, 4, { status: 'accepted', escalations: 1, acknowledged_at: MONDAY_9 });

    const at = (d: Date) => new OverdueListPush(db, outbox, { now: () => d });
    expect(await at(new Date(MONDAY_9.getTime() - 60_000)).sendDue()).toBe(0);
    expect(await at(new Date('2026-12-05T10:00:00+08:00')).sendDue()).toBe(0); // Saturday
    expect(outbox.requests).toEqual([]);

    expect(await at(MONDAY_9).sendDue()).toBe(1);
    expect(outbox.requests).toHaveLength(1);
    const [r] = outbox.requests;
    expect(r).toMatchObject({
      channel: 'wecom_robot',
      message: { chat: { externalId: ROBOT, kind: 'group' } },
      orgId: chain.community,
    });
    const lines = r!.message.text.split('\n');
    expect(lines[0]).toBe('【超期未办结报事 · 12月7日】和平社区 共 2 件（超时升级过或已逾期，仍未办结）');
    expect(lines[1]).toBe(
      `1. ${escalated.number} 阳光小区 · 电梯 · 现由街道办理（已受理） · 超时升级 2 次 · 已 6 天`,
    );
    expect(lines[2]).toBe(`2. ${late.number} 阳光小区 · 电梯 · 现由小区办理（处理中） · 已逾期 · 已 3 天`);
    expect(lines).toHaveLength(3);

    // later the same day (the reconciler, another process): nothing more
    expect(await at(new Date(MONDAY_9.getTime() + 5 * HOUR)).sendDue()).toBe(0);
    expect(outbox.requests).toHaveLength(1);

    const queues = new MemoryQueues();
    await at(MONDAY_9).reconcile(new Moments(queues, () => MONDAY_9));
    expect(queues.list('digests').map((j) => j.id)).toEqual(['overdue-list-2026-12-08']);
  });

  it('an org with nothing overdue is marked for the day and sent nothing', async () => {
    await file(chain.compound, 1, { status: 'accepted', acknowledged_at: MONDAY_9 });
    const push = new OverdueListPush(db, outbox, { now: () => MONDAY_9 });
    expect(await push.sendDue()).toBe(1);
    expect(outbox.requests).toEqual([]);
    const { rows } = await db.query<{ items: number }>('SELECT items FROM linli.overdue_list_sends');
    expect(rows.map((x) => Number(x.items))).toEqual([0]);
    expect(await push.sendDue()).toBe(0);
  });
});
