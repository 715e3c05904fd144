import { isIPv6 } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The failed-authentication limit shared by every door of the HTTP API: bearer tokens under
 * /api/v1, Open311 `api_key`s and the Telegram webhook's secret header. A client that fails more
 * than `maxFailures` times within `windowMs` is refused (429 with Retry-After) for the rest of
 * that window, whatever it presents, even a good token: otherwise a locked-out guesser could
 * still tell a good token from a bad one.
 *
 * Contract:
 * - the client is `req.ip`: the socket's peer unless TRUST_PROXY names the proxies in front
 *   (then Fastify takes the nearest address not a trusted proxy from X-Forwarded-For), so a
 *   header a client writes itself never decides whose failures are counted, and one address can
 *   neither escape the limit by rotating the header nor lock out another address;
 * - IPv6 clients count per /64 (one host usually holds a whole /64), IPv4-mapped IPv6 as IPv4;
 * - in-process state: each API process counts its own failures; at most `maxClients` addresses
 *   are tracked (expired ones are pruned first, then the oldest), so a flood of addresses cannot
 *   grow memory without bound.
 */
export interface FailureLimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  maxClients?: number;
}

interface Entry {
  count: number;
  resetAt: number;
}

export class FailureLimiter {
  readonly maxFailures: number;
  readonly windowMs: number;
  private readonly maxClients: number;
  private readonly entries = new Map<string, Entry>();

  constructor(opts: FailureLimiterOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 10;
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxClients = opts.maxClients ?? 100_000;
  }

  /** Seconds until `ip` may try again, or null while it is under the limit. */
  retryAfter(ip: string, now = Date.now()): number | null {
    const key = clientKey(ip);
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.resetAt <= now) {
      this.entries.delete(key);
      return null;
    }
    return e.count >= this.maxFailures ? Math.max(1, Math.ceil((e.resetAt - now) / 1000)) : null;
  }

  /** Counts one failed authentication of `ip`. */
  fail(ip: string, now = Date.now()): void {
    const key = clientKey(ip);
    let e = this.entries.get(key);
    if (!e || e.resetAt <= now) {
      if (e) this.entries.delete(key);
      if (this.entries.size >= this.maxClients) this.prune(now);
      e = { count: 0, resetAt: now + this.windowMs };
      this.entries.set(key, e);
    }
    e.count++;
  }

  private prune(now: number): void {
    for (const [k, v] of this.entries) if (v.resetAt <= now) this.entries.delete(k);
    // still full: drop the oldest windows (a Map iterates in insertion order)
    for (const k of this.entries.keys()) {
      if (this.entries.size < this.maxClients) break;
      this.entries.delete(k);
    }
  }
}

/** The unit an address is counted in: IPv4 as is, IPv6 by its /64 prefix. */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's failed-authentication limit (decorated by buildApp). */
    authFailures: FailureLimiter;
  }
}

/** The limiter of `app` (decorated by buildApp); a route registered on a bare Fastify gets its own. */
export function failureLimiterOf(app: FastifyInstance): FailureLimiter {
  if (!app.hasDecorator('authFailures')) app.decorate('authFailures', new FailureLimiter());
  return app.authFailures;
}

/**
 * When `req`'s client is over the limit, sets Retry-After on `reply` and returns the seconds;
 * the caller answers 429 in its own error format.
 */
export function refuseIfLimited(
  limiter: FailureLimiter,
  req: FastifyRequest,
  reply: FastifyReply,
): number | null {
  const seconds = limiter.retryAfter(req.ip);
  if (seconds !== null) reply.header('retry-after', String(seconds));
  return seconds;
}
