// Chats and messages known to the fake server.
// Contract: message_id is a per-chat sequence starting at 1, shared by incoming user
// messages (built via the fake) and bot messages, as in Telegram private chats/supergroups.
// Unknown chats are created on first use: negative id → supergroup, positive → private,
// unless registered with another type via `upsertChat` (or an update builder's chatType).
import type { Chat, Message } from 'grammy/types';
import type { ChatType, FakeUser } from './types.js';

interface ChatState {
  chat: Chat;
  nextMessageId: number;
  messages: Map<number, Message>;
}

export class MessageStore {
  private chats = new Map<number, ChatState>();

  upsertChat(id: number, type?: ChatType, info: { title?: string; user?: FakeUser } = {}): Chat {
    const existing = this.chats.get(id);
    if (existing && type === undefined) return existing.chat;
    const chat = makeChat(id, type ?? existing?.chat.type ?? (id < 0 ? 'supergroup' : 'private'), info);
    if (existing) existing.chat = chat;
    else this.chats.set(id, { chat, nextMessageId: 1, messages: new Map() });
    return chat;
  }

  chat(id: number): Chat {
    return this.upsertChat(id);
  }

  nextMessageId(chatId: number): number {
    this.upsertChat(chatId);
    const state = this.chats.get(chatId)!;
    const id = state.nextMessageId;
    state.nextMessageId += 1;
    return id;
  }

  /** Stores the message and bumps the chat's sequence past its id. */
  save(message: Message): void {
    this.upsertChat(message.chat.id);
    const state = this.chats.get(message.chat.id)!;
    state.messages.set(message.message_id, message);
    state.nextMessageId = Math.max(state.nextMessageId, message.message_id + 1);
  }

  get(chatId: number, messageId: number): Message | undefined {
    return this.chats.get(chatId)?.messages.get(messageId);
  }

  delete(chatId: number, messageId: number): boolean {
    return this.chats.get(chatId)?.messages.delete(messageId) ?? false;
  }

  /** All stored messages of a chat in message_id order. */
  messages(chatId: number): Message[] {
    const state = this.chats.get(chatId);
    return state ? [...state.messages.values()].sort((a, b) => a.message_id - b.message_id) : [];
  }
}

function makeChat(id: number, type: ChatType, info: { title?: string; user?: FakeUser }): Chat {
  if (type === 'private') {
    const u = info.user;
    const chat: Chat.PrivateChat = { id, type, first_name: u?.first_name ?? `User ${id}` };
    if (u?.last_name) chat.last_name = u.last_name;
    if (u?.username) chat.username = u.username;
    return chat;
  }
  return { id, type, title: info.title ?? `Chat ${id}` } as Chat;
}
