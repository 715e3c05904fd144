// Linli as the bot under test of bench/conversation.ts: a child process running `startLinli` from
// src/app/runtime.ts exactly as src/main.ts does (webhook mode against the fake Bot API, quiet hours
// off, the production logger writing to /dev/null), answering the parent over IPC
// (bench/conversation-server.ts). Not run by hand.
import { pino } from 'pino';
import { loadConfig } from '../src/app/config.js';
import { type Linli, startLinli } from '../src/app/runtime.js';
import { type Background, type ServerStart, serveOverIpc } from './conversation-server.js';
import { countStatements } from './support.js';

const byText = new Map<string, number>();
const statements = await countStatements(byText);
let linli: Linli | null = null;
let backgroundTimer: NodeJS.Timeout | undefined;
let noticeSeq = 0;

/** The logger Linli has in production (src/app/logger.ts's options), writing to /dev/null. */
const logger = pino(
  {
    level: 'info',
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

serveOverIpc({
  async start(o: ServerStart) {
    const { freePort } = await import('./support.js');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}),
      ...(o.redisUrl ? { REDIS_URL: o.redisUrl } : {}),
      DATA_DIR: o.dataDir,
      PORT: String(port),
      ADMIN_TOKEN: o.adminToken,
      SEED_DEMO: 'true',
      QUIET_HOURS: 'off',
      LOG_LEVEL: 'info',
      TELEGRAM_BOT_TOKEN: o.token,
      TELEGRAM_API_ROOT: o.apiRoot,
      TELEGRAM_WEBHOOK_SECRET: o.secret,
      PUBLIC_URL: base,
      // Linli's own pacing: raised to the fake's raised limits, or Telegram's defaults (30/s, 20/min, 1/s)
      ...(o.limits === 'raised'
        ? {
            TELEGRAM_GLOBAL_PER_SECOND: '1000',
            TELEGRAM_GROUP_PER_MINUTE: '1000',
            TELEGRAM_PRIVATE_PER_SECOND: '100',
          }
        : {}),
    });
    linli = await startLinli(config, logger);
    return {
      webhookUrl: `${base}/telegram/webhook`,
      base,
      description: `Linli on ${linli.db.engine}, queues on ${linli.queues.kind}`,
    };
  },
  statements,
  statementsByText() {
    const out = new Map<string, number>();
    for (const [text, n] of byText) {
      const label = text.replace(/\s+/g, ' ').trim().slice(0, 90);
      out.set(label, (out.get(label) ?? 0) + n);
    }
    return [...out];
  },
  background(b: Background) {
    clearInterval(backgroundTimer);
    backgroundTimer = undefined;
    if (!b || !linli) return;
    // notices to other groups through the Outbox, as a module's notification would be queued:
    // b.rate per second, a tenth of them every 100 ms, round robin over the groups
    const outbox = linli.outbox;
    let carry = 0;
    let busy = false;
    backgroundTimer = setInterval(() => {
      carry += b.rate / 10;
      if (busy) return;
      busy = true;
      void (async () => {
        try {
          while (carry >= 1) {
            carry--;
            const n = ++noticeSeq;
            const group = b.groups[n % b.groups.length]!;
            await outbox.enqueue({
              channel: 'telegram',
              idempotencyKey: `bench-notice-${process.pid}-${n}`,
              message: {
                chat: { externalId: String(group), kind: 'group' },
                text: `【通知 ${n}】明天 9:00–12:00 2 栋停水，请提前储水。`,
              },
            });
          }
        } catch (err) {
          console.error('background notice:', err);
        } finally {
          busy = false;
        }
      })();
    }, 100);
  },
  async stop() {
    clearInterval(backgroundTimer);
    await linli?.stop();
  },
});
