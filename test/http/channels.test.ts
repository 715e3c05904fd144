import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WechatStatus } from '../../src/channels/wechat/login-status.js';
import { buildApp } from '../../src/http/app.js';
import { ADMIN, seedTree, startTestApp, type TestApp, tokenFor } from '../support/app.js';
import { pngSize } from '../support/png.js';

/** GET /api/v1/channels/wechat and POST …/logout, on an app that has WeChat configured */
describe('the WeChat channel API', () => {
  let t: TestApp;
  let viewer: string;
  let live: WechatStatus | undefined;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let liveApp: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    t = await startTestApp('pglite');
    const { compoundA } = await seedTree(t);
    viewer = await tokenFor(t, compoundA, 'admin');
    const opts = {
      services: t.services,
      logger: pino({ level: 'silent' }),
      readiness: [],
      wechatConfigured: true,
    };
    app = await buildApp(opts);
    liveApp = await buildApp({ ...opts, wechatStatus: () => live! });
  });
  afterAll(async () => {
    await app.close();
    await liveApp.close();
    await t.close();
  });

  const call = async (a: typeof app, method: 'GET' | 'POST', url: string, token = ADMIN) => {
    const r = await a.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
    return { status: r.statusCode, body: r.json() };
  };
  const save = (login: unknown, agoMs = 0) =>
    t.db.query(
      `INSERT INTO linli.channel_state (channel, login, login_updated_at) VALUES ('wechat', $1, now() - make_interval(secs => $2))
       ON CONFLICT (channel) DO UPDATE SET login = EXCLUDED.login, login_updated_at = EXCLUDED.login_updated_at`,
      [JSON.stringify(login), agoMs / 1000],
    );

  it('says not_configured without a puppet, connecting before the wechat process reported', async () => {
    expect((await call(await t.app, 'GET', '/api/v1/channels/wechat')).body).toEqual({
      state: 'not_configured',
    });
    expect((await call(app, 'GET', '/api/v1/channels/wechat')).body).toEqual({ state: 'connecting' });
  });

  it('serves what the wechat process saved; a report older than a minute is a disconnected process', async () => {
    const since = '2026-11-30T08:00:00.000Z';
    await save({
      state: 'disconnected',
      since,
      lastError: { message: '14 UNAVAILABLE: No connection established', at: since },
      reconnect: { attempt: 3, nextAt: since },
    });
    expect((await call(app, 'GET', '/api/v1/channels/wechat')).body).toMatchObject({
      state: 'disconnected',
      since,
      lastError: { message: '14 UNAVAILABLE: No connection established' },
      reconnect: { attempt: 3 },
    });
    await save({ state: 'starting', since }); // saved by an older version
    expect((await call(app, 'GET', '/api/v1/channels/wechat')).body).toMatchObject({ state: 'connecting' });

    await save({ state: 'logged_in', since, user: { id: 'wxid_bot', name: '邻里助手' } }, 120_000);
    const stale = (await call(app, 'GET', '/api/v1/channels/wechat')).body;
    expect(stale).toMatchObject({ state: 'disconnected', user: { id: 'wxid_bot' } });
    expect(stale.lastError.message).toMatch(/^the wechat process has not reported since /);
  });

  it('serves the live status in the process that holds the channel', async () => {
    live = {
      state: 'waiting_for_scan',
      since: new Date('2026-11-30T08:00:00Z'),
      qrcode: 'qr',
      qrcodeUrl: 'u',
    };
    expect((await call(liveApp, 'GET', '/api/v1/channels/wechat')).body).toEqual({
      state: 'waiting_for_scan',
      since: '2026-11-30T08:00:00.000Z',
      qrcode: 'qr',
      qrcodeUrl: 'u',
    });
  });

  it('draws the login QR code itself: a PNG for a superuser while waiting for a scan, else 409; 403 for others', async () => {
    const png = async (token = ADMIN) => {
      const r = await app.inject({
        method: 'GET',
        url: '/api/v1/channels/wechat/qr.png',
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: r.statusCode, type: r.headers['content-type'], bytes: r.rawPayload };
    };
    await save({
      state: 'waiting_for_scan',
      since: new Date().toISOString(),
      qrcode: 'https://login.weixin.qq.com/l/abc==',
    });
    const first = await png();
    expect(first.status).toBe(200);
    expect(first.type).toBe('image/png');
    expect(pngSize(first.bytes)).toEqual({ width: 360, height: 360 });
    // another code, another image (drawn from the code, not a fixed picture)
    await save({
      state: 'waiting_for_scan',
      since: new Date().toISOString(),
      qrcode: 'https://login.weixin.qq.com/l/xyz==',
    });
    const second = await png();
    expect(second.status).toBe(200);
    expect(second.bytes.equals(first.bytes)).toBe(false);
    expect((await png(viewer)).status).toBe(403);
    await save({
      state: 'logged_in',
      since: new Date().toISOString(),
      user: { id: 'wxid_bot', name: '邻里助手' },
    });
    const loggedIn = await png();
    expect(loggedIn.status).toBe(409);
  });

  it('logout: superuser only, only when logged in; the request is left for the wechat process, audited', async () => {
    await save({ state: 'waiting_for_scan', since: new Date().toISOString() });
    expect(await call(app, 'POST', '/api/v1/channels/wechat/logout', viewer)).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    expect(await call(app, 'POST', '/api/v1/channels/wechat/logout')).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict', message: 'WeChat is not logged in (state: waiting_for_scan)' } },
    });
    expect(await t.services.channelState.takeCommand('wechat')).toBeNull();

    await save({
      state: 'logged_in',
      since: new Date().toISOString(),
      user: { id: 'wxid_bot', name: '邻里助手' },
    });
    expect(await call(app, 'POST', '/api/v1/channels/wechat/logout')).toEqual({
      status: 202,
      body: { accepted: true, state: 'logged_in' },
    });
    expect(await t.services.channelState.takeCommand('wechat')).toMatchObject({ kind: 'logout' });
    expect(await t.services.channelState.takeCommand('wechat')).toBeNull(); // taken once
    const audit = await call(app, 'GET', '/api/v1/audit?action=wechat.logout');
    expect(audit.body.items).toEqual([
      expect.objectContaining({ action: 'wechat.logout', objectType: 'channel', objectId: 'wechat' }),
    ]);
  });
});
