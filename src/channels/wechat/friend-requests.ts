/**
 * Accepts friend requests to the bot's WeChat account, so residents can talk to it privately: a
 * personal account can message privately only its friends (/work/shared/platforms.md).
 *
 * Contracts:
 *  - every `friendship` event of type Receive is accepted (`friendship.accept()`), one at a time and
 *    at least `intervalMs` apart (accounts that act like bots get banned: a burst of requests is
 *    accepted slowly, never all at once); the same request announced twice is accepted once;
 *  - a failed accept is tried again after `retryMs`, doubling, up to `maxAttempts` attempts in all,
 *    then dropped with an error log (the person can send the request again);
 *  - at most `maxPending` requests wait; more are dropped with a warning (the person can ask again);
 *  - after an accept the contact is a friend: wechaty reloads its payload, and private sends work;
 *  - Confirm (WeChat saying the friendship exists, also when someone accepted on the phone) and
 *    Verify (the account's own requests) are only logged;
 *  - `stop()` drops what is waiting and cancels the timer; nothing is accepted after it.
 *
 * Only type imports of wechaty here (the adapter module stays cheap to import).
 */

import type { Logger } from 'pino';
import type { Friendship, Wechaty } from 'wechaty';
import { withTimeout as timedOut } from '../../kernel/time/with-timeout.js';
import { errorText } from './redact.js';

export interface FriendRequestPolicy {
  /** least time between two accepts (default 5 s) */
  intervalMs?: number;
  /** first wait before trying a failed accept again; doubles per attempt (default 30 s) */
  retryMs?: number;
  /** attempts per request, the first included (default 3) */
  maxAttempts?: number;
  /** requests waiting at most; later ones are dropped (default 200) */
  maxPending?: number;
  /** how long one accept may take before it counts as failed (default 30 s) */
  acceptTimeoutMs?: number;
}

/** wechaty-puppet `FriendshipType` values (stable numbers) */
const FRIENDSHIP_TYPE = { Unknown: 0, Confirm: 1, Receive: 2, Verify: 3 } as const;

interface Pending {
  friendship: Friendship;
  attempts: number;
  /** not before this time (ms since epoch) */
  notBefore: number;
}

export class FriendRequests {
  private readonly intervalMs: number;
  private readonly retryMs: number;
  private readonly maxAttempts: number;
  private readonly maxPending: number;
  private readonly acceptTimeoutMs: number;
  private readonly pending: Pending[] = [];
  /** friendship ids waiting or being accepted (a request announced twice is accepted once) */
  private readonly known = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private lastAcceptAt = Number.NEGATIVE_INFINITY;
  private off: (() => void) | undefined;

  constructor(
    private readonly wechaty: Wechaty,
    private readonly logger: Logger,
    policy: FriendRequestPolicy = {},
  ) {
    this.intervalMs = policy.intervalMs ?? 5000;
    this.retryMs = policy.retryMs ?? 30_000;
    this.maxAttempts = Math.max(1, policy.maxAttempts ?? 3);
    this.maxPending = policy.maxPending ?? 200;
    this.acceptTimeoutMs = policy.acceptTimeoutMs ?? 30_000;
  }

  start(): void {
    if (this.off) return;
    const onFriendship = (f: Friendship): void => this.received(f);
    this.wechaty.on('friendship', onFriendship);
    this.off = () => this.wechaty.off('friendship', onFriendship);
  }

  stop(): void {
    this.off?.();
    this.off = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.splice(0);
    this.known.clear();
  }

  /** started and not stopped (a getter: `stop()` may come while an accept is awaited) */
  private get running(): boolean {
    return this.off !== undefined;
  }

  /** requests waiting to be accepted (for tests and diagnostics) */
  get waiting(): number {
    return this.pending.length;
  }

  private received(f: Friendship): void {
    let type: number;
    let contactId: string;
    try {
      type = Number(f.type());
      contactId = f.contact().id;
    } catch (e) {
      this.logger.warn({ error: errorText(e), friendshipId: f.id }, 'wechat: unreadable friendship event');
      return;
    }
    if (type === FRIENDSHIP_TYPE.Confirm) {
      this.logger.info({ contactId }, 'wechat: friendship confirmed');
      return;
    }
    if (type !== FRIENDSHIP_TYPE.Receive) {
      this.logger.debug({ contactId, type }, 'wechat: friendship event ignored');
      return;
    }
    if (this.known.has(f.id)) return;
    if (this.pending.length >= this.maxPending) {
      this.logger.warn(
        { contactId, waiting: this.pending.length },
        'wechat: too many friend requests waiting; this one is dropped',
      );
      return;
    }
    this.known.add(f.id);
    this.pending.push({ friendship: f, attempts: 0, notBefore: 0 });
    this.logger.info({ contactId, waiting: this.pending.length }, 'wechat: friend request received');
    this.schedule();
  }

  /** arm the timer for the next request that may be accepted, if none is armed or running */
  private schedule(): void {
    if (this.busy || this.timer || !this.running || this.pending.length === 0) return;
    const now = Date.now();
    const next = Math.min(...this.pending.map((p) => p.notBefore));
    const at = Math.max(next, this.lastAcceptAt + this.intervalMs);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.acceptNext();
      },
      Math.max(0, at - now),
    );
    this.timer.unref();
  }

  private async acceptNext(): Promise<void> {
    const now = Date.now();
    const index = this.pending.findIndex((p) => p.notBefore <= now);
    if (index < 0 || !this.running) return this.schedule();
    const [item] = this.pending.splice(index, 1);
    if (!item) return this.schedule();
    this.busy = true;
    this.lastAcceptAt = now;
    item.attempts++;
    const contactId = safeContactId(item.friendship);
    try {
      await withTimeout(item.friendship.accept(), this.acceptTimeoutMs);
      this.known.delete(item.friendship.id);
      this.logger.info({ contactId, attempts: item.attempts }, 'wechat: friend request accepted');
    } catch (e) {
      const error = errorText(e);
      if (item.attempts >= this.maxAttempts) {
        this.known.delete(item.friendship.id);
        this.logger.error(
          { contactId, attempts: item.attempts, error },
          'wechat: could not accept a friend request; giving up',
        );
      } else if (this.running) {
        const delayMs = this.retryMs * 2 ** (item.attempts - 1);
        item.notBefore = Date.now() + delayMs;
        this.pending.push(item);
        this.logger.warn(
          { contactId, attempts: item.attempts, error, retryInMs: delayMs },
          'wechat: could not accept a friend request; trying again',
        );
      }
    } finally {
      this.busy = false;
      this.schedule();
    }
  }
}

function safeContactId(f: Friendship): string | undefined {
  try {
    return f.contact().id;
  } catch {
    return undefined;
  }
}

/** a puppet call, given up after `ms` */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return timedOut(p, ms, `no answer from the puppet within ${ms} ms (timed out)`);
}
