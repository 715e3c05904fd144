import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from './env.js';

/** Removes a test's keys (its own prefix) so runs leave Redis as they found it. */
export async function deleteRedisKeys(pattern: string): Promise<void> {
  const r = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
