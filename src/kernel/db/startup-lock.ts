import type { Db } from './db.js';

/**
 * 'LNST' as an int: the session advisory lock of the startup-critical section. Not the key of
 * app migrations (src/kernel/db/migrate.ts takes that one as a transaction lock on another connection
 * of this same process, which would wait for us forever).
 */
export const STARTUP_LOCK_KEY = 0x4c4e5354;

/**
 * Runs `fn` (migrations, the first-start seeds) while holding a PostgreSQL session advisory lock
 * on one dedicated connection, so processes starting together on one database go through it one
 * at a time: the second finds the schema migrated and the demo seeded by the first.
 *
 * Contract: the lock is held from before `fn` starts until it settles; `fn` runs its queries on
 * the pool as usual (the lock serializes processes, not connections). If this process dies, its
 * session ends and PostgreSQL releases the lock. PGlite: `fn` runs directly; the data-directory
 * lock (src/kernel/db/data-dir-lock.ts) already admits one process only.
 */
export async function withStartupLock<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  if (db.engine !== 'postgres') return fn();
  const client = await db.pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [STARTUP_LOCK_KEY]);
  } catch (err) {
    client.release(true);
    throw err;
  }
  let broken = false;
  try {
    return await fn();
  } finally {
    try {
      await client.query('SELECT pg_advisory_unlock($1)', [STARTUP_LOCK_KEY]);
    } catch {
      // the session is unusable: destroying it releases the lock
      broken = true;
    }
    client.release(broken);
  }
}
