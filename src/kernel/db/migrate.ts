import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

/**
 * Applies `src/db/migrations/NNN_name.sql` in order, each recorded in
 * `linli.schema_migrations` with its checksum.
 *
 * Contract: all pending migrations run in one transaction that first takes a transaction
 * advisory lock, so two instances starting together apply each migration exactly once and a
 * failure leaves the schema as it was. An applied migration whose file changed is an error:
 * migrations are append-only. The SQL must run on PostgreSQL 15 and on PGlite (PostgreSQL 18).
 */

const MIGRATIONS_DIR = fileURLToPath(new URL('../../db/migrations/', import.meta.url));
/** 'LNLI' as an int: the advisory lock key of app migrations. */
const LOCK_KEY = 0x4c4e4c49;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(`${dir}/${file}`, 'utf8');
      return {
        version: Number.parseInt(file.slice(0, 3), 10),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

export async function migrate(db: Db, migrations = loadMigrations()): Promise<{ applied: string[] }> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.query('CREATE SCHEMA IF NOT EXISTS linli');
    await tx.query(`CREATE TABLE IF NOT EXISTS linli.schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ version: number; checksum: string; name: string }>(
      'SELECT version, checksum, name FROM linli.schema_migrations ORDER BY version',
    );
    const done = new Map(rows.map((r) => [r.version, r]));
    const applied: string[] = [];
    for (const m of migrations) {
      const prior = done.get(m.version);
      if (prior) {
        if (prior.checksum !== m.checksum) {
          throw new Error(
            `Migration ${m.name} was changed after it was applied: add a new migration instead.`,
          );
        }
        continue;
      }
      await tx.query(m.sql);
      await tx.query('INSERT INTO linli.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        m.checksum,
      ]);
      applied.push(m.name);
    }
    return { applied };
  });
}
