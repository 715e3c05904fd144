import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/app/modules.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { findMedia, mediaIdOf } from '../../../src/kernel/media/media-store.js';
import { findCjkFont, pngRenderer } from '../../../src/kernel/media/png-renderer.js';
import { Moments } from '../../../src/kernel/moments/moments.js';
import { isWorkingDay } from '../../../src/kernel/time/china-calendar.js';
import { civilDate } from '../../../src/kernel/time/zone.js';
import { DigestPush, digestDueAt } from '../../../src/modules/complaints/digest-push.js';
import { insertComplaint } from '../../../src/modules/complaints/repository.js';
import { openTestDb } from '../../support/db.js';
import { engines } from '../../support/env.js';
import { MemoryQueues } from '../../support/memory-queues.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { pngSize } from '../../support/png.js';
import { RecordingOutbox } from '../../support/recording-outbox.js';
import { quietServices } from '../../support/services.js';

/** the machine's CJK font: without one (no fonts-wqy-microhei) the chart cannot be drawn, and its test is skipped */
const chartFont = findCjkFont();

describe('when the monthly digest is posted', () => {
  it('the first working day of the month, 10:00 China time: after the National Day holiday, not on it', () => {
    expect(digestDueAt(2026, 12).toISOString()).toBe('2026-12-01T02:00:00.000Z'); // a Tuesday
    const october = digestDueAt(2026, 10);
    expect(civilDate(october, 'Asia/Shanghai') > '2026-10-01').toBe(true);
    expect(isWorkingDay(civilDate(october, 'Asia/Shanghai'))).toBe(true);
    // a weekend first: Monday the 3rd of August 2026
    expect(civilDate(digestDueAt(2026, 8), 'Asia/Shanghai')).toBe('2026-08-03');
  });
});

