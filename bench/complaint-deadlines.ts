/**
 * Complaint deadlines at scale (bucket jobs per 100 ms slot, set-based escalation), on real PostgreSQL
 * with the queue on Redis. Run by hand:
 * `npx tsx bench/complaint-deadlines.ts [--count 100000] [--burst 10000] [--spread-s 86400]
 *   [--lanes 16] [--lead-ms 5000] [--t-ms 1] [--burst-ids newest|oldest] [--no-analyze] [--no-notify]`
 *
 * With `count` open complaints (bulk-inserted with SQL: ack due at a random millisecond 30–31 days
 * ahead, resolve at an independent random millisecond 60–61 days ahead) it measures:
 * 1. Redis memory per pending deadline and per open complaint: every complaint's jobs are added by
 *    `ComplaintService.scheduleDeadlines` (the code path of src, `lanes` calls in flight), which
 *    adds one bucket job `deadlines-at-<epoch ms>` per distinct 100 ms slot; reports the distinct
 *    buckets, INFO used_memory before/after (instance-wide) and the sum of MEMORY USAGE over every
 *    key the run made (this run's keys only).
 * 2. The reconciler's sweep (`ComplaintService.reconcile()`, called directly): with every job
 *    present, then after `obliterate` (every bucket re-added), with statements, Redis commands, heap.
 * 3. A burst: `burst` complaints (the newest, i.e. the highest ids, unless `--burst-ids oldest`:
 *    escalateDueBatch's `ORDER BY id LIMIT` walks the primary key past every older open row) get
 *    the same ack deadline T (UPDATE, version + 1, then
 *    `scheduleDeadlines` for each: one shared bucket job; then ANALYZE unless `--no-analyze`), drained by the deadline worker started
 *    exactly as src/app/runtime.ts starts it: `startDeadlineWorker(queues, complaints, logger)`
 *    (defaults: concurrency 8, reconciler every 60 s, first sweep at start). Lateness = the
 *    escalation event's `at` (now() of its transaction) − T, p50/p90/p99/max. T is `t-ms`
 *    milliseconds past a whole second, so 1 ms past a slot boundary (default 1: the worst case,
 *    as the bucket job runs at the end of the slot); lateness is also given from the slot's end
 *    (= lateness for T on a boundary). With the bucket's rounding, the job's start, every batch transaction and the
 *    statement timings of the window. Then the same with the production notifier wired in
 *    (`createServices(db, {queues, outbox})`, as runtime.ts does) and a handler at each of the
 *    compound and community levels and one residents' group, so each escalation enqueues three
 *    deliveries (no outbound worker runs: they wait in the queue); `--no-notify` skips it.
 *
 * Needs PostgreSQL 15 (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres: creates
 * and drops `linli_bench_<random>`) and Redis 7 (BENCH_REDIS_URL; keys under
 * `linli-bench-cd-<random>:`, deleted at the end). Prints one JSON document on stdout, progress on
 * stderr; bench/complaint-deadlines.md holds the numbers of a run.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { createServices } from '../src/app/modules.js';
import { SYSTEM_ACTOR } from '../src/kernel/access/principal.js';
import { openPostgres } from '../src/kernel/db/connect.js';
import type { Db } from '../src/kernel/db/db.js';
import { migrate } from '../src/kernel/db/migrate.js';
import { Outbox } from '../src/kernel/outbox/outbox.js';
import { createQueueBackend, type QueueBackend } from '../src/kernel/queue/backend.js';
import { QueueName } from '../src/kernel/queue/names.js';
import {
  BUCKET_MS,
  bucketJobId,
  bucketOf,
  type ComplaintRow,
  ComplaintService,
} from '../src/modules/complaints/commands/transitions.js';
import { startDeadlineWorker } from '../src/modules/complaints/moments.js';
import { seedCompoundChain } from '../test/support/org-chain.js';
import { PG_ADMIN_URL, percentile, REDIS_URL, sourceRevision } from './support.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    burst: { type: 'string', default: '10000' },
    'spread-s': { type: 'string', default: '86400' },
    lanes: { type: 'string', default: '16' },
    'lead-ms': { type: 'string', default: '5000' },
    't-ms': { type: 'string', default: '1' },
    'burst-ids': { type: 'string', default: 'newest' },
    'no-notify': { type: 'boolean', default: false },
    'no-analyze': { type: 'boolean', default: false },
    'timeout-s': { type: 'string', default: '900' },
  },
});
const COUNT = positive('count');
const BURST = Math.min(positive('burst'), COUNT);
const SPREAD_S = positive('spread-s');
const LANES = positive('lanes');
const LEAD_MS = positive('lead-ms');
const NOTIFY = !values['no-notify'];
const ANALYZE = !values['no-analyze'];
/** the millisecond of T within its second: 1 = the worst case for the bucket's rounding up */
const T_MS = Number(values['t-ms']);
if (!Number.isInteger(T_MS) || T_MS < 0 || T_MS > 999) throw new Error('--t-ms must be 0..999');
const TIMEOUT_MS = positive('timeout-s') * 1000;
/** which complaints fall due in a burst: the newest (highest ids, as recently filed ones do) or the oldest */
const BURST_IDS = values['burst-ids'];
if (BURST_IDS !== 'newest' && BURST_IDS !== 'oldest') throw new Error('--burst-ids must be newest or oldest');
if ((NOTIFY ? 2 : 1) * BURST > COUNT) throw new Error(`--count must be at least ${(NOTIFY ? 2 : 1) * BURST}`);

