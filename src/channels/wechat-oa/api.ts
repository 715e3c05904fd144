import type { AccessTokens } from './access-token.js';

/** Errcodes meaning the access_token itself was refused: refreshed once, then the call is retried. */
const TOKEN_REFUSED = new Set([40001, 40014, 42001]);

/**
 * A call WeChat did not carry out: `errcode` as it answered (0 never), or undefined when there was
 * no answer to read (network, timeout, HTTP error: `status`).
 */
export class OaApiError extends Error {
  constructor(
    message: string,
    readonly errcode: number | undefined,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'OaApiError';
  }
}

/**
 * The Official Account's server API (`https://api.weixin.qq.com/cgi-bin/…`), with the shared
 * access_token: a call refused for its token (40001 invalid, 42001 expired, 40014 malformed) gets
 * one fresh token (src/channels/wechat-oa/access-token.ts) and is made once more. WeChat answers
 * HTTP 200 with `{errcode, errmsg}`; anything but errcode 0 (or none) throws `OaApiError`. The
 * token never appears in an error's message.
 */
export class OaApi {
  constructor(private readonly o: { tokens: AccessTokens; apiRoot: string; timeoutMs?: number }) {}

  async post(
    path: string,
    body: object | FormData,
    query: Record<string, string> = {},
  ): Promise<Record<string, unknown>> {
    let token = await this.o.tokens.get();
    for (let tries = 0; ; tries++) {
      try {
        return await this.call(path, token, body, query);
      } catch (err) {
        if (
          tries === 0 &&
          err instanceof OaApiError &&
          err.errcode !== undefined &&
          TOKEN_REFUSED.has(err.errcode)
        ) {
          token = await this.o.tokens.refreshAfterRejection(token);
          continue;
        }
        throw err;
      }
    }
  }

  /** A GET answering bytes (media/get), or JSON with an errcode. */
  async getBytes(
    path: string,
    query: Record<string, string>,
  ): Promise<{ bytes: Buffer; contentType: string }> {
    let token = await this.o.tokens.get();
    for (let tries = 0; ; tries++) {
      const res = await this.fetch(path, token, query, { method: 'GET' });
      const type = res.headers.get('content-type') ?? '';
      if (!type.includes('json') && !type.startsWith('text/')) {
        return {
          bytes: Buffer.from(await res.arrayBuffer()),
          contentType: type || 'application/octet-stream',
        };
      }
      const body = (await res.json().catch(() => ({}))) as { errcode?: number; errmsg?: string };
      if (tries === 0 && body.errcode !== undefined && TOKEN_REFUSED.has(body.errcode)) {
        token = await this.o.tokens.refreshAfterRejection(token);
        continue;
      }
      throw new OaApiError(
        `${path}: errcode ${body.errcode ?? '?'} ${body.errmsg ?? ''}`.trim(),
        body.errcode,
      );
    }
  }

  private async call(path: string, token: string, body: object | FormData, query: Record<string, string>) {
    const form = body instanceof FormData;
    const res = await this.fetch(path, token, query, {
      method: 'POST',
      ...(form ? {} : { headers: { 'content-type': 'application/json' } }),
      // WeChat reads JSON bodies as UTF-8 and shows \uXXXX escapes literally in some messages
      body: form ? body : JSON.stringify(body),
    });
    const parsed = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (!parsed)
      throw new OaApiError(`${path}: an answer that is not JSON (HTTP ${res.status})`, undefined, res.status);
    const errcode = typeof parsed.errcode === 'number' ? parsed.errcode : 0;
    if (errcode !== 0)
      throw new OaApiError(
        `${path}: errcode ${errcode} ${String(parsed.errmsg ?? '')}`.trim(),
        errcode,
        res.status,
      );
    return parsed;
  }

  private async fetch(
    path: string,
    token: string,
    query: Record<string, string>,
    init: RequestInit,
  ): Promise<Response> {
    const qs = new URLSearchParams({ access_token: token, ...query });
    let res: Response;
    try {
      res = await fetch(`${this.o.apiRoot}${path}?${qs}`, {
        ...init,
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 15_000),
      });
    } catch (err) {
      throw new OaApiError(`${path}: WeChat unreachable (${(err as Error).message})`, undefined);
    }
    if (res.status >= 500 || res.status === 429)
      throw new OaApiError(`${path}: HTTP ${res.status}`, undefined, res.status);
    return res;
  }
}
