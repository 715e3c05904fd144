// Update queue with getUpdates long-poll semantics, plus low-level update builders.
// Contract (as https://core.telegram.org/bots/api#getupdates):
// - updates are kept until confirmed: a call with `offset` drops every update with update_id < offset;
//   a negative offset keeps only the last |offset| updates;
// - at most one long poll is pending; a newer getUpdates call ends the older one with 409 Conflict;
// - `allowed_updates` is sticky across calls; [] restores the default (all but chat_member,
//   message_reaction, message_reaction_count). Updates of types not allowed are dropped at delivery.
import type { Chat, Message, PhotoSize, Update, User } from 'grammy/types';
import { commandEntities } from './formatting.js';
import type { FakeUser, NewUpdate } from './types.js';

export type WaitOutcome = 'ready' | 'timeout' | 'superseded' | 'aborted' | 'closed';

const NOT_DEFAULT = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

export const updateType = (u: NewUpdate): string | undefined => Object.keys(u).find((k) => k !== 'update_id');

export class UpdateQueue {
  private queue: Update[] = [];
  private nextId: number;
  private allowed: Set<string> | undefined;
  private poller: ((o: WaitOutcome) => void) | undefined;
  private closed = false;

  constructor(firstUpdateId = 1) {
    this.nextId = firstUpdateId;
  }

  /** Queues the update (assigning update_id if absent) and wakes the pending long poll. */
  push(update: NewUpdate): Update {
    const full = this.assignId(update);
    this.queue.push(full);
    this.queue.sort((a, b) => a.update_id - b.update_id);
    this.settle('ready');
    return full;
  }

  /** Gives the update an id from the same sequence without queueing it (webhook delivery). */
  assignId(update: NewUpdate): Update {
    const id = update.update_id ?? this.nextId;
    this.nextId = Math.max(this.nextId, id + 1);
    return { ...update, update_id: id } as Update;
  }

  get pendingCount(): number {
    return this.queue.length;
  }

  get allowedUpdates(): string[] | undefined {
    return this.allowed ? [...this.allowed] : undefined;
  }

  setAllowed(list: unknown): void {
    if (!Array.isArray(list)) return;
    this.allowed = list.length === 0 ? undefined : new Set(list.map(String));
  }

  confirm(offset: unknown): void {
    if (typeof offset !== 'number' || offset === 0) return;
    if (offset < 0) this.queue = this.queue.slice(offset);
    else this.queue = this.queue.filter((u) => u.update_id >= offset);
  }

  /** Returns up to `limit` deliverable updates (they stay queued until confirmed). */
  take(limit: number): Update[] {
    this.queue = this.queue.filter((u) => this.isAllowed(u));
    return this.queue.slice(0, limit);
  }

  clear(): void {
    this.queue = [];
  }

  /**
   * Parks the caller as the single long poller until an update is pushed, the timeout
   * elapses, a newer poller supersedes it, the client disconnects, or the server closes.
   */
  wait(timeoutMs: number, onAbort: (cb: () => void) => void): Promise<WaitOutcome> {
    this.supersede();
    if (this.closed) return Promise.resolve('closed');
    return new Promise<WaitOutcome>((resolve) => {
      const done = (o: WaitOutcome) => {
        clearTimeout(timer);
        if (this.poller === done) this.poller = undefined;
        resolve(o);
      };
      const timer = setTimeout(() => done('timeout'), timeoutMs);
      this.poller = done;
      onAbort(() => {
        if (this.poller === done) done('aborted');
      });
    });
  }

  /** Ends the pending long poll (if any) with 'superseded': every getUpdates call does this. */
  supersede(): void {
    this.settle('superseded');
  }

  /** Ends any pending long poll with 'closed' and refuses future waits. */
  close(): void {
    this.closed = true;
    this.settle('closed');
  }

  private settle(o: WaitOutcome): void {
    this.poller?.(o);
  }

  private isAllowed(u: Update): boolean {
    const type = updateType(u);
    if (type === undefined) return false;
    return this.allowed ? this.allowed.has(type) : !NOT_DEFAULT.has(type);
  }
}

export const toUser = (u: FakeUser): User => {
  const user: User = { id: u.id, is_bot: u.is_bot ?? false, first_name: u.first_name };
  if (u.last_name) user.last_name = u.last_name;
  if (u.username) user.username = u.username;
  if (u.language_code) user.language_code = u.language_code;
  return user;
};

/** An incoming text message as the real server delivers it (with bot_command entities). */
export function buildTextMessage(input: {
  chat: Chat;
  from: FakeUser;
  text: string;
  messageId: number;
  date?: number;
  replyTo?: Message | undefined;
}): Message {
  const message: Message = {
    message_id: input.messageId,
    from: toUser(input.from),
    chat: input.chat,
    date: input.date ?? nowSeconds(),
    text: input.text,
  };
  const entities = commandEntities(input.text);
  if (entities.length > 0) message.entities = entities;
  if (input.replyTo) message.reply_to_message = withoutReply(input.replyTo);
  return message;
}

/** An incoming photo message; commands in the caption get bot_command caption_entities, as on Telegram. */
export function buildPhotoMessage(input: {
  chat: Chat;
  from: FakeUser;
  photo: PhotoSize[];
  caption?: string | undefined;
  messageId: number;
  replyTo?: Message | undefined;
}): Message {
  const message: Message = {
    message_id: input.messageId,
    from: toUser(input.from),
    chat: input.chat,
    date: nowSeconds(),
    photo: input.photo,
  };
  if (input.caption) {
    message.caption = input.caption;
    const entities = commandEntities(input.caption);
    if (entities.length > 0) message.caption_entities = entities;
  }
  if (input.replyTo) message.reply_to_message = withoutReply(input.replyTo);
  return message;
}

/** A callback query from pressing an inline button on `message` (a Message or InaccessibleMessage). */
export function buildCallbackQuery(input: {
  id: string;
  from: FakeUser;
  data: string;
  message: NonNullable<Update['callback_query']>['message'];
  chatInstance: string;
}): NonNullable<Update['callback_query']> {
  return {
    id: input.id,
    from: toUser(input.from),
    message: input.message,
    chat_instance: input.chatInstance,
    data: input.data,
  };
}

export type ReplyMessage = NonNullable<Message['reply_to_message']>;

/** Telegram embeds replied-to messages one level deep only. */
export function withoutReply(m: Message): ReplyMessage {
  const { reply_to_message: _drop, ...rest } = m;
  return structuredClone(rest) as ReplyMessage;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
