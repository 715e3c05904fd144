import { randomBytes } from 'node:crypto';

/**
 * access_token issuing as WeChat does it: one current token per account; issuing a new one leaves
 * the previous valid for a grace period only, and every older one invalid at once.
 */
interface Issued {
  expiresAt: number;
  /** when a replaced token stops being valid; undefined while it is the current one */
  validUntil?: number;
  expired: boolean;
}

export type TokenCheck = { errcode: 0 } | { errcode: 40001 | 42001; errmsg: string };

export class TokenStore {
  private readonly issued = new Map<string, Issued>();
  private current: string | undefined;

  constructor(
    private readonly clock: () => number,
    private readonly ttlSec: number,
    private readonly graceMs: number,
  ) {}

  issue(): { access_token: string; expires_in: number } {
    const now = this.clock();
    for (const [token, t] of this.issued) {
      if (token === this.current) t.validUntil = now + this.graceMs;
      else t.validUntil = Math.min(t.validUntil ?? now, now);
    }
    const token = randomBytes(64).toString('base64url');
    this.issued.set(token, { expiresAt: now + this.ttlSec * 1000, expired: false });
    this.current = token;
    return { access_token: token, expires_in: this.ttlSec };
  }

  check(token: string | null): TokenCheck {
    const t = token ? this.issued.get(token) : undefined;
    const invalid = {
      errcode: 40001,
      errmsg: 'invalid credential, access_token is invalid or not latest',
    } as const;
    if (!t) return invalid;
    const now = this.clock();
    if (t.expired || now >= t.expiresAt) return { errcode: 42001, errmsg: 'access_token expired' };
    if (t.validUntil !== undefined && now >= t.validUntil) return invalid;
    return { errcode: 0 };
  }

  expireAll(): void {
    for (const t of this.issued.values()) t.expired = true;
  }
}
