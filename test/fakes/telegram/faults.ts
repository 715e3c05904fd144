// Fault injection and rate enforcement for the fake Bot API.
// Contract: a fault answers the call INSTEAD of the real handler (the call has no effect),
// exactly like the real server refusing it. Faults are consumed in FIFO order.
import { BotApiError, type Params } from './types.js';

export type Fault =
  /** 429, `parameters.retry_after = seconds`. */
  | { kind: 'retry_after'; seconds: number }
  /** 502 Bad Gateway (what Telegram's frontends answer when the backend is down). */
  | { kind: 'server_error' }
  /** 403 bot was blocked by the user (private chats). */
  | { kind: 'blocked' }
  /** 400 chat not found. */
  | { kind: 'chat_not_found' }
  /** 403 bot was kicked from the group chat. */
  | { kind: 'kicked' }
  /** Any other Bot API error. */
  | { kind: 'error'; error_code: number; description: string; retry_after?: number }
  /** Destroy the socket without answering: grammY surfaces this as an HttpError. */
  | { kind: 'network' };

/** Returns the error to answer with, or 'network' when the socket must be destroyed. */
export function faultToError(fault: Fault): BotApiError | 'network' {
  switch (fault.kind) {
    case 'retry_after':
      return new BotApiError(429, `Too Many Requests: retry after ${fault.seconds}`, {
        retry_after: fault.seconds,
      });
    case 'server_error':
      return new BotApiError(502, 'Bad Gateway');
    case 'blocked':
      return new BotApiError(403, 'Forbidden: bot was blocked by the user');
    case 'chat_not_found':
      return new BotApiError(400, 'Bad Request: chat not found');
    case 'kicked':
      return new BotApiError(403, 'Forbidden: bot was kicked from the group chat');
    case 'error':
      return new BotApiError(
        fault.error_code,
        fault.description,
        fault.retry_after === undefined ? undefined : { retry_after: fault.retry_after },
      );
    case 'network':
      return 'network';
  }
}

interface Armed {
  fault: Fault;
  remaining: number;
}

/** Normalises chat ids so that 42, '42' and 42n-as-string match. '@name' stays a string. */
export const chatKey = (chatId: unknown): string | undefined =>
  typeof chatId === 'number' || typeof chatId === 'string' ? String(chatId) : undefined;

/**
 * Armed faults. `failNext(method)` applies to that method only (case-insensitive);
 * `failForChat(chatId)` applies to any call whose `chat_id` param equals chatId.
 * Method faults are checked before chat faults. `count = Infinity` keeps a fault forever.
 */
export class FaultInjector {
  private byMethod = new Map<string, Armed[]>();
  private byChat = new Map<string, Armed[]>();

  failNext(method: string, fault: Fault, count = 1): void {
    push(this.byMethod, method.toLowerCase(), { fault, remaining: count });
  }

  failForChat(chatId: number | string, fault: Fault, count = 1): void {
    push(this.byChat, String(chatId), { fault, remaining: count });
  }

  clear(): void {
    this.byMethod.clear();
    this.byChat.clear();
  }

  /** Consumes and returns the fault that applies to this call, if any. */
  take(method: string, params: Params): Fault | undefined {
    const m = consume(this.byMethod, method.toLowerCase());
    if (m) return m;
    const key = chatKey(params.chat_id);
    return key === undefined ? undefined : consume(this.byChat, key);
  }
}

function push(map: Map<string, Armed[]>, key: string, armed: Armed): void {
  if (!(armed.remaining > 0)) return;
  const list = map.get(key) ?? [];
  list.push(armed);
  map.set(key, list);
}

function consume(map: Map<string, Armed[]>, key: string): Fault | undefined {
  const list = map.get(key);
  const head = list?.[0];
  if (!list || !head) return undefined;
  head.remaining -= 1;
  if (head.remaining <= 0) list.shift();
  if (list.length === 0) map.delete(key);
  return head.fault;
}

export interface RateLimits {
  /** Max sends accepted in any sliding 1 s window, across all chats (Telegram: ~30/s). */
  globalPerSecond?: number;
  /** Max sends accepted per chat in any sliding 1 s window (Telegram: ~1/s). */
  perChatPerSecond?: number;
  /** Max sends accepted per group/supergroup (negative chat id) in any sliding 60 s window (Telegram: 20/min). */
  perGroupPerMinute?: number;
}

