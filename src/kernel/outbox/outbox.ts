import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatRef, DeliveryChannel, OutboundMessage } from '../chat/port.js';
import { Batcher } from '../db/batcher.js';
import type { Db, Queryable } from '../db/db.js';
import { isInTransaction } from '../db/db.js';
import { EnqueueInTransactionError, type QueueBackend } from '../queue/backend.js';
import { jobId, QueueName } from '../queue/names.js';
import { insertDelivery, type NewDelivery } from './delivery-repository.js';
import type { ExpressSend } from './express.js';
import { type QuietHours, releaseTime } from './quiet-hours.js';

export interface OutboundRequest {
  channel: DeliveryChannel;
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
  /**
   * A reply to the person who just wrote (they are waiting): sent at once after COMMIT by this
   * process when it sends for the channel (express.ts), the queue being the way when that cannot be.
   */
  express?: boolean;
}

/** What `schedule` needs to send a written delivery. */
export interface ScheduledDelivery {
  id: number;
  notBefore: Date;
  /** set for a reply to someone waiting (`OutboundRequest.express`): who it goes to */
  express?: ChatRef;
  /** a reply, though not to be sent at once (the reconciler's): its job goes before notices' */
  reply?: boolean;
}

/** The BullMQ priority of a notice's send job (replies' jobs have none, so they come first). */
export const NOTICE_PRIORITY = 10;

