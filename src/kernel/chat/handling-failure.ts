/**
 * Why handling an inbound update failed, and what the channel should do about it.
 *
 * - transient: the database or Redis is unreachable, restarting or overloaded, a connection broke,
 *   a statement timed out, a serialization failure or deadlock. The update must come again: the
 *   Telegram webhook answers 503 with Retry-After (Telegram redelivers), long polling does not
 *   confirm its offset, WeChat retries the message in process.
 * - anything else is permanent for this update (content the database refuses, a bug): retrying
 *   would fail the same way and hold up the chat behind it, so the update is kept as a dead letter
 *   (`linli.failed_updates`, with the error), logged with its id and acknowledged.
 */
const TRANSIENT_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ESOCKETTIMEDOUT',
]);

/** SQLSTATEs that say "try again": connection exceptions, resources, shutdown, concurrency. */
const TRANSIENT_SQLSTATE = /^(08|53|57P0[1-5]|40001|40P01|55P03|58)/;

/** Messages of pg, pg-pool, ioredis and BullMQ for a lost or unavailable connection. */
const TRANSIENT_MESSAGE =
  /Connection terminated|connection error|timeout exceeded when trying to connect|Connection is closed|Stream isn't writeable|Reached the max retries per request|Cannot use a pool after calling end|the database system is (starting up|shutting down|in recovery mode)|Query read timeout|Command timed out|terminating connection/i;

export function isTransient(err: unknown, depth = 0): boolean {
  if (depth > 5 || err === null || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') {
    if (TRANSIENT_SYSTEM_CODES.has(e.code)) return true;
    if (/^[0-9A-Z]{5}$/.test(e.code) && TRANSIENT_SQLSTATE.test(e.code)) return true;
  }
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.message === 'string' && TRANSIENT_MESSAGE.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((x) => isTransient(x, depth + 1)))
    return true;
  return e.cause !== undefined && isTransient(e.cause, depth + 1);
}

/**
 * Raised by the inbound handler when an update could not be handled for a reason that may pass:
 * nothing of it was committed, and the channel must have it delivered again.
 */
export class TransientHandlingError extends Error {
  constructor(
    readonly updateId: string,
    cause: unknown,
  ) {
    super(`update ${updateId} not handled: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'TransientHandlingError';
  }
}

/**
 * Runs `attempt` again while it fails transiently (backoff 0.5 s doubling to 30 s), until it
 * succeeds, fails for good (rethrown), or `stopped()` turns true (the last error is rethrown): for a
 * channel that cannot have an update delivered again (WeChat through a puppet).
 */
export async function retryWhileTransient<T>(
  attempt: () => Promise<T>,
  o: { stopped: () => boolean; onRetry?: (err: unknown, delayMs: number) => void; maxDelayMs?: number },
): Promise<T> {
  let delay = 500;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof TransientHandlingError) && !isTransient(err)) throw err;
      if (o.stopped()) throw err;
      o.onRetry?.(err, delay);
      await new Promise((r) => setTimeout(r, delay));
      if (o.stopped()) throw err;
      delay = Math.min(delay * 2, o.maxDelayMs ?? 30_000);
    }
  }
}
