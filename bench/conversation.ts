// End-to-end conversation benchmark: what a resident feels. N residents, each in a bound residents'
// group of their own (or, with --one-group, all in one), file complaints through Linli's built-in
// flow over and over (closed loop), as Telegram users do: `/complaint` in the group, tap the deep
// link (`/start complaint` privately), answer category (button), description, location, photo
// (跳过), anonymous (否), confirm (是). A step counts when the bot's reply REACHES the fake Bot API
// (its sendMessage to that chat), not when the webhook answers. The same conversation runs against
// a bare grammY bot (bench/reference-bot.ts) in the same run. Run by hand:
//
//   npx tsx bench/conversation.ts [--residents 1,20,60,200] [--duration 15] [--engine postgres|pglite]
//     [--only linli|reference] [--one-group] [--telegram-limits raised|default] [--redis-db 9] [--history N] [--think A-B]
//     [--reference-webhook-reply]
//
// This process plays Telegram: the fake Bot API (test/fakes/telegram) and the residents. The bot under
// test runs in a child process (bench/conversation-linli.ts, bench/reference-bot.ts) whose CPU is
// measured alone. See bench/README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from 'grammy/types';
import pg from 'pg';
import {
  type FakeTelegram,
  type FakeUser,
  type NewUpdate,
  type RateLimits,
  startFakeTelegram,
} from '../test/fakes/telegram/index.js';
import { METHODS } from '../test/fakes/telegram/methods.js';
import { forkServer, type ServerHandle, type ServerReady, type ServerStats } from './conversation-server.js';
import { fillHistory, historyFor } from './history.js';
import {
  cpuSecondsSince,
  cpuTicksOf,
  createBenchDatabase,
  flags,
  fmt,
  numberFlag,
  PG_ADMIN_URL,
  percentile,
  REDIS_URL,
  redisKeys,
  sleep,
  sourceRevision,
} from './support.js';

const f = flags();
const RESIDENTS = (f.get('residents') ?? '1,20,60,200')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const DURATION_MS = numberFlag(f, 'duration', 15) * 1000;
const ENGINE = (f.get('engine') ?? 'postgres') as 'postgres' | 'pglite';
if (ENGINE !== 'postgres' && ENGINE !== 'pglite') throw new Error('--engine is postgres or pglite');
const ONLY = f.get('only');
if (ONLY !== undefined && ONLY !== 'linli' && ONLY !== 'reference')
  throw new Error('--only is linli or reference');
const ONE_GROUP = f.get('one-group') === 'true';
const LIMITS = (f.get('telegram-limits') ?? 'raised') as 'raised' | 'default';
if (LIMITS !== 'raised' && LIMITS !== 'default') throw new Error('--telegram-limits is raised or default');
const REDIS_DB = numberFlag(f, 'redis-db', 9);
/** Linli on PostgreSQL: this many deliveries of history (and the rest in proportion: history.ts) first */
const HISTORY = numberFlag(f, 'history', 0);
/** Telegram's max_connections default: at most this many webhook requests at once. */
const MAX_CONNECTIONS = 40;
/** How long a resident waits for a reply before giving the complaint up (and starting another). */
const STEP_TIMEOUT_MS = numberFlag(f, 'step-timeout', LIMITS === 'raised' ? 30 : 120) * 1000;
/** After a phase: how long the steps still waiting may take, then how long the outbox may drain. */
const GRACE_MS = LIMITS === 'raised' ? 10_000 : 30_000;
const DRAIN_MAX_MS = 60_000;
/** default limits: the background stream of notices to other groups (notices/s, over this many groups) */
const BACKGROUND_RATE = numberFlag(f, 'background-rate', 10);
/**
 * Enough groups that Telegram's 20 a minute per group never caps the stream: at most a third of a
 * notice a second each (with 60 groups, 30/s was more than they could take — 20/s — and once each
 * group had its 20 of the minute, 40 s into a phase, nothing could go to them for the next 20 s).
 */
