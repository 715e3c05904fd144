// Notification fan-out: N notifications to N distinct private chats through Linli's Outbox and
// Telegram outbound worker (BullMQ on Redis, deliveries in PostgreSQL) to the fake Bot API
// enforcing Telegram's 30 sends/s (429 + retry_after beyond it). Run by hand:
//
//   npx tsx bench/fanout.ts [--count 10000] [--telegram-limit 30] [--enqueue-concurrency 8]
//     [--dump attempts.json] [--what-if-spacing-ms 34]
//
// Pacing comes from the same configuration Linli reads (TELEGRAM_GLOBAL_PER_SECOND etc., default
// DEFAULT_PACING: 30/s); the worker is wired as src/app/channels.ts wires it. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { loadConfig } from '../src/app/config.js';
import { TelegramAdapter } from '../src/channels/telegram/telegram-adapter.js';
import { ChannelSendError, type OutboundMessage, type SendResult } from '../src/kernel/chat/port.js';
import { openDb } from '../src/kernel/db/connect.js';
import { migrate } from '../src/kernel/db/migrate.js';
import { Outbox } from '../src/kernel/outbox/outbox.js';
import { parseQuietHours } from '../src/kernel/outbox/quiet-hours.js';
import { startOutboundWorker } from '../src/kernel/outbox/sender.js';
import { createQueueBackend } from '../src/kernel/queue/backend.js';
import { startFakeTelegram } from '../test/fakes/telegram/index.js';
import {
  createBenchDatabase,
  flags,
  fmt,
  numberFlag,
  percentile,
  REDIS_URL,
  redisKeys,
  sleep,
  sourceRevision,
} from './support.js';

const f = flags();
const COUNT = numberFlag(f, 'count', 10_000);
const TELEGRAM_LIMIT = numberFlag(f, 'telegram-limit', 30);
const ENQUEUE_CONCURRENCY = numberFlag(f, 'enqueue-concurrency', 8);
/**
 * What-if (not Linli's behaviour): replace the worker's limiter {max: N, duration: 1000} by an even
 * spacing {max: 1, duration: ms}, to see what smoother pacing would achieve.
 */
const SMOOTH_MS = f.has('what-if-spacing-ms') ? numberFlag(f, 'what-if-spacing-ms', 35) : undefined;
/** Writes every send attempt (Linli's view) and every sendMessage call (the fake's) as JSON. */
const DUMP = f.get('dump');
const FIRST_CHAT = 600_000_000;
/** Give up when nothing was sent for this long. */
const STALL_MS = 90_000;

interface Attempt {
  chat: string;
  start: number;
  end: number;
  outcome: 'sent' | ChannelSendError['kind'];
  retryAfterMs?: number;
}

