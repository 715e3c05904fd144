/**
 * Conversation steps per second through the flow engine on real PostgreSQL (queues on Redis),
 * and the queries each step costs. Run by hand: `npx tsx bench/flow-steps.ts [--people 50] [--rounds 4]`.
 *
 * Each "step" is one inbound message through the dispatcher and the engine: a resident's answer
 * in a bound residents' group, advancing their complaint conversation (category → description →
 * location → photo → anonymous → confirm → filed), with replies queued in the outbox. Senders are
 * driven concurrently, one message at a time per person, as the channel adapters do per chat.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { pino } from 'pino';
import { seedBuiltinFlows } from '../src/app/builtin-flows.js';
import { FlowEngine } from '../src/flows/flow-engine.js';
import { SYSTEM_ACTOR } from '../src/kernel/access/principal.js';
import { InboundDispatcher } from '../src/kernel/chat/dispatcher.js';
import type { InboundMessage } from '../src/kernel/chat/port.js';
import { openPostgres } from '../src/kernel/db/connect.js';
import { migrate } from '../src/kernel/db/migrate.js';
import { Outbox } from '../src/kernel/outbox/outbox.js';
import { createQueueBackend } from '../src/kernel/queue/backend.js';
import { seedCompoundChain } from '../test/support/org-chain.js';
import { quietServices } from '../test/support/services.js';

const { values } = parseArgs({
  options: { people: { type: 'string', default: '50' }, rounds: { type: 'string', default: '4' } },
});
const PEOPLE = Number(values.people);
const ROUNDS = Number(values.rounds);
const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ANSWERS = ['5', '3号电梯停在5楼不动了', '跳过', '跳过', '否', '是'];

/**
 * Counts every statement any pg client sends (pool queries and transactions alike), once each:
 * counting at `pg.Client.prototype.query` avoids counting a pool query twice.
 */
function countStatements(): () => number {
  let n = 0;
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: unknown, ...a: unknown[]) {
    n++;
    return query.apply(this, a);
  };
  return () => n;
}

async function main() {
  const name = `linli_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const raw = await openPostgres(url.toString(), 20);
  const prefix = `linli-bench-${randomBytes(3).toString('hex')}`;
  try {
    await migrate(raw);
    const queues = await createQueueBackend({ db: raw, redisUrl: REDIS_URL, prefix });
    const s = quietServices(raw);
    await seedBuiltinFlows(raw, s.actions);
    const compound = (await seedCompoundChain(s, '小区')).compound;
    await s.chats.bindDirect(SYSTEM_ACTOR, compound, {
      channel: 'telegram',
      externalChatId: '-1001',
      purpose: 'residents',
    });
    const db = raw;
    const count = countStatements();
    const outbox = new Outbox(db, queues, null);
    const engine = new FlowEngine({
      db,
      actions: s.actions,
      lookups: s.lookups,
      queues,
      outbox,
      logger: pino({ level: 'silent' }),
    });
    const dispatcher = new InboundDispatcher({
      db,
      chats: s.chats,
      speakers: s.speakers,
      outbox,
      logger: pino({ level: 'silent' }),
      next: async (ctx) => void (await engine.handle(ctx)),
    });
    let update = 0;
    const say = (person: number, text: string) => {
      const m: InboundMessage = {
        channel: 'telegram',
        updateId: String(++update),
        messageId: String(update),
        chat: { externalId: '-1001', kind: 'group' },
        sender: { externalId: String(10_000 + person), displayName: `居民${person}`, isBot: false },
        text,
        command: text === '/complaint' ? { name: 'complaint', args: '' } : undefined,
        addressedToBot: true,
        media: [],
        receivedAt: new Date(),
      };
      return dispatcher.handle(m);
    };
    // warm-up: everyone registered as a resident (first message) and one full round
    await Promise.all(Array.from({ length: PEOPLE }, (_, p) => say(p, '大家好')));
    const latencies: number[] = [];
    const q0 = count();
    const t0 = performance.now();
    for (let r = 0; r < ROUNDS; r++) {
      await Promise.all(
        Array.from({ length: PEOPLE }, async (_, p) => {
          for (const text of ['/complaint', ...ANSWERS]) {
            const t = performance.now();
            await say(p, text);
            latencies.push(performance.now() - t);
          }
        }),
      );
    }
    const seconds = (performance.now() - t0) / 1000;
    const steps = latencies.length;
    const queries = count() - q0;
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
    const { rows } = await raw.query<{ n: number }>('SELECT count(*) AS n FROM linli.complaints');
    console.log(
      JSON.stringify(
        {
          people: PEOPLE,
          rounds: ROUNDS,
          steps,
          seconds: Number(seconds.toFixed(2)),
          stepsPerSecond: Math.round(steps / seconds),
          queriesPerStep: Number((queries / steps).toFixed(1)),
          latencyMs: { p50: pct(50), p99: pct(99) },
          complaintsFiled: rows[0]?.n,
        },
        null,
        2,
      ),
    );
    await queues.queue('outbound-telegram').obliterate({ force: true });
    await queues.queue('flows').obliterate({ force: true });
    await queues.close();
  } finally {
    await raw.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
