import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { seedBuiltinFlows } from '../../src/app/builtin-flows.js';
import { chatHandlers, createServices, type Services, unreachedHandler } from '../../src/app/modules.js';
import { DbChoiceMemory } from '../../src/channels/wechat/pending-choices.js';
import { WechatAdapter } from '../../src/channels/wechat/wechat-adapter.js';
import { createWechaty } from '../../src/channels/wechat/wechaty-factory.js';
import { FlowEngine } from '../../src/flows/flow-engine.js';
import { InboundDispatcher } from '../../src/kernel/chat/dispatcher.js';
import { handOn } from '../../src/kernel/chat/handler.js';
import type { InboundMessage } from '../../src/kernel/chat/port.js';
import { Outbox } from '../../src/kernel/outbox/outbox.js';
import { type OutboundWorker, startOutboundWorker } from '../../src/kernel/outbox/sender.js';
import { createQueueBackend, type QueueBackend } from '../../src/kernel/queue/backend.js';
import { type ContactMock, startWechatMock, type WechatMock } from '../fakes/wechat/harness.js';
import { type PuppetServiceFake, startPuppetServiceFake } from '../fakes/wechat/puppet-service-fake.js';
import { openTestDb, type TestDb } from './db.js';
import { MemoryQueues } from './memory-queues.js';
import { RecordingOutbox } from './recording-outbox.js';

/** A chat-button handler (VoteChatActions, PartyChatActions, …): true when it took the message. */
export interface WechatLinliOptions {
  /** seed the built-in flows and hand what no handler took to the flow engine (default true) */
  flows?: boolean;
  /** false: services without queues and outbox, so domain notifiers send nothing (default true) */
  notify?: boolean;
  /**
   * `puppet-service`: Linli reaches the mock over the real gRPC protocol, through
   * wechaty-puppet-service's PuppetServer on loopback (test/fakes/wechat/puppet-service-fake.ts),
   * with a Wechaty of its own built by `createWechaty` for every start, as a process would.
   * Default `mock`: the adapter sits on the harness's own Wechaty.
   */
  via?: 'mock' | 'puppet-service';
  /** puppet-service: start with the service down (`service.startServer()` brings it up) */
  serviceDown?: boolean;
}

export interface WechatLinli {
  /** a fresh migrated PGlite database */
  db: TestDb;
  /** the Wechaty mock (bot `邻里助手`) */
  mock: WechatMock;
  /** via puppet-service: the gRPC service in front of the mock */
  service: PuppetServiceFake | undefined;
  /** the current process's adapter */
  readonly adapter: WechatAdapter;
  logger: Logger;
  /** the current process's pieces (new ones after `restart()`) */
  readonly services: Services;
  readonly queues: QueueBackend;
  readonly outbox: Outbox;
  /** every message the dispatcher finished with, across restarts */
  handled: InboundMessage[];
  /** what the dispatcher threw (the adapter would only log it), across restarts */
  failures: unknown[];
  /**
   * `contact` adds the bot as a friend, the way a person does (a friend request the running adapter
   * accepts); resolves once they are friends. WeChat has no private chat with a stranger: call this
   * before `contact` writes to the bot privately or the bot writes to them.
   */
  addsBot(contact: ContactMock, hello?: string): Promise<void>;
  /** stops queues, outbox, services, adapter and worker and builds them again on the same db and mock */
  restart(): Promise<void>;
  /** stops everything and drops the database; safe to call twice */
  stop(): Promise<void>;
}

/**
 * What a process builds around one database for WeChat, on the Wechaty mock: queues on PostgreSQL
 * (PGlite), outbox, services, InboundDispatcher → handlers → FlowEngine, WechatAdapter with the DB
 * choice memory, and the outbound worker with pacing that never holds a test up. Call `stop()` in
 * afterEach.
 */
