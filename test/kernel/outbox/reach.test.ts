/**
 * Reach (src/kernel/outbox/reach.ts): a private message the platform refuses goes to the person's
 * group instead when it carries a fallback; otherwise, or when that fails too, the delivery is
 * unreachable with the reason, and its subject's module is told in the same transaction.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatRef } from '../../../src/kernel/chat/port.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { Outbox } from '../../../src/kernel/outbox/outbox.js';
import type { UnreachedDelivery } from '../../../src/kernel/outbox/reach.js';
import { type OutboundWorker, startOutboundWorker } from '../../../src/kernel/outbox/sender.js';
import { createQueueBackend, type QueueBackend } from '../../../src/kernel/queue/backend.js';
import { openTestDb } from '../../support/db.js';
import { queueKinds, TEST_REDIS_URL } from '../../support/env.js';
import { RecordingAdapter } from '../../support/recording-adapter.js';
import { deleteRedisKeys } from '../../support/redis.js';

const FAST = {
  telegram: { globalPerSecond: 1000, groupPerMinute: 1000, privatePerSecond: 1000 },
  wechat: { chatIntervalMs: 1, dailyCap: 100_000 },
};
const group: ChatRef = { externalId: '-100777', kind: 'group' };
const dm: ChatRef = { externalId: '4242', kind: 'private' };
const NOT_STARTED =
  "not_started: telegram sendMessage: 403 Forbidden: bot can't initiate conversation with a user";

describe.each(queueKinds())('reach on %s', (kind) => {
  let db: Db;
  let queues: QueueBackend;
  let adapter: RecordingAdapter;
  let outbox: Outbox;
  let worker: OutboundWorker | null;
  let told: UnreachedDelivery[];
  const prefix = `linli-reach-${randomBytes(4).toString('hex')}`;

  const start = async () => {
    worker = await startOutboundWorker({
      db,
      queues,
      outbox,
      adapter,
      limits: FAST,
      logger: pino({ level: 'silent' }),
      concurrency: 4,
      onUnreached: async (tx, d, send) => {
        told.push(d);
        // what a module does: a record in the same transaction, and a word to someone else
        await tx.query('SELECT 1');
        await send([
          {
            channel: 'telegram',
            message: { chat: { externalId: '5151', kind: 'private' }, text: `unreached ${d.subject}` },
            idempotencyKey: `colleague-${d.deliveryId}`,
          },
        ]);
      },
    });
  };
  const row = async (id: number) =>
    (
      await db.query<{ status: string; last_error: string | null; rerouted_to: number | null }>(
        'SELECT status, last_error, rerouted_to FROM linli.deliveries WHERE id = $1',
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
    told = [];
  });
  afterEach(async () => {
    await worker?.close();
    await queues.close();
    await db.close();
    if (kind === 'redis') await deleteRedisKeys(`${prefix}:*`);
  });

  it('a refused private message goes to the group with its mention instead; the refused one names it', async () => {
    await start();
    adapter.refuse(dm.externalId, NOT_STARTED);
    const mention = { externalId: dm.externalId, displayName: 'Ann' };
    const { deliveryId } = await outbox.enqueue({
      channel: 'telegram',
      message: { chat: dm, text: 'private' },
      fallback: { chat: group, text: 'in the group', mention },
      subject: 'complaint:1:reporter',
      idempotencyKey: 'k1',
      personId: null,
    });
    await expect.poll(() => adapter.texts(), { timeout: 15_000 }).toEqual(['in the group']);
    expect(adapter.sent[0]!.message.mention).toEqual(mention);
    const refused = await row(deliveryId);
    expect(refused).toMatchObject({ status: 'rerouted', last_error: `permanent: ${NOT_STARTED}` });
    await expect.poll(async () => (await row(refused.rerouted_to!)).status).toBe('sent');
    expect(told).toEqual([]);
  });

  it('refused without a fallback: unreachable with the reason, and the subject’s module is told once', async () => {
    await start();
    adapter.refuse(dm.externalId, NOT_STARTED);
    const { deliveryId } = await outbox.enqueue({
      channel: 'telegram',
      message: { chat: dm, text: 'private' },
      subject: 'complaint:2:handler',
      idempotencyKey: 'k2',
    });
    await expect.poll(() => adapter.texts(), { timeout: 15_000 }).toEqual(['unreached complaint:2:handler']);
    expect(await row(deliveryId)).toMatchObject({
      status: 'unreachable',
      last_error: `permanent: ${NOT_STARTED}`,
    });
    expect(told).toEqual([
      expect.objectContaining({
        deliveryId,
        subject: 'complaint:2:handler',
        reason: `permanent: ${NOT_STARTED}`,
      }),
    ]);
  });

  it('a fallback that fails too (the bot was removed from the group) leaves the person unreachable', async () => {
    await start();
    adapter.refuse(
      dm.externalId,
      'blocked: telegram sendMessage: 403 Forbidden: bot was blocked by the user',
    );
    adapter.refuse(
      group.externalId,
      'telegram sendMessage: 403 Forbidden: bot was kicked from the group chat',
    );
    const { deliveryId } = await outbox.enqueue({
      channel: 'telegram',
      message: { chat: dm, text: 'private' },
      fallback: { chat: group, text: 'in the group' },
      subject: 'complaint:3:reporter',
      idempotencyKey: 'k3',
    });
    await expect.poll(() => told.length, { timeout: 15_000 }).toBe(1);
    const refused = await row(deliveryId);
    expect(refused.status).toBe('rerouted');
    expect(await row(refused.rerouted_to!)).toMatchObject({
      status: 'unreachable',
      last_error: expect.stringContaining('kicked'),
    });
    expect(told[0]).toMatchObject({ deliveryId: refused.rerouted_to, subject: 'complaint:3:reporter' });
  });

  it('a permanent error that is not about the person fails the delivery, with nobody told', async () => {
    await start();
    adapter.refuse(group.externalId, 'telegram sendMessage: 400 Bad Request: chat not found');
    const { deliveryId } = await outbox.enqueue({
      channel: 'telegram',
      message: { chat: group, text: 'to the group' },
      subject: 'complaint:4:residents',
      idempotencyKey: 'k4',
    });
    await expect.poll(async () => (await row(deliveryId)).status, { timeout: 15_000 }).toBe('failed');
    expect(told).toEqual([]);
  });
});
