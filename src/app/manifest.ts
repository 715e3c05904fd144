import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { ActionRegistry } from '../flows/actions.js';
import type { FlowDefinition } from '../flows/flow-schema.js';
import type { ChatHandler } from '../kernel/chat/handler.js';
import type { Db } from '../kernel/db/db.js';
import type { UnreachedHandler } from '../kernel/outbox/reach.js';
import type { QueueBackend } from '../kernel/queue/backend.js';
import type { PurgeTask } from '../kernel/queue/maintenance.js';
import type { Services } from './modules.js';

/** What a module's worker is given (roles `all` and `worker`). */
export interface WorkerDeps {
  db: Db;
  queues: QueueBackend;
  logger: Logger;
}

export interface Closable {
  close(): Promise<void>;
}

/**
 * A module as the app sees it: everything the runtime starts for it, read from one place
 * (`src/modules/<name>/manifest.ts`) and run in the order of MODULES. Its services are built in
 * `createServices` (src/app/modules.ts), where the modules that depend on each other meet.
 */
export interface LinliModule {
  name: string;
  /** its admin API routes, under /api/v1 */
  routes?(s: Services): FastifyPluginAsyncZod[];
  /** its chat handlers (buttons, commands), tried before the flow engine */
  chat?(s: Services, db: Db): ChatHandler[];
  /** its flow actions, registered with the flow engine (services built: required collaborators) */
  actions?(s: Services, registry: ActionRegistry): void;
  /** its built-in flows, published as global version 1 on first start */
  flows?: FlowDefinition[];
  /**
   * its worker: the queue workers and reconcile loop of its moments (roles all and worker),
   * started in MODULES order, closed in reverse
   */
  worker?(s: Services, deps: WorkerDeps): Promise<Closable>;
  /**
   * what it records when one of its messages reached nobody (kernel/outbox/reach.ts), by the kind
   * that starts the delivery's subject (`complaint` for `complaint:12:reporter`)
   */
  unreached?(s: Services): Record<string, UnreachedHandler>;
  /** its hourly purges (the maintenance worker) */
  purges?(s: Services): PurgeTask[];
}
