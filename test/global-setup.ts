import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openPostgres } from '../src/kernel/db/connect.js';
import { loadMigrations, migrate } from '../src/kernel/db/migrate.js';
import { createQueueBackend } from '../src/kernel/queue/backend.js';
import { buildConsole, CHROMIUM } from './support/browser.js';
import { TEST_PG_URL, TEST_REDIS_URL } from './support/env.js';

/**
 * Finds PostgreSQL and Redis, and builds a migrated template database on PostgreSQL once per
 * schema version, so each test file clones its own database in milliseconds; builds the admin
 * console when its browser tests can run.
 */
export default async function setup() {
  const strict = process.env.CI === 'true';
  const pgOk = await reachable(async () => {
    const c = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
    await c.connect();
    await c.end();
  });
  const redisOk = await reachable(async () => {
    const r = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1 });
    r.on('error', () => {});
    await r.connect();
    await r.ping();
    r.disconnect();
  });
  if (strict && (!pgOk || !redisOk)) {
    throw new Error(
      `CI needs PostgreSQL (${pgOk ? 'ok' : 'unreachable'}) and Redis (${redisOk ? 'ok' : 'unreachable'})`,
    );
  }
  if (!pgOk) console.warn(`[tests] PostgreSQL at ${TEST_PG_URL} unreachable: PostgreSQL runs skipped`);
  if (!redisOk) console.warn(`[tests] Redis at ${TEST_REDIS_URL} unreachable: Redis runs skipped`);
  process.env.LINLI_TEST_HAS_PG = pgOk ? '1' : '0';
  process.env.LINLI_TEST_HAS_REDIS = redisOk ? '1' : '0';
  if (pgOk) process.env.LINLI_TEST_PG_TEMPLATE = await ensureTemplate();
  // the console's browser tests (test/console) serve console/dist: built once here, not by each file.
  // A failed build fails those tests only (ensureConsoleBuilt), not the service's; `npm run openapi`
  // (which the console's next build needs first) builds nothing.
  if (process.env.UPDATE_OPENAPI !== '1' && (strict || existsSync(CHROMIUM))) {
    try {
      buildConsole();
    } catch {
      process.env.LINLI_CONSOLE_BUILD_FAILED = '1';
      console.warn('[tests] the console did not build (its output is above): its browser tests fail');
    }
  }
}

async function reachable(probe: () => Promise<void>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch {
    return false;
  }
}

async function ensureTemplate(): Promise<string> {
  const hash = createHash('sha256');
  for (const m of loadMigrations()) hash.update(m.checksum);
  const { version } = (await import('bullmq/package.json', { with: { type: 'json' } })).default as {
    version: string;
  };
  hash.update(version);
  const name = `linli_tpl_${hash.digest('hex').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(4242)');
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      const building = `${name}_building`;
      await admin.query(`DROP DATABASE IF EXISTS ${building}`);
      await admin.query(`CREATE DATABASE ${building}`);
      const url = new URL(TEST_PG_URL);
      url.pathname = `/${building}`;
      const db = await openPostgres(url.toString(), 4);
      await migrate(db);
      const queues = await createQueueBackend({ db });
      await queues.close();
      await db.close();
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      await admin.query(`ALTER DATABASE ${name} WITH IS_TEMPLATE true`);
    }
    await admin.query('SELECT pg_advisory_unlock(4242)');
  } finally {
    await admin.end();
  }
  return name;
}
