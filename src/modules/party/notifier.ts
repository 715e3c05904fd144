import type { ChannelName, Choice } from '../../kernel/chat/port.js';
import type { Db, Queryable } from '../../kernel/db/db.js';
import type { Outbox } from '../../kernel/outbox/outbox.js';
import { privateAddress } from '../chats/index.js';

/**
 * Private messages to people of the party module, through the outbox (after COMMIT), each with an
 * idempotency key, so a retried job or a reconciler pass never sends twice. A person is reached on
 * their first identity (Telegram or WeChat; on WeChat the bot writes to its friends privately).
 */
export class PartyNotifier {
  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Writes the delivery in the caller's transaction (so the message exists exactly when the change
   * does); pass the result to `flush` after COMMIT. Returns null for a person with no identity.
   */
  async stage(
    tx: Queryable,
    personId: number,
    text: string,
    key: string,
    opts: { choices?: Choice[]; urgent?: boolean; orgId?: number | null } = {},
  ): Promise<Staged | null> {
    const identity = await privateAddress(tx, personId);
    if (!identity) return null;
    const d = await this.outbox.insert(tx, {
      channel: identity.channel,
      message: {
        chat: { externalId: identity.external_id, kind: 'private' },
        text,
        choices: opts.choices?.length ? opts.choices : undefined,
      },
      idempotencyKey: key,
      urgent: opts.urgent,
      orgId: opts.orgId ?? null,
      personId,
    });
    return d.created ? { channel: identity.channel, id: d.id, notBefore: d.notBefore } : null;
  }

  /** Adds the send jobs of staged deliveries (after COMMIT; the outbox reconciler covers a crash). */
  async flush(staged: (Staged | null)[]): Promise<void> {
    for (const s of staged) if (s) await this.outbox.schedule(s.channel, s.id, s.notBefore);
  }

  async toPerson(
    personId: number,
    text: string,
    key: string,
    opts: { choices?: Choice[]; urgent?: boolean; orgId?: number | null } = {},
  ): Promise<boolean> {
    const identity = await privateAddress(this.db, personId);
    if (!identity) return false;
    await this.outbox.enqueue({
      channel: identity.channel,
      message: {
        chat: { externalId: identity.external_id, kind: 'private' },
        text,
        choices: opts.choices?.length ? opts.choices : undefined,
      },
      idempotencyKey: key,
      urgent: opts.urgent,
      orgId: opts.orgId ?? null,
      personId,
    });
    return true;
  }
}

export interface Staged {
  channel: ChannelName;
  id: number;
  notBefore: Date;
}
