import { GrammyError, HttpError } from 'grammy';
import { ChannelSendError, SEND_REFUSAL, type SendRefusal } from '../../kernel/chat/port.js';

/** Telegram's 403 descriptions that say the person cannot be reached privately, by reason code. */
const REFUSALS: [RegExp, SendRefusal][] = [
  [/can't initiate conversation with a user/i, SEND_REFUSAL.notStarted],
  [/bot was blocked by the user/i, SEND_REFUSAL.blocked],
  [/user is deactivated/i, SEND_REFUSAL.deactivated],
];

/**
 * Maps a failed Bot API call to the port's ChannelSendError so the outbound queue knows what to do:
 * - 429 → `rate_limited` with `retryAfterMs` = retry_after × 1000 (1 s when Telegram gives none);
 * - ≥ 500 and network failures (grammY HttpError) → `transient`;
 * - 403 for a person who never started the bot, blocked it or is deactivated → `permanent` with a
 *   SEND_REFUSAL reason code first (`not_started: telegram sendMessage: 403 …`), so the outbox
 *   routes around it;
 * - every other Bot API error → `permanent`: 403 (blocked, kicked, deactivated), 400 chat not found,
 *   PEER_ID_INVALID, no rights, and malformed requests, which no retry can fix. A group upgraded to
 *   a supergroup is permanent for the old id; the message names the new id (migrate_to_chat_id).
 * - anything else (a bug, not a Telegram answer) → `permanent`, so it is recorded, not retried forever.
 */
export function toChannelSendError(err: unknown): ChannelSendError {
  if (err instanceof ChannelSendError) return err;
  if (err instanceof GrammyError) {
    const what = `telegram ${err.method}: ${err.error_code} ${err.description}`;
    if (err.error_code === 429) {
      const seconds = err.parameters.retry_after;
      return new ChannelSendError('rate_limited', what, (typeof seconds === 'number' ? seconds : 1) * 1000);
    }
    if (err.error_code >= 500) return new ChannelSendError('transient', what);
    const refusal =
      err.error_code === 403 ? REFUSALS.find(([re]) => re.test(err.description))?.[1] : undefined;
    if (refusal) return new ChannelSendError('permanent', `${refusal}: ${what}`);
    const migrated = err.parameters.migrate_to_chat_id;
    return new ChannelSendError(
      'permanent',
      migrated === undefined ? what : `${what} (migrated to chat ${migrated})`,
    );
  }
  if (err instanceof HttpError)
    return new ChannelSendError('transient', `telegram network error: ${err.message}`);
  return new ChannelSendError(
    'permanent',
    `telegram send failed: ${err instanceof Error ? err.message : String(err)}`,
  );
}
