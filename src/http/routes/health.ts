import type { FastifyInstance } from 'fastify';
import { body } from '../error-handler.js';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

const TIMEOUT_MS = 2000;

/** `/healthz`: the process answers. `/readyz`: every dependency answers within 2 s, else 503 naming it. */
export function healthRoutes(app: FastifyInstance, checks: ReadinessCheck[]) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const results = await Promise.all(
      checks.map(async (c) => {
        try {
          await withTimeout(c.check(), TIMEOUT_MS);
          return { name: c.name, ok: true, message: 'ok' };
        } catch (err) {
          return { name: c.name, ok: false, message: (err as Error).message || 'unreachable' };
        }
      }),
    );
    const failing = results.filter((r) => !r.ok);
    const status = Object.fromEntries(results.map((r) => [r.name, r.ok ? 'ok' : 'unreachable']));
    if (failing.length === 0) return { status: 'ready', checks: status };
    return reply.status(503).send({
      ...body(
        'not_ready',
        `Not ready: ${failing.map((f) => f.name).join(', ')} unreachable`,
        failing.map((f) => ({ field: f.name, message: f.message })),
      ),
      checks: status,
    });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
