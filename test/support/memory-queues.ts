import type { JobsOptions, Queue } from 'bullmq';
import type { QueueBackend } from '../../src/kernel/queue/backend.js';
import type { QueueName } from '../../src/kernel/queue/names.js';

/** A job as the in-memory scheduler keeps it. */
export interface MemoryJob {
  id: string;
  name: string;
  data: unknown;
  /** when it would wake a worker */
  at: number;
}

/**
 * An in-memory stand-in for the queue backend, for tests of services that schedule jobs but run
 * no worker: it keeps what was added (a known id is ignored, as BullMQ does), answers `exists`,
 * removes and forgets jobs; it runs nothing. Tests that need jobs to run use the real backend.
 */
export class MemoryQueues implements QueueBackend {
  readonly kind = 'postgres' as const;
  readonly jobs = new Map<string, Map<string, MemoryJob>>();

  private of(queue: string): Map<string, MemoryJob> {
    let q = this.jobs.get(queue);
    if (!q) {
      q = new Map();
      this.jobs.set(queue, q);
    }
    return q;
  }

  /** The jobs of a queue, in the order they were added. */
  list(queue: QueueName): MemoryJob[] {
    return [...this.of(queue).values()];
  }

  async add<D extends object>(
    queue: QueueName,
    name: string,
    data: D,
    opts: JobsOptions = {},
  ): Promise<void> {
    const id = opts.jobId ?? `${name}-${this.of(queue).size + 1}`;
    if (!this.of(queue).has(id))
      this.of(queue).set(id, { id, name, data, at: Date.now() + (opts.delay ?? 0) });
  }

  async addBulk<D extends object>(queue: QueueName, jobs: { name: string; data: D; opts?: JobsOptions }[]) {
    for (const j of jobs) await this.add(queue, j.name, j.data, j.opts);
  }

  async exists(queue: QueueName, jobIds: readonly string[]): Promise<boolean[]> {
    return jobIds.map((id) => this.of(queue).has(id));
  }

  queue(name: QueueName): Queue {
    const q = this.of(name);
    // the few Queue methods services and tests call
    return {
      remove: async (id: string) => (q.delete(id) ? 1 : 0),
      getJob: async (id: string) => q.get(id),
      obliterate: async () => void q.clear(),
    } as unknown as Queue;
  }

  worker(): never {
    throw new Error('MemoryQueues runs no workers: use createQueueBackend for a test that needs one');
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