export interface SendStats {
  /** Successful send* calls (ok: true). */
  acceptedSends: number;
  /** Every 429 answered, whether from rate enforcement or `failNext`. */
  tooManyRequests: number;
  /** 429s caused by `enforceRate` only. */
  rateLimited: number;
  /** Sum over (chat_id, text) pairs of (successful sends - 1): 0 means no duplicate deliveries. */
  duplicates: number;
  /** The (chat_id, text) pairs that were successfully sent more than once. */
  duplicateSends: Array<{ chatId: string; text: string; count: number }>;
  /** Max successful sends observed in any sliding 1 s window (measured even when not enforcing). */
  peakSendsPerSecond: number;
}

/**
 * Sliding-window rate enforcement over send methods. A send is counted when it is admitted
 * (before the handler runs), so the guarantee is: at most N admitted sends in any window.
 * Rejected (429) calls do not count against the window.
 */
export class RateLimiter {
  private limits: RateLimits | undefined;
  private global: number[] = [];
  private perChat = new Map<string, number[]>();
  private perGroup = new Map<string, number[]>();

  set(limits: RateLimits | undefined): void {
    this.limits = limits;
    this.global = [];
    this.perChat.clear();
    this.perGroup.clear();
  }

  /** Returns a 429 error if the call must be rejected, otherwise admits (counts) it. */
  admit(chatId: unknown, now: number): BotApiError | undefined {
    const l = this.limits;
    if (!l) return undefined;
    const key = chatKey(chatId) ?? '';
    const chatWin = window(this.perChat, key);
    const isGroup = key.startsWith('-');
    const groupWin = isGroup ? window(this.perGroup, key) : undefined;
    const waits = [
      check(this.global, l.globalPerSecond, 1000, now),
      check(chatWin, l.perChatPerSecond, 1000, now),
      groupWin ? check(groupWin, l.perGroupPerMinute, 60_000, now) : 0,
    ];
    const waitMs = Math.max(...waits);
    if (waitMs > 0) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      return new BotApiError(429, `Too Many Requests: retry after ${seconds}`, { retry_after: seconds });
    }
    this.global.push(now);
    chatWin.push(now);
    groupWin?.push(now);
    return undefined;
  }
}

function window(map: Map<string, number[]>, key: string): number[] {
  let w = map.get(key);
  if (!w) {
    w = [];
    map.set(key, w);
  }
  return w;
}

/** Prunes `win` in place; returns ms until a slot frees up, or 0 if the call fits. */
function check(win: number[], limit: number | undefined, spanMs: number, now: number): number {
  while (win.length > 0 && win[0]! <= now - spanMs) win.shift();
  if (limit === undefined || win.length < limit) return 0;
  const oldest = win[win.length - limit]!;
  return oldest + spanMs - now;
}

/** Counts successful sends, duplicates and the peak 1 s rate. */
export class SendCounter {
  private accepted = 0;
  private tooMany = 0;
  private limited = 0;
  private sent = new Map<string, { chatId: string; text: string; count: number }>();
  private recent: number[] = [];
  private peak = 0;

  onTooManyRequests(fromRateLimiter: boolean): void {
    this.tooMany += 1;
    if (fromRateLimiter) this.limited += 1;
  }

  onAccepted(chatId: unknown, text: string, now: number): void {
    this.accepted += 1;
    const id = chatKey(chatId) ?? '';
    const key = `${id}\u0000${text}`;
    const entry = this.sent.get(key) ?? { chatId: id, text, count: 0 };
    entry.count += 1;
    this.sent.set(key, entry);
    this.recent.push(now);
    while (this.recent.length > 0 && this.recent[0]! <= now - 1000) this.recent.shift();
    this.peak = Math.max(this.peak, this.recent.length);
  }

  snapshot(): SendStats {
    const dups = [...this.sent.values()].filter((e) => e.count > 1).map((e) => ({ ...e }));
    return {
      acceptedSends: this.accepted,
      tooManyRequests: this.tooMany,
      rateLimited: this.limited,
      duplicates: dups.reduce((n, e) => n + e.count - 1, 0),
      duplicateSends: dups,
      peakSendsPerSecond: this.peak,
    };
  }

  reset(): void {
    this.accepted = 0;
    this.tooMany = 0;
    this.limited = 0;
    this.sent.clear();
    this.recent = [];
    this.peak = 0;
  }
}
