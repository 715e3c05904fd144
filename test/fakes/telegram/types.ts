// Shared types of the fake Telegram Bot API server.
// Wire shapes follow https://core.telegram.org/bots/api#making-requests.
import type { Update } from 'grammy/types';

/** Request parameters as decoded from JSON, query string, urlencoded or multipart bodies. */
export type Params = Record<string, unknown>;

export interface ApiSuccess<T = unknown> {
  ok: true;
  result: T;
}

export interface ApiFailure {
  ok: false;
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export type ApiResponse<T = unknown> = ApiSuccess<T> | ApiFailure;

/**
 * Thrown by method handlers to answer with a Bot-API-shaped error.
 * The HTTP status equals `code`, as on the real server.
 */
export class BotApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: ApiFailure['parameters'],
  ) {
    super(description);
  }

  toResponse(): ApiFailure {
    const body: ApiFailure = { ok: false, error_code: this.code, description: this.description };
    if (this.parameters) body.parameters = this.parameters;
    return body;
  }
}

export const badRequest = (what: string): BotApiError => new BotApiError(400, `Bad Request: ${what}`);

/** A file part of a multipart upload; replaces the `attach://<id>` string in params. */
export interface FileUpload {
  kind: 'upload';
  field: string;
  filename: string;
  size: number;
  data: Buffer;
}

export const isFileUpload = (v: unknown): v is FileUpload =>
  typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'upload';

/** One recorded HTTP call (or webhook-reply call). Pushed on arrival; response filled when answered. */
export interface CallRecord {
  method: string;
  params: Params;
  at: Date;
  /** HTTP status; undefined while pending (long poll) or when the socket was destroyed by a `network` fault. */
  status?: number;
  response?: ApiResponse;
  /** True when the call came back as the body of a webhook response (grammY webhook reply). */
  viaWebhookReply?: boolean;
}

/** An update before `pushUpdate` assigns its `update_id`. */
export type NewUpdate = Omit<Update, 'update_id'> & { update_id?: number };

export type ChatType = 'private' | 'group' | 'supergroup' | 'channel';

export interface FakeUser {
  id: number;
  first_name: string;
  username?: string;
  last_name?: string;
  is_bot?: boolean;
  language_code?: string;
}
