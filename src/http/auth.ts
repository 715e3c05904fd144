import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { Actor, Principal } from '../domain/principal.js';
import type { TokenService } from '../domain/tokens/token-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/**
 * Bearer-token authentication for a route subtree, plus a limit on repeated failures: an
 * address that fails more than `maxFailures` times within `windowMs` gets 429 (with
 * Retry-After) for the rest of that window, even with a good token. In-process state: each
 * API instance counts its own failures.
 */
export interface AuthOptions {
  tokens: TokenService;
  maxFailures?: number;
  windowMs?: number;
}

export function installAuth(app: FastifyInstance, opts: AuthOptions): void {
  const maxFailures = opts.maxFailures ?? 10;
  const windowMs = opts.windowMs ?? 60_000;
  const failures = new Map<string, { count: number; resetAt: number }>();

  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req, reply) => {
    const now = Date.now();
    const entry = failures.get(req.ip);
    if (entry && entry.resetAt <= now) failures.delete(req.ip);
    const live = failures.get(req.ip);
    if (live && live.count >= maxFailures) {
      reply.header('retry-after', Math.ceil((live.resetAt - now) / 1000));
      throw new AppError(429, 'rate_limited', 'Too many failed authentication attempts; try again later');
    }
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const principal = token ? await opts.tokens.authenticate(token) : null;
    if (!principal) {
      const f = failures.get(req.ip) ?? { count: 0, resetAt: now + windowMs };
      f.count++;
      failures.set(req.ip, f);
      if (failures.size > 10_000) pruneExpired(failures, now);
      reply.header('www-authenticate', 'Bearer');
      throw new AppError(
        401,
        'unauthorized',
        token ? 'Invalid or revoked token' : 'Missing bearer token in the Authorization header',
      );
    }
    req.principal = principal;
  });
}

function pruneExpired(m: Map<string, { resetAt: number }>, now: number) {
  for (const [k, v] of m) if (v.resetAt <= now) m.delete(k);
}

/** The acting principal of an authenticated request, with its request id for the audit log. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.principal) throw new AppError(401, 'unauthorized', 'Not authenticated');
  return { principal: req.principal, requestId: String(req.id) };
}

export function principalOf(req: FastifyRequest): Principal {
  return actorOf(req).principal;
}
