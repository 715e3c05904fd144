import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { markIn } from '../../../src/kernel/chat/update-marks.js';
import type { Db } from '../../../src/kernel/db/db.js';
import {
  createQueueBackend,
  EnqueueInTransactionError,
  type QueueBackend,
} from '../../../src/kernel/queue/backend.js';
import { startMaintenanceWorker } from '../../../src/kernel/queue/maintenance.js';
import { jobId, QueueName } from '../../../src/kernel/queue/names.js';
import { openTestDb } from '../../support/db.js';
import { type Engine, engines, queueKinds, TEST_REDIS_URL } from '../../support/env.js';
import { deleteRedisKeys } from '../../support/redis.js';
import { quietServices } from '../../support/services.js';

// The same queue behaviour on both backends: Redis, and BullMQ's PostgreSQL backend on
// PGlite (the embedded default).
const setups: { kind: 'redis' | 'postgres'; engine: Engine }[] = queueKinds().flatMap(
  (kind): { kind: 'redis' | 'postgres'; engine: Engine }[] =>
    kind === 'redis' ? [{ kind, engine: 'pglite' as Engine }] : engines().map((engine) => ({ kind, engine })),
);

describe.each(setups)('queue backend $kind (database $engine)', ({ kind, engine }) => {
  let db: Db;
  let queues: QueueBackend;
  let prefix: string;
  beforeEach(async () => {
    prefix = `linli-test-${randomBytes(4).toString('hex')}`;
    db = await openTestDb(engine);
    queues = await createQueueBackend({
      db,
      redisUrl: kind === 'redis' ? TEST_REDIS_URL : undefined,
      prefix,
    });
  });
  afterEach(async () => {
    await queues.close();
    if (kind === 'redis') await deleteRedisKeys(`${prefix}:*`);
    await db.close();
  });

  it('runs a job and a delayed job, in a worker', async () => {
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      queues.worker<{ id: number }>(QueueName.maintenance, async (job: Job<{ id: number }>) => {
        seen.push(`${job.name}:${job.data.id}`);
        if (seen.length === 2) resolve();
      });
    });
    await queues.add(QueueName.maintenance, 'now', { id: 1 });
    await queues.add(QueueName.maintenance, 'later', { id: 2 }, { delay: 300 });
    await done;
    expect(seen).toEqual(['now:1', 'later:2']);
  });

  it('ignores a second job with the same id', async () => {
    const id = jobId('probe', 7);
    await queues.add(QueueName.maintenance, 'a', { id: 1 }, { jobId: id, delay: 60_000 });
    await queues.add(QueueName.maintenance, 'b', { id: 2 }, { jobId: id, delay: 60_000 });
    const job = await queues.queue(QueueName.maintenance).getJob(id);
    expect(job?.name).toBe('a');
    expect(await queues.queue(QueueName.maintenance).getDelayedCount()).toBe(1);
  });

  it('adds several jobs at once, now and delayed, with their options; an id already there is skipped', async () => {
    const q = queues.queue(QueueName.maintenance);
    const kept = jobId('probe', 'kept');
    await queues.add(QueueName.maintenance, 'first', { id: 0 }, { jobId: kept, delay: 60_000 });
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      queues.worker<{ id: number }>(QueueName.maintenance, async (job: Job<{ id: number }>) => {
        seen.push(`${job.name}:${job.data.id}`);
        if (seen.length === 2) resolve();
      });
    });
    await queues.addBulk(QueueName.maintenance, [
      { name: 'now', data: { id: 1 }, opts: { jobId: jobId('probe', 'now') } },
      { name: 'soon', data: { id: 2 }, opts: { jobId: jobId('probe', 'soon'), delay: 200 } },
      { name: 'again', data: { id: 3 }, opts: { jobId: kept, delay: 60_000 } },
      {
        name: 'later',
        data: { id: 4 },
        opts: { jobId: jobId('probe', 'later'), delay: 60_000, attempts: 8 },
      },
    ]);
    await done;
    expect(seen).toEqual(['now:1', 'soon:2']);
    expect((await q.getJob(kept))?.name).toBe('first');
    const later = await q.getJob(jobId('probe', 'later'));
    expect(later?.opts).toMatchObject({
      attempts: 8,
      delay: 60_000,
      removeOnComplete: 1000,
      removeOnFail: 5000,
    });
    expect(await q.getDelayedCount()).toBe(2);
  });

  it('tells which job ids have a job, in one call', async () => {
    const ids = [jobId('probe', 'a'), jobId('probe', 'b'), jobId('probe', 'c')];
    await queues.add(QueueName.maintenance, 'x', { id: 1 }, { jobId: ids[0], delay: 60_000 });
    await queues.add(QueueName.maintenance, 'x', { id: 3 }, { jobId: ids[2], delay: 60_000 });
    expect(await queues.exists(QueueName.maintenance, ids)).toEqual([true, false, true]);
    await queues.queue(QueueName.maintenance).remove(ids[0]!);
    expect(await queues.exists(QueueName.maintenance, ids)).toEqual([false, false, true]);
    expect(await queues.exists(QueueName.maintenance, [])).toEqual([]);
  });

  it('removes a delayed job by id', async () => {
    const id = jobId('probe', 'rm');
    await queues.add(QueueName.maintenance, 'a', { id: 1 }, { jobId: id, delay: 60_000 });
    await queues.queue(QueueName.maintenance).remove(id);
    expect(await queues.queue(QueueName.maintenance).getJob(id)).toBeUndefined();
  });

  it('refuses to add a job inside a database transaction', async () => {
    await expect(
      db.transaction(async () => {
        await queues.add(QueueName.maintenance, 'x', { id: 1 });
      }),
    ).rejects.toBeInstanceOf(EnqueueInTransactionError);
  });

  it('lets a running job finish when closing', async () => {
    let finished = false;
    const started = new Promise<void>((resolve) => {
      queues.worker(QueueName.maintenance, async () => {
        resolve();
        await new Promise((r) => setTimeout(r, 200));
        finished = true;
      });
    });
    await queues.add(QueueName.maintenance, 'slow', { id: 1 });
    await started;
    await queues.close();
    expect(finished).toBe(true);
  });

  it('answers ping', async () => {
    await expect(queues.ping()).resolves.toBeUndefined();
  });
});

