import type { DeliveryChannel, OutboundMessage, SendRefusal } from '../chat/port.js';
import type { Db, Queryable } from '../db/db.js';
import type { DeliveryRow } from './delivery-repository.js';
import type { AfterCommit, OutboundRequest, Outbox } from './outbox.js';

/**
 * What happens to a delivery the platform will not send (a `permanent` error), by the reach rule:
 * private chat when the platform allows it → otherwise, when the delivery carries a `fallback`
 * (content the group may see), that message to the person's group, @-mentioning them → otherwise
 * recorded as unreachable, with the reason, and told to the module named by its `subject`.
 *
 * - refused because of the person, privately, with no group fallback but another private chat of
 *   theirs on a channel not tried yet (`OtherAddress`: their Telegram beside an Official Account
 *   they have not written to for 48 h): `rerouted` to that chat, the same way;
 * - refused because of the person (SEND_REFUSAL: never started the bot, blocked it, not a friend)
 *   with a fallback: the delivery becomes `rerouted`, naming the fallback delivery, written in the
 *   same transaction (its send job is added after COMMIT; the reconciler re-adds a lost one);
 * - refused because of the person without a fallback, or a fallback that failed for good:
 *   `unreachable`, and the subject's `UnreachedHandler` runs in the same transaction (a timeline
 *   entry, a word to colleagues) so the record and its consequences exist together;
 * - any other permanent error (a malformed message, a group the bot was removed from): `failed`.
 */

/** A delivery that reached nobody, as its module hears of it. */
export interface UnreachedDelivery {
  deliveryId: number;
  channel: DeliveryChannel;
  /** `<kind>:<id>:<audience>`, as the module wrote it (`complaint:12:handler`) */
  subject: string;
  personId: number | null;
  orgId: number | null;
  /** the platform's refusal or error, as recorded in `last_error` */
  reason: string;
}

/**
 * Records the consequences of an unreached delivery in `tx`; `send` writes messages in `tx` too
 * (their jobs are added after COMMIT). Messages it sends carry no subject, so an unreachable word
 * about an unreachable person ends there.
 */
export type UnreachedHandler = (
  tx: Queryable,
  d: UnreachedDelivery,
  send: (reqs: readonly OutboundRequest[]) => Promise<void>,
) => Promise<void>;

/** One handler for all subjects: each module handles the subjects of its kind (`complaint:…`). */
export function unreachedBySubject(handlers: Record<string, UnreachedHandler>): UnreachedHandler {
  return async (tx, d, send) => handlers[d.subject.split(':')[0] ?? '']?.(tx, d, send);
}

export const FALLBACK_KEY_SUFFIX = '~group';

/**
 * Another private chat of the same person, on a channel none of `tried` (the person's other chat
 * identity: their Telegram beside their Official Account, say); null when they have none. Given by
 * the app (the identities are the people module's).
 */
export type OtherAddress = (
  tx: Queryable,
  personId: number,
  tried: readonly DeliveryChannel[],
) => Promise<{ channel: DeliveryChannel; externalId: string } | null>;

/** The channels a delivery and the ones it was rerouted from were tried on (its key says them). */
function triedChannels(d: DeliveryRow): DeliveryChannel[] {
  const via = [...d.idempotency_key.matchAll(/~(?:from|via)-([a-z_]+)/g)].map((m) => m[1] as DeliveryChannel);
  return [...new Set([d.channel, ...via])];
}

export async function settlePermanentFailure(
  o: { db: Db; outbox: Outbox; onUnreached?: UnreachedHandler; otherAddress?: OtherAddress },
  d: DeliveryRow,
  reason: string,
  refusal: SendRefusal | undefined,
): Promise<'rerouted' | 'unreachable' | 'failed'> {
  const isFallback = d.idempotency_key.endsWith(FALLBACK_KEY_SUFFIX);
  let outcome: 'rerouted' | 'unreachable' | 'failed' =
    refusal && d.fallback && d.chat_kind === 'private'
      ? 'rerouted'
      : refusal || isFallback
        ? 'unreachable'
        : 'failed';
  const after = await o.db.transaction(async (tx) => {
    // no group to fall back on (an Official Account has none): the person's private chat on
    // another channel of theirs, if they have one not tried yet
    const other =
      outcome === 'unreachable' &&
      refusal &&
      d.chat_kind === 'private' &&
      d.person_id !== null &&
      o.otherAddress
        ? await o.otherAddress(tx, Number(d.person_id), triedChannels(d))
        : null;
    if (other) outcome = 'rerouted';
    const settled = await tx.query(
      `UPDATE linli.deliveries SET status = $2, failed_at = now(), claimed_until = NULL, last_error = $3
       WHERE id = $1 AND status = 'queued' RETURNING id`,
      [d.id, outcome, reason],
    );
    if (!settled.rows.length) return undefined; // settled by an earlier run
    // a rerouted delivery names what replaced it; the replacement's job is added after COMMIT
    const reroute = async (channel: DeliveryChannel, message: OutboundMessage, idempotencyKey: string) => {
      const schedule = await o.outbox.stage(tx, [
        {
          channel,
          message,
          idempotencyKey,
          urgent: d.urgent,
          orgId: d.org_id,
          personId: d.person_id,
          ...(d.subject ? { subject: d.subject } : {}),
          discreet: d.discreet,
        },
      ]);
      await tx.query(
        `UPDATE linli.deliveries SET rerouted_to = (SELECT id FROM linli.deliveries WHERE idempotency_key = $2)
         WHERE id = $1`,
        [d.id, idempotencyKey],
      );
      return schedule;
    };
    if (other) {
      const key = `${d.idempotency_key}${d.idempotency_key.includes('~from-') ? '' : `~from-${d.channel}`}~via-${other.channel}`;
      const { replyToMessageId: _r, mention: _m, editMessageId: _e, ...message } = d.message;
      return reroute(
        other.channel,
        { ...message, chat: { externalId: other.externalId, kind: 'private' } },
        key,
      );
    }
    if (outcome === 'rerouted')
      return reroute(d.channel, d.fallback!, `${d.idempotency_key}${FALLBACK_KEY_SUFFIX}`);
    if (outcome === 'unreachable' && d.subject && o.onUnreached) {
      const staged: AfterCommit[] = [];
      const unreached = {
        deliveryId: d.id,
        channel: d.channel,
        subject: d.subject,
        personId: d.person_id,
        orgId: d.org_id,
        reason,
      };
      await o.onUnreached(tx, unreached, async (reqs) => {
        staged.push(await o.outbox.stage(tx, reqs));
      });
      return async () => {
        for (const s of staged) await s();
      };
    }
    return undefined;
  });
  await after?.();
  return outcome;
}
