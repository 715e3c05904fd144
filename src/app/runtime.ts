import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { FlowEngine } from '../flows/flow-engine.js';
import { startFlowTimeoutWorker } from '../flows/timeouts.js';
import { TurnContexts } from '../flows/turn-context.js';
import { buildApp } from '../http/app.js';
import { buildHealthApp } from '../http/health-app.js';
import type { ReadinessCheck } from '../http/routes/health.js';
import { InboundDispatcher } from '../kernel/chat/dispatcher.js';
import { handOn } from '../kernel/chat/handler.js';
import { hasEmbeddedDb, openDb } from '../kernel/db/connect.js';
import type { Db } from '../kernel/db/db.js';
import { migrate } from '../kernel/db/migrate.js';
import { withStartupLock } from '../kernel/db/startup-lock.js';
import { metricsExposition } from '../kernel/metrics/exposition.js';
import { Outbox } from '../kernel/outbox/outbox.js';
import { parseQuietHours } from '../kernel/outbox/quiet-hours.js';
import { createQueueBackend, type QueueBackend } from '../kernel/queue/backend.js';
import { startMaintenanceWorker } from '../kernel/queue/maintenance.js';
import { seedDemoIfEmpty } from '../modules/demo/seed.js';
import { seedBuiltinFlows } from './builtin-flows.js';
import { type Channels, startChannels } from './channels.js';
import { type Config, chartRendererOf, mediaFetchersOf } from './config.js';
import type { Closable } from './manifest.js';
import { chatHandlers, createServices, MODULES, type Services } from './modules.js';

/**
 * Starts Linli for a process role: `all` (everything in one process, the default), `api`
 * (HTTP only) or `worker` (queue workers only). Returns a handle whose `stop()` closes HTTP,
 * then workers, then connections, as SIGTERM does.
 */
export interface Linli {
  config: Config;
  db: Db;
  queues: QueueBackend;
  services: Services;
  outbox: Outbox;
  channels: Channels;
  app: FastifyInstance | null;
  /** Where the generated admin token was written on first start, if it was. */
  adminTokenFile: string | null;
  stop(): Promise<void>;
}

