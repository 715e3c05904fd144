import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { hasEmbeddedDb, pgliteDir } from './connect.js';
import { lockDataDir } from './data-dir-lock.js';

/** gzip's first two bytes: what `dumpDataDir('gzip')` writes */
const GZIP = Buffer.from([0x1f, 0x8b]);

/**
 * A backup of the embedded database (`DATA_DIR/pglite`): PGlite's own `dumpDataDir`, a gzipped
 * tarball of the whole data directory (every table: Linli's and the queue's), taken with the data
 * directory's lock held, so never while a Linli process has it open (`DataDirLockedError` names
 * that process): a copy of a live PGlite directory is not consistent. Written to `<file>.tmp` and
 * renamed, so `file` is a whole backup or absent.
 */
export async function backupEmbedded(dataDir: string, file: string): Promise<{ bytes: number }> {
  const unlock = lockDataDir(resolve(dataDir));
  try {
    const dir = pgliteDir(dataDir);
    if (!hasEmbeddedDb(dataDir)) throw new Error(`There is no embedded database in ${dir}.`);
    const pg = await PGlite.create({ dataDir: dir });
    try {
      const dump = Buffer.from(await (await pg.dumpDataDir('gzip')).arrayBuffer());
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, dump, { mode: 0o600 });
      renameSync(tmp, file);
      return { bytes: dump.length };
    } finally {
      await pg.close();
    }
  } finally {
    unlock();
  }
}

/**
 * Puts a backup in place of the embedded database, with the data directory's lock held (refused
 * while Linli runs on it). The database there is kept aside as `pglite.before-restore-<time>`
 * (returned) rather than deleted, and put back should the backup not open as a Linli database.
 */
export async function restoreEmbedded(
  dataDir: string,
  file: string,
  now = new Date(),
): Promise<{ keptAside: string | null }> {
  const bytes = readFileSync(file);
  if (!bytes.subarray(0, 2).equals(GZIP))
    throw new Error(`${file} is not a Linli backup (a gzipped tarball).`);
  const unlock = lockDataDir(resolve(dataDir));
  try {
    const dir = pgliteDir(dataDir);
    const keptAside = existsSync(dir)
      ? `${dir}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`
      : null;
    if (keptAside) renameSync(dir, keptAside);
    try {
      const pg = await PGlite.create({ dataDir: dir, loadDataDir: new Blob([bytes]) });
      try {
        const { rows } = await pg.query<{ found: boolean }>(
          `SELECT to_regclass('linli.schema_migrations') IS NOT NULL AS found`,
        );
        if (!rows[0]?.found) throw new Error(`${file} holds a database, but not Linli's.`);
      } finally {
        await pg.close();
      }
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      if (keptAside) renameSync(keptAside, dir);
      throw err;
    }
    return { keptAside };
  } finally {
    unlock();
  }
}
