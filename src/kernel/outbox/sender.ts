import { DelayedError, type Job, type Worker } from 'bullmq';
import type { Logger } from 'pino';
import { type ChannelAdapter, ChannelSendError, sendRefusalOf } from '../chat/port.js';
import type { Db } from '../db/db.js';
import { type MediaFetchers, resolveOutboundMedia } from '../media/resolve.js';
import { deliveries, deliveryRateLimited, deliveryRetries } from '../metrics/metrics.js';
import type { QueueBackend } from '../queue/backend.js';
import { pauseChannel, pausedUntil } from './channel-pause.js';
import { type DeliveryRow, findDelivery } from './delivery-repository.js';
import { ChatHints, chatWindowsFreeAt, claimDelivery, expressSender, windowFreeAt } from './express.js';
import { type Outbox, queueOf, SEND_ATTEMPTS } from './outbox.js';
import { channelWindow, chatBurstWindow, chatWindow, type PacingLimits, type Window } from './pacing.js';
import { type OtherAddress, settlePermanentFailure, type UnreachedHandler } from './reach.js';
import { SendWindow } from './send-window.js';

/**
 * Sends queued deliveries of one channel through its adapter.
 *
 * Contract, per delivery:
 * - held (job moved to delayed, not an attempt) while quiet hours last, while the channel is
 *   paused by a 429, while an earlier delivery to the same chat is still queued (order; a reply
 *   to someone waiting waits only for earlier replies, never for notices), and
 *   while the chat's or channel's window is full (pacing);
 * - claimed with a lease before sending, so two workers never send it at once; a sent or failed
 *   delivery is never sent again;
 * - 429: the whole channel pauses for `retry_after` and this one waits exactly that long;
 * - unavailable (WeChat disconnected or logged out; nothing was sent): the channel pauses for the
 *   adapter's `retryAfterMs` and checks again, for as long as it takes, counting no attempt;
 *   5xx/network: retried with exponential backoff, failed after the last attempt;
 *   permanent (blocked, chat gone, kicked): settled at once by the reach rule (reach.ts): rerouted
 *   to its group fallback, unreachable, or failed, with the reason.
 */
/**
 * How long a claimed delivery is reserved for the run that claimed it. While that run's process
 * lives, the job's lock keeps every other run away; the lease matters when the process dies
 * mid-send, and is short so that the delivery goes out again soon after the restart (at least
 * once: the dead run may have sent it).
 */
export const SEND_LEASE_MS = 30_000;

/** Telegram's whole-bot window as this process keeps it (see startOutboundWorker). */
export const GLOBAL_WINDOW_MS = 1010;

/**
 * The longest a notice's job waits in its worker slot for room in the whole-bot window (replies
 * first); past it the job is held (delayed) and its slot freed. Waiting here, not through delayed
 * jobs, keeps the window full when notices are many: a held job comes back only after BullMQ's
 * delay, and every hold costs statements and queue commands.
 */
export const NOTICE_WAIT_MS = 2000;

export interface OutboundWorkerOptions {
  db: Db;
  queues: QueueBackend;
  outbox: Outbox;
  adapter: ChannelAdapter;
  limits: PacingLimits;
  logger: Logger;
  concurrency?: number;
  /** Told, in the transaction that records it, of a delivery with a subject that reached nobody. */
  onUnreached?: UnreachedHandler;
  /** The person's private chat on another channel, for a refused one without a group fallback. */
  otherAddress?: OtherAddress;
  /** How often queued deliveries without a job are re-queued. */
  reconcileEveryMs?: number;
  /** Reads a kept photo's bytes from the platform it came from, for a channel that must upload it. */
  media?: MediaFetchers;
}

export interface OutboundWorker {
  worker: Worker;
  close(): Promise<void>;
}

