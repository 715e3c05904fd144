import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTestDatabase } from '../support/db.js';
import { hasPostgres, hasRedis, TEST_PG_URL, TEST_REDIS_URL } from '../support/env.js';
import { freePort } from '../support/net.js';
import { deleteRedisKeys } from '../support/redis.js';

/**
 * Two api and two worker processes started together on one EMPTY PostgreSQL database (not the
 * migrated test template): each migrates and seeds the demo city at first start. Before the
 * startup lock, one or two of them exited 1 ("An org named "示范市" already exists under this
 * parent"), or the demo came out twice.
 */
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const f of cleanups) await f().catch(() => {});
});

async function emptyDatabase(): Promise<string> {
  const name = `linli_cs_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  cleanups.push(() => dropTestDatabase(url.toString()));
  return url.toString();
}

interface Started {
  role: 'api' | 'worker';
  port: number;
  child: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
}

function start(role: 'api' | 'worker', port: number, env: Record<string, string>): Started {
  const dataDir = mkdtempSync(join(tmpdir(), 'linli-cs-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      ...env,
      LINLI_ROLE: role,
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { role, port, child, out: () => out, exit };
}

describe.runIf(hasPostgres() && hasRedis())('four processes starting together on an empty database', () => {
  it('all become ready, none exits, and the demo city exists exactly once', async () => {
    const url = await emptyDatabase();
    const prefix = `linli-cs-${randomBytes(4).toString('hex')}`;
    cleanups.push(() => deleteRedisKeys(`${prefix}:*`));
    const env = {
      DATABASE_URL: url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      ADMIN_TOKEN: 'concurrent-start-admin-token-0000000',
    };
    const procs = [
      start('api', await freePort(), env),
      start('api', await freePort(), env),
      start('worker', await freePort(), env),
      start('worker', await freePort(), env),
    ];
    // ready = the start banner, or an exit (which fails the test below with the output)
    const exited = new Map<Started, number | null>();
    for (const p of procs) void p.exit.then((code) => exited.set(p, code));
    await expect
      .poll(() => procs.every((p) => exited.has(p) || /is running \(role/.test(p.out())), {
        timeout: 150_000,
        interval: 200,
      })
      .toBe(true);
    for (const p of procs) {
      expect(exited.has(p), `${p.role} exited ${exited.get(p)}:\n${p.out()}`).toBe(false);
    }
    // every role answers its health check and Prometheus (the workers on a listener of their own)
    for (const p of procs) {
      expect((await fetch(`http://127.0.0.1:${p.port}/readyz`)).status, p.role).toBe(200);
      const metrics = await fetch(`http://127.0.0.1:${p.port}/metrics`);
      expect(metrics.status, p.role).toBe(200);
      const text = await metrics.text();
      expect(text).toMatch(/^bullmq_job_count\{queue="deadlines", state="delayed"\} \d+$/m);
      expect(text).toMatch(/^linli_db_pool_connections\{state="total"\} [1-9]\d*$/m);
    }
    expect((await fetch(`http://127.0.0.1:${procs[2]?.port}/api/v1/orgs`)).status).toBe(404);

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const cities = await c.query(`SELECT count(*)::int AS n FROM linli.orgs WHERE name = '示范市'`);
      expect(cities.rows[0].n).toBe(1);
      const compounds = await c.query(`SELECT count(*)::int AS n FROM linli.orgs WHERE kind = 'compound'`);
      expect(compounds.rows[0].n).toBe(2);
      const units = await c.query('SELECT count(*)::int AS n FROM linli.units');
      expect(units.rows[0].n).toBe(7);
      const flows = await c.query(
        'SELECT key FROM linli.flows WHERE org_id IS NULL AND version > 0 GROUP BY key HAVING count(*) > 1',
      );
      expect(flows.rows).toEqual([]);
    } finally {
      await c.end();
    }

    for (const p of procs) p.child.kill('SIGTERM');
    for (const p of procs) expect(await p.exit, p.out()).toBe(0);
  }, 200_000);
});
