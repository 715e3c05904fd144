/**
 * Messages the puppet announced but wechaty could not load. A puppet's `message` event carries only
 * the message id; wechaty then fetches the payload (`messagePayload(id)`, a gRPC call to a puppet
 * service) and emits `message` only if that worked. When the connection drops between the two, the
 * message would be lost: wechaty reports "message not found" on `error` and moves on.
 *
 * Contract:
 *  - every id the puppet announces is tracked until wechaty emits that message (`take`), bounded to
 *    `maxTracked` ids (the oldest are dropped, with a warning);
 *  - `retrySoon()` (after a (re)connection or a login) fetches every tracked id again by id and hands
 *    what loads to `handle`; an id that still cannot be loaded is tried again at the next retry, and
 *    given up (with a warning naming it) after `maxAttempts`;
 *  - `take(id)` is true the first time an id is handled and false after, so a message recovered here
 *    and emitted by wechaty too is handled once (the last `maxDone` ids are remembered).
 */
import type { Logger } from 'pino';
import type { Message, Wechaty } from 'wechaty';
import { onPuppet } from './connection.js';

interface Tracked {
  attempts: number;
}

export interface UnloadedMessagesOptions {
  wechaty: Wechaty;
  logger: Logger;
  handle: (msg: Message) => void;
  maxTracked?: number;
  maxAttempts?: number;
  maxDone?: number;
}

export class UnloadedMessages {
  private readonly announced = new Map<string, Tracked>();
  private readonly done = new Set<string>();
  private readonly maxTracked: number;
  private readonly maxAttempts: number;
  private readonly maxDone: number;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly o: UnloadedMessagesOptions) {
    this.maxTracked = o.maxTracked ?? 1000;
    this.maxAttempts = o.maxAttempts ?? 5;
    this.maxDone = o.maxDone ?? 5000;
  }

  /** listens to the puppet's own `message` events (now, or once wechaty has created its puppet) */
  start(): () => void {
    this.stopped = false;
    const onAnnounced = ({ messageId }: { messageId: string }): void => this.announce(messageId);
    return onPuppet(this.o.wechaty, (p) => {
      p.on('message', onAnnounced);
      return () => p.off('message', onAnnounced);
    });
  }

  stop(): void {
    this.stopped = true;
  }

  /** marks `id` handled; false when it already was */
  take(id: string): boolean {
    this.announced.delete(id);
    if (this.done.has(id)) return false;
    this.done.add(id);
    if (this.done.size > this.maxDone) {
      const oldest = this.done.values().next().value;
      if (oldest !== undefined) this.done.delete(oldest);
    }
    return true;
  }

  get pending(): number {
    return this.announced.size;
  }

  retrySoon(): void {
    if (this.stopped || this.announced.size === 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.retry().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.retrySoon();
      }
    });
  }

  private announce(id: string): void {
    if (this.done.has(id) || this.announced.has(id)) return;
    this.announced.set(id, { attempts: 0 });
    if (this.announced.size > this.maxTracked) {
      const oldest = this.announced.keys().next().value;
      if (oldest !== undefined) {
        this.announced.delete(oldest);
        this.o.logger.warn({ messageId: oldest }, 'wechat: too many unloaded messages; gave one up');
      }
    }
  }

  private async retry(): Promise<void> {
    for (const [id, t] of [...this.announced]) {
      if (this.stopped) return;
      if (!this.announced.has(id)) continue; // emitted meanwhile
      let msg: Message | undefined;
      try {
        msg = await this.o.wechaty.Message.find({ id });
      } catch {
        msg = undefined;
      }
      if (msg) {
        if (!this.announced.has(id)) continue;
        this.o.logger.info({ messageId: id }, 'wechat: recovered a message that could not be loaded before');
        this.o.handle(msg);
        continue;
      }
      t.attempts++;
      if (t.attempts >= this.maxAttempts) {
        this.announced.delete(id);
        this.o.logger.warn(
          { messageId: id, attempts: t.attempts },
          'wechat: a message the puppet announced could not be loaded; gave it up',
        );
      }
    }
  }
}
