// Telegram webhook intake: how many updates/s Linli takes through POST /telegram/webhook, and
// at what latency, compared with a bare Fastify route on the same machine. Run by hand:
//
//   npx tsx bench/webhook-intake.ts [--engine postgres|pglite] [--duration 10] [--chats 20]
//     [--users 200] [--concurrency 16,32,64] [--rates 500,1000] [--log-level info]
//     [--only bare|linli] [--redis-db 9] [--quiet-wait 30] [--retries 2]
//
// Linli runs in this process (as `startLinli` from src/app/runtime.ts, on a fresh PostgreSQL database
// and Redis, webhook mode, against the fake Bot API); the load generator runs in a forked child
// process (bench/load-client.ts) so it does not share the server's event loop. See bench/README.md.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pg from 'pg';
import { type Logger, pino } from 'pino';
import { loadConfig } from '../src/app/config.js';
import { type Linli, startLinli } from '../src/app/runtime.js';
import type { Db, Queryable, QueryOptions } from '../src/kernel/db/db.js';
import { type FakeTelegram, startFakeTelegram } from '../test/fakes/telegram/index.js';
import type { LoadPhase, LoadResult } from './load-client.js';
import {
  cpuSecondsSince,
  cpuTicksOf,
  createBenchDatabase,
  flags,
  fmt,
  freePort,
  machineCpu,
  numberFlag,
  PG_ADMIN_URL,
  REDIS_URL,
  redisKeys,
  sleep,
  sourceRevision,
} from './support.js';

const f = flags();
const ENGINE = (f.get('engine') ?? 'postgres') as 'postgres' | 'pglite';
const DURATION_MS = numberFlag(f, 'duration', 10) * 1000;
const N_CHATS = numberFlag(f, 'chats', 20);
const N_USERS = numberFlag(f, 'users', 200);
const CONCURRENCY = (f.get('concurrency') ?? '16,32,64')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const RATES = (f.get('rates') ?? '500,1000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const LOG_LEVEL = f.get('log-level') ?? 'info';
const ONLY = f.get('only');
const REDIS_DB = numberFlag(f, 'redis-db', 9);
const OPEN_CONNECTIONS = 64;
/** Before each phase, wait up to this long for the machine to be idle (other sessions share it). */
const QUIET_WAIT_MS = numberFlag(f, 'quiet-wait', 30) * 1000;
const RETRIES = Number(f.get('retries') ?? 2);
/** What each update carries: a turn of a conversation (the issue's workload) or plain group chatter. */
const WORKLOAD = (f.get('workload') ?? 'conversation') as 'conversation' | 'chatter';
if (WORKLOAD !== 'conversation' && WORKLOAD !== 'chatter')
  throw new Error('--workload is conversation or chatter');

const SECRET = 'bench-hook-secret_42';
const ADMIN = 'bench-admin-token-0123456789abcdef';
const CHAT_IDS = Array.from({ length: N_CHATS }, (_, i) => -1_001_000_000_000 - i);

if (ENGINE !== 'postgres' && ENGINE !== 'pglite') throw new Error('--engine is postgres or pglite');

/** The logger Linli would have in production (src/app/logger.ts), writing to /dev/null instead of stdout. */
function productionLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'linli' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-telegram-bot-api-secret-token"]',
          'token',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: '/dev/null', sync: true }),
  );
}

// ---- the load generator (child process) ----------------------------------------------------

interface Client {
  run(p: LoadPhase): Promise<LoadResult>;
  close(): void;
}

async function startClient(): Promise<Client> {
  const child = fork(fileURLToPath(new URL('./load-client.ts', import.meta.url)), ['--load-client'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`load client exited with ${code}`)));
  });
  return {
    run: (phase) =>
      new Promise((resolve, reject) => {
        child.once('message', (m: { result?: LoadResult; error?: string }) =>
          m.result ? resolve(m.result) : reject(new Error(m.error)),
        );
        child.send({ phase });
      }),
    close: () => {
      child.removeAllListeners('exit');
      if (child.connected) child.send({ exit: true });
    },
  };
}

// ---- what the server side measures per phase ------------------------------------------------

interface QueryStats {
  /** Statements by their first 70 characters: outside transactions, and inside them. */
  byStatement: Map<string, { n: number; ms: number }>;
  inTransactions: Map<string, { n: number; ms: number }>;
  transactions: number;
  reset(): void;
  /** Database round trips: every statement, plus BEGIN and COMMIT of each transaction. */
  roundTrips(): number;
}