export const queueOf = (channel: DeliveryChannel) =>
  ({
    telegram: QueueName.outboundTelegram,
    wechat: QueueName.outboundWechat,
    wechat_oa: QueueName.outboundWechatOa,
    wecom_robot: QueueName.outboundWecomRobot,
  })[channel];
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
    if (d.created) await this.schedule(req.channel, scheduled(req, d));
    return { deliveryId: d.id, created: d.created };
  }

  /**
   * The one way to notify from inside a transaction: writes the deliveries in it (so a message
   * exists exactly when the change does) and returns the step to run after COMMIT, which adds their
   * send jobs. A crash between the two loses nothing: the sender's reconciler adds the jobs of
   * queued deliveries that have none. A delivery whose key exists already is not sent again.
   */
  async stage(q: Queryable, reqs: readonly OutboundRequest[]): Promise<AfterCommit> {
    const written: { channel: DeliveryChannel; d: ScheduledDelivery }[] = [];
    for (const req of reqs) {
      const d = await this.insert(q, req);
      if (d.created) written.push({ channel: req.channel, d: scheduled(req, d) });
    }
    return async () => {
      for (const w of written) await this.schedule(w.channel, w.d);
    };
  }

  /** Inside a domain transaction: write the delivery now, call `schedule` after COMMIT (prefer `stage`). */
  insert(q: Queryable, req: OutboundRequest) {
    return insertDelivery(q, this.delivery(req));
  }

  /** The delivery row a request becomes (held until morning when it is not urgent, in quiet hours). */
  delivery(req: OutboundRequest): NewDelivery {
    const notBefore = req.urgent ? this.now() : releaseTime(this.now(), this.quietHours);
    return { ...req, notBefore, reply: req.express ?? false };
  }

  /**
   * After COMMIT: a reply to someone waiting goes out at once when this process sends for its
   * channel (`sendAtOnce`), else, and whenever that cannot be, the delivery's send job is added.
   * Concurrent job adds go to the queue together, in one round trip (`addBulk`).
   *
   * Contract for replies: `schedule` returns without waiting for the send (the webhook is answered
   * meanwhile); replies to one chat leave in the order they were scheduled in this process; a reply
   * the platform does not take now falls back to its job. Nothing is lost if the process dies
   * first: the delivery row is committed, and the reconciler adds the job of a queued delivery that
   * has none.
   */
  async schedule(channel: DeliveryChannel, d: ScheduledDelivery): Promise<void> {
    if (isInTransaction()) throw new EnqueueInTransactionError(queueOf(channel));
    const send = this.express.get(channel);
    if (send && d.express && d.notBefore.getTime() <= this.now().getTime()) {
      this.sendAtOnce(channel, send, d.id, d.express);
      return;
    }
    await this.jobs[channel].load({
      deliveryId: d.id,
      notBefore: d.notBefore,
      reply: d.reply ?? d.express !== undefined,
    });
  }

  /** The process's sender for a channel's replies (by its outbound worker), or none. */
  sendRepliesVia(channel: DeliveryChannel, send: ExpressSend | null): void {
    if (send) this.express.set(channel, send);
    else this.express.delete(channel);
  }

  /** Resolves when the replies being sent at once have been sent or handed to the queue. */
  async settled(): Promise<void> {
    while (this.sending.size) await Promise.allSettled([...this.sending]);
  }

  private readonly express = new Map<DeliveryChannel, ExpressSend>();
  /** per chat, the last reply being sent at once: the next one to the chat starts after it */
  private readonly chatTails = new Map<string, Promise<void>>();
  private readonly sending = new Set<Promise<void>>();

  private sendAtOnce(channel: DeliveryChannel, send: ExpressSend, id: number, chat: ChatRef): void {
    const key = `${channel}:${chat.externalId}`;
    const run = (this.chatTails.get(key) ?? Promise.resolve())
      .then(async () => {
        let settled = false;
        try {
          settled = await send({ id, chat });
        } catch {
          // a database or adapter fault before the send: the queue takes it
        }
        if (!settled) await this.jobs[channel].load({ deliveryId: id, notBefore: this.now(), reply: true });
      })
      .catch(() => {
        // the job could not be added either (Redis away): the reconciler gives the queued delivery one
      });
    this.chatTails.set(key, run);
    this.sending.add(run);
    void run.finally(() => {
      this.sending.delete(run);
      if (this.chatTails.get(key) === run) this.chatTails.delete(key);
    });
  }

  private readonly jobs = {
    telegram: this.jobBatcher('telegram'),
    wechat: this.jobBatcher('wechat'),
    wechat_oa: this.jobBatcher('wechat_oa'),
    wecom_robot: this.jobBatcher('wecom_robot'),
  };

  private jobBatcher(channel: DeliveryChannel) {
    return new Batcher(async (items: { deliveryId: number; notBefore: Date; reply: boolean }[]) => {
      const now = this.now().getTime();
      await this.queues.addBulk(
        queueOf(channel),
        items.map(({ deliveryId, notBefore, reply }) => ({
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
            // a reply someone waits for goes before every notice (BullMQ takes jobs without a
            // priority first): a backlog of notices, when they come faster than the platform's
            // limit lets them out, never holds a reply that could not be sent at once
            ...(reply ? {} : { priority: NOTICE_PRIORITY }),
          },
        })),
      );
      return items.map(() => undefined);
    });
  }

  /** Re-creates the job of every queued delivery that has none (older than `graceMs`). */
  async reconcile(channel: DeliveryChannel, graceMs = 30_000, pageSize = RECONCILE_PAGE): Promise<number> {
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
      const { rows } = await this.db.query<{ id: number; not_before: Date; reply: boolean }>(
        `SELECT id, not_before, reply FROM linli.deliveries
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
      await Promise.all(
        lost.map((r) => this.schedule(channel, { id: r.id, notBefore: r.not_before, reply: r.reply })),
      );
      recreated += lost.length;
      if (rows.length < pageSize) return recreated;
      // a breather between pages: back to back, 25 pages of a backlog took ~0.4 s of this process
      // in one go and held every inbound update behind them (bench/README.md, webhook intake)
      await sleep(RECONCILE_PAUSE_MS);
    }
  }
}

function scheduled(req: OutboundRequest, d: { id: number; notBefore: Date }): ScheduledDelivery {
  return { id: d.id, notBefore: d.notBefore, ...(req.express ? { express: req.message.chat } : {}) };
}
