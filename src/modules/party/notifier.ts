import type { Locale } from '../../flows/flow-schema.js';
import type { Choice } from '../../kernel/chat/port.js';
import type { Db, Queryable } from '../../kernel/db/db.js';
import type { AfterCommit, Outbox } from '../../kernel/outbox/outbox.js';
import { privateAddress } from '../chats/index.js';

/**
 * Private messages to people of the party module, through the outbox (after COMMIT), each with an
 * idempotency key, so a retried job or a reconciler pass never sends twice. A person is reached on
 * their first identity (Telegram or WeChat; on WeChat the bot writes to its friends privately),
 * in their locale: callers give the text and buttons as functions of it (texts.ts).
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
    text: Say,
    key: string,
    opts: SendOptions = {},
  ): Promise<Staged | null> {
    const identity = await privateAddress(tx, personId);
    if (!identity) return null;
    const choices = opts.choices?.(identity.locale);
    return this.outbox.stage(tx, [
      {
        channel: identity.channel,
        message: {
          chat: { externalId: identity.external_id, kind: 'private' },
          text: text(identity.locale),
          choices: choices?.length ? choices : undefined,
          locale: identity.locale,
        },
        idempotencyKey: key,
        urgent: opts.urgent,
        orgId: opts.orgId ?? null,
        personId,
      },
    ]);
  }

  /** Runs what was staged (after COMMIT; the outbox reconciler covers a crash in between). */
  async flush(staged: (Staged | null)[]): Promise<void> {
    for (const s of staged) if (s) await s();
  }

  async toPerson(personId: number, text: Say, key: string, opts: SendOptions = {}): Promise<boolean> {
    const identity = await privateAddress(this.db, personId);
    if (!identity) return false;
    const choices = opts.choices?.(identity.locale);
    await this.outbox.enqueue({
      channel: identity.channel,
      message: {
        chat: { externalId: identity.external_id, kind: 'private' },
        text: text(identity.locale),
        choices: choices?.length ? choices : undefined,
        locale: identity.locale,
      },
      idempotencyKey: key,
      urgent: opts.urgent,
      orgId: opts.orgId ?? null,
      personId,
    });
    return true;
  }
}

/** A message's text in the recipient's locale. */
export type Say = (locale: Locale) => string;

export interface SendOptions {
  /** its buttons, in the recipient's locale */
  choices?: (locale: Locale) => Choice[];
  urgent?: boolean;
  orgId?: number | null;
}

/** A message staged in a transaction (`Outbox.stage`), sent by `flush` after COMMIT. */
export type Staged = AfterCommit;
