import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatRef } from '../../../src/kernel/chat/port.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { NOTICE_PRIORITY, Outbox, queueOf } from '../../../src/kernel/outbox/outbox.js';
import { DEFAULT_PACING, type PacingLimits } from '../../../src/kernel/outbox/pacing.js';
import { parseQuietHours } from '../../../src/kernel/outbox/quiet-hours.js';
import { type OutboundWorker, startOutboundWorker } from '../../../src/kernel/outbox/sender.js';
import { createQueueBackend, type QueueBackend } from '../../../src/kernel/queue/backend.js';
import { openTestDb } from '../../support/db.js';
import { queueKinds, TEST_REDIS_URL } from '../../support/env.js';
import { RecordingAdapter } from '../../support/recording-adapter.js';
import { deleteRedisKeys } from '../../support/redis.js';

const FAST: PacingLimits = {
  telegram: { globalPerSecond: 1000, groupPerMinute: 1000, privatePerSecond: 1000 },
  wechat: { chatIntervalMs: 1, dailyCap: 100_000 },
  wecomRobot: { perMinute: 20 },
};
const group: ChatRef = { externalId: '-100777', kind: 'group' };
const dm: ChatRef = { externalId: '4242', kind: 'private' };

describe.each(queueKinds())('outbound queue on %s', (kind) => {
  let db: Db;
  let queues: QueueBackend;
  let adapter: RecordingAdapter;
  let outbox: Outbox;
  let worker: OutboundWorker | null;
  const prefix = `linli-ob-${randomBytes(4).toString('hex')}`;

  const start = async (limits: PacingLimits = FAST, concurrency = 4) => {
    worker = await startOutboundWorker({
      db,
      queues,
      outbox,
      adapter,
      limits,
      logger: pino({ level: 'silent' }),
      concurrency,
    });
  };
  const status = async (id: number) =>
    (
      await db.query<{ status: string; last_error: string | null; attempts: number }>(
        'SELECT status, last_error, attempts FROM linli.deliveries WHERE id = $1',
        [id],
      )
    ).rows[0]!;

  beforeEach(async () => {
    db = await openTestDb('pglite');
    queues = await createQueueBackend({
      db,
      redisUrl: kind === 'redis' ? TEST_REDIS_URL : undefined,
      prefix,
    });
    adapter = new RecordingAdapter('telegram');
    outbox = new Outbox(db, queues, null);
    worker = null;
  });
  afterEach(async () => {
    await worker?.close();
    await queues.close();
    await db.close();
    if (kind === 'redis') await deleteRedisKeys(`${prefix}:*`);
  });

  it('sends once per idempotency key, in order within a chat', async () => {
    await start();
    const first = await outbox.enqueue({
      channel: 'telegram',
      message: { chat: group, text: 'a' },
      idempotencyKey: 'k-a',
    });
    const again = await outbox.enqueue({
      channel: 'telegram',
      message: { chat: group, text: 'a' },
      idempotencyKey: 'k-a',
    });
    expect(again).toEqual({ deliveryId: first.deliveryId, created: false });
    for (const t of ['b', 'c', 'd', 'e']) {
      await outbox.enqueue({
        channel: 'telegram',
        message: { chat: group, text: t },
        idempotencyKey: `k-${t}`,
      });
    }
    await expect.poll(() => adapter.texts(), { timeout: 15_000 }).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await status(first.deliveryId)).status).toBe('sent');
  });

  it('a 429 pauses the channel for retry_after and nothing is resent early', async () => {
    await start();
    adapter.failNext('rate_limited', 1500);
    const { deliveryId } = await outbox.enqueue({
      channel: 'telegram',
      message: { chat: dm, text: 'x' },
      idempotencyKey: 'r1',
    });
    await expect.poll(() => adapter.attempts.length, { timeout: 15_000 }).toBe(1);
    // a message for another chat queued during the pause waits for it too
    await outbox.enqueue({
      channel: 'telegram',
      message: { chat: group, text: 'other chat' },
      idempotencyKey: 'r2',
    });
    await expect.poll(() => adapter.sent.length, { timeout: 15_000 }).toBe(2);
    const limited = adapter.attempts.find((a) => a.outcome === 'rate_limited')!;
    for (const s of adapter.sent) expect(s.at - limited.at).toBeGreaterThanOrEqual(1500);
    expect(await status(deliveryId)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('an unavailable channel (WeChat disconnected or logged out): the delivery waits, however long, counting no attempt', async () => {
    await start();
    // more outages in a row than SEND_ATTEMPTS: a transient error would have failed it for good
    for (let i = 0; i < 10; i++) adapter.failNext('unavailable', 50);
    const { deliveryId } = await outbox.enqueue({
      channel: 'telegram',
      message: { chat: dm, text: 'when you are back' },
      idempotencyKey: 'u1',
    });
    await expect.poll(() => adapter.attempts.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    expect(await status(deliveryId)).toMatchObject({
      status: 'queued',
      last_error: 'unavailable: injected unavailable',
    });
    await expect.poll(async () => (await status(deliveryId)).status, { timeout: 30_000 }).toBe('sent');
    expect(adapter.attempts.map((a) => a.outcome)).toEqual([...Array(10).fill('unavailable'), 'sent']);
    expect(adapter.texts()).toEqual(['when you are back']);
    expect(await status(deliveryId)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('retries 5xx with backoff; a permanent error fails at once with its reason', async () => {
    await start();
    adapter.failNext('transient');
    const t = await outbox.enqueue({
      channel: 'telegram',
      message: { chat: dm, text: 'retry me' },
      idempotencyKey: 't1',
    });
    await expect.poll(async () => (await status(t.deliveryId)).status, { timeout: 15_000 }).toBe('sent');
    expect(adapter.attempts.filter((a) => a.text === 'retry me').map((a) => a.outcome)).toEqual([
      'transient',
      'sent',
    ]);

    adapter.failNext('permanent');
    const p = await outbox.enqueue({
      channel: 'telegram',
      message: { chat: group, text: 'blocked' },
      idempotencyKey: 'p1',
    });
    await expect.poll(async () => (await status(p.deliveryId)).status, { timeout: 15_000 }).toBe('failed');
    expect((await status(p.deliveryId)).last_error).toMatch(/permanent/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(adapter.attempts.filter((a) => a.text === 'blocked')).toHaveLength(1);
  });

  it('paces a private chat to 1 message a second', async () => {
    await start({ ...DEFAULT_PACING, telegram: { ...DEFAULT_PACING.telegram } });
    for (const t of ['1', '2', '3']) {
      await outbox.enqueue({
        channel: 'telegram',
        message: { chat: dm, text: t },
        idempotencyKey: `pace-${t}`,
      });
    }
    await expect.poll(() => adapter.sent.length, { timeout: 15_000 }).toBe(3);
    const [a, b, c] = adapter.sent.map((s) => s.at);
    expect(b! - a!).toBeGreaterThanOrEqual(990);
    expect(c! - b!).toBeGreaterThanOrEqual(990);
  });

  it('holds non-urgent messages in quiet hours, sends urgent ones now', async () => {
    const allDay = parseQuietHours('00:00-23:59', 'Asia/Shanghai');
    outbox = new Outbox(db, queues, allDay);
    await start();
    const calm = await outbox.enqueue({
      channel: 'telegram',
      message: { chat: group, text: 'notice' },
      idempotencyKey: 'q1',
    });
    await outbox.enqueue({
      channel: 'telegram',
      message: { chat: dm, text: 'escalation' },
      idempotencyKey: 'q2',
      urgent: true,
    });
    await expect.poll(() => adapter.texts(), { timeout: 15_000 }).toEqual(['escalation']);
    const job = await queues.queue(queueOf('telegram')).getJob(`delivery-${calm.deliveryId}`);
    expect(await job?.getState()).toBe('delayed');
  });

  it('re-creates only the lost jobs, a page at a time, once per delivery', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (
          await outbox.enqueue({
            channel: 'telegram',
            message: { chat: group, text: `m${i}` },
            idempotencyKey: `page-${i}`,
          })
        ).deliveryId,
      );
    const q = queues.queue(queueOf('telegram'));
    for (const i of [0, 2, 3]) await q.remove(`delivery-${ids[i]}`);
    expect(await outbox.reconcile('telegram', 0, 2)).toBe(3);
    expect(
      await queues.exists(
        queueOf('telegram'),
        ids.map((id) => `delivery-${id}`),
      ),
    ).toEqual([true, true, true, true, true]);
    expect(await outbox.reconcile('telegram', 0, 2)).toBe(0);
    expect(await outbox.reconcile('telegram', 60_000, 2)).toBe(0); // too young to be called lost
  });

  it('a reply that could not leave at once goes before a backlog of notices, its job re-created as one', async () => {
    const notices: number[] = [];
    for (let i = 0; i < 5; i++)
      notices.push(
        (
          await outbox.enqueue({
            channel: 'telegram',
            message: { chat: { externalId: `-100${i}`, kind: 'group' }, text: `notice ${i}` },
            idempotencyKey: `backlog-${i}`,
          })
        ).deliveryId,
      );
    // no sender in this process yet: the reply takes its job, as when the platform refused it
    const reply = await outbox.enqueue({
      channel: 'telegram',
      message: { chat: dm, text: 'reply' },
      idempotencyKey: 'waiting-1',
      express: true,
    });
    const q = queues.queue(queueOf('telegram'));
    const priority = async (id: number) => (await q.getJob(`delivery-${id}`))?.opts.priority ?? 0;
    expect(await priority(reply.deliveryId)).toBe(0);
    expect(await priority(notices[0]!)).toBe(NOTICE_PRIORITY);
    // a lost job comes back with its kind: the reconciler reads the delivery's
    await q.remove(`delivery-${reply.deliveryId}`);
    await q.remove(`delivery-${notices[1]}`);
    expect(await outbox.reconcile('telegram', 0)).toBe(2);
    expect(await priority(reply.deliveryId)).toBe(0);
    expect(await priority(notices[1]!)).toBe(NOTICE_PRIORITY);
    await start(FAST, 1);
    await expect.poll(() => adapter.texts().length, { timeout: 15_000 }).toBe(6);
    expect(adapter.texts()[0]).toBe('reply');
  });

  it('re-creates lost jobs from the database, so a lost queue loses no message', async () => {
    const { deliveryId } = await outbox.enqueue({
      channel: 'telegram',
      message: { chat: group, text: 'survivor' },
      idempotencyKey: 'l1',
    });
    await queues.queue(queueOf('telegram')).obliterate({ force: true });
    expect(await queues.queue(queueOf('telegram')).getJob(`delivery-${deliveryId}`)).toBeUndefined();
    await start();
    await expect.poll(() => adapter.texts(), { timeout: 15_000 }).toEqual(['survivor']);
  });

  it('a delivery whose sender died mid-send goes out when its lease ends, and the next ones to its chat follow', async () => {
    const first = await outbox.enqueue({
      channel: 'telegram',
      message: { chat: group, text: 'claimed by a dead run' },
      idempotencyKey: 'lease-1',
    });
    // what a process killed during the send leaves behind: the lease it took, the attempt it counted
    await db.query(
      `UPDATE linli.deliveries SET claimed_until = now() + interval '2 seconds', attempts = 1 WHERE id = $1`,
      [first.deliveryId],
    );
    const leaseEnds = Date.now() + 2000;
    await outbox.enqueue({
      channel: 'telegram',
      message: { chat: group, text: 'after it' },
      idempotencyKey: 'lease-2',
    });
    await start();
    // not dropped as "claimed elsewhere" (which left it to the reconciler, a minute later)
    await expect
      .poll(() => adapter.texts(), { timeout: 15_000 })
      .toEqual(['claimed by a dead run', 'after it']);
    expect(adapter.sent[0]!.at).toBeGreaterThanOrEqual(leaseEnds - 50);
    expect(await status(first.deliveryId)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('stage: written with the transaction (nothing on a rollback), sent after COMMIT, once per key', async () => {
    await start();
    const req = (text: string, key: string) => ({
      channel: 'telegram' as const,
      message: { chat: group, text },
      idempotencyKey: key,
    });
    await expect(
      db.transaction(async (tx) => {
        await outbox.stage(tx, [req('rolled back', 's-0')]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const afterCommit = await db.transaction((tx) =>
      outbox.stage(tx, [req('one', 's-1'), req('two', 's-2')]),
    );
    await afterCommit();
    const again = await db.transaction((tx) => outbox.stage(tx, [req('one', 's-1')]));
    await again(); // a known key: nothing new to send
    await expect.poll(() => adapter.texts(), { timeout: 15_000 }).toEqual(['one', 'two']);
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM linli.deliveries WHERE idempotency_key LIKE 's-%'`,
    );
    expect(rows[0]!.n).toBe(2);
  });
});
