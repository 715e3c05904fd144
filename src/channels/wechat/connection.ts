/**
 * Keeps Wechaty connected to its puppet and the channel's status truthful.
 *
 * Contracts:
 *  - `start()` starts wechaty if it is not running (as before, a broken setup such as an unloadable
 *    puppet throws), then resolves after the first connection attempt, whether it worked or not.
 *    wechaty reports a puppet that cannot start through its `error` event instead of throwing; a
 *    failed attempt is retried in the background with exponential backoff (1 s doubling to 30 s,
 *    ±20 % jitter) until it works or `stop()` is called.
 *  - a lost connection (the transport's `onLost`: the event stream ended or failed, the service
 *    restarted, no heartbeat within the watchdog timeout) marks the channel `disconnected`, detaches
 *    from the puppet (no `Stop` to the provider, see puppet-service.ts) and reconnects the same way;
 *    the puppet service re-announces `login` on the new stream, so a session survives it.
 *  - status: `LoginStatus` fed from wechaty's `scan`/`login`/`logout`/`error`/`heartbeat` events and
 *    the transport; a `logout` that is only the local echo of Linli detaching ("puppet stop()" while
 *    disconnected) is not an account logout.
 *  - logs: one line per change of state (or of the reason for being disconnected), not one per retry;
 *    every error text is redacted (redact.ts).
 *  - `stop()` cancels retries and stops wechaty only if `start()` started it.
 */

import type { Logger } from 'pino';
import QRCode from 'qrcode';
import type { ContactSelf, Wechaty } from 'wechaty';
import { storableText } from '../../kernel/db/storable-text.js';
import type { LoginStatus, WechatStatus } from './login-status.js';
import type { PuppetTransport } from './puppet-service.js';
import { errorText } from './redact.js';

export interface RetryPolicy {
  /** first delay (default 1000 ms) */
  initialMs?: number;
  /** longest delay (default 30 000 ms) */
  maxMs?: number;
}

export interface WechatConnectionOptions {
  wechaty: Wechaty;
  transport?: PuppetTransport | undefined;
  status: LoginStatus;
  logger: Logger;
  retry?: RetryPolicy | undefined;
  /** how long one reconnect attempt (puppet start) may take (default 30 s) */
  attemptTimeoutMs?: number | undefined;
  /** after every successful (re)connection */
  onConnected?: () => void;
  /** every `login` event */
  onLogin?: () => void;
}

/** the reason wechaty's LoginMixin gives when the puppet itself stops (i.e. Linli detached) */
const LOCAL_STOP = 'puppet stop()';

interface PuppetLike {
  state: { active(): boolean | 'pending' };
  start(): Promise<void>;
  stop(): Promise<void>;
  isLoggedIn: boolean;
}

export class WechatConnection {
  private readonly wechaty: Wechaty;
  private readonly status: LoginStatus;
  private readonly log: Logger;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly attemptTimeoutMs: number;
  private startedWechaty = false;
  private stopping = false;
  /** consecutive failed attempts */
  private failures = 0;
  /** set by a failure or a loss, cleared by the next connection */
  private down = false;
  private timer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> | null = null;
  /** the last error event wechaty emitted (an initial start reports its failure only that way) */
  private lastErrorEvent: string | undefined;
  /** what was logged last, so each change is logged once */
  private logged = '';
  private readonly offs: (() => void)[] = [];

  constructor(private readonly o: WechatConnectionOptions) {
    this.wechaty = o.wechaty;
    this.status = o.status;
    this.log = o.logger;
    this.initialMs = o.retry?.initialMs ?? 1000;
    this.maxMs = o.retry?.maxMs ?? 30_000;
    this.attemptTimeoutMs = o.attemptTimeoutMs ?? 30_000;
  }

