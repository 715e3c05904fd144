/**
 * Nothing acknowledged is lost (issue: "acknowledged means done, or will be done").
 *
 * Residents file complaints through the built-in flow in Telegram groups, through the webhook,
 * while Linli loses its database for a few seconds, or is killed with SIGKILL at random points.
 * The test plays Telegram: every update is POSTed again, with its id, until it gets a 2xx. Every
 * conversation must end with exactly one complaint, and no update may be dropped as a duplicate
 * of a turn that never committed.
 *
 * The scene is set as people would: the demo compound, bind codes over the admin API, `/bind`
 * in each group.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { type Linli, startLinli } from '../../src/app/runtime.js';
import { openPostgres } from '../../src/kernel/db/connect.js';
import { type FakeTelegram, type FakeUser, startFakeTelegram } from '../fakes/telegram/index.js';
import { dropTestDatabase, openTestDb } from '../support/db.js';
import { hasPostgres, hasRedis, TEST_PG_URL, TEST_REDIS_URL } from '../support/env.js';
import { freePort } from '../support/net.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { fileComplaintInGroup, TelegramWebhookSender } from '../support/telegram-residents.js';

const ADMIN = 'no-loss-admin-token-0123456789abcdef';

/** Linli as its own process (`node --import tsx src/main.ts`), to be killed with SIGKILL. */
class LinliProcess {
  private child: ChildProcess | undefined;
  /** the last lines it printed, for a failure's message */
  output = '';
  starts = 0;

  constructor(
    private readonly env: Record<string, string>,
    readonly base: string,
  ) {}

  async start(): Promise<void> {
    this.starts++;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.child = child;
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Linli exited ${child.exitCode}:\n${this.output}`);
      const ok = await fetch(`${this.base}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`Linli never became ready:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  onExit(fn: () => void): void {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) fn();
    else this.child.once('exit', fn);
  }

  /** SIGKILL: no shutdown hook runs, whatever it was doing stops mid-way. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

/** A small seeded generator (mulberry32): the same kill points on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SECRET = 'no-loss-hook-secret';

/** Linli's settings for these runs: webhook mode on the fake, no quiet hours, pacing out of the way. */
function env(o: { port: number; dir: string; fake: FakeTelegram; databaseUrl: string; prefix: string }) {
  return {
    DATA_DIR: o.dir,
    PORT: String(o.port),
    ADMIN_TOKEN: ADMIN,
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: o.prefix,
    QUIET_HOURS: 'off',
    LOG_LEVEL: 'warn',
    TELEGRAM_BOT_TOKEN: o.fake.token,
    TELEGRAM_API_ROOT: o.fake.url,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    PUBLIC_URL: `http://127.0.0.1:${o.port}`,
    TELEGRAM_GROUP_PER_MINUTE: '1000',
    TELEGRAM_PRIVATE_PER_SECOND: '100',
    TELEGRAM_GLOBAL_PER_SECOND: '1000',
  };
}

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** Groups of the demo's 阳光小区, each bound with its own code by a member typing /bind. */
async function bindGroups(base: string, sender: TelegramWebhookSender, fake: FakeTelegram, count: number) {
  const compounds = await api<{ items: { id: number; name: string }[] }>(base, 'GET', '/orgs?kind=compound');
  const sunshine = compounds.items.find((c) => c.name === '阳光小区')!;
  const groups: { id: number; title: string }[] = [];
  for (let g = 0; g < count; g++) {
    const group = { id: -1002000000000 - g, title: `阳光${g + 1}号楼业主群` };
    const { code } = await api<{ code: string }>(base, 'POST', `/orgs/${sunshine.id}/bind-codes`, {
      purpose: 'residents',
    });
    await sender.deliver(
      fake.makeTextMessageUpdate({
        chatId: group.id,
        chatType: 'supergroup',
        chatTitle: group.title,
        from: { id: 9000 + g, first_name: '楼长' },
        text: `/bind ${code}`,
      }),
    );
    groups.push(group);
  }
  return groups;
}

const residentsOf = (groups: { id: number; title: string }[], perGroup: number) =>
  groups.flatMap((group, g) =>
    Array.from({ length: perGroup }, (_, i) => {
      const n = g * perGroup + i + 1;
      const user: FakeUser = { id: 71000 + n, first_name: `居民${n}` };
      return { group, user, description: `第${n}号居民：楼道灯坏了`, location: '1栋1单元101' };
    }),
  );

