import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../kernel/access/errors.js';
import type { Actor, Principal } from '../kernel/access/principal.js';
import type { TokenService } from '../modules/tokens/service.js';
import { type FailureLimiter, refuseIfLimited } from './failure-limiter.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/**
 * Bearer-token authentication for a route subtree. A missing or bad token counts against the
 * client's failed-authentication limit (src/http/failure-limiter.ts), shared with Open311 and
 * the Telegram webhook; a client over it gets 429 with Retry-After before its token is looked at.
 */
export interface AuthOptions {
  tokens: TokenService;
  failures: FailureLimiter;
}

/** A route's auth settings (`config` of the route). */
export interface RouteAuthConfig {
  /** no Authorization header: the handler runs with `req.principal` null and decides what to show */
  tokenOptional?: boolean;
}

export function installAuth(app: FastifyInstance, opts: AuthOptions): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req, reply) => {
    if (refuseIfLimited(opts.failures, req, reply) !== null) {
      throw new AppError(429, 'rate_limited', 'Too many failed authentication attempts; try again later');
    }
    const header = req.headers.authorization;
    // a route that answers without a token what anyone may read (`config.tokenOptional`, e.g. a
    // closed vote's ballot log) decides itself with `req.principal` null; a token given is checked
    if (header === undefined && (req.routeOptions.config as RouteAuthConfig | undefined)?.tokenOptional)
      return;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const principal = token ? await opts.tokens.authenticate(token) : null;
    if (!principal) {
      opts.failures.fail(req.ip);
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

/** The acting principal of an authenticated request, with its request id for the audit log. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.principal) throw new AppError(401, 'unauthorized', 'Not authenticated');
  return { principal: req.principal, requestId: String(req.id) };
}

export function principalOf(req: FastifyRequest): Principal {
  return actorOf(req).principal;
}
