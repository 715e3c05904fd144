// The fake Bot API HTTP server and its test-control API.
// Contract: serves POST/GET `${url}/bot${token}/${method}` on 127.0.0.1 (random port) and answers
// `{ok:true,result}` or `{ok:false,error_code,description,parameters?}` with HTTP status = error_code,
// like api.telegram.org. Every call to the right token is recorded in `calls` in arrival order.
// Files the fake issued are served at `${url}/file/bot${token}/${file_path}` (not recorded as calls).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Chat, Message, Update, UserFromGetMe } from 'grammy/types';
import { Audience } from './audience.js';
import {
  type Fault,
  FaultInjector,
  faultToError,
  RateLimiter,
  type RateLimits,
  SendCounter,
  type SendStats,
} from './faults.js';
import { contentTypeOf, FileRegistry } from './files.js';
import { decodeParams, readBody } from './http.js';
import {
  METHODS,
  type MethodContext,
  type MethodHandler,
  SEND_METHODS,
  type WebhookState,
} from './methods.js';
import { issuePhoto, TINY_JPEG } from './photos.js';
import { MessageStore } from './store.js';
import {
  type ApiResponse,
  BotApiError,
  type CallRecord,
  type ChatType,
  type FakeUser,
  type NewUpdate,
  type Params,
} from './types.js';
import { buildCallbackQuery, buildPhotoMessage, buildTextMessage, UpdateQueue } from './updates.js';

export interface FakeTelegramOptions {
  /** Bot token; the bot id defaults to the number before ':'. Default '123456789:TEST-token'. */
  token?: string;
  /** Overrides for the getMe result. */
  botInfo?: Partial<UserFromGetMe>;
  /** First update_id handed out by pushUpdate. Default 1. */
  firstUpdateId?: number;
  /** BotFather's privacy mode (default on): group text reaches the bot only as Telegram allows. */
  privacyMode?: boolean;
}

/** A successful sendMessage/sendPhoto: the params as sent plus the Message the server returned. */
export interface SentMessage {
  method: string;
  chat_id: number | string;
  /** `text` param as sent (still containing markup when parse_mode was used); see message.text for plain text. */
  text?: string;
  /** `caption` param as sent (sendPhoto). */
  caption?: string;
  reply_markup?: unknown;
  params: Params;
  message: Message;
  at: Date;
}

export interface TextMessageUpdateOptions {
  chatId: number;
  /** Registers the chat with this type (default: negative id → supergroup, positive → private). */
  chatType?: ChatType;
  chatTitle?: string;
  from: FakeUser;
  text: string;
  replyToMessageId?: number;
  /** Default: next id in the chat's sequence. */
  messageId?: number;
}

export interface PhotoMessageUpdateOptions extends Omit<TextMessageUpdateOptions, 'text'> {
  /** The photo's bytes, served by getFile + download. Default: a tiny valid JPEG (`TINY_JPEG`). */
  bytes?: Buffer;
  caption?: string;
}

export interface CallbackQueryUpdateOptions {
  chatId: number;
  from: FakeUser;
  data: string;
  /** The bot message carrying the button; if unknown to the fake, an InaccessibleMessage is used. */
  messageId: number;
  /** Default: a fresh unique id. */
  id?: string;
}

export interface WebhookDelivery {
  update: Update;
  status: number;
  body: string;
  /** Telegram never hands this update to the bot (privacy mode): nothing was posted. */
  withheld?: true;
}

export interface WaitOptions {
  predicate?: (call: CallRecord) => boolean;
  /** Default 2000 ms. */
  timeoutMs?: number;
}

type Listener = (call: CallRecord) => void;

/** The HTTP client side of one call. */
interface ClientConnection {
  onAbort: (cb: () => void) => void;
  /** Resolves true as soon as the client disconnects, false if still connected after waitMs. */
  aborted: (waitMs: number) => Promise<boolean>;
}

const DEFAULT_TOKEN = '123456789:TEST-token';