export async function startLinli(config: Config, logger: Logger): Promise<Linli> {
  const startedAt = Date.now();
  const fresh = !config.databaseUrl && !hasEmbeddedDb(config.dataDir);
  // a newcomer's first start: say what the silent seconds are
  if (fresh)
    logger.info(
      { dataDir: resolve(config.dataDir) },
      'first start: creating the embedded database (a few seconds; once)',
    );
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  if (fresh) logger.info({ ms: Date.now() - startedAt }, 'embedded database created; setting it up');
  let queues: QueueBackend | null = null;
  let app: FastifyInstance | null = null;
  let channels: Channels | null = null;
  const workers: Closable[] = [];
  try {
    // Processes starting together on one database pass through migrations and the first-start
    // seeds one at a time: the next one finds the work done (src/kernel/db/startup-lock.ts).
    const startup = await withStartupLock(db, async () => {
      const { applied } = await migrate(db);
      if (applied.length)
        logger.info({ applied: applied.length, ms: Date.now() - startedAt }, 'database migrated');
      const q = await createQueueBackend({ db, redisUrl: config.redisUrl, prefix: config.redisPrefix });
      queues = q; // closed by the catch below should a later step fail
      const outbox = new Outbox(db, q, parseQuietHours(config.quietHours, config.tz));
      const services = createServices(db, {
        adminToken: config.adminToken,
        queues: q,
        outbox,
        media: mediaFetchersOf(config),
        chart: chartRendererOf(config, logger),
      });
      const adminTokenFile = await bootstrapAdminToken(config, services, logger);
      if (config.seedDemo && (await seedDemoIfEmpty(db, services)))
        logger.info('seeded the demo city (示范市)');
      const seeded = await seedBuiltinFlows(db, services.actions);
      if (seeded.length) logger.info({ flows: seeded }, 'published the built-in flows');
      return { queues: q, outbox, services, adminTokenFile };
    });
    queues = startup.queues;
    const { outbox, services, adminTokenFile } = startup;
    // the operator's holiday calendar in force in this process (every role), kept in step each minute
    await services.calendar.refresh();
    const calendar = services.calendar.start(logger);
    workers.push({ close: async () => calendar.stop() });

    const engine = new FlowEngine({
      db,
      actions: services.actions,
      lookups: services.lookups,
      queues,
      outbox,
      logger,
    });
    // every module's workers, and the kernel's (maintenance, conversation timeouts); closed in reverse
    if (config.role === 'all' || config.role === 'worker') {
      const deps = { db, queues, logger };
      workers.push(
        await startMaintenanceWorker(
          queues,
          MODULES.flatMap((m) => m.purges?.(services) ?? []),
          logger,
        ),
      );
      for (const m of MODULES) {
        const w = await m.worker?.(services, deps);
        if (w) workers.push(w);
      }
      workers.push(await startFlowTimeoutWorker(queues, engine, logger));
    }
    const turnContexts = new TurnContexts(db);
    const dispatcher = new InboundDispatcher({
      db,
      chats: services.chats,
      speakers: services.speakers,
      outbox,
      logger,
      // the chat, the writer and the flow engine's pre-check in one read, shared by concurrent messages
      lookup: (m) => turnContexts.load(m),
      // the modules' buttons and commands in MODULES order, then the flow engine
      next: handOn(chatHandlers(services, db), (ctx) => engine.handle(ctx)),
    });
    channels = await startChannels({ config, db, queues, services, outbox, dispatcher, logger });
    const q = queues;
    const wechat = channels.wechat;
    const readiness: ReadinessCheck[] = [
      { name: 'database', check: async () => void (await db.query('SELECT 1')) },
      { name: 'queue', check: () => q.ping() },
    ];
    // WeChat is what the `wechat` role is for (503 when it is down); in `all` it is one channel
    // among others: 200 with `degraded` (see ReadinessCheck.critical)
    if (wechat)
      readiness.push({ name: 'wechat', critical: config.role === 'wechat', check: () => wechat.ready() });
    // the Official Account's token: its sends wait (unavailable) while none can be had, which an
    // operator must fix (the AppSecret, the IP whitelist): said, without making the process unready
    const oaProblem = channels.wechatOaProblem;
    if (oaProblem)
      readiness.push({
        name: 'wechat_oa',
        warning: true,
        check: async () => {
          const p = oaProblem();
          if (p) throw new Error(p);
        },
      });
    readiness.push({
      name: 'calendar',
      warning: true,
      check: async () => {
        const year = services.calendar.needsNextYear();
        if (year)
          throw new Error(`the official holidays of ${year} are not known: PUT /api/v1/calendar/${year}`);
      },
    });
    const metrics = {
      exposition: metricsExposition({
        db,
        queues,
        unknownHolidayYear: () => services.calendar.needsNextYear(),
      }),
      token: config.metricsToken,
    };
    if (config.role === 'all' || config.role === 'api') {
      app = await buildApp({
        metrics,
        queueBoard: queues,
        services,
        logger,
        bodyLimitBytes: config.bodyLimitBytes,
        trustProxy: config.trustProxy,
        plugins: channels.httpPlugins,
        wechatConfigured: Boolean(config.wechaty.puppet),
        wechatStatus: wechat ? () => wechat.status() : undefined,
        wechatOa: channels.wechatOa,
        readiness,
      });
      await app.listen({ port: config.port, host: config.host });
    } else {
      // `worker` and `wechat`: health and metrics only, on the same PORT
      app = await buildHealthApp({ logger, readiness, metrics });
      await app.listen({ port: config.port, host: config.host });
    }
    const started = queues;
    const startedApp = app;
    const startedChannels = channels;
    let stopping: Promise<void> | null = null;
    return {
      config,
      db,
      queues: started,
      services,
      outbox,
      channels: startedChannels,
      app: startedApp,
      adminTokenFile,
      stop() {
        stopping ??= (async () => {
          await startedApp?.close();
          await startedChannels.close();
          for (const w of workers.reverse()) await w.close();
          await started.close();
          await db.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await app?.close().catch(() => {});
    await channels?.close().catch(() => {});
    for (const w of workers.reverse()) await w.close().catch(() => {});
    await queues?.close().catch(() => {});
    await db.close().catch(() => {});
    throw err;
  }
}

/**
 * With no ADMIN_TOKEN configured, the first start makes a superuser token and writes it to
 * `DATA_DIR/admin-token` (mode 600); only its hash is in the database.
 */
async function bootstrapAdminToken(config: Config, s: Services, logger: Logger): Promise<string | null> {
  if (config.adminToken) return null;
  const file = join(resolve(config.dataDir), 'admin-token');
  if (await s.tokens.hasSuperuser()) return existsSync(file) ? file : null;
  const token = await s.tokens.createSuperuser('first-run superuser');
  mkdirSync(resolve(config.dataDir), { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  logger.info({ file }, 'created a superuser token (no ADMIN_TOKEN set)');
  return file;
}
