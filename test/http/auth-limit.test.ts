import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { registerWebhookRoute } from '../../src/channels/telegram/webhook.js';
import { clientKey } from '../../src/http/failure-limiter.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';

/**
 * The failed-authentication limit (10 a minute per client) counts the real client: the socket's
 * peer unless TRUST_PROXY names the proxy in front. Before, `trustProxy: true` let a client pick
 * its address with X-Forwarded-For: 200 bad tokens with rotating headers were 200 × 401, and 11
 * failures under a victim's address locked the victim's valid token out. Open311 api_keys and the
 * Telegram webhook secret were not limited at all.
 */
const SECRET = 'hook-secret-for-limit-tests';
const webhook = (app: FastifyInstance) =>
  registerWebhookRoute(app, {
    secret: SECRET,
    deliver: async () => 'done',
    logger: pino({ level: 'silent' }),
  });

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const orgs = (token: string, remoteAddress: string, xff?: string) =>
  t!.call({
    method: 'GET',
    url: '/api/v1/orgs',
    token,
    remoteAddress,
    headers: xff ? { 'x-forwarded-for': xff } : {},
  });
const open311 = (remoteAddress: string, key: { query?: string; header?: string }) =>
  t!.call({
    method: 'GET',
    url: `/open311/v2/services.json${key.query ? `?api_key=${key.query}` : ''}`,
    token: null,
    remoteAddress,
    headers: key.header ? { 'x-api-key': key.header } : {},
  });
const hook = (remoteAddress: string, secret: string) =>
  t!.call({
    method: 'POST',
    url: '/telegram/webhook',
    token: null,
    remoteAddress,
    headers: { 'x-telegram-bot-api-secret-token': secret, 'content-type': 'application/json' },
    body: JSON.stringify({ update_id: 1 }),
  });

describe('without TRUST_PROXY', () => {
  it('counts the socket peer: 200 bad tokens with rotating X-Forwarded-For get 429 after 10', async () => {
    t = await startTestApp('pglite');
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      statuses.push((await orgs(`bad-token-${i}`, '203.0.113.66', `198.51.100.${i % 250}`)).status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(190).fill(429));
    const limited = await orgs(ADMIN, '203.0.113.66');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.error.code).toBe('rate_limited');
  });

  it('a forged X-Forwarded-For cannot lock out a valid token used from another address', async () => {
    t = await startTestApp('pglite');
    for (let i = 0; i < 11; i++) await orgs(`bad-${i}`, '203.0.113.66', '203.0.113.7');
    expect((await orgs(ADMIN, '203.0.113.7')).status).toBe(200);
    // the sender itself is limited, even with a good token
    expect((await orgs(ADMIN, '203.0.113.66', '203.0.113.8')).status).toBe(429);
  });

  it('limits bad Open311 api_keys (query or X-Api-Key) in the Open311 error format', async () => {
    t = await startTestApp('pglite');
    expect((await open311('203.0.113.9', { header: ADMIN })).status).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await open311('203.0.113.66', { query: `bad-${i}` })).status).toBe(403);
    for (let i = 0; i < 4; i++)
      expect((await open311('203.0.113.66', { header: `bad-${i}` })).status).toBe(403);
    expect((await open311('203.0.113.66', {})).status).toBe(403); // a missing key counts too
    const limited = await open311('203.0.113.66', { header: ADMIN });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual([{ code: 429, description: expect.stringMatching(/Too many failed/) }]);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await open311('203.0.113.9', { query: ADMIN })).status).toBe(200);
  });

  it('limits bad Telegram webhook secrets, and a valid secret from another address still passes', async () => {
    t = await startTestApp('pglite', { plugins: [webhook] });
    for (let i = 0; i < 10; i++) expect((await hook('203.0.113.66', `wrong-${i}`)).status).toBe(401);
    const limited = await hook('203.0.113.66', SECRET);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await hook('149.154.167.220', SECRET)).status).toBe(200);
  });

  it('counts failures at every door together', async () => {
    t = await startTestApp('pglite', { plugins: [webhook] });
    for (let i = 0; i < 4; i++) await orgs(`bad-${i}`, '203.0.113.66');
    for (let i = 0; i < 3; i++) await open311('203.0.113.66', { query: `bad-${i}` });
    for (let i = 0; i < 3; i++) await hook('203.0.113.66', `wrong-${i}`);
    expect((await orgs(ADMIN, '203.0.113.66')).status).toBe(429);
    expect((await open311('203.0.113.66', { query: ADMIN })).status).toBe(429);
    expect((await hook('203.0.113.66', SECRET)).status).toBe(429);
  });
});

describe('with TRUST_PROXY', () => {
  it('a listed proxy: the client is the address it forwarded; a client cannot forge past it', async () => {
    t = await startTestApp('pglite', { trustProxy: ['10.0.0.1'] });
    for (let i = 0; i < 11; i++) await orgs(`bad-${i}`, '10.0.0.1', '198.51.100.1');
    expect((await orgs(ADMIN, '10.0.0.1', '198.51.100.1')).status).toBe(429);
    expect((await orgs(ADMIN, '10.0.0.1', '198.51.100.2')).status).toBe(200);
    // 198.51.100.1 writes "198.51.100.2" itself; the proxy appends the real peer
    expect((await orgs(ADMIN, '10.0.0.1', '198.51.100.2, 198.51.100.1')).status).toBe(429);
    // a sender that is not the listed proxy is its own client, whatever it writes
    expect((await orgs(ADMIN, '203.0.113.5', '198.51.100.1')).status).toBe(200);
  });

  it('a hop count trusts that many nearest hops', async () => {
    t = await startTestApp('pglite', { trustProxy: 1 });
    for (let i = 0; i < 11; i++) await orgs(`bad-${i}`, '10.0.0.1', '198.51.100.2, 198.51.100.1');
    expect((await orgs(ADMIN, '10.0.0.2', '198.51.100.1')).status).toBe(429);
    expect((await orgs(ADMIN, '10.0.0.2', '198.51.100.2')).status).toBe(200);
  });
});

describe('the counted unit', () => {
  it('is an IPv4 address, or the /64 of an IPv6 address', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::5')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
  });
});