/** Starts a fake server on 127.0.0.1:<random port>. Always `await fake.close()` in afterEach/afterAll. */
export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const fake = new FakeTelegram(options);
  await fake.listen();
  return fake;
}

export class FakeTelegram {
  readonly token: string;
  readonly botInfo: UserFromGetMe;
  /** Every call in arrival order (live array; `clearCalls()` empties it). */
  readonly calls: CallRecord[] = [];

  private server: Server;
  private baseUrl = '';
  private readonly store = new MessageStore();
  private readonly files = new FileRegistry();
  private readonly queue: UpdateQueue;
  private readonly faults = new FaultInjector();
  private readonly limiter = new RateLimiter();
  private readonly counter = new SendCounter();
  private readonly audience = new Audience();
  private readonly handlers = new Map<string, MethodHandler>();
  private readonly webhookState: { current: WebhookState | undefined } = { current: undefined };
  private readonly callbackQueries = new Map<string, boolean>();
  private readonly commands = new Map<string, unknown>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly listeners = new Set<Listener>();
  private readonly completed = new WeakSet<CallRecord>();
  private readonly withheld = new Set<number>();
  private fileSeq = 0;
  private callbackSeq = 0;
  private closing: Promise<void> | undefined;

  constructor(options: FakeTelegramOptions = {}) {
    this.token = options.token ?? DEFAULT_TOKEN;
    const idFromToken = Number(this.token.split(':')[0]);
    this.botInfo = {
      id: Number.isSafeInteger(idFromToken) && idFromToken > 0 ? idFromToken : 123456789,
      is_bot: true,
      first_name: 'Test Bot',
      username: 'test_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
      ...options.botInfo,
    };
    this.queue = new UpdateQueue(options.firstUpdateId ?? 1);
    this.audience.privacyMode = options.privacyMode ?? true;
    for (const [name, handler] of Object.entries(METHODS)) this.handlers.set(name.toLowerCase(), handler);
    this.server = createServer((req, res) => {
      const p = this.onRequest(req, res);
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    });
  }

