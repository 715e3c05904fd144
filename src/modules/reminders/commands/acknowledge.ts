import { callbackData } from '../../../kernel/chat/callback-data.js';
import type { ChannelName } from '../../../kernel/chat/port.js';
import type { Db } from '../../../kernel/db/db.js';
import {
  ackReceipt,
  insertGroupAck,
  isResidentsGroupOf,
  latestGroupOccurrence,
  lockReceipt,
  sentOccurrence,
} from '../repository.js';

/** Acknowledging a reminder (收到): by its button, a numbered reply, or a plain 收到 in a group. */

export type AckOutcome = 'acked' | 'already' | 'not_recipient' | 'gone';

const HOUR = 3_600_000;
/** Chat button payload of an acknowledgement: `rm:<reminder>:<occurrence epoch ms>`. */
/** A recipient's 收到 button on a reminder occurrence: `rm:<reminder>:<occurrence time, epoch ms>`. */
export const ackButton = callbackData('rm', { reminder: 'int', at: 'int' });
export const ackPayload = (reminderId: number, at: Date) =>
  ackButton.write({ reminder: reminderId, at: at.getTime() });

/**
 * A 收到 press or numbered reply: recorded once per person per occurrence. An addressed
 * recipient acknowledges anywhere; in a group audience, anyone writing in one of the org's
 * residents' groups may.
 */
export async function acknowledge(
  db: Db,
  now: () => Date,
  personId: number,
  reminderId: number,
  at: Date,
  chat: { channel: ChannelName; externalId: string },
): Promise<AckOutcome> {
  return db.transaction(async (tx) => {
    const r = await sentOccurrence(tx, reminderId, at);
    if (!r || r.status === 'deleted') return 'gone';
    const receipt = await lockReceipt(tx, reminderId, at, personId);
    if (receipt) {
      if (receipt.acked_at) return 'already';
      await ackReceipt(tx, reminderId, at, personId, now());
      return 'acked';
    }
    if (r.audience.kind !== 'group') return 'not_recipient';
    if (!(await isResidentsGroupOf(tx, r.audience.orgId, chat.channel, chat.externalId)))
      return 'not_recipient';
    await insertGroupAck(tx, reminderId, at, personId, now());
    return 'acked';
  });
}

/**
 * A resident's plain 收到 in a residents' group (WeChat groups cannot answer numbered choices):
 * acknowledges the latest group reminder with 收到 sent to that group's org within `withinMs`.
 * Null when there is none (the message is then not about a reminder).
 */
export async function acknowledgeInGroup(
  db: Db,
  now: () => Date,
  personId: number,
  chat: { channel: ChannelName; externalId: string },
  withinMs = 24 * HOUR,
): Promise<AckOutcome | null> {
  const o = await latestGroupOccurrence(
    db,
    chat.channel,
    chat.externalId,
    new Date(now().getTime() - withinMs),
  );
  return o ? acknowledge(db, now, personId, o.reminder_id, o.at, chat) : null;
}