export async function startWechatLinli(opts: WechatLinliOptions = {}): Promise<WechatLinli> {
  const flows = opts.flows ?? true;
  const logger = pino({ level: 'silent' });
  const db = await openTestDb('pglite');
  let mock: WechatMock | undefined;
  let service: PuppetServiceFake | undefined;
  let dataDir: string | undefined;
  let running: {
    services: Services;
    queues: QueueBackend;
    outbox: Outbox;
    adapter: WechatAdapter;
    stop(): Promise<void>;
  } | null = null;
  const handled: InboundMessage[] = [];
  const failures: unknown[] = [];

  // friend requests accepted at once (production paces them seconds apart)
  const friendRequests = { intervalMs: 1, retryMs: 50 };
  const start = async () => {
    const queues = await createQueueBackend({ db });
    const outbox = new Outbox(db, queues, null);
    // notify: false: the modules' own notices are recorded, not sent (only the conversation is)
    const services = createServices(db, {
      queues: opts.notify === false ? new MemoryQueues() : queues,
      outbox: opts.notify === false ? new RecordingOutbox(db) : outbox,
    });
    // every module's handlers, in production's order (src/app/modules.ts)
    const handlers = chatHandlers(services, db);
    const engine = flows
      ? new FlowEngine({ db, actions: services.actions, lookups: services.lookups, queues, outbox, logger })
      : null;
    const dispatcher = new InboundDispatcher({
      db,
      chats: services.chats,
      speakers: services.speakers,
      outbox,
      logger,
      next: handOn(handlers, async (ctx) => engine?.handle(ctx)),
    });
    const choices = new DbChoiceMemory(db);
    const adapter = service
      ? new WechatAdapter({
          ...(await createWechaty({
            puppet: 'wechaty-puppet-service',
            service: service.settings,
            dataDir,
            logger,
          })),
          logger,
          choices,
          retry: { initialMs: 200, maxMs: 1000 },
          unavailableRetryMs: 300,
          friendRequests,
        })
      : new WechatAdapter({ wechaty: mock!.wechaty, logger, choices, friendRequests });
    let worker: OutboundWorker | undefined;
    const stop = async () => {
      // stops taking messages; the mock's wechaty keeps running, a puppet-service client detaches
      await adapter.stop();
      await worker?.close();
      await queues.close();
    };
    running = { services, queues, outbox, adapter, stop };
    worker = await startOutboundWorker({
      db,
      queues,
      outbox,
      adapter,
      limits: {
        telegram: { globalPerSecond: 1e6, groupPerMinute: 1e6, privatePerSecond: 1e6 },
        wechat: { chatIntervalMs: 1, dailyCap: 1e6 },
        wecomRobot: { perMinute: 20 },
      },
      logger,
      concurrency: 4,
      onUnreached: unreachedHandler(services),
    });
    await adapter.start(async (m) => {
      try {
        await dispatcher.handle(m);
      } catch (err) {
        failures.push(err);
        throw err;
      } finally {
        handled.push(m);
      }
    });
    return services;
  };
  const stopProcess = async () => {
    const r = running;
    running = null;
    await r?.stop();
  };
  let closed = false;
  const stop = async () => {
    await stopProcess();
    if (closed) return;
    closed = true;
    if (service) await service.close();
    else await mock?.stop();
    await db.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
  };

  try {
    if (opts.via === 'puppet-service') {
      service = await startPuppetServiceFake({ serve: !opts.serviceDown });
      mock = service.mock;
      dataDir = mkdtempSync(join(tmpdir(), 'linli-wechat-'));
    } else {
      mock = await startWechatMock({ botName: '邻里助手' });
    }
    const services = await start();
    if (flows) await seedBuiltinFlows(db, services.actions);
  } catch (err) {
    await stop();
    throw err;
  }
  const current = () => {
    if (!running) throw new Error('the WeChat stack is not running');
    return running;
  };
  return {
    db,
    mock: mock!,
    service,
    logger,
    get adapter() {
      return current().adapter;
    },
    get services() {
      return current().services;
    },
    get queues() {
      return current().queues;
    },
    get outbox() {
      return current().outbox;
    },
    handled,
    failures,
    async addsBot(contact, hello) {
      await mock!.requestFriendship(contact, hello);
      await mock!.waitForFriend(contact, 10_000);
    },
    async restart() {
      await stopProcess();
      await start();
    },
    stop,
  };
}