const openPostgresAt = (url: string) => openPostgres(url, 2);

/** What the database holds at the end: one complaint per resident, every conversation ended. */
async function outcome(db: Linli['db']) {
  const complaints = (
    await db.query<{ description: string; number: string }>(
      'SELECT description, number FROM linli.complaints ORDER BY id',
    )
  ).rows;
  const active = (
    await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM linli.conversations WHERE status = 'active'`,
    )
  ).rows[0]!.n;
  const failed = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM linli.failed_updates'))
    .rows[0]!.n;
  return { complaints, active, failed };
}

/** For a failure's message: what is still waiting to be sent, and why it may be waiting. */
async function queuedDeliveries(url: string): Promise<string> {
  const db = await openPostgresAt(url);
  try {
    const { rows } = await db.query(
      `SELECT id, chat_external_id, attempts, not_before, claimed_until, last_error, created_at, now() AS now
       FROM linli.deliveries WHERE status = 'queued' ORDER BY id LIMIT 30`,
    );
    return rows.map((r) => JSON.stringify(r)).join('\n') || '(none)';
  } finally {
    await db.close();
  }
}

describe.runIf(hasPostgres() && hasRedis())('nothing acknowledged is lost (PostgreSQL + Redis)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it('a database outage during a burst loses nothing once it is back: updates get 503 and come again', async () => {
    // the bot reads the whole group (an admin there); privacy mode is tested on the fake itself
    const fake = await startFakeTelegram({ token: '777100:no-loss-outage', privacyMode: false });
    cleanups.push(() => fake.close());
    const db = await openTestDb('postgres');
    const url = new URL(db.url!);
    await db.close({ keep: true });
    cleanups.push(() => dropTestDatabase(url.toString()));
    const proxy: TcpProxy = await startTcpProxy({
      host: new URL(TEST_PG_URL).hostname,
      port: Number(new URL(TEST_PG_URL).port || 5432),
    });
    cleanups.push(() => proxy.close());
    url.port = String(proxy.port);
    const dir = mkdtempSync(join(tmpdir(), 'linli-outage-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const config = loadConfig(
      env({ port, dir, fake, databaseUrl: url.toString(), prefix: `linli-outage-${port}` }),
    );
    const linli = await startLinli(config, pino({ level: 'silent' }));
    cleanups.push(() => linli.stop());
    const base = `http://127.0.0.1:${port}`;

    const sender = new TelegramWebhookSender(fake, { retryMs: 300 });
    const groups = await bindGroups(base, sender, fake, 2);
    const residents = residentsOf(groups, 10);
    const start = sender.acknowledged;
    let outage: Promise<void> | undefined;
    let probe: Promise<void> | undefined;
    sender.onAck = (n) => {
      // a third of the way through the burst, the database goes away for 4 s
      if (n === start + 40 && !outage) {
        proxy.cut();
        outage = new Promise((r) => setTimeout(r, 4000)).then(() => proxy.restore());
        // Someone else speaks in a group while it is gone, so that the outage is met by at least
        // one update whatever the residents are doing then (all of them may be waiting for a
        // reply at that moment: on a fast machine no resident's update was in flight).
        probe = sender.deliver(
          fake.makeTextMessageUpdate({
            chatId: groups[0]!.id,
            chatType: 'supergroup',
            chatTitle: groups[0]!.title,
            from: { id: 79999, first_name: '路过的邻居' },
            text: '今天电梯好像又停了',
          }),
        );
      }
    };
    const numbers = await Promise.all(
      residents.map((r) => fileComplaintInGroup({ fake, sender, ...r, stepTimeoutMs: 90_000 })),
    );
    await outage;
    await probe;
    expect(outage).toBeDefined();
    expect(sender.retried).toBeGreaterThan(0); // the outage was felt: some updates were answered 503

    expect(new Set(numbers).size).toBe(residents.length);
    const end = await outcome(linli.db);
    expect(end.complaints.map((c) => c.description).sort()).toEqual(
      residents.map((r) => r.description).sort(),
    );
    expect(end.complaints.map((c) => c.number).sort()).toEqual([...numbers].sort());
    expect(end.active).toBe(0);
    expect(end.failed).toBe(0);
  }, 300_000);

  it("kill -9 after a turn's COMMIT and before its reply is sent at once: the reply goes out once, after the restart", async () => {
    const fake = await startFakeTelegram({ token: '777102:no-loss-express', privacyMode: false });
    cleanups.push(() => fake.close());
    const db = await openTestDb('postgres');
    const url = db.url!;
    await db.close({ keep: true });
    cleanups.push(() => dropTestDatabase(url));
    const dir = mkdtempSync(join(tmpdir(), 'linli-express-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const settings = env({ port, dir, fake, databaseUrl: url, prefix: `linli-express-${port}` });
    const crashing = new LinliProcess({ ...settings, LINLI_TEST_FAULT: 'kill-before-reply-send' }, base);
    cleanups.push(() => crashing.stop());
    await crashing.start();
    const exited = new Promise<void>((r) => crashing.onExit(() => r()));

    const sender = new TelegramWebhookSender(fake, { retryMs: 250 });
    const user: FakeUser = { id: 72001, first_name: '等回复的人' };
    const delivered = sender.deliver(
      fake.makeTextMessageUpdate({ chatId: user.id, from: user, text: '/help' }),
    );
    await exited; // killed between the turn's COMMIT and the reply's send
    expect(fake.sentMessages().filter((m) => String(m.chat_id) === String(user.id))).toHaveLength(0);

    const restarted = new LinliProcess(settings, base);
    cleanups.push(() => restarted.stop());
    await restarted.start();
    await delivered; // acknowledged before the kill, or again now (then a duplicate, dropped)
    await expect
      .poll(() => fake.sentMessages().filter((m) => String(m.chat_id) === String(user.id)).length, {
        timeout: 60_000,
      })
      .toBe(1);
    await new Promise((r) => setTimeout(r, 1500));
    const replies = fake.sentMessages().filter((m) => String(m.chat_id) === String(user.id));
    expect(replies).toHaveLength(1);
    expect(String(replies[0]!.text)).toContain('我是邻里助手');
  }, 300_000);

  it('kill -9 at random points of 50 concurrent conversations: each completes exactly once after restarts', async () => {
    const fake = await startFakeTelegram({ token: '777101:no-loss-kill', privacyMode: false });
    cleanups.push(() => fake.close());
    const db = await openTestDb('postgres');
    const url = db.url!;
    await db.close({ keep: true });
    cleanups.push(() => dropTestDatabase(url));
    const dir = mkdtempSync(join(tmpdir(), 'linli-kill-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const proc = new LinliProcess(
      env({ port, dir, fake, databaseUrl: url, prefix: `linli-kill-${port}` }),
      base,
    );
    cleanups.push(() => proc.stop());
    await proc.start();

    const sender = new TelegramWebhookSender(fake, { retryMs: 250 });
    const groups = await bindGroups(base, sender, fake, 5);
    const residents = residentsOf(groups, 10);
    // 50 conversations of 8 updates (/complaint in the group, /start privately, 6 answers): four kills, each a few milliseconds after an update left,
    // so that it lands while that update (and others) are being handled
    const random = seeded(20261204);
    const killAt = [0, 1, 2, 3]
      .map(() => sender.sent + 20 + Math.floor(random() * 300))
      .sort((a, b) => a - b);
    let restarting: Promise<void> = Promise.resolve();
    sender.onSend = (n) => {
      if (n !== killAt[0]) return;
      killAt.shift();
      const delay = Math.floor(random() * 12);
      restarting = restarting.then(async () => {
        await new Promise((r) => setTimeout(r, delay));
        await proc.kill9();
        await proc.start();
      });
    };
    let numbers: string[];
    try {
      numbers = await Promise.all(
        residents.map((r) => fileComplaintInGroup({ fake, sender, ...r, stepTimeoutMs: 150_000 })),
      );
    } catch (err) {
      const waiting = await queuedDeliveries(url).catch((e: Error) => e.message);
      throw new Error(
        `${(err as Error).message}\n--- deliveries still queued ---\n${waiting}\n--- Linli's output ---\n${proc.output}`,
        { cause: err },
      );
    }
    await restarting;
    expect(proc.starts).toBe(5); // killed four times, started again each time

    expect(new Set(numbers).size).toBe(residents.length);
    const check = await openPostgresAt(url);
    try {
      const end = await outcome(check);
      expect(end.complaints.map((c) => c.description).sort()).toEqual(
        residents.map((r) => r.description).sort(),
      );
      expect(end.complaints.map((c) => c.number).sort()).toEqual([...numbers].sort());
      expect(end.active).toBe(0);
      expect(end.failed).toBe(0);
    } finally {
      await check.close();
    }
  }, 600_000);
});
