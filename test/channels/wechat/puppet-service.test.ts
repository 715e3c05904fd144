/**
 * The WeChat adapter over the real puppet-service protocol: `createWechaty` builds Linli's
 * wechaty-puppet-service client, which talks gRPC (plain, loopback) to `wechaty-puppet-service`'s own
 * PuppetServer serving the mock puppet (test/fakes/wechat/puppet-service-fake.ts). The service is
 * taken down and brought back underneath the adapter; every wait polls, none asserts a duration.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { types } from 'wechaty';
import { puppetServiceCacheDir } from '../../../src/channels/wechat/puppet-service.js';
import { WechatAdapter } from '../../../src/channels/wechat/wechat-adapter.js';
import { createWechaty } from '../../../src/channels/wechat/wechaty-factory.js';
import type { InboundMessage } from '../../../src/kernel/chat/port.js';
import { type PuppetServiceFake, startPuppetServiceFake } from '../../fakes/wechat/puppet-service-fake.js';
import { until } from '../../support/until.js';
import { captureLogger, type LogLine } from './support.js';

const FAST = { initialMs: 100, maxMs: 1000 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fakeService(
  opts: Parameters<typeof startPuppetServiceFake>[0] = {},
): Promise<PuppetServiceFake> {
  const fake = await startPuppetServiceFake(opts);
  cleanups.push(() => fake.close());
  return fake;
}

interface Linli {
  adapter: WechatAdapter;
  received: InboundMessage[];
  logs: LogLine[];
  dataDir: string;
}

/** what one Linli process builds for WeChat: a fresh client Wechaty and the adapter on it */
async function linli(
  fake: PuppetServiceFake,
  o: { token?: string; dataDir?: string; logger?: { logger: Logger; lines: LogLine[] } } = {},
): Promise<Linli> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'linli-ps-'));
  if (!o.dataDir) cleanups.push(() => rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));
  const { logger, lines } = o.logger ?? captureLogger();
  const settings = { ...fake.settings, token: o.token ?? fake.token };
  const { wechaty, transport } = await createWechaty({
    puppet: 'wechaty-puppet-service',
    service: settings,
    dataDir,
    logger,
  });
  const adapter = new WechatAdapter({ wechaty, transport, logger, retry: FAST, drainTimeoutMs: 2000 });
  const received: InboundMessage[] = [];
  await adapter.start(async (m) => {
    received.push(m);
  });
  cleanups.push(() => adapter.stop());
  return { adapter, received, logs: lines, dataDir };
}

const state = (l: Linli) => l.adapter.status().state;

