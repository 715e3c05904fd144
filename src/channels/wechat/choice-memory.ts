/**
 * WeChat has no buttons: a prompt with choices is sent as numbered lines and the person answers with a
 * bare number. `ChoiceMemory` remembers, per (chat, person), the choices that person was last offered,
 * so the adapter can turn their "2" into the choice's payload.
 *
 * Contract:
 *  - `remember` replaces whatever that (chat, person) had pending;
 *  - `resolve(…, n)` returns the n-th (1-based) pending choice, or null when nothing is pending, it has
 *    expired, or n is out of range; it does NOT consume: the adapter calls `forget` once a number has
 *    been matched, so one prompt takes one answer;
 *  - ids are the platform's (WeChat room id or contact id, contact id).
 *
 * `InMemoryChoiceMemory` is per process and lost on restart; a DB-backed one can replace it.
 */
import type { Choice } from '../../kernel/chat/port.js';

export interface ChoiceMemory {
  remember(chatId: string, personId: string, choices: Choice[]): Promise<void>;
  resolve(chatId: string, personId: string, n: number): Promise<Choice | null>;
  forget(chatId: string, personId: string): Promise<void>;
}

export interface InMemoryChoiceMemoryOptions {
  /** how long an unanswered prompt stays answerable (default 24 h) */
  ttlMs?: number;
  /** at most this many pending prompts; the oldest are dropped first (default 10 000) */
  maxEntries?: number;
  /** clock, for tests (default Date.now) */
  now?: () => number;
}

interface Entry {
  choices: Choice[];
  expiresAt: number;
}

export class InMemoryChoiceMemory implements ChoiceMemory {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(opts: InMemoryChoiceMemoryOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 24 * 60 * 60 * 1000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  async remember(chatId: string, personId: string, choices: Choice[]): Promise<void> {
    const k = key(chatId, personId);
    this.entries.delete(k); // re-insert so Map order stays "oldest first"
    if (choices.length === 0) return;
    this.entries.set(k, { choices: [...choices], expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  async resolve(chatId: string, personId: string, n: number): Promise<Choice | null> {
    const k = key(chatId, personId);
    const entry = this.entries.get(k);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(k);
      return null;
    }
    if (!Number.isInteger(n) || n < 1) return null;
    return entry.choices[n - 1] ?? null;
  }

  async forget(chatId: string, personId: string): Promise<void> {
    this.entries.delete(key(chatId, personId));
  }

  /** number of pending prompts (expired ones included until touched) */
  get size(): number {
    return this.entries.size;
  }
}

function key(chatId: string, personId: string): string {
  return `${chatId}\u0000${personId}`;
}
