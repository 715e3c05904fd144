/**
 * A channel-wide send limit (Telegram: about 30 messages/s per bot) kept in this process: a sliding
 * window of the last `windowMs`' sends, shared by the replies sent at once after COMMIT
 * (express.ts) and the outbound worker's notices (sender.ts).
 *
 * Why in process and not in Redis or SQL: a reply must not pay a round trip to learn it may go,
 * and one process sends for a bot (the `all` or `worker` role; the webhook process commits and sends
 * its own replies). Several sending processes for one bot would each allow the whole limit: give
 * each its share (`TELEGRAM_GLOBAL_PER_SECOND`). BullMQ's limiter still spaces the worker's jobs
 * across processes; this window is what makes replies and notices share the limit.
 *
 * Replies to someone waiting come first: a notice may take a slot only while room is left for one
 * more reply than were sent in the last window (at most half the window is so reserved), so with no
 * replies about, notices use all but one slot, and a burst of replies is never queued behind them.
 */
export type SendKind = 'reply' | 'notice';

export class SendWindow {
  private readonly sends: number[] = [];
  private readonly replies: number[] = [];

  constructor(
    readonly max: number,
    readonly windowMs = 1000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** 0: the send may go now, and is counted; otherwise the ms to wait before asking again. */
  take(kind: SendKind): number {
    const t = this.now();
    const since = t - this.windowMs;
    drop(this.sends, since);
    drop(this.replies, since);
    const room = kind === 'reply' ? this.max : this.max - this.reserved();
    if (this.sends.length < room) {
      this.sends.push(t);
      if (kind === 'reply') this.replies.push(t);
      return 0;
    }
    // the send whose leaving the window makes room
    const leaving = this.sends[this.sends.length - room]!;
    return Math.max(1, leaving + this.windowMs - t);
  }

  private reserved(): number {
    return Math.min(Math.floor(this.max / 2), 1 + this.replies.length);
  }
}

function drop(stamps: number[], since: number): void {
  let n = 0;
  while (n < stamps.length && stamps[n]! <= since) n++;
  if (n) stamps.splice(0, n);
}
