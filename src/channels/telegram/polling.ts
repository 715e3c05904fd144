import type { Api } from 'grammy';
import { GrammyError, HttpError } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from 'pino';

/**
 * Long polling that never confirms an update before it is handled.
 *
 * Telegram's `getUpdates(offset)` confirms every update below `offset`, and there is no other way
 * to confirm. So the offset advances only over the prefix of updates that are done (handled, or
 * failed for good); an update whose handling failed for a reason that may pass stays unconfirmed
 * and is handed to `receive` again (after a backoff) when the next answer carries it.
 *
 * Meanwhile newer updates are still fetched and handled, so a slow chat does not hold up the
 * others: while something is in flight or waiting for a retry, the loop polls without a long-poll
 * timeout (Telegram answers at once with the unconfirmed updates, which it skips) and waits for a
 * handler to finish, or 250 ms, between polls. Telegram answers at most 100 updates from the
 * offset: 100 updates behind one that is still running wait for it.
 *
 * A 401 (token revoked) or 409 (a webhook is set, or another poller runs) stops polling, as grammY
 * does; other errors are retried with backoff (a 429's `retry_after` honoured).
 */
/** how long an update whose handling failed for a passing reason waits before it is tried again */
const RETRY_AFTER_MS = 1000;

export class PollingLoop {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  /** the next offset to send: every update below it is done */
  private offset = 0;
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly done = new Set<number>();
  /** update id → when it may be handed to `receive` again */
  private readonly retryAt = new Map<number, number>();
  private failures = 0;

  constructor(
    private readonly o: {
      api: Api;
      allowedUpdates: string[];
      /** settles (never rejects) with `retry` when the update must come again */
      receive: (u: Update) => Promise<'done' | 'retry'>;
      logger: Logger;
      /** long-poll timeout in seconds while idle (default 30) */
      timeoutSeconds?: number;
    },
  ) {}

  start(): void {
    this.running ??= this.loop().catch((err: unknown) =>
      this.o.logger.error({ err }, 'telegram polling stopped'),
    );
  }

  /**
   * Ends the poll in progress, waits for `idle` (the handlers still running) and confirms what
   * they finished with one last `getUpdates(offset, limit 1)`.
   */
  async stop(idle: () => Promise<void>): Promise<void> {
    this.abort.abort();
    await this.running;
    await idle();
    await Promise.all(this.inFlight.values());
    this.advance([]);
    if (this.offset > 0) {
      await this.o.api
        .getUpdates({ offset: this.offset, limit: 1, timeout: 0 })
        .catch((err: unknown) => this.o.logger.warn({ err }, 'telegram stop: confirm failed'));
    }
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const busy = this.inFlight.size > 0 || this.retryAt.size > 0;
      let updates: Update[];
      try {
        updates = await this.o.api.getUpdates(
          {
            offset: this.offset,
            limit: 100,
            timeout: busy ? 0 : (this.o.timeoutSeconds ?? 30),
            allowed_updates: this.o.allowedUpdates as never,
          },
          // grammY types its signal as the abort-controller shim's; Node's is what it uses at run time
          signal as Parameters<Api['getUpdates']>[1],
        );
        this.failures = 0;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof GrammyError && (err.error_code === 401 || err.error_code === 409)) throw err;
        await this.sleep(this.backoff(err));
        continue;
      }
      let started = 0;
      const now = Date.now();
      for (const u of updates) {
        const id = u.update_id;
        if (this.inFlight.has(id) || this.done.has(id)) continue;
        const at = this.retryAt.get(id);
        if (at !== undefined && at > now) continue;
        this.retryAt.delete(id);
        started++;
        this.inFlight.set(
          id,
          this.o.receive(u).then((outcome) => {
            this.inFlight.delete(id);
            if (outcome === 'done') this.done.add(id);
            else this.retryAt.set(id, Date.now() + RETRY_AFTER_MS);
          }),
        );
      }
      this.advance(updates);
      if (started === 0 && (this.inFlight.size > 0 || this.retryAt.size > 0)) {
        await Promise.race([...this.inFlight.values(), this.sleep(250)]);
      }
    }
  }

  /** Moves the offset over the done prefix of what Telegram still holds for us. */
  private advance(updates: Update[]): void {
    const held = new Set<number>([...updates.map((u) => u.update_id), ...this.done]);
    for (const id of this.inFlight.keys()) held.add(id);
    for (const id of this.retryAt.keys()) held.add(id);
    for (const id of [...held].sort((a, b) => a - b)) {
      if (id < this.offset) continue;
      if (!this.done.has(id)) break;
      this.done.delete(id);
      this.offset = id + 1;
    }
  }

  private backoff(err: unknown): number {
    this.failures++;
    const retryAfter =
      err instanceof GrammyError && err.error_code === 429 ? err.parameters.retry_after : undefined;
    if (retryAfter) return retryAfter * 1000;
    if (!(err instanceof HttpError) || this.failures > 1)
      this.o.logger.warn({ err, failures: this.failures }, 'telegram getUpdates failed: retrying');
    return Math.min(500 * 2 ** Math.min(this.failures - 1, 6), 30_000);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const signal = this.abort.signal;
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });
  }
}
