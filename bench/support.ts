// Shared helpers of the hand-run benchmarks (never imported by src/ or test/).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Command-line flags as `--name value` (or `--name=value`); a bare `--name` is 'true'. */
export function flags(argv = process.argv.slice(2)): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) out.set(a.slice(2), argv[++i]!);
    else out.set(a.slice(2), 'true');
  }
  return out;
}

export function numberFlag(f: Map<string, string>, name: string, def: number): number {
  const v = f.get(name);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`);
  return n;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A fresh, empty database `linli_bench_<random>` on the local PostgreSQL; `drop()` removes it. */
export async function createBenchDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `linli_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      // BENCH_KEEP_DB=1 keeps the database to look into after the run (drop it yourself)
      if (process.env.BENCH_KEEP_DB === '1') {
        console.log(`  database ${name} kept (BENCH_KEEP_DB)`);
        return;
      }
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Counts and deletes the keys matching `pattern` in the Redis database of `url`. */
export async function redisKeys(url: string, pattern: string, remove: boolean): Promise<number> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  await r.connect();
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      n += keys.length;
      if (remove && keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return n;
}

/** Nearest-rank percentile of an ascending array (ms). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const TICKS = 100; // USER_HZ on Linux

/** CPU ticks used so far by each process whose command name is `comm` (e.g. postgres), by pid. */
export function cpuTicksOf(comm: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== comm) continue;
      const fields = stat.slice(close + 2).split(' ');
      out.set(pid, Number(fields[11]) + Number(fields[12])); // utime, stime (fields 14, 15 of stat)
    } catch {
      // the process ended between readdir and read
    }
  }
  return out;
}

/**
 * CPU seconds the `comm` processes used since `before` (a cpuTicksOf snapshot). Processes that
 * ended meanwhile are not counted (their time is gone with them); new ones count in full. With
 * `only`, just those pids.
 */
export function cpuSecondsSince(before: Map<string, number>, comm: string, only?: Set<string>): number {
  let ticks = 0;
  for (const [pid, t] of cpuTicksOf(comm)) if (!only || only.has(pid)) ticks += t - (before.get(pid) ?? 0);
  return ticks / TICKS;
}

/** Machine-wide busy and total CPU seconds so far (all cores), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / TICKS, total: total / TICKS };
}

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The commit the benchmarked code is at (`+dirty` when src/ has uncommitted changes). */
export function sourceRevision(): string {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim();
    return dirty ? `${rev}+dirty` : rev;
  } catch {
    return 'unknown';
  }
}

/**
 * Counts every statement this process sends to PostgreSQL, once each: at `pg.Client.prototype.query`
 * (a pool query goes through it once; BEGIN and COMMIT count as statements) and, for the embedded
 * PGlite, at `PglitePool.prototype.run` (every query of Linli's PGlite pool and its clients). A
 * multi-statement text counts once: it is one round trip. Install before the database is opened.
 * With `byText`, also counts them by statement text.
 */
export async function countStatements(byText?: Map<string, number>): Promise<() => number> {
  let n = 0;
  const wrap = (proto: Record<string, unknown>, name: string) => {
    const original = proto[name] as (...a: unknown[]) => unknown;
    proto[name] = function (this: unknown, ...a: unknown[]) {
      n++;
      if (byText) {
        // pg: query(text | {text}), PglitePool.run(client, text)
        const q = name === 'run' ? a[1] : a[0];
        const text = typeof q === 'string' ? q : ((q as { text?: string } | null)?.text ?? '?');
        byText.set(text, (byText.get(text) ?? 0) + 1);
      }
      return original.apply(this, a);
    };
  };
  wrap(pg.Client.prototype as unknown as Record<string, unknown>, 'query');
  const { PglitePool } = await import('../src/kernel/db/pglite-pool.js');
  wrap(PglitePool.prototype as unknown as Record<string, unknown>, 'run');
  return () => n;
}
