import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openPostgres, wrapPglite } from '../../src/kernel/db/connect.js';
import type { Db } from '../../src/kernel/db/db.js';
import { migrate } from '../../src/kernel/db/migrate.js';
import { createQueueBackend } from '../../src/kernel/queue/backend.js';
import { type Engine, pgTemplateName, TEST_PG_URL } from './env.js';

/**
 * A fresh, migrated database of its own for one test (or one file): PGlite in memory, cloned
 * from a migrated image made once per worker; or a PostgreSQL database cloned from the
 * template that global setup built. `close()` drops it.
 */
let pgliteImage: Promise<Blob> | null = null;

async function migratedPgliteImage(): Promise<Blob> {
  pgliteImage ??= (async () => {
    const pglite = await PGlite.create();
    const db = await wrapPglite(pglite);
    await migrate(db);
    const queues = await createQueueBackend({ db });
    await queues.close();
    const image = await pglite.dumpDataDir('none');
    await db.close();
    return image;
  })();
  return pgliteImage;
}

export type TestDb = Db & { url?: string; close(opts?: { keep?: boolean }): Promise<void> };

export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const a = new pg.Client({ connectionString: TEST_PG_URL });
  await a.connect();
  try {
    await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await a.end();
  }
}

export async function openTestDb(engine: Engine): Promise<TestDb> {
  if (engine === 'pglite') {
    const pglite = await PGlite.create({ loadDataDir: await migratedPgliteImage() });
    return wrapPglite(pglite);
  }
  const name = `linli_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${pgTemplateName()}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString(), 10);
  const close = db.close.bind(db);
  return Object.assign(db, {
    url: url.toString(),
    async close(opts?: { keep?: boolean }) {
      await close();
      if (!opts?.keep) await dropTestDatabase(url.toString());
    },
  });
}