const labels = new Map<string, string>();
const labelOf = (sql: string) => {
  let label = labels.get(sql);
  if (label === undefined) {
    label = sql.replace(/\s+/g, ' ').trim().slice(0, 70);
    labels.set(sql, label);
  }
  return label;
};
function tally(map: Map<string, { n: number; ms: number }>, sql: string, ms: number): void {
  const label = labelOf(sql);
  const s = map.get(label) ?? { n: 0, ms: 0 };
  s.n++;
  s.ms += ms;
  map.set(label, s);
}
const sum = (map: Map<string, { n: number; ms: number }>) => {
  let n = 0;
  let ms = 0;
  for (const s of map.values()) {
    n += s.n;
    ms += s.ms;
  }
  return { n, ms };
};

/** Counts and times every statement Linli runs through `db` (inside transactions too). */
function instrument(db: Db): QueryStats {
  const stats: QueryStats = {
    byStatement: new Map(),
    inTransactions: new Map(),
    transactions: 0,
    reset() {
      this.byStatement.clear();
      this.inTransactions.clear();
      this.transactions = 0;
    },
    roundTrips() {
      return sum(this.byStatement).n + sum(this.inTransactions).n + 2 * this.transactions;
    },
  };
  const timed =
    (q: Queryable, map: Map<string, { n: number; ms: number }>) =>
    async (sql: string, params?: readonly unknown[], opts?: QueryOptions) => {
      const t0 = performance.now();
      try {
        return await q.query(sql, params, opts);
      } finally {
        tally(map, sql, performance.now() - t0);
      }
    };
  const query = timed({ query: db.query.bind(db) }, stats.byStatement);
  const transaction = db.transaction.bind(db);
  db.query = query as Db['query'];
  db.transaction = (<T>(fn: (tx: Queryable) => Promise<T>) => {
    stats.transactions++;
    return transaction((tx) => fn({ query: timed(tx, stats.inTransactions) as Queryable['query'] }));
  }) as Db['transaction'];
  return stats;
}

interface Row {
  target: string;
  load: string;
  result: LoadResult;
  serverCpuPct: number;
  pgCpuPct: number;
  redisCpuPct: number;
  clientCpuPct: number;
  /** Whole machine, % of one core (2 cores = 200%). */
  machinePct: number;
  /** machinePct minus this benchmark's processes and PostgreSQL/Redis: other sessions on the machine. */
  otherPct: number;
  loopLagP50: number;
  loopLagP99: number;
  loopLagMax: number;
  /** Database round trips per update (statements + BEGIN/COMMIT). */
  queriesPerUpdate?: number;
  transactionsPerUpdate?: number;
  queryMs?: number;
}

const LOOP_RESOLUTION_MS = 2;
const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
loop.enable();
const lag = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);

const rows: Row[] = [];
let nextUpdateId = 1_000_000;
/** Every 200 answer, including phases repeated because of other sessions. */
let answered = 0;

type Load = { mode: 'closed'; concurrency: number } | { mode: 'open'; rate: number };
interface MeasureOptions {
  durationMs?: number;
  stats?: QueryStats;
  record?: boolean;
  /** The PostgreSQL processes that count as Linli's (its backends and the background ones). */
  pgPids?: () => Promise<Set<string>>;
}

/**
 * One phase; repeated (up to --retries times) when other sessions on the machine used more than
 * 30% of a core meanwhile, since they take the CPU this benchmark measures.
 */
async function measure(client: Client, target: string, url: string, load: Load, opts: MeasureOptions = {}) {
  for (let attempt = 0; ; attempt++) {
    const row = await measureOnce(client, target, url, load, opts);
    if (row.otherPct <= 30 || attempt >= RETRIES) {
      if (opts.record !== false) rows.push(row);
      return row;
    }
    console.log(`  (other sessions used ${fmt(row.otherPct, 0)}% of a core: phase repeated)`);
  }
}

