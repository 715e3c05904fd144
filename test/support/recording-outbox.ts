import type { Db, Queryable } from '../../src/kernel/db/db.js';
import { type OutboundRequest, Outbox } from '../../src/kernel/outbox/outbox.js';
import { MemoryQueues } from './memory-queues.js';

/**
 * An outbox that writes and sends nothing: it keeps the requests it is given, so a test can say
 * what would have been sent. For tests of services whose notifications are not their subject
 * (services take their outbox as a required collaborator).
 */
export class RecordingOutbox extends Outbox {
  readonly requests: OutboundRequest[] = [];
  private next = 0;

  constructor(db: Db) {
    super(db, new MemoryQueues(), null);
  }

  override async enqueue(req: OutboundRequest): Promise<{ deliveryId: number; created: boolean }> {
    this.requests.push(req);
    return { deliveryId: --this.next, created: true };
  }

  override async insert(_q: Queryable, req: OutboundRequest) {
    this.requests.push(req);
    return { id: --this.next, created: true, notBefore: new Date() };
  }

  override async schedule(): Promise<void> {}

  /** The texts of what would have been sent, in order. */
  texts(): string[] {
    return this.requests.map((r) => r.message.text);
  }
}