async function main() {
  // the same settings Linli reads (TELEGRAM_GLOBAL_PER_SECOND, ...), defaults = DEFAULT_PACING
  const config = loadConfig({
    TELEGRAM_GLOBAL_PER_SECOND: process.env.TELEGRAM_GLOBAL_PER_SECOND,
    TELEGRAM_GROUP_PER_MINUTE: process.env.TELEGRAM_GROUP_PER_MINUTE,
    TELEGRAM_PRIVATE_PER_SECOND: process.env.TELEGRAM_PRIVATE_PER_SECOND,
  });
  const limits = config.pacing;
  const logger = pino({ level: 'info', base: { service: 'linli' } }, pino.destination('/dev/null'));
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((err) => console.error('cleanup:', err));
  };
  process.once('SIGINT', () => {
    void cleanup().finally(() => process.exit(130));
  });

  try {
    const database = await createBenchDatabase();
    cleanups.push(() => database.drop());
    const db = await openDb({ databaseUrl: database.url });
    cleanups.push(() => db.close());
    await migrate(db);
    const prefix = `linli-bench-${randomBytes(4).toString('hex')}`;
    cleanups.push(() => redisKeys(REDIS_URL, `${prefix}:*`, true));
    const queues = await createQueueBackend({ db, redisUrl: REDIS_URL, prefix });
    if (SMOOTH_MS !== undefined) {
      const worker = queues.worker.bind(queues);
      queues.worker = (name, processor, opts) =>
        worker(name, processor, { ...opts, limiter: { max: 1, duration: SMOOTH_MS } });
      console.log(`WHAT-IF: worker limiter replaced by {max: 1, duration: ${SMOOTH_MS}} (not Linli's code)`);
    }
    cleanups.push(() => queues.close());

    const fake = await startFakeTelegram({ token: '777001:bench-fanout' });
    cleanups.push(() => fake.close());
    fake.enforceRate({ globalPerSecond: TELEGRAM_LIMIT, perChatPerSecond: 1 });
    // every recipient has opened their private chat with the bot (Telegram refuses the others with
    // 403, and the fake does too since it learnt to: without this nothing was sent at all)
    for (let i = 0; i < COUNT; i++) fake.startPrivateChat(FIRST_CHAT + i);

    const adapter = new TelegramAdapter({
      token: fake.token,
      apiRoot: fake.url,
      botInfo: fake.botInfo,
      logger,
    });
    // every send attempt as Linli sees it: when it started, when its answer came back, what it was
    const attempts: Attempt[] = [];
    const send = adapter.send.bind(adapter);
    adapter.send = async (message: OutboundMessage): Promise<SendResult> => {
      const a: Attempt = { chat: message.chat.externalId, start: Date.now(), end: 0, outcome: 'sent' };
      attempts.push(a);
      try {
        return await send(message);
      } catch (err) {
        if (err instanceof ChannelSendError) {
          a.outcome = err.kind;
          if (err.retryAfterMs !== undefined) a.retryAfterMs = err.retryAfterMs;
        } else a.outcome = 'permanent';
        throw err;
      } finally {
        a.end = Date.now();
      }
    };

    const outbox = new Outbox(db, queues, parseQuietHours('off', config.tz));
    const worker = await startOutboundWorker({ db, queues, outbox, adapter, limits, logger });
    cleanups.push(() => worker.close());
    console.log(
      `fan-out: ${COUNT} notifications to ${COUNT} private chats; Linli paces at ${limits.telegram.globalPerSecond}/s ` +
        `(BullMQ limiter), the fake Bot API answers 429 beyond ${TELEGRAM_LIMIT}/s; ${database.name}, Redis prefix ${prefix}; src at ${sourceRevision()}`,
    );

    // enqueue everything as a broadcast would, while the worker already runs
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: ENQUEUE_CONCURRENCY }, async () => {
        while (next < COUNT) {
          const i = next++;
          await outbox.enqueue({
            channel: 'telegram',
            idempotencyKey: `bench-fanout-${prefix}-${i}`,
            message: {
              chat: { externalId: String(FIRST_CHAT + i), kind: 'private' },
              text: `停水通知 #${i}：明天 9:00–12:00 小区停水，请提前储水。`,
            },
          });
        }
      }),
    );
    const enqueuedMs = Date.now() - t0;
    console.log(
      `enqueued ${COUNT} in ${fmt(enqueuedMs / 1000)} s (${fmt((COUNT * 1000) / enqueuedMs, 0)}/s); sending...`,
    );

    // wait until every chat got its message, or nothing moves any more
    let lastAccepted = -1;
    let lastProgress = Date.now();
    let lastReport = Date.now();
    let reportedAccepted = 0;
    for (;;) {
      const s = fake.stats();
      if (s.acceptedSends !== lastAccepted) {
        lastAccepted = s.acceptedSends;
        lastProgress = Date.now();
      }
      if (s.acceptedSends >= COUNT) break;
      if (Date.now() - lastProgress > STALL_MS) {
        console.log(`no send for ${STALL_MS / 1000} s: giving up`);
        break;
      }
      if (Date.now() - lastReport >= 30_000) {
        const rate = ((s.acceptedSends - reportedAccepted) * 1000) / (Date.now() - lastReport);
        console.log(
          `  ${fmt((Date.now() - t0) / 1000, 0)} s: ${s.acceptedSends} sent (${fmt(rate)}/s over the last 30 s), ${s.tooManyRequests} × 429`,
        );
        reportedAccepted = s.acceptedSends;
        lastReport = Date.now();
      }
      await sleep(250);
    }
    await sleep(5000); // a late duplicate would show up here
    await worker.close();

    report({ t0, enqueuedMs, fake, attempts });
    if (DUMP) {
      const calls = fake.callsOf('sendMessage').map((c) => ({
        chat: String(c.params.chat_id),
        at: c.at.getTime() - t0,
        status: c.status,
      }));
      const mine = attempts.map((a) => ({ ...a, start: a.start - t0, end: a.end - t0 }));
      writeFileSync(DUMP, JSON.stringify({ attempts: mine, calls }));
      console.log(`attempts and calls written to ${DUMP} (ms since the first enqueue)`);
    }
    const { rows } = await db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM linli.deliveries GROUP BY status ORDER BY status',
    );
    console.log(`deliveries by status: ${rows.map((r) => `${r.status} ${r.n}`).join(', ')}`);
  } finally {
    await cleanup();
  }
  process.exit(0);
}

