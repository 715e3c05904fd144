/**
 * The `wechaty-puppet-service` client (gRPC to a puppet provider or a self-hosted gateway), as
 * Linli runs it. What the stock client does, and what this subclass changes:
 *
 *  - options: the stock client falls back to environment variables for every option left unset;
 *    here every option is passed explicitly from Linli's checked configuration (src/app/config-wechat.ts).
 *  - cache: the stock client keeps contact/room payloads in `$HOME/.wechaty/wechaty-puppet-service/
 *    <token>/…` (outside DATA_DIR, token in the path); here `<DATA_DIR>/wechaty/puppet-service/
 *    <sha256(token), 16 hex>/v<major>.<minor>/<account id>/`.
 *  - stop: the stock `stop()` sends the provider a `Stop` request, which stops the puppet there and
 *    logs the account out ("puppet stop()"), so every deploy needed a new QR scan. Here stopping only
 *    drops the event stream and closes the channel: the session stays on the provider and the next
 *    process (or the next reconnect) picks it up. Logging out is an explicit `logoutOnProvider()`.
 *  - a stream refused at start (ALREADY_EXISTS while the provider still holds the previous
 *    process's stream, UNAUTHENTICATED for a wrong token): the stock start ignores it and reports
 *    success, connected but deaf; here the start fails (and is retried).
 *  - a lost stream: the stock client only logs it (`end`) or re-emits it as `error`, and never
 *    reconnects; its heartbeat watchdog later calls `reset()` (stop + start), i.e. the `Stop` request
 *    above. Here both report through `onLost`, and the owner (WechatConnection) reconnects.
 *  - the payload cache: closed before a stop returns, and opened only once a close finished, so a
 *    quick re-login or the next process does not hit leveldb's lock.
 *
 * What the protocol offers for messages missed while disconnected: nothing to replay them. The
 * server pushes events into whichever event stream is open and drops them while none is (its
 * `grpcEmit` only logs "eventStream is undefined"); there is no "messages since" call. A message id
 * the client did receive can be fetched again later with `messagePayload(id)` — see the adapter's
 * recovery of announced-but-unloaded messages. On a new stream the server re-announces `login`
 * (and `ready`) when the account is logged in, and the last `scan` when it is waiting for one.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { PuppetServiceSettings } from '../../app/config-wechat.js';
import { tokenServerName } from '../../app/config-wechat.js';
import { registerSecret } from './redact.js';

export interface PuppetTransport {
  /**
   * `listener` runs when the current connection's event stream ends or fails, or no heartbeat came
   * within the watchdog's timeout (60 s); once per connection, never for a stop asked by Linli.
   */
  onLost(listener: (reason: Error) => void): () => void;
  /** asks the provider to log the account out; rejects when the provider did not confirm it */
  logoutOnProvider(): Promise<void>;
}

/** where the client keeps its payload cache for this token (no token in the path) */
export function puppetServiceCacheDir(dataDir: string, token: string): string {
  const hash = createHash('sha256').update(token).digest('hex').slice(0, 16);
  return join(dataDir, 'wechaty', 'puppet-service', hash);
}

/**
 * The parts of the stock client this subclass touches. The package is imported without its types:
 * its typings declare a global `util.promisify` overload that breaks `promisify` everywhere else.
 */
interface PuppetServiceBase {
  state: { active(): boolean | 'pending' };
  _payloadStore: object;
  _grpcManager?: object;
  _cleanupCallbackList: (() => void)[];
  onStart(): Promise<void>;
  onStop(): Promise<void>;
  reset(): Promise<void>;
  bridgeGrpcEventStream(client: object): void;
}
interface PuppetServiceModule {
  PuppetService: new (options: Record<string, unknown>) => PuppetServiceBase;
  VERSION: string;
}
const PACKAGE: string = 'wechaty-puppet-service';

interface EventStream {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  cancel(): void;
}

interface GrpcClient {
  event(...args: unknown[]): EventStream;
  makeUnaryRequest(
    path: string,
    serialize: (req: unknown) => Buffer,
    deserialize: (buf: Buffer) => unknown,
    argument: unknown,
    callback: (err: Error | null) => void,
  ): unknown;
  logout: { path: string; responseDeserialize: (buf: Buffer) => unknown };
}

