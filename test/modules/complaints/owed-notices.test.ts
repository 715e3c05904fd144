/**
 * Nothing lost between a complaint change's COMMIT and its notices: the change writes what it owes
 * with itself (`linli.complaint_notices_due`); a process that dies before telling anyone leaves
 * that row, and the next reconciler tells them — once, with the keys the dead process would have
 * used.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/app/modules.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import type { ComplaintNotifications } from '../../../src/modules/complaints/commands/deadlines.js';
import { ComplaintService } from '../../../src/modules/complaints/commands/transitions.js';
import { ComplaintNotifier } from '../../../src/modules/complaints/notifier.js';
import { openTestDb } from '../../support/db.js';
import { engines } from '../../support/env.js';
import { MemoryQueues } from '../../support/memory-queues.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { RecordingOutbox } from '../../support/recording-outbox.js';
import { quietServices } from '../../support/services.js';

const GROUP = '-100661';

describe.each(engines())('a complaint’s notices survive a crash after COMMIT (%s)', (engine) => {
  let db: Db;
  let s: Services;
  let outbox: RecordingOutbox;
  let chain: Awaited<ReturnType<typeof seedCompoundChain>>;
  /** the process that dies right after COMMIT: its notifier never runs to the end */
  let dying: ComplaintService;
  /** the next process, whose reconciler finds what the first one owed */
  let next: ComplaintService;

  const crash: ComplaintNotifications = {
    changed: async () => {
      throw new Error('process killed');
    },
    overdueReminder: async () => {},
    warning: async () => {},
  };
  const owed = async () =>
    (
      await db.query<{ complaint_id: number; version: number }>(
        'SELECT complaint_id, version FROM linli.complaint_notices_due ORDER BY complaint_id, version',
      )
    ).rows.map((r) => [Number(r.complaint_id), Number(r.version)]);
  const file = (svc: ComplaintService) =>
    db.transaction(async (tx) => {
      return svc.file(tx, {
        compoundId: chain.compound,
        reporterId: null,
        anonymous: false,
        category: 'lifts',
        description: '电梯停在5楼',
        photos: [],
      });
    });
  const groupNotices = () =>
    outbox.requests.filter((r) => r.message.chat.externalId === GROUP).map((r) => r.idempotencyKey);

  beforeEach(async () => {
    db = await openTestDb(engine);
    outbox = new RecordingOutbox(db);
    s = quietServices(db, { outbox });
    chain = await seedCompoundChain(s);
    await s.chats.bindDirect(SYSTEM_ACTOR, chain.compound, {
      channel: 'telegram',
      externalChatId: GROUP,
      purpose: 'residents',
    });
    dying = new ComplaintService(db, new MemoryQueues(), crash);
    next = new ComplaintService(db, new MemoryQueues(), new ComplaintNotifier(db, outbox));
  });
  afterEach(async () => db.close());

  it('a filing whose process died before its notices: the reconciler sends them once, after the grace period', async () => {
    const c = await file(dying);
    await expect(dying.afterChange(c)).rejects.toThrow('process killed');
    expect(await owed()).toEqual([[c.id, c.version]]);
    expect(groupNotices()).toEqual([]);

    // still within the grace (the first process may be sending right now): nothing yet
    expect(await next.resendOwedNotices()).toBe(0);
    expect(await next.resendOwedNotices(0)).toBe(1);
    expect(groupNotices()).toEqual([`complaint-${c.id}-v${c.version}-group-telegram-${GROUP}`]);
    expect(await owed()).toEqual([]);
    expect(await next.resendOwedNotices(0)).toBe(0);
    expect(groupNotices()).toHaveLength(1);
  });

  it('a change that went through leaves nothing owed; a later change settles an earlier lost one', async () => {
    const c = await file(next);
    await next.afterChange(c);
    expect(await owed()).toEqual([]);
    expect(groupNotices()).toHaveLength(1);

    // accepted by a process that died, then resolved by one that did not: the 已受理 notice of a
    // state already left is not sent late; the resolution's is what the group hears
    const accepted = await dying.act(SYSTEM_ACTOR, c.id, { action: 'accept' }).catch(() => null);
    expect(accepted).toBeNull();
    const [[, version]] = (await owed()) as [[number, number]];
    const resolved = await next.act(SYSTEM_ACTOR, c.id, { action: 'resolve' });
    expect(resolved.version).toBe(version + 1);
    expect(await owed()).toEqual([]);
    expect(await next.resendOwedNotices(0)).toBe(0);
  });

  it('an escalation by the sweep whose notices were lost is told by the next reconciler', async () => {
    const c = await file(next);
    await next.afterChange(c);
    await db.query(`UPDATE linli.complaints SET ack_due_at = now() - interval '1 minute' WHERE id = $1`, [
      c.id,
    ]);
    expect(await dying.escalateDue()).toBe(1);
    const [[id, version]] = (await owed()) as [[number, number]];
    expect(id).toBe(c.id);
    expect(await next.resendOwedNotices(0)).toBe(1);
    expect(groupNotices()).toContain(`complaint-${c.id}-v${version}-group-telegram-${GROUP}`);
    expect(await owed()).toEqual([]);
  });
});
