import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { quietServices } from '../support/services.js';

describe('health, readiness and docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(() => t.close());

  it('/healthz and /readyz answer when all is well', async () => {
    expect((await t.call({ method: 'GET', url: '/healthz', token: null })).body).toEqual({ status: 'ok' });
    const ready = await t.call({ method: 'GET', url: '/readyz', token: null });
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: 'ok' });
  });

  it('/readyz is 503 naming the failing dependency', async () => {
    const app = await buildApp({
      services: quietServices(t.db),
      logger: pino({ level: 'silent' }),
      readiness: [
        { name: 'database', check: async () => {} },
        {
          name: 'queue',
          check: async () => {
            throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
          },
        },
      ],
    });
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({
      error: { code: 'not_ready', message: 'Not ready: queue unreachable', details: [{ field: 'queue' }] },
      checks: { database: 'ok', queue: 'unreachable' },
    });
    await app.close();
  });

  it('/readyz: a failing warning leaves it ready and is listed apart for the operator', async () => {
    const app = await buildApp({
      services: quietServices(t.db),
      logger: pino({ level: 'silent' }),
      readiness: [
        { name: 'database', check: async () => {} },
        {
          name: 'calendar',
          warning: true,
          check: async () => {
            throw new Error('the official holidays of 2027 are not known: PUT /api/v1/calendar/2027');
          },
        },
      ],
    });
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok' },
      warnings: [
        {
          name: 'calendar',
          message: 'the official holidays of 2027 are not known: PUT /api/v1/calendar/2027',
        },
      ],
    });
    await app.close();
  });

  it('/readyz: a failing non-critical check is `degraded` (200); a critical one is 503 naming its state', async () => {
    const wechatDown = async () => {
      throw Object.assign(new Error('WeChat disconnected since 2026-11-30T08:00:00.000Z: 14 UNAVAILABLE'), {
        state: 'disconnected',
      });
    };
    const build = (critical: boolean) =>
      buildApp({
        services: quietServices(t.db),
        logger: pino({ level: 'silent' }),
        readiness: [
          { name: 'database', check: async () => {} },
          { name: 'wechat', critical, check: wechatDown },
        ],
      });
    const all = await build(false);
    const degraded = await all.inject({ method: 'GET', url: '/readyz' });
    expect(degraded.statusCode).toBe(200);
    expect(degraded.json()).toEqual({
      status: 'degraded',
      checks: { database: 'ok', wechat: 'disconnected' },
      degraded: [
        { name: 'wechat', message: 'WeChat disconnected since 2026-11-30T08:00:00.000Z: 14 UNAVAILABLE' },
      ],
    });
    await all.close();
    const wechatRole = await build(true);
    const down = await wechatRole.inject({ method: 'GET', url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      error: { code: 'not_ready', message: 'Not ready: wechat disconnected', details: [{ field: 'wechat' }] },
      checks: { database: 'ok', wechat: 'disconnected' },
    });
    await wechatRole.close();
  });

  it('serves OpenAPI 3 with the admin routes, and the UI', async () => {
    const doc = await t.call({ method: 'GET', url: '/docs/json', token: null });
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/orgs',
        '/api/v1/orgs/{id}',
        '/api/v1/people',
        '/api/v1/tokens',
        '/api/v1/audit',
      ]),
    );
    expect((await t.call({ method: 'GET', url: '/docs', token: null })).status).toBeLessThan(400);
  });

  it('keeps a caller’s request id and sends one back; unknown routes are JSON 404s', async () => {
    const r = await t.call({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'abc-123' } });
    expect(r.headers['x-request-id']).toBe('abc-123');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
  });

  it('a 5xx hides its cause', async () => {
    const app = await buildApp({
      services: quietServices(t.db),
      logger: pino({ level: 'silent' }),
      readiness: [],
      plugins: [
        (a) => {
          a.get('/boom', async () => {
            throw new Error('password=hunter2 at db.internal:5432');
          });
        },
      ],
    });
    const r = await app.inject({ method: 'GET', url: '/boom' });
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain('hunter2');
    expect(r.json().error.code).toBe('internal');
    await app.close();
  });

  it('every log line of a request carries its request id', async () => {
    const lines: { reqId?: string; msg?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const app = await buildApp({
      services: quietServices(t.db),
      logger,
      readiness: [],
      plugins: [
        (a) => {
          a.get('/logs', async (req) => {
            req.log.info('handling');
            return { ok: true };
          });
        },
      ],
    });
    await app.inject({ method: 'GET', url: '/logs', headers: { 'x-request-id': 'trace-42' } });
    await app.close();
    const requestLines = lines.filter((l) => l.msg !== undefined && /request|handling/.test(l.msg));
    expect(requestLines.length).toBeGreaterThanOrEqual(3);
    expect(requestLines.every((l) => l.reqId === 'trace-42')).toBe(true);
  });
});
