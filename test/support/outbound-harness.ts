import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import type { Db } from '../../src/kernel/db/db.js';
import { Outbox } from '../../src/kernel/outbox/outbox.js';
import type { PacingLimits } from '../../src/kernel/outbox/pacing.js';
import type { UnreachedHandler } from '../../src/kernel/outbox/reach.js';
import { type OutboundWorker, startOutboundWorker } from '../../src/kernel/outbox/sender.js';
import { createQueueBackend, type QueueBackend } from '../../src/kernel/queue/backend.js';
import { openTestDb } from './db.js';
import { TEST_REDIS_URL } from './env.js';
import { RecordingAdapter } from './recording-adapter.js';
import { deleteRedisKeys } from './redis.js';

/** Pacing out of the way: what a test of something else than pacing sends under. */
export const FAST_PACING: PacingLimits = {
  telegram: { globalPerSecond: 1000, groupPerMinute: 1000, privatePerSecond: 1000 },
  wechat: { chatIntervalMs: 1, dailyCap: 100_000 },
  wecomRobot: { perMinute: 20 },
};

export interface OutboundHarness {
  db: Db;
  queues: QueueBackend;
  adapter: RecordingAdapter;
  outbox: Outbox;
  /** Starts the Telegram outbound worker on the recording adapter (closed after the test). */
  start(o?: { limits?: PacingLimits; onUnreached?: UnreachedHandler }): Promise<OutboundWorker>;
}

/**
 * The outbound path of one test on its own: a fresh PGlite database, queues on `kind` (their keys
 * deleted after), a recording Telegram adapter and an Outbox without quiet hours; the fields are
 * set anew before each test of the calling `describe`.
 */
export function useOutboundHarness(kind: 'postgres' | 'redis', name: string): OutboundHarness {
  const prefix = `linli-${name}-${randomBytes(4).toString('hex')}`;
  let worker: OutboundWorker | null = null;
  const h = {
    async start(o: { limits?: PacingLimits; onUnreached?: UnreachedHandler } = {}) {
      worker = await startOutboundWorker({
        db: h.db,
        queues: h.queues,
        outbox: h.outbox,
        adapter: h.adapter,
        limits: o.limits ?? FAST_PACING,
        logger: pino({ level: 'silent' }),
        concurrency: 4,
        onUnreached: o.onUnreached,
      });
      return worker;
    },
  } as OutboundHarness;
  beforeEach(async () => {
    h.db = await openTestDb('pglite');
    h.queues = await createQueueBackend({
      db: h.db,
      redisUrl: kind === 'redis' ? TEST_REDIS_URL : undefined,
      prefix,
    });
    h.adapter = new RecordingAdapter('telegram');
    h.outbox = new Outbox(h.db, h.queues, null);
    worker = null;
  });
  afterEach(async () => {
    await worker?.close();
    await h.queues.close();
    await h.db.close();
    if (kind === 'redis') await deleteRedisKeys(`${prefix}:*`);
  });
  return h;
}
