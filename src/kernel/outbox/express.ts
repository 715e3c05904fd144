import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { type ChannelAdapter, ChannelSendError, type ChatRef, sendRefusalOf } from '../chat/port.js';
import { Batcher } from '../db/batcher.js';
import type { Db, Queryable } from '../db/db.js';
import { deliveries, deliveryRateLimited, deliveryRetries } from '../metrics/metrics.js';
import { pauseChannel } from './channel-pause.js';
import type { DeliveryRow } from './delivery-repository.js';
import type { Outbox } from './outbox.js';
import { channelWindow, chatBurstWindow, chatWindow, type PacingLimits, type Window } from './pacing.js';
import { type OtherAddress, settlePermanentFailure, type UnreachedHandler } from './reach.js';
import type { SendWindow } from './send-window.js';

/**
 * Sends a reply to someone waiting at once, from the process that committed it: right after
 * COMMIT, without a trip through the queue (the webhook has already been answered or is about to
 * be; the reply does not wait for a job, a worker slot and five pacing reads).
 *
 * Contract: answers true when the delivery is settled (sent, rerouted, unreachable or failed for
 * good), false when it was not sent and the queue must take it (the caller adds its job): the
 * channel is paused, an earlier message to the same chat is still queued (order per chat), the
 * chat's or channel's window is full, the reply would wait more than `MAX_WAIT_MS` for the
 * channel-wide window, someone else holds it, or the send failed for a reason that may pass (429,
 * 5xx, network, WeChat away). The delivery's lease is taken in the statement that checks all of
 * that (one round trip), so the worker never sends it at the same time; a crash after COMMIT and
 * before the send leaves the delivery queued and without a job, and the sender's reconciler (at
 * start, then every minute) gives it one: sent once, later.
 */
export type ExpressSend = (delivery: { id: number; chat: ChatRef }) => Promise<boolean>;

/**
 * Fault injection for the no-loss tests (never set in production): `kill-before-reply-send` kills
 * the process with SIGKILL after COMMIT and before the first reply is sent at once.
 */
const FAULT = process.env.LINLI_TEST_FAULT;

/** The longest a reply waits in this process for room in the channel-wide window. */
export const MAX_WAIT_MS = 1000;
/** The longest a reply waits in this process for room in its chat's window (Telegram: 1/s). */
export const MAX_CHAT_WAIT_MS = 1500;

