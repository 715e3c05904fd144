import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { PgPool } from 'bullmq';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.js';
import { createDb, type Db } from './db.js';
import { PglitePool, POOL_ERROR_LISTENERS } from './pglite-pool.js';
import { pgliteTemplate } from './pglite-template.js';

/** BullMQ's PostgreSQL backend keeps its tables here; app tables are in `linli`. */
export const QUEUE_SCHEMA = 'bullmq';

/**
 * Opens PostgreSQL when `databaseUrl` is set, else the embedded PGlite under `dataDir/pglite`
 * (created on first start, kept across restarts, locked against a second process).
 *
 * Both sessions run with `search_path = bullmq`: BullMQ's SQL names its tables unqualified
 * and a shared pool cannot be given a schema any other way; app SQL always says `linli.`.
 */
export async function openDb(opts: {
  databaseUrl?: string;
  dataDir?: string;
  poolSize?: number;
}): Promise<Db> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 20);
  if (!opts.dataDir) throw new Error('openDb needs databaseUrl or dataDir');
  const dir = resolve(opts.dataDir, 'pglite');
  const unlock = lockDataDir(resolve(opts.dataDir));
  try {
    // a first start loads the template made at install instead of running initdb (pglite-template.ts)
    const template = hasEmbeddedDb(opts.dataDir) ? null : pgliteTemplate();
    let pglite: PGlite;
    try {
      pglite = await PGlite.create({ dataDir: dir, ...(template ? { loadDataDir: template } : {}) });
    } catch (err) {
      if (!template) throw err;
      rmSync(dir, { recursive: true, force: true }); // a bad template: initdb after all
      pglite = await PGlite.create({ dataDir: dir });
    }
    return wrapPglite(pglite, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}

export async function openPostgres(connectionString: string, max = 20): Promise<Db> {
  const pool = new pg.Pool({ connectionString, max, options: `-c search_path=${QUEUE_SCHEMA}` });
  // each BullMQ queue and worker on the PostgreSQL backend listens for the pool's errors (not a leak)
  pool.setMaxListeners(POOL_ERROR_LISTENERS);
  pool.on('error', () => {
    // An idle client dropped (server restart): the pool replaces it on next use; /readyz reports.
  });
  pool.on('connect', (client) => {
    // A checked-out client whose connection drops (server restart, network cut) emits 'error'
    // besides failing its query, and pg-pool listens only while the client is idle: unheard, that
    // event would crash the process. The query's caller gets the error; the pool discards the
    // client on release (it is no longer queryable).
    client.on('error', () => {});
  });
  const { rows } = await pool.query<{ v: string }>('SHOW server_version_num');
  const major = Math.floor(Number(rows[0]?.v) / 10000);
  if (major < 15) {
    await pool.end();
    throw new Error(`PostgreSQL ${major} is too old: Linli needs PostgreSQL 15 or newer.`);
  }
  return createDb('postgres', pool as unknown as PgPool & pg.Pool, () => pool.end());
}

/** Wraps an open PGlite (a data directory, or memory for tests) as a Db. */
export async function wrapPglite(pglite: PGlite, onClosed: () => void = () => {}): Promise<Db> {
  await pglite.exec(`SET search_path TO ${QUEUE_SCHEMA}`);
  const pool = new PglitePool(pglite);
  return createDb('pglite', pool as unknown as PgPool & PglitePool, async () => {
    await pool.end();
    try {
      await pglite.close();
    } finally {
      onClosed();
    }
  });
}

export function pgliteDir(dataDir: string): string {
  return join(resolve(dataDir), 'pglite');
}

/** Whether DATA_DIR holds an embedded database already (else the next start creates one). */
export function hasEmbeddedDb(dataDir: string): boolean {
  return existsSync(join(pgliteDir(dataDir), 'PG_VERSION'));
}
