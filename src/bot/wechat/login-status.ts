/**
 * Login state of the WeChat account behind the bot, as seen from wechaty's `scan` / `login` / `logout`
 * events. Pure bookkeeping (no wechaty import) so it is cheap to test and to expose on an ops endpoint.
 *
 *   starting ──scan──▶ waiting_for_scan ──login──▶ logged_in ──logout──▶ logged_out ──scan──▶ …
 *
 * `since` is when the state (or, while waiting, the QR code) last changed.
 */

export type WechatLoginState = 'starting' | 'waiting_for_scan' | 'logged_in' | 'logged_out';

/** wechaty-puppet's `ScanStatus` (numbers are stable across puppet versions) */
const SCAN_STATUS = ['unknown', 'cancel', 'waiting', 'scanned', 'confirmed', 'timeout'] as const;
export type WechatScanStatus = (typeof SCAN_STATUS)[number];

export interface WechatStatus {
  state: WechatLoginState;
  /** the raw QR code value to scan (while waiting_for_scan) */
  qrcode?: string;
  /** a web page rendering `qrcode` as an image */
  qrcodeUrl?: string;
  /** the last scan event's status (while waiting_for_scan) */
  scanStatus?: WechatScanStatus;
  /** the logged-in account (logged_in) or the one that just logged out (logged_out) */
  user?: { id: string; name: string };
  since: Date;
}

export function qrcodeUrl(qrcode: string): string {
  return `https://wechaty.js.org/qrcode/${encodeURIComponent(qrcode)}`;
}

export function scanStatusName(status: number): WechatScanStatus {
  return SCAN_STATUS[status] ?? 'unknown';
}

export class LoginStatus {
  private current: WechatStatus;

  constructor(private readonly now: () => Date = () => new Date()) {
    this.current = { state: 'starting', since: now() };
  }

  get(): WechatStatus {
    const s = this.current;
    return { ...s, ...(s.user ? { user: { ...s.user } } : {}), since: new Date(s.since) };
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
    };
    if (code) {
      next.qrcode = code;
      next.qrcodeUrl = qrcodeUrl(code);
    }
    this.current = next;
  }

  login(user: { id: string; name: string }): void {
    this.current = { state: 'logged_in', user: { ...user }, since: this.now() };
  }

  logout(user?: { id: string; name: string }): void {
    const who = user ?? this.current.user;
    this.current = { state: 'logged_out', ...(who ? { user: { ...who } } : {}), since: this.now() };
  }
}