  get connected(): boolean {
    return this.status.isConnected;
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.subscribe();
    if (this.o.transport) this.offs.push(this.o.transport.onLost((e) => this.lost(e)));
    if (!this.wechaty.state.active()) {
      this.startedWechaty = true;
      this.lastErrorEvent = undefined;
      await this.wechaty.start();
    }
    if (this.puppetUp()) this.connectedNow();
    else this.failed(this.lastErrorEvent ?? 'the puppet did not start');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.attempt?.catch(() => {});
    this.status.detached('Linli stopped');
    const owned = this.startedWechaty;
    try {
      if (this.startedWechaty) {
        this.startedWechaty = false;
        await this.wechaty.stop();
      }
    } finally {
      for (const off of this.offs.splice(0)) off();
      // wechaty throws an `error` event nobody listens to; a stopped puppet may still report one late
      if (owned) {
        this.wechaty.on('error', (e) => this.log.debug({ error: errorText(e) }, 'wechat: error after stop'));
      }
    }
  }

  private puppet(): PuppetLike | undefined {
    try {
      return this.wechaty.puppet as unknown as PuppetLike;
    } catch {
      return undefined; // wechaty never got as far as creating it
    }
  }

  private puppetUp(): boolean {
    return this.puppet()?.state.active() === true;
  }

  private connectedNow(): void {
    const wasDown = this.down;
    this.down = false;
    this.failures = 0;
    this.status.transportUp();
    const puppet = this.puppet() as (PuppetLike & { currentUserId?: string }) | undefined;
    if (puppet?.isLoggedIn && this.status.get().state !== 'logged_in') {
      try {
        const id = String(puppet.currentUserId);
        this.status.login({ id, name: this.accountName(id) });
      } catch {
        // the login event follows
      }
    }
    if (wasDown) this.changed('info', 'wechat: connected to the puppet again');
    else this.changed('info', 'wechat: connected to the puppet');
    this.o.onConnected?.();
  }

  /** an attempt failed: mark down, log if something changed, try again later */
  private failed(reason: string): void {
    if (this.stopping) return;
    this.down = true;
    this.failures++;
    const delay = this.delay();
    this.status.transportDown(reason, this.failures, new Date(Date.now() + delay));
    this.changed('warn', 'wechat: cannot reach the puppet; retrying', reason, delay);
    this.schedule(delay);
  }

  /** the transport says the connection is gone */
  private lost(reason: Error): void {
    if (this.stopping || !this.status.isConnected) return;
    this.down = true;
    const text = errorText(reason);
    const delay = this.delay();
    this.status.transportDown(text, 0, new Date(Date.now() + delay));
    this.changed('warn', 'wechat: lost the connection to the puppet; reconnecting', text, delay);
    this.schedule(delay);
  }