function report(o: {
  t0: number;
  enqueuedMs: number;
  fake: Awaited<ReturnType<typeof startFakeTelegram>>;
  attempts: Attempt[];
}) {
  const { fake, attempts, t0 } = o;
  const stats = fake.stats();
  const calls = fake.callsOf('sendMessage').filter((c) => c.status !== undefined);
  const accepted = calls.filter((c) => c.status === 200);
  const times = accepted.map((c) => c.at.getTime());
  const first = Math.min(...times);
  const last = Math.max(...times);
  const steadyRate = ((accepted.length - 1) * 1000) / Math.max(1, last - first);
  const overallRate = (accepted.length * 1000) / Math.max(1, last - t0);

  // sends per whole second, from the first to the last accepted send
  const buckets = new Array<number>(Math.floor((last - first) / 1000) + 1).fill(0);
  for (const t of times) buckets[Math.floor((t - first) / 1000)]!++;
  const full = buckets.slice(0, -1); // the last second is partial
  const sorted = Float64Array.from(full).sort();

  // Telegram's view (the fake's clock): a send to a chat before the retry_after its 429 gave
  const until = new Map<string, number>();
  let earlyPerChat = 0;
  for (const c of calls) {
    const chat = String(c.params.chat_id);
    const t = c.at.getTime();
    if ((until.get(chat) ?? 0) > t) earlyPerChat++;
    if (c.status === 429) {
      const retry = (c.response as { parameters?: { retry_after?: number } }).parameters?.retry_after ?? 1;
      until.set(chat, Math.max(until.get(chat) ?? 0, t + retry * 1000));
    }
  }
  // Linli's view: a send started (to any chat) after Linli saw a 429 and before its retry_after ran out
  const pauses = attempts
    .filter((a) => a.outcome === 'rate_limited')
    .map((a) => ({ from: a.end, to: a.end + (a.retryAfterMs ?? 1000) }));
  const inPause = attempts
    .map((a) => ({ a, p: pauses.find((p) => a.start > p.from && a.start < p.to) }))
    .filter((x) => x.p !== undefined);
  const pauseOffsets = Float64Array.from(inPause.map((x) => x.a.start - x.p!.from)).sort();
  const inPauseLimited = inPause.filter((x) => x.a.outcome === 'rate_limited').length;
  const sentChats = new Set(accepted.map((c) => String(c.params.chat_id)));
  const lost = COUNT - [...Array(COUNT).keys()].filter((i) => sentChats.has(String(FIRST_CHAT + i))).length;

  console.log(`\nresults (${COUNT} notifications):`);
  console.log(`  accepted sends           ${stats.acceptedSends} (send attempts ${calls.length})`);
  console.log(
    `  send rate                ${fmt(steadyRate, 2)}/s from first to last send = ${fmt((100 * steadyRate) / TELEGRAM_LIMIT)}% of ${TELEGRAM_LIMIT}/s`,
  );
  console.log(
    `  overall                  ${fmt(overallRate, 2)}/s from the first enqueue (${fmt((last - t0) / 1000)} s in all, enqueue took ${fmt(o.enqueuedMs / 1000)} s)`,
  );
  console.log(
    `  sends per second         median ${percentile(sorted, 50)}, p10 ${percentile(sorted, 10)}, min ${sorted[0] ?? '-'}, max ${sorted[sorted.length - 1] ?? '-'} over ${full.length} whole seconds; peak in any sliding 1 s ${stats.peakSendsPerSecond}`,
  );
  console.log(
    `  429 answered             ${stats.tooManyRequests} (by rate enforcement ${stats.rateLimited}); channel pauses seen by Linli ${pauses.length}`,
  );
  console.log(`  early resends (per chat) ${earlyPerChat}`);
  console.log(
    `  sends during a known pause (any chat) ${inPause.length}: started ${fmt(percentile(pauseOffsets, 50), 0)} ms (median), ${fmt(percentile(pauseOffsets, 90), 0)} ms (p90), ${fmt(pauseOffsets[pauseOffsets.length - 1] ?? Number.NaN, 0)} ms (max) after Linli saw the 429; ${inPauseLimited} of them got a 429 themselves`,
  );
  console.log(`  duplicates               ${stats.duplicates}`);
  console.log(`  lost                     ${lost}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
