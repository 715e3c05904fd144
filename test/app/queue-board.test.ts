/**
 * Bull Board at /admin/queues in a running Linli (role all) with its queues on Redis: a browser
 * signs in with a superuser token (kept in an HttpOnly, SameSite=Strict cookie), a scoped or bad
 * token is refused, the page loads under its own CSP, and its API lists every Linli queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/kernel/queue/names.js';
import { hasRedis, TEST_REDIS_URL } from '../support/env.js';
import { ADMIN_TOKEN, startTelegramLinli, type TelegramLinli } from '../support/telegram-linli.js';

describe('the queue dashboard without Redis (BullMQ on the embedded database)', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('answers 503 saying where the queues can be seen instead', async () => {
    t = await startTelegramLinli();
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      const r = await fetch(`${t.base}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(r.status).toBe(503);
      expect(((await r.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'queue_board_unavailable',
        message: expect.stringContaining('GET /metrics'),
      });
    }
  }, 60_000);
});

describe.runIf(hasRedis())('the queue dashboard (BullMQ on Redis)', () => {
  const env = { REDIS_URL: TEST_REDIS_URL };
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('superuser only, through a sign-in cookie or a bearer token; lists every queue', async () => {
    t = await startTelegramLinli({ env: { ...env, REDIS_PREFIX: `linli-qb-${process.pid}-${Date.now()}` } });
    const board = `${t.base}/admin/queues`;
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${board}${path}`, { headers, redirect: 'manual' });
    const login = (token: string) =>
      fetch(`${board}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
        redirect: 'manual',
      });

    // nobody signed in: the page sends a browser to sign in, the API answers 401
    const page = await get('/', { accept: 'text/html' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/queues/login');
    expect((await get('/api/queues')).status).toBe(401);
    const form = await get('/login');
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="token"');

    // a bad token and a compound's token are refused, and set no cookie
    const bad = await login('not-a-token-at-all-000000000000');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    const sunshine = (await t.json('GET', '/orgs?kind=compound')).items[0];
    const scoped = (await t.json('POST', '/tokens', { label: '物业', orgId: sunshine.id, role: 'admin' }))
      .token;
    expect((await login(scoped)).status).toBe(403);
    expect((await get('/api/queues', { authorization: `Bearer ${scoped}` })).status).toBe(403);

    // the superuser signs in: a cookie only this path gets, never readable by scripts, never cross-site
    const ok = await login(ADMIN_TOKEN);
    expect(ok.status).toBe(303);
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(
      /^linli_queues=[^;]+; Path=\/admin\/queues; HttpOnly; SameSite=Strict; Max-Age=28800$/,
    );
    const session = { cookie: cookie.split(';')[0] as string };
    const signedIn = await get('/', { ...session, accept: 'text/html' });
    expect(signedIn.status).toBe(200);
    const csp = signedIn.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("script-src 'self' 'unsafe-inline'");
    const html = await signedIn.text();
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect((await get(`/${script}`, session)).status).toBe(200);

    const listed = await get('/api/queues', session);
    expect(listed.status).toBe(200);
    const names = ((await listed.json()) as { queues: { name: string }[] }).queues.map((q) => q.name);
    expect(names.sort()).toEqual(Object.values(QueueName).sort());
    // a bearer superuser token works as well (scripts, curl)
    expect((await get('/api/queues', { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(200);

    // signing out clears the cookie
    const out = await fetch(`${board}/logout`, { method: 'POST', headers: session, redirect: 'manual' });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^linli_queues=; .*Max-Age=0/);
  }, 90_000);
});