export function expressSender(o: {
  db: Db;
  outbox: Outbox;
  adapter: ChannelAdapter;
  limits: PacingLimits;
  window: SendWindow | null;
  leaseMs: number;
  logger: Logger;
  onUnreached?: UnreachedHandler;
  otherAddress?: OtherAddress;
  /** what this process knows of chats' short windows, shared with its outbound worker */
  chatHints?: ChatHints;
}): ExpressSend {
  const channel = o.adapter.name;
  // batched on PostgreSQL, one round trip for many; on PGlite (one connection, in this process)
  // the batch statement cost more CPU per step than the claims one by one (bench/conversation.ts)
  const claims = o.db.engine === 'postgres' ? claimBatcher(o.db) : null;
  const marks = new Batcher(async (sent: { id: number; messageId: string | undefined }[]) => {
    await o.db.query(
      `UPDATE linli.deliveries d SET status = 'sent', sent_at = now(), external_message_id = v.mid,
         claimed_until = NULL, last_error = NULL
       FROM unnest($1::bigint[], $2::text[]) AS v(id, mid) WHERE d.id = v.id`,
      [sent.map((s) => s.id), sent.map((s) => s.messageId ?? null)],
    );
    return sent.map(() => undefined);
  });
  const chatHints = o.chatHints ?? new ChatHints();
  const release = (id: number, error: string | null, countAttempt: boolean) =>
    o.db.query(
      `UPDATE linli.deliveries SET claimed_until = NULL, last_error = COALESCE($2, last_error),
         attempts = attempts - $3 WHERE id = $1`,
      [id, error, countAttempt ? 0 : 1],
    );

  return async ({ id, chat }) => {
    if (FAULT === 'kill-before-reply-send') process.kill(process.pid, 'SIGKILL');
    const chatWin = chatWindow(o.limits, channel, chat);
    const burst = chatBurstWindow(o.limits, channel, chat);
    const claim: ClaimInput = {
      id,
      lockKey: `${channel}:${chat.externalId}`,
      chat: chatWin,
      burst,
      whole: channelWindow(o.limits, channel),
      leaseMs: o.leaseMs,
    };
    const tryClaim = () => (claims ? claims.load(claim) : claimOne(o.db, claim));
    const key = claim.lockKey;
    // what this process knows of the chat's short window (its own last send there): sleep until
    // it frees, then claim, rather than claim, be refused, read why and claim again
    const knownWait = chatHints.freeAt(key, chatWin, burst) - Date.now();
    if (knownWait > MAX_CHAT_WAIT_MS) return false;
    if (knownWait > 0) await sleep(knownWait);
    let d = await tryClaim();
    // The chat's window full (a person answering faster than Telegram's 1/s for their chat): wait
    // for it here, briefly, rather than through the queue's job, worker slot and delayed retries.
    // Any other reason (paused, an earlier reply waiting, one in flight) leaves it to the queue.
    for (let tries = 0; !d && tries < 2; tries++) {
      const free = await chatWindowsFreeAt(o.db, chatHints, channel, chat.externalId, chatWin, burst);
      const wait = free - Date.now();
      if (free === 0 || wait > MAX_CHAT_WAIT_MS) return false;
      await sleep(Math.max(0, wait) + 10);
      d = await tryClaim();
    }
    if (!d) return false;
    const slot = o.window ? await o.window.acquire('reply', MAX_WAIT_MS) : null;
    if (o.window && !slot) {
      await release(d.id, null, false);
      return false;
    }
    try {
      const sent = await o.adapter.send(d.message).finally(() => slot?.done());
      await marks.load({ id: d.id, messageId: sent.messageId });
      chatHints.sent(key, chatWin, burst);
      deliveries.inc({ channel, path: 'reply', status: 'sent' });
      return true;
    } catch (err) {
      const e =
        err instanceof ChannelSendError ? err : new ChannelSendError('transient', (err as Error).message);
      if (e.kind === 'permanent') {
        const outcome = await settlePermanentFailure(o, d, `${e.kind}: ${e.message}`, sendRefusalOf(e));
        deliveries.inc({ channel, path: 'reply', status: outcome });
        o.logger.info({ deliveryId: d.id, reason: e.message, outcome }, 'reply not sent');
        return true;
      }
      if (e.kind === 'rate_limited') deliveryRateLimited.inc({ channel });
      else deliveryRetries.inc({ channel, reason: e.kind === 'unavailable' ? 'unavailable' : 'transient' });
      if (e.kind === 'rate_limited' || e.kind === 'unavailable') {
        await pauseChannel(
          o.db,
          channel,
          Date.now() + (e.retryAfterMs ?? (e.kind === 'rate_limited' ? 1000 : 5000)),
        );
        await release(d.id, e.kind === 'unavailable' ? `unavailable: ${e.message}` : e.message, false);
      } else {
        await release(d.id, `${e.kind}: ${e.message}`, true);
      }
      o.logger.debug({ deliveryId: d.id, kind: e.kind, reason: e.message }, 'reply handed to the queue');
      return false;
    }
  };
}

/**
 * Takes the delivery's lease if it may be sent now (`linli.claim_delivery`, migration 021: queued,
 * due, unclaimed, the channel not paused, no earlier reply queued to the chat, room in the chat's
 * window and the channel's where it is kept in SQL, WeChat's daily cap): the checks the worker
 * makes, in one round trip, serialized per chat.
 */