function positive(name: 'count' | 'burst' | 'spread-s' | 'lanes' | 'lead-ms' | 'timeout-s'): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}

const log = (msg: string) => console.error(`[${new Date().toISOString()}] ${msg}`);
const ms = (t0: number) => Math.round(performance.now() - t0);
const round = (n: number, d = 1) => Number(n.toFixed(d));
const load = () => loadavg().map((l) => round(l, 2));
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));

type Stat = { n: number; ms: number; max: number };

/**
 * Counts every SQL statement sent by the pg clients of this process except `skip` (the bench's
 * own), and while `timing` is on, times each one (send → result, so it includes waiting for the
 * server and for this event loop) by its text. pool.query ends in Client#query with a callback,
 * a transaction's statements in Client#query with a promise: both are caught, each once.
 */
function statementMeter(skip: pg.Client[]) {
  let count = 0;
  let timing = false;
  let by = new Map<string, Stat>();
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: pg.Client, ...a: unknown[]) {
    if (skip.includes(this)) return query.apply(this, a);
    count++;
    if (!timing) return query.apply(this, a);
    const text = typeof a[0] === 'string' ? a[0] : ((a[0] as { text?: string })?.text ?? '?');
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 90);
    const t0 = performance.now();
    const done = () => {
      const d = performance.now() - t0;
      const s = by.get(key) ?? { n: 0, ms: 0, max: 0 };
      s.n++;
      s.ms += d;
      s.max = Math.max(s.max, d);
      by.set(key, s);
    };
    const cb = a.findIndex((x) => typeof x === 'function');
    if (cb >= 0) {
      const f = a[cb] as (...r: unknown[]) => unknown;
      a[cb] = function (this: unknown, ...r: unknown[]) {
        done();
        return f.apply(this, r);
      };
      return query.apply(this, a);
    }
    const r = query.apply(this, a) as Promise<unknown> | undefined;
    r?.then?.(done, done);
    return r;
  };
  return {
    count: () => count,
    start() {
      by = new Map();
      timing = true;
    },
    /** the statements timed since start(), most total time first */
    stop(top = 14) {
      timing = false;
      return [...by.entries()]
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, top)
        .map(([sql, s]) => ({
          sql,
          n: s.n,
          totalMs: Math.round(s.ms),
          avgMs: round(s.ms / s.n, 2),
          maxMs: round(s.max),
        }));
    },
  };
}

