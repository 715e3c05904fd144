/**
 * The embedded database's backup and restore as an operator runs them (`npm run backup -- <file>`,
 * `npm run restore -- <file>`, i.e. src/backup-cli.ts): refused while Linli runs on the data
 * directory; a backup restored into another data directory is found whole by a Linli started on it
 * (every row of every table, Linli's and the queue's); a restore over a database keeps that one aside.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { startLinli } from '../../src/app/runtime.js';
import { openDb } from '../../src/kernel/db/connect.js';
import type { Db } from '../../src/kernel/db/db.js';
import { freePort } from '../support/net.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'linli-bk-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ADMIN_TOKEN = 'backup-test-admin-token-0123456789';

/** the CLI as `npm run backup|restore -- <file>` runs it */
const cli = (command: 'backup' | 'restore', file: string, dataDir: string) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/backup-cli.ts', command, file], {
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

/** every table of both schemas with its row count */
const census = async (db: Db) => {
  const { rows } = await db.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
     WHERE table_schema IN ('linli', 'bullmq') AND table_type = 'BASE TABLE' ORDER BY 1, 2`,
  );
  const out: Record<string, number> = {};
  for (const t of rows) {
    const n = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t.schema}"."${t.name}"`);
    out[`${t.schema}.${t.name}`] = Number(n.rows[0]?.n);
  }
  return out;
};

describe('backup and restore of the embedded database', () => {
  it('refused while Linli runs; restored elsewhere, a Linli started on it finds every row', async () => {
    const dataDir = tempDir();
    const config = loadConfig({
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      LOG_LEVEL: 'silent',
      ADMIN_TOKEN,
    });
    const linli = await startLinli(config, pino({ level: 'silent' }));
    const base = `http://127.0.0.1:${config.port}/api/v1`;
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const person = await fetch(`${base}/people`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: '备份测试' }),
    });
    expect(person.status).toBe(201);
    const file = join(tempDir(), 'linli.backup.tgz');
    // while it runs: refused, naming the process, and no file left behind
    const refused = cli('backup', file, dataDir);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(`in use by another Linli process (pid ${process.pid})`);
    expect(existsSync(file)).toBe(false);
    await linli.stop();
    // what the stopped service left: the rows a backup must hold
    const original = await openDb({ dataDir });
    const before = await census(original);
    await original.close();

    const done = cli('backup', file, dataDir);
    expect(done.code, done.out).toBe(0);
    expect(done.out).toMatch(/^backed up .* MB/m);

    const elsewhere = tempDir();
    const restored = cli('restore', file, elsewhere);
    expect(restored.code, restored.out).toBe(0);
    const copy = await openDb({ dataDir: elsewhere });
    expect(before['linli.people']).toBeGreaterThan(0);
    expect(await census(copy)).toEqual(before);
    await copy.close();
    // and Linli runs on it: the person is there through the API
    const again = await startLinli(
      loadConfig({ DATA_DIR: elsewhere, PORT: String(await freePort()), LOG_LEVEL: 'silent', ADMIN_TOKEN }),
      pino({ level: 'silent' }),
    );
    try {
      const found = await fetch(
        `http://127.0.0.1:${again.config.port}/api/v1/people?q=${encodeURIComponent('备份测试')}`,
        {
          headers,
        },
      );
      expect(((await found.json()) as { items: unknown[] }).items).toHaveLength(1);
      // and while that one runs, no restore over it
      const busy = cli('restore', file, elsewhere);
      expect(busy.code).toBe(1);
      expect(busy.out).toContain('Stop Linli first');
    } finally {
      await again.stop();
    }

    // over an existing database: that one is kept aside, not deleted
    const over = cli('restore', file, dataDir);
    expect(over.code, over.out).toBe(0);
    expect(readdirSync(dataDir).filter((f) => f.startsWith('pglite.before-restore-'))).toHaveLength(1);
  }, 240_000);

  it('refuses what is not a backup, and PostgreSQL (pg_dump is the way there), changing nothing', async () => {
    const dataDir = tempDir();
    const junk = join(dataDir, 'junk.tgz');
    writeFileSync(junk, 'not a backup');
    const r = cli('restore', junk, dataDir);
    expect(r.code).toBe(1);
    expect(r.out).toContain('is not a Linli backup');
    expect(existsSync(join(dataDir, 'pglite'))).toBe(false);
    const pgRun = spawnSync(process.execPath, ['--import', 'tsx', 'src/backup-cli.ts', 'backup', junk], {
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' },
      encoding: 'utf8',
    });
    expect(pgRun.status).toBe(2);
    expect(`${pgRun.stderr}`).toContain('pg_dump');
    expect(cli('backup', join(dataDir, 'x.tgz'), join(dataDir, 'empty')).out).toContain(
      'no embedded database',
    );
  }, 60_000);
});