export async function claimDelivery(
  db: Queryable,
  id: number,
  chat: { max: number; windowMs: number },
  burst: { max: number; windowMs: number } | null,
  whole: { max: number; windowMs: number } | null,
  leaseMs: number,
): Promise<DeliveryRow | null> {
  const { rows } = await db.query<DeliveryRow>(
    'SELECT * FROM linli.claim_delivery($1, $2, $3, $4, $5, $6, $7, $8)',
    [
      id,
      leaseMs / 1000,
      chat.max,
      chat.windowMs / 1000,
      burst?.max ?? null,
      (burst?.windowMs ?? 0) / 1000,
      whole?.max ?? null,
      (whole?.windowMs ?? 0) / 1000,
    ],
  );
  return rows[0] ?? null;
}

interface ClaimInput {
  id: number;
  /** the chat the claim locks (`channel:chat`): a batch takes its chats' locks in this order */
  lockKey: string;
  chat: { max: number; windowMs: number };
  burst: { max: number; windowMs: number } | null;
  whole: { max: number; windowMs: number } | null;
  leaseMs: number;
}

/**
 * `claimDelivery` for the replies being sent at once, batched: the claims of concurrent replies go
 * to PostgreSQL in one statement (the function called per delivery, in one transaction), instead of a
 * round trip each: at 60 residents a claim was the most frequent statement (1.2–1.4 a step).
 *
 * The batch's transaction holds each chat's advisory lock until it ends, so its claims are made in
 * the order of their chats' keys: two batches from two processes lock shared chats in the same order
 * and cannot deadlock. One process sends at most one reply per chat at a time (Outbox.sendAtOnce),
 * so a batch never claims twice for one chat; if it did, the second claim would see the first one's
 * lease (same transaction) and count it in flight, as across transactions. A failing batch is rerun
 * claim by claim (Batcher).
 */
const claimOne = (db: Db, c: ClaimInput) => claimDelivery(db, c.id, c.chat, c.burst, c.whole, c.leaseMs);

function claimBatcher(db: Db): Batcher<ClaimInput, DeliveryRow | null> {
  return new Batcher(async (inputs: ClaimInput[]) => {
    const order = inputs
      .map((input, i) => ({ input, i }))
      .sort((a, b) => (a.input.lockKey < b.input.lockKey ? -1 : a.input.lockKey > b.input.lockKey ? 1 : 0));
    const col = <T>(f: (c: ClaimInput) => T) => order.map(({ input }) => f(input));
    const { rows } = await db.query<DeliveryRow>(
      `SELECT c.* FROM unnest($1::bigint[], $2::float8[], $3::int[], $4::float8[], $5::int[], $6::float8[],
                              $7::int[], $8::float8[]) WITH ORDINALITY
                AS u(id, lease, chat_max, chat_secs, burst_max, burst_secs, whole_max, whole_secs, n)
         CROSS JOIN LATERAL linli.claim_delivery(u.id, u.lease, u.chat_max, u.chat_secs, u.burst_max,
                                                 u.burst_secs, u.whole_max, u.whole_secs) c
        ORDER BY u.n`,
      [
        col((c) => c.id),
        col((c) => c.leaseMs / 1000),
        col((c) => c.chat.max),
        col((c) => c.chat.windowMs / 1000),
        col((c) => c.burst?.max ?? null),
        col((c) => (c.burst?.windowMs ?? 0) / 1000),
        col((c) => c.whole?.max ?? null),
        col((c) => (c.whole?.windowMs ?? 0) / 1000),
      ],
    );
    const claimed = new Map(rows.map((r) => [Number(r.id), r]));
    return inputs.map((c) => claimed.get(c.id) ?? null);
  });
}