/** Counts commands sent by every ioredis client of this process (BullMQ's included). */
function countRedisCommands(): () => number {
  let n = 0;
  const proto = Redis.prototype as unknown as { sendCommand: (...a: unknown[]) => unknown };
  const send = proto.sendCommand;
  proto.sendCommand = function (this: unknown, ...a: unknown[]) {
    n++;
    return send.apply(this, a);
  };
  return () => n;
}

/** Runs fn while sampling the process's heap and RSS; returns the peaks above the start. */
async function withPeakMemory<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; heapMB: number; rssMB: number }> {
  const start = process.memoryUsage();
  let heap = start.heapUsed;
  let rss = start.rss;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed);
    rss = Math.max(rss, m.rss);
  }, 50);
  try {
    const result = await fn();
    return {
      result,
      heapMB: round((heap - start.heapUsed) / 2 ** 20),
      rssMB: round((rss - start.rss) / 2 ** 20),
    };
  } finally {
    clearInterval(timer);
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  const m = /^used_memory:(\d+)/m.exec(await redis.info('memory'));
  if (!m) throw new Error('INFO memory without used_memory');
  return Number(m[1]);
}

async function keysUnder(redis: Redis, match: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 5000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

/** MEMORY USAGE (SAMPLES 0 = exact) of each key, pipelined 1,000 at a time. */
async function memoryUsage(redis: Redis, keys: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < keys.length; i += 1000) {
    const part = keys.slice(i, i + 1000);
    const p = redis.pipeline();
    for (const k of part) p.memory('USAGE', k, 'SAMPLES', 0);
    const res = (await p.exec()) ?? [];
    part.forEach((k, j) => {
      const v = res[j]?.[1];
      if (v !== null && v !== undefined) out.set(k, Number(v));
    });
  }
  return out;
}

/** Calls scheduleDeadlines for every row, `LANES` calls in flight (as concurrent requests would). */
async function scheduleAll(svc: ComplaintService, rows: ComplaintRow[]) {
  let next = 0;
  const lane = async () => {
    while (next < rows.length) await svc.scheduleDeadlines(rows[next++]!);
  };
  await Promise.all(Array.from({ length: LANES }, lane));
}

/** Records when escalateDue, its batch transactions, its after-COMMIT part and reconcile ran. */
function instrument(db: Db, svc: ComplaintService) {
  type Span = { start: number; end: number; rows?: number };
  const spans = {
    escalateDue: [] as Span[],
    tx: [] as Span[],
    scheduleBuckets: [] as Span[],
    notifyEscalated: [] as Span[],
    reconcile: [] as Span[],
  };
  const wrap = <A extends unknown[], R>(
    target: Record<string, unknown>,
    name: string,
    list: Span[],
    rowsOf?: (a: A, r: R) => number | undefined,
  ) => {
    const fn = (target[name] as (...a: A) => Promise<R>).bind(target);
    target[name] = async (...a: A): Promise<R> => {
      const span: Span = { start: Date.now(), end: 0 };
      list.push(span);
      try {
        const r = await fn(...a);
        span.rows = rowsOf?.(a, r);
        return r;
      } finally {
        span.end = Date.now();
      }
    };
  };
  const s = svc as unknown as Record<string, unknown>;
  wrap<[], number>(s, 'escalateDue', spans.escalateDue, (_, r) => r);
  wrap<[ComplaintRow[]], void>(s, 'scheduleBuckets', spans.scheduleBuckets, (a) => a[0].length);
  wrap<[ComplaintRow[]], void>(s, 'notifyEscalated', spans.notifyEscalated, (a) => a[0].length);
  wrap<[], unknown>(s, 'reconcile', spans.reconcile);
  // every transaction of this Db (during a burst: the batches of escalateDue)
  wrap<unknown[], unknown>(db as unknown as Record<string, unknown>, 'transaction', spans.tx, (_, r) =>
    Array.isArray(r) ? r.length : undefined,
  );
  return {
    spans,
    reset() {
      for (const l of Object.values(spans)) l.length = 0;
    },
  };
}