  /** Base URL to pass as grammY's `client.apiRoot` (no trailing slash). */
  get url(): string {
    return this.baseUrl;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  /**
   * Answers a pending long poll with `[]`, waits for in-flight calls, then closes every socket.
   * Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.queue.close();
      await Promise.allSettled([...this.inflight]);
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeIdleConnections();
        setTimeout(() => this.server.closeAllConnections(), 200).unref();
      });
    })();
    return this.closing;
  }

  // ---- recorded calls -------------------------------------------------------------------------

  /** Calls of one method (case-insensitive), in arrival order. */
  callsOf(method: string): CallRecord[] {
    const m = method.toLowerCase();
    return this.calls.filter((c) => c.method.toLowerCase() === m);
  }

  /** Successful sendMessage/sendPhoto calls, in arrival order. */
  sentMessages(): SentMessage[] {
    return this.calls
      .filter((c) => SEND_METHODS.has(c.method.toLowerCase()) && c.response?.ok === true)
      .map((c) => {
        const sent: SentMessage = {
          method: c.method,
          chat_id: c.params.chat_id as number | string,
          params: c.params,
          message: (c.response as { result: Message }).result,
          at: c.at,
        };
        if (typeof c.params.text === 'string') sent.text = c.params.text;
        if (typeof c.params.caption === 'string') sent.caption = c.params.caption;
        if (c.params.reply_markup !== undefined) sent.reply_markup = c.params.reply_markup;
        return sent;
      });
  }

  /**
   * The `/start` payload of a deep-link button (`https://t.me/<this bot>?start=<payload>`) on a sent
   * message, or undefined. A test "taps" it by sending `/start <payload>` in the user's private chat,
   * which is what Telegram does (and which opens that chat to the bot).
   */
  startLinkOf(sent: SentMessage): string | undefined {
    const rows = (sent.reply_markup as { inline_keyboard?: { url?: string }[][] } | undefined)
      ?.inline_keyboard;
    const prefix = `https://t.me/${this.botInfo.username}?start=`;
    for (const b of rows?.flat() ?? []) if (b.url?.startsWith(prefix)) return b.url.slice(prefix.length);
    return undefined;
  }

  /**
   * What Telegram sends the bot when a user opens `https://t.me/<this bot>?startgroup=<payload>` and
   * picks a group to add it to: `/start@<bot> <payload>` in that group, from that user (a command to the
   * bot: privacy mode lets it through). Refuses a link to another bot or a payload Telegram would not
   * take (1–64 of A–Z, a–z, 0–9, _ and -). Not queued: pass to pushUpdate or deliverUpdateToWebhook.
   */
  startGroupUpdate(
    url: string,
    o: { chatId: number; chatTitle?: string; from: TextMessageUpdateOptions['from'] },
  ): NewUpdate {
    const prefix = `https://t.me/${this.botInfo.username}?startgroup=`;
    if (!url.startsWith(prefix))
      throw new Error(`not a startgroup link of @${this.botInfo.username}: ${url}`);
    const payload = url.slice(prefix.length);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(payload))
      throw new Error(`Telegram refuses the start parameter ${payload}`);
    return this.makeTextMessageUpdate({
      chatId: o.chatId,
      chatType: 'supergroup',
      ...(o.chatTitle ? { chatTitle: o.chatTitle } : {}),
      from: o.from,
      text: `/start@${this.botInfo.username} ${payload}`,
    });
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  /** Resolves with the first completed call of `method` (already recorded or future) matching predicate. */
  async waitForCall(method: string, options: WaitOptions = {}): Promise<CallRecord> {
    const [first] = await this.waitForCalls(method, 1, options);
    return first!;
  }

  /** Resolves once `count` completed calls of `method` match; rejects after timeoutMs (default 2000). */
  waitForCalls(method: string, count: number, options: WaitOptions = {}): Promise<CallRecord[]> {
    const m = method.toLowerCase();
    const matches = () =>
      this.calls.filter(
        (c) => c.method.toLowerCase() === m && this.completed.has(c) && (options.predicate?.(c) ?? true),
      );
    const now = matches();
    if (now.length >= count) return Promise.resolve(now.slice(0, count));
    const timeoutMs = options.timeoutMs ?? 2000;
    return new Promise((resolve, reject) => {
      const listener: Listener = () => {
        const found = matches();
        if (found.length < count) return;
        cleanup();
        resolve(found.slice(0, count));
      };
      const timer = setTimeout(() => {
        cleanup();
        const got = matches().length;
        reject(
          new Error(`waitForCalls(${method}, ${count}): only ${got} matching call(s) after ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
    });
  }

  // ---- updates --------------------------------------------------------------------------------

  /**
   * Queues an update for getUpdates (assigning update_id if absent) and wakes a pending long poll.
   * An update Telegram would not give the bot (a group message under privacy mode) gets its id and
   * is not queued: see `isWithheld`.
   */
  pushUpdate(update: NewUpdate): Update {
    if (!this.audience.visible(update, this.botInfo)) {
      const skipped = this.queue.assignId(update);
      this.withheld.add(skipped.update_id);
      return skipped;
    }
    this.audience.onDelivered(update);
    const full = this.queue.push(update);
    this.registerCallback(full);
    return full;
  }

  /** Whether `pushUpdate` withheld this update from the bot (privacy mode). */
  isWithheld(update: Update): boolean {
    return this.withheld.has(update.update_id);
  }

  /** A user's text message (stored, so the bot can reply to / be replied to it). Not queued: pass to pushUpdate. */
  makeTextMessageUpdate(o: TextMessageUpdateOptions): NewUpdate {
    const message = buildTextMessage({ ...this.incoming(o), text: o.text });
    this.store.save(message);
    return { message: structuredClone(message) } as NewUpdate;
  }

  /**
   * A user's photo (stored like a text message), in three sizes whose file_ids all serve `bytes`
   * via getFile and the download route. Not queued: pass to pushUpdate or deliverUpdateToWebhook.
   */
  makePhotoMessageUpdate(o: PhotoMessageUpdateOptions): NewUpdate {
    const photo = issuePhoto(this.files, ++this.fileSeq, o.bytes ?? TINY_JPEG);
    const message = buildPhotoMessage({ ...this.incoming(o), photo, caption: o.caption });
    this.store.save(message);
    return { message: structuredClone(message) } as NewUpdate;
  }

  /** The bytes behind a file_id the fake issued (user photo or bot send), or undefined. */
  fileBytes(fileId: string): Buffer | undefined {
    const bytes = this.files.get(fileId)?.bytes;
    return bytes ? Buffer.from(bytes) : undefined;
  }

  /** A press on an inline button of the bot's message `messageId`. Not queued: pass to pushUpdate. */
  makeCallbackQueryUpdate(o: CallbackQueryUpdateOptions): NewUpdate {
    const chat = this.store.chat(o.chatId);
    const stored = this.store.get(o.chatId, o.messageId);
    this.callbackSeq += 1;
    const query = buildCallbackQuery({
      id: o.id ?? `${this.botInfo.id}${String(this.callbackSeq).padStart(6, '0')}`,
      from: o.from,
      data: o.data,
      message: stored ? structuredClone(stored) : { chat, message_id: o.messageId, date: 0 },
      chatInstance: String(-(Math.abs(o.chatId) * 7 + 1_234_567)),
    });
    return { callback_query: query };
  }

  /**
   * POSTs the update to a webhook URL like Telegram does (JSON, `X-Telegram-Bot-Api-Secret-Token`).
   * If the webhook answers with a method call in its body (grammY webhook reply), it is executed
   * and recorded with `viaWebhookReply: true`.
   */
  async postUpdateToWebhook(url: string, update: NewUpdate, secretToken?: string): Promise<WebhookDelivery> {
    const full = this.queue.assignId(update);
    if (!this.audience.visible(full, this.botInfo))
      return { update: full, status: 0, body: '', withheld: true };
    this.audience.onDelivered(full);
    this.registerCallback(full);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (secretToken !== undefined) headers['x-telegram-bot-api-secret-token'] = secretToken;
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(full) });
    const body = await res.text();
    await this.runWebhookReply(body);
    return { update: full, status: res.status, body };
  }

  /** Delivers to the URL and secret registered via setWebhook. Throws if no webhook is set. */
  deliverUpdateToWebhook(update: NewUpdate): Promise<WebhookDelivery> {
    const w = this.webhookState.current;
    if (!w) throw new Error('deliverUpdateToWebhook: no webhook is set (call setWebhook first)');
    return this.postUpdateToWebhook(w.url, update, w.secretToken);
  }

  /** The webhook registered via setWebhook, including its secret token (which getWebhookInfo hides). */
  webhook(): WebhookState | undefined {
    const w = this.webhookState.current;
    return w ? { ...w } : undefined;
  }

  // ---- who may be written to, what the bot may read -----------------------------------------

  /**
   * The user opens a private chat with the bot without a message of the test's own (as tapping
   * Start does). A private message update from the user does the same.
   */
  startPrivateChat(userId: number): void {
    this.audience.start(userId);
  }

  /** The user blocks the bot: private sends to them fail with 403 until they write to it again. */
  blockBot(userId: number): void {
    this.audience.block(userId);
  }

  /** Whether the bot may write to the user privately. */
  canMessagePrivately(userId: number): boolean {
    return this.audience.hasStarted(userId);
  }

  /** Makes the bot an administrator of the group (or not): administrators read every message. */
  setBotAdmin(chatId: number, admin = true): void {
    this.audience.setAdmin(chatId, admin);
  }

  /** BotFather's /setprivacy. */
  setPrivacyMode(on: boolean): void {
    this.audience.privacyMode = on;
  }

  // ---- faults & rates -------------------------------------------------------------------------

  /** The next `count` calls of `method` fail with `fault` (count = Infinity: until clearFaults). */
  failNext(method: string, fault: Fault, count = 1): void {
    this.faults.failNext(method, fault, count);
  }

  /** The next `count` calls with this chat_id (any method) fail with `fault`. */
  failForChat(chatId: number | string, fault: Fault, count = 1): void {
    this.faults.failForChat(chatId, fault, count);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Enables sliding-window 429s on send methods; pass undefined to disable. */
  enforceRate(limits: RateLimits | undefined): void {
    this.limiter.set(limits);
  }

  stats(): SendStats {
    return this.counter.snapshot();
  }

  resetStats(): void {
    this.counter.reset();
  }

  // ---- state ----------------------------------------------------------------------------------

  /** Registers / retypes a chat (e.g. a basic 'group' with a negative id, or a titled supergroup). */
  setChat(chatId: number, type: ChatType, title?: string): Chat {
    return this.store.upsertChat(chatId, type, title === undefined ? {} : { title });
  }

  /** Current state of a stored message (after edits), or undefined. */
  message(chatId: number, messageId: number): Message | undefined {
    const m = this.store.get(chatId, messageId);
    return m ? structuredClone(m) : undefined;
  }

  /** All stored messages of a chat (user and bot), by message_id. */
  messages(chatId: number): Message[] {
    return structuredClone(this.store.messages(chatId));
  }

  /** Adds or replaces a method handler (throw BotApiError for API errors). */
  setHandler(method: string, handler: MethodHandler): void {
    this.handlers.set(method.toLowerCase(), handler);
  }

  // ---- internals ------------------------------------------------------------------------------

  /** Chat, sender, id and reply target of a user's message (registering the chat). */
  private incoming(o: Omit<TextMessageUpdateOptions, 'text'>) {
    const chat = this.store.upsertChat(o.chatId, o.chatType ?? (o.chatId < 0 ? undefined : 'private'), {
      ...(o.chatTitle === undefined ? {} : { title: o.chatTitle }),
      ...(o.chatId > 0 ? { user: o.from } : {}),
    });
    const replyTo =
      o.replyToMessageId === undefined ? undefined : this.store.get(o.chatId, o.replyToMessageId);
    return {
      chat,
      from: o.from,
      messageId: o.messageId ?? this.store.nextMessageId(o.chatId),
      ...(replyTo ? { replyTo } : {}),
    };
  }

  /** A user's private chat (positive id, or registered as private). */
  private isPrivateChat(chatId: unknown): boolean {
    const id = typeof chatId === 'number' ? chatId : typeof chatId === 'string' ? Number(chatId) : Number.NaN;
    if (!Number.isSafeInteger(id) || id === 0) return false;
    return this.store.chat(id).type === 'private';
  }

  private registerCallback(update: Update): void {
    const id = update.callback_query?.id;
    if (id !== undefined && !this.callbackQueries.has(id)) this.callbackQueries.set(id, false);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/file/')) return this.onDownload(url, res);
    const m = /^\/bot([^/]*)\/([^/]*)$/.exec(url.pathname);
    if (!m) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (m[1] !== this.token)
      return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = decodeURIComponent(m[2]!);
    let params: Params;
    try {
      params = decodeParams(url, req.headers['content-type'], await readBody(req));
    } catch (err) {
      const error =
        err instanceof BotApiError ? err : new BotApiError(400, 'Bad Request: invalid request body');
      const record: CallRecord = { method, params: {}, at: new Date() };
      this.calls.push(record);
      this.finish(record, error.code, error.toResponse());
      return send(res, error.code, error.toResponse());
    }
    const conn: ClientConnection = {
      onAbort: (cb) =>
        res.once('close', () => {
          if (!res.writableFinished) cb();
        }),
      aborted: (waitMs) =>
        new Promise<boolean>((resolve) => {
          if (res.destroyed && !res.writableFinished) return resolve(true);
          const timer = setTimeout(() => resolve(false), waitMs);
          res.once('close', () => {
            clearTimeout(timer);
            resolve(!res.writableFinished);
          });
        }),
    };
    const outcome = await this.execute(method, params, conn);
    if (outcome === 'network') {
      req.socket.destroy();
      return;
    }
    send(res, outcome.status, outcome.body);
  }

  /** `GET /file/bot<token>/<file_path>`: the file's bytes; 401 for a wrong token, 404 for an unknown path. */
  private onDownload(url: URL, res: ServerResponse): void {
    const m = /^\/file\/bot([^/]*)\/(.+)$/.exec(url.pathname);
    if (m && m[1] !== this.token) {
      send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      return;
    }
    const file = m ? this.files.atPath(safeDecode(m[2]!)) : undefined;
    if (!file) {
      send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    res.writeHead(200, { 'content-type': contentTypeOf(file.filePath), 'content-length': file.size });
    res.end(file.bytes);
  }

  /** Runs one call through faults → rate limit → handler, recording it. */
  private async execute(
    method: string,
    params: Params,
    conn: ClientConnection,
    viaWebhookReply = false,
  ): Promise<{ status: number; body: ApiResponse } | 'network'> {
    const record: CallRecord = { method, params, at: new Date() };
    if (viaWebhookReply) record.viaWebhookReply = true;
    this.calls.push(record);
    const key = method.toLowerCase();
    const isSend = SEND_METHODS.has(key);
    let fromLimiter = false;
    let status = 200;
    let body: ApiResponse;
    try {
      const fault = this.faults.take(method, params);
      if (fault) {
        const error = faultToError(fault);
        if (error === 'network') {
          this.finish(record, undefined, undefined);
          return 'network';
        }
        throw error;
      }
      if (isSend && this.isPrivateChat(params.chat_id))
        this.audience.checkPrivateSend(Number(params.chat_id));
      if (isSend) {
        const limited = this.limiter.admit(params.chat_id, Date.now());
        fromLimiter = limited !== undefined;
        if (limited) throw limited;
      }
      const handler = this.handlers.get(key);
      if (!handler) throw new BotApiError(404, 'Not Found: method not found');
      const result = await handler(params, this.context(conn));
      body = { ok: true, result };
      if (isSend) {
        const text = params.text ?? params.caption ?? '';
        this.counter.onAccepted(
          params.chat_id,
          typeof text === 'string' ? text : JSON.stringify(text),
          Date.now(),
        );
      }
    } catch (err) {
      if (!(err instanceof BotApiError)) {
        // A bug in the fake itself: make it loud rather than silently "realistic".
        console.error(`[fake-telegram] ${method} handler crashed:`, err);
      }
      const error =
        err instanceof BotApiError
          ? err
          : new BotApiError(500, `Internal Server Error: fake crashed (${String(err)})`);
      if (error.code === 429) this.counter.onTooManyRequests(fromLimiter);
      status = error.code;
      body = error.toResponse();
    }
    this.finish(record, status, body);
    return { status, body };
  }

  private context(conn: ClientConnection): MethodContext {
    return {
      botInfo: this.botInfo,
      store: this.store,
      queue: this.queue,
      webhook: this.webhookState,
      callbackQueries: this.callbackQueries,
      commands: this.commands,
      files: this.files,
      nextFileSeq: () => ++this.fileSeq,
      longPoll: (timeoutMs) => this.queue.wait(timeoutMs, conn.onAbort),
      clientGone: conn.aborted,
    };
  }

  private finish(record: CallRecord, status: number | undefined, response: ApiResponse | undefined): void {
    if (status !== undefined) record.status = status;
    if (response !== undefined) record.response = response;
    this.completed.add(record);
    for (const l of [...this.listeners]) l(record);
  }

  /** Telegram executes a method returned in the webhook response body; errors are not reported back. */
  private async runWebhookReply(body: string): Promise<void> {
    if (!body.trimStart().startsWith('{')) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const { method, ...params } = parsed as Params;
    if (typeof method !== 'string') return;
    await this.execute(method, params, { onAbort: () => {}, aborted: async () => false }, true);
  }
}

/** A malformed %-escape decodes to '' (no such file) instead of throwing. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}

function send(res: ServerResponse, status: number, body: ApiResponse): void {
  if (res.destroyed || res.writableEnded) return;
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
