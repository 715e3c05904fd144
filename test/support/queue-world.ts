import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import { createQueueBackend, type QueueBackend } from '../../src/kernel/queue/backend.js';
import { openTestDb, type TestDb } from './db.js';
import { TEST_REDIS_URL } from './env.js';
import { deleteRedisKeys } from './redis.js';

/**
 * For each test of the calling `describe`: a fresh PGlite database and a queue backend of `kind`
 * (BullMQ on Redis under a key prefix of its own, or on that database), closed after the test,
 * and the Redis keys deleted. Read `db` and `queues` inside the tests (they change per test).
 */
export function eachTestDbAndQueues(
  kind: 'redis' | 'postgres',
  name: string,
): { db: TestDb; queues: QueueBackend } {
  const prefix = `linli-${name}-${randomBytes(4).toString('hex')}`;
  const world = {} as { db: TestDb; queues: QueueBackend };
  beforeEach(async () => {
    world.db = await openTestDb('pglite');
    world.queues = await createQueueBackend({
      db: world.db,
      redisUrl: kind === 'redis' ? TEST_REDIS_URL : undefined,
      prefix,
    });
  });
  afterEach(async () => {
    await world.queues.close();
    await world.db.close();
    if (kind === 'redis') await deleteRedisKeys(`${prefix}:*`);
  });
  return world;
}
