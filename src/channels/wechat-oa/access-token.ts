import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Db } from '../../kernel/db/db.js';

/** Refreshed this long before WeChat says it expires. */
const MARGIN_MS = 5 * 60_000;
/** How long a process may hold the refresh lease (the call to WeChat times out before). */
const LEASE_SECS = 20;
const FETCH_TIMEOUT_MS = 10_000;
const WAIT_STEP_MS = 150;

export class AccessTokenError extends Error {
  constructor(
    message: string,
    /** WeChat's errcode when it answered one (40013 wrong AppID, 40125 wrong secret, 40164 IP not whitelisted) */
    readonly errcode?: number,
  ) {
    super(message);
    this.name = 'AccessTokenError';
  }
}

/**
 * The account's access_token, one for all processes (linli.wechat_oa_tokens). Fetching a new token
 * from WeChat makes the previous one stop working a few minutes later, so processes that each
 * fetched their own would keep invalidating each other's — the classic failure of Official Account
 * integrations run on more than one instance.
 *
 * Contract:
 * - `get()` answers a token with at least 5 minutes left: from memory, else the row, else a refresh;
 * - a refresh is done by one process at a time: it takes the row's lease (a compare-and-set that
 *   also checks the row still holds the token it found stale), calls WeChat, stores the token and
 *   gives the lease back; the others wait for the row to change (at most ~20 s, then try to take an
 *   expired lease themselves);
 * - `refreshAfterRejection(token)`: WeChat refused `token` (40001/42001): refreshed only if the row
 *   still holds it; if another process already replaced it, that one is answered;
 * - the token is never logged; a failed fetch throws `AccessTokenError` (transient for the sender).
 */
export class AccessTokens {
  private cached: { token: string; expiresAt: number } | null = null;
  /** the last fetch this process made, when it failed (cleared by the next that succeeds) */
  private failed: { message: string; at: Date } | null = null;

  /** Why this process could not get a token the last time it asked WeChat; null once one came. */
  problem(): { message: string; at: Date } | null {
    return this.failed;
  }

  constructor(
    private readonly o: {
      db: Db;
      appId: string;
      appSecret: string;
      apiRoot: string;
      logger: Logger;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  async get(): Promise<string> {
    if (this.cached && this.cached.expiresAt - MARGIN_MS > this.now()) return this.cached.token;
    const row = await this.read();
    if (row?.access_token && row.expires_at && row.expires_at.getTime() - MARGIN_MS > this.now()) {
      this.cached = { token: row.access_token, expiresAt: row.expires_at.getTime() };
      return row.access_token;
    }
    return this.refresh(row?.access_token ?? null);
  }

  async refreshAfterRejection(token: string): Promise<string> {
    if (this.cached?.token === token) this.cached = null;
    return this.refresh(token);
  }

  private async read(): Promise<{ access_token: string | null; expires_at: Date | null } | undefined> {
    const { rows } = await this.o.db.query<{ access_token: string | null; expires_at: Date | null }>(
      'SELECT access_token, expires_at FROM linli.wechat_oa_tokens WHERE app_id = $1',
      [this.o.appId],
    );
    const r = rows[0];
    return r && { access_token: r.access_token, expires_at: r.expires_at && new Date(r.expires_at) };
  }

  /** A token other than `stale` (null: none known), fetched here or by another process. */
  private async refresh(stale: string | null): Promise<string> {
    const { db, appId } = this.o;
    await db.query('INSERT INTO linli.wechat_oa_tokens (app_id) VALUES ($1) ON CONFLICT DO NOTHING', [appId]);
    const giveUpAt = this.now() + (LEASE_SECS + 5) * 1000;
    for (;;) {
      const { rows: leased } = await db.query(
        `UPDATE linli.wechat_oa_tokens SET lease_until = now() + make_interval(secs => $3)
          WHERE app_id = $1 AND (lease_until IS NULL OR lease_until < now())
            AND access_token IS NOT DISTINCT FROM $2
          RETURNING app_id`,
        [appId, stale, LEASE_SECS],
      );
      if (leased.length) return this.fetchAndStore();
      const row = await this.read();
      if (
        row?.access_token &&
        row.access_token !== stale &&
        row.expires_at &&
        row.expires_at.getTime() > this.now()
      ) {
        this.cached = { token: row.access_token, expiresAt: row.expires_at.getTime() };
        return row.access_token;
      }
      if (this.now() > giveUpAt)
        throw new AccessTokenError('no access_token: another process holds the refresh');
      // the row holds a token we did not see as stale but it has expired too: refresh that one
      if (row?.access_token !== stale && row?.access_token) stale = row.access_token;
      await sleep(WAIT_STEP_MS);
    }
  }

  private async fetchAndStore(): Promise<string> {
    const { db, appId } = this.o;
    try {
      const url = `${this.o.apiRoot}/cgi-bin/token?grant_type=client_credential&appid=${encodeURIComponent(appId)}&secret=${encodeURIComponent(this.o.appSecret)}`;
      let body: { access_token?: string; expires_in?: number; errcode?: number; errmsg?: string };
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
        if (!res.ok) throw new AccessTokenError(`WeChat token endpoint: HTTP ${res.status}`);
        body = (await res.json()) as typeof body;
      } catch (err) {
        if (err instanceof AccessTokenError) throw err;
        throw new AccessTokenError(`WeChat token endpoint unreachable: ${(err as Error).message}`);
      }
      if (!body.access_token || !body.expires_in) {
        throw new AccessTokenError(
          `WeChat refused the access_token request: errcode ${body.errcode ?? '?'} ${body.errmsg ?? ''}`.trim(),
          body.errcode,
        );
      }
      const { rows } = await db.query<{ expires_at: Date }>(
        `UPDATE linli.wechat_oa_tokens
            SET access_token = $2, expires_at = now() + make_interval(secs => $3), fetched_at = now(), lease_until = NULL
          WHERE app_id = $1 RETURNING expires_at`,
        [appId, body.access_token, body.expires_in],
      );
      const expiresAt = new Date(rows[0]!.expires_at).getTime();
      this.cached = { token: body.access_token, expiresAt };
      this.failed = null;
      this.o.logger.info({ appId, expiresInSecs: body.expires_in }, 'wechat_oa: access_token refreshed');
      return body.access_token;
    } catch (err) {
      this.failed = { message: (err as Error).message, at: new Date() };
      this.o.logger.error({ appId, error: (err as Error).message }, 'wechat_oa: no access_token');
      await db
        .query('UPDATE linli.wechat_oa_tokens SET lease_until = NULL WHERE app_id = $1', [appId])
        .catch(() => {});
      throw err;
    }
  }
}
