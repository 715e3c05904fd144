// Load generator for bench/webhook-intake.ts, run as a child process (forked) so its CPU is not
// the server's event loop. Receives one `LoadPhase` per IPC message, answers with a `LoadResult`.
//
// Closed loop: `concurrency` connections each send the next request as soon as the previous one
// is answered (the highest rate the server sustains at that concurrency).
// Open loop: requests are due at `rate`/s whatever the server does; at most `concurrency`
// connections are in use, the rest wait in the client. Latency is measured from the moment a
// request was due (not when a connection became free), so queueing is not hidden.
import { Agent, request } from 'node:http';
import { percentile } from './support.js';

export interface LoadPhase {
  mode: 'closed' | 'open';
  url: string;
  secret: string;
  concurrency: number;
  durationMs: number;
  /** Open loop only: requests per second offered. */
  rate?: number;
  firstUpdateId: number;
  chats: number[];
  users: number;
  seed: number;
  /** `conversation`: each user first sends the trigger 记录, then every message answers the diary
   *  flow's question (a turn that advances a conversation); `chatter`: group talk no flow takes. */
  workload: 'conversation' | 'chatter';
}

/**
 * Users whose diary conversation was started, per target URL (kept across phases: this process
 * lives through all; the bare route comes first and must not count as having started Linli's).
 */
const startedAt = new Map<string, Set<number>>();

export interface LoadResult {
  sent: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  /** From the first request to the last answer, s. */
  elapsedS: number;
  throughput: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  clientCpuS: number;
  nextUpdateId: number;
}

const TEXTS = [
  '电梯又坏了',
  '楼下停车位被占了',
  '今晚几点停水？',
  '收到，谢谢',
  '有人捡到一把钥匙吗',
  '好的',
];

/** Deterministic PRNG (mulberry32) so two runs send the same sequence of users. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds webhook bodies: a text message from one of `users` users in that user's chat. */
function bodies(p: LoadPhase): () => string {
  const random = rng(p.seed);
  const started = startedAt.get(p.url) ?? new Set<number>();
  startedAt.set(p.url, started);
  const messageIds = new Map<number, number>();
  let updateId = p.firstUpdateId;
  const now = Math.floor(Date.now() / 1000);
  return () => {
    const user = Math.floor(random() * p.users);
    const chatId = p.chats[user % p.chats.length]!;
    const messageId = (messageIds.get(chatId) ?? 1000) + 1;
    messageIds.set(chatId, messageId);
    const startsNow = p.workload === 'conversation' && !started.has(user);
    const update = {
      update_id: updateId++,
      message: {
        message_id: messageId,
        from: { id: 8_000_000 + user, is_bot: false, first_name: `居民${user}`, language_code: 'zh-hans' },
        chat: { id: chatId, type: 'supergroup', title: `业主群 ${chatId}` },
        date: now,
        text:
          p.workload === 'chatter'
            ? TEXTS[messageId % TEXTS.length]
            : started.has(user)
              ? `第${messageId}条：${TEXTS[messageId % TEXTS.length]}`
              : '记录',
      },
    };
    if (startsNow) started.add(user);
    return JSON.stringify(update);
  };
}

export async function runPhase(p: LoadPhase): Promise<LoadResult> {
  const url = new URL(p.url);
  const agent = new Agent({ keepAlive: true, maxSockets: p.concurrency, maxFreeSockets: p.concurrency });
  const next = bodies(p);
  const latencies: number[] = [];
  const timeline: [number, number][] = [];
  const statuses: Record<string, number> = {};
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let lastDone = 0;
  const cpu0 = process.cpuUsage();

  const post = (body: string): Promise<number> =>
    new Promise((resolve) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-telegram-bot-api-secret-token': p.secret,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', () => resolve(-1));
        },
      );
      req.on('error', () => resolve(-1));
      req.end(body);
    });

  const record = (status: number, startedAt: number) => {
    const done = performance.now();
    lastDone = done;
    latencies.push(done - startedAt);
    timeline.push([startedAt - t0, done - startedAt]);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === 200) ok++;
    else errors++;
  };

  const t0 = performance.now();
  const end = t0 + p.durationMs;
  if (p.mode === 'closed') {
    await Promise.all(
      Array.from({ length: p.concurrency }, async () => {
        while (performance.now() < end) {
          const started = performance.now();
          sent++;
          record(await post(next()), started);
        }
      }),
    );
  } else {
    const rate = p.rate ?? 100;
    const total = Math.round((rate * p.durationMs) / 1000);
    const inflight = new Set<Promise<void>>();
    let issued = 0;
    while (issued < total) {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000) + 1);
      for (; issued < due; issued++) {
        const dueAt = t0 + (issued * 1000) / rate;
        sent++;
        const pr: Promise<void> = post(next()).then((s) => {
          record(s, dueAt);
          inflight.delete(pr);
        });
        inflight.add(pr);
      }
      const wait = t0 + (issued * 1000) / rate - performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(wait, 5))));
    }
    await Promise.all(inflight);
  }
  agent.destroy();
  if (process.env.BENCH_TIMELINE) {
    const buckets = new Map<number, number>();
    for (const [at, l] of timeline)
      buckets.set(Math.floor(at / 500), Math.max(buckets.get(Math.floor(at / 500)) ?? 0, l));
    console.error(
      new Date(Date.now() - (performance.now() - t0)).toISOString().slice(11, 19),
      [...buckets.entries()].map(([b, l]) => `${b / 2}s:${Math.round(l)}`).join(' '),
    );
  }
  const cpu = process.cpuUsage(cpu0);
  const sorted = Float64Array.from(latencies).sort();
  const elapsedS = (lastDone - t0) / 1000;
  return {
    sent,
    ok,
    errors,
    statuses,
    elapsedS,
    throughput: ok / elapsedS,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    clientCpuS: (cpu.user + cpu.system) / 1e6,
    nextUpdateId: p.firstUpdateId + sent,
  };
}

// Forked by webhook-intake.ts: serve phases over IPC until told to exit.
if (process.send && process.argv.includes('--load-client')) {
  process.on('message', (msg: { phase?: LoadPhase; exit?: boolean }) => {
    if (msg.exit) process.exit(0);
    if (!msg.phase) return;
    runPhase(msg.phase).then(
      (result) => process.send?.({ result }),
      (err: unknown) => process.send?.({ error: String(err) }),
    );
  });
  process.send({ ready: true });
}
