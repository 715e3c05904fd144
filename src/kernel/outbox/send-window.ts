/**
 * A channel-wide send limit (Telegram: about 30 messages/s per bot) kept in this process: a sliding
 * window shared by the replies sent at once after COMMIT (express.ts) and the outbound worker's
 * notices (sender.ts).
 *
 * Why in process and not in Redis or SQL: a reply must not pay a round trip to learn it may go,
 * and one process sends for a bot (the `all` or `worker` role; the webhook process commits and sends
 * its own replies). Several sending processes for one bot would each allow the whole limit: give
 * each its share (`TELEGRAM_GLOBAL_PER_SECOND`). BullMQ's limiter still spaces the worker's jobs
 * across processes; this window is what makes replies and notices share the limit.
 *
 * A send holds its slot from the moment it is taken until `windowMs` after the platform answered
 * it (`Slot.done`). The platform counts a message when it arrives, which is after it left and
 * before the answer: so any `max + 1` messages arrive at least `windowMs` apart, however late
 * they left (the event loop under load) or however long the request took — a window counted from
 * when sends leave needed a margin for that jitter (4 %, and still drew 429s once it was full).
 *
 * Replies to someone waiting come first: while a reply waits for a slot (`acquire`), no notice
 * takes one, so a slot that frees goes to the reply; and a reply's slot, once free, is kept for
 * replies a little longer (`REPLY_KEEP_MS`), when the next reply of that conversation is due.
 * Otherwise notices may use every slot: room kept empty for replies that may come would cost
 * notices a share of the limit whenever they are many. (An earlier version kept room for one more
 * reply than the window held, and with replies at half the limit or more it let no notice through.)
 */
export type SendKind = 'reply' | 'notice';

/** A taken slot: `done` once the platform answered the send (or it failed), `cancel` when it never left. */
export interface Slot {
  done(): void;
  cancel(): void;
}

/** How long a notice waits before asking again while a reply is waiting for a slot. */
const YIELD_MS = 5;
/**
 * How long a reply's slot stays kept for replies after it frees. A person in a conversation
 * answers a reply, and the reply to that comes about a second after the last one (Telegram's 1/s
 * for their chat): about when the last one's slot frees. Without this, a notice waiting for room
 * took that slot in the milliseconds between, and replies, coming in bursts, queued for slots.
 */
export const REPLY_KEEP_MS = 100;

/**
 * The longest a send in flight holds its slot unanswered: past it the slot frees a window later,
 * answered or not, so requests that hang (a send times out after 60 s) cannot stall every other
 * send of the bot. Telegram answers in milliseconds to a second; one that arrives later than this
 * risks a 429, which pauses the channel for its retry_after as any 429 does.
 */
export const IN_FLIGHT_CAP_MS = 5000;

interface Held {
  /** when the slot frees: `windowMs` after its send's answer; Infinity while in flight */
  until: number;
  /** when it was taken */
  taken: number;
  reply: boolean;
}

export class SendWindow {
  private held: Held[] = [];
  /** replies waiting in `acquire` for a slot */
  private waitingReplies = 0;

  constructor(
    readonly max: number,
    readonly windowMs = 1000,
    private readonly now: () => number = () => Date.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
    private readonly replyKeepMs = REPLY_KEEP_MS,
  ) {}

  /** A slot now, or the ms to wait before asking again. */
  take(kind: SendKind): Slot | number {
    const t = this.now();
    this.held = this.held.filter((h) => this.endOf(h) > t);
    if (kind === 'notice' && this.waitingReplies > 0) return YIELD_MS;
    // a reply counts only the slots still held; a notice also the ones kept for replies
    const counted = kind === 'reply' ? this.held.filter((h) => this.freesAt(h) > t) : this.held;
    if (counted.length >= this.max) {
      const first = Math.min(...counted.map((h) => (kind === 'reply' ? this.freesAt(h) : this.endOf(h))));
      // a send still in flight frees its slot a window after its answer at the soonest
      return Math.max(1, Math.min(first - t, this.windowMs));
    }
    if (kind === 'reply') {
      // the reply takes a slot kept for replies, if one is
      const kept = this.held.findIndex((h) => h.reply && this.freesAt(h) <= t);
      if (kept >= 0) this.held.splice(kept, 1);
    }
    const mine: Held = { until: Number.POSITIVE_INFINITY, taken: t, reply: kind === 'reply' };
    this.held.push(mine);
    let settled = false;
    const settle = (until: number | null) => {
      if (settled) return;
      settled = true;
      if (until === null) this.held = this.held.filter((h) => h !== mine);
      else mine.until = until;
    };
    return {
      done: () => settle(this.now() + this.windowMs),
      cancel: () => settle(null),
    };
  }

  /** When a held slot frees: a window after its answer, or after `IN_FLIGHT_CAP_MS` unanswered. */
  private freesAt(h: Held): number {
    return Math.min(h.until, h.taken + IN_FLIGHT_CAP_MS + this.windowMs);
  }

  /** When a held slot stops counting for notices (a reply's is kept for replies a little longer). */
  private endOf(h: Held): number {
    return h.reply ? this.freesAt(h) + this.replyKeepMs : this.freesAt(h);
  }

  /**
   * Waits in this process for a slot, at most `maxWaitMs`: the slot, or null when it would take
   * longer (nothing held). A waiting reply keeps notices from taking slots.
   */
  async acquire(kind: SendKind, maxWaitMs: number): Promise<Slot | null> {
    if (kind === 'reply') this.waitingReplies++;
    try {
      for (let waited = 0; ; ) {
        const got = this.take(kind);
        if (typeof got !== 'number') return got;
        if (waited + got > maxWaitMs) return null;
        await this.sleep(got);
        waited += got;
      }
    } finally {
      if (kind === 'reply') this.waitingReplies--;
    }
  }
}
