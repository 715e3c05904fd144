/**
 * Linli as a process holding WeChat (`startLinli`, roles `all` and `wechat`) against a puppet
 * service on loopback (test/fakes/wechat/puppet-service-fake.ts), configured through the
 * environment as an operator would: /readyz and GET /api/v1/channels/wechat tell the truth while the
 * service is down and after it came up, and an operator's logout reaches the provider.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { type Linli, startLinli } from '../../src/app/runtime.js';
import { type PuppetServiceFake, startPuppetServiceFake } from '../fakes/wechat/puppet-service-fake.js';
import { freePort } from '../support/net.js';
import { until } from '../support/until.js';

const ADMIN = 'wechat-runtime-admin-token-000000000';
const LONG = 90_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(role: 'all' | 'wechat', fake: PuppetServiceFake) {
  const dataDir = mkdtempSync(join(tmpdir(), 'linli-wrt-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    ADMIN_TOKEN: ADMIN,
    SEED_DEMO: 'false',
    LINLI_ROLE: role,
    LOG_LEVEL: 'debug',
    WECHATY_PUPPET: 'wechaty-puppet-service',
    WECHATY_PUPPET_SERVICE_TOKEN: fake.token,
    WECHATY_PUPPET_SERVICE_ENDPOINT: fake.endpoint,
    WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT: 'true',
  });
  const lines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  const linli: Linli = await startLinli(config, logger);
  cleanups.push(() => linli.stop());
  const base = `http://127.0.0.1:${config.port}`;
  const get = async (path: string) => {
    const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };
  return { linli, base, get, lines, dataDir };
}

async function fakeService(serve: boolean) {
  const fake = await startPuppetServiceFake({ serve });
  cleanups.push(() => fake.close());
  return fake;
}

describe('a Linli process holding WeChat over the puppet service', () => {
  it('role all: /readyz degraded and the channel disconnected while the service is down; ready once it is up; an operator logs the account out', async () => {
    const fake = await fakeService(false);
    const { linli, base, get, lines } = await start('all', fake);

    const ready = await get('/readyz');
    expect(ready.status).toBe(200); // the admin API (which shows the QR code) stays in service
    expect(ready.body).toMatchObject({
      status: 'degraded',
      checks: { database: 'ok', queue: 'ok', wechat: 'disconnected' },
    });
    const channel = await get('/api/v1/channels/wechat');
    expect(channel.body).toMatchObject({ state: 'disconnected', reconnect: { attempt: expect.any(Number) } });
    expect(channel.body.lastError.message).toMatch(/UNAVAILABLE/);
    expect(linli.channels.wechat?.status().state).toBe('disconnected'); // what a later /metrics reads

    await fake.startServer();
    await until(async () => (await get('/readyz')).body.status === 'ready', 'ready', LONG);
    expect((await get('/api/v1/channels/wechat')).body).toMatchObject({
      state: 'logged_in',
      user: { id: fake.mock.bot.id },
    });

    const logout = await fetch(`${base}/api/v1/channels/wechat/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(logout.status).toBe(202);
    await until(() => !fake.mock.puppet.isLoggedIn, 'the provider to log the account out', LONG);
    await until(
      async () => (await get('/api/v1/channels/wechat')).body.state === 'logged_out',
      'logged_out',
      LONG,
    );
    expect((await get('/readyz')).body).toMatchObject({
      status: 'degraded',
      checks: { wechat: 'logged_out' },
    });
    expect(lines.join('')).not.toContain(fake.token);
  }, 240_000);

  it('role wechat: /readyz 503 naming wechat while the service is down, 200 once logged in; a stop leaves the account logged in', async () => {
    const fake = await fakeService(false);
    const { linli, get } = await start('wechat', fake);
    const down = await get('/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      error: { code: 'not_ready', message: 'Not ready: wechat disconnected' },
      checks: { database: 'ok', queue: 'ok', wechat: 'disconnected' },
    });
    expect((await get('/healthz')).status).toBe(200);

    await fake.startServer();
    await until(async () => (await get('/readyz')).status === 200, 'ready', LONG);
    expect((await get('/readyz')).body).toMatchObject({
      status: 'ready',
      checks: { database: 'ok', queue: 'ok', wechat: 'ok' },
    });
    // the status reached the database, for the API processes
    await until(
      async () =>
        ((await linli.services.channelState.login('wechat'))?.login as { state?: string })?.state ===
        'logged_in',
      'the saved status',
      LONG,
    );
    await linli.stop();
    expect(fake.mock.puppet.isLoggedIn).toBe(true);
    expect(fake.mock.puppet.state.active()).toBe(true);
  }, 240_000);
});
