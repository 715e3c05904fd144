import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { QueueBackend } from '../kernel/queue/backend.js';
import { QueueName } from '../kernel/queue/names.js';
import type { TokenService } from '../modules/tokens/service.js';
import { body } from './error-handler.js';
import type { FailureLimiter } from './failure-limiter.js';
import { refuseIfLimited } from './failure-limiter.js';

export const BOARD_PATH = '/admin/queues';
const COOKIE = 'linli_queues';

/**
 * Bull Board's page: its scripts and stylesheet from its own static path; it renders inline
 * `style` attributes and one `<style>` while loading (hence 'unsafe-inline' for styles, never for
 * scripts); its Google Fonts link is refused (unreachable from mainland China anyway: system fonts).
 */
const BOARD_CSP = [
  "default-src 'none'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

const LOGIN_PAGE = (error = '') => `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Linli 队列 · Queues</title></head>
<body>
<h1>Linli 队列 · Queues</h1>
<p>用超级管理员令牌登录 · Sign in with a superuser token.</p>
${error ? `<p role="alert"><strong>${error}</strong></p>` : ''}
<form method="post" action="${BOARD_PATH}/login">
<label>令牌 Token <input type="password" name="token" autocomplete="off" required></label>
<button type="submit">登录 Sign in</button>
</form>
</body></html>`;

/** the token a request carries: the Authorization header, else the board's cookie */
function tokenOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

const wantsHtml = (req: FastifyRequest) => (req.headers.accept ?? '').includes('text/html');

/**
 * Bull Board (`@bull-board/fastify`) at `/admin/queues` over every Linli queue on Redis, for
 * superuser tokens only. Not on BullMQ's PostgreSQL backend: on the embedded database (one PGlite
 * session) its page's reads stalled the process under load and kept it from stopping for over a
 * minute (measured in CI); see `queueBoardUnavailable`. A browser signs in once at `/admin/queues/login` with the token: it is
 * checked, then kept in an HttpOnly, SameSite=Strict cookie scoped to `/admin/queues` (Secure over
 * HTTPS) and checked again on every request, so revoking the token ends the session at once; no
 * other site can make the browser send it (the board's retry/clean/pause calls included). A
 * failed sign-in counts against the client's failed-authentication limit like the API's.
 */
export async function registerQueueBoard(
  app: FastifyInstance,
  o: { queues: QueueBackend; tokens: TokenService; failures: FailureLimiter },
): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  createBullBoard({
    queues: Object.values(QueueName).map(
      (name) => new BullMQAdapter(o.queues.queue(name), { readOnlyMode: false }),
    ),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Linli 邻里' } },
  });
  serverAdapter.setBasePath(BOARD_PATH);

  const secure = (req: FastifyRequest) => (req.protocol === 'https' ? '; Secure' : '');
  const setCookie = (req: FastifyRequest, reply: FastifyReply, value: string, maxAge: number) =>
    reply.header(
      'set-cookie',
      `${COOKIE}=${encodeURIComponent(value)}; Path=${BOARD_PATH}; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure(req)}`,
    );

  await app.register(
    async (board) => {
      board.addHook('onSend', async (_req, reply) => {
        reply.header('content-security-policy', BOARD_CSP);
      });
      board.get('/login', { schema: { hide: true } }, async (_req, reply) =>
        reply.type('text/html; charset=utf-8').send(LOGIN_PAGE()),
      );
      board.post('/login', { schema: { hide: true } }, async (req, reply) => {
        if (refuseIfLimited(o.failures, req, reply) !== null)
          return reply
            .status(429)
            .type('text/html; charset=utf-8')
            .send(LOGIN_PAGE('尝试过多，请稍后再试 · Too many attempts'));
        const token = String((req.body as { token?: unknown } | undefined)?.token ?? '').trim();
        const principal = token ? await o.tokens.authenticate(token) : null;
        if (principal?.kind !== 'superuser') {
          if (!principal) o.failures.fail(req.ip);
          return reply
            .status(principal ? 403 : 401)
            .type('text/html; charset=utf-8')
            .send(
              LOGIN_PAGE(
                principal
                  ? '需要超级管理员令牌 · A superuser token is needed'
                  : '令牌无效 · Invalid or revoked token',
              ),
            );
        }
        setCookie(req, reply, token, 8 * 3600);
        return reply.status(303).header('location', `${BOARD_PATH}/`).send();
      });
      board.post('/logout', { schema: { hide: true } }, async (req, reply) => {
        setCookie(req, reply, '', 0);
        return reply.status(303).header('location', `${BOARD_PATH}/login`).send();
      });

      await board.register(async (guarded) => {
        guarded.addHook('onRequest', async (req, reply) => {
          if (refuseIfLimited(o.failures, req, reply) !== null)
            return reply
              .status(429)
              .send(body('rate_limited', 'Too many failed authentication attempts; try again later'));
          const token = tokenOf(req);
          const principal = token ? await o.tokens.authenticate(token) : null;
          if (!principal) {
            if (token) o.failures.fail(req.ip);
            if (wantsHtml(req)) return reply.status(303).header('location', `${BOARD_PATH}/login`).send();
            return reply
              .status(401)
              .header('www-authenticate', 'Bearer')
              .send(body('unauthorized', `Sign in at ${BOARD_PATH}/login, or send a superuser bearer token`));
          }
          if (principal.kind !== 'superuser')
            return reply
              .status(403)
              .send(body('forbidden', 'The queue dashboard is for superuser tokens only'));
        });
        await guarded.register(serverAdapter.registerPlugin());
      });
    },
    { prefix: BOARD_PATH },
  );
}

/**
 * `/admin/queues` where the board does not run (queues on BullMQ's PostgreSQL backend): 503 saying
 * so, and where the same facts are: `/metrics` (`bullmq_job_count{queue,state}`) and the
 * deliveries API.
 */
export function queueBoardUnavailable(app: FastifyInstance): void {
  const answer = async (_req: FastifyRequest, reply: FastifyReply) =>
    reply
      .status(503)
      .send(
        body(
          'queue_board_unavailable',
          'The queue dashboard runs with REDIS_URL set (BullMQ on Redis). Here the queues are in the database: ' +
            'see GET /metrics (bullmq_job_count by queue and state) and GET /api/v1/deliveries.',
        ),
      );
  app.get(BOARD_PATH, { schema: { hide: true } }, answer);
  app.get(`${BOARD_PATH}/*`, { schema: { hide: true } }, answer);
}