  private delay(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.max(0, this.failures - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.attempt = this.reconnect().finally(() => {
        this.attempt = null;
      });
    }, delay);
    this.timer.unref();
  }

  private async reconnect(): Promise<void> {
    const puppet = this.puppet();
    if (this.stopping || !puppet) return;
    this.log.debug({ attempt: this.failures + 1 }, 'wechat: connecting to the puppet');
    try {
      // detach whatever is left of the last connection (no Stop request to the provider)
      if (puppet.state.active() !== false) await puppet.stop();
      if (this.stopping) return;
      await withTimeout(puppet.start(), this.attemptTimeoutMs, 'the puppet did not start');
    } catch (e) {
      await puppet.stop().catch(() => {});
      this.failed(errorText(e));
      return;
    }
    if (this.stopping) return;
    if (this.puppetUp()) this.connectedNow();
    else this.failed(this.lastErrorEvent ?? 'the puppet did not start');
  }

  /** logs `msg` when the state or the reason differs from what was logged last */
  private changed(level: 'info' | 'warn', msg: string, reason?: string, retryInMs?: number): void {
    const s: WechatStatus = this.status.get();
    const key = `${s.state === 'disconnected' ? 'down' : 'up'}|${reason ?? ''}`;
    if (key === this.logged) {
      this.log.debug({ state: s.state, error: reason, retryInMs }, msg);
      return;
    }
    this.logged = key;
    this.log[level]({ state: s.state, ...(reason ? { error: reason } : {}), retryInMs }, msg);
  }

  /**
   * Login and logout come from the puppet's own events: wechaty re-emits them only after looking
   * the account's contact up, and drops them (as an `error`) when that lookup fails, e.g. a logout
   * arriving as the connection goes. wechaty's `login` only fills in the account's name.
   */
  private subscribe(): void {
    const w = this.wechaty;
    const onScan = (qrcode: string, status: number): void => {
      this.status.scan(qrcode, status);
      const s = this.status.get();
      this.log.info(
        { scanStatus: s.scanStatus, qrcodeUrl: s.qrcodeUrl },
        'wechat: scan the QR code to log in (GET /api/v1/channels/wechat/qr.png, or the terminal)',
      );
      // someone at a terminal scans it there (a container's log is no terminal: the PNG serves it)
      if (process.stdout.isTTY && s.state === 'waiting_for_scan' && s.qrcode)
        QRCode.toString(s.qrcode, { type: 'terminal', small: true }).then(
          (art) => process.stdout.write(`${art}\n`),
          () => {},
        );
    };
    const onNamedLogin = (user: ContactSelf): void => {
      if (this.status.get().state === 'logged_in') this.status.login(userOf(user));
    };
    const onPuppetLogin = ({ contactId }: { contactId: string }): void => {
      const user = { id: contactId, name: this.accountName(contactId) };
      this.status.login(user);
      this.log.info({ user }, 'wechat: logged in');
      this.o.onLogin?.();
    };
    const onPuppetLogout = ({ contactId, data }: { contactId: string; data?: string }): void => {
      if (data === LOCAL_STOP && !this.status.isConnected) return; // Linli detached: not a logout
      const prev = this.status.get().user;
      const user = { id: contactId, name: prev?.id === contactId ? prev.name : '' };
      this.status.logout(user);
      this.log.warn({ user, reason: data }, 'wechat: logged out');
    };
    const onError = (err: Error): void => {
      const text = errorText(err);
      this.lastErrorEvent = text;
      if (!this.status.isConnected) {
        // a failing attempt repeats its errors: the state change carries them, once
        this.log.debug({ error: text }, 'wechat: puppet error while connecting');
        return;
      }
      this.status.error(text);
      this.log.warn({ error: text }, 'wechat: puppet error');
    };
    const onHeartbeat = (): void => this.status.heartbeatSeen();
    w.on('scan', onScan);
    w.on('login', onNamedLogin);
    w.on('error', onError);
    w.on('heartbeat', onHeartbeat);
    const offPuppet = onPuppet(w, (p) => {
      p.on('login', onPuppetLogin);
      p.on('logout', onPuppetLogout);
      return () => {
        p.off('login', onPuppetLogin);
        p.off('logout', onPuppetLogout);
      };
    });
    this.offs.push(() => {
      w.off('scan', onScan);
      w.off('login', onNamedLogin);
      w.off('error', onError);
      w.off('heartbeat', onHeartbeat);
      offPuppet();
    });
  }

  /** the account's name if wechaty has it already (the named `login` follows otherwise) */
  private accountName(id: string): string {
    try {
      const user = this.wechaty.currentUser;
      return user.id === id ? user.name() : '';
    } catch {
      return '';
    }
  }
}

// biome-ignore lint/suspicious/noExplicitAny: puppet event payloads differ per event
type PuppetListener = (payload: any) => void;
export interface PuppetEvents {
  on(event: string, listener: PuppetListener): unknown;
  off(event: string, listener: PuppetListener): unknown;
}

/**
 * Runs `attach` with wechaty's puppet now, or as soon as wechaty creates it (during `start()`);
 * returns what undoes it.
 */
export function onPuppet(wechaty: Wechaty, attach: (puppet: PuppetEvents) => () => void): () => void {
  const w = wechaty as unknown as {
    puppet: unknown;
    once(event: 'puppet', l: (p: unknown) => void): unknown;
    off(event: 'puppet', l: (p: unknown) => void): unknown;
  };
  let existing: unknown;
  try {
    existing = w.puppet;
  } catch {
    existing = undefined; // not created before wechaty's start()
  }
  let detach: (() => void) | undefined;
  const onCreated = (p: unknown): void => {
    detach = attach(p as PuppetEvents);
  };
  if (existing) onCreated(existing);
  else w.once('puppet', onCreated);
  return () => {
    w.off('puppet', onCreated);
    detach?.();
  };
}

/** the account as the login state records it (storable: the state is saved as jsonb) */
function userOf(user: { id: string; name(): string }): { id: string; name: string } {
  return { id: storableText(user.id), name: storableText(user.name()) };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