describe('WeChat over wechaty-puppet-service (PuppetServer on loopback)', () => {
  it('the service down at boot: reported, retried with backoff, logged in once it is up — without a restart', async () => {
    const fake = await fakeService({ serve: false });
    const l = await linli(fake);

    // start() came back although nothing answers; the status says why
    expect(l.adapter.status()).toMatchObject({ state: 'disconnected', reconnect: { attempt: 1 } });
    expect(l.adapter.status().lastError?.message).toMatch(/UNAVAILABLE|ECONNREFUSED|did not start/);
    // (each failed attempt takes ~5 s: the client waits that long for its own start to settle)
    await until(() => (l.adapter.status().reconnect?.attempt ?? 0) >= 3, 'three failed attempts', 60_000);
    const warnings = l.logs.filter(
      (x) => x.level === 40 && x.msg === 'wechat: cannot reach the puppet; retrying',
    );
    expect(warnings).toHaveLength(1); // logged once, not once per retry
    expect(warnings[0]?.error).toMatch(/UNAVAILABLE/);

    await fake.startServer();
    await until(() => state(l) === 'logged_in', 'the login after the service came up', 60_000);
    await until(() => l.adapter.status().user?.name === '邻里助手', "the account's name");
    expect(l.adapter.status().user?.id).toBe(fake.mock.bot.id);
    expect(l.adapter.status().reconnect).toBeUndefined();
    expect(l.logs.some((x) => x.msg === 'wechat: connected to the puppet again')).toBe(true);

    const alice = await fake.mock.createResident('Alice');
    const room = await fake.mock.createRoom('3号楼', [alice]);
    await fake.mock.say(alice, '停水了吗', room);
    await until(() => l.received.length === 1, 'the message through the service');
    expect(l.received[0]).toMatchObject({ text: '停水了吗', chat: { externalId: room.id, kind: 'group' } });
  }, 120_000);

  it('the service restarts mid-conversation: sends wait while it is away, the session survives, messages flow again', async () => {
    const fake = await fakeService();
    const l = await linli(fake);
    await until(() => state(l) === 'logged_in', 'logged in', 30_000);
    const alice = await fake.mock.createResident('Alice');
    // Alice adds the bot; the adapter accepts through the service
    await fake.mock.requestFriendship(alice, '你好');
    await fake.mock.waitForFriend(alice, 10_000);
    await fake.mock.say(alice, 'first');
    await until(() => l.received.length === 1, 'the first message');

    await fake.stopServer();
    await until(() => state(l) === 'disconnected', 'the loss to be noticed', 30_000);
    // nothing can go out: the send waits (no attempt counted) instead of failing
    await expect(
      l.adapter.send({ chat: { externalId: alice.id, kind: 'private' }, text: 'while away' }),
    ).rejects.toMatchObject({ kind: 'unavailable' });
    expect(fake.mock.wechaty.isLoggedIn).toBe(true); // the provider's session was never stopped

    await fake.startServer();
    await until(() => state(l) === 'logged_in', 'the reconnection', 60_000);
    await fake.mock.say(alice, 'second');
    await until(() => l.received.length === 2, 'the second message');
    const sent = await l.adapter.send({ chat: { externalId: alice.id, kind: 'private' }, text: 'back' });
    expect(fake.mock.sent.map((m) => [m.toId, m.text])).toEqual([[alice.id, 'back']]);
    expect(sent.messageId).toBe(fake.mock.sent[0]?.id);
    expect(l.received.map((m) => m.text)).toEqual(['first', 'second']);
  }, 120_000);

  it('stopping Linli keeps the account logged in at the provider; the next process goes on without a scan', async () => {
    const fake = await fakeService();
    const first = await linli(fake);
    await until(() => state(first) === 'logged_in', 'the first process logged in', 30_000);
    await first.adapter.stop();

    // a stock client would have sent Stop: the provider's puppet stopped and logged out
    expect(fake.mock.puppet.state.active()).toBe(true);
    expect(fake.mock.puppet.isLoggedIn).toBe(true);

    const scans: unknown[] = [];
    fake.mock.wechaty.on('scan', (q) => void scans.push(q));
    const second = await linli(fake, { dataDir: first.dataDir });
    await until(() => state(second) === 'logged_in', 'the second process logged in', 30_000);
    expect(scans).toEqual([]);
    const alice = await fake.mock.createResident('Alice');
    await fake.mock.befriend(alice);
    await fake.mock.say(alice, '你好');
    await until(() => second.received.length === 1, 'a message to the second process');
    expect(first.received).toEqual([]);
  }, 120_000);

  it('a private send to a non-friend comes back through the service as permanent `not_friend`', async () => {
    const fake = await fakeService();
    const l = await linli(fake);
    await until(() => state(l) === 'logged_in', 'logged in', 30_000);
    const bob = await fake.mock.createResident('Bob');
    await expect(
      l.adapter.send({ chat: { externalId: bob.id, kind: 'private' }, text: '你好' }),
    ).rejects.toMatchObject({
      kind: 'permanent',
      message: expect.stringMatching(/^not_friend: .*1204 == 0/),
    });
    expect(fake.mock.sent).toEqual([]);
  }, 60_000);

  it("an operator's logout logs the account out at the provider", async () => {
    const fake = await fakeService();
    const l = await linli(fake);
    await until(() => state(l) === 'logged_in', 'logged in', 30_000);
    await l.adapter.logout();
    await until(() => !fake.mock.puppet.isLoggedIn, 'the provider to log out');
    await until(() => state(l) === 'logged_out', 'the logout to be reported');
    await expect(l.adapter.logout()).rejects.toThrow(/not logged in/);
  }, 60_000);

  it('a wrong token: disconnected with the service’s complaint, the token in no log line and no status', async () => {
    const fake = await fakeService();
    const wrong = 'insecure_wrong-secret-token-4711';
    const captured = captureLogger();
    const l = await linli(fake, { token: wrong, logger: captured });
    expect(state(l)).toBe('disconnected');
    await until(() => (l.adapter.status().reconnect?.attempt ?? 0) >= 2, 'a retry');
    expect(l.adapter.status().lastError?.message).toContain('Invalid Wechaty TOKEN "***"');
    expect(JSON.stringify(l.adapter.status())).not.toContain('wrong-secret-token');
    // wechaty's own (verbose) lines went through Linli's logger too, redacted
    expect(captured.lines.some((x) => x.component === 'wechaty')).toBe(true);
    const leaks = captured.lines.filter((x) => JSON.stringify(x).includes('wrong-secret-token'));
    expect(leaks).toEqual([]);
  }, 60_000);

  it('keeps its cache under DATA_DIR, with no token in any path', async () => {
    const fake = await fakeService();
    const l = await linli(fake);
    await until(() => state(l) === 'logged_in', 'logged in', 30_000);
    const cache = join(puppetServiceCacheDir(l.dataDir, fake.token));
    await until(() => existsSync(cache), 'the payload cache to be created');
    expect(readdirSync(cache)).toEqual([expect.stringMatching(/^v\d+\.\d+$/)]);
    const paths = readdirSync(l.dataDir, { recursive: true }).map(String);
    expect(paths.some((p) => p.includes(fake.mock.bot.id))).toBe(true); // the account's store
    expect(paths.filter((p) => p.includes(fake.token))).toEqual([]);
    expect(existsSync(join(homedir(), '.wechaty', 'wechaty-puppet-service', fake.token))).toBe(false);
  }, 60_000);

  it('a message announced while its payload could not be loaded is fetched by id after the reconnection', async () => {
    const fake = await fakeService();
    const l = await linli(fake);
    await until(() => state(l) === 'logged_in', 'logged in', 30_000);
    const alice = await fake.mock.createResident('Alice');
    const room = await fake.mock.createRoom('3号楼', [alice]);

    // the provider announces a message, but its payload cannot be fetched for now
    const failing = new Set<string>();
    const puppet = fake.mock.puppet;
    const raw = puppet.messageRawPayload.bind(puppet);
    const calls = vi.spyOn(puppet, 'messageRawPayload').mockImplementation(async (id: string) => {
      if (failing.has(id)) throw new Error('payload store unavailable');
      return raw(id);
    });
    const id = `lost-${Date.now()}`;
    failing.add(id);
    fake.mock.mocker.MessageMock.create({
      id,
      talkerId: alice.id,
      roomId: room.id,
      mentionIdList: [],
      timestamp: Date.now(),
      type: types.Message.Text,
      text: '电梯又坏了',
    });
    puppet.emit('message', { messageId: id });
    // the provider's own wechaty and Linli both asked for it, in vain
    await until(() => calls.mock.calls.filter(([x]) => x === id).length >= 2, 'both payload requests');
    expect(l.received).toEqual([]);

    failing.clear();
    await fake.stopServer();
    await until(() => state(l) === 'disconnected', 'the loss to be noticed', 30_000);
    await fake.startServer();
    await until(() => l.received.length === 1, 'the recovered message', 60_000);
    expect(l.received[0]).toMatchObject({ updateId: id, text: '电梯又坏了' });
    await fake.mock.say(alice, '谢谢', room);
    await until(() => l.received.length === 2, 'the next message');
    expect(l.received.map((m) => m.updateId).filter((x) => x === id)).toHaveLength(1);
  }, 120_000);
});
