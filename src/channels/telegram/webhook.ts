import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Update } from 'grammy/types';
import type { Logger } from 'pino';
import { body as errorBody } from '../../http/error-handler.js';
import { failureLimiterOf, refuseIfLimited } from '../../http/failure-limiter.js';

export const WEBHOOK_PATH = '/telegram/webhook';
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/**
 * What became of a delivered update: handled (or deliberately ignored, or kept as a dead letter),
 * not handled for a reason that may pass (Telegram must deliver it again), or the adapter isn't
 * running.
 */
export type Delivery = 'done' | 'retry' | 'not_running';

export interface WebhookRouteOptions {
  secret: string;
  /** Hands the update over and resolves once it is handled; must not reject. */
  deliver: (update: Update) => Promise<Delivery>;
  logger: Logger;
}

/**
 * Registers `POST /telegram/webhook` in its own encapsulated scope (its own body parsing, so the
 * app's JSON parser never answers Telegram with a 400).
 *
 * Contract:
 * - the `X-Telegram-Bot-Api-Secret-Token` header must equal the secret (constant-time compare on
 *   sha256 digests), checked before the body is read: otherwise 401 `{"error":{"code":"unauthorized"}}`
 *   and nothing else happens but a count against the client's failed-authentication limit, shared
 *   with the admin API (src/http/failure-limiter.ts); a client over it gets 429 with Retry-After
 *   whatever secret it sends;
 * - a body that is not a JSON object with an integer `update_id` is logged at warn and answered 200:
 *   Telegram resends whatever gets a non-2xx, forever;
 * - otherwise the update is delivered and answered 200 (empty body, so it is never taken for a
 *   webhook reply) once it was handled: its turn committed, or it failed for good and was kept as
 *   a dead letter (see bot/handling-failure.ts);
 * - when handling failed for a reason that may pass (the database or Redis unreachable, a
 *   timeout), and while the adapter is not running (before start, after stop), the answer is 503
 *   with Retry-After, so Telegram keeps the update and redelivers it: a 2xx always means done.
 */
export async function registerWebhookRoute(app: FastifyInstance, opts: WebhookRouteOptions): Promise<void> {
  const expected = digest(opts.secret);
  const failures = failureLimiterOf(app);
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, raw, done) => done(null, raw));

    scope.addHook('onRequest', async (req, reply) => {
      if (refuseIfLimited(failures, req, reply) !== null)
        return reply
          .code(429)
          .send(errorBody('rate_limited', 'Too many failed authentication attempts; try again later'));
      const given = req.headers[SECRET_HEADER];
      if (typeof given === 'string' && timingSafeEqual(digest(given), expected)) return;
      failures.fail(req.ip);
      req.log.warn('telegram webhook call with a missing or wrong secret token');
      return reply
        .code(401)
        .send(errorBody('unauthorized', 'Missing or wrong X-Telegram-Bot-Api-Secret-Token'));
    });

    // Telegram's calls are not logged one by one (at 1,000 updates/s that is 2,000 access-log
    // lines a second); their outcomes are: errors, 401s and dropped updates are logged by the adapter.
    scope.post(WEBHOOK_PATH, { logLevel: 'warn' }, async (req, reply) => {
      const update = parseUpdate(req.body);
      if (!update) {
        // acknowledged (Telegram would resend it forever), but never silently
        opts.logger.warn({ reqId: req.id }, 'telegram webhook: malformed update acknowledged and dropped');
        return reply.code(200).send();
      }
      let outcome: Delivery;
      try {
        outcome = await opts.deliver(update);
      } catch (err) {
        // deliver() does not reject by contract; should it anyway, nothing says the update is done
        opts.logger.error({ err, updateId: update.update_id }, 'telegram webhook: delivery failed');
        outcome = 'retry';
      }
      if (outcome === 'not_running') {
        return reply
          .code(503)
          .header('retry-after', '5')
          .send(errorBody('unavailable', 'Bot is not running'));
      }
      if (outcome === 'retry') {
        return reply
          .code(503)
          .header('retry-after', '2')
          .send(errorBody('unavailable', 'The update could not be handled now; deliver it again'));
      }
      return reply.code(200).send();
    });
  });
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

function parseUpdate(raw: unknown): Update | undefined {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const id = (value as { update_id?: unknown }).update_id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? (value as Update) : undefined;
}
