import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

/**
 * The typed client of the admin API, generated from docs/openapi.json (openapi-typescript, at
 * build time): a route or field the API drops or renames breaks `npm run build`. Every request
 * carries the signed-in token as a bearer header; the token lives in sessionStorage only.
 */
export const TOKEN_KEY = 'linli.token';

export function currentToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

const bearer: Middleware = {
  onRequest({ request }) {
    const token = currentToken();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin });
api.use(bearer);

/** The API's error body: `{"error": {"code", "message", "details"}}`. */
export interface ApiErrorBody {
  error: { code: string; message: string; details: { field?: string; row?: number; message: string }[] };
}

/** An error answer of the API (status and its error body), thrown by `must`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | null,
  ) {
    super(body?.error.message ?? `HTTP ${status}`);
  }
  get code(): string | undefined {
    return this.body?.error.code;
  }
  /** the message with its details, as the API wrote them */
  describe(): string {
    const details = this.body?.error.details ?? [];
    const extra = details.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join('; ');
    return extra ? `${this.message} (${extra})` : this.message;
  }
}

function isErrorBody(x: unknown): x is ApiErrorBody {
  return typeof x === 'object' && x !== null && 'error' in x && typeof (x as ApiErrorBody).error === 'object';
}

/** The data of an openapi-fetch answer, or an ApiError carrying the API's error. */
export async function must<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const r = await call;
  if (r.response.ok && r.data !== undefined) return r.data;
  if (r.response.ok && r.response.status === 204) return undefined as T;
  if (r.response.status === 401) onUnauthorized?.();
  throw new ApiError(r.response.status, isErrorBody(r.error) ? r.error : null);
}

let onUnauthorized: (() => void) | undefined;
/** What to do when the token stops working mid-session (revoked): back to sign-in. */
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

/** A binary answer (a complaint's photo) as an object URL: an <img> cannot send a bearer header. */
export async function blobUrl(path: string): Promise<string> {
  const token = currentToken();
  const r = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!r.ok) throw new ApiError(r.status, null);
  return URL.createObjectURL(await r.blob());
}
