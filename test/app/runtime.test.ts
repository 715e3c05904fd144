import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { startLinli } from '../../src/app/runtime.js';
import { DataDirLockedError, lockDataDir } from '../../src/kernel/db/data-dir-lock.js';
import { dropTestDatabase, openTestDb } from '../support/db.js';
import { hasPostgres, hasRedis, TEST_REDIS_URL } from '../support/env.js';
import { freePort } from '../support/net.js';
import { deleteRedisKeys } from '../support/redis.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'linli-rt-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('first run on embedded defaults', () => {
  it('creates the database, a token file and the demo city; a restart keeps everything', async () => {
    const dataDir = tempDir();
    const config = loadConfig({ DATA_DIR: dataDir, PORT: String(await freePort()), LOG_LEVEL: 'silent' });
    const first = await startLinli(config, pino({ level: 'silent' }));
    expect(first.db.engine).toBe('pglite');
    expect(first.queues.kind).toBe('postgres');
    const tokenFile = first.adminTokenFile!;
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8').trim();
    const base = `http://127.0.0.1:${config.port}`;
    const orgs = await fetch(`${base}/api/v1/orgs?kind=compound`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(
      ((await orgs.json()) as { items: { name: string }[] }).items.map((o: { name: string }) => o.name),
    ).toEqual(['阳光小区', '幸福里小区']);
    const created = await fetch(`${base}/api/v1/people`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '重启测试' }),
    });
    expect(created.status).toBe(201);
    await first.stop();

    const second = await startLinli(config, pino({ level: 'silent' }));
    try {
      const people = await fetch(`${base}/api/v1/people?q=${encodeURIComponent('重启测试')}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(((await people.json()) as { items: unknown[] }).items).toHaveLength(1);
      const { rows } = await second.db.query<{ n: number }>(
        `SELECT count(*) AS n FROM linli.orgs WHERE kind = 'city'`,
      );
      expect(rows[0]?.n).toBe(1);
    } finally {
      await second.stop();
    }
  }, 60_000);
});

describe('data directory lock', () => {
  it('refuses a directory held by a live process and takes over a stale lock', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'linli.lock'), String(process.ppid));
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    writeFileSync(join(dir, 'linli.lock'), '999999999');
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'linli.lock'), 'utf8')).toBe(String(process.pid));
    release();
  });
});

describe('the process', () => {
  it('exits 2 with a clear message on bad configuration', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: 'abc' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(2);
    expect(err).toMatch(/PORT="abc": must be a whole number/);
  }, 30_000);

  it('starts with one command and closes cleanly on SIGTERM within 10 s', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    // a first start migrates a fresh PGlite and seeds the demo: ~10 s idle, several times that
    // while other test files load both cores
    await expect.poll(() => out, { timeout: 120_000, interval: 200 }).toMatch(/Admin token: cat /);
    expect(out).toContain(`http://127.0.0.1:${port}/docs`);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const started = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 150_000);
});

describe.runIf(hasPostgres() && hasRedis())('production mode', () => {
  it('runs on PostgreSQL (DATABASE_URL) with BullMQ on Redis (REDIS_URL)', async () => {
    const db = await openTestDb('postgres');
    const url = db.url!;
    await db.close({ keep: true });
    const prefix = `linli-prod-${randomBytes(4).toString('hex')}`;
    const config = loadConfig({
      DATABASE_URL: url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      ADMIN_TOKEN: 'production-mode-admin-token-000000',
      SEED_DEMO: 'false',
      PORT: String(await freePort()),
      DATA_DIR: tempDir(),
    });
    const linli = await startLinli(config, pino({ level: 'silent' }));
    try {
      expect(linli.db.engine).toBe('postgres');
      expect(linli.queues.kind).toBe('redis');
      expect(linli.adminTokenFile).toBeNull();
      const ready = await fetch(`http://127.0.0.1:${config.port}/readyz`);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', queue: 'ok' } });
      // the queues live under the deployment's own prefix (the reconcilers have written there)
      const redis = new Redis(TEST_REDIS_URL);
      try {
        expect((await redis.keys(`${prefix}:*`)).length).toBeGreaterThan(0);
      } finally {
        redis.disconnect();
      }
    } finally {
      await linli.stop();
      await dropTestDatabase(url);
      await deleteRedisKeys(`${prefix}:*`);
    }
  }, 60_000);
});