async function measureOnce(
  client: Client,
  target: string,
  url: string,
  load: Load,
  opts: MeasureOptions,
): Promise<Row> {
  await waitForQuiet();
  const cpu0 = process.cpuUsage();
  const pg0 = cpuTicksOf('postgres');
  const redis0 = cpuTicksOf('redis-server');
  const m0 = machineCpu();
  opts.stats?.reset();
  loop.reset();
  const result = await client.run({
    mode: load.mode,
    url,
    secret: SECRET,
    concurrency: load.mode === 'closed' ? load.concurrency : OPEN_CONNECTIONS,
    ...(load.mode === 'open' ? { rate: load.rate } : {}),
    durationMs: opts.durationMs ?? DURATION_MS,
    firstUpdateId: nextUpdateId,
    chats: CHAT_IDS,
    users: N_USERS,
    seed: nextUpdateId,
    workload: WORKLOAD,
  });
  nextUpdateId = result.nextUpdateId + 1000;
  answered += result.ok;
  const cpu = process.cpuUsage(cpu0);
  const m1 = machineCpu();
  const pgPids = opts.pgPids ? await opts.pgPids() : new Set<string>();
  const pct = (s: number) => (100 * s) / result.elapsedS; // % of one core
  const row: Row = {
    target,
    load: load.mode === 'closed' ? `closed, ${load.concurrency} conns` : `open ${load.rate}/s`,
    result,
    serverCpuPct: pct((cpu.user + cpu.system) / 1e6),
    pgCpuPct: pct(cpuSecondsSince(pg0, 'postgres', pgPids)),
    redisCpuPct: pct(cpuSecondsSince(redis0, 'redis-server')),
    clientCpuPct: pct(result.clientCpuS),
    machinePct: 0,
    otherPct: 0,
    loopLagP50: lag(loop.percentile(50)),
    loopLagP99: lag(loop.percentile(99)),
    loopLagMax: lag(loop.max),
  };
  row.machinePct = pct(m1.busy - m0.busy);
  row.otherPct = Math.max(
    0,
    row.machinePct - row.serverCpuPct - row.pgCpuPct - row.redisCpuPct - row.clientCpuPct,
  );
  if (opts.stats) {
    const all = [...opts.stats.byStatement.values(), ...opts.stats.inTransactions.values()];
    const ms = all.reduce((a, s) => a + s.ms, 0);
    const n = all.reduce((a, s) => a + s.n, 0);
    row.queriesPerUpdate = opts.stats.roundTrips() / Math.max(1, result.ok);
    row.transactionsPerUpdate = opts.stats.transactions / Math.max(1, result.ok);
    row.queryMs = ms / Math.max(1, n);
  }
  const r = result;
  console.log(
    `${target.padEnd(14)} ${row.load.padEnd(18)} ${fmt(r.throughput, 0).padStart(6)}/s  p50 ${fmt(r.p50)} p99 ${fmt(r.p99)} max ${fmt(r.max)} ms  ` +
      `errors ${r.errors}  cpu server ${fmt(row.serverCpuPct, 0)}% pg ${fmt(row.pgCpuPct, 0)}% client ${fmt(row.clientCpuPct, 0)}% other ${fmt(row.otherPct, 0)}%  ` +
      `loop lag p99 ${fmt(row.loopLagP99)} ms` +
      (row.queriesPerUpdate === undefined
        ? ''
        : `  round trips/update ${fmt(row.queriesPerUpdate, 2)} (transactions ${fmt(row.transactionsPerUpdate!, 2)}), statement avg ${fmt(row.queryMs!, 2)} ms`),
  );
  return row;
}

/** Waits (up to --quiet-wait s) until the machine used under 25% of a core over a whole second. */
async function waitForQuiet(): Promise<void> {
  const until = Date.now() + QUIET_WAIT_MS;
  let busyPct = 0;
  do {
    const m0 = machineCpu();
    await sleep(1000);
    const m1 = machineCpu();
    busyPct = (100 * (m1.busy - m0.busy)) / ((m1.total - m0.total) / cpus().length);
    if (busyPct < 25) return;
  } while (Date.now() < until);
  console.log(`  (machine still ${fmt(busyPct, 0)}% busy (of one core) before this phase: other sessions)`);
}

// ---- bare Fastify: the same body, parsed and answered, nothing else ---------------------------

