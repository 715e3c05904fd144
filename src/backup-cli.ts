/**
 * `npm run backup -- <file>` / `npm run restore -- <file>` (in the image: `node dist/backup-cli.js
 * backup|restore <file>`): the embedded database's backup and restore, run while the service is
 * stopped (refused while it runs). On PostgreSQL (DATABASE_URL set) use pg_dump/pg_restore: see
 * the README.
 */
import { ConfigError, loadConfig } from './app/config.js';
import { backupEmbedded, restoreEmbedded } from './kernel/db/backup.js';
import { DataDirLockedError } from './kernel/db/data-dir-lock.js';

async function main(): Promise<number> {
  const [command, file] = process.argv.slice(2);
  if ((command !== 'backup' && command !== 'restore') || !file) {
    console.error('usage: npm run backup -- <file>   |   npm run restore -- <file>');
    return 2;
  }
  const config = loadConfig();
  if (config.databaseUrl) {
    console.error(
      'DATABASE_URL is set: the database is a PostgreSQL server. Back it up with pg_dump -Fc and restore with pg_restore (see the README).',
    );
    return 2;
  }
  const started = Date.now();
  if (command === 'backup') {
    const { bytes } = await backupEmbedded(config.dataDir, file);
    console.log(
      `backed up ${config.dataDir} to ${file} (${(bytes / 1_048_576).toFixed(1)} MB, ${Date.now() - started} ms)`,
    );
  } else {
    const { keptAside } = await restoreEmbedded(config.dataDir, file);
    console.log(`restored ${file} into ${config.dataDir} (${Date.now() - started} ms)`);
    if (keptAside)
      console.log(`the database it replaced is kept in ${keptAside}: delete it once you are sure`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof DataDirLockedError)
      console.error(`${err.message}\nStop Linli first: a backup or restore needs the database to itself.`);
    else if (err instanceof ConfigError) console.error(err.message);
    else console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