const BACKGROUND_GROUPS = Math.max(60, Math.ceil(BACKGROUND_RATE * 3));
/**
 * --think A-B (seconds): a resident reads the reply and answers after a pause drawn evenly from
 * A to B, as a person does (default 0: they answer the instant the reply arrives, which measures
 * the bot at its most loaded but, under Telegram's 1/s per private chat, makes every reply wait
 * for the chat's second however fast the bot is).
 */
const THINK = thinkRange(f.get('think'));
/** --reference-webhook-reply: the reference's replies go as its webhook's answer (ServerStart.webhookReply) */
const REFERENCE_WEBHOOK_REPLY = f.get('reference-webhook-reply') === 'true';

const SECRET = 'bench-conversation-secret_7';
const ADMIN = 'bench-admin-token-0123456789abcdef';
const TELEGRAM_LIMITS: Record<'raised' | 'default', RateLimits> = {
  // only the software is measured: Telegram's limits out of reach. (1000/s and 1000/min per group
  // are not: the reference with one resident sends 300 messages/s, 1,000 a minute into the group.)
  // Linli's own pacing is set to the most its configuration allows (1000/s, 1000/min per group,
  // 100/s per private chat), which it does not reach here.
  raised: { globalPerSecond: 100_000, perGroupPerMinute: 1_000_000, perChatPerSecond: 100_000 },
  // Telegram's published limits
  default: { globalPerSecond: 30, perGroupPerMinute: 20, perChatPerSecond: 1 },
};

const STEPS = [
  'trigger',
  'start',
  'category',
  'description',
  'location',
  'photo',
  'anonymous',
  'confirm',
] as const;
type Step = (typeof STEPS)[number];
/** What the bot's reply to each step says (Linli's texts; the reference uses the same). */
const REPLY: Record<Step, string> = {
  trigger: '报事请私聊我',
  start: '您要反映哪一类问题',
  category: '请简单说一下是什么问题',
  description: '问题在哪儿',
  location: '现场照片',
  photo: '要匿名吗',
  anonymous: '请确认',
  confirm: '已受理',
};

// ---- the fake Bot API: who is waiting for which reply ------------------------------------------

interface Reply {
  at: number;
  messageId: number;
  markup: { inline_keyboard?: { text: string; callback_data?: string; url?: string }[][] } | undefined;
}
interface Waiter {
  expect: string;
  /** the trigger's message id: a group reply that names another message is someone else's */
  replyTo?: number;
  resolve(r: Reply): void;
}

class Telegram {
  readonly waiters = new Map<number, Waiter[]>();
  /** accepted sendMessage times (performance.now()) of the current phase, and the unexpected ones */
  sends: number[] = [];
  unexpected = 0;
  lastSendAt = 0;

  constructor(readonly fake: FakeTelegram) {
    const send = METHODS.sendMessage!;
    fake.setHandler('sendMessage', (p, ctx) => {
      const message = send(p, ctx) as Message;
      this.onSend(p as Record<string, unknown>, message);
      return message;
    });
  }

  private onSend(p: Record<string, unknown>, message: Message): void {
    const at = performance.now();
    this.sends.push(at);
    this.lastSendAt = at;
    const list = this.waiters.get(Number(p.chat_id));
    const text = message.text ?? '';
    let rp = p.reply_parameters as { message_id?: number } | string | undefined;
    if (typeof rp === 'string') rp = JSON.parse(rp) as { message_id?: number };
    const replyTo = rp?.message_id;
    const i =
      list?.findIndex(
        (w) =>
          text.includes(w.expect) &&
          (w.replyTo === undefined || replyTo === undefined || replyTo === w.replyTo),
      ) ?? -1;
    if (i < 0) {
      this.unexpected++;
      return;
    }
    const [w] = list!.splice(i, 1);
    let markup = p.reply_markup as Reply['markup'] | string;
    if (typeof markup === 'string') markup = JSON.parse(markup) as Reply['markup'];
    w!.resolve({ at, messageId: message.message_id, markup });
  }