interface GrpcManagerInternals {
  _client?: GrpcClient;
  eventStream?: EventStream;
  initClient(): Promise<void>;
  stopStream(): void;
  destroyClient(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeAllListeners(): unknown;
}

export async function createPuppetService(
  settings: PuppetServiceSettings,
  cacheDir: string,
): Promise<{ puppet: object; transport: PuppetTransport }> {
  const { PuppetService, VERSION } = (await import(PACKAGE)) as PuppetServiceModule;
  registerSecret(settings.token);
  const [major, minor] = VERSION.split('.');
  const lostListeners = new Set<(reason: Error) => void>();
  const lost = (reason: Error) => {
    for (const l of [...lostListeners]) l(reason);
  };

  class LinliPuppetService extends PuppetService {
    /** set while `onStart` runs: a stream failing then fails the start instead of being "lost" */
    private starting = false;
    private streamFailure: Error | undefined;

    constructor() {
      super({
        token: settings.token,
        authority: settings.authority,
        endpoint: settings.endpoint ?? `wechaty://${settings.authority}/${settings.token}`,
        tls: {
          disable: settings.tls.disabled,
          ...(settings.tls.caCert ? { caCert: settings.tls.caCert } : {}),
          // the client insists on a server name even without TLS, where it is not used
          serverName:
            settings.tls.serverName ??
            tokenServerName(settings.token) ??
            (settings.tls.disabled ? 'insecure' : ''),
        },
      });
      const store = this._payloadStore as unknown as {
        storeDir: string;
        start(accountId: string): Promise<void>;
        stop(): Promise<void>;
      };
      store.storeDir = join(cacheDir, `v${major}.${minor}`);
      // the stock client closes the cache on `logout` and opens it on `login` without waiting for
      // either: one after the other here, so a quick re-login (or the next process) finds its files free
      let closing = Promise.resolve();
      const [start, stop] = [store.start.bind(store), store.stop.bind(store)];
      store.stop = () => {
        closing = closing.then(stop, stop);
        return closing;
      };
      store.start = async (accountId) => {
        await closing.catch(() => {});
        await start(accountId);
      };
    }

    /**
     * The stock start opens the event stream, waits up to 5 s for its first event, ignores a failure
     * there (a second client's stream is refused with ALREADY_EXISTS, a wrong token with
     * UNAUTHENTICATED) and then succeeds if the `Start` call does: connected, yet deaf. Here a
     * stream that failed makes the start fail.
     */
    override async onStart(): Promise<void> {
      this.starting = true;
      this.streamFailure = undefined;
      try {
        await super.onStart();
      } finally {
        this.starting = false;
      }
      if (this.streamFailure) throw this.streamFailure;
    }

    /** detaches: cancels the stream and closes the channel; never sends `Stop` (see the file comment) */
    override async onStop(): Promise<void> {
      for (const cleanup of this._cleanupCallbackList.splice(0)) setImmediate(cleanup);
      // close the payload cache now (the stock client closes it on the logout event that follows,
      // without waiting): the next connection, or the next process, opens the same files
      await (this._payloadStore as unknown as { stop(): Promise<void> }).stop().catch(() => {});
      const manager = this._grpcManager as unknown as GrpcManagerInternals | undefined;
      this._grpcManager = undefined;
      if (!manager) return;
      // whatever the dropped stream still says (its CANCELLED) goes nowhere
      manager.removeAllListeners();
      manager.on('error', () => {});
      try {
        // the server sees the cancellation at once (destroy() alone leaves the call open there,
        // and the next client's stream is refused until it times out)
        manager.eventStream?.cancel();
        manager.stopStream();
      } catch {
        // the stream may be gone already
      }
      try {
        manager.destroyClient();
      } catch {
        // nothing left to close
      }
    }

    /** called with each new connection's manager before it starts: watch its event stream from birth */
    override bridgeGrpcEventStream(client: object): void {
      super.bridgeGrpcEventStream(client);
      const manager = client as unknown as GrpcManagerInternals;
      const initClient = manager.initClient.bind(manager);
      manager.initClient = async () => {
        await initClient();
        const grpc = manager._client;
        if (!grpc) return;
        const event = grpc.event.bind(grpc);
        grpc.event = (...args: unknown[]) => {
          const stream = event(...args);
          this.watch(manager, stream);
          return stream;
        };
      };
    }

    private watch(manager: GrpcManagerInternals, stream: EventStream): void {
      let ended = false;
      const fail = (reason: Error) => {
        if (ended) return;
        ended = true;
        // a stream of a connection Linli already dropped (stop, reconnect) is no news
        if ((this._grpcManager as unknown) !== manager) return;
        if (this.starting) this.streamFailure ??= reason;
        else lost(reason);
      };
      stream.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
      stream.on('end', () => fail(new Error('the puppet service ended the event stream')));
      stream.on('status', (status) => {
        const { code, details } = status as { code: number; details?: string };
        if (code !== 0) fail(new Error(`event stream closed: ${code} ${details ?? ''}`.trim()));
      });
    }

    /** the heartbeat watchdog's reset: a stale connection, handled by the owner's reconnect */
    override async reset(): Promise<void> {
      if (this.state.active() !== true) return;
      lost(new Error('no heartbeat from the puppet service within the watchdog timeout'));
    }

    async logoutOnProvider(): Promise<void> {
      const manager = this._grpcManager as unknown as GrpcManagerInternals | undefined;
      const client = manager?._client;
      if (!client) throw new Error('not connected to the puppet service');
      // `Logout` takes an empty LogoutRequest, whose wire form is zero bytes
      await new Promise<void>((resolve, reject) =>
        client.makeUnaryRequest(
          client.logout.path,
          () => Buffer.alloc(0),
          client.logout.responseDeserialize,
          {},
          (err) => (err ? reject(err) : resolve()),
        ),
      );
    }
  }

  const puppet = new LinliPuppetService();
  return {
    puppet,
    transport: {
      onLost(listener) {
        lostListeners.add(listener);
        return () => lostListeners.delete(listener);
      },
      logoutOnProvider: () => puppet.logoutOnProvider(),
    },
  };
}
