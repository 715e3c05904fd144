import type { Db, Queryable } from '../../db/db.js';
import type { QueueBackend } from '../../queue/backend.js';
import { jobId, QueueName } from '../../queue/names.js';
import type { ChannelName, OutboundMessage } from '../port.js';
import { insertDelivery } from './delivery-repository.js';
import { type QuietHours, releaseTime } from './quiet-hours.js';

export interface OutboundRequest {
  channel: ChannelName;
  message: OutboundMessage;
  /** Same key, same message: a second enqueue is a no-op (retries, duplicate triggers). */
  idempotencyKey: string;
  /** Urgent messages ignore quiet hours (an escalation reaching a handler). */
  urgent?: boolean;
  orgId?: number | null;
  personId?: number | null;
}

export const queueOf = (channel: ChannelName) =>
  channel === 'telegram' ? QueueName.outboundTelegram : QueueName.outboundWechat;
export const deliveryJobId = (id: number) => jobId('delivery', id);

/** Retries for transient failures (5xx, network): 8 attempts, 1 s doubling to ~2 min. */
export const SEND_ATTEMPTS = 8;

/**
 * The only way Linli sends a message. The delivery row is written first (the source of
 * truth), then a job carrying its id is added to its channel's queue. A job lost between the
 * two (crash) or later (Redis loss) is re-created by `reconcile()`, which the worker runs at
 * start and every minute.
 */
export class Outbox {
  constructor(
    private readonly db: Db,
    private readonly queues: QueueBackend,
    private readonly quietHours: QuietHours | null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async enqueue(req: OutboundRequest): Promise<{ deliveryId: number; created: boolean }> {
    const d = await this.insert(this.db, req);
    if (d.created) await this.schedule(req.channel, d.id, d.notBefore);
    return { deliveryId: d.id, created: d.created };
  }

  /** Inside a domain transaction: write the delivery now, call `schedule` after COMMIT. */
  insert(q: Queryable, req: OutboundRequest) {
    const notBefore = req.urgent ? this.now() : releaseTime(this.now(), this.quietHours);
    return insertDelivery(q, { ...req, notBefore });
  }

  async schedule(channel: ChannelName, deliveryId: number, notBefore: Date): Promise<void> {
    await this.queues.add(
      queueOf(channel),
      'send',
      { deliveryId },
      {
        jobId: deliveryJobId(deliveryId),
        delay: Math.max(0, notBefore.getTime() - this.now().getTime()),
        attempts: SEND_ATTEMPTS,
        backoff: { type: 'exponential', delay: 1000 },
        // removed when done, so the reconciler can tell a lost job from a finished one
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  /** Re-creates the job of every queued delivery that has none (older than `graceMs`). */
  async reconcile(channel: ChannelName, graceMs = 30_000): Promise<number> {
    const { rows } = await this.db.query<{ id: number; not_before: Date }>(
      `SELECT id, not_before FROM linli.deliveries
       WHERE channel = $1 AND status = 'queued' AND created_at < now() - make_interval(secs => $2) ORDER BY id`,
      [channel, graceMs / 1000],
    );
    const queue = this.queues.queue(queueOf(channel));
    let recreated = 0;
    for (const r of rows) {
      if (await queue.getJob(deliveryJobId(r.id))) continue;
      await this.schedule(channel, r.id, r.not_before);
      recreated++;
    }
    return recreated;
  }
}