async function startBare(logger: Logger | null): Promise<{ app: FastifyInstance; url: string }> {
  const app: FastifyInstance = logger
    ? Fastify({ loggerInstance: logger as FastifyBaseLogger })
    : Fastify({ logger: false });
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, raw, done) => done(null, raw));
    scope.post('/telegram/webhook', async (req, reply) => {
      const update = JSON.parse(req.body as string) as { update_id?: unknown };
      if (typeof update.update_id !== 'number') return reply.code(400).send();
      return reply.code(200).send();
    });
  });
  const port = await freePort();
  await app.listen({ port, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${port}/telegram/webhook` };
}

async function benchBare(client: Client): Promise<void> {
  for (const [target, logger] of [
    ['bare Fastify', null],
    ['bare + log', productionLogger(LOG_LEVEL)],
  ] as const) {
    const { app, url } = await startBare(logger);
    try {
      await measure(
        client,
        `${target} warm-up`,
        url,
        { mode: 'closed', concurrency: 16 },
        { durationMs: 2000, record: false },
      );
      for (const c of logger ? [32] : CONCURRENCY)
        await measure(client, target, url, { mode: 'closed', concurrency: c });
      if (!logger) for (const rate of RATES) await measure(client, target, url, { mode: 'open', rate });
    } finally {
      await app.close();
    }
  }
}

// ---- Linli ----------------------------------------------------------------------------------

const DIARY_FLOW = {
  name: { 'zh-CN': '值班日志', en: 'Duty diary' },
  locales: ['zh-CN', 'en'],
  triggers: [{ type: 'keyword', keywords: ['记录'] }],
  timeoutMinutes: 60,
  start: 'entry',
  steps: [
    {
      id: 'entry',
      type: 'ask',
      input: 'text',
      validation: { minLength: 1, maxLength: 200 },
      prompt: { 'zh-CN': '请写下这一条记录：', en: 'Write the next entry:' },
      retryPrompt: { 'zh-CN': '请再说一遍。', en: 'Please try again.' },
      save: 'entry',
      maxAttempts: 3,
      next: 'entry',
    },
  ],
};

async function benchLinli(client: Client, cleanups: (() => Promise<unknown>)[]): Promise<void> {
  const database = ENGINE === 'postgres' ? await createBenchDatabase() : null;
  if (database) cleanups.push(() => database.drop());
  const dataDir = mkdtempSync(join(tmpdir(), 'linli-bench-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));

  // the default key prefix `linli:`, in a Redis database of its own (REDIS_PREFIX would do as well)
  const redis = new URL(REDIS_URL);
  redis.pathname = `/${REDIS_DB}`;
  const redisUrl = redis.toString();
  if ((await redisKeys(redisUrl, 'linli:*', false)) > 0)
    throw new Error(`Redis database ${REDIS_DB} already holds linli:* keys: pick another with --redis-db`);
  cleanups.push(() => redisKeys(redisUrl, 'linli:*', true));

  const fake: FakeTelegram = await startFakeTelegram({ token: '777000:bench-token' });
  cleanups.push(() => fake.close());
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    ...(database ? { DATABASE_URL: database.url } : {}),
    REDIS_URL: redisUrl,
    DATA_DIR: dataDir,
    PORT: String(port),
    ADMIN_TOKEN: ADMIN,
    SEED_DEMO: 'true',
    QUIET_HOURS: 'off',
    LOG_LEVEL,
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    PUBLIC_URL: base,
  });
  const linli: Linli = await startLinli(config, productionLogger(config.logLevel));
  cleanups.push(() => linli.stop());
  console.log(
    `Linli on ${linli.db.engine}${database ? ` (${database.name})` : ''}, queues on ${linli.queues.kind} (${redisUrl}), log level ${LOG_LEVEL}`,
  );

  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await r.json()) as Record<string, unknown>;
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
    return json;
  };
  const compound = ((await api('GET', '/orgs?kind=compound')).items as { id: number }[])[0]!;

  // the first group binds itself with a code, like a real one; the others are bound over the admin API
  const { code } = (await api('POST', `/orgs/${compound.id}/bind-codes`, { purpose: 'residents' })) as {
    code: string;
  };
  const bind = fake.makeTextMessageUpdate({
    chatId: CHAT_IDS[0]!,
    chatType: 'supergroup',
    chatTitle: `业主群 ${CHAT_IDS[0]}`,
    from: { id: 7_999_999, first_name: '群主' },
    text: `/bind ${code}`,
  });
  if ((await fake.deliverUpdateToWebhook(bind)).status !== 200) throw new Error('bind update refused');
  await fake.waitForCall('sendMessage', { timeoutMs: 15_000 });
  for (const chatId of CHAT_IDS.slice(1)) {
    await api('POST', `/orgs/${compound.id}/chats`, {
      channel: 'telegram',
      externalChatId: String(chatId),
      purpose: 'residents',
      title: `业主群 ${chatId}`,
    });
  }

  if (WORKLOAD === 'conversation') {
    // a diary the compound publishes: 记录 starts it, then every message is an answer that is
    // saved and answered with the next question (an endless ask loop: each update is a full turn)
    await api('PUT', `/flows/bench_diary?orgId=${compound.id}`, DIARY_FLOW);
    await api('POST', `/flows/bench_diary/publish?orgId=${compound.id}`);
  }

  const db = linli.db;
  const count = async (sql: string) => Number((await db.query<{ n: number }>(sql)).rows[0]!.n);
  const peopleBefore = await count('SELECT count(*)::int AS n FROM linli.people');
  const updatesBefore = await count('SELECT count(*)::int AS n FROM linli.processed_updates');
  const stats = instrument(db);
  const url = `${base}/telegram/webhook`;
  // Linli's PostgreSQL processes: its backends and the server's background processes
  const admin = database ? new pg.Client({ connectionString: PG_ADMIN_URL }) : null;
  if (admin) {
    await admin.connect();
    cleanups.push(() => admin.end());
  }
  const pgPids = async () =>
    new Set(
      admin
        ? (
            await admin.query<{ pid: number }>(
              'SELECT pid FROM pg_stat_activity WHERE datname = $1 OR datname IS NULL',
              [database!.name],
            )
          ).rows.map((r) => String(r.pid))
        : [],
    );

  // warm-up: every user writes at least once, so they are registered (person + identity + role)
  const answeredBefore = answered;
  const warm = await measure(
    client,
    'Linli warm-up',
    url,
    { mode: 'closed', concurrency: 16 },
    { durationMs: 5000, stats, record: false, pgPids },
  );
  const registered = (await count('SELECT count(*)::int AS n FROM linli.people')) - peopleBefore;
  console.log(
    `  warm-up: ${registered} residents registered; ${stats.transactions} transactions for ${warm.result.ok} updates`,
  );

  const target = `Linli ${linli.db.engine}`;
  for (const c of CONCURRENCY)
    await measure(client, target, url, { mode: 'closed', concurrency: c }, { stats, pgPids });
  for (const rate of RATES) await measure(client, target, url, { mode: 'open', rate }, { stats, pgPids });
  console.log('  statements in the last phase (per update, mean wall ms; tx = inside a transaction):');
  const last = rows[rows.length - 1]!.result.ok;
  const statements = [
    ...[...stats.byStatement].map(([sql, s]) => ({ sql, s, tx: false })),
    ...[...stats.inTransactions].map(([sql, s]) => ({ sql, s, tx: true })),
  ];
  for (const { sql, s, tx } of statements.sort((a, b) => b.s.n - a.s.n).slice(0, 10)) {
    console.log(
      `    ${fmt(s.n / last, 3).padStart(6)}  ${fmt(s.ms / s.n, 2).padStart(6)} ms  ${tx ? 'tx ' : '   '}${sql}`,
    );
  }
  console.log(`    ${fmt(stats.transactions / last, 3).padStart(6)}  transactions (BEGIN … COMMIT)`);

  // sanity: every 200 was an update handled once; with chatter the only message sent is the bind
  // confirmation, with conversations one reply (the next question) per turn
  const handled = (await count('SELECT count(*)::int AS n FROM linli.processed_updates')) - updatesBefore;
  const identities = await count(
    `SELECT count(*)::int AS n FROM linli.identities WHERE channel = 'telegram' AND external_id LIKE '8%'`,
  );
  const deliveries = await count('SELECT count(*)::int AS n FROM linli.deliveries');
  console.log(
    `  check: ${answered - answeredBefore} answered 200, ${handled} update ids recorded; ${identities}/${N_USERS} residents registered; ${deliveries} deliveries`,
  );
}

async function main() {
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((err) => console.error('cleanup:', err));
  };
  process.once('SIGINT', () => {
    void cleanup().finally(() => process.exit(130));
  });
  const client = await startClient();
  cleanups.push(async () => client.close());
  console.log(
    `webhook intake: ${N_CHATS} chats, ${N_USERS} users, workload ${WORKLOAD}, ${DURATION_MS / 1000} s per phase, node ${process.version}, ${cpus().length} cores, src at ${sourceRevision()}`,
  );
  try {
    if (ONLY !== 'linli') await benchBare(client);
    if (ONLY !== 'bare') await benchLinli(client, cleanups);
  } finally {
    await cleanup();
  }

  console.log(
    '\n| target | load | updates/s | p50 ms | p99 ms | max ms | errors | CPU server | CPU PostgreSQL | CPU ms/update server + PG | CPU client | CPU other | loop lag p99 ms | DB round trips/update |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const x = r.result;
    console.log(
      `| ${r.target} | ${r.load} | ${fmt(x.throughput, 0)} | ${fmt(x.p50)} | ${fmt(x.p99)} | ${fmt(x.max)} | ${x.errors} | ${fmt(r.serverCpuPct, 0)}% | ${fmt(r.pgCpuPct, 0)}% | ${fmt((10 * r.serverCpuPct) / x.throughput, 2)} + ${fmt((10 * r.pgCpuPct) / x.throughput, 2)} | ${fmt(r.clientCpuPct, 0)}% | ${fmt(r.otherPct, 0)}% | ${fmt(r.loopLagP99)} | ${r.queriesPerUpdate === undefined ? '-' : fmt(r.queriesPerUpdate, 2)} |`,
    );
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