  wait(chat: number, w: Omit<Waiter, 'resolve'>, timeoutMs: number): { reply: Promise<Reply | null> } {
    const list = this.waiters.get(chat) ?? [];
    this.waiters.set(chat, list);
    const reply = new Promise<Reply | null>((resolve) => {
      const timer = setTimeout(() => {
        const l = this.waiters.get(chat);
        const i = l?.indexOf(waiter) ?? -1;
        if (i >= 0) l!.splice(i, 1);
        resolve(null);
      }, timeoutMs);
      const waiter: Waiter = {
        ...w,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      list.push(waiter);
    });
    return { reply };
  }
}

/** At most `n` webhook requests in flight (Telegram's max_connections); the rest wait their turn. */
class Connections {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly n: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

function thinkRange(v: string | undefined): { min: number; max: number } | null {
  if (v === undefined || v === '0') return null;
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(v);
  if (!m) throw new Error('--think is seconds, a number or a range A-B (e.g. 2-6)');
  const min = Number(m[1]) * 1000;
  const max = m[2] === undefined ? min : Number(m[2]) * 1000;
  if (max < min) throw new Error('--think A-B needs A ≤ B');
  return { min, max };
}

// ---- one phase: N residents filing complaints for DURATION ----------------------------------

interface Sample {
  step: Step;
  /** sent (the resident acted) → the reply reached the fake, ms */
  ms: number;
  at: number;
}

interface PhaseResult {
  target: string;
  residents: number;
  groups: number;
  seconds: number;
  samples: Sample[];
  /** steps and complaints whose reply arrived inside the measured window */
  steps: number;
  complaints: number;
  timeouts: Partial<Record<Step, number>>;
  /** steps still unanswered when the phase was closed (GRACE_MS after its end) */
  unanswered: number;
  webhookErrors: number;
  webhookP99: number;
  cpuMsPerStep: number;
  pgCpuMsPerStep: number;
  redisCpuMsPerStep: number;
  statementsPerStep: number;
  lagP99: number;
  /** accepted sendMessage per second in the window (all chats), and 429s answered */
  deliveredPerSecond: number;
  tooMany: number;
  unexpected: number;
  drainS: number;
  /** the statements the bot sent in the window, per step, most frequent first (Linli only) */
  topStatements: [string, number][];
}

interface Target {
  name: 'linli' | 'reference';
  label: string;
  server: ServerHandle;
  ready: ServerReady;
  /** PostgreSQL database whose backends count as this bot's (none with PGlite) */
  database: string | null;
  /** creates the phase's compounds and binds their groups (Linli); nothing for the reference */
  setup(phase: number, groups: { id: number; title: string }[]): Promise<void>;
}

let phaseSeq = 0;

async function runPhase(
  tg: Telegram,
  t: Target,
  admin: pg.Client | null,
  residents: number,
  durationMs: number,
  record: boolean,
): Promise<PhaseResult> {
  const phase = ++phaseSeq;
  const fake = tg.fake;
  // fresh groups and residents each phase, so nothing of an earlier phase (open conversations,
  // notices of its complaints) falls into this one
  const nGroups = ONE_GROUP ? 1 : residents;
  const groups = Array.from({ length: nGroups }, (_, g) => ({
    id: -1_002_000_000_000 - phase * 1000 - g,
    title: `业主群 ${phase}-${g}`,
  }));
  for (const g of groups) fake.setChat(g.id, 'supergroup', g.title);
  await t.setup(phase, groups);
  const background = Array.from(
    { length: BACKGROUND_GROUPS },
    (_, g) => -1_003_000_000_000 - phase * 1000 - g,
  );
  for (const id of background) fake.setChat(id, 'supergroup', `楼栋群 ${phase}-${id}`);

  const connections = new Connections(MAX_CONNECTIONS);
  const acks: number[] = [];
  let webhookErrors = 0;
  const post = (update: NewUpdate) =>
    connections.run(async () => {
      const t0 = performance.now();
      try {
        const r = await fake.postUpdateToWebhook(t.ready.webhookUrl, update, SECRET);
        if (r.status !== 200) webhookErrors++;
      } catch {
        webhookErrors++;
      }
      acks.push(performance.now() - t0);
    });

  const samples: Sample[] = [];
  const timeouts: Partial<Record<Step, number>> = {};
  let pending = 0;
  let closed = false;
  let complaints = 0;

  /** One step: act, then wait for the bot's reply in `chat` (null: none in time). */
  const step = async (
    step: Step,
    chat: number,
    act: () => NewUpdate,
    replyTo?: (u: NewUpdate) => number,
  ): Promise<Reply | null> => {
    if (closed || performance.now() >= end) return null; // the phase is over: no new step
    if (THINK) {
      await sleep(THINK.min + Math.random() * (THINK.max - THINK.min));
      if (closed || performance.now() >= end) return null;
    }
    const started = performance.now();
    const update = act();
    const { reply } = tg.wait(
      chat,
      { expect: REPLY[step], ...(replyTo ? { replyTo: replyTo(update) } : {}) },
      STEP_TIMEOUT_MS,
    );
    pending++;
    const posted = post(update);
    const r = await reply;
    // the resident's next update leaves once this one was answered: Telegram keeps one chat's
    // updates in order, and a bot that replies from inside the handler (the reference) saves its
    // conversation state only after the reply went out
    await posted;
    pending--;
    if (closed) return null;
    if (!r) {
      timeouts[step] = (timeouts[step] ?? 0) + 1;
      return null;
    }
    samples.push({ step, ms: r.at - started, at: r.at });
    return r;
  };

  let end = Number.POSITIVE_INFINITY;
  const resident = async (i: number) => {
    const user: FakeUser = {
      id: 700_000_000 + phase * 10_000 + i,
      first_name: `居民${phase}-${i}`,
      language_code: 'zh-hans',
    };
    const group = groups[i % groups.length]!;
    const text = (chatId: number, t: string) =>
      fake.makeTextMessageUpdate({
        chatId,
        ...(chatId === group.id
          ? { chatType: 'supergroup' as const, chatTitle: group.title }
          : { chatType: 'private' as const }),
        from: user,
        text: t,
      });
    const press = (r: Reply, label?: string) => () => {
      const buttons = (r.markup?.inline_keyboard ?? []).flat().filter((b) => b.callback_data);
      const b = (label ? buttons.find((x) => x.text === label) : undefined) ?? buttons[0];
      if (!b) throw new Error(`no button ${label ?? ''} on the bot's message`);
      return fake.makeCallbackQueryUpdate({
        chatId: user.id,
        from: user,
        data: b.callback_data!,
        messageId: r.messageId,
      });
    };
    while (performance.now() < end && !closed) {
      const offer = await step(
        'trigger',
        group.id,
        () => text(group.id, '/complaint'),
        (u) => u.message!.message_id,
      );
      if (!offer) continue;
      const link = offer.markup?.inline_keyboard
        ?.flat()
        .find((b) => b.url?.includes('?start='))
        ?.url?.split('?start=')[1];
      const category = await step('start', user.id, () => text(user.id, `/start ${link ?? 'complaint'}`));
      if (!category) continue;
      if (!(await step('category', user.id, press(category)))) continue;
      if (!(await step('description', user.id, () => text(user.id, '3号楼电梯停在5楼不动了，已经两天'))))
        continue;
      if (!(await step('location', user.id, () => text(user.id, '3栋2单元501')))) continue;
      const anonymous = await step('photo', user.id, () => text(user.id, '跳过'));
      if (!anonymous) continue;
      const confirm = await step('anonymous', user.id, press(anonymous, '否'));
      if (!confirm) continue;
      const done = await step('confirm', user.id, press(confirm, '是'));
      if (done && done.at <= end) complaints++;
    }
  };

  // measure: the bot's CPU and statements, its PostgreSQL backends' CPU, Redis, the fake's sends
  tg.sends = [];
  tg.unexpected = 0;
  fake.resetStats();
  fake.clearCalls();
  if (LIMITS === 'default' && record)
    await t.server.background({ groups: background, rate: BACKGROUND_RATE });
  const s0: ServerStats = await t.server.stats();
  const pg0 = cpuTicksOf('postgres');
  const redis0 = cpuTicksOf('redis-server');
  const t0 = performance.now();
  end = t0 + durationMs;
  const running = Promise.all(Array.from({ length: residents }, (_, i) => resident(i)));
  await sleep(durationMs);
  const s1 = await t.server.stats();
  const pgS = cpuSecondsSince(pg0, 'postgres', await pgPids(admin, t.database));
  const redisS = cpuSecondsSince(redis0, 'redis-server');
  const windowSends = tg.sends.filter((x) => x >= t0 && x <= end).length;
  const tooMany = fake.stats().tooManyRequests;
  if (LIMITS === 'default' && record) await t.server.background(null);
  // the steps under way may finish (their latency counts), then the phase is closed
  await Promise.race([running, sleep(GRACE_MS)]);
  const unanswered = pending;
  closed = true;
  for (const list of tg.waiters.values())
    for (const w of list.splice(0)) w.resolve({ at: 0, messageId: 0, markup: undefined });
  await running;
  // let whatever the bot still has queued go out before the next phase
  const d0 = performance.now();
  while (performance.now() - tg.lastSendAt < 2000 && performance.now() - d0 < DRAIN_MAX_MS) await sleep(250);
  const drainS = (performance.now() - d0) / 1000;

  const steps = samples.filter((s) => s.at >= t0 && s.at <= end).length;
  const before = new Map(s0.byText ?? []);
  const topStatements = (s1.byText ?? [])
    .map(([text, n]): [string, number] => [text, (n - (before.get(text) ?? 0)) / Math.max(1, steps)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15);
  const sortedAcks = Float64Array.from(acks).sort();
  const per = (x: number) => x / Math.max(1, steps);
  return {
    target: t.label,
    residents,
    groups: nGroups,
    seconds: durationMs / 1000,
    samples,
    steps,
    complaints,
    timeouts,
    unanswered,
    webhookErrors,
    webhookP99: percentile(sortedAcks, 99),
    cpuMsPerStep: per((s1.cpuUs - s0.cpuUs) / 1000),
    pgCpuMsPerStep: per(pgS * 1000),
    redisCpuMsPerStep: per(redisS * 1000),
    statementsPerStep: per(s1.statements - s0.statements),
    lagP99: s1.lagP99,
    deliveredPerSecond: windowSends / (durationMs / 1000),
    tooMany,
    unexpected: tg.unexpected,
    drainS,
    topStatements,
  };
}

/** The PostgreSQL processes that count as the bot's: its database's backends and the server's own. */
async function pgPids(admin: pg.Client | null, database: string | null): Promise<Set<string>> {
  if (!admin || !database) return new Set();
  const { rows } = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 OR datname IS NULL',
    [database],
  );
  return new Set(rows.map((r) => String(r.pid)));
}

// ---- report ------------------------------------------------------------------------------------

const KINDS: { label: string; steps: readonly Step[] }[] = [
  { label: 'trigger (group)', steps: ['trigger'] },
  { label: '/start (private)', steps: ['start'] },
  { label: 'answers', steps: ['category', 'description', 'location', 'photo', 'anonymous'] },
  { label: 'confirm', steps: ['confirm'] },
  { label: 'all', steps: STEPS },
];

function latency(samples: Sample[], steps: readonly Step[]) {
  const sorted = Float64Array.from(samples.filter((s) => steps.includes(s.step)).map((s) => s.ms)).sort();
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

function printPhase(r: PhaseResult): void {
  const timeouts = Object.entries(r.timeouts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(
    `\n${r.target}, ${r.residents} residents in ${r.groups} group(s), ${r.seconds} s: ${fmt(r.steps / r.seconds)} steps/s, ` +
      `${fmt(r.complaints / r.seconds, 2)} complaints/s; CPU ${fmt(r.cpuMsPerStep, 2)} ms/step bot + ${fmt(r.pgCpuMsPerStep, 2)} PostgreSQL + ${fmt(r.redisCpuMsPerStep, 2)} Redis; ` +
      `${fmt(r.statementsPerStep, 1)} SQL statements/step; loop lag p99 ${fmt(r.lagP99)} ms`,
  );
  console.log(
    `  sendMessage accepted ${fmt(r.deliveredPerSecond)}/s (all chats), 429 answered ${r.tooMany}; webhook non-200 ${r.webhookErrors}, answer p99 ${fmt(r.webhookP99)} ms; ` +
      `timeouts ${timeouts || '0'}; unanswered at close ${r.unanswered}; other bot messages ${r.unexpected}; drained in ${fmt(r.drainS)} s`,
  );
  console.log(
    `  ${'step'.padEnd(18)} ${'n'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}`,
  );
  for (const k of [
    ...STEPS.map((s) => ({ label: s, steps: [s] as readonly Step[] })),
    KINDS[KINDS.length - 1]!,
  ]) {
    const l = latency(r.samples, k.steps);
    console.log(
      `  ${k.label.padEnd(18)} ${String(l.n).padStart(6)} ${fmt(l.p50).padStart(8)} ${fmt(l.p99).padStart(8)} ${fmt(l.max).padStart(8)}`,
    );
  }
  if (r.topStatements.length) {
    console.log('  statements per step (most frequent first):');
    for (const [text, n] of r.topStatements) console.log(`    ${fmt(n, 2).padStart(5)}  ${text}`);
  }
}

function printFinal(rows: PhaseResult[]): void {
  const lat = (r: PhaseResult, steps: readonly Step[]) => {
    const l = latency(r.samples, steps);
    return `${fmt(l.p50, 0)} / ${fmt(l.p99, 0)} / ${fmt(l.max, 0)}`;
  };
  const extra = LIMITS === 'default';
  console.log(
    `\n| bot | residents / groups | steps/s | complaints/s | ${KINDS.map((k) => `${k.label} p50 / p99 / max ms`).join(' | ')} | CPU ms/step bot + PG + Redis | SQL/step | timeouts |${extra ? ' sends/s (of 30) | 429s |' : ''}`,
  );
  console.log(`|---|---|---|---|${KINDS.map(() => '---|').join('')}---|---|---|${extra ? '---|---|' : ''}`);
  for (const r of rows) {
    const timeouts = Object.values(r.timeouts).reduce((a, b) => a + (b ?? 0), 0);
    console.log(
      `| ${r.target} | ${r.residents} / ${r.groups} | ${fmt(r.steps / r.seconds)} | ${fmt(r.complaints / r.seconds, 2)} | ${KINDS.map((k) => lat(r, k.steps)).join(' | ')} | ${fmt(r.cpuMsPerStep, 2)} + ${fmt(r.pgCpuMsPerStep, 2)} + ${fmt(r.redisCpuMsPerStep, 2)} | ${fmt(r.statementsPerStep, 1)} | ${timeouts}${r.unanswered ? ` (+${r.unanswered} unanswered)` : ''} |${extra ? ` ${fmt(r.deliveredPerSecond)} | ${r.tooMany} |` : ''}`,
    );
  }
}

// ---- the bots under test -----------------------------------------------------------------------

async function startTarget(
  name: 'linli' | 'reference',
  fake: FakeTelegram,
  cleanups: (() => Promise<unknown>)[],
): Promise<Target> {
  const usePg = name === 'reference' || ENGINE === 'postgres';
  const database = usePg ? await createBenchDatabase() : null;
  if (database) cleanups.push(() => database.drop());
  const dataDir = mkdtempSync(join(tmpdir(), 'linli-bench-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  let redisUrl: string | undefined;
  if (name === 'linli' && ENGINE === 'postgres') {
    // the default key prefix `linli:`, in a Redis database of its own
    const redis = new URL(REDIS_URL);
    redis.pathname = `/${REDIS_DB}`;
    redisUrl = redis.toString();
    if ((await redisKeys(redisUrl, 'linli:*', false)) > 0)
      throw new Error(`Redis database ${REDIS_DB} already holds linli:* keys: pick another with --redis-db`);
    cleanups.push(() => redisKeys(redisUrl!, 'linli:*', true));
  }
  const file = name === 'linli' ? './conversation-linli.ts' : './reference-bot.ts';
  const server = await forkServer(new URL(file, import.meta.url));
  cleanups.push(() => server.exit());
  const ready = await server.start({
    apiRoot: fake.url,
    token: fake.token,
    secret: SECRET,
    ...(database ? { databaseUrl: database.url } : {}),
    ...(redisUrl ? { redisUrl } : {}),
    dataDir,
    limits: LIMITS,
    adminToken: ADMIN,
    webhookReply: name === 'reference' && REFERENCE_WEBHOOK_REPLY,
  });
  console.log(
    `${ready.description}${database ? ` (${database.name})` : ''}${redisUrl ? `, Redis ${redisUrl}` : ''}`,
  );
  if (name === 'linli' && HISTORY > 0) {
    if (!database) throw new Error('--history needs --engine postgres');
    const size = historyFor(HISTORY);
    const ms = await fillHistory(database.url, size);
    console.log(`  history: ${JSON.stringify(size)} written in ${fmt(ms / 1000)} s`);
  }

  let setup: Target['setup'] = async () => {};
  if (name === 'linli') {
    const api = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${ready.base}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = (await r.json()) as Record<string, unknown>;
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
      return json;
    };
    const community = ((await api('GET', '/orgs?kind=community')).items as { id: number }[])[0]!;
    // each group is a compound of its own (one residents' group, as most compounds have), made
    // for this phase: a complaint's public notice goes to its group only
    setup = async (phase, groups) => {
      const one = ONE_GROUP
        ? ((await api('POST', '/orgs', {
            kind: 'compound',
            name: `压测小区 ${phase}`,
            parentId: community.id,
          })) as {
            id: number;
          })
        : null;
      for (const [g, group] of groups.entries()) {
        const compound =
          one ??
          ((await api('POST', '/orgs', {
            kind: 'compound',
            name: `压测小区 ${phase}-${g}`,
            parentId: community.id,
          })) as {
            id: number;
          });
        await api('POST', `/orgs/${compound.id}/chats`, {
          channel: 'telegram',
          externalChatId: String(group.id),
          purpose: 'residents',
          title: group.title,
        });
      }
    };
  }
  return {
    name,
    label: name === 'linli' ? `Linli ${ENGINE}` : 'grammY reference',
    server,
    ready,
    database: database?.name ?? null,
    setup,
  };
}

async function main() {
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((err) => console.error('cleanup:', err));
  };
  process.once('SIGINT', () => {
    void cleanup().finally(() => process.exit(130));
  });
  console.log(
    `conversation: residents ${RESIDENTS.join(',')}${ONE_GROUP ? ' (all in one group)' : ' (a group each)'}, ${DURATION_MS / 1000} s per phase, ` +
      `Telegram limits ${LIMITS} (${JSON.stringify(TELEGRAM_LIMITS[LIMITS])})${LIMITS === 'default' ? `, background ${BACKGROUND_RATE} notices/s to ${BACKGROUND_GROUPS} other groups` : ''}, ` +
      `${THINK ? `residents answer after ${THINK.min / 1000}–${THINK.max / 1000} s, ` : ''}engine ${ENGINE}, node ${process.version}, ${cpus().length} cores, src at ${sourceRevision()}`,
  );
  const rows: PhaseResult[] = [];
  try {
    const fake = await startFakeTelegram({ token: '777000:bench-token' });
    cleanups.push(() => fake.close());
    const tg = new Telegram(fake);
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    cleanups.push(() => admin.end());
    for (const name of ['linli', 'reference'] as const) {
      if (ONLY && ONLY !== name) continue;
      const mark = cleanups.length;
      const t = await startTarget(name, fake, cleanups);
      fake.enforceRate(TELEGRAM_LIMITS[LIMITS]);
      // warm-up (JIT, pools, caches): a few residents for 3 s, not recorded
      const warm = await runPhase(tg, t, admin, Math.min(10, Math.max(...RESIDENTS)), 3000, false);
      console.log(`  warm-up: ${warm.steps} steps, ${warm.complaints} complaints`);
      for (const n of RESIDENTS) {
        const r = await runPhase(tg, t, admin, n, DURATION_MS, true);
        printPhase(r);
        rows.push(r);
      }
      // this bot's server, database, Redis keys and data dir go before the next starts
      for (const c of cleanups.splice(mark).reverse())
        await c().catch((err) => console.error('cleanup:', err));
    }
  } finally {
    await cleanup();
  }
  printFinal(rows);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
