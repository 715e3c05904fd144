/**
 * The state of the WeChat channel as Linli sees it: the transport to the puppet (connected or not)
 * and the account's login (wechaty's `scan` / `login` / `logout` events). Pure bookkeeping (no
 * wechaty import) so it is cheap to test and to expose on ops endpoints (/readyz, the channel API,
 * later /metrics through `WECHAT_STATES`).
 *
 *   connecting ──connected──▶ connecting ──scan──▶ waiting_for_scan ──login──▶ logged_in
 *        │                    (login state            ▲                          │ logout
 *        │ failure             not known yet)         └──────────scan────── logged_out
 *        ▼
 *   disconnected ◀──── lost (stream ended, service restarted, no heartbeat) ── any connected state
 *        │ retried with backoff; a successful attempt goes back to `connecting`
 *
 * `since` is when the state (or, while waiting, the QR code) last changed; `lastError` (redacted by
 * the caller) is the latest failure, kept after recovery so an operator can see what happened.
 */

export const WECHAT_STATES = [
  'connecting',
  'waiting_for_scan',
  'logged_in',
  'logged_out',
  'disconnected',
] as const;
export type WechatLoginState = (typeof WECHAT_STATES)[number];

/** wechaty-puppet's `ScanStatus` (numbers are stable across puppet versions) */
const SCAN_STATUS = ['unknown', 'cancel', 'waiting', 'scanned', 'confirmed', 'timeout'] as const;
export type WechatScanStatus = (typeof SCAN_STATUS)[number];

export interface WechatStatus {
  state: WechatLoginState;
  /** the raw QR code value to scan (while waiting_for_scan) */
  qrcode?: string;
  /** where the service shows `qrcode` as a PNG (`QR_PNG_PATH`) */
  qrcodeUrl?: string;
  /** the last scan event's status (while waiting_for_scan) */
  scanStatus?: WechatScanStatus;
  /** the logged-in account (logged_in), the one that logged out (logged_out), or the last known one */
  user?: { id: string; name: string };
  since: Date;
  /** the last connection failure or puppet error (redacted) */
  lastError?: { message: string; at: Date };
  /** the last sign of life from the puppet (any event it sent) */
  lastHeartbeatAt?: Date;
  /** while disconnected: the failed attempts so far and when the next one starts */
  reconnect?: { attempt: number; nextAt: Date };
  /** disconnected on purpose (the process stopped) */
  stoppedBecause?: string;
}

/**
 * Where the login QR code is shown as an image: this service's own `GET /api/v1/channels/wechat/qr.png`
 * (superuser), never a third-party page (`wechaty.js.org/qrcode/…` may be unreachable from mainland
 * China, and it would hand the account's login code to someone else). Relative to the service's URL.
 */
export const QR_PNG_PATH = '/api/v1/channels/wechat/qr.png';

export function qrcodeUrl(_qrcode: string): string {
  return QR_PNG_PATH;
}

export function scanStatusName(status: number): WechatScanStatus {
  return SCAN_STATUS[status] ?? 'unknown';
}

/** ready: the account is logged in and the transport is up */
export function isUp(s: WechatStatus): boolean {
  return s.state === 'logged_in';
}

export class LoginStatus {
  private current: WechatStatus;
  private connected = false;

  constructor(private readonly now: () => Date = () => new Date()) {
    this.current = { state: 'connecting', since: now() };
  }

  get(): WechatStatus {
    const s = this.current;
    return {
      ...s,
      ...(s.user ? { user: { ...s.user } } : {}),
      ...(s.lastError ? { lastError: { ...s.lastError, at: new Date(s.lastError.at) } } : {}),
      ...(s.reconnect ? { reconnect: { ...s.reconnect, nextAt: new Date(s.reconnect.nextAt) } } : {}),
      since: new Date(s.since),
    };
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** the transport is up; the login state comes with the puppet's next events */
  transportUp(): void {
    this.connected = true;
    const prev = this.current;
    const { reconnect: _, stoppedBecause: _s, ...rest } = prev;
    this.current = prev.state === 'disconnected' ? { ...rest, state: 'connecting', since: this.now() } : rest;
  }

  /** the transport is down (a failed attempt, or a lost connection); `nextAt`: the next attempt */
  transportDown(message: string, attempt: number, nextAt: Date): void {
    this.connected = false;
    const prev = this.current;
    const at = this.now();
    this.current = {
      state: 'disconnected',
      since: prev.state === 'disconnected' ? prev.since : at,
      ...(prev.user ? { user: prev.user } : {}),
      ...this.carry(prev),
      lastError: { message, at },
      reconnect: { attempt, nextAt },
    };
  }

  /** Linli let go of the puppet on purpose (stop): disconnected, nothing to retry */
  detached(why: string): void {
    this.connected = false;
    const prev = this.current;
    const { reconnect: _, qrcode: _q, qrcodeUrl: _u, scanStatus: _s, ...rest } = prev;
    this.current = { ...rest, state: 'disconnected', since: this.now(), stoppedBecause: why };
  }

  /** an error the puppet reported that did not (yet) take the transport down */
  error(message: string): void {
    this.current = { ...this.current, lastError: { message, at: this.now() } };
  }

  heartbeatSeen(): void {
    this.current = { ...this.current, lastHeartbeatAt: this.now() };
  }

  /** a `scan` event; an empty qrcode (e.g. status `scanned`) keeps the previous one */
  scan(qrcode: string | undefined, status: number): void {
    const prev = this.current;
    const code = qrcode || (prev.state === 'waiting_for_scan' ? prev.qrcode : undefined);
    const changed = prev.state !== 'waiting_for_scan' || code !== prev.qrcode;
    const next: WechatStatus = {
      state: 'waiting_for_scan',
      scanStatus: scanStatusName(status),
      since: changed ? this.now() : prev.since,
      ...this.carry(prev),
    };
    if (code) {
      next.qrcode = code;
      next.qrcodeUrl = qrcodeUrl(code);
    }
    this.current = next;
  }

  login(user: { id: string; name: string }): void {
    this.connected = true;
    const prev = this.current;
    const same = prev.state === 'logged_in' && prev.user?.id === user.id;
    this.current = {
      state: 'logged_in',
      user: { ...user },
      since: same ? prev.since : this.now(),
      ...this.carry(prev),
    };
  }

  logout(user?: { id: string; name: string }): void {
    const prev = this.current;
    const who = user ?? prev.user;
    this.current = {
      state: 'logged_out',
      ...(who ? { user: { ...who } } : {}),
      since: this.now(),
      ...this.carry(prev),
    };
  }

  /** what every state keeps: the last sign of life and the last error */
  private carry(s: WechatStatus): Pick<WechatStatus, 'lastHeartbeatAt' | 'lastError'> {
    return {
      ...(s.lastHeartbeatAt ? { lastHeartbeatAt: s.lastHeartbeatAt } : {}),
      ...(s.lastError ? { lastError: s.lastError } : {}),
    };
  }
}