async function main() {
  const rev = sourceRevision();
  const name = `linli_bench_${randomBytes(4).toString('hex')}`;
  const prefix = `linli-bench-cd-${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString(), 20);
  const poll = new pg.Client({ connectionString: url.toString() });
  const redis = new Redis(REDIS_URL);
  let queues: QueueBackend | null = null;
  const out: Record<string, unknown> = {
    src: rev,
    count: COUNT,
    burst: BURST,
    spreadSeconds: SPREAD_S,
    lanes: LANES,
    node: process.version,
    cpus: availableParallelism(),
    loadavgAtStart: load(),
  };
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    try {
      await queues?.close();
    } catch {}
    const keys = await keysUnder(redis, `${prefix}:*`).catch(() => []);
    for (let i = 0; i < keys.length; i += 5000) await redis.unlink(...keys.slice(i, i + 5000));
    redis.disconnect();
    await poll.end().catch(() => {});
    await db.close().catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
  const stop = () => {
    log('interrupted: cleaning up');
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  try {
    await migrate(db);
    await poll.connect();
    queues = await createQueueBackend({ db, redisUrl: REDIS_URL, prefix });
    const statements = statementMeter([admin, poll]);
    const redisCommands = countRedisCommands();
    const s = createServices(db, { queues, outbox: new Outbox(db, queues, null) });
    const chain = await seedCompoundChain(s, '小区');
    const compound = chain.compound;
    await s.policies.put(SYSTEM_ACTOR, compound, {
      calendar: 'natural',
      levels: {
        compound: { '*': { ack: 'PT2H', resolve: 'P3D' } },
        community: { '*': { ack: 'PT4H', resolve: 'P5D' } },
      },
    });

    // --- seed: COUNT open complaints, deadlines at random milliseconds (as JS Dates store them) -----
    let t0 = performance.now();
    await db.query(
      `INSERT INTO linli.complaints (number, org_id, level_org_id, category, description, status,
         ack_due_at, resolve_due_at)
       SELECT 'B' || lpad(g::text, 7, '0'), $1, $1, 'repairs', '3号楼电梯故障 #' || g, 'submitted',
         date_trunc('milliseconds', now() + interval '30 days' + random() * $3 * interval '1 second'),
         date_trunc('milliseconds', now() + interval '60 days' + random() * $3 * interval '1 second')
       FROM generate_series(1, $2::int) g`,
      [compound, COUNT, SPREAD_S],
    );
    await db.query(
      `INSERT INTO linli.complaint_events (complaint_id, type, to_status, level_org_id)
       SELECT id, 'submitted', 'submitted', level_org_id FROM linli.complaints`,
    );
    await db.query('ANALYZE linli.complaints');
    await db.query('ANALYZE linli.complaint_events');
    const { rows: range } = await db.query<{ lo: number; hi: number }>(
      'SELECT min(id) AS lo, max(id) AS hi FROM linli.complaints',
    );
    if (range[0]?.lo !== 1 || range[0]?.hi !== COUNT)
      throw new Error(`unexpected ids ${JSON.stringify(range)}`);
    const { rows: distinct } = await db.query<{ ack: number; resolve: number; total: number }>(
      `SELECT count(DISTINCT ceil(extract(epoch FROM ack_due_at) * ${1000 / BUCKET_MS})) AS ack,
              count(DISTINCT ceil(extract(epoch FROM resolve_due_at) * ${1000 / BUCKET_MS})) AS resolve,
              (SELECT count(DISTINCT s) FROM (
                 SELECT ceil(extract(epoch FROM ack_due_at) * ${1000 / BUCKET_MS}) AS s FROM linli.complaints
                 UNION ALL SELECT ceil(extract(epoch FROM resolve_due_at) * ${1000 / BUCKET_MS}) FROM linli.complaints) x) AS total
       FROM linli.complaints`,
    );
    out.seedMs = ms(t0);
    log(
      `seeded ${COUNT} complaints in ${out.seedMs} ms; distinct ${BUCKET_MS} ms slots ${JSON.stringify(distinct[0])}`,
    );

    // --- 1. Redis memory: every complaint's jobs through ComplaintService.scheduleDeadlines -------
    const q = queues.queue(QueueName.deadlines);
    await q.waitUntilReady();
    const memBefore = await usedMemory(redis);
    const rc0 = redisCommands();
    let scheduleMs = 0;
    for (let after = 0; ; ) {
      const { rows } = await db.query<ComplaintRow>(
        'SELECT * FROM linli.complaints WHERE id > $1 ORDER BY id LIMIT 10000',
        [after],
      );
      if (rows.length === 0) break;
      after = rows.at(-1)!.id;
      t0 = performance.now();
      await scheduleAll(s.complaints, rows);
      scheduleMs += performance.now() - t0;
    }
    const scheduleRedisCommands = redisCommands() - rc0;
    const memAfter = await usedMemory(redis);
    const delayed = await q.getDelayedCount();
    const expectBuckets = Number(distinct[0]?.total);
    if (delayed !== expectBuckets) throw new Error(`expected ${expectBuckets} bucket jobs, found ${delayed}`);
    const base = `${prefix}:${QueueName.deadlines}:`;
    const ourKeys = await keysUnder(redis, `${prefix}:*`);
    const usage = await memoryUsage(redis, ourKeys);
    const bucketHashes = [...usage.entries()]
      .filter(([k]) => k.startsWith(`${base}deadlines-at-`))
      .map(([, b]) => b);
    bucketHashes.sort((a, b) => a - b);
    const hashSum = bucketHashes.reduce((a, b) => a + b, 0);
    const allSum = [...usage.values()].reduce((a, b) => a + b, 0);
    const queueKeys = Object.fromEntries(
      [...usage.entries()]
        .filter(([k]) => !k.startsWith(`${base}deadlines-at-`))
        .sort()
        .map(([k, b]) => [k.slice(prefix.length + 1), b]),
    );
    const delayedZset = usage.get(`${base}delayed`) ?? 0;
    const events = usage.get(`${base}events`) ?? 0;
    const deadlines = 2 * COUNT;
    out.memory = {
      pendingDeadlines: deadlines,
      distinctSlots: distinct[0],
      bucketJobs: delayed,
      bucketJobsPerComplaint: round(delayed / COUNT, 3),
      keysUnderPrefix: ourKeys.length,
      usedMemoryInstanceWide: {
        beforeMB: round(memBefore / 2 ** 20),
        afterMB: round(memAfter / 2 ** 20),
        deltaMB: round((memAfter - memBefore) / 2 ** 20),
        bytesPerJob: Math.round((memAfter - memBefore) / delayed),
        bytesPerDeadline: Math.round((memAfter - memBefore) / deadlines),
        bytesPerComplaint: Math.round((memAfter - memBefore) / COUNT),
      },
      memoryUsageOfThisRunsKeys: {
        totalMB: round(allSum / 2 ** 20),
        withoutEventsStreamMB: round((allSum - events) / 2 ** 20),
        jobHashBytes: {
          min: bucketHashes[0],
          avg: Math.round(hashSum / bucketHashes.length),
          max: bucketHashes.at(-1),
        },
        delayedZsetBytesPerJob: round(delayedZset / delayed),
        bytesPerJob: Math.round((hashSum + delayedZset) / delayed),
        bytesPerDeadline: Math.round((hashSum + delayedZset) / deadlines),
        bytesPerComplaint: Math.round((hashSum + delayedZset) / COUNT),
        queueKeys,
      },
      scheduleDeadlines: {
        calls: COUNT,
        lanes: LANES,
        ms: Math.round(scheduleMs),
        perSecond: Math.round(COUNT / (scheduleMs / 1000)),
        redisCommandsPerCall: round(scheduleRedisCommands / COUNT, 2),
      },
    };
    log(`memory: ${JSON.stringify(out.memory)}`);

    // --- 2. the reconciler's sweep ---------------------------------------------------------------
    const sweep = async (label: string) => {
      const st0 = statements.count();
      const r0 = redisCommands();
      const t = performance.now();
      const { result, heapMB, rssMB } = await withPeakMemory(() => s.complaints.reconcile());
      const sweepMs = ms(t);
      const r = {
        ms: sweepMs,
        ...result,
        sqlStatements: statements.count() - st0,
        redisCommands: redisCommands() - r0,
        usPerComplaint: round((sweepMs * 1000) / COUNT),
        usPerBucket: round((sweepMs * 1000) / delayed),
        peakHeapAboveStartMB: heapMB,
        peakRssAboveStartMB: rssMB,
        loadavg: load(),
      };
      log(`reconcile (${label}): ${JSON.stringify(r)}`);
      return r;
    };
    const present = await sweep('all jobs present');
    t0 = performance.now();
    await q.obliterate({ force: true });
    const obliterateMs = ms(t0);
    if ((await q.getDelayedCount()) !== 0) throw new Error('obliterate left delayed jobs');
    const lost = await sweep('all jobs deleted');
    const delayedAfter = await q.getDelayedCount();
    if (delayedAfter !== delayed) throw new Error(`reconcile re-added ${delayedAfter} of ${delayed} buckets`);
    out.reconcile = {
      allPresent: present,
      obliterateMs,
      allDeleted: { ...lost, delayedJobsAfter: delayedAfter },
    };

    // --- 3. bursts: BURST ack deadlines at the same instant T ------------------------------------
    const logger = pino({ level: 'warn' }, pino.destination(2));
    const schedulePerSecond = COUNT / (scheduleMs / 1000);
    const runs = [{ label: 'src: startDeadlineWorker, no notifier', notify: false }];
    if (NOTIFY) runs.push({ label: 'src: startDeadlineWorker + production notifier (Outbox)', notify: true });
    const bursts: unknown[] = [];
    for (const [i, run] of runs.entries()) {
      // newest: the first burst takes the highest BURST ids, the next one the BURST below them
      const lo = BURST_IDS === 'oldest' ? i * BURST + 1 : COUNT - (i + 1) * BURST + 1;
      const hi = lo + BURST - 1;
      // no notifier: notifications that do nothing, so the sweep's own cost is measured
      let svc = new ComplaintService(db, queues, {
        changed: async () => {},
        overdueReminder: async () => {},
        warning: async () => {},
      });
      if (run.notify) {
        // a handler at the compound (the level below after the escalation) and at the community
        // (the new level), both on Telegram, and a residents' group of the compound
        const { rows: people } = await db.query<{ id: number }>(
          `INSERT INTO linli.people (name, org_id) VALUES ('物业经理', $1), ('社区网格员', $2) RETURNING id`,
          [compound, chain.community],
        );
        await db.query(
          `INSERT INTO linli.identities (person_id, channel, external_id)
           VALUES ($1, 'telegram', '9000001'), ($2, 'telegram', '9000002')`,
          [people[0]!.id, people[1]!.id],
        );
        await db.query(
          `INSERT INTO linli.role_assignments (person_id, org_id, role)
           VALUES ($1, $2, 'property_manager'), ($3, $4, 'handler')`,
          [people[0]!.id, compound, people[1]!.id, chain.community],
        );
        await db.query(
          `INSERT INTO linli.chats (channel, external_chat_id, org_id, purpose, title, bound_via)
           VALUES ('telegram', '-100900001', $1, 'residents', '小区业主群', 'admin')`,
          [compound],
        );
        svc = createServices(db, { queues, outbox: new Outbox(db, queues, null) }).complaints;
      }
      const inst = instrument(db, svc);
      t0 = performance.now();
      // as src/app/runtime.ts: startDeadlineWorker(queues, services.complaints, logger), defaults
      const worker = await startDeadlineWorker(queues, svc, logger);
      const workerStartMs = ms(t0); // includes its first reconcile over every open complaint
      log(`burst "${run.label}": worker started in ${workerStartMs} ms (first reconcile included)`);
      inst.reset();

      // T: LEAD_MS after the burst's jobs are expected to be in
      const earliest = Date.now() + LEAD_MS + Math.ceil((BURST / schedulePerSecond) * 1000 * 2) + 500;
      const T = Math.ceil(earliest / 1000) * 1000 + T_MS;
      const bucketAt = bucketOf(new Date(T)); // the end of T's slot: when its bucket job fires
      const setup0 = performance.now();
      // a change that set a new ack deadline at T: the row moves to a new version, its jobs are
      // added after COMMIT through scheduleDeadlines (all share the bucket of T's slot)
      const { rows: moved } = await db.query<ComplaintRow>(
        `UPDATE linli.complaints SET ack_due_at = $1, version = version + 1, updated_at = now()
         WHERE id BETWEEN $2 AND $3 RETURNING *`,
        [new Date(T), lo, hi],
      );
      await scheduleAll(svc, moved);
      // statistics that know these deadlines (in production they were set long before they fall
      // due): the plan of escalateDueBatch's SELECT depends on how many rows look due
      if (ANALYZE) await db.query('ANALYZE linli.complaints');
      const setupMs = ms(setup0);
      const slackMs = T - Date.now();
      const burstJob = await q.getJob(bucketJobId(bucketAt));
      log(`burst: ${moved.length} due at T, set up in ${setupMs} ms, ${slackMs} ms before T`);
      if (slackMs < 0) throw new Error(`setup passed T by ${-slackMs} ms: raise --lead-ms`);
      if (!burstJob) throw new Error(`no bucket job ${bucketJobId(bucketAt)}`);
      await sleep(Math.max(0, T - Date.now() - 300));
      const loadAtT = load();
      statements.start();
      const st0 = statements.count();
      let done = 0;
      while (done < BURST) {
        if (Date.now() - T > TIMEOUT_MS) throw new Error(`burst not drained after ${TIMEOUT_MS} ms: ${done}`);
        await sleep(100);
        const { rows } = await poll.query<{ n: string }>(
          `SELECT count(*) AS n FROM linli.complaint_events
           WHERE type = 'escalate' AND complaint_id BETWEEN $1 AND $2`,
          [lo, hi],
        );
        done = Number(rows[0]?.n);
      }
      const escalatedSeenMs = Date.now() - T;
      // with the notifier: wait for escalateDue to end (its notifications run after each COMMIT)
      while (inst.spans.escalateDue.some((x) => x.end === 0)) {
        if (Date.now() - T > TIMEOUT_MS) throw new Error('escalateDue did not end');
        await sleep(100);
      }
      const statementTimes = statements.stop();
      const sqlStatements = statements.count() - st0;
      await worker.close();
      const { rows: late } = await poll.query<{ ms: number; n: string }>(
        `SELECT (extract(epoch FROM e.at - $1::timestamptz) * 1000)::float8 AS ms
         FROM linli.complaint_events e
         WHERE e.type = 'escalate' AND e.complaint_id BETWEEN $2 AND $3 ORDER BY 1`,
        [new Date(T), lo, hi],
      );
      const { rows: check } = await poll.query<{ level: string; n: string; events: string }>(
        `SELECT level, count(*) AS n,
           sum((SELECT count(*) FROM linli.complaint_events e WHERE e.complaint_id = c.id AND e.type = 'escalate')) AS events
         FROM linli.complaints c WHERE id BETWEEN $1 AND $2 GROUP BY level`,
        [lo, hi],
      );
      let notified: Record<string, unknown> | null = null;
      if (run.notify) {
        const { rows: d } = await poll.query<{ n: string; last: number }>(
          `SELECT count(*) AS n, (extract(epoch FROM max(created_at) - $1::timestamptz) * 1000)::float8 AS last
           FROM linli.deliveries WHERE created_at >= $1::timestamptz - interval '1 minute'`,
          [new Date(T)],
        );
        notified = {
          deliveries: Number(d[0]?.n),
          lastDeliveryRowMsAfterT: round(Number(d[0]?.last)),
          outboundJobsWaiting: await queues.queue(QueueName.outboundTelegram).getJobCounts('wait', 'delayed'),
        };
      }
      const lateness = late.map((r) => Number(r.ms));
      const sp = inst.spans;
      const firstCall = sp.escalateDue[0];
      const batches = sp.tx.filter((x) => x.rows !== undefined && x.start >= (firstCall?.start ?? 0));
      const after = sp.scheduleBuckets;
      const notifies = sp.notifyEscalated;
      const roundingMs = bucketAt - T;
      const pcts = (xs: number[]) => ({
        min: round(xs[0]!),
        p50: round(percentile(xs, 50)),
        p90: round(percentile(xs, 90)),
        p99: round(percentile(xs, 99)),
        max: round(xs.at(-1)!),
      });
      const b = {
        run: run.label,
        ids: [lo, hi],
        workerStartMs,
        complaints: BURST,
        escalations: lateness.length,
        levelsAfter: Object.fromEntries(
          check.map((l) => [l.level, { rows: Number(l.n), escalateEvents: Number(l.events) }]),
        ),
        setupMs,
        slackBeforeT: slackMs,
        loadavgAtT: loadAtT,
        bucketJob: burstJob.id,
        tMsInSecond: T_MS,
        analyzedBeforeT: ANALYZE,
        bucketRoundingMs: roundingMs,
        latenessMs: pcts(lateness),
        latenessFromBucketMs: pcts(lateness.map((l) => l - roundingMs)),
        withinOneSecond: lateness.filter((l) => l <= 1000).length,
        escalatedSeenByPollMs: escalatedSeenMs,
        escalateDueCalls: sp.escalateDue.map((x) => ({
          startMsAfterT: x.start - T,
          startMsAfterBucket: x.start - bucketAt,
          ms: x.end - x.start,
          escalated: x.rows,
        })),
        batches: {
          n: batches.length,
          rows: batches.map((x) => x.rows),
          txMs: batches.map((x) => x.end - x.start),
          startMsAfterT: batches.map((x) => x.start - T),
          lastCommitMsAfterT: batches.some((x) => x.rows)
            ? Math.max(...batches.filter((x) => x.rows).map((x) => x.end)) - T
            : null,
        },
        scheduleBuckets: {
          n: after.length,
          ms: after.map((x) => x.end - x.start),
          lastEndMsAfterT: after.length ? Math.max(...after.map((x) => x.end)) - T : null,
        },
        notifyEscalated: {
          n: notifies.length,
          firstStartMsAfterT: notifies.length ? Math.min(...notifies.map((x) => x.start)) - T : null,
          lastEndMsAfterT: notifies.length ? Math.max(...notifies.map((x) => x.end)) - T : null,
        },
        reconcilesDuringBurst: sp.reconcile.length,
        sqlStatements,
        statementTimes,
        notified,
        meetsP99Target: percentile(lateness, 99) <= 1000,
        loadavgAfter: load(),
      };
      log(`burst: ${JSON.stringify(b)}`);
      bursts.push(b);
    }
    out.bursts = bursts;
    out.loadavgAtEnd = load();
    out.totalSeconds = Math.round(process.uptime());
    console.log(JSON.stringify(out, null, 2));
  } finally {
    process.off('SIGINT', stop);
    await cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
