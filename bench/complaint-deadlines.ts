/**
 * Complaint deadlines at scale, on real PostgreSQL with the queue on Redis. Run by hand:
 * `npx tsx bench/complaint-deadlines.ts [--count 100000] [--burst 10000] [--lead-ms 5000]
 *   [--via-service 1000] [--sample 500] [--whatif-concurrency 4,16] [--notify]`
 *
 * With `count` open complaints (bulk-inserted with SQL, deadlines 30+ days ahead) it measures:
 * 1. Redis memory per pending deadline: INFO used_memory before/after adding the two delayed jobs
 *    per complaint (`complaint-<id>-v0-<ack|resolve>`; the first `via-service` complaints through
 *    `ComplaintService.scheduleDeadlines`, the rest with `addBulk` and the same ids, payload and
 *    options), and MEMORY USAGE of a sample of job hashes and of the queue's own keys.
 * 2. A burst (run last): `burst` complaints whose ack deadline is the same instant T, `lead-ms`
 *    after their new jobs are in, drained by the deadline worker exactly as src starts it
 *    (`startDeadlineWorker`, BullMQ's default concurrency 1); lateness = the escalation event's
 *    `at` − T (p50/p99/max) and the drain time, with the time per `escalateIfDue` split into its
 *    transaction, its job adds and its notifier. `--whatif-concurrency 4,16` adds one burst per
 *    value on a worker built with `queues.worker(..., {concurrency})` and the same processor (NOT
 *    what src runs: a what-if for the fix); `--notify` adds one burst at concurrency 1 with the
 *    production notifier (outbox) wired in, which `createServices(db, {queues})` leaves out.
 *    Each burst takes the next `burst` complaints, so `count` ≥ bursts × `burst`.
 * 3. The reconciler's sweep over all open complaints: with every job present (nothing to do), then
 *    after `obliterate` (every job re-added), with its SQL statements, Redis commands and heap.
 *
 * Needs PostgreSQL 15 (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres: creates
 * and drops `linli_bench_<random>`) and Redis 7 (BENCH_REDIS_URL; keys under
 * `linli-bench-cd-<random>:`, deleted at the end).
 * Prints one JSON document; bench/complaint-deadlines.md holds the numbers of a run.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { Outbox } from '../src/bot/outbound/outbox.js';
import { openPostgres } from '../src/db/connect.js';
import { migrate } from '../src/db/migrate.js';
import type { ComplaintRow, ComplaintService } from '../src/domain/complaints/complaint-service.js';
import { SYSTEM_ACTOR } from '../src/domain/principal.js';
import { createQueueBackend, type QueueBackend } from '../src/queue/backend.js';
import { jobId, QueueName } from '../src/queue/names.js';
import { startDeadlineWorker } from '../src/queue/workers/deadline.worker.js';
import { createServices } from '../src/services.js';
import { seedCompoundChain } from '../test/support/org-chain.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    burst: { type: 'string', default: '10000' },
    'lead-ms': { type: 'string', default: '5000' },
    'via-service': { type: 'string', default: '1000' },
    sample: { type: 'string', default: '500' },
    'whatif-concurrency': { type: 'string', default: '' },
    notify: { type: 'boolean', default: false },
    'timeout-s': { type: 'string', default: '900' },
  },
});
const COUNT = positive('count');
const BURST = Math.min(positive('burst'), COUNT);
const LEAD_MS = positive('lead-ms');
const VIA_SERVICE = Math.min(Number(values['via-service']), COUNT);
const SAMPLE = Math.min(positive('sample'), COUNT);
const TIMEOUT_MS = positive('timeout-s') * 1000;
const WHATIF = (values['whatif-concurrency'] ?? '')
  .split(',')
  .filter(Boolean)
  .map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 18) throw new Error(`--whatif-concurrency: 1..18, got ${v}`);
    return n;
  });
const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const JOB_OPTS = { removeOnComplete: true, removeOnFail: 1000 } as const; // as scheduleDeadlines

function positive(name: 'count' | 'burst' | 'lead-ms' | 'sample' | 'timeout-s'): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}

const log = (msg: string) => console.error(`[${new Date().toISOString()}] ${msg}`);
const ms = (t0: number) => Math.round(performance.now() - t0);
const round = (n: number, d = 1) => Number(n.toFixed(d));

/** Nearest-rank percentile of an ascending array. */
function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Counts SQL statements sent by every pg client of this process except `skip` (the bench's own).
 * pool.query ends in Client#query too, so each statement counts once whichever path sent it.
 */
function countStatements(skip: pg.Client[]): () => number {
  let n = 0;
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: pg.Client, ...a: unknown[]) {
    if (!skip.includes(this)) n++;
    return query.apply(this, a);
  };
  return () => n;
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
  const info = await redis.info('memory');
  const m = /^used_memory:(\d+)/m.exec(info);
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

interface JobSpec {
  complaintId: number;
  version: number;
  stage: 'ack' | 'resolve';
  at: number;
}

/** Times escalateIfDue and its after-COMMIT part (job adds, notifier) on one service instance. */
function instrument(c: ComplaintService) {
  const t = { calls: 0, escalateMs: 0, afterChangeMs: 0, scheduleMs: 0 };
  const timed =
    <A extends unknown[], R>(
      fn: (...a: A) => Promise<R>,
      key: 'escalateMs' | 'afterChangeMs' | 'scheduleMs',
    ) =>
    async (...a: A): Promise<R> => {
      const t0 = performance.now();
      try {
        return await fn(...a);
      } finally {
        t[key] += performance.now() - t0;
        if (key === 'escalateMs') t.calls++;
      }
    };
  c.escalateIfDue = timed(c.escalateIfDue.bind(c), 'escalateMs');
  c.afterChange = timed(c.afterChange.bind(c), 'afterChangeMs');
  c.scheduleDeadlines = timed(c.scheduleDeadlines.bind(c), 'scheduleMs');
  return {
    reset() {
      Object.assign(t, { calls: 0, escalateMs: 0, afterChangeMs: 0, scheduleMs: 0 });
    },
    /** average ms per escalateIfDue call: total, its transaction, its job adds, its notifier */
    perCall() {
      const n = Math.max(1, t.calls);
      return {
        calls: t.calls,
        escalateIfDue: round(t.escalateMs / n, 2),
        transaction: round((t.escalateMs - t.afterChangeMs) / n, 2),
        scheduleDeadlines: round(t.scheduleMs / n, 2),
        notifier: round((t.afterChangeMs - t.scheduleMs) / n, 2),
      };
    },
  };
}

/** Adds delayed deadline jobs as scheduleDeadlines does (same name, data, id, options), in bulk. */
async function addDeadlineJobs(queues: QueueBackend, jobs: JobSpec[], chunk = 1000, inFlight = 4) {
  const q = queues.queue(QueueName.deadlines);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const part = jobs.slice(next, next + chunk);
      next += chunk;
      const now = Date.now();
      await q.addBulk(
        part.map((j) => ({
          name: 'deadline',
          data: { complaintId: j.complaintId, version: j.version, stage: j.stage },
          opts: {
            jobId: jobId('complaint', j.complaintId, `v${j.version}`, j.stage),
            delay: Math.max(0, j.at - now),
            ...JOB_OPTS,
          },
        })),
      );
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
}

async function main() {
  const name = `linli_bench_${randomBytes(4).toString('hex')}`;
  const prefix = `linli-bench-cd-${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString(), 20);
  const poll = new pg.Client({ connectionString: url.toString() });
  const redis = new Redis(REDIS_URL);
  let queues: QueueBackend | null = null;
  const out: Record<string, unknown> = {
    count: COUNT,
    burst: BURST,
    node: process.version,
    cpus: availableParallelism(),
    loadavgAtStart: loadavg().map((l) => round(l, 2)),
  };
  const stop = () => {
    log('interrupted: cleaning up');
    cleanup().finally(() => process.exit(130));
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
  process.once('SIGINT', stop);
  try {
    await migrate(db);
    await poll.connect();
    queues = await createQueueBackend({ db, redisUrl: REDIS_URL, prefix });
    const statements = countStatements([admin, poll]);
    const redisCommands = countRedisCommands();
    const s = createServices(db, { queues });
    const compound = (await seedCompoundChain(s, '小区')).compound;
    await s.policies.put(SYSTEM_ACTOR, compound, {
      calendar: 'natural',
      levels: {
        compound: { '*': { ack: 'PT2H', resolve: 'P3D' } },
        community: { '*': { ack: 'PT4H', resolve: 'P5D' } },
      },
    });

    // --- seed: COUNT open complaints, deadlines 30..31 days ahead (resolve 30 days later) -------------
    let t0 = performance.now();
    await db.query(
      `INSERT INTO linli.complaints (number, org_id, level_org_id, category, description, status,
         ack_due_at, resolve_due_at)
       SELECT 'B' || lpad(g::text, 7, '0'), $1, $1, 'repairs', '3号楼电梯故障 #' || g, 'submitted',
         now() + interval '30 days' + (g % 86400) * interval '1 second',
         now() + interval '60 days' + (g % 86400) * interval '1 second'
       FROM generate_series(1, $2::int) g`,
      [compound, COUNT],
    );
    await db.query(
      `INSERT INTO linli.complaint_events (complaint_id, type, to_status, level_org_id)
       SELECT id, 'submitted', 'submitted', level_org_id FROM linli.complaints`,
    );
    await db.query('ANALYZE linli.complaints');
    await db.query('ANALYZE linli.complaint_events');
    const { rows: range } = await db.query<{ lo: number; hi: number; n: number }>(
      'SELECT min(id) AS lo, max(id) AS hi, count(*) AS n FROM linli.complaints',
    );
    if (range[0]?.lo !== 1 || range[0]?.hi !== COUNT)
      throw new Error(`unexpected ids ${JSON.stringify(range)}`);
    out.seedMs = ms(t0);
    log(`seeded ${COUNT} complaints in ${out.seedMs} ms`);

    // --- 1. Redis memory per pending deadline ------------------------------------------------------
    const q = queues.queue(QueueName.deadlines);
    await q.waitUntilReady();
    const memBefore = await usedMemory(redis);
    t0 = performance.now();
    const { rows: first } = await db.query<ComplaintRow>(
      'SELECT * FROM linli.complaints WHERE id <= $1 ORDER BY id',
      [VIA_SERVICE],
    );
    for (const c of first) await s.complaints.scheduleDeadlines(c);
    const viaServiceMs = performance.now() - t0;
    const { rows: rest } = await db.query<{ id: number; version: number; ack: Date; resolve: Date }>(
      `SELECT id, version, ack_due_at AS ack, resolve_due_at AS resolve FROM linli.complaints
       WHERE id > $1 ORDER BY id`,
      [VIA_SERVICE],
    );
    t0 = performance.now();
    await addDeadlineJobs(
      queues,
      rest.flatMap((r) => [
        { complaintId: r.id, version: r.version, stage: 'ack' as const, at: r.ack.getTime() },
        { complaintId: r.id, version: r.version, stage: 'resolve' as const, at: r.resolve.getTime() },
      ]),
    );
    const bulkMs = performance.now() - t0;
    const addBulkRate = Math.round((rest.length * 2) / (bulkMs / 1000));
    const memAfter = await usedMemory(redis);
    const delayed = await q.getDelayedCount();
    if (delayed !== 2 * COUNT) throw new Error(`expected ${2 * COUNT} delayed jobs, found ${delayed}`);

    // the service's jobs and the bulk ones have the same shape
    const viaSvc = VIA_SERVICE > 0 ? await q.getJob(jobId('complaint', 1, 'v0', 'ack')) : undefined;
    const viaBulk = await q.getJob(jobId('complaint', COUNT, 'v0', 'ack'));
    const shape = (j: typeof viaBulk) =>
      JSON.stringify({
        name: j?.name,
        keys: Object.keys(j?.data ?? {}),
        opts: { ...j?.opts, jobId: 0, delay: 0 },
      });
    const sameShape = viaSvc ? shape(viaSvc) === shape(viaBulk) : null;

    const base = `${prefix}:${QueueName.deadlines}:`;
    const sampleIds = Array.from({ length: SAMPLE }, (_, i) => 1 + Math.floor((i * COUNT) / SAMPLE));
    const hashBytes: number[] = [];
    for (const id of sampleIds) {
      for (const stage of ['ack', 'resolve']) {
        const b = await redis.memory('USAGE', `${base}${jobId('complaint', id, 'v0', stage)}`, 'SAMPLES', 0);
        if (b !== null) hashBytes.push(Number(b));
      }
    }
    hashBytes.sort((a, b) => a - b);
    const jobHashAvg = hashBytes.reduce((a, b) => a + b, 0) / hashBytes.length;
    const ourKeys = await keysUnder(redis, `${prefix}:*`);
    const queueKeys: Record<string, number | null> = {};
    for (const k of ourKeys.filter((k) => !k.startsWith(`${base}complaint-`)).sort()) {
      const b = await redis.memory('USAGE', k, 'SAMPLES', 0);
      queueKeys[k.slice(prefix.length + 1)] = b === null ? null : Number(b);
    }
    const delayedZset = queueKeys[`${QueueName.deadlines}:delayed`] ?? 0;
    out.memory = {
      jobs: delayed,
      keysUnderPrefix: ourKeys.length,
      usedMemoryBefore: memBefore,
      usedMemoryAfter: memAfter,
      usedMemoryDeltaMB: round((memAfter - memBefore) / 2 ** 20),
      bytesPerJobFromUsedMemory: Math.round((memAfter - memBefore) / delayed),
      bytesPerComplaintFromUsedMemory: Math.round((memAfter - memBefore) / COUNT),
      memoryUsageSample: {
        jobHashes: hashBytes.length,
        jobHashBytes: { min: hashBytes[0], avg: Math.round(jobHashAvg), max: hashBytes.at(-1) },
        delayedZsetBytesPerJob: round(delayedZset / delayed),
        jobHashPlusZsetEntryBytes: Math.round(jobHashAvg + delayedZset / delayed),
        queueKeys,
      },
      viaServiceSameShape: sameShape,
      scheduleDeadlinesMsPerComplaint: VIA_SERVICE ? round(viaServiceMs / VIA_SERVICE, 3) : null,
      addBulkJobsPerSecond: addBulkRate,
    };
    log(`memory: ${JSON.stringify(out.memory)}`);

    // --- 3. the reconciler's sweep ---------------------------------------------------------------
    const sweep = async (label: string) => {
      const st0 = statements();
      const rc0 = redisCommands();
      const t = performance.now();
      const { result, heapMB, rssMB } = await withPeakMemory(() => s.complaints.reconcile());
      const sweepMs = ms(t);
      const r = {
        ms: sweepMs,
        ...result,
        sqlStatements: statements() - st0,
        redisCommands: redisCommands() - rc0,
        usPerComplaint: round((sweepMs * 1000) / COUNT),
        peakHeapAboveStartMB: heapMB,
        peakRssAboveStartMB: rssMB,
      };
      log(`reconcile (${label}): ${JSON.stringify(r)}`);
      return r;
    };
    t0 = performance.now();
    const { rowCount: openComplaints } = await db.query<ComplaintRow>(
      `SELECT * FROM linli.complaints
       WHERE (status IN ('submitted', 'accepted', 'in_progress', 'reopened') AND NOT overdue)
          OR (status = 'resolved' AND rating IS NULL)
       ORDER BY id`,
    );
    const selectMs = ms(t0);
    const present = await sweep('all jobs present');
    t0 = performance.now();
    await q.obliterate({ force: true });
    const obliterateMs = ms(t0);
    if ((await q.getDelayedCount()) !== 0) throw new Error('obliterate left delayed jobs');
    const lost = await sweep('all jobs deleted');
    const delayedAfter = await q.getDelayedCount();
    out.reconcile = {
      openComplaints,
      selectAllRowsMs: selectMs,
      allPresent: present,
      obliterateMs,
      allDeleted: { ...lost, delayedJobsAfter: delayedAfter },
    };

    // --- 2. a burst of deadlines due at the same instant -----------------------------------------
    const logger = pino({ level: 'warn' }, pino.destination(2));
    t0 = performance.now();
    const srcWorker = await startDeadlineWorker(queues, s.complaints, logger, 24 * 3_600_000);
    out.workerStartMs = ms(t0); // includes its initial reconcile over every open complaint
    log(`deadline worker started in ${out.workerStartMs} ms (initial reconcile included)`);

    const timing = instrument(s.complaints);
    const notifying = values.notify
      ? createServices(db, { queues, outbox: new Outbox(db, queues, null) }).complaints
      : null;
    const notifyTiming = notifying ? instrument(notifying) : null;
    const runs: { label: string; concurrency: number; src: boolean; notify: boolean }[] = [
      { label: 'src: startDeadlineWorker (default concurrency)', concurrency: 1, src: true, notify: false },
      ...WHATIF.map((c) => ({
        label: `what-if: concurrency ${c}`,
        concurrency: c,
        src: false,
        notify: false,
      })),
      ...(values.notify
        ? [{ label: 'src concurrency + notifier (outbox)', concurrency: 1, src: false, notify: true }]
        : []),
    ];
    if (runs.length * BURST > COUNT)
      throw new Error(`${runs.length} bursts of ${BURST} need --count ≥ ${runs.length * BURST}`);
    const bursts: unknown[] = [];
    for (const [i, run] of runs.entries()) {
      const lo = i * BURST + 1;
      const hi = (i + 1) * BURST;
      let close: () => Promise<void>;
      if (run.src) {
        close = () => srcWorker.close();
      } else {
        const complaints = run.notify && notifying ? notifying : s.complaints;
        // the processor of startDeadlineWorker, on a worker with the what-if concurrency
        const w = queues.worker<{ complaintId: number; version: number; stage: string }>(
          QueueName.deadlines,
          async (job) =>
            job.data.stage === 'rating'
              ? complaints.closeUnratedIfDue(job.data.complaintId, job.data.version)
              : complaints.escalateIfDue(job.data.complaintId, job.data.version),
          { concurrency: run.concurrency },
        );
        close = () => w.close();
      }
      const st0 = statements();
      const setup0 = performance.now();
      // T: `lead-ms` after the jobs are expected to be in (at the add rate measured above)
      const T = Date.now() + LEAD_MS + Math.ceil((2 * BURST * 1000) / addBulkRate) + 200;
      // a transition that set a new ack deadline: the row moves to version 1, its jobs are added
      // after COMMIT; the v0 jobs stay delayed (stale) as they do in src
      timing.reset();
      notifyTiming?.reset();
      const { rows: moved } = await db.query<{ id: number; version: number; resolve: Date }>(
        `UPDATE linli.complaints SET ack_due_at = $1, version = version + 1, updated_at = now()
         WHERE id BETWEEN $2 AND $3 RETURNING id, version, resolve_due_at AS resolve`,
        [new Date(T), lo, hi],
      );
      await addDeadlineJobs(
        queues,
        moved.flatMap((r) => [
          { complaintId: r.id, version: r.version, stage: 'ack' as const, at: T },
          { complaintId: r.id, version: r.version, stage: 'resolve' as const, at: r.resolve.getTime() },
        ]),
      );
      const setupMs = ms(setup0);
      const slackMs = T - Date.now();
      log(`burst "${run.label}": ${moved.length} due at T, set up in ${setupMs} ms, ${slackMs} ms before T`);
      let done = 0;
      while (done < BURST) {
        if (Date.now() - T > TIMEOUT_MS) throw new Error(`burst not drained after ${TIMEOUT_MS} ms: ${done}`);
        await new Promise((r) => setTimeout(r, 250));
        const { rows } = await poll.query<{ n: string }>(
          `SELECT count(*) AS n FROM linli.complaint_events
           WHERE type = 'escalate' AND complaint_id BETWEEN $1 AND $2`,
          [lo, hi],
        );
        done = Number(rows[0]?.n);
      }
      const drainedSeenMs = Date.now() - T;
      const sqlStatements = statements() - st0;
      const perCall = (run.notify ? notifyTiming : timing)?.perCall();
      await close();
      const { rows: late } = await poll.query<{ ms: string }>(
        `SELECT (extract(epoch FROM e.at - $1::timestamptz) * 1000)::float8 AS ms
         FROM linli.complaint_events e
         WHERE e.type = 'escalate' AND e.complaint_id BETWEEN $2 AND $3 ORDER BY 1`,
        [new Date(T), lo, hi],
      );
      const { rows: levels } = await poll.query<{ level: string; n: string }>(
        'SELECT level, count(*) AS n FROM linli.complaints WHERE id BETWEEN $1 AND $2 GROUP BY level',
        [lo, hi],
      );
      const lateness = late.map((r) => Number(r.ms));
      const drainMs = Math.max(0, lateness.at(-1)!);
      const b = {
        run: run.label,
        workerConcurrency: run.concurrency,
        complaints: BURST,
        escalations: lateness.length,
        levelsAfter: Object.fromEntries(levels.map((l) => [l.level, Number(l.n)])),
        setupMs,
        slackBeforeT: slackMs,
        latenessMs: {
          min: round(lateness[0]!),
          p50: round(pct(lateness, 50)),
          p90: round(pct(lateness, 90)),
          p99: round(pct(lateness, 99)),
          max: round(lateness.at(-1)!),
        },
        withinOneSecond: lateness.filter((l) => l <= 1000).length,
        drainMsFromT: round(drainMs),
        drainSeenByPollMs: drainedSeenMs,
        escalationsPerSecond: round(lateness.length / (drainMs / 1000)),
        msPerEscalation: round(drainMs / lateness.length, 2),
        sqlStatementsPerEscalation: round(sqlStatements / lateness.length, 1),
        msPerEscalateIfDueCall: perCall,
        meetsP99Target: pct(lateness, 99) <= 1000,
      };
      log(`burst: ${JSON.stringify(b)}`);
      bursts.push(b);
    }
    out.bursts = bursts;
    out.loadavgAtEnd = loadavg().map((l) => round(l, 2));
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
