import {
  createPostgresBackend,
  type FlowProducer,
  type JobsOptions,
  type Processor,
  Queue,
  type QueueBase,
  runMigrations,
  Worker,
  type WorkerOptions,
  withBackend,
} from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_SCHEMA } from '../db/connect.js';
import { type Db, isInTransaction } from '../db/db.js';
import type { QueueName } from './names.js';

/**
 * BullMQ on Redis (REDIS_URL set: production) or on BullMQ's PostgreSQL backend over the
 * app's own database (unset: the embedded default, also on real PostgreSQL).
 *
 * Contract:
 * - `add` refuses to run inside `db.transaction()`: on PGlite the queue shares the one
 *   session and would wait forever for the transaction that waits for it; on Redis the job
 *   would outlive a rollback. Write the row (the source of truth) first, add the job after
 *   COMMIT; reconcilers re-create any job lost between the two.
 * - `close()` closes workers first (letting running jobs finish), then queues, then the
 *   Redis connection. The database belongs to the caller.
 */
export interface QueueBackend {
  readonly kind: 'redis' | 'postgres';
  add<D extends object>(queue: QueueName, name: string, data: D, opts?: JobsOptions): Promise<void>;
  /** Several jobs in one round trip (same rules as `add`). */
  addBulk<D extends object>(
    queue: QueueName,
    jobs: { name: string; data: D; opts?: JobsOptions }[],
  ): Promise<void>;
  queue(name: QueueName): Queue;
  /**
   * Whether each job id has a job in the queue (waiting, delayed, active or kept), for
   * reconcilers: on Redis one pipelined EXISTS per id, one round trip for all.
   */
  exists(queue: QueueName, jobIds: readonly string[]): Promise<boolean[]>;
  worker<D = unknown>(name: QueueName, processor: Processor<D>, opts?: Partial<WorkerOptions>): Worker<D>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class EnqueueInTransactionError extends Error {
  constructor(queue: string) {
    super(`Job for queue ${queue} added inside a database transaction: add it after COMMIT.`);
  }
}

export interface QueueBackendOptions {
  redisUrl?: string;
  /** Namespaces Redis keys, so tests and deployments can share one Redis. */
  prefix?: string;
  db: Db;
}

export async function createQueueBackend(opts: QueueBackendOptions): Promise<QueueBackend> {
  return opts.redisUrl ? createRedisBackend(opts.redisUrl, opts.prefix ?? 'linli') : createPgBackend(opts.db);
}

async function createRedisBackend(url: string, prefix: string): Promise<QueueBackend> {
  const connection = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  connection.on('error', () => {
    // ioredis reconnects by itself; /readyz reports the outage.
  });
  await connection.connect();
  return new Backend(
    'redis',
    (name) => new Queue(name, { connection, prefix }),
    (name, processor, wopts) => new Worker(name, processor, { connection, prefix, ...wopts }),
    async () => {
      await connection.ping();
    },
    async () => {
      await connection.quit().catch(() => connection.disconnect());
    },
    async (q, ids) => {
      if (ids.length === 0) return [];
      const pipe = connection.pipeline();
      for (const id of ids) pipe.exists(q.toKey(id));
      const results = (await pipe.exec()) ?? [];
      return ids.map((_, i) => {
        const [err, n] = results[i] ?? [new Error('no reply')];
        if (err) throw err;
        return n === 1;
      });
    },
  );
}

async function createPgBackend(db: Db): Promise<QueueBackend> {
  const pg = withBackend(createPostgresBackend);
  const client = await db.pool.connect();
  try {
    await runMigrations(client, QUEUE_SCHEMA);
  } finally {
    client.release();
  }
  // Several jobs go in through the flow producer: BullMQ's PostgreSQL `Queue.addBulk` of
  // independent jobs (`add_jobs_bulk`) creates two temporary tables a call (catalog rows, and on
  // PGlite files made and unlinked), which for the few jobs a change adds costs far more than
  // `add_flow`'s one statement inserting them row by row (same rules: an existing id is skipped).
  let flows: FlowProducer | null = null;
  const flowProducer = () => {
    if (!flows) {
      flows = new pg.FlowProducer({ connection: db.pool }) as unknown as FlowProducer;
      flows.on('error', () => {});
    }
    return flows;
  };
  return new Backend(
    'postgres',
    (name) => new pg.Queue(name, { connection: db.pool }) as unknown as Queue,
    (name, processor, wopts) =>
      new pg.Worker(name, processor as Processor, {
        ...(wopts as Omit<WorkerOptions, 'connection'>),
        connection: db.pool,
      }) as unknown as Worker,
    async () => {
      await db.pool.query(`SELECT 1 FROM ${QUEUE_SCHEMA}.migration LIMIT 1`);
    },
    async () => {
      await flows?.close();
    },
    async (q, ids) => Promise.all(ids.map(async (id) => (await q.getJob(id)) !== undefined)),
    async (queue, jobs) => {
      await flowProducer().addBulk(jobs.map((j) => ({ ...j, queueName: queue })));
    },
  );
}

class Backend implements QueueBackend {
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private closing: Promise<void> | null = null;

  constructor(
    readonly kind: 'redis' | 'postgres',
    private readonly makeQueue: (name: string) => Queue,
    private readonly makeWorker: (name: string, p: Processor, o: Partial<WorkerOptions>) => Worker,
    readonly ping: () => Promise<void>,
    private readonly closeConnection: () => Promise<void>,
    private readonly jobsExist: (q: Queue, ids: readonly string[]) => Promise<boolean[]>,
    /** how several jobs go in at once, when not through `Queue.addBulk` */
    private readonly addMany?: (
      queue: QueueName,
      jobs: { name: string; data: object; opts: JobsOptions }[],
    ) => Promise<void>,
  ) {}

  exists(queue: QueueName, jobIds: readonly string[]): Promise<boolean[]> {
    return this.jobsExist(this.queue(queue), jobIds);
  }

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = this.makeQueue(name);
      q.on('error', () => {});
      this.queues.set(name, q);
    }
    return q;
  }

  async add<D extends object>(queue: QueueName, name: string, data: D, opts?: JobsOptions): Promise<void> {
    if (isInTransaction()) throw new EnqueueInTransactionError(queue);
    await this.queue(queue).add(name, data, { removeOnComplete: 1000, removeOnFail: 5000, ...opts });
  }

  async addBulk<D extends object>(
    queue: QueueName,
    jobs: { name: string; data: D; opts?: JobsOptions }[],
  ): Promise<void> {
    if (isInTransaction()) throw new EnqueueInTransactionError(queue);
    if (jobs.length === 0) return;
    const withDefaults = jobs.map((j) => ({
      name: j.name,
      data: j.data,
      opts: { removeOnComplete: 1000, removeOnFail: 5000, ...j.opts },
    }));
    if (this.addMany) await this.addMany(queue, withDefaults);
    else await this.queue(queue).addBulk(withDefaults);
  }

  worker<D>(name: QueueName, processor: Processor<D>, opts: Partial<WorkerOptions> = {}): Worker<D> {
    const w = this.makeWorker(name, processor as Processor, opts);
    w.on('error', () => {});
    this.workers.push(w);
    return w as unknown as Worker<D>;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled(this.workers.map((w) => w.close()));
      await Promise.allSettled([...this.queues.values()].map((q: QueueBase) => q.close()));
      await this.closeConnection();
    })();
    return this.closing;
  }
}
