import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { registerWebhookRoute } from '../../src/channels/telegram/webhook.js';
import { ADMIN, seedTree, startTestApp, type TestApp, tokenFor } from '../support/app.js';

/**
 * No secret in any log line. Before, every request was logged at info with its full URL, and
 * Open311 GET takes `api_key` in the query: one run's log held scoped tokens and the superuser
 * token. This runs a representative set of requests through the app with the production logger
 * (at trace, the most it ever writes) into a buffer, then looks for every secret it used.
 */
const SECRET = 'webhook-secret-Zq81Kd0pLx';
const BAD_TOKEN = 'not-a-real-token-Yb27Hs9qTw';
const COOKIE = 'session-cookie-Wc64Nv3mRe';

describe('the request log', () => {
  const lines: string[] = [];
  let t: TestApp;
  const secrets: string[] = [ADMIN, SECRET, BAD_TOKEN, COOKIE];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    t = await startTestApp('pglite', {
      logger: createLogger('trace', sink),
      auth: { maxFailures: 1000 },
      plugins: [
        (app: FastifyInstance) =>
          registerWebhookRoute(app, {
            secret: SECRET,
            deliver: async () => 'done',
            logger: pino({ level: 'silent' }),
          }),
      ],
    });
    const tree = await seedTree(t);
    const admin = await tokenFor(t, tree.compoundA, 'admin');
    const viewer = await tokenFor(t, tree.compoundA, 'viewer');
    secrets.push(admin, viewer);

    const calls: Parameters<TestApp['call']>[0][] = [
      // admin API: bearer tokens, good and bad, and tokens someone put in a query string
      { method: 'GET', url: '/api/v1/orgs', token: admin },
      { method: 'GET', url: `/api/v1/orgs?q=x&token=${viewer}`, token: viewer },
      { method: 'GET', url: '/api/v1/orgs', token: BAD_TOKEN },
      { method: 'GET', url: `/api/v1/nope?access_token=${admin}`, token: admin },
      { method: 'GET', url: '/api/v1/orgs', token: ADMIN, headers: { cookie: `sid=${COOKIE}` } },
      { method: 'POST', url: '/api/v1/tokens', body: { orgId: tree.compoundB, role: 'viewer', label: 'x' } },
      // Open311: api_key in the query (the spec's way), in the X-Api-Key header, in a form body
      { method: 'GET', url: `/open311/v2/services.json?api_key=${admin}`, token: null },
      { method: 'GET', url: `/open311/v2/requests.json?status=open&api_key=${viewer}&x=1`, token: null },
      { method: 'GET', url: `/open311/v2/services.json?api_key=${BAD_TOKEN}`, token: null },
      { method: 'GET', url: `/open311/v2/nothing.xml?api_key=${admin}`, token: null },
      { method: 'GET', url: `/open311/v2/services.json?API_KEY=${ADMIN}`, token: null },
      { method: 'GET', url: '/open311/v2/services.json', token: null, headers: { 'x-api-key': admin } },
      {
        method: 'POST',
        url: `/open311/v2/requests.json?api_key=${admin}`,
        token: null,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ api_key: admin, service_code: 'nope' }).toString(),
      },
      // unknown routes outside both, with a key in the query
      { method: 'GET', url: `/nowhere?api_key=${admin}&secret=${SECRET}`, token: null },
      // the Telegram webhook: right and wrong secret headers
      {
        method: 'POST',
        url: '/telegram/webhook',
        token: null,
        headers: { 'x-telegram-bot-api-secret-token': SECRET, 'content-type': 'application/json' },
        body: JSON.stringify({ update_id: 7 }),
      },
      {
        method: 'POST',
        url: `/telegram/webhook?secret=${SECRET}`,
        token: null,
        headers: { 'x-telegram-bot-api-secret-token': BAD_TOKEN, 'content-type': 'application/json' },
        body: '{}',
      },
    ];
    for (const c of calls) await t.call(c);
  }, 120_000);
  afterAll(() => t.close());

  it('logged the requests, with their keys redacted', () => {
    expect(lines.length).toBeGreaterThan(30);
    const urls = lines.map((l) => JSON.parse(l).req?.url).filter(Boolean);
    expect(urls).toContain('/open311/v2/services.json?api_key=[redacted]');
    expect(urls).toContain('/open311/v2/requests.json?status=open&api_key=[redacted]&x=1');
    expect(urls).toContain('/api/v1/orgs?q=x&token=[redacted]');
  });

  it('holds none of the tokens and secrets used', () => {
    for (const secret of secrets) {
      const leaks = lines.filter((l) => l.includes(secret));
      expect(leaks, `log lines holding ${secret.slice(0, 6)}…`).toEqual([]);
    }
  });
});