describe('job ids', () => {
  it('refuses colons and plain integers', () => {
    expect(() => jobId('a:b')).toThrow(/':'/);
    expect(() => jobId(12)).toThrow(/plain integer/);
    expect(jobId('complaint', 12, 'L2', 'ack')).toBe('complaint-12-L2-ack');
  });
});

describe('maintenance worker', () => {
  it('runs the hourly purges through a job scheduler, a failing one keeping none of the others from running', async () => {
    const db = await openTestDb('pglite');
    const queues = await createQueueBackend({ db });
    try {
      const services = quietServices(db);
      await markIn(db, 'telegram', 'old');
      await db.query(`UPDATE linli.processed_updates SET seen_at = now() - interval '2 days'`);
      const worker = await startMaintenanceWorker(
        queues,
        [
          {
            name: 'broken',
            run: async () => {
              throw new Error('a purge that fails');
            },
          },
          { name: 'chats', run: () => services.chats.purgeExpired() },
        ],
        pino({ level: 'silent' }),
      );
      const schedulers = await queues.queue(QueueName.maintenance).getJobSchedulers();
      expect(schedulers.map((s) => s.key)).toEqual(['hourly-purge']);
      await expect
        .poll(async () => (await db.query('SELECT 1 FROM linli.processed_updates')).rows.length, {
          timeout: 10_000,
        })
        .toBe(0);
      await worker.close();
    } finally {
      await queues.close();
      await db.close();
    }
  });
});
