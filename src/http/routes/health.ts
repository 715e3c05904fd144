import type { FastifyInstance } from 'fastify';
import { withTimeout } from '../../kernel/time/with-timeout.js';
import { body } from '../error-handler.js';

export interface ReadinessCheck {
  name: string;
  /** resolves when ready; rejects with the reason (an error with `state` names it in `checks`) */
  check: () => Promise<void>;
  /**
   * false: a failure does not make the process unready (200, `status: "degraded"`, the check named
   * in `degraded`). For a channel the process holds beside its main job, e.g. WeChat in role `all`:
   * answering 503 there would take the admin API (which serves the login QR code) and Telegram out
   * of a load balancer because of a WeChat outage they do not depend on. Default true.
   */
  critical?: boolean;
  /**
   * true: only a warning for the operator (e.g. next year's holidays unknown): a failure leaves the
   * status as it is and is listed in `warnings`, not in `checks`.
   */
  warning?: boolean;
}

const TIMEOUT_MS = 2000;

/**
 * `/healthz`: the process answers. `/readyz`: every critical check answers within 2 s, else 503
 * naming the failing ones; a failing non-critical check gives 200 with `status: "degraded"`.
 * `checks` maps each check to `ok`, `unreachable`, or the state its error names (e.g. WeChat's
 * `disconnected`); `warnings` (only when there are some) lists what an operator should see to but
 * does not make the process unready (next year's holidays unknown).
 */
export function healthRoutes(app: FastifyInstance, checks: ReadinessCheck[]) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const warnings = (
      await Promise.all(
        checks
          .filter((c) => c.warning)
          .map((c) =>
            withTimeout(c.check(), TIMEOUT_MS).then(
              () => null,
              (err: Error) => ({ name: c.name, message: err.message }),
            ),
          ),
      )
    ).filter((w) => w !== null);
    const warned = warnings.length ? { warnings } : {};
    const results = await Promise.all(
      checks
        .filter((c) => !c.warning)
        .map(async (c) => {
          try {
            await withTimeout(c.check(), TIMEOUT_MS);
            return { name: c.name, critical: c.critical ?? true, ok: true, state: 'ok', message: 'ok' };
          } catch (err) {
            const state = (err as { state?: unknown }).state;
            return {
              name: c.name,
              critical: c.critical ?? true,
              ok: false,
              state: typeof state === 'string' ? state : 'unreachable',
              message: (err as Error).message || 'unreachable',
            };
          }
        }),
    );
    const failing = results.filter((r) => !r.ok && r.critical);
    const degraded = results.filter((r) => !r.ok && !r.critical);
    const status = Object.fromEntries(results.map((r) => [r.name, r.state]));
    if (failing.length === 0) {
      if (degraded.length === 0) return { status: 'ready', checks: status, ...warned };
      return {
        status: 'degraded',
        checks: status,
        degraded: degraded.map((d) => ({ name: d.name, message: d.message })),
        ...warned,
      };
    }
    return reply.status(503).send({
      ...body(
        'not_ready',
        `Not ready: ${failing.map((f) => `${f.name} ${f.state === 'unreachable' ? 'unreachable' : f.state}`).join(', ')}`,
        failing.map((f) => ({ field: f.name, message: f.message })),
      ),
      checks: status,
      ...warned,
    });
  });
}
