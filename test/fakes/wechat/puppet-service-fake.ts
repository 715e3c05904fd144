/**
 * A puppet service as production has it, in the test process: `wechaty-puppet-service`'s own
 * `PuppetServer` (the gRPC server providers and self-hosted gateways run) serving the mock harness's
 * puppet (harness.ts), in plain gRPC on 127.0.0.1. Linli connects to it with the real client.
 *
 * The gRPC server and the puppet behind it have separate lives, as at a provider:
 *  - `stopServer()` / `startServer()`: the service goes down / comes back on the same port; the
 *    puppet (and so the account's login) stays, as when a provider restarts its gateway;
 *  - the puppet emits a heartbeat every `heartbeatEveryMs` (real puppets do; the mock does not),
 *    which the server forwards to connected clients.
 *
 * The harness's own Wechaty also runs on the puppet (it records what the bot sent and pre-loads
 * contacts and rooms); that is the provider's side, not Linli's.
 */
import type { PuppetServiceSettings } from '../../../src/app/config-wechat.js';
import { freePort } from '../../support/net.js';
import { type StartWechatMockOptions, startWechatMock, type WechatMock } from './harness.js';

/** imported without its types: they declare a global `util.promisify` overload (see puppet-service.ts) */
const PACKAGE: string = 'wechaty-puppet-service';
interface PuppetServerLike {
  start(): Promise<void>;
  stop(): Promise<void>;
}
type PuppetServerClass = new (options: {
  endpoint: string;
  puppet: unknown;
  token: string;
  tls: { disable: boolean };
}) => PuppetServerLike;

export interface PuppetServiceFake {
  /** the provider side: the mock puppet and its recorder */
  mock: WechatMock;
  token: string;
  endpoint: string;
  /** what Linli's configuration would say for this gateway (plain gRPC) */
  settings: PuppetServiceSettings;
  readonly serving: boolean;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  /** stops the server and the puppet */
  close(): Promise<void>;
}

export interface PuppetServiceFakeOptions extends Omit<StartWechatMockOptions, 'beforeStart'> {
  token?: string;
  /** start the gRPC server right away (default true); false: the service is down at first */
  serve?: boolean;
  heartbeatEveryMs?: number;
}

let seq = 0;

export async function startPuppetServiceFake(
  opts: PuppetServiceFakeOptions = {},
): Promise<PuppetServiceFake> {
  const {
    token = `insecure_linli-test-token-${process.pid}-${++seq}`,
    serve = true,
    heartbeatEveryMs = 5000,
    ...mockOpts
  } = opts;
  const { PuppetServer } = (await import(PACKAGE)) as { PuppetServer: PuppetServerClass };
  const port = await freePort();
  const endpoint = `127.0.0.1:${port}`;
  const mock = await startWechatMock({ botName: '邻里助手', ...mockOpts });
  const beat = setInterval(
    () => mock.puppet.emit('heartbeat', { data: 'fake puppet heartbeat' }),
    heartbeatEveryMs,
  );
  beat.unref();
  let server: PuppetServerLike | undefined;

  const fake: PuppetServiceFake = {
    mock,
    token,
    endpoint,
    settings: {
      token,
      endpoint,
      authority: 'api.chatie.io',
      tls: { disabled: true, caCert: undefined, serverName: undefined },
    },
    get serving() {
      return server !== undefined;
    },
    async startServer() {
      if (server) return;
      const s = new PuppetServer({ endpoint, puppet: mock.puppet, token, tls: { disable: true } });
      await s.start();
      server = s;
    },
    async stopServer() {
      const s = server;
      server = undefined;
      await s?.stop();
    },
    async close() {
      clearInterval(beat);
      await fake.stopServer();
      await mock.stop();
    },
  };
  if (serve) await fake.startServer();
  return fake;
}
