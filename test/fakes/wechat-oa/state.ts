import { randomBytes } from 'node:crypto';
import { sniffImage } from './multipart.js';
import { TokenStore } from './tokens.js';
import type { ApiCall, FakeOfficialAccountOptions, FaultAnswer, OaMessage } from './types.js';

/** What the fake knows: followers, media, grants, tokens, and everything it recorded. */
export interface Follower {
  following: boolean;
  /** the clock's time of the user's last interaction: opens the window, resets the reply count */
  lastInteraction: number;
  /** customer-service messages accepted since lastInteraction */
  repliesSince: number;
}

export interface StoredMedia {
  bytes: Buffer;
  contentType: string;
  createdAt: number;
}

export type ResolvedOptions = Required<Omit<FakeOfficialAccountOptions, 'aesKey' | 'webhookUrl' | 'now'>> &
  Pick<FakeOfficialAccountOptions, 'aesKey'>;

export class FakeState {
  readonly users = new Map<string, Follower>();
  /** media by media_id: uploaded by the product, or sent by users */
  readonly media = new Map<string, StoredMedia>();
  /** users' pictures by the id in their PicUrl */
  readonly pics = new Map<string, StoredMedia>();
  /** `${openid}\n${templateId}` → sends left */
  readonly grants = new Map<string, number>();
  readonly faults = new Map<string, { answer: FaultAnswer; remaining: number }[]>();
  readonly messages: OaMessage[] = [];
  readonly calls: ApiCall[] = [];
  readonly errors: string[] = [];
  readonly tokens: TokenStore;
  menu: { button: unknown[] } | undefined;
  /** parametric QR codes made: ticket → scene */
  readonly qrcodes = new Map<string, string>();
  tokenFetches = 0;
  webhookUrl: string | undefined;
  offsetMs = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly opts: ResolvedOptions,
    private readonly baseClock: () => number,
  ) {
    this.tokens = new TokenStore(() => this.clock(), opts.tokenTtlSec, opts.oldTokenGraceMs);
  }

  clock(): number {
    return this.baseClock() + this.offsetMs;
  }

  record(m: OaMessage): void {
    this.messages.push(m);
    for (const w of [...this.waiters]) w();
  }

  /** calls `check` on every new message until it returns true */
  watch(check: () => boolean): () => void {
    const w = () => {
      if (check()) this.waiters.delete(w);
    };
    this.waiters.add(w);
    return () => this.waiters.delete(w);
  }

  /** a user did something: the 48 h window opens anew and the reply count resets */
  touch(openid: string): void {
    const u = this.users.get(openid);
    if (!u) return;
    u.lastInteraction = this.clock();
    u.repliesSince = 0;
  }

  /** stores image bytes; the new media_id */
  storeMedia(bytes: Buffer): string {
    const id = randomBytes(32).toString('base64url');
    this.media.set(id, {
      bytes,
      contentType: sniffImage(bytes) ?? 'application/octet-stream',
      createdAt: this.clock(),
    });
    return id;
  }

  /** the next fault queued for `path`, consumed */
  takeFault(path: string): FaultAnswer | undefined {
    const queue = this.faults.get(path);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    if (--head.remaining <= 0) queue.shift();
    return head.answer;
  }
}

/** '/cgi-bin/x', 'cgi-bin/x' and a full URL all name the path '/cgi-bin/x' */
export function normalizePath(path: string): string {
  const p = /^https?:\/\//.test(path) ? new URL(path).pathname : path;
  return p.startsWith('/') ? p : `/${p}`;
}
