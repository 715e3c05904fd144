import { setTimeout as sleep } from 'node:timers/promises';
import type { ChannelName, OutboundMessage } from '../chat/port.js';
import { Batcher } from '../db/batcher.js';
import type { Db, Queryable } from '../db/db.js';
import { isInTransaction } from '../db/db.js';
import { EnqueueInTransactionError, type QueueBackend } from '../queue/backend.js';
import { jobId, QueueName } from '../queue/names.js';
import { insertDelivery, type NewDelivery } from './delivery-repository.js';
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
  /**
   * For a private message: what to send instead when the platform refuses to reach the person
   * privately (never started the bot, blocked it, not a WeChat friend) — a message to their group
   * that @-mentions them, given only when the content may be seen by the group. Without one, a
   * refused message is recorded as unreachable.
   */
  fallback?: OutboundMessage;
  /** What the message is about (`<kind>:<id>:<audience>`), so that its module hears when it could
   *  not reach the person (`UnreachedHandler`). */
  subject?: string;
  /** The recipient must stay unnamed (an anonymous reporter): GET /deliveries withholds who and
   *  which chat from tokens below the community level. */
  discreet?: boolean;
}

export const queueOf = (channel: ChannelName) =>
  channel === 'telegram' ? QueueName.outboundTelegram : QueueName.outboundWechat;
export const deliveryJobId = (id: number) => jobId('delivery', id);

const RECONCILE_PAGE = 500;
const RECONCILE_PAUSE_MS = 20;

/** Retries for transient failures (5xx, network): 8 attempts, 1 s doubling to ~2 min. */
export const SEND_ATTEMPTS = 8;

/**
 * The only way Linli sends a message. The delivery row is written first (the source of
 * truth), then a job carrying its id is added to its channel's queue. A job lost between the
 * two (crash) or later (Redis loss) is re-created by `reconcile()`, which the worker runs at
 * start and every minute.
 */
/** What a transaction staged to send (`Outbox.stage`): run it after COMMIT. */
export type AfterCommit = () => Promise<void>;

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

  /**
   * The one way to notify from inside a transaction: writes the deliveries in it (so a message
   * exists exactly when the change does) and returns the step to run after COMMIT, which adds their
   * send jobs. A crash between the two loses nothing: the sender's reconciler adds the jobs of
   * queued deliveries that have none. A delivery whose key exists already is not sent again.
   */
  async stage(q: Queryable, reqs: readonly OutboundRequest[]): Promise<AfterCommit> {
    const written: { channel: ChannelName; id: number; notBefore: Date }[] = [];
    for (const req of reqs) {
      const d = await this.insert(q, req);
      if (d.created) written.push({ channel: req.channel, id: d.id, notBefore: d.notBefore });
    }
    return async () => {
      for (const d of written) await this.schedule(d.channel, d.id, d.notBefore);
    };
  }

  /** Inside a domain transaction: write the delivery now, call `schedule` after COMMIT (prefer `stage`). */
  insert(q: Queryable, req: OutboundRequest) {
    return insertDelivery(q, this.delivery(req));
  }

  /** The delivery row a request becomes (held until morning when it is not urgent, in quiet hours). */
  delivery(req: OutboundRequest): NewDelivery {
    const notBefore = req.urgent ? this.now() : releaseTime(this.now(), this.quietHours);
    return { ...req, notBefore };
  }

  /**
   * Adds the send job of a written delivery (after COMMIT). Concurrent calls go to the queue
   * together, in one round trip (`addBulk`).
   */
  async schedule(channel: ChannelName, deliveryId: number, notBefore: Date): Promise<void> {
    if (isInTransaction()) throw new EnqueueInTransactionError(queueOf(channel));
    await this.jobs[channel].load({ deliveryId, notBefore });
  }

  private readonly jobs = {
    telegram: this.jobBatcher('telegram'),
    wechat: this.jobBatcher('wechat'),
  };

  private jobBatcher(channel: ChannelName) {
    return new Batcher(async (items: { deliveryId: number; notBefore: Date }[]) => {
      const now = this.now().getTime();
      await this.queues.addBulk(
        queueOf(channel),
        items.map(({ deliveryId, notBefore }) => ({
          name: 'send',
          data: { deliveryId },
          opts: {
            jobId: deliveryJobId(deliveryId),
            delay: Math.max(0, notBefore.getTime() - now),
            attempts: SEND_ATTEMPTS,
            backoff: { type: 'exponential' as const, delay: 1000 },
            // removed when done, so the reconciler can tell a lost job from a finished one
            removeOnComplete: true,
            removeOnFail: true,
          },
        })),
      );
      return items.map(() => undefined);
    });
  }

  /** Re-creates the job of every queued delivery that has none (older than `graceMs`). */
  async reconcile(channel: ChannelName, graceMs = 30_000, pageSize = RECONCILE_PAGE): Promise<number> {
    let recreated = 0;
    // A page at a time, each page's jobs checked in one round trip: a backlog of tens of
    // thousands of paced messages costs a few round trips a minute, not one per message. The
    // cutoff is fixed when the pass starts, and a short page ends it: a moving cutoff had the pass
    // chase the rows coming of age while it ran, each page scanning every younger queued row.
    const { rows: at } = await this.db.query<{ cutoff: Date }>(
      'SELECT now() - make_interval(secs => $1) AS cutoff',
      [graceMs / 1000],
    );
    const cutoff = at[0]!.cutoff;
    for (let after = 0; ; ) {
      const { rows } = await this.db.query<{ id: number; not_before: Date }>(
        `SELECT id, not_before FROM linli.deliveries
         WHERE channel = $1 AND status = 'queued' AND created_at < $2 AND id > $3
         ORDER BY id LIMIT $4`,
        [channel, cutoff, after, pageSize],
      );
      if (rows.length === 0) return recreated;
      after = rows[rows.length - 1]!.id;
      const present = await this.queues.exists(
        queueOf(channel),
        rows.map((r) => deliveryJobId(r.id)),
      );
      const lost = rows.filter((_, i) => !present[i]);
      await Promise.all(lost.map((r) => this.schedule(channel, r.id, r.not_before)));
      recreated += lost.length;
      if (rows.length < pageSize) return recreated;
      // a breather between pages: back to back, 25 pages of a backlog took ~0.4 s of this process
      // in one go and held every inbound update behind them (bench/README.md, webhook intake)
      await sleep(RECONCILE_PAUSE_MS);
    }
  }
}
