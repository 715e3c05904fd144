/**
 * Helpers for sending to WeChat: finding the target chat by id with the lookup error kept (so a
 * network failure is not mistaken for "chat not found"), splitting long text, classifying errors.
 */
import type { Contact, Room, Wechaty } from 'wechaty';
import { ChannelSendError, type ChatRef } from '../../kernel/chat/port.js';
import { errorText } from './redact.js';

export type SendTarget = { room: Room; contact?: undefined } | { contact: Contact; room?: undefined };

/**
 * wechaty's `Room.load` / `Contact.load` exist at runtime (`Room.find({id})` is `load(id)` + `ready()`)
 * but are omitted from the exported constructor types. `find({id})` swallows the lookup error (it
 * emits it on `error` and returns undefined), which would turn a network failure into a permanent
 * "chat not found"; loading directly keeps the error.
 */
interface Loadable<T> {
  load(id: string): T & { ready(): Promise<void> };
}

/**
 * The room (group chat) or contact (private chat); throws ChannelSendError when it cannot be found
 * ('permanent'), or cannot be looked up right now ('unavailable' / 'transient').
 */
export async function findTarget(wechaty: Wechaty, chat: ChatRef, retryMs = 5000): Promise<SendTarget> {
  try {
    if (chat.kind === 'group') {
      const room = (wechaty.Room as unknown as Loadable<Room>).load(chat.externalId);
      await room.ready();
      return { room };
    }
    const contact = (wechaty.Contact as unknown as Loadable<Contact>).load(chat.externalId);
    await contact.ready();
    return { contact };
  } catch (e) {
    if (!isLoggedIn(wechaty)) throw notLoggedIn(retryMs);
    if (isUnreachable(e)) throw notConnected(retryMs);
    if (isTransientError(e)) {
      throw new ChannelSendError('transient', `WeChat lookup of ${chat.kind} chat failed: ${errorText(e)}`);
    }
    throw new ChannelSendError('permanent', 'chat not found');
  }
}

/** a contact to @-mention, or undefined when it cannot be loaded (then the text goes without mention) */
export async function findContact(wechaty: Wechaty, id: string): Promise<Contact | undefined> {
  try {
    const contact = (wechaty.Contact as unknown as Loadable<Contact>).load(id);
    await contact.ready();
    return contact;
  } catch {
    return undefined;
  }
}

/**
 * Whether the account is logged in. Not `wechaty.isLoggedIn`: before `start()` has created the puppet
 * that getter emits an `error` event (which throws when nobody listens) instead of answering false.
 */
export function isLoggedIn(wechaty: Wechaty): boolean {
  if (!wechaty.state.active()) return false;
  try {
    return wechaty.puppet.isLoggedIn;
  } catch {
    return false; // still starting: no puppet yet
  }
}

/** nothing was sent: the delivery waits for the account (no attempt counted) */
export function notLoggedIn(retryMs = 5000): ChannelSendError {
  return new ChannelSendError('unavailable', 'WeChat account not logged in', retryMs);
}

/** nothing was sent: the delivery waits for the puppet to be reachable again (no attempt counted) */
export function notConnected(retryMs = 5000): ChannelSendError {
  return new ChannelSendError('unavailable', 'WeChat puppet not connected', retryMs);
}

/**
 * gRPC UNAVAILABLE: the call found no connection to the puppet service, so the request never left
 * (a call cut off mid-flight fails as CANCELLED, or times out: those may have been delivered).
 */
export function isUnreachable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 14;
}

/**
 * The puppet refused a private send because the contact is not the account's friend. Web WeChat
 * (wechaty-puppet-wechat4u) answers `BaseResponse.Ret` 1204, thrown as `AssertionError: 1204 == 0`
 * (`actual: 1204`); through the puppet service only the text survives (`2 UNKNOWN: 1204 == 0`).
 * Other puppets' words for it are matched too.
 */
export function isNotFriendError(e: unknown): boolean {
  if (typeof e === 'object' && e !== null && (e as { actual?: unknown }).actual === 1204) return true;
  return /(?:^|[^\d])1204 == 0|not (?:a )?friend|非好友|不是(?:你的|对方的?|他的|她的)?好友|拒收/i.test(
    errorText(e),
  );
}

/** gRPC status codes (wechaty-puppet-service) that mean "try again later" */
const TRANSIENT_GRPC_CODES = new Set([1, 4, 8, 10, 14]); // CANCELLED DEADLINE_EXCEEDED RESOURCE_EXHAUSTED ABORTED UNAVAILABLE
const TRANSIENT_ERRNO = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

export function isTransientError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'number' && TRANSIENT_GRPC_CODES.has(code)) return true;
  if (typeof code === 'string' && TRANSIENT_ERRNO.has(code)) return true;
  return /time(d)? ?out|unavailable|not logged in|socket hang up/i.test(errorText(e));
}

/**
 * Split `text` into pieces of at most `max` UTF-16 units, preferring line breaks (then spaces) in the
 * second half of each piece, never splitting a surrogate pair.
 */
export function splitText(text: string, max: number): string[] {
  if (max < 2) throw new Error(`splitText: max must be >= 2, got ${max}`);
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let cut = window.lastIndexOf('\n');
    if (cut < max / 2) cut = window.lastIndexOf(' ');
    if (cut < max / 2) {
      cut = max;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1; // keep the surrogate pair together
    }
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces;
}