/** When the window (`max` sends per `windowMs`, to one chat or the whole channel) has room. */
export async function windowFreeAt(
  db: Queryable,
  channel: string,
  chatExternalId: string | null,
  w: { max: number; windowMs: number },
): Promise<number> {
  const { rows } = await db.query<{ sent_at: Date }>(
    `SELECT sent_at FROM linli.deliveries
     WHERE channel = $1 AND ($2::text IS NULL OR chat_external_id = $2) AND status = 'sent'
       AND sent_at > now() - make_interval(secs => $3)
     ORDER BY sent_at DESC LIMIT $4`,
    [channel, chatExternalId, w.windowMs / 1000, w.max],
  );
  if (rows.length < w.max) return 0;
  return rows[rows.length - 1]!.sent_at.getTime() + w.windowMs;
}

/**
 * When a chat's own windows (its window and, for a Telegram group, its 1/s beside it) have room,
 * from what was sent there (0: room now, as far as sends go). A time ahead is noted in `hints`:
 * the chat is full until then, whoever sends to it.
 */
export async function chatWindowsFreeAt(
  db: Queryable,
  hints: ChatHints,
  channel: string,
  chatExternalId: string,
  chat: Window,
  burst: Window | null,
): Promise<number> {
  const free = Math.max(
    await windowFreeAt(db, channel, chatExternalId, chat),
    burst ? await windowFreeAt(db, channel, chatExternalId, burst) : 0,
  );
  if (free > Date.now()) hints.fullUntil(`${channel}:${chatExternalId}`, free);
  return free;
}

/**
 * What this process knows of when each chat's window has room again, so that a reply that cannot
 * go yet costs no statement, or one claim rather than a refused claim, two reads of why and a
 * second claim:
 * - when it last marked a message to the chat sent (its replies and its outbound worker's notices),
 *   for chats whose window allows one message at a time (Telegram's private chats and a group's
 *   1/s, WeChat's one per 3 s);
 * - until when the chat's windows were read full (a Telegram group's 20 a minute): sends only ever
 *   fill a window, so no claim can succeed before then, whoever else sends to the chat.
 * Only hints: the claim still decides, and a send by another process is unknown here (the refused
 * claim's path remains).
 */
export class ChatHints {
  private readonly marked = new Map<string, number>();
  private readonly full = new Map<string, number>();
  private swept = Date.now();

  /** When the chat's window frees, as far as this process knows; 0 when unknown. */
  freeAt(key: string, chat: Window, burst: Window | null): number {
    const at = this.marked.get(key);
    const windowMs = oneAtATimeMs(chat, burst);
    // the row's sent_at is the mark's now(), no later than `at`: a little after it, the claim sees the window free
    const afterSend = at !== undefined && windowMs ? at + windowMs + HINT_MARGIN_MS : 0;
    return Math.max(afterSend, this.full.get(key) ?? 0);
  }

  sent(key: string, chat: Window, burst: Window | null): void {
    if (!oneAtATimeMs(chat, burst)) return;
    this.marked.set(key, Date.now());
    this.sweep();
  }

  /** The chat's windows were read full until `at` (the time its oldest counted send leaves them). */
  fullUntil(key: string, at: number): void {
    if (at > (this.full.get(key) ?? 0)) this.full.set(key, at);
    this.sweep();
  }

  /** Forgets chats not written to for a while and windows long free (hints that say nothing). */
  private sweep(): void {
    const now = Date.now();
    if (now - this.swept <= HINT_SWEEP_MS) return;
    for (const [k, at] of this.marked) if (now - at > HINT_SWEEP_MS) this.marked.delete(k);
    for (const [k, at] of this.full) if (at < now) this.full.delete(k);
    this.swept = now;
  }
}

/** The longest of a chat's windows that allow one message at a time (0: none does). */
function oneAtATimeMs(chat: Window, burst: Window | null): number {
  return Math.max(chat.max === 1 ? chat.windowMs : 0, burst?.max === 1 ? burst.windowMs : 0);
}

const HINT_MARGIN_MS = 5;
const HINT_SWEEP_MS = 60_000;