export async function startOutboundWorker(o: OutboundWorkerOptions): Promise<OutboundWorker> {
  const channel = o.adapter.name;
  const log = o.logger.child({ channel, component: 'outbound' });
  // evenly spaced starts: {max: N, duration: 1000} releases N jobs at once and bursts past the
  // platform's sliding window (bench/fanout.ts: 674 429s and 54% of the limit; spaced: 94%, no 429)
  const limiter =
    channel === 'telegram'
      ? { max: 1, duration: Math.ceil(1000 / o.limits.telegram.globalPerSecond) }
      : undefined;

  // Telegram's limit for the whole bot, shared with the replies this process sends at once. A
  // send holds its slot until a second after Telegram answered it (send-window.ts): 30/(1.01 s +
  // the request's round trip) — 29.4/s with a 10 ms round trip, 27 at 100 ms. (Counted from when
  // sends left, the window had to be 4 % longer, 28.8/s, and still drew a 429 once notices kept it full.)
  const window =
    channel === 'telegram' ? new SendWindow(o.limits.telegram.globalPerSecond, GLOBAL_WINDOW_MS) : null;
  // the chats this process sent to, replies and notices alike (a reply after a notice to the same
  // group waits for the group's second before its claim, instead of being refused first)
  const chatHints = new ChatHints();
  o.outbox.sendRepliesVia(
    channel,
    expressSender({
      chatHints,
      db: o.db,
      outbox: o.outbox,
      adapter: o.adapter,
      limits: o.limits,
      window,
      leaseMs: SEND_LEASE_MS,
      logger: log,
      onUnreached: o.onUnreached,
      otherAddress: o.otherAddress,
    }),
  );

  const hold = async (job: Job, until: number, token: string | undefined, why: string): Promise<never> => {
    log.trace({ deliveryId: job.data.deliveryId, until: new Date(until), why }, 'delivery held');
    await job.moveToDelayed(Math.max(until, Date.now() + 1), token);
    throw new DelayedError();
  };

  /**
   * When a delivery whose claim was refused may be tried again: the reason read back (only on
   * refusal, so a delivery that can go costs no reads but the claim).
   */
  const whenClaimable = async (
    d: DeliveryRow,
    win: Window,
    burst: Window | null,
    cw: Window | null,
  ): Promise<number> => {
    const now = Date.now();
    const paused = await pausedUntil(o.db, channel);
    const ready = Math.max(d.not_before.getTime(), paused);
    if (ready > now) return ready;
    const lease = await findDelivery(o.db, d.id);
    // The job id is the delivery's, so the holder of an unexpired lease is an earlier run of this
    // very job in a process that died mid-send (its job came back as stalled). Wait for the lease
    // to end rather than drop the job: dropping it left the delivery, and every later one to the
    // same chat, waiting for the reconciler.
    if (lease?.claimed_until && lease.claimed_until.getTime() > now)
      return lease.claimed_until.getTime() + 50;
    const step = now + Math.max(250, win.windowMs / win.max);
    const earlier = await o.db.query(
      `SELECT 1 FROM linli.deliveries WHERE channel = $1 AND chat_external_id = $2 AND status = 'queued'
         AND id < $3 AND not_before <= $4 AND (reply OR NOT $5) LIMIT 1`,
      [channel, d.chat_external_id, d.id, d.not_before, d.reply],
    );
    if (earlier.rows.length) return step;
    const free = Math.max(
      await chatWindowsFreeAt(o.db, chatHints, channel, d.chat_external_id, win, burst),
      cw ? await windowFreeAt(o.db, channel, null, cw) : 0,
    );
    // nothing sent fills a window: messages in flight do (claimed by a sender, not yet marked)
    return free > now ? free : step;
  };

  const worker = o.queues.worker<{ deliveryId: number }>(
    queueOf(channel),
    async (job, token) => {
      const found = await findDelivery(o.db, job.data.deliveryId);
      if (found?.status !== 'queued') return 'done';
      const chat = { externalId: found.chat_external_id, kind: found.chat_kind };
      const win = chatWindow(o.limits, channel, chat);
      const burst = chatBurstWindow(o.limits, channel, chat);
      const cw = channelWindow(o.limits, channel);
      // A chat whose window this process knows to be full (its own last send there, or a window
      // read full): held until it frees, without a statement
      const known = chatHints.freeAt(`${channel}:${found.chat_external_id}`, win, burst);
      if (known > Date.now()) return hold(job, known, token, "chat's window (known)");
      // The channel's window first, in this process (no statement): the notice waits here for its
      // slot, briefly, behind any reply waiting for one; longer, and the job is held.
      const slot = window ? await window.acquire('notice', NOTICE_WAIT_MS) : null;
      if (window && !slot)
        return hold(job, Date.now() + NOTICE_WAIT_MS, token, 'channel window (replies first)');
      // Then the claim: every check (due, paused, order per chat, the chat's windows) and the lease
      // in one statement serialized per chat. Only a refused claim reads why, to hold the job until then.
      const d = await claimDelivery(o.db, found.id, win, burst, cw, SEND_LEASE_MS);
      if (!d) {
        slot?.cancel();
        return hold(job, await whenClaimable(found, win, burst, cw), token, 'not claimable yet');
      }
      try {
        // a kept photo (`media:<id>`) as this channel sends it: its own file id, or the bytes
        const message = await resolveOutboundMedia(o.db, channel, d.message, o.media ?? {}, log);
        const sent = await o.adapter.send(message).finally(() => slot?.done());
        await o.db.query(
          `UPDATE linli.deliveries SET status = 'sent', sent_at = now(), external_message_id = $2,
             claimed_until = NULL, last_error = NULL WHERE id = $1`,
          [d.id, sent.messageId],
        );
        chatHints.sent(`${channel}:${d.chat_external_id}`, win, burst);
        deliveries.inc({ channel, path: 'queue', status: 'sent' });
        return 'sent';
      } catch (err) {
        slot?.cancel(); // the send never left (its media could not be read); after it, a no-op
        const e =
          err instanceof ChannelSendError ? err : new ChannelSendError('transient', (err as Error).message);
        if (e.kind === 'rate_limited') {
          const until = Date.now() + (e.retryAfterMs ?? 1000);
          await pauseChannel(o.db, channel, until);
          await o.db.query(
            'UPDATE linli.deliveries SET claimed_until = NULL, attempts = attempts - 1, last_error = $2 WHERE id = $1',
            [d.id, e.message],
          );
          deliveryRateLimited.inc({ channel });
          log.warn({ deliveryId: d.id, retryAfterMs: e.retryAfterMs }, 'rate limited: channel paused');
          return hold(job, until, token, '429');
        }
        if (e.kind === 'unavailable') {
          // nothing went out: the whole channel waits (the adapter logs the outage itself), no attempt counted
          const until = Date.now() + (e.retryAfterMs ?? 5000);
          await pauseChannel(o.db, channel, until);
          await o.db.query(
            'UPDATE linli.deliveries SET claimed_until = NULL, attempts = attempts - 1, last_error = $2 WHERE id = $1',
            [d.id, `unavailable: ${e.message}`],
          );
          deliveryRetries.inc({ channel, reason: 'unavailable' });
          log.debug({ deliveryId: d.id, reason: e.message }, 'channel unavailable: delivery waits');
          return hold(job, until, token, 'unavailable');
        }
        if (e.kind === 'permanent') {
          const outcome = await settlePermanentFailure(o, d, `${e.kind}: ${e.message}`, sendRefusalOf(e));
          deliveries.inc({ channel, path: 'queue', status: outcome });
          log.info({ deliveryId: d.id, reason: e.message, outcome }, 'delivery not sent');
          return outcome;
        }
        const final = job.attemptsMade + 1 >= (job.opts.attempts ?? SEND_ATTEMPTS);
        await o.db.query(
          final
            ? `UPDATE linli.deliveries SET status = 'failed', failed_at = now(), claimed_until = NULL, last_error = $2 WHERE id = $1`
            : 'UPDATE linli.deliveries SET claimed_until = NULL, last_error = $2 WHERE id = $1',
          [d.id, `${e.kind}: ${e.message}`],
        );
        if (final) deliveries.inc({ channel, path: 'queue', status: 'failed' });
        else deliveryRetries.inc({ channel, reason: 'transient' });
        throw e;
      }
    },
    {
      concurrency: o.concurrency ?? 8,
      ...(limiter ? { limiter } : {}),
      // A send takes milliseconds to seconds: a job whose process died is found stalled after
      // 5–15 s instead of BullMQ's 30–60 s (a resident's reply waited that long after a crash),
      // and the delivery's lease, not the stall count, guards against a second send, so a
      // delivery that stalls in several crashes in a row is not failed for it.
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 20,
    },
  );

  await o.outbox.reconcile(channel, 0).catch((err) => log.error({ err }, 'outbound reconcile failed'));
  const timer = setInterval(() => {
    o.outbox.reconcile(channel).catch((err) => log.error({ err }, 'outbound reconcile failed'));
  }, o.reconcileEveryMs ?? 60_000);
  timer.unref();
  return {
    worker,
    async close() {
      clearInterval(timer);
      // replies come to the queue again; those being sent at once finish (or are handed to it)
      o.outbox.sendRepliesVia(channel, null);
      await o.outbox.settled();
      await worker.close();
    },
  };
}