describe.each(engines())('the monthly digest in the residents’ groups (%s)', (engine) => {
  let db: Db;
  let s: Services;
  let outbox: RecordingOutbox;
  let chain: Awaited<ReturnType<typeof seedCompoundChain>>;
  const at = (iso: string) => () => new Date(iso);

  beforeEach(async () => {
    db = await openTestDb(engine);
    outbox = new RecordingOutbox(db);
    s = quietServices(db, { outbox });
    chain = await seedCompoundChain(s);
    await s.chats.bindDirect(SYSTEM_ACTOR, chain.compound, {
      channel: 'telegram',
      externalChatId: '-100991',
      purpose: 'residents',
    });
    // one November complaint, closed and rated 满意 (a fixture of what the loop writes)
    await db.transaction(async (tx) => {
      const c = await insertComplaint(tx, {
        compoundId: chain.compound,
        reporterId: null,
        anonymous: false,
        category: 'lifts',
        description: '电梯异响',
        photos: [],
      });
      const filed = new Date('2026-11-12T09:00:00+08:00');
      await tx.query(
        `UPDATE linli.complaints SET created_at = $2, status = 'closed', acknowledged_at = $3, resolved_at = $4,
           closed_at = $4, rating = 'satisfied', rated_at = $4 WHERE id = $1`,
        [c.id, filed, new Date(filed.getTime() + 3_600_000), new Date(filed.getTime() + 86_400_000)],
      );
    });
  });
  afterEach(async () => db.close());

  it('goes out at its time, once per compound, to each residents’ group; not before; the next job waits in the queue', async () => {
    const early = new DigestPush(db, outbox, s.digests, { now: at('2026-12-01T09:59:00+08:00') });
    expect(await early.sendDue()).toBe(0);
    expect(outbox.requests).toEqual([]);

    const push = new DigestPush(db, outbox, s.digests, { now: at('2026-12-01T10:00:00+08:00') });
    expect(await push.sendDue()).toBe(1);
    expect(outbox.requests).toHaveLength(1);
    const [r] = outbox.requests;
    expect(r).toMatchObject({
      channel: 'telegram',
      message: { chat: { externalId: '-100991', kind: 'group' } },
      idempotencyKey: `digest-${chain.compound}-2026-11-telegram--100991`,
    });
    expect(r!.urgent).toBeFalsy();
    expect(r!.message.text).toContain('11月报事情况');
    expect(r!.message.text).toContain('收到报事 1 件，已办结 1 件');
    // a second run (the reconciler, another process) sends nothing more
    expect(await push.sendDue()).toBe(0);
    expect(
      await new DigestPush(db, outbox, s.digests, { now: at('2026-12-03T08:00:00+08:00') }).sendDue(),
    ).toBe(0);
    expect(outbox.requests).toHaveLength(1);

    // a week late is still posted (a process down for days); later than that, not
    await db.query('DELETE FROM linli.digest_sends');
    expect(
      await new DigestPush(db, outbox, s.digests, { now: at('2026-12-09T09:00:00+08:00') }).sendDue(),
    ).toBe(0);
    expect(
      await new DigestPush(db, outbox, s.digests, { now: at('2026-12-07T09:00:00+08:00') }).sendDue(),
    ).toBe(1);

    const queues = new MemoryQueues();
    await push.reconcile(new Moments(queues, at('2026-12-01T10:00:00+08:00')));
    expect(queues.list('digests').map((j) => j.id)).toEqual(['digest-2027-01']);
  });

  it.skipIf(!chartFont)(
    'the chart follows the text in each group, drawn once and kept as the month’s image',
    async () => {
      const push = new DigestPush(db, outbox, s.digests, {
        now: at('2026-12-01T10:00:00+08:00'),
        chart: pngRenderer(chartFont),
      });
      expect(await push.sendDue()).toBe(1);
      expect(outbox.requests.map((r) => r.idempotencyKey)).toEqual([
        `digest-${chain.compound}-2026-11-telegram--100991`,
        `digest-${chain.compound}-2026-11-telegram--100991-chart`,
      ]);
      const photo = outbox.requests[1]!.message;
      expect(photo.chat).toEqual({ externalId: '-100991', kind: 'group' });
      expect(photo.media?.kind).toBe('photo');
      const id = mediaIdOf(photo.media!.ref);
      const kept = await findMedia(db, id!);
      expect(kept).toMatchObject({ channel: 'linli', content_type: 'image/png' });
      expect(pngSize(kept!.bytes!)).toEqual({ width: 960, height: 540 });
    },
  );

  it('a community’s officials get its subtree’s digest through their WeCom robot; an org with no chat, none', async () => {
    await s.chats.bindDirect(SYSTEM_ACTOR, chain.community, {
      channel: 'wecom_robot',
      externalChatId: '5c1f3e2a-0b7d-4c3e-9a51-2f6d8e4b7a10',
      purpose: 'handlers',
    });
    const push = new DigestPush(db, outbox, s.digests, {
      now: at('2026-12-01T10:00:00+08:00'),
      chart: pngRenderer(chartFont),
    });
    expect(await push.sendDue()).toBe(2);
    const robot = outbox.requests.filter((r) => r.channel === 'wecom_robot');
    expect(robot[0]).toMatchObject({
      message: { chat: { externalId: '5c1f3e2a-0b7d-4c3e-9a51-2f6d8e4b7a10', kind: 'group' } },
      orgId: chain.community,
    });
    expect(robot[0]!.urgent).toBeFalsy();
    expect(robot[0]!.message.text).toMatch(/^【.+ 11月报事情况】/);
    expect(robot[0]!.message.text).toContain('收到报事 1 件');
    expect(robot).toHaveLength(chartFont ? 2 : 1);
    if (chartFont) expect(robot[1]!.message.media?.kind).toBe('photo');
    const sent = await db.query<{ org_id: string | number }>(
      'SELECT org_id FROM linli.digest_sends ORDER BY org_id',
    );
    expect(sent.rows.map((r) => Number(r.org_id)).sort()).toEqual([chain.community, chain.compound].sort());
    expect(await push.sendDue()).toBe(0);
  });

  it('a chart that cannot be drawn leaves the text to go alone', async () => {
    const broken = {
      fontFile: '/nowhere',
      png: () => {
        throw new Error('font unreadable');
      },
    };
    const push = new DigestPush(db, outbox, s.digests, {
      now: at('2026-12-01T10:00:00+08:00'),
      chart: broken,
    });
    expect(await push.sendDue()).toBe(1);
    expect(outbox.requests).toHaveLength(1);
    expect(outbox.requests[0]!.message.media).toBeUndefined();
  });
});
